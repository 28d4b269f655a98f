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

// ---- functions returning tuples: `_vjp` takes one seed per part ----------

/// Cartesian to polar coordinates: two scalar outputs.
#[differentiate]
fn polar(x: f64, y: f64) -> (f64, f64) {
    ((x * x + y * y).sqrt(), y.atan2(x))
}

#[test]
fn tuple_of_scalars_against_closed_form() {
    let (x, y): (f64, f64) = (1.2, -0.7);
    // The Jacobian's rows, one seed per output.
    let r = (x * x + y * y).sqrt();
    let rows = [[x / r, y / r], [-y / (r * r), x / (r * r)]];
    for (k, seed) in [(1.0, 0.0), (0.0, 1.0)].into_iter().enumerate() {
        let (mut dx, mut dy) = (0.0, 0.0);
        let value = polar_vjp(x, y, seed, &mut dx, &mut dy);
        assert_eq!(value, polar(x, y));
        approx::assert_relative_eq!(dx, rows[k][0], max_relative = 1e-12);
        approx::assert_relative_eq!(dy, rows[k][1], max_relative = 1e-12);
    }
    // Both seeds at once: the weighted sum of the rows.
    let (s0, s1) = (0.3, -2.0);
    let (mut dx, mut dy) = (0.0, 0.0);
    polar_vjp(x, y, (s0, s1), &mut dx, &mut dy);
    check(
        |p| {
            let (r, t) = polar(p[0], p[1]);
            s0 * r + s1 * t
        },
        &[x, y],
        &[dx, dy],
    );
}

/// A scalar and a vector, returned early from inside a loop, from a branch,
/// or at the end.
#[differentiate(wrt(v, w))]
fn normalise(v: &[f64], w: f64, stop: usize) -> (f64, Vec<f64>) {
    let mut norm = 0.0;
    for i in 0..v.len() {
        norm += v[i] * v[i];
        if i == stop {
            return (norm * w, v.to_vec());
        }
    }
    let norm = norm.sqrt();
    let mut out = vec![0.0; v.len()];
    for i in 0..v.len() {
        out[i] = v[i] / norm * w;
    }
    if norm > 10.0 {
        return (norm, out);
    }
    (norm.ln(), out)
}

#[test]
fn tuple_of_scalar_and_vector_with_early_returns() {
    let v = [0.6, -1.3, 2.2, 0.4];
    let (s0, s1) = (0.7, [0.5, -1.0, 0.25, 2.0]);
    for (w, stop) in [(1.3, 99), (0.8, 1), (20.0, 99)] {
        let mut dv = vec![0.0; v.len()];
        let mut dw = 0.0;
        let value = normalise_vjp(&v, w, stop, (s0, &s1), &mut dv, &mut dw);
        assert_eq!(value, normalise(&v, w, stop));
        let scalarised = |v: &[f64], w: f64| {
            let (a, b) = normalise(v, w, stop);
            s0 * a + b.iter().zip(&s1).map(|(b, s)| b * s).sum::<f64>()
        };
        check(|p| scalarised(p, w), &v, &dv);
        check(|p| scalarised(&v, p[0]), &[w], &[dw]);
    }
}

/// An array part and a one-element tuple.
#[differentiate]
fn rotate(p: [f64; 2], angle: f64) -> ([f64; 2], f64) {
    let (s, c) = (angle.sin(), angle.cos());
    ([c * p[0] - s * p[1], s * p[0] + c * p[1]], p[0] * p[1])
}

#[differentiate]
fn single(x: f64) -> (f64,) {
    (x.exp(),)
}

#[test]
fn tuple_with_an_array_part() {
    let (p, angle) = ([0.9, -0.4], 0.6);
    let (s0, s1) = ([1.5, -0.5], 0.25);
    let mut dp = [0.0; 2];
    let mut da = 0.0;
    let value = rotate_vjp(p, angle, (&s0, s1), &mut dp, &mut da);
    assert_eq!(value, rotate(p, angle));
    let scalarised = |p: [f64; 2], a: f64| {
        let (q, m) = rotate(p, a);
        s0[0] * q[0] + s0[1] * q[1] + s1 * m
    };
    check(|x| scalarised([x[0], x[1]], angle), &p, &dp);
    check(|x| scalarised(p, x[0]), &[angle], &[da]);

    let mut dx = 0.0;
    assert_eq!(single_vjp(0.3, (2.0,), &mut dx), (0.3f64.exp(),));
    approx::assert_relative_eq!(dx, 2.0 * 0.3f64.exp(), max_relative = 1e-15);
}
