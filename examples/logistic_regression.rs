//! Logistic regression, written the way a Rust user writes it: a parameter
//! struct, helper functions, iterator chains, and a training loop that
//! follows the gradient `#[differentiate]` generates.
//!
//! ```sh
//! cargo run --example logistic_regression
//! ```

use autodiff::{differentiate, Differentiable};

/// The model's parameters; its gradient is a `Model` too.
#[derive(Differentiable, Clone, Debug)]
struct Model {
    weights: Vec<f64>,
    bias: f64,
}

/// The predicted probability that `x` is in class 1.
#[differentiate(wrt(model))]
fn predict(model: &Model, x: &[f64]) -> f64 {
    let z = model
        .weights
        .iter()
        .zip(x)
        .map(|(w, xi)| w * xi)
        .sum::<f64>()
        + model.bias;
    1.0 / (1.0 + (-z).exp())
}

/// Binary cross-entropy of one example, clamped away from log(0).
#[differentiate]
fn cross_entropy(p: f64, label: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    -(label * p.ln() + (1.0 - label) * (1.0 - p).ln())
}

/// Mean cross-entropy over the data set, plus an L2 penalty on the weights.
#[differentiate(wrt(model))]
fn loss(model: &Model, xs: &[Vec<f64>], labels: &[f64], l2: f64) -> f64 {
    let mut total = 0.0;
    for (x, &label) in xs.iter().zip(labels) {
        total += cross_entropy(predict(model, x), label);
    }
    let penalty = model.weights.iter().map(|w| w * w).sum::<f64>();
    total / xs.len() as f64 + 0.5 * l2 * penalty
}

/// Two Gaussian-ish blobs from a fixed linear congruential generator, so
/// the run is the same everywhere.
fn data(n: usize) -> (Vec<Vec<f64>>, Vec<f64>) {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut xs = Vec::new();
    let mut labels = Vec::new();
    for i in 0..n {
        let label = (i % 2) as f64;
        let centre = if label > 0.5 {
            [1.0, 1.5]
        } else {
            [-1.0, -0.5]
        };
        let noise = |u: f64| (u - 0.5) * 2.4;
        xs.push(vec![
            centre[0] + noise(uniform()),
            centre[1] + noise(uniform()),
        ]);
        labels.push(label);
    }
    (xs, labels)
}

fn accuracy(model: &Model, xs: &[Vec<f64>], labels: &[f64]) -> f64 {
    let right = xs
        .iter()
        .zip(labels)
        .filter(|(x, &l)| (predict(model, x) > 0.5) == (l > 0.5))
        .count();
    right as f64 / xs.len() as f64
}

fn main() {
    let (xs, labels) = data(200);
    let mut model = Model {
        weights: vec![0.0, 0.0],
        bias: 0.0,
    };
    let (rate, l2) = (0.5, 1e-3);
    let first = loss(&model, &xs, &labels, l2);
    let mut last = first;
    println!("epoch   loss     accuracy");
    for epoch in 0..=100 {
        let (value, grad) = loss_grad(&model, &xs, &labels, l2);
        assert!(value <= last + 1e-12, "gradient descent went uphill");
        last = value;
        if epoch % 20 == 0 {
            let acc = accuracy(&model, &xs, &labels);
            println!("{epoch:>5}   {value:.4}   {:.1}%", 100.0 * acc);
        }
        for (w, g) in model.weights.iter_mut().zip(&grad.weights) {
            *w -= rate * g;
        }
        model.bias -= rate * grad.bias;
    }
    println!("weights {:.3?}, bias {:.3}", model.weights, model.bias);
    assert!(last < 0.5 * first, "the loss should at least halve");
    assert!(accuracy(&model, &xs, &labels) > 0.9);
}
