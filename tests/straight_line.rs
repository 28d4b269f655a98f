//! Straight-line code: arithmetic, literals, casts, shadowing, reassignment.
#![allow(dead_code)]
mod common;
use approx::assert_relative_eq;
use autodiff::differentiate;
use common::check;

#[differentiate]
fn poly(x: f64, y: f64) -> f64 {
    x * y + x.sin() - 3.0 * y / x + (-x) * 2.5_f64
}

#[test]
fn arithmetic_matches_closed_form() {
    let (x, y) = (1.3, -0.7);
    let (v, (dx, dy)) = poly_grad(x, y);
    assert_relative_eq!(v, poly(x, y));
    assert_relative_eq!(dx, y + x.cos() + 3.0 * y / (x * x) - 2.5, epsilon = 1e-14);
    assert_relative_eq!(dy, x - 3.0 / x, epsilon = 1e-14);
}

#[differentiate]
fn shadowing(x: f64) -> f64 {
    let y = x * x;
    let y = y.sin() + y;
    let x = y * x;
    x
}

#[test]
fn shadowed_names_are_distinct_values() {
    let x0 = 0.8;
    let (v, d) = shadowing_grad(x0);
    assert_relative_eq!(v, shadowing(x0));
    check(|x| shadowing(x[0]), &[x0], &[d]);
}

#[differentiate]
fn reassign(x: f64, y: f64) -> f64 {
    let mut s = x;
    s = s * y;
    s += x * 2.0;
    s -= y;
    s *= s;
    s /= x + 3.0;
    let mut t: f64 = 1.0;
    t = t * s;
    t = t.exp() * 0.1;
    t
}

#[test]
fn reassignment_and_compound_operators() {
    let p = [0.4, 1.7];
    let (v, (dx, dy)) = reassign_grad(p[0], p[1]);
    assert_relative_eq!(v, reassign(p[0], p[1]));
    check(|p| reassign(p[0], p[1]), &p, &[dx, dy]);
}

const SCALE: f64 = 1.5;

#[differentiate]
fn literals_and_casts(x: f64, n: usize) -> f64 {
    let k = n as f64;
    let half = 1 as f64 / 2.0;
    x * k + SCALE * x * x + half + 2e-1 * x + core::f64::consts::PI
}

#[test]
fn integer_casts_and_constants_are_constants() {
    let (v, d) = literals_and_casts_grad(2.0, 3);
    assert_relative_eq!(v, literals_and_casts(2.0, 3));
    assert_relative_eq!(d, 3.0 + 2.0 * SCALE * 2.0 + 0.2, epsilon = 1e-14);
}

#[differentiate]
fn single_precision(x: f32, y: f32) -> f32 {
    (x * y).sin() + x.powi(3) / y
}

#[test]
fn f32_works_like_f64() {
    let (v, (dx, dy)) = single_precision_grad(0.5, 1.5);
    assert_relative_eq!(v, single_precision(0.5, 1.5));
    assert_relative_eq!(dx, 1.5 * (0.75f32).cos() + 3.0 * 0.25 / 1.5, epsilon = 1e-5);
    assert_relative_eq!(dy, 0.5 * (0.75f32).cos() - 0.125 / 2.25, epsilon = 1e-5);
}

#[differentiate]
fn mixed_precision(x: f32, y: f64) -> f64 {
    (x as f64) * y + (y as f32 * x) as f64
}

#[test]
fn float_casts_carry_the_gradient() {
    let (_, (dx, dy)) = mixed_precision_grad(2.0, 3.0);
    assert_relative_eq!(dx, 6.0);
    assert_relative_eq!(dy, 4.0);
}

#[differentiate]
fn conversions(x: f32, y: f64, n: i32) -> f64 {
    f64::from(x) * 2.0 * y + f64::from(n) * y + f64::from(x * x).sin()
}

#[test]
fn from_conversions_carry_the_gradient_like_casts() {
    let (x, y) = (0.5f32, 1.5);
    let (_, (dx, dy)) = conversions_grad(x, y, 3);
    let x = f64::from(x);
    assert_relative_eq!(
        f64::from(dx),
        2.0 * y + (x * x).cos() * 2.0 * x,
        epsilon = 1e-6
    );
    assert_relative_eq!(dy, 2.0 * x + 3.0);
}

#[differentiate(wrt(y))]
fn partial(x: f64, y: f64) -> f64 {
    x * y * y
}

#[test]
fn wrt_selects_parameters_and_vjp_accumulates() {
    let (v, dy) = partial_grad(3.0, 2.0);
    assert_eq!((v, dy), (12.0, 12.0));
    let mut acc = 1.0;
    let v = partial_vjp(3.0, 2.0, 0.5, &mut acc);
    assert_eq!(v, 12.0);
    assert_eq!(acc, 1.0 + 0.5 * 12.0, "vjp adds into the buffer");
}

#[differentiate]
fn detached(x: f64) -> f64 {
    let c = autodiff::detach(x * x);
    c * x + autodiff::detach(x).sin()
}

#[test]
fn detach_stops_the_gradient() {
    let (v, d) = detached_grad(1.5);
    assert_relative_eq!(v, 1.5f64.powi(3) + 1.5f64.sin());
    assert_relative_eq!(d, 1.5 * 1.5);
}

#[differentiate]
fn unused_parameter(x: f64, y: f64) -> f64 {
    let _ = y;
    x * 2.0
}

#[test]
fn a_parameter_that_does_not_reach_the_result_has_zero_gradient() {
    assert_eq!(unused_parameter_grad(1.0, 5.0), (2.0, (2.0, 0.0)));
}

// rustfmt would remove the empty statements this test is about.
#[rustfmt::skip]
#[differentiate]
#[allow(redundant_semicolons)]
fn empty_statements(x: f64) -> f64 {
    let y = x * x;
    ;
    if y > 1.0 {
        ;
    }
    y * x
}

#[test]
fn empty_statements_do_nothing() {
    let x0 = 1.4;
    let (v, d) = empty_statements_grad(x0);
    assert_relative_eq!(v, empty_statements(x0));
    check(|x| empty_statements(x[0]), &[x0], &[d]);
}
