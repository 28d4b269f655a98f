//! Loops: ranges and their variants, nesting, `while`, `loop`, `break`,
//! `continue`, and the patterns where a wrong tape shows.
#![allow(dead_code)]
mod common;
use approx::assert_relative_eq;
use autodiff::differentiate;
use common::check;

#[differentiate(wrt(x))]
fn rosen(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = 1.0 - x[i];
        let b = x[i + 1] - x[i] * x[i];
        s += a * a + 100.0 * b * b;
    }
    s
}

#[test]
fn rosenbrock_value_and_gradient() {
    let x: Vec<f64> = (0..10).map(|i| 0.1 * i as f64).collect();
    let (v, g) = rosen_grad(&x);
    assert_relative_eq!(v, 76.56, epsilon = 1e-12);
    // closed form
    let n = x.len();
    for i in 0..n {
        let mut e = 0.0;
        if i + 1 < n {
            e += -2.0 * (1.0 - x[i]) - 400.0 * x[i] * (x[i + 1] - x[i] * x[i]);
        }
        if i > 0 {
            e += 200.0 * (x[i] - x[i - 1] * x[i - 1]);
        }
        assert_relative_eq!(g[i], e, epsilon = 1e-10);
    }
}

#[differentiate]
fn product(x: &[f64]) -> f64 {
    let mut p = 1.0;
    for i in 0..x.len() {
        p *= x[i];
    }
    p
}

#[test]
fn running_product_needs_the_tape() {
    let x = [1.5, -0.5, 2.0, 0.25, 3.0];
    let (v, g) = product_grad(&x);
    assert_relative_eq!(v, -1.125);
    for i in 0..x.len() {
        let others: f64 = x
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, v)| v)
            .product();
        assert_relative_eq!(g[i], others, epsilon = 1e-12);
    }
}

#[differentiate]
fn newton_sqrt(a: f64) -> f64 {
    let mut y = a;
    for _ in 0..20 {
        y = 0.5 * (y + a / y);
    }
    y
}

#[test]
fn newton_iteration_differentiates_through_every_step() {
    let (v, d) = newton_sqrt_grad(2.0);
    assert_relative_eq!(v, 2f64.sqrt(), epsilon = 1e-14);
    assert_relative_eq!(d, 0.5 / 2f64.sqrt(), epsilon = 1e-12);
}

#[differentiate]
fn range_forms(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for i in 1..=n - 1 {
        s = s * 0.5 + x[i] * x[i - 1];
    }
    for i in (0..n).rev() {
        s = s.sin() + x[i];
    }
    for i in (0..n).step_by(2) {
        s = s * x[i];
    }
    for i in (1..n).rev().step_by(3) {
        s += x[i].exp() * s;
    }
    for j in (0..=2).rev() {
        s = s - x[j] / (1.0 + s * s);
    }
    s
}

#[test]
fn inclusive_reversed_and_stepped_ranges() {
    let x = [0.3, -0.2, 0.5, 0.9, -0.4, 0.1, 0.7];
    let (v, g) = range_forms_grad(&x);
    assert_eq!(v, range_forms(&x));
    check(range_forms, &x, &g);
}

#[differentiate]
fn nested(x: &[f64], m: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..m {
        let mut row = 1.0;
        for j in 0..i + 1 {
            row = row * x[j] + (i as f64) * 0.1;
        }
        s += row.tanh();
    }
    s
}

#[test]
fn nested_loops_with_dependent_bounds() {
    let x = [0.5, -0.3, 0.8, 0.2];
    let (v, g) = nested_grad(&x, 4);
    assert_eq!(v, nested(&x, 4));
    check(|p| nested(p, 4), &x, &g);
}

#[differentiate]
fn while_loop(x: f64) -> f64 {
    let mut y = x;
    let mut k = 0;
    while y < 100.0 && k < 50 {
        y = y * 1.5 + x;
        k += 1;
    }
    y
}

#[test]
fn while_loops_replay_their_trip_count() {
    for x in [0.5, 2.0, 30.0] {
        let (v, d) = while_loop_grad(x);
        assert_eq!(v, while_loop(x));
        check(|p| while_loop(p[0]), &[x], &[d]);
    }
}

#[differentiate]
fn loop_break_continue(x: &[f64]) -> f64 {
    let mut s = 0.0;
    let mut i = 0;
    loop {
        if i >= x.len() {
            break;
        }
        let v = x[i];
        i += 1;
        if v < 0.0 {
            continue;
        }
        s = s * 0.9 + v * v;
        if s > 5.0 {
            break;
        }
    }
    s
}

#[test]
fn loop_with_break_and_continue() {
    for x in [
        vec![0.5, -1.0, 1.5, 0.7],
        vec![2.0, 1.5, 1.2, 3.0, 0.1],
        vec![-1.0, -2.0],
    ] {
        let (v, g) = loop_break_continue_grad(&x);
        assert_eq!(v, loop_break_continue(&x));
        check(loop_break_continue, &x, &g);
    }
}

#[differentiate(wrt(x))]
fn for_with_exits(x: &[f64], limit: f64) -> f64 {
    let mut s = 1.0;
    for i in 0..x.len() {
        if x[i] < 0.0 {
            continue;
        }
        s *= x[i];
        if s.abs() > limit {
            return s * 2.0;
        }
        if s.abs() < 1e-3 {
            break;
        }
    }
    s + 1.0
}

#[test]
fn for_loops_with_continue_break_and_return() {
    let cases = [
        (vec![2.0, -1.0, 3.0, 4.0], 10.0),
        (vec![0.5, 0.01, 0.05, 9.0], 100.0),
        (vec![1.1, 1.2], 100.0),
    ];
    for (x, lim) in cases {
        let (v, g) = for_with_exits_grad(&x, lim);
        assert_eq!(v, for_with_exits(&x, lim));
        check(|p| for_with_exits(p, lim), &x, &g);
    }
}

#[differentiate]
fn nested_break(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let mut t = x[i];
        if t > 0.0 {
            if t > 1.0 {
                break;
            }
            t = t.sqrt();
        }
        s += t * s + t;
    }
    s
}

#[test]
fn a_break_nested_in_branches_followed_by_code() {
    for x in [vec![0.25, -0.5, 0.81, 2.0, 0.3], vec![0.1, 0.2, 0.3]] {
        let (v, g) = nested_break_grad(&x);
        assert_eq!(v, nested_break(&x));
        check(nested_break, &x, &g);
    }
}

#[differentiate]
fn return_from_nested_loop(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        for j in 0..x.len() {
            s += x[i] * x[j];
            if s > 3.0 {
                return s.sqrt();
            }
        }
        s *= 0.5;
    }
    s
}

#[test]
fn return_from_inside_nested_loops() {
    for x in [vec![0.5, 0.7, 0.9], vec![0.1, 0.2], vec![1.5, 1.0]] {
        let (v, g) = return_from_nested_loop_grad(&x);
        assert_eq!(v, return_from_nested_loop(&x));
        check(return_from_nested_loop, &x, &g);
    }
}

#[differentiate]
fn zero_trips(x: &[f64], n: usize) -> f64 {
    let mut s = x[0];
    for i in 0..n {
        s = s * x[i];
    }
    s
}

#[test]
fn loops_that_run_zero_times() {
    assert_eq!(zero_trips_grad(&[3.0, 2.0], 0), (3.0, vec![1.0, 0.0]));
}
