//! `lse`: log-sum-exp, LSE(x) = a + ln Σᵢ exp(xᵢ − a) with a = max x, and
//! its gradient (the softmax of x).

use super::{job, unknown, Job};
use crate::input;
use autodiff::{detach, differentiate};
use serde_json::Value;

/// The shift `a` only keeps `exp` in range: LSE does not depend on it, so
/// no gradient flows through it (as in every hand-written LSE gradient).
#[differentiate]
pub fn logsumexp(x: &[f64]) -> f64 {
    let mut a = f64::NEG_INFINITY;
    for &v in x {
        a = a.max(v);
    }
    let a = detach(a);
    let mut sum = 0.0;
    for &v in x {
        sum += (v - a).exp();
    }
    a + sum.ln()
}

pub fn prepare(function: &str, input: &Value) -> Result<Box<dyn Job>, String> {
    let x = input::vector(input, "x")?;
    if x.is_empty() {
        return Err("`x` must not be empty".into());
    }
    match function {
        "primal" => Ok(job(x, |x| logsumexp(x), |y| (*y).into())),
        "gradient" => Ok(job(x, |x| logsumexp_grad(x).1, |g| g.clone().into())),
        _ => Err(unknown("lse", function, &["primal", "gradient"])),
    }
}
