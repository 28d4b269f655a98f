//! The forward-mode peer: `num-dual`'s first-order dual numbers, one pass
//! per input direction, as a forward-mode tool computes a gradient.

#![allow(dead_code)]

use num_dual::Dual64;

/// The gradient of `f` at `x` by `x.len()` forward passes.
pub fn gradient(f: impl Fn(&[Dual64]) -> Dual64, x: &[f64]) -> Vec<f64> {
    let mut duals: Vec<Dual64> = x.iter().map(|&v| Dual64::from(v)).collect();
    let mut g = vec![0.0; x.len()];
    for i in 0..x.len() {
        duals[i].eps = 1.0;
        g[i] = f(&duals).eps;
        duals[i].eps = 0.0;
    }
    g
}
