//! The rule table: every float method's derivative, in method and
//! `f64::name(x)` form, against central differences on its input domain.
#![allow(dead_code)]
mod common;
use autodiff::differentiate;

macro_rules! unary {
    ($($name:ident: [$($x:expr),*];)*) => {$(
        mod $name {
            use super::*;
            #[differentiate]
            pub fn method(x: f64) -> f64 { x.$name() }
            #[differentiate]
            pub fn path(x: f64) -> f64 { f64::$name(x) }
            #[test]
            fn derivative_matches_finite_differences() {
                for x in [$($x),*] {
                    let (v, d) = method_grad(x);
                    assert_eq!(v, x.$name());
                    common::check(|p| p[0].$name(), &[x], &[d]);
                    assert_eq!(path_grad(x), (v, d));
                }
            }
        }
    )*};
}

macro_rules! binary {
    ($($name:ident: [$(($a:expr, $b:expr)),*];)*) => {$(
        mod $name {
            use super::*;
            #[differentiate]
            pub fn method(a: f64, b: f64) -> f64 { a.$name(b) }
            #[differentiate]
            pub fn path(a: f64, b: f64) -> f64 { f64::$name(a, b) }
            #[test]
            fn derivative_matches_finite_differences() {
                for (a, b) in [$(($a, $b)),*] {
                    let (v, (da, db)) = method_grad(a, b);
                    assert_eq!(v, a.$name(b));
                    common::check(|p| p[0].$name(p[1]), &[a, b], &[da, db]);
                    assert_eq!(path_grad(a, b), (v, (da, db)));
                }
            }
        }
    )*};
}

unary! {
    sin: [-2.0, 0.3, 4.0];
    cos: [-2.0, 0.3, 4.0];
    tan: [-1.0, 0.3, 1.2];
    asin: [-0.9, 0.0, 0.5];
    acos: [-0.9, 0.0, 0.5];
    atan: [-3.0, 0.2, 5.0];
    sinh: [-2.0, 0.1, 1.5];
    cosh: [-2.0, 0.1, 1.5];
    tanh: [-2.0, 0.1, 1.5];
    asinh: [-2.0, 0.1, 3.0];
    acosh: [1.2, 2.0, 5.0];
    atanh: [-0.9, 0.0, 0.6];
    exp: [-3.0, 0.0, 2.0];
    exp2: [-3.0, 0.0, 2.0];
    exp_m1: [-3.0, 1e-3, 2.0];
    ln: [0.1, 1.0, 7.0];
    ln_1p: [-0.5, 0.0, 7.0];
    log2: [0.1, 1.0, 7.0];
    log10: [0.1, 1.0, 7.0];
    sqrt: [0.1, 1.0, 9.0];
    cbrt: [-8.0, 0.5, 9.0];
    recip: [-3.0, 0.5, 9.0];
    abs: [-3.0, 0.5];
}

binary! {
    atan2: [(1.0, 2.0), (-0.5, 0.3), (2.0, -1.0)];
    powf: [(1.5, 2.5), (0.3, -1.2), (4.0, 0.5)];
    log: [(3.0, 2.0), (0.5, 10.0), (7.0, 0.5)];
    max: [(1.0, 2.0), (3.0, -1.0)];
    min: [(1.0, 2.0), (3.0, -1.0)];
    hypot: [(3.0, 4.0), (-1.0, 0.5)];
}

#[differentiate]
fn powi(x: f64) -> f64 {
    x.powi(3) + f64::powi(x, -2) + x.powi(0)
}

#[test]
fn powi_matches_closed_form() {
    for x in [-1.5, 0.7, 2.0] {
        let (_, d) = powi_grad(x);
        approx::assert_relative_eq!(d, 3.0 * x * x - 2.0 / (x * x * x), epsilon = 1e-12);
    }
}

#[differentiate]
fn mul_add(a: f64, b: f64, c: f64) -> f64 {
    a.mul_add(b, c) + f64::mul_add(c, a, b)
}

#[differentiate]
fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    x.clamp(lo, hi) * 2.0
}

#[test]
fn ternary_rules() {
    let p = [0.3, -1.2, 2.5];
    let (_, (da, db, dc)) = mul_add_grad(p[0], p[1], p[2]);
    common::check(
        |p| p[0].mul_add(p[1], p[2]) + p[2].mul_add(p[0], p[1]),
        &p,
        &[da, db, dc],
    );
    for x in [-3.0, 0.5, 4.0] {
        let (_, (dx, dlo, dhi)) = clamp_grad(x, -1.0, 2.0);
        common::check(
            |p| p[0].clamp(p[1], p[2]) * 2.0,
            &[x, -1.0, 2.0],
            &[dx, dlo, dhi],
        );
    }
}

#[differentiate]
fn piecewise_constant(x: f64) -> f64 {
    x.floor() + x.ceil() + x.round() + x.trunc() + x.signum() + f64::floor(x) + x
}

#[test]
fn piecewise_constant_methods_have_zero_derivative() {
    assert_eq!(piecewise_constant_grad(2.3).1, 1.0);
}

#[test]
fn non_smooth_points_follow_pytorch_and_jax() {
    assert_eq!(unary_abs(0.0), 0.0);
    assert_eq!(max::method_grad(1.0, 1.0).1, (0.5, 0.5));
    assert_eq!(min::method_grad(1.0, 1.0).1, (0.5, 0.5));
    assert_eq!(hypot::method_grad(0.0, 0.0).1, (0.0, 0.0));
}

fn unary_abs(x: f64) -> f64 {
    abs::method_grad(x).1
}

/// One place in several argument positions of a rule: its cotangents are
/// summed before they reach the adjoint, for a scalar, a slice element and
/// an element of a row.
#[differentiate]
fn same_place_twice(x: f64, v: &[f64], m: &[Vec<f64>]) -> f64 {
    let mut s = x * x + x.powf(x) + x.hypot(x) + x.mul_add(x, x) + x.atan2(x);
    for i in 0..v.len() {
        s += v[i] * v[i] + v[i].mul_add(v[i], v[i]) + v[i].powf(v[i]) / (v[i] + v[0]);
        s += m[i][1] * m[i][1] + m[i][1].mul_add(m[i][0], m[i][1]);
    }
    s
}

#[test]
fn one_place_in_several_arguments() {
    let (x, v, m) = (0.7, [1.3, 0.4], vec![vec![0.5, 1.1], vec![-0.3, 0.9]]);
    let (_, (dx, dv, dm)) = same_place_twice_grad(x, &v, &m);
    let flat = [x, v[0], v[1], m[0][0], m[0][1], m[1][0], m[1][1]];
    let unflat = |p: &[f64]| {
        let m = vec![vec![p[3], p[4]], vec![p[5], p[6]]];
        same_place_twice(p[0], &p[1..3], &m)
    };
    let grad = [dx, dv[0], dv[1], dm[0][0], dm[0][1], dm[1][0], dm[1][1]];
    common::check(unflat, &flat, &grad);
}
