//! Central finite differences to check generated gradients against.
#![allow(dead_code)]

use approx::assert_relative_eq;

/// `∂f/∂xᵢ ≈ (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h`.
pub fn central(f: impl Fn(&[f64]) -> f64, x: &[f64], h: f64) -> Vec<f64> {
    (0..x.len())
        .map(|i| {
            let (mut a, mut b) = (x.to_vec(), x.to_vec());
            a[i] += h;
            b[i] -= h;
            (f(&a) - f(&b)) / (2.0 * h)
        })
        .collect()
}

/// Asserts that `grad` matches central differences of `f` at `x`.
#[track_caller]
pub fn check(f: impl Fn(&[f64]) -> f64, x: &[f64], grad: &[f64]) {
    let fd = central(&f, x, 1e-6);
    assert_eq!(fd.len(), grad.len(), "gradient length");
    for (i, (g, n)) in grad.iter().zip(&fd).enumerate() {
        assert!(
            (g - n).abs() <= 1e-6 * (1.0 + n.abs()),
            "component {i}: generated {g}, finite differences {n} (x = {x:?})"
        );
    }
}

/// Asserts two gradients agree to rounding.
#[track_caller]
pub fn same(a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_relative_eq!(x, y, epsilon = 1e-12, max_relative = 1e-12);
    }
}
