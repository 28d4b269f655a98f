//! `hello`: `square` is x², `double` its derivative 2x.

use super::{job, unknown, Job};
use autodiff::differentiate;
use serde_json::Value;

#[differentiate]
pub fn square(x: f64) -> f64 {
    x * x
}

pub fn prepare(function: &str, input: &Value) -> Result<Box<dyn Job>, String> {
    let x = input
        .as_f64()
        .ok_or("the input of `hello` must be a number")?;
    match function {
        "square" => Ok(job(x, |x| square(*x), |y| (*y).into())),
        "double" => Ok(job(x, |x| square_grad(*x).1, |y| (*y).into())),
        _ => Err(unknown("hello", function, &["square", "double"])),
    }
}
