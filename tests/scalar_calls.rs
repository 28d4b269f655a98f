//! Calls to a differentiated function of scalars to a scalar: the forward
//! sweep runs its pullback once with seed 1 and keeps the partial
//! derivatives, the reverse sweep scales them by the call's cotangent. At
//! the top of the function, in a loop, in a branch, with integer and
//! constant arguments, in `f32`; each checked against finite differences.
#![allow(dead_code)]
mod common;
use autodiff::differentiate;
use common::check;

#[differentiate]
fn sigmoid(v: f64) -> f64 {
    1.0 / (1.0 + (-v).exp())
}

/// Two float parameters and an integer one.
#[differentiate]
fn blend(a: f64, b: f64, k: usize) -> f64 {
    let mut s = a * b;
    for _ in 0..k {
        s = s.sin() + a;
    }
    s
}

#[differentiate(wrt(x))]
fn uses(x: &[f64], w: f64) -> f64 {
    // At the top, a constant second argument.
    let mut s = sigmoid(x[0]) * blend(x[1], w, 2);
    for i in 0..x.len() {
        // In a loop, the value read by the reverse sweep (`* x[i]`): the
        // `let` is kept on a tape rather than computed again.
        let g = sigmoid(x[i] * w);
        s += g * x[i] + blend(x[i], x[(i + 1) % x.len()], i);
        if g > 0.5 {
            // In a branch, the same callee twice in one expression.
            s -= sigmoid(g) * sigmoid(s);
        }
    }
    s
}

#[test]
fn scalar_calls_keep_their_partials() {
    let x = [0.4, -1.3, 2.2, 0.1, 0.9];
    for w in [0.7, -0.4] {
        let (_, g) = uses_grad(&x, w);
        check(|x| uses(x, w), &x, &g);
    }
    // The seed scales the kept partials.
    let (_, g) = uses_grad(&x, 0.7);
    let mut d = [0.0; 5];
    uses_vjp(&x, 0.7, -2.0, &mut d);
    for (a, b) in d.iter().zip(&g) {
        assert!((a + 2.0 * b).abs() <= 1e-12 * b.abs().max(1.0));
    }
}

#[differentiate]
fn squash(v: f32, t: f32) -> f32 {
    (v * t).tanh()
}

#[differentiate]
fn in_f32(x: f32, y: f32) -> f32 {
    let mut s = 0.0;
    for i in 0..3 {
        s += squash(x, y + i as f32) * x;
    }
    s
}

#[test]
fn scalar_calls_in_f32() {
    let (x, y) = (0.3f32, 0.8f32);
    let (_, (gx, gy)) = in_f32_grad(x, y);
    let f = |v: &[f64]| f64::from(in_f32(v[0] as f32, v[1] as f32));
    let h = 1e-3;
    for (k, g) in [gx, gy].into_iter().enumerate() {
        let (mut a, mut b) = ([f64::from(x), f64::from(y)], [f64::from(x), f64::from(y)]);
        a[k] += h;
        b[k] -= h;
        let fd = (f(&a) - f(&b)) / (2.0 * h);
        assert!((f64::from(g) - fd).abs() <= 1e-3, "{k}: {g} vs {fd}");
    }
}
