//! Hand-written pullbacks, `#[differentiate(pullback = rule)]`: the body is
//! not read, the rule gives the derivative — for a numerically better
//! formula, an iterative solver, and a reduction over a slice — used on
//! their own and from other differentiated functions.

mod common;
use autodiff::differentiate;
use common::check;

/// `ln(1 + eˣ)` without overflow for large `x`.
#[differentiate(pullback = softplus_pullback)]
fn softplus(x: f64) -> f64 {
    if x > 30.0 {
        x
    } else {
        x.exp().ln_1p()
    }
}

/// `d softplus / dx = σ(x)`.
fn softplus_pullback(x: f64, seed: f64, d_x: &mut f64) {
    *d_x += seed / (1.0 + (-x).exp());
}

#[test]
fn a_custom_rule_gives_the_gradient() {
    for x in [-3.0, 0.0, 0.7, 40.0, 800.0] {
        let (v, d) = softplus_grad(x);
        assert_eq!(v, softplus(x));
        let sigma = 1.0 / (1.0 + (-x).exp());
        assert!((d - sigma).abs() < 1e-15, "x = {x}: {d} vs {sigma}");
    }
    let mut d = 1.0;
    softplus_vjp(0.5, 2.0, &mut d);
    assert!((d - (1.0 + 2.0 / (1.0 + (-0.5f64).exp()))).abs() < 1e-15);
}

/// `√a` by Newton's method: a loop the rule replaces by the implicit
/// function theorem, `y² = a ⇒ dy/da = 1 / 2y`.
#[differentiate(pullback = newton_sqrt_pullback)]
fn newton_sqrt(a: f64) -> f64 {
    let mut y = a.max(1.0);
    loop {
        let next = 0.5 * (y + a / y);
        if (next - y).abs() <= 1e-15 * y {
            return next;
        }
        y = next;
    }
}

fn newton_sqrt_pullback(a: f64, seed: f64, d_a: &mut f64) {
    *d_a += seed / (2.0 * newton_sqrt(a));
}

#[differentiate(pullback = log_sum_exp_pullback)]
fn log_sum_exp(x: &[f64]) -> f64 {
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    m + x.iter().map(|v| (v - m).exp()).sum::<f64>().ln()
}

/// The gradient of log-sum-exp is the softmax.
fn log_sum_exp_pullback(x: &[f64], seed: f64, d_x: &mut [f64]) {
    let l = log_sum_exp(x);
    for (d, v) in d_x.iter_mut().zip(x) {
        *d += seed * (v - l).exp();
    }
}

#[test]
fn slices_and_solvers() {
    let x = [0.5, -1.0, 2.0];
    let (_, g) = log_sum_exp_grad(&x);
    check(log_sum_exp, &x, &g);
    let (v, d) = newton_sqrt_grad(2.0);
    assert!((v - 2f64.sqrt()).abs() < 1e-15);
    assert!((d - 0.5 / 2f64.sqrt()).abs() < 1e-15);
}

#[differentiate(wrt(w))]
fn model(w: &[f64], x: &[f64]) -> f64 {
    let mut z = vec![0.0; x.len()];
    for i in 0..x.len() {
        z[i] = softplus(w[i] * x[i]) + newton_sqrt(w[i] * w[i] + 1.0);
    }
    log_sum_exp(&z)
}

#[test]
fn custom_rules_compose_with_generated_code() {
    let (w, x) = ([0.3, -0.8, 1.5], [2.0, 1.0, -0.5]);
    let (v, g) = model_grad(&w, &x);
    assert_eq!(v, model(&w, &x));
    check(|p| model(p, &x), &w, &g);
}

#[differentiate(wrt(x), pullback = weighted_pullback)]
fn weighted(x: f64, w: f64, n: usize) -> f64 {
    x * w * n as f64
}

fn weighted_pullback(x: f64, w: f64, n: usize, seed: f64, d_x: &mut f64, d_w: &mut f64) {
    *d_x += seed * w * n as f64;
    *d_w += seed * x * n as f64;
}

#[differentiate]
fn uses_weighted(a: f64, b: f64) -> f64 {
    weighted(a, b, 3) + weighted(b * b, a, 2)
}

#[test]
fn a_rule_covers_every_float_parameter_whatever_the_public_wrt() {
    assert_eq!(weighted_grad(2.0, 5.0, 3), (30.0, 15.0));
    let (_, (da, db)) = uses_weighted_grad(0.4, 1.1);
    check(|p| uses_weighted(p[0], p[1]), &[0.4, 1.1], &[da, db]);
}

/// A custom rule for a function with two outputs, a returned tuple: the rule
/// takes the tuple of seeds.
#[differentiate(pullback = sincos_pullback)]
fn sincos(x: f64) -> (f64, f64) {
    x.sin_cos()
}

fn sincos_pullback(x: f64, seed: (f64, f64), d_x: &mut f64) {
    *d_x += seed.0 * x.cos() - seed.1 * x.sin();
}

/// And for one writing into an output parameter, which the rule reads back.
#[differentiate(pullback = cumsum_pullback)]
fn cumsum(x: &[f64], out: &mut [f64]) {
    let mut s = 0.0;
    for (o, v) in out.iter_mut().zip(x) {
        s += v;
        *o = s;
    }
}

fn cumsum_pullback(x: &[f64], out: &mut [f64], seed: &[f64], d_x: &mut [f64]) {
    assert_eq!(out.len(), x.len());
    let mut acc = 0.0;
    for i in (0..x.len()).rev() {
        acc += seed[i];
        d_x[i] += acc;
    }
}

#[test]
fn custom_rules_for_several_outputs() {
    let mut d = 0.0;
    let v = sincos_vjp(0.4, (2.0, -1.0), &mut d);
    assert_eq!(v, 0.4f64.sin_cos());
    check(|p| 2.0 * p[0].sin() - p[0].cos(), &[0.4], &[d]);
    let x = [1.0, -2.0, 0.5];
    let mut out = [0.0; 3];
    let mut dx = [0.0; 3];
    cumsum_vjp(&x, &mut out, &[1.0, 2.0, 3.0], &mut dx);
    assert_eq!(out, [1.0, -1.0, -0.5]);
    assert_eq!(dx, [6.0, 5.0, 3.0]);
}
