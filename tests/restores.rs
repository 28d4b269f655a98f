//! Overwrites: the reverse sweep restores an old value only where a reverse
//! step that runs later reads it. Each function here overwrites something
//! and is checked against finite differences, both where the restore is
//! needed and where it is left out.
#![allow(dead_code)]
mod common;
use autodiff::{differentiate, Vector};
use common::check;

/// `centred` is overwritten before anything reads it: nothing is taped.
#[differentiate(wrt(x, mu))]
fn whitened(x: &[f64], mu: &[f64]) -> f64 {
    let d = x.len();
    let mut centred = vec![0.0; d];
    for j in 0..d {
        centred[j] = x[j] - mu[j];
    }
    let mut scaled = vec![0.0; d];
    for j in 0..d {
        scaled[j] = centred[j] * centred[j];
    }
    let mut next = 0;
    for col in 0..d {
        for row in col + 1..d {
            scaled[row] += mu[next % d] * centred[col];
            next += 1;
        }
    }
    let mut s = 0.0;
    for j in 0..d {
        s += scaled[j] * scaled[j];
    }
    s
}

#[test]
fn overwrites_read_only_later_are_not_restored() {
    let x = [0.3, -1.2, 0.7, 2.0];
    let mu = [0.1, 0.4, -0.5, 1.1];
    let (_, (gx, gmu)) = whitened_grad(&x, &mu);
    check(|x| whitened(x, &mu), &x, &gx);
    check(|mu| whitened(&x, mu), &mu, &gmu);
}

/// `a`'s first value is read by the reverse step of `y`, which runs after
/// the overwrite's: it is restored.
#[differentiate]
fn reassigned(x: f64) -> f64 {
    let mut a = x * x;
    let y = a * x;
    a = x.sin();
    y * a
}

#[test]
fn an_earlier_reader_gets_the_old_value_back() {
    let (_, g) = reassigned_grad(0.7);
    check(|x| reassigned(x[0]), &[0.7], &[g]);
}

/// Each iteration reads the element the one before wrote.
#[differentiate(wrt(x))]
fn recurrence(x: &[f64]) -> f64 {
    let n = x.len();
    let mut a = vec![1.0; n];
    for i in 1..n {
        a[i] = a[i - 1] * x[i] + a[i].sin();
    }
    a[n - 1]
}

#[test]
fn an_earlier_iteration_gets_the_old_element_back() {
    let x = [0.5, 1.5, -0.8, 1.2, 0.9];
    let (_, g) = recurrence_grad(&x);
    check(recurrence, &x, &g);
}

/// `k` indexes a read before it is overwritten with an index out of `c`'s
/// bounds: the reverse step of the read must see the old index.
#[differentiate(wrt(x))]
fn index_moves_past_the_end(x: &[f64], c: &[f64]) -> f64 {
    let mut k = 0;
    let y = c[k] + x[k] * x[1];
    k = 7;
    y * x[k - 6]
}

#[test]
fn an_index_read_earlier_is_restored() {
    let (x, c) = ([0.4, -1.3], [2.0]);
    let (_, g) = index_moves_past_the_end_grad(&x, &c);
    check(|x| index_moves_past_the_end(x, &c), &x, &g);
}

/// `v` changes length after a reverse step that names it: that step must
/// see the vector it used, not one of another length.
#[differentiate(wrt(x))]
fn resized(x: &Vector) -> f64 {
    let mut v = x * 2.0;
    let s = (&v + 1.0).sum();
    v = Vector::ones(2) * x[0];
    s * v.sum()
}

#[test]
fn a_vector_named_earlier_keeps_its_length() {
    let x = [0.4, -1.3, 2.2];
    let (_, g) = resized_grad(&Vector::from(x.to_vec()));
    check(|x| resized(&Vector::from(x.to_vec())), &x, g.as_slice());
}

/// A buffer declared in a loop, written element by element: its adjoint
/// is sized from it, but its elements are not taped.
#[differentiate(wrt(x))]
fn rows(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for r in 0..3 {
        let mut b = vec![0.0; n];
        for i in 0..n {
            b[i] = x[i] * (r as f64 + 1.0);
        }
        for i in 0..n {
            s += b[i] * b[i] * x[(i + r) % n];
        }
    }
    s
}

#[test]
fn element_writes_to_a_buffer_in_a_loop() {
    let x = [0.4, -1.3, 2.2, 0.1];
    let (_, g) = rows_grad(&x);
    check(rows, &x, &g);
}

/// Integer counters are counted back in the reverse sweep, not taped.
#[differentiate(wrt(x))]
fn counters(x: &[f64]) -> f64 {
    let n = x.len();
    let (mut up, mut down) = (0, n - 1);
    let mut s = 0.0;
    while up < n {
        s += x[up] * x[down] * x[(up + down) % n];
        up += 2;
        down -= 1;
    }
    s
}

#[test]
fn integer_counters_are_counted_back() {
    let x = [0.4, -1.3, 2.2, 0.1, 0.8, -0.6, 1.7];
    let (_, g) = counters_grad(&x);
    check(counters, &x, &g);
}
