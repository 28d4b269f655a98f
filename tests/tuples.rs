//! Tuples inside differentiated functions: destructuring `let` (typed,
//! nested, with `_`), tuple-valued branches and `match`es, and swapping by
//! destructuring assignment — each against central differences.

mod common;
use autodiff::differentiate;
use common::check;

#[differentiate]
fn destructure(x: f64, y: f64) -> f64 {
    let (a, b) = (x * y, x + y);
    let (c, (d, _)): (f64, (f64, f64)) = (a.sin(), (b * b, a));
    let (mut e, f) = (c + d, 2.0);
    e *= f;
    // The new names are bound after the whole value: this swaps.
    let (a, b) = (b, a);
    e + a / b
}

#[test]
fn let_destructuring() {
    let (x, y) = (0.6, 1.7);
    let (v, (dx, dy)) = destructure_grad(x, y);
    assert_eq!(v, destructure(x, y));
    check(|p| destructure(p[0], p[1]), &[x, y], &[dx, dy]);
}

#[differentiate]
fn tuple_branches(x: f64, y: f64, k: u8) -> f64 {
    let (lo, hi) = if x < y { (x, y) } else { (y, x) };
    let (s, t) = match k {
        0 => (lo * 2.0, hi),
        1 => {
            let m = lo * hi;
            (m.exp(), m)
        }
        _ => (hi, lo),
    };
    s * t + (hi - lo).powi(2)
}

#[test]
fn tuple_valued_if_and_match() {
    for (x, y) in [(0.3, 1.2), (1.5, -0.4)] {
        for k in 0..3 {
            let (v, (dx, dy)) = tuple_branches_grad(x, y, k);
            assert_eq!(v, tuple_branches(x, y, k));
            check(|p| tuple_branches(p[0], p[1], k), &[x, y], &[dx, dy]);
        }
    }
}

/// A Fibonacci-like recurrence through a swap: (a, b) ← (b, a + b·x).
#[differentiate]
fn recurrence(x: f64, v: &[f64]) -> f64 {
    let (mut a, mut b) = (1.0, x);
    for i in 0..v.len() {
        (a, b) = (b, a + b * v[i]);
    }
    let mut w = vec![0.0; 2];
    (w[0], w[1]) = (a, b);
    w[0] * w[1]
}

#[test]
fn destructuring_assignment_in_a_loop() {
    let (x, v) = (0.8, [0.5, -0.3, 1.1, 0.7]);
    let (val, (dx, dv)) = recurrence_grad(x, &v);
    assert_eq!(val, recurrence(x, &v));
    check(|p| recurrence(p[0], &v), &[x], &[dx]);
    check(|p| recurrence(x, p), &v, &dv);
}
