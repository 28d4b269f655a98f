//! Rosenbrock, differentiated and by hand: shared by the benchmarks.

use autodiff::differentiate;

#[differentiate]
pub fn rosen(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = 1.0 - x[i];
        let b = x[i + 1] - x[i] * x[i];
        s += a * a + 100.0 * b * b;
    }
    s
}

/// The gradient as one would write it by hand: one fused pass.
#[inline(never)]
pub fn rosen_hand(x: &[f64], g: &mut [f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = 1.0 - x[i];
        let b = x[i + 1] - x[i] * x[i];
        s += a * a + 100.0 * b * b;
        g[i] += -2.0 * a - 400.0 * b * x[i];
        g[i + 1] += 200.0 * b;
    }
    s
}
