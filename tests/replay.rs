//! Loops whose reverse sweep replays each iteration in forward order: the
//! constants they carry (`power *= t`, counters) are computed again, not
//! taped. Each is checked against finite differences, with the patterns
//! that must not be replayed next to them.
#![allow(dead_code)]
mod common;
use autodiff::differentiate;
use common::check;

/// A float and an integer carried, a scalar sum and an indexed sum.
#[differentiate(wrt(x, w))]
fn carried(x: &[f64], w: &[f64], t: f64) -> f64 {
    let n = x.len();
    let mut g = vec![0.0; n];
    let mut fit = 0.0;
    let mut power = 1.0;
    let mut k = 0;
    for j in 0..n {
        let a = x[j] * power;
        let b = a * a.sin();
        fit += b * w[k % n];
        g[(j + 1) % n] -= a * w[j];
        power *= t;
        k += 3;
    }
    let mut s = fit;
    for j in 0..n {
        s += g[j] * g[j];
    }
    s
}

#[test]
fn carried_constants_are_replayed() {
    let x = [0.4, -1.3, 2.2, 0.1, 0.9];
    let w = [1.1, 0.3, -0.7, 0.5, 2.0];
    let (_, (gx, gw)) = carried_grad(&x, &w, 0.8);
    check(|x| carried(x, &w, 0.8), &x, &gx);
    check(|w| carried(&x, w, 0.8), &w, &gw);
}

/// A replayed loop inside a loop, its sum read after it (least squares).
#[differentiate(wrt(x))]
fn least_squares(x: &[f64], n: usize) -> f64 {
    let mut sum = 0.0;
    for i in 0..n {
        let ti = -1.0 + 2.0 * i as f64 / (n as f64 - 1.0);
        let mut fit = 0.0;
        let mut power = 1.0;
        for j in 0..x.len() {
            fit += x[j] * power;
            power *= ti;
        }
        let r = ti.sin() - fit;
        sum += r * r;
    }
    0.5 * sum
}

#[test]
fn a_replayed_loop_inside_a_loop() {
    let x = [0.4, -1.3, 2.2, 0.1];
    let (_, g) = least_squares_grad(&x, 7);
    check(|x| least_squares(x, 7), &x, &g);
}

/// The sum is read before the loop: the loop is reversed as usual, since a
/// replay would leave the sum at its final value.
#[differentiate(wrt(x))]
fn sum_read_before(x: &[f64]) -> f64 {
    let mut s = x[0] * x[1];
    let y = s * s;
    let mut power = 1.0;
    for j in 0..x.len() {
        s += x[j] * power;
        power *= 0.5;
    }
    y * s
}

#[test]
fn a_sum_read_before_the_loop_is_restored() {
    let x = [0.4, -1.3, 2.2, 0.1];
    let (_, g) = sum_read_before_grad(&x);
    check(sum_read_before, &x, &g);
}

/// A sum read inside the loop carries a value: not replayed.
#[differentiate(wrt(x))]
fn sum_read_inside(x: &[f64]) -> f64 {
    let mut s = 1.0;
    for j in 0..x.len() {
        let a = s * x[j];
        s += a.sin();
    }
    s
}

#[test]
fn a_sum_read_inside_the_loop_is_taped() {
    let x = [0.4, -1.3, 2.2, 0.1];
    let (_, g) = sum_read_inside_grad(&x);
    check(sum_read_inside, &x, &g);
}

/// Reversed and inclusive ranges replay in their own order.
#[differentiate(wrt(x))]
fn ranges(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    let mut decay = 1.0;
    for j in (0..n).rev() {
        s += x[j] * decay;
        decay *= 0.9;
    }
    let mut growth = 1.0;
    for j in 1..=n - 1 {
        s -= x[j - 1] * x[j] * growth;
        growth += 0.5;
    }
    s * s
}

#[test]
fn reversed_and_inclusive_ranges() {
    let x = [0.4, -1.3, 2.2, 0.1, 0.6];
    let (_, g) = ranges_grad(&x);
    check(ranges, &x, &g);
}

/// The triangular product of a packed lower-triangular matrix, as GMM
/// writes it: the counter `next` is carried by the inner loop.
#[differentiate(wrt(l, e))]
fn triangular(l: &[f64], e: &[f64]) -> f64 {
    let d = e.len();
    let mut z = vec![0.0; d];
    for j in 0..d {
        z[j] = e[j].exp();
    }
    let mut next = 0;
    for col in 0..d {
        for row in col + 1..d {
            z[row] += l[next] * e[col];
            next += 1;
        }
    }
    let mut s = 0.0;
    for j in 0..d {
        s += z[j] * z[j];
    }
    s
}

#[test]
fn a_packed_triangular_product() {
    let e = [0.4, -1.3, 2.2, 0.1];
    let l = [0.5, -0.2, 0.9, 1.1, -0.4, 0.3];
    let (_, (gl, ge)) = triangular_grad(&l, &e);
    check(|l| triangular(l, &e), &l, &gl);
    check(|e| triangular(&l, e), &e, &ge);
}

/// A replayed inner loop whose body reads a value of the outer body that
/// nothing differentiated needs (`m`, read only by an unused `let`): the
/// replay would run that read again where `m` is gone, so it is not
/// replayed.
#[differentiate]
fn unused_read_in_an_inner_loop(x: &[f64]) -> f64 {
    let mut s = x[0];
    for i in 0..2 {
        let m = x[i] * 2.0;
        for _ in 0..2 {
            let _unused = m.sin();
            s += 0.5;
        }
    }
    s * x[1]
}

#[test]
fn an_inner_loop_reading_an_unneeded_outer_value() {
    let x = [0.3, -1.2, 0.8];
    let (_, g) = unused_read_in_an_inner_loop_grad(&x);
    check(unused_read_in_an_inner_loop, &x, &g);
}
