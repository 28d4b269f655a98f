//! The order of a loop's reverse sweep: loops whose iterations' reverse
//! code commutes run it first to last (element-wise maps, sums, with what
//! they tape turned over), every other loop last to first. Each is checked against finite differences; the
//! loops that must stay backwards (one element written by every iteration,
//! a recurrence, a scalar overwritten, a sum read in the loop) give a
//! wrong gradient if run forwards.
#![allow(dead_code)]
mod common;
use autodiff::differentiate;
use common::check;

/// An element-wise map with a shifted read: forwards.
#[differentiate]
fn shifted(x: &[f64], y: &[f64]) -> Vec<f64> {
    let mut z = vec![0.0; x.len()];
    z[0] = x[0];
    for i in 1..x.len() {
        let a = x[i].sin();
        z[i] = a * y[i - 1] + y[i] * y[i];
    }
    z
}

/// A map into a row picked outside the loop, a sum, a second write of
/// the same element and a backwards loop: forwards.
#[differentiate]
fn rows(x: &[f64], r: usize) -> f64 {
    let n = x.len();
    let mut m = vec![vec![0.0; n]; 2];
    let mut s = 0.0;
    for i in (0..n).rev() {
        m[r][i] = x[i] * x[i];
        m[r][i] = x[i].exp() * x[(i + 1) % n];
        s -= x[i] / 3.0;
    }
    let mut total = s;
    for i in 0..n {
        total += m[r][i] * m[r][i] + m[1 - r][i];
    }
    total
}

#[test]
fn element_wise_maps_and_sums() {
    let x = [0.7, -0.4, 1.1, 0.3, -0.9];
    let y = [0.2, 0.5, -0.6, 0.8, 1.3];
    let weights = [1.0, -2.0, 0.5, 3.0, 0.25];
    let dot = |x: &[f64]| -> f64 {
        shifted(x, &y)
            .iter()
            .zip(&weights)
            .map(|(a, b)| a * b)
            .sum()
    };
    let (mut d_x, mut d_y) = ([0.0; 5], [0.0; 5]);
    shifted_vjp(&x, &y, &weights, &mut d_x, &mut d_y);
    check(dot, &x, &d_x);
    check(
        |y| {
            shifted(&x, y)
                .iter()
                .zip(&weights)
                .map(|(a, b)| a * b)
                .sum()
        },
        &y,
        &d_y,
    );
    for r in [0, 1] {
        check(|x| rows(x, r), &x, &rows_grad(&x, r).1);
    }
}

/// Every iteration writes `z[0]`: only the last write reaches the result.
#[differentiate]
fn last_wins(x: &[f64]) -> f64 {
    let mut z = vec![0.0; 2];
    for i in 0..x.len() {
        z[0] = x[i] * x[i];
        z[1] = x[i] + 1.0;
    }
    z[0] + 3.0 * z[1]
}

/// A linear recurrence (nothing to tape): iteration `i` reads what
/// `i − 1` wrote.
#[differentiate]
fn recurrence(x: &[f64]) -> f64 {
    let n = x.len();
    let mut z = vec![1.0; n];
    for i in 1..n {
        z[i] = 0.5 * z[i - 1] + x[i] * x[i - 1];
    }
    z[n - 1] * z[n - 1]
}

/// A scalar overwritten every iteration: only the last write counts.
#[differentiate]
fn overwritten(x: &[f64]) -> f64 {
    let mut last = 0.0;
    for i in 0..x.len() {
        last = x[i] * 2.0;
    }
    last * last
}

/// A sum read in the loop after it is added to.
#[differentiate]
fn running(x: &[f64]) -> f64 {
    let mut s = 0.0;
    let mut z = vec![0.0; x.len()];
    for i in 0..x.len() {
        s += x[i] * x[i];
        z[i] = s + x[i];
    }
    z[0] * z[x.len() - 1]
}

/// Elements written at an index other than the loop's: `z[n − 1 − i]` is
/// a different element every iteration but is not recognised, and
/// `z[i / 2]` is written twice.
#[differentiate]
fn other_index(x: &[f64]) -> f64 {
    let n = x.len();
    let mut z = vec![0.0; n];
    for i in 0..n {
        z[i / 2] = x[i] * x[n - 1 - i];
    }
    let mut total = 0.0;
    for i in 0..n {
        total += z[i] * (i as f64 + 1.0);
    }
    total
}

const X: [f64; 6] = [0.7, -0.4, 1.1, 0.3, -0.9, 0.45];

#[test]
fn one_element_written_by_every_iteration() {
    check(last_wins, &X, &last_wins_grad(&X).1);
}

#[test]
fn a_recurrence() {
    check(recurrence, &X, &recurrence_grad(&X).1);
}

#[test]
fn an_overwritten_scalar() {
    check(overwritten, &X, &overwritten_grad(&X).1);
}

#[test]
fn a_sum_read_in_the_loop() {
    check(running, &X, &running_grad(&X).1);
}

#[test]
fn elements_written_at_other_indices() {
    check(other_index, &X, &other_index_grad(&X).1);
}

/// A map that keeps `exp(xᵢ)` on a tape for its reverse sweep: forwards,
/// the tape turned over first.
#[differentiate]
fn kept(x: &[f64], y: &[f64]) -> f64 {
    let mut z = vec![0.0; x.len()];
    for i in 0..x.len() {
        z[i] = x[i].exp() * y[i];
    }
    let mut total = 0.0;
    for i in 0..x.len() {
        total += z[i] * (i as f64 + 1.0);
    }
    total
}

#[test]
fn a_map_that_keeps_values() {
    let y = [0.3, -1.2, 0.8, 2.0, -0.5, 1.5];
    let (mut d_x, mut d_y) = ([0.0; 6], [0.0; 6]);
    kept_vjp(&X, &y, 1.0, &mut d_x, &mut d_y);
    check(|x| kept(x, &y), &X, &d_x);
    check(|y| kept(&X, y), &y, &d_y);
}

#[differentiate]
fn scaled_square(v: f64, c: f64) -> f64 {
    c * v * v
}

/// An update in place whose old values an earlier loop's reverse code
/// reads (so they are taped), with a call and a kept `tanh` per element.
/// The call's result is a `let` saved on every iteration (`sin`'s rule
/// reads it): each restore gives the previous iteration's value, so the
/// loop stays backwards.
#[differentiate]
fn updated(x: &[f64], c: f64) -> f64 {
    let n = x.len();
    let mut y = vec![0.0; n];
    for i in 0..n {
        y[i] = x[i] * x[(i + 1) % n];
    }
    let mut total = 0.0;
    for i in 0..n {
        total += y[i].sin();
    }
    for i in 0..n {
        let s = scaled_square(x[i], c);
        y[i] += s.tanh() * 0.5 + s.sin();
    }
    for i in 0..n {
        total += y[i] * y[i];
    }
    total
}

#[test]
fn an_update_in_place_with_calls_and_kept_values() {
    let (mut d_x, mut d_c) = ([0.0; 6], 0.0);
    updated_vjp(&X, 0.8, 1.0, &mut d_x, &mut d_c);
    check(|x| updated(x, 0.8), &X, &d_x);
    check(|c| updated(&X, c[0]), &[0.8], &[d_c]);
}

/// An element-wise update in place, its old values taped (an earlier
/// statement's reverse code reads them) and its `exp`s kept: forwards, the
/// tapes turned over.
#[differentiate]
fn in_place(x: &[f64]) -> f64 {
    let mut y = x.to_vec();
    let first = y[0].sin() + y[x.len() - 1].cos();
    for i in 0..x.len() {
        y[i] -= x[i].exp() * 0.25;
    }
    first * y[0] + y[1] * y[2]
}

/// A sum whose value before the loop an earlier statement's reverse code
/// reads: taped every iteration, and restored to its value before the loop
/// only if the loop runs backwards.
#[differentiate]
fn restored_sum(x: &[f64]) -> f64 {
    let mut p = x[0];
    let q = p.sin();
    for i in 0..x.len() {
        p += x[i] * x[i];
    }
    q + p * p
}

#[test]
fn an_element_wise_update_in_place() {
    check(in_place, &X, &in_place_grad(&X).1);
}

#[test]
fn a_sum_restored_before_the_loop() {
    check(restored_sum, &X, &restored_sum_grad(&X).1);
}
