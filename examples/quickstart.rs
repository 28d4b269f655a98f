//! A tour of `#[differentiate]`: gradients of scalar functions, `wrt`,
//! loops over slices, vector-Jacobian products, and gradient descent.
//!
//! Run with `cargo run --example quickstart`.

use autodiff::{detach, differentiate};

/// f(x, y) = x·y + sin x
#[differentiate]
fn f(x: f64, y: f64) -> f64 {
    x * y + x.sin()
}

/// The Rosenbrock function, written as an ordinary loop over a slice.
#[differentiate]
fn rosen(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = 1.0 - x[i];
        let b = x[i + 1] - x[i] * x[i];
        s += a * a + 100.0 * b * b;
    }
    s
}

/// Mean squared error of a line through `data`: gradient with respect to the
/// parameters only; the data and its length are constants.
#[differentiate(wrt(w))]
fn loss(w: &[f64], xs: &[f64], ys: &[f64]) -> f64 {
    let n = xs.len();
    let mut total = 0.0;
    for i in 0..n {
        let r = w[0] * xs[i] + w[1] - ys[i];
        total += r * r;
    }
    total / n as f64
}

/// A vector-valued function: its `_vjp` takes a seed of the result's length.
#[differentiate]
fn softplus(x: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; x.len()];
    for i in 0..x.len() {
        y[i] = x[i].exp().ln_1p();
    }
    y
}

/// `detach` stops the gradient: here the scale is treated as a constant.
#[differentiate]
fn normalised(x: &[f64]) -> f64 {
    let mut m: f64 = 0.0;
    for i in 0..x.len() {
        m = m.max(x[i].abs());
    }
    let scale = detach(m);
    let mut s = 0.0;
    for i in 0..x.len() {
        s += (x[i] / scale).powi(2);
    }
    s
}

fn main() {
    let (value, (dx, dy)) = f_grad(2.0, 3.0);
    println!("f(2, 3) = {value:.6}   ∂f/∂x = {dx:.6}   ∂f/∂y = {dy:.6}");

    let x: Vec<f64> = (0..10).map(|i| 0.1 * f64::from(i)).collect();
    let (value, grad) = rosen_grad(&x);
    println!("rosen(0.0, 0.1, ..., 0.9) = {value:.2}");
    println!(
        "∇rosen = {:?}",
        grad.iter()
            .map(|g| (g * 1e4).round() / 1e4)
            .collect::<Vec<_>>()
    );

    // Gradient descent on the line fit, using `loss_grad`.
    let xs = [0.0, 1.0, 2.0, 3.0, 4.0];
    let ys = [1.1, 2.9, 5.2, 7.1, 8.8];
    let mut w = vec![0.0, 0.0];
    for step in 0..=400 {
        let (l, g) = loss_grad(&w, &xs, &ys);
        if step % 100 == 0 {
            println!(
                "step {step:3}: loss {l:.5}   w = [{:.4}, {:.4}]",
                w[0], w[1]
            );
        }
        for k in 0..2 {
            w[k] -= 0.05 * g[k];
        }
    }

    // One row of the Jacobian of softplus per unit seed; the buffer accumulates.
    let x = [-1.0, 0.0, 2.0];
    let mut row = vec![0.0; 3];
    let y = softplus_vjp(&x, &[0.0, 0.0, 1.0], &mut row);
    println!("softplus(x) = {y:.4?}   ∂y₂/∂x = {row:.4?}");

    let (v, g) = normalised_grad(&[1.0, -2.0, 0.5]);
    println!("normalised = {v:.4}   gradient with the scale detached = {g:.4?}");
}
