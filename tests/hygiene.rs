//! Generated code is clean in a strict user crate: no warnings, no clippy
//! lints (`all` and `pedantic`), no `unsafe`, and no clash with user names
//! that look like the macro's (`x_adj`, `tape`, `seed`, `d_x`, `value`), a
//! user `mod core`, or a renamed import of the attribute.
#![deny(warnings)]
#![deny(clippy::all)]
#![deny(clippy::pedantic)]
#![forbid(unsafe_code)]
#![allow(dead_code, clippy::many_single_char_names)]

use approx::assert_relative_eq;
use autodiff::differentiate as diff;

mod core {}
mod std {}

mod local {
    use super::diff;

    /// A user function that happens to be called `detach` and is not the
    /// identity: the forward sweep calls it as written, and, by name, no
    /// gradient flows through it.
    fn detach(v: f64) -> f64 {
        v * 2.0
    }

    #[diff]
    pub fn uses_own_detach(x: f64) -> f64 {
        let __adj = detach(x) * x;
        __adj + x
    }
}

#[diff]
fn clash(x: f64, x_adj: f64, tape: f64, seed: f64) -> f64 {
    let d_x = x * x_adj;
    let value = d_x * tape + seed;
    let t = value.sin();
    let x_grad = t * x;
    let d = x_grad;
    let mut grad = 0.0;
    for i in 0..3 {
        grad += d * f64::from(i);
    }
    grad
}

#[test]
fn user_names_that_look_generated_do_not_clash() {
    let (v, g) = clash_grad(0.5, 2.0, 3.0, 0.25);
    assert_relative_eq!(v, clash(0.5, 2.0, 3.0, 0.25));
    let (x, xa, t, s) = (0.5_f64, 2.0_f64, 3.0_f64, 0.25_f64);
    let value = x * xa * t + s;
    let c = value.cos() * x * 3.0;
    assert_relative_eq!(g.0, (c * xa * t + value.sin() * 3.0), epsilon = 1e-12);
    assert_relative_eq!(g.1, c * x * t, epsilon = 1e-12);
    assert_relative_eq!(g.2, c * x * xa, epsilon = 1e-12);
    assert_relative_eq!(g.3, c, epsilon = 1e-12);
}

#[test]
fn a_local_detach_function_is_called_as_written() {
    let (v, d) = local::uses_own_detach_grad(3.0);
    assert_relative_eq!(v, local::uses_own_detach(3.0));
    assert_relative_eq!(v, 21.0);
    assert_relative_eq!(d, 7.0);
}

#[diff(wrt(x))]
#[must_use]
pub fn public_with_loops(x: &[f64], scale: f64) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    let mut carry = 1.0;
    for i in 0..x.len() {
        if x[i] <= 0.0 {
            continue;
        }
        carry *= x[i];
        out[i] = carry * scale;
    }
    out
}

#[test]
fn strict_lints_on_a_public_function_with_loops() {
    let x = [0.5, -1.0, 2.0];
    let mut g = vec![0.0; 3];
    let y = public_with_loops_vjp(&x, 2.0, &[1.0, 1.0, 1.0], &mut g);
    assert_eq!(y, vec![1.0, 0.0, 2.0]);
    assert_eq!(g, vec![2.0 + 4.0, 0.0, 1.0]);
}

#[diff]
#[must_use]
pub fn helper_for_calls(x: &[f64], s: f64) -> f64 {
    x[0] * s + x[1].sin()
}

#[diff]
#[must_use]
pub fn calls_a_helper(x: &[f64]) -> f64 {
    helper_for_calls(x, 2.0) * helper_for_calls(x, x[0])
}

#[test]
fn strict_lints_on_calls_between_differentiated_functions() {
    let (v, g) = calls_a_helper_grad(&[0.5, 1.5]);
    assert_relative_eq!(v, calls_a_helper(&[0.5, 1.5]));
    assert_eq!(g.len(), 2);
}

#[derive(autodiff::Differentiable)]
pub struct Weights {
    pub w: Vec<f64>,
    pub b: f64,
}

pub enum Mode {
    Plain,
    Scaled(f64),
}

#[diff(wrt(p))]
#[must_use]
pub fn idiomatic(p: &Weights, x: &[f64], mode: &Mode) -> f64 {
    let z = p.w.iter().zip(x).map(|(w, xi)| w * xi).sum::<f64>() + p.b;
    let (lo, hi) = if z < 0.0 { (z, 0.0) } else { (0.0, z) };
    let mut s = 0.0;
    for (i, &xi) in x.iter().enumerate() {
        s += xi * p.w[i];
    }
    match mode {
        Mode::Plain => lo + hi + s,
        Mode::Scaled(k) => k * (lo + hi) + s,
    }
}

#[test]
fn strict_lints_on_iterators_match_tuples_and_structs() {
    let p = Weights {
        w: vec![1.0, 2.0],
        b: 0.5,
    };
    let (v, g) = idiomatic_grad(&p, &[1.0, -1.0], &Mode::Scaled(3.0));
    assert_relative_eq!(v, idiomatic(&p, &[1.0, -1.0], &Mode::Scaled(3.0)));
    assert_eq!(g.w, vec![4.0, -4.0]);
    assert_relative_eq!(g.b, 3.0);
    assert_relative_eq!(idiomatic(&p, &[0.0, 0.0], &Mode::Plain), 0.5);
}

/// Several outputs: a returned tuple, and a function writing into `out`
/// that reads back what it wrote and returns early.
#[diff]
#[must_use]
pub fn tuple_result(x: f64, v: &[f64]) -> (f64, Vec<f64>) {
    if x > 10.0 {
        return (x, v.to_vec());
    }
    let mut w = v.to_vec();
    w[0] *= x;
    (x.sin() * v[0], w)
}

#[diff]
pub fn into_output(x: &[f64], out: &mut [f64]) {
    for i in 0..x.len() {
        if x[i] > 100.0 {
            return;
        }
        out[i] = x[i] * x[i];
        out[i] = out[i].sin();
    }
}

#[test]
fn strict_lints_on_several_outputs() {
    let mut d = [0.0; 2];
    let mut out = [0.0; 2];
    into_output_vjp(&[1.0, 2.0], &mut out, &[1.0, 0.0], &mut d);
    assert_relative_eq!(out[0], 1.0_f64.sin());
    assert_relative_eq!(d[0], 2.0 * 1.0_f64.cos());
    let (mut dx, mut dv) = (0.0, [0.0]);
    let (a, _) = tuple_result_vjp(0.5, &[2.0], (1.0, &[0.0]), &mut dx, &mut dv);
    assert_relative_eq!(a, 0.5_f64.sin() * 2.0);
    assert_relative_eq!(dx, 0.5_f64.cos() * 2.0);
}

#[diff]
#[must_use]
pub fn tensors(x: &autodiff::Vector, a: &autodiff::Matrix, s: f64) -> f64 {
    let y = a.matvec(x) * s;
    let z = &y * &y + autodiff::no_grad! { x.sum() };
    let mut w = x.clone();
    for _ in 0..2 {
        w = w.sin() * 0.5;
    }
    z.sum() + w.dot(x) + y[0].max(0.0)
}

#[test]
fn strict_lints_on_vectors_and_matrices() {
    let x = autodiff::Vector::from(vec![0.5, -1.0]);
    let a = autodiff::Matrix::from_rows(&[[1.0, 2.0], [3.0, 4.0]]);
    let (v, (dx, da, ds)) = tensors_grad(&x, &a, 1.5);
    assert_relative_eq!(v, tensors(&x, &a, 1.5));
    assert_eq!((dx.len(), da.shape()), (2, (2, 2)));
    assert!(ds.is_finite());
}

/// A fused loop with a replayed inner loop that keeps its carried power and
/// an `exp`, a branch, and a kept `tanh` in a reversed loop after it.
#[diff(wrt(x))]
#[must_use]
pub fn fused_and_kept(x: &[f64], n: usize) -> f64 {
    let mut sum = 0.0;
    for i in 0..n {
        let t = f64::from(u32::try_from(i).unwrap_or(0)) / 10.0;
        let mut fit = 0.0;
        let mut power = 1.0;
        for &xj in x {
            fit += xj * power + (xj * t).exp();
            power *= t;
        }
        if t > 0.2 {
            sum += fit;
        } else {
            sum -= fit * 3.0;
        }
    }
    let mut y = vec![0.0; x.len()];
    let mut p = 1.0;
    for j in 0..x.len() {
        y[j] = x[j].tanh() * p;
        p *= 1.0 + y[j];
    }
    0.5 * sum - p
}

#[test]
fn strict_lints_on_fused_replayed_and_kept_code() {
    let x = [0.3, -0.2, 0.5];
    let (v, g) = fused_and_kept_grad(&x, 4);
    assert!(v.is_finite());
    let h = 1e-6;
    for i in 0..3 {
        let (mut a, mut b) = (x, x);
        a[i] += h;
        b[i] -= h;
        let fd = (fused_and_kept(&a, 4) - fused_and_kept(&b, 4)) / (2.0 * h);
        assert_relative_eq!(g[i], fd, epsilon = 1e-6, max_relative = 1e-6);
    }
}
