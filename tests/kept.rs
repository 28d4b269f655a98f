//! Results the forward sweep keeps for the reverse sweep (`exp`, `tanh`,
//! `powf`, ...) instead of computing them again: on a tape in a reversed
//! loop, in a slot in a branch, read back in forward order in a replayed
//! loop. Each is checked against finite differences.
#![allow(dead_code)]
mod common;
use autodiff::differentiate;
use common::check;

/// Reversed loop (an element overwritten): the tape is read last first.
#[differentiate(wrt(x))]
fn overwritten(x: &[f64]) -> f64 {
    let n = x.len();
    let mut y = vec![0.0; n];
    let mut s = 0.0;
    for i in 0..n {
        y[i] = x[i].exp() * x[(i + 1) % n].tanh();
        s += y[i] * x[i];
    }
    s
}

#[test]
fn kept_in_a_reversed_loop() {
    let x = [0.4, -1.3, 0.2, 0.1, 0.9];
    let (_, g) = overwritten_grad(&x);
    check(overwritten, &x, &g);
}

/// A replayed loop inside a loop over ragged rows: each run keeps a segment
/// of its own length, read back after the runs that followed it are gone.
#[differentiate(wrt(x, w))]
fn ragged(x: &[Vec<f64>], w: f64) -> f64 {
    let mut total = 0.0;
    for r in 0..x.len() {
        let mut s = 0.0;
        for c in 0..x[r].len() {
            s += (x[r][c] * w).exp() + (x[r][c] + w).powf(1.5);
        }
        total = total * w + s;
    }
    total
}

#[test]
fn kept_in_a_replayed_loop_inside_a_loop() {
    let x = vec![vec![0.4, 1.3, 0.2], vec![], vec![0.1], vec![0.9, 0.5]];
    let w = 0.7;
    let (_, (gx, gw)) = ragged_grad(&x, w);
    let flat: Vec<f64> = x.iter().flatten().copied().collect();
    let rows = |f: &[f64]| {
        let mut it = f.iter().copied();
        x.iter()
            .map(|r| r.iter().map(|_| it.next().unwrap_or(0.0)).collect())
            .collect::<Vec<Vec<f64>>>()
    };
    let gx: Vec<f64> = gx.iter().flatten().copied().collect();
    check(|f| ragged(&rows(f), w), &flat, &gx);
    check(|w| ragged(&x, w[0]), &[w], &[gw]);
}

/// In a branch at the top of the function: a slot.
#[differentiate]
fn branch(x: f64, y: f64) -> f64 {
    let mut z = x * y;
    if x > 0.0 {
        z = (z * 0.5).tanh() + x.exp2() * y;
    }
    z * x
}

#[test]
fn kept_in_a_branch() {
    for (x, y) in [(0.7, -0.4), (-0.7, 0.4)] {
        let (_, (gx, gy)) = branch_grad(x, y);
        check(|v| branch(v[0], v[1]), &[x, y], &[gx, gy]);
    }
}

/// `p = p * x[i].exp()`, which the forward sweep would write `p *= ..`:
/// written whole, so the kept result is pushed.
#[differentiate(wrt(x))]
fn product(x: &[f64]) -> f64 {
    let mut p = 1.0;
    for i in 0..x.len() {
        p = p * (x[i] * 0.3).exp();
    }
    p
}

#[test]
fn kept_in_a_product_assignment() {
    let x = [0.4, -1.3, 0.2, 0.1];
    let (_, g) = product_grad(&x);
    check(product, &x, &g);
}

/// Nested primitives, each kept, in a `while` loop with an early exit.
#[differentiate(wrt(x))]
fn nested(x: &[f64], limit: f64) -> f64 {
    let mut i = 0;
    let mut s = 0.0;
    while i < x.len() {
        let v = (x[i].tanh().exp() + x[i].exp_m1()).cbrt();
        s = s * 0.5 + v * v.ln();
        if s > limit {
            break;
        }
        i += 1;
    }
    s
}

#[test]
fn nested_kept_results_in_a_while_loop() {
    let x = [0.4, 1.3, 0.2, 0.1, 0.9];
    for limit in [0.5, 100.0] {
        let (_, g) = nested_grad(&x, limit);
        check(|x| nested(x, limit), &x, &g);
    }
}
