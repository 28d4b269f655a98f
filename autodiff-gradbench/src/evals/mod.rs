//! The evals: each module turns a function name and its `input` into a
//! [`Job`] the protocol runs and times.

pub mod det;
pub mod gmm;
pub mod hello;
pub mod llsq;
pub mod lse;
pub mod lstm;
pub mod ode;

use serde_json::Value;

/// One eval function on one parsed input, ready to run repeatedly.
pub trait Job {
    /// One evaluation: the part that is timed.
    fn run(&mut self);
    /// The last evaluation's result, as the eval expects it.
    fn output(&self) -> Value;
}

/// Parses `input` for `function`, or says why it cannot.
pub type Prepare = fn(function: &str, input: &Value) -> Result<Box<dyn Job>, String>;

/// The eval called `module`, if this tool implements it.
pub fn module(module: &str) -> Option<Prepare> {
    Some(match module {
        "hello" => hello::prepare,
        "lse" => lse::prepare,
        "llsq" => llsq::prepare,
        "gmm" => gmm::prepare,
        "ode" => ode::prepare,
        "det" => det::prepare,
        "lstm" => lstm::prepare,
        _ => return None,
    })
}

/// The error for a function the module does not have.
pub fn unknown(module: &str, function: &str, known: &[&str]) -> String {
    format!(
        "module `{module}` has no function `{function}`; it has {}",
        known
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// A [`Job`] from a closure that computes the output from parsed inputs.
pub struct Computation<I, O> {
    pub input: I,
    pub compute: fn(&I) -> O,
    pub to_json: fn(&O) -> Value,
    pub last: Option<O>,
}

impl<I, O> Job for Computation<I, O> {
    fn run(&mut self) {
        self.last = Some(std::hint::black_box((self.compute)(&self.input)));
    }

    fn output(&self) -> Value {
        self.last.as_ref().map_or(Value::Null, self.to_json)
    }
}

/// Boxes a [`Computation`].
pub fn job<I: 'static, O: 'static>(
    input: I,
    compute: fn(&I) -> O,
    to_json: fn(&O) -> Value,
) -> Box<dyn Job> {
    Box::new(Computation {
        input,
        compute,
        to_json,
        last: None,
    })
}
