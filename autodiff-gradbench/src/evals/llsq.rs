//! `llsq`: linear least squares, y(x) = ½ Σᵢ (sᵢ − Σⱼ xⱼ tᵢʲ)² with
//! tᵢ = −1 + 2i/(n − 1) and sᵢ = sign(tᵢ), and its gradient.

use super::{job, unknown, Job};
use crate::input;
use autodiff::differentiate;
use serde_json::Value;

/// The sample point tᵢ.
pub fn t(i: usize, n: usize) -> f64 {
    -1.0 + 2.0 * i as f64 / (n as f64 - 1.0)
}

/// sign(t), with sign(0) = 0.
pub fn sign(t: f64) -> f64 {
    if t > 0.0 {
        1.0
    } else if t < 0.0 {
        -1.0
    } else {
        0.0
    }
}

#[differentiate(wrt(x))]
pub fn least_squares(x: &[f64], n: usize) -> f64 {
    let mut sum = 0.0;
    for i in 0..n {
        let ti = t(i, n);
        // The polynomial Σⱼ xⱼ tᵢʲ, by powers of tᵢ.
        let mut fit = 0.0;
        let mut power = 1.0;
        for j in 0..x.len() {
            fit += x[j] * power;
            power *= ti;
        }
        let r = sign(ti) - fit;
        sum += r * r;
    }
    0.5 * sum
}

struct Input {
    x: Vec<f64>,
    n: usize,
}

pub fn prepare(function: &str, input: &Value) -> Result<Box<dyn Job>, String> {
    let x = input::vector(input, "x")?;
    let n = input::count(input, "n")?;
    if n < 2 {
        return Err(format!("`n` must be at least 2, got {n}"));
    }
    let input = Input { x, n };
    match function {
        "primal" => Ok(job(input, |p| least_squares(&p.x, p.n), |y| (*y).into())),
        "gradient" => Ok(job(
            input,
            |p| least_squares_grad(&p.x, p.n).1,
            |g| g.clone().into(),
        )),
        _ => Err(unknown("llsq", function, &["primal", "gradient"])),
    }
}
