//! The GradBench protocol: one response per message, with the message's
//! `id`; errors are answered with `"success": false` and the server keeps
//! serving.

use crate::evals;
use crate::input::Runs;
use serde_json::{json, Value};
use std::time::Instant;

/// The tool's name in the `start` response.
pub const TOOL: &str = "autodiff";

/// Answers messages; it remembers nothing between them but what it logs.
#[derive(Default)]
pub struct Server {}

impl Server {
    /// The response to one line of input.
    pub fn respond(&mut self, line: &str) -> Value {
        let message: Value = match serde_json::from_str(line) {
            Ok(m) => m,
            Err(e) => {
                return json!({"id": null, "success": false, "error": format!("malformed message: {e}")})
            }
        };
        let id = message.get("id").cloned().unwrap_or(Value::Null);
        match message.get("kind").and_then(Value::as_str) {
            Some("start") => json!({"id": id, "tool": TOOL}),
            Some("define") => match module_of(&message) {
                Ok(_) => json!({"id": id, "success": true}),
                Err(e) => failure(id, e),
            },
            Some("evaluate") => match evaluate(&message) {
                Ok((output, timings)) => {
                    json!({"id": id, "success": true, "output": output, "timings": timings})
                }
                Err(e) => failure(id, e),
            },
            Some("analysis") => {
                if message.get("valid") == Some(&Value::Bool(false)) {
                    let of = message.get("of").cloned().unwrap_or(Value::Null);
                    let why = message.get("error").cloned().unwrap_or(Value::Null);
                    eprintln!("autodiff-gradbench: the answer to message {of} is invalid: {why}");
                }
                json!({"id": id})
            }
            _ => json!({"id": id}),
        }
    }
}

fn failure(id: Value, error: String) -> Value {
    eprintln!("autodiff-gradbench: message {id}: {error}");
    json!({"id": id, "success": false, "error": error})
}

fn module_of(message: &Value) -> Result<evals::Prepare, String> {
    let name = message
        .get("module")
        .and_then(Value::as_str)
        .ok_or("the message has no `module`")?;
    evals::module(name).ok_or_else(|| format!("this tool does not implement the module `{name}`"))
}

/// Prepares the job (timed as `prepare`), runs it as often as `input` asks
/// (each run timed as `evaluate`), and returns the last output.
fn evaluate(message: &Value) -> Result<(Value, Vec<Value>), String> {
    let prepare = module_of(message)?;
    let function = message
        .get("function")
        .and_then(Value::as_str)
        .ok_or("the message has no `function`")?;
    let input = message.get("input").ok_or("the message has no `input`")?;
    let start = Instant::now();
    let runs = if input.is_object() {
        Runs::of(input)?
    } else {
        Runs {
            min_runs: 1,
            min_seconds: 0.0,
        }
    };
    let mut job = prepare(function, input)?;
    let mut timings = vec![timing("prepare", start.elapsed())];
    let mut total = 0.0;
    let mut done = 0;
    while done < runs.min_runs || total < runs.min_seconds {
        let start = Instant::now();
        job.run();
        let elapsed = start.elapsed();
        total += elapsed.as_secs_f64();
        done += 1;
        timings.push(timing("evaluate", elapsed));
    }
    Ok((job.output(), timings))
}

fn timing(name: &str, elapsed: std::time::Duration) -> Value {
    let nanoseconds = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
    json!({"name": name, "nanoseconds": nanoseconds})
}
