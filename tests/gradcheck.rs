//! The gradient checker: it passes generated gradients and catches a wrong
//! hand-written one.

use autodiff::{differentiate, gradcheck, GradCheck, Vector};

#[differentiate]
fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = 1.0 - x[i];
        let b = x[i + 1] - x[i] * x[i];
        s += a * a + 100.0 * b * b;
    }
    s
}

#[differentiate]
fn softplus_norm(x: &Vector) -> f64 {
    (x.exp() + 1.0).ln().norm()
}

#[differentiate]
fn squares(x: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; x.len()];
    for i in 0..x.len() {
        y[i] = x[i] * x[i] * (i as f64 + 1.0);
    }
    y
}

/// Rosenbrock's gradient by hand, with a deliberate slip: the factor 100 of
/// the second term is missing from `x[i+1]`'s component.
fn rosenbrock_vjp_wrong(x: &[f64], seed: f64, d_x: &mut [f64]) -> f64 {
    for i in 0..x.len() - 1 {
        let b = x[i + 1] - x[i] * x[i];
        d_x[i] += seed * (-2.0 * (1.0 - x[i]) - 400.0 * x[i] * b);
        d_x[i + 1] += seed * 2.0 * b;
    }
    rosenbrock(x)
}

#[test]
fn generated_gradients_pass() {
    let x = [0.3, -0.7, 1.2, 0.9];
    let r = gradcheck(rosenbrock, rosenbrock_vjp, &x[..]);
    assert!(r.passed(), "{r}");
    assert!(r.worst_relative_error < 1e-6, "{r}");
    let v = Vector::from(vec![0.5, -1.5, 2.0]);
    let r = gradcheck(softplus_norm, softplus_norm_vjp, &v);
    assert!(r.passed(), "{r}");
}

#[test]
fn a_wrong_hand_written_gradient_fails() {
    let x = [0.3, -0.7, 1.2, 0.9];
    let r = gradcheck(rosenbrock, rosenbrock_vjp_wrong, &x[..]);
    assert!(!r.passed(), "{r}");
    assert!(r.worst_relative_error > 0.1, "{r}");
    assert!(r.to_string().starts_with("gradcheck FAILED"), "{r}");
}

#[test]
fn vector_results_are_checked_with_random_seeds() {
    let x = [0.3, -0.7, 1.2];
    let check = GradCheck {
        trials: 16,
        ..GradCheck::default()
    };
    let r = check.vector(squares, squares_vjp, &x[..]);
    assert!(r.passed(), "{r}");
    assert_eq!(r.trials, 16);
    // Doubling the first output's gradient is caught.
    let wrong = |x: &[f64], s: &[f64], d: &mut [f64]| {
        squares_vjp(x, s, d);
        d[0] += s[0] * 2.0 * x[0];
    };
    assert!(!check.vector(squares, wrong, &x[..]).passed());
}

#[test]
fn a_gradient_of_zero_where_there_is_one_fails() {
    let r = gradcheck(
        |x: &[f64]| x[0] * x[0],
        |_: &[f64], _: f64, _: &mut [f64]| {},
        &[2.0][..],
    );
    assert!(!r.passed(), "{r}");
    assert_eq!(r.worst.0, 0.0, "{r}");
    assert!(r.worst.1.abs() > 0.1, "{r}");
}
