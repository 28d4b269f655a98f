//! Loops whose reverse sweep runs each iteration again from a checkpoint of
//! the state they carry: top-level loops that create buffers every
//! iteration. Each is checked against finite differences, with the
//! patterns around them that must stay right: state of every shape, values
//! read from outside and overwritten after the loop, buffers whose length
//! changes from one iteration to the next, branches, inner loops that save
//! and keep values, and a body that cannot run twice.
#![allow(dead_code)]
mod common;
use autodiff::differentiate;
use common::check;

/// `y + a·k`.
#[differentiate]
fn axpy(y: &[f64], a: f64, k: &[f64]) -> Vec<f64> {
    let mut z = vec![0.0; y.len()];
    for i in 0..y.len() {
        z[i] = y[i] + a * k[i];
    }
    z
}

/// A nonlinear right-hand side: `zᵢ = xᵢ·sin(yᵢ₋₁) + yᵢ²/4`.
#[differentiate]
fn rate(x: &[f64], y: &[f64]) -> Vec<f64> {
    let n = x.len();
    let mut z = vec![0.0; n];
    z[0] = x[0];
    for i in 1..n {
        z[i] = x[i] * y[i - 1].sin() + 0.25 * y[i] * y[i];
    }
    z
}

/// Midpoint steps: buffers from calls, the carried vector updated element
/// by element, a carried sum of squares and a passive step counter.
#[differentiate(wrt(x))]
fn midpoint(x: &[f64], steps: usize) -> f64 {
    let n = x.len();
    let h = 0.5 / steps as f64;
    let mut y = vec![0.1; n];
    let mut energy = 0.0;
    let mut taken = 0;
    for _ in 0..steps {
        let k1 = rate(x, &y);
        let k2 = rate(x, &axpy(&y, h / 2.0, &k1));
        for i in 0..n {
            y[i] += h * k2[i];
            energy += y[i] * y[i];
        }
        taken += 1;
    }
    energy / taken as f64 + y[n - 1]
}

#[test]
fn a_stepping_loop_with_calls() {
    let x = [0.7, -0.4, 1.1, 0.3, -0.9];
    for steps in [1, 2, 7] {
        let (_, gx) = midpoint_grad(&x, steps);
        check(|x| midpoint(x, steps), &x, &gx);
    }
}

/// A recurrent layer: state rows overwritten in an inner loop, a body
/// buffer reassigned from a row, a scalar sum; the whole state is carried.
#[differentiate(wrt(w))]
fn recurrent(w: &[f64], inputs: &[Vec<f64>]) -> f64 {
    let b = w.len();
    let mut state = vec![vec![0.2; b], vec![-0.1; b]];
    let mut total = 0.0;
    for t in 0..inputs.len() {
        let mut v = vec![0.0; b];
        for j in 0..b {
            v[j] = inputs[t][j] * w[j];
        }
        for layer in 0..2 {
            let mut next = vec![0.0; b];
            for j in 0..b {
                next[j] = (v[j] + state[layer][j] * w[(j + layer) % b]).tanh();
            }
            state[layer] = next;
            v = state[layer].clone();
        }
        for j in 0..b {
            total += v[j] * inputs[t][(j + 1) % b];
        }
    }
    total
}

#[test]
fn a_recurrent_loop_carrying_rows() {
    let w = [0.5, -0.8, 0.3, 1.2];
    let inputs = vec![
        vec![0.1, 0.4, -0.3, 0.8],
        vec![-0.6, 0.2, 0.9, -0.1],
        vec![0.3, -0.5, 0.7, 0.2],
    ];
    let (_, gw) = recurrent_grad(&w, &inputs);
    check(|w| recurrent(w, &inputs), &w, &gw);
}

/// The first `k` elements of `a·v`.
#[differentiate]
fn head(v: &[f64], k: usize, a: f64) -> Vec<f64> {
    let mut z = vec![0.0; k];
    for j in 0..k {
        z[j] = v[j] * a;
    }
    z
}

/// The body reads `scale` and `bias`, which are overwritten after the
/// loop (no rule reads `bias`, but the body's second run does), and `x`
/// from outside; the buffer the body makes is one shorter every
/// iteration, so each iteration sizes its adjoint again.
#[differentiate(wrt(x))]
fn shrinking(x: &[f64]) -> f64 {
    let n = x.len();
    let mut scale = x[0] * x[1];
    let mut bias = x[3] * 0.5;
    let mut acc = vec![0.0; n];
    for k in 1..n {
        let m = n - k;
        let part = head(x, m, scale);
        for j in 0..m {
            acc[j + 1] += (part[j] + acc[j] + bias).sin();
        }
    }
    scale = scale.cos() * x[2];
    bias = x[4] * 2.0;
    let mut s = scale + bias;
    for j in 0..n {
        s += acc[j] * x[j];
    }
    s
}

#[test]
fn outside_values_and_shrinking_buffers() {
    let x = [0.3, -0.7, 1.2, 0.5, -0.4, 0.9];
    let (_, gx) = shrinking_grad(&x);
    check(shrinking, &x, &gx);
}

/// A branch on the carried state, an inner loop whose overwrites are
/// saved, a kept `exp`, and a carried scalar that is reassigned.
#[differentiate(wrt(x))]
fn branching(x: &[f64], rounds: usize) -> f64 {
    let n = x.len();
    let mut y = x.to_vec();
    let mut c = 1.0;
    for r in 0..rounds {
        let shifted = axpy(&y, c, x);
        if shifted[0] > 0.0 {
            for i in 0..n {
                y[i] = y[i] * 0.5 + shifted[(i + r) % n].exp() * 0.1;
            }
        } else {
            let s = shifted[1] * shifted[1];
            y[0] += s;
        }
        for i in 1..n {
            y[i] = y[i] * y[i - 1] * 0.3 + shifted[i];
        }
        c = c * 0.9 + y[0] * 0.01;
    }
    let mut s = c;
    for i in 0..n {
        s += y[i];
    }
    s
}

#[test]
fn branches_saves_and_kept_results_in_a_checkpointed_body() {
    for x in [[0.3, -0.2, 0.5, 0.1], [-0.9, 0.4, -0.3, 0.2]] {
        for rounds in [1, 3] {
            let (_, gx) = branching_grad(&x, rounds);
            check(|x| branching(x, rounds), &x, &gx);
        }
    }
}

/// An effect in the body: it must run once per iteration, so the loop is
/// not checkpointed, and the gradient is right either way.
#[differentiate(wrt(x))]
fn printed(x: &[f64]) -> f64 {
    let mut y = x.to_vec();
    for t in 0..3 {
        let k = axpy(&y, 0.5, x);
        for i in 0..y.len() {
            y[i] = k[i] * k[i];
        }
        assert!(t < 3);
    }
    y[0] + y[1]
}

#[test]
fn a_body_with_an_effect_still_differentiates() {
    let x = [0.4, -0.3, 0.2];
    let (_, gx) = printed_grad(&x);
    check(printed, &x, &gx);
}

// ---- what the loop carries, read before it --------------------------------

/// `s` is read by `t = s * s` before the checkpointed loop changes it: the
/// reverse sweep of `t` needs `s` as it was before the loop.
#[differentiate]
fn read_before(x: &[f64]) -> f64 {
    let mut s = x[0] * x[1];
    let t = s * s;
    for i in 0..2 {
        let w = vec![x[i]];
        s += w[0];
    }
    t + s
}

/// A carried factor, constant buffer and counter that earlier loops read.
#[differentiate]
fn carried_constants(x: &[f64]) -> f64 {
    let mut s = 0.0;
    let mut p = 1.0;
    let mut k = 0;
    let mut c = vec![1.0, 2.0];
    for i in 0..2 {
        s += x[i] * p * c[i] + x[i] * x[k + 1];
    }
    for i in 0..2 {
        let w = vec![x[i]];
        s -= w[0] * w[0];
        p *= 0.5;
        k += 1;
        c[i] = 5.0;
    }
    s * p + c[0] * x[k - 1]
}

#[test]
fn state_read_before_the_loop_is_restored() {
    let x = [0.3, -0.4];
    check(read_before, &x, &read_before_grad(&x).1);
    check(carried_constants, &x, &carried_constants_grad(&x).1);
}
