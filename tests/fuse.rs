//! Loops fused with their reverse sweep: a top-level loop whose sums reach
//! the result through `+`, `−` and literal factors runs each iteration's
//! reverse code right after its forward code. Each is checked against
//! finite differences, with a seed other than 1, and next to the patterns
//! that must not be fused.
#![allow(dead_code)]
mod common;
use autodiff::differentiate;
use common::check;

/// Asserts that `d`, a vector-Jacobian product with seed `seed`, is the
/// gradient `g` scaled by it: the seed reaches the fused adjoints.
#[track_caller]
fn scaled_by(d: &[f64], g: &[f64], seed: f64) {
    for (a, b) in d.iter().zip(g) {
        assert!((a - seed * b).abs() <= 1e-12 * b.abs().max(1.0));
    }
}

/// Straight-line body, the sum returned as is: a smoothed total variation.
#[differentiate]
fn variation(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 1..x.len() {
        let jump = x[i] - x[i - 1];
        s += (jump * jump + 0.01).sqrt() * x[i].cos();
    }
    s
}

#[test]
fn a_returned_sum() {
    let x = [0.4, -1.3, 2.2, 0.1, 0.9];
    let (_, g) = variation_grad(&x);
    check(variation, &x, &g);
    // The seed scales the fused adjoint too.
    let mut d = [0.0; 5];
    variation_vjp(&x, 2.5, &mut d);
    scaled_by(&d, &g, 2.5);
}

/// Two sums, one added and one subtracted, with literal factors and a
/// division, and a constant term.
#[differentiate(wrt(x))]
fn two_sums(x: &[f64], c: f64) -> f64 {
    let mut s = 0.0;
    let mut t = 0.0;
    for i in 0..x.len() {
        s += x[i].sin() * x[i];
        t -= x[i].exp() * 0.5;
    }
    c + 0.5 * s - -(t * 3.0) / 4.0
}

#[test]
fn sums_with_factors() {
    let x = [0.4, -1.3, 2.2, 0.1];
    let (_, g) = two_sums_grad(&x, 1.5);
    check(|x| two_sums(x, 1.5), &x, &g);
    let mut d = [0.0; 4];
    two_sums_vjp(&x, 1.5, -0.75, &mut d);
    scaled_by(&d, &g, -0.75);
}

/// A body with a replayed inner loop and a carried constant of its own
/// (least squares), a carried counter, and a loop after it.
#[differentiate(wrt(x))]
fn least_squares(x: &[f64], n: usize) -> f64 {
    let mut sum = 0.0;
    let mut k = 0;
    let mut scale = 1.0;
    for i in 0..n {
        let ti = -1.0 + 2.0 * i as f64 / (n as f64 - 1.0);
        let mut fit = 0.0;
        let mut power = 1.0;
        for j in 0..x.len() {
            fit += x[j] * power;
            power *= ti;
        }
        let r = ti.sin() - fit * scale;
        sum += r * r * x[k % x.len()];
        k += 3;
        scale *= 0.9;
    }
    let mut other = 0.0;
    for j in 0..x.len() {
        other += x[j] * x[j] * scale;
    }
    other + 0.5 * sum
}

#[test]
fn a_body_with_a_replayed_loop_and_carried_constants() {
    let x = [0.4, -1.3, 2.2, 0.1];
    let (_, g) = least_squares_grad(&x, 7);
    check(|x| least_squares(x, 7), &x, &g);
}

/// Branches, a reversed inner loop and calls in the body.
#[differentiate]
fn softplus(v: f64) -> f64 {
    (1.0 + v.exp()).ln()
}

#[differentiate(wrt(x))]
fn branchy(x: &[f64], w: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let mut p = x[i];
        for j in 0..w.len() {
            p = p * w[j] + softplus(p);
        }
        if p > 1.0 {
            s += p.tanh() * x[i];
        } else {
            s -= softplus(p * x[i]);
        }
    }
    s
}

#[test]
fn a_body_with_branches_loops_and_calls() {
    let x = [0.4, -1.3, 2.2, 0.1, 0.9];
    let w = [0.5, -0.3];
    let (_, g) = branchy_grad(&x, &w);
    check(|x| branchy(x, &w), &x, &g);
}

/// Not fused: the sum is read before the loop, read by the loop, used
/// nonlinearly after it, or the loop writes an active value from outside.
#[differentiate(wrt(x))]
fn not_fused(x: &[f64]) -> f64 {
    let mut s = x[0] * x[1];
    let y = s * s;
    for i in 0..x.len() {
        s += x[i] * x[i];
    }
    let mut u = 0.0;
    for i in 0..x.len() {
        u += x[i].sin();
    }
    let mut v = 0.0;
    for i in 0..x.len() {
        v += u * x[i];
    }
    let mut m = vec![0.0; x.len()];
    let mut q = 0.0;
    for i in 0..x.len() {
        m[i] = x[i] * 2.0;
        q += m[i];
    }
    y + s + v * v + u.ln_1p() + q * m[0]
}

#[test]
fn loops_that_are_not_fused() {
    let x = [0.4, 1.3, 2.2, 0.1];
    let (_, g) = not_fused_grad(&x);
    check(not_fused, &x, &g);
}

/// A loop in a branch, after an early return: the result is assigned on
/// each path, and the sum reaches it through a copy and a literal factor.
#[differentiate(wrt(x))]
fn sum_in_a_branch(x: &[f64], short: bool) -> f64 {
    if short {
        return x[0] * x[1];
    }
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i].sin() * x[i];
    }
    let doubled = s;
    -2.0 * doubled
}

#[test]
fn a_loop_in_a_branch() {
    let x = [0.4, -1.3, 2.2, 0.1];
    for short in [false, true] {
        let (_, g) = sum_in_a_branch_grad(&x, short);
        check(|x| sum_in_a_branch(x, short), &x, &g);
        let mut d = [0.0; 4];
        sum_in_a_branch_vjp(&x, short, 1.5, &mut d);
        scaled_by(&d, &g, 1.5);
    }
}

/// `Σ wᵢ·vᵢ²`: the callee of the joint calls below.
#[differentiate]
fn weighted_squares(v: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..v.len() {
        s += w * v[i] * v[i];
    }
    s.sqrt()
}

/// Calls whose seeds the fused loop knows before they run (joint calls):
/// through a product with a left factor, a difference and a negation, with
/// a buffer the body builds by pushes and with a parameter.
#[differentiate(wrt(x))]
fn joint_calls(x: &[f64], w: f64) -> f64 {
    let mut total = 0.0;
    for c in 0..x.len() {
        let mut rest = Vec::with_capacity(x.len() - 1);
        for k in 0..x.len() {
            if k != c {
                rest.push(x[k] * x[c]);
            }
        }
        let scale = x[c].cos();
        total += x[c] - scale * 2.0 * weighted_squares(&rest, w);
        total -= -weighted_squares(x, w + c as f64) + x[c] * weighted_squares(x, 0.5);
    }
    3.0 * total
}

#[test]
fn calls_with_a_known_seed() {
    let x = [0.4, -1.3, 2.2, 0.1, 0.9];
    let (_, g) = joint_calls_grad(&x, 0.7);
    check(|x| joint_calls(x, 0.7), &x, &g);
    let mut d = [0.0; 5];
    joint_calls_vjp(&x, 0.7, -0.5, &mut d);
    scaled_by(&d, &g, -0.5);
}

/// Calls that keep their pullbacks in a fused body, next to a joint one
/// (the second): the call is the left factor, its buffer grows after it
/// or the joint call sized it already, or it takes a differentiated scalar.
#[differentiate(wrt(x))]
fn calls_not_joint(x: &[f64]) -> f64 {
    let mut total = 0.0;
    for c in 0..x.len() {
        let mut head = vec![x[c]; 2];
        total += weighted_squares(&head, 1.5) * x[c];
        head.push(x[0] * x[c]);
        total += weighted_squares(&head, 0.5);
        total += x[c] * weighted_squares(&head, 2.0);
        total += weighted_squares(x, x[c] * x[c]);
    }
    total
}

#[test]
fn calls_that_keep_their_pullbacks() {
    let x = [0.4, -1.3, 2.2, 0.1];
    let (_, g) = calls_not_joint_grad(&x);
    check(calls_not_joint, &x, &g);
}

/// `ln Σ exp(v)`, shifted by the maximum.
#[differentiate]
fn log_sum_exp(v: &[f64]) -> f64 {
    let mut top = f64::NEG_INFINITY;
    for i in 0..v.len() {
        if v[i] > top {
            top = v[i];
        }
    }
    let mut sum = 0.0;
    for i in 0..v.len() {
        sum += (v[i] - top).exp();
    }
    top + sum.ln()
}

/// A leaf with a loop and kept `exp`s: one component's log density at `x`.
#[differentiate]
fn component(x: f64, mu: &[f64], c: usize) -> f64 {
    let mut spread = 0.0;
    for j in 0..mu.len() {
        spread += (0.3 * mu[j] * (j + c) as f64).exp();
    }
    let centred = x - mu[c];
    -0.5 * centred * centred * spread
}

/// A mixture's log-likelihood as a numerical programmer writes it: `beta`
/// is declared before the point loop and each iteration writes it whole
/// before reading it, so it is scratch and the loop is fused; its
/// `log_sum_exp` call is joint and its `component` calls keep their
/// pullbacks until the iteration ends.
#[differentiate(wrt(mu))]
fn mixture(mu: &[f64], points: &[f64], k: usize) -> f64 {
    let mut beta = vec![0.0; k];
    let mut total = 0.0;
    for i in 0..points.len() {
        for c in 0..k {
            beta[c] = component(points[i], mu, c);
        }
        total += log_sum_exp(&beta);
    }
    total
}

#[test]
fn a_scratch_buffer_each_iteration_overwrites() {
    let mu = [0.4, -1.3, 2.2];
    let points = [0.1, -0.7, 1.9, 0.6];
    let (_, g) = mixture_grad(&mu, &points, 3);
    check(|mu| mixture(mu, &points, 3), &mu, &g);
    let mut d = [0.0; 3];
    mixture_vjp(&mu, &points, 3, -1.5, &mut d);
    scaled_by(&d, &g, -1.5);
}

/// Buffers declared before a loop that carry values from one iteration to
/// the next, or out of the loop: not scratch. Each is read before the
/// iteration writes it, written in part (from 1, or to `m < k`, or to a length that changed), read in
/// the loop that writes it, or read after the loop.
#[differentiate]
fn read_first(x: &[f64]) -> f64 {
    let k = x.len();
    let mut carry = vec![0.0; k];
    let mut total = 0.0;
    for i in 0..k {
        total += log_sum_exp(&carry) * x[i];
        for c in 0..k {
            carry[c] = x[i] * x[c];
        }
    }
    total
}

#[differentiate]
fn written_from_one(x: &[f64]) -> f64 {
    let k = x.len();
    let mut part = vec![0.5; k];
    let mut total = 0.0;
    for i in 0..k {
        for c in 1..k {
            part[c] = x[i] * x[c];
        }
        part[0] += x[i];
        total += log_sum_exp(&part);
    }
    total
}

#[differentiate(wrt(x))]
fn written_short(x: &[f64], m: usize) -> f64 {
    let k = x.len();
    let mut part = vec![0.0; k];
    let mut total = 0.0;
    for i in 0..k {
        for c in 0..m {
            part[c] = x[i] * x[c];
        }
        total += log_sum_exp(&part);
        part[k - 1] = x[i].sin();
    }
    total
}

#[differentiate]
fn length_changed(x: &[f64]) -> f64 {
    let mut k = x.len();
    let mut part = vec![0.0; k];
    k -= 1;
    let mut total = 0.0;
    for i in 0..x.len() {
        for c in 0..k {
            part[c] = x[i] * x[c];
        }
        total += log_sum_exp(&part);
        part[k] = x[i].sin();
    }
    total
}

#[differentiate]
fn read_in_the_write_loop(x: &[f64]) -> f64 {
    let k = x.len();
    let mut part = vec![0.0; k];
    let mut total = 0.0;
    for i in 0..k {
        for c in 0..k {
            part[c] = x[i] * x[c];
            part[c] = part[c] * part[k - 1];
        }
        total += log_sum_exp(&part);
    }
    total
}

#[differentiate]
fn read_after(x: &[f64]) -> f64 {
    let k = x.len();
    let mut last = vec![0.0; k];
    let mut total = 0.0;
    for i in 0..k {
        for c in 0..k {
            last[c] = x[i] * x[c];
        }
        total += log_sum_exp(&last);
    }
    total + 2.0 * last[0]
}

/// `Σ vᵢ²`.
#[differentiate]
fn sum_of_squares(v: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..v.len() {
        s += v[i] * v[i];
    }
    s
}

/// Buffers the iteration writes whole first, and then again: an element
/// after a read of it (its old value is restored for that read), a push,
/// or a longer whole value (both carry into the next iteration).
#[differentiate]
fn element_written_again(x: &[f64]) -> f64 {
    let k = x.len();
    let mut b = vec![0.0; k];
    let mut total = 0.0;
    for i in 0..k {
        for c in 0..k {
            b[c] = x[i] * x[c];
        }
        let s = sum_of_squares(&b);
        b[1] = x[i].cos() * x[0];
        total += s * x[i] + sum_of_squares(&b) + b[0] * b[1];
    }
    total
}

#[differentiate]
fn pushed_to(x: &[f64]) -> f64 {
    let k = x.len();
    let mut b = vec![0.0; k];
    let mut total = 0.0;
    for i in 0..k {
        for c in 0..k {
            b[c] = x[i] * x[c];
        }
        total += sum_of_squares(&b);
        b.push(x[i].sin());
    }
    total
}

#[differentiate]
fn reassigned_longer(x: &[f64]) -> f64 {
    let k = x.len();
    let mut b = vec![0.0; k];
    let mut total = 0.0;
    for i in 0..k {
        for c in 0..k {
            b[c] = x[i] * x[c];
        }
        total += sum_of_squares(&b);
        b = vec![x[i].sin(); k + 1];
    }
    total
}

#[test]
fn buffers_written_again_are_not_scratch() {
    let x = [0.4, -1.3, 2.2, 0.1];
    let (_, g) = element_written_again_grad(&x);
    check(element_written_again, &x, &g);
    let (_, g) = pushed_to_grad(&x);
    check(pushed_to, &x, &g);
    let (_, g) = reassigned_longer_grad(&x);
    check(reassigned_longer, &x, &g);
}

#[test]
fn buffers_that_carry_values_are_not_scratch() {
    let x = [0.4, -1.3, 2.2, 0.1];
    let (_, g) = read_first_grad(&x);
    check(read_first, &x, &g);
    let (_, g) = written_from_one_grad(&x);
    check(written_from_one, &x, &g);
    let (_, g) = written_short_grad(&x, 2);
    check(|x| written_short(x, 2), &x, &g);
    let (_, g) = length_changed_grad(&x);
    check(length_changed, &x, &g);
    let (_, g) = read_in_the_write_loop_grad(&x);
    check(read_in_the_write_loop, &x, &g);
    let (_, g) = read_after_grad(&x);
    check(read_after, &x, &g);
}

/// A leaf whose local is a slice parameter's `.clone()`, which is the
/// reference: its kept pullback cannot hold it past the call, so it runs
/// again instead (and still compiles), here in a fused loop.
#[differentiate(wrt(x))]
#[allow(noop_method_call)]
fn cloned_weights(x: &[f64], w: &[f64]) -> f64 {
    let ww = w.clone();
    let mut s = 0.0;
    for i in 0..x.len() {
        s += ww[i] * x[i].sin();
    }
    s
}

/// A caller of it with a cloned slice of its own.
#[differentiate(wrt(x))]
#[allow(noop_method_call)]
fn calls_with_clones(x: &[f64], w: &[f64]) -> f64 {
    let v = x.clone();
    let mut total = 0.0;
    for c in 0..x.len() {
        total += cloned_weights(v, w) * x[c];
    }
    total
}

#[test]
fn locals_that_borrow_an_argument() {
    let (x, w) = ([0.4, -1.3, 2.2], [0.5, 1.5, -0.7]);
    let (_, g) = calls_with_clones_grad(&x, &w);
    check(|x| calls_with_clones(x, &w), &x, &g);
}
