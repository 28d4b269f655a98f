//! `ode`: a linear ODE solved by Runge–Kutta (cmpad's `an_ode`).
//!
//! The system is `y₀′ = x₀`, `yᵢ′ = xᵢ·yᵢ₋₁` for `i > 0`, with `y(0) = 0`,
//! integrated from `t = 0` to `t = 2` by `s` steps of classic fourth-order
//! Runge–Kutta. `primal` is the final `y`; `gradient` is the gradient of its
//! last element with respect to `x`, the vector-Jacobian product of the
//! solver with the unit seed `e_{n−1}`.

use super::{job, unknown, Job};
use crate::input::{count, vector};
use autodiff::differentiate;
use serde_json::Value;

/// The right-hand side `f(y)` of the system, for the parameters `x`.
#[differentiate]
fn rhs(x: &[f64], y: &[f64]) -> Vec<f64> {
    let mut z = vec![0.0; x.len()];
    z[0] = x[0];
    for i in 1..x.len() {
        z[i] = x[i] * y[i - 1];
    }
    z
}

/// `y + a·k`: the point at which Runge–Kutta evaluates the next stage.
#[differentiate]
fn stage(y: &[f64], a: f64, k: &[f64]) -> Vec<f64> {
    let mut z = vec![0.0; y.len()];
    for i in 0..y.len() {
        z[i] = y[i] + a * k[i];
    }
    z
}

/// `y(2)` after `s` Runge–Kutta steps of size `h = 2/s` from `y(0) = 0`.
#[differentiate(wrt(x))]
pub fn solve(x: &[f64], s: usize) -> Vec<f64> {
    let n = x.len();
    let h = 2.0 / s as f64;
    let mut y = vec![0.0; n];
    for _ in 0..s {
        let k1: Vec<f64> = rhs(x, &y);
        let k2: Vec<f64> = rhs(x, &stage(&y, h / 2.0, &k1));
        let k3: Vec<f64> = rhs(x, &stage(&y, h / 2.0, &k2));
        let k4: Vec<f64> = rhs(x, &stage(&y, h, &k3));
        for i in 0..n {
            y[i] += h * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]) / 6.0;
        }
    }
    y
}

/// `∂y_{n−1}/∂x`: one reverse sweep seeded with the last unit vector.
fn gradient(input: &Input) -> Vec<f64> {
    let n = input.x.len();
    let mut seed = vec![0.0; n];
    seed[n - 1] = 1.0;
    let mut d_x = vec![0.0; n];
    solve_vjp(&input.x, input.s, &seed, &mut d_x);
    d_x
}

/// A parsed `ode` input.
pub struct Input {
    x: Vec<f64>,
    s: usize,
}

fn parse(input: &Value) -> Result<Input, String> {
    let x = vector(input, "x")?;
    let s = count(input, "s")?;
    // The system starts from `x₀`, and the gradient is of the last element.
    if x.is_empty() {
        return Err("`x` must not be empty".into());
    }
    // `h = 2/s` needs at least one step.
    if s == 0 {
        return Err("`s` must be at least 1".into());
    }
    Ok(Input { x, s })
}

pub fn prepare(function: &str, input: &Value) -> Result<Box<dyn Job>, String> {
    let to_json = |y: &Vec<f64>| Value::from(y.as_slice());
    match function {
        "primal" => Ok(job(parse(input)?, |i| solve(&i.x, i.s), to_json)),
        "gradient" => Ok(job(parse(input)?, gradient, to_json)),
        _ => Err(unknown("ode", function, &["primal", "gradient"])),
    }
}
