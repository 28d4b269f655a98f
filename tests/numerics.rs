//! Numerical edge behaviour, as documented in the crate guide: the
//! conventions at non-smooth points, IEEE propagation of NaN and infinity
//! (never a panic), overflow in the reverse sweep, empty inputs and loops
//! that run zero times.
#![allow(dead_code)]
use autodiff::differentiate;

#[differentiate]
fn abs(x: f64) -> f64 {
    x.abs()
}

#[differentiate]
fn max(a: f64, b: f64) -> f64 {
    a.max(b)
}

#[differentiate]
fn min(a: f64, b: f64) -> f64 {
    f64::min(a, b)
}

#[differentiate]
fn sqrt(x: f64) -> f64 {
    x.sqrt()
}

#[differentiate]
fn cbrt(x: f64) -> f64 {
    x.cbrt()
}

#[allow(clippy::eq_op)]
#[differentiate]
fn cbrt_of_nothing(x: f64) -> f64 {
    (x - x).cbrt()
}

#[differentiate]
fn clamp(x: f64) -> f64 {
    x.clamp(-1.0, 1.0)
}

#[test]
fn non_smooth_points_follow_pytorch_and_jax() {
    assert_eq!(abs_grad(0.0), (0.0, 0.0), "abs'(0) = 0");
    assert_eq!(abs_grad(-0.0).1, 0.0);
    assert_eq!(
        max_grad(1.0, 1.0),
        (1.0, (0.5, 0.5)),
        "a tie splits the gradient"
    );
    assert_eq!(min_grad(2.0, 2.0), (2.0, (0.5, 0.5)));
    assert_eq!(sqrt_grad(0.0), (0.0, f64::INFINITY), "sqrt'(0) = +inf");
    assert_eq!(cbrt_grad(0.0), (0.0, f64::INFINITY), "cbrt'(0) = +inf");
    // At a singular point the chain rule meets inf - inf, as in PyTorch and
    // JAX, even where the function is constant.
    assert!(cbrt_of_nothing_grad(1.0).1.is_nan());
    assert_eq!(
        clamp_grad(1.0).1,
        1.0,
        "at a bound, clamp passes the gradient to x"
    );
    assert_eq!(clamp_grad(1.5).1, 0.0);
}

#[differentiate]
fn smooth(x: f64) -> f64 {
    x * x + x.sin()
}

#[differentiate]
fn sum_squares(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * x[i];
    }
    s
}

#[test]
fn nan_propagates_and_never_panics() {
    let (v, d) = smooth_grad(f64::NAN);
    assert!(v.is_nan() && d.is_nan());
    // NaN stays in the component that depends on it.
    let (v, g) = sum_squares_grad(&[1.0, f64::NAN, 2.0]);
    assert!(v.is_nan());
    assert_eq!(g[0], 2.0);
    assert!(g[1].is_nan());
    assert_eq!(g[2], 4.0);
    // `f64::max` ignores a NaN operand, and so does its gradient.
    assert_eq!(max_grad(f64::NAN, 3.0), (3.0, (0.0, 1.0)));
    assert_eq!(max_grad(3.0, f64::NAN), (3.0, (1.0, 0.0)));
}

#[differentiate]
fn exp(x: f64) -> f64 {
    x.exp()
}

#[differentiate]
fn scaled(x: f64) -> f64 {
    x * 1e300
}

#[test]
fn infinities_and_overflow_propagate() {
    assert_eq!(exp_grad(1000.0), (f64::INFINITY, f64::INFINITY));
    assert_eq!(exp_grad(f64::NEG_INFINITY), (0.0, 0.0));
    assert_eq!(
        sum_squares_grad(&[f64::INFINITY, 1.0]),
        (f64::INFINITY, vec![f64::INFINITY, 2.0])
    );
    // Where the primal is NaN (inf + sin(inf)), so is its gradient.
    assert!(smooth(f64::INFINITY).is_nan() && smooth_grad(f64::INFINITY).1.is_nan());
    // The forward sweep is finite; the reverse sweep overflows.
    let mut d = 0.0;
    let v = scaled_vjp(1.0, 1e300, &mut d);
    assert_eq!((v, d), (1e300, f64::INFINITY));
}

#[test]
fn empty_inputs() {
    assert_eq!(sum_squares_grad(&[]), (0.0, vec![]));
}

#[differentiate]
fn first_times(x: &[f64], n: usize) -> f64 {
    let mut p = x[0];
    let mut k = 0;
    while k < n {
        p *= x[k + 1];
        k += 1;
    }
    p
}

#[test]
fn loops_that_run_zero_times() {
    assert_eq!(first_times_grad(&[3.0, 5.0], 0), (3.0, vec![1.0, 0.0]));
    assert_eq!(first_times_grad(&[3.0, 5.0], 1), (15.0, vec![5.0, 3.0]));
}

/// Found by differential testing (program p359 of seed 1): a value that does
/// not reach the result has a zero adjoint, and its pullback, `cbrt` at 0
/// (`0 · ∞`), made the live gradient NaN. Only values that flow into the
/// result are differentiated, as in PyTorch and JAX.
#[differentiate]
fn unused_singular_value(x: &[f64], a: f64) -> f64 {
    let v = x[0] - a;
    for _ in 0..3 {
        let _unused = (v * 0.0).cbrt();
    }
    let dead = (x[1] * 0.0).sqrt();
    let _ = dead;
    v.sin()
}

#[test]
fn values_that_do_not_reach_the_result_are_not_differentiated() {
    let (v, (g, ga)) = unused_singular_value_grad(&[0.5, 0.25], 0.25);
    assert_eq!(v, 0.25f64.sin());
    assert_eq!(g, vec![0.25f64.cos(), 0.0]);
    assert_eq!(ga, -0.25f64.cos());
}

#[differentiate]
fn floors(x: f64, y: f64, v: &[f64]) -> f64 {
    let a = y.floor();
    let mut s = x + a;
    for i in 0..v.len() {
        let t = v[i].floor();
        s += t;
    }
    s
}

/// Adjoints start from `-0.0` inside the generated code (so that LLVM can
/// drop the first addition); a gradient the user sees is `+0.0` where no
/// derivative reaches it, as PyTorch and JAX print it.
#[test]
fn zero_gradients_are_positive_zeros() {
    let (_, (dx, dy, dv)) = floors_grad(1.0, 2.5, &[1.5, 2.5]);
    assert_eq!(dx, 1.0);
    assert!(dy == 0.0 && dy.is_sign_positive());
    assert!(dv.iter().all(|d| *d == 0.0 && d.is_sign_positive()));
}
