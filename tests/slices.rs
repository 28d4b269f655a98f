//! Parameter types: slices, `Vec`s, arrays, rows; constants passed through;
//! buffer length checks.
#![allow(dead_code)]
mod common;
use approx::assert_relative_eq;
use autodiff::differentiate;
use common::check;

#[differentiate(wrt(w))]
fn weighted(w: &[f64], data: &[f64], n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        s += w[i] * data[i] * data[i] + w[i].sin();
    }
    s / data.len() as f64
}

#[test]
fn wrt_a_slice_with_constant_slice_and_integer() {
    let (w, d) = ([0.5, -1.0, 2.0], [1.0, 2.0, 3.0]);
    let (v, g) = weighted_grad(&w, &d, 3);
    assert_eq!(v, weighted(&w, &d, 3));
    for i in 0..3 {
        assert_relative_eq!(g[i], (d[i] * d[i] + w[i].cos()) / 3.0, epsilon = 1e-14);
    }
}

#[differentiate]
fn owned_and_borrowed(a: Vec<f64>, b: &Vec<f64>, c: [f64; 3], d: &[f64; 2]) -> f64 {
    a[0] * b[1] + c[2] * d[0] * a.len() as f64 + b[0] * c[0] + d[1].exp()
}

#[test]
fn every_parameter_type_of_the_table() {
    let (a, b, c, d) = (vec![1.0, 2.0], vec![3.0, 4.0], [5.0, 6.0, 7.0], [8.0, 9.0]);
    let (v, (ga, gb, gc, gd)) = owned_and_borrowed_grad(a.clone(), &b, c, &d);
    assert_eq!(v, owned_and_borrowed(a.clone(), &b, c, &d));
    assert_eq!(ga, vec![4.0, 0.0]);
    assert_eq!(gb, vec![5.0, 1.0]);
    assert_eq!(gc, [3.0, 0.0, 16.0]);
    assert_eq!(gd, [14.0, 9f64.exp()]);
}

#[differentiate]
fn rows(m: &[Vec<f64>], v: Vec<Vec<f64>>) -> f64 {
    let mut s = 0.0;
    for i in 0..m.len() {
        for j in 0..m[i].len() {
            s += m[i][j] * v[j][i] + m[i][j].powi(2);
        }
    }
    s
}

#[test]
fn rows_of_floats() {
    let m = vec![vec![1.0, 2.0], vec![3.0, 4.0]];
    let v = vec![vec![0.5, -1.0], vec![2.0, 0.25]];
    let (val, (gm, gv)) = rows_grad(&m, v.clone());
    assert_eq!(val, rows(&m, v.clone()));
    for i in 0..2 {
        for j in 0..2 {
            assert_relative_eq!(gm[i][j], v[j][i] + 2.0 * m[i][j]);
            assert_relative_eq!(gv[j][i], m[i][j]);
        }
    }
}

#[test]
fn gradients_match_finite_differences() {
    let w = [0.3, 0.7, -0.2, 1.1];
    let data = [1.0, -2.0, 0.5, 3.0];
    let (_, g) = weighted_grad(&w, &data, 4);
    check(|w| weighted(w, &data, 4), &w, &g);
}

#[test]
#[should_panic(expected = "`d_w` has length 2 but `w` has length 3")]
fn a_buffer_of_the_wrong_length_panics_naming_the_parameter() {
    let mut g = vec![0.0; 2];
    weighted_vjp(&[1.0, 2.0, 3.0], &[1.0, 1.0, 1.0], 3, 1.0, &mut g);
}

#[test]
#[should_panic(expected = "`d_m[1]` has length 1 but `m[1]` has length 2")]
fn a_row_of_the_wrong_length_panics() {
    let m = vec![vec![1.0, 2.0], vec![3.0, 4.0]];
    let mut gm = vec![vec![0.0; 2], vec![0.0; 1]];
    let mut gv = vec![vec![0.0; 2]; 2];
    rows_vjp(&m, m.clone(), 1.0, &mut gm, &mut gv);
}

/// `vec![x; n]` of a number, of a row, and `[x; N]`: each element's
/// cotangent is summed back into `x`.
#[differentiate]
fn repeated(x: &[f64]) -> f64 {
    let rows = vec![vec![x[0] * x[2]; 2]; 3];
    let a = [x[1]; 3];
    let mut s = 0.0;
    for r in 0..3 {
        s += rows[r][r % 2] * a[r] * (r as f64 + 1.0);
    }
    s + rows[2][0].sin()
}

#[test]
fn repeated_numbers_and_rows() {
    let x = [0.5, 0.2, 0.3];
    check(repeated, &x, &repeated_grad(&x).1);
}

/// Integer arithmetic on lengths of differentiated buffers (`n % b.len()`)
/// is a constant, as `b.len()` is: cyclic indices.
#[differentiate(wrt(x))]
fn cyclic(x: &[f64], n: usize) -> f64 {
    let b = vec![x[0] * 2.0, x[1], x[2] * x[0]];
    let k = n % b.len();
    let j = (n + 2) % x.len();
    b[k] * x[1] + x[j] * b[(k + 1) % b.len()]
}

#[test]
fn lengths_in_integer_arithmetic() {
    let x = [0.3, -1.2, 0.8];
    for n in 0..4 {
        let (v, g) = cyclic_grad(&x, n);
        assert_eq!(v, cyclic(&x, n));
        common::check(|p| cyclic(p, n), &x, &g);
    }
}
