//! `Vector` and `Matrix` values the body updates in place, passes to
//! element-wise methods, or gets from calls without a type annotation:
//! each against central finite differences.
#![allow(dead_code)]
mod common;
use autodiff::{differentiate, Matrix, Vector};

fn vector(p: &[f64]) -> Vector {
    Vector::from(p.to_vec())
}

fn matrix(p: &[f64]) -> Matrix {
    Matrix::from_rows(&[p[..3].to_vec(), p[3..].to_vec()])
}

/// The `rows`×3 matrix of the row-major `p`.
fn rows_of_3(p: &[f64]) -> Matrix {
    let rows: Vec<Vec<f64>> = p.chunks(3).map(<[f64]>::to_vec).collect();
    Matrix::from_rows(&rows)
}

/// The gradient `f_grad` gives for a function of a vector, at `X`,
/// against central differences.
#[track_caller]
fn check_at_x(f: fn(&Vector) -> f64, f_grad: fn(&Vector) -> (f64, Vector)) {
    let (_, g) = f_grad(&vector(&X));
    common::check(|p| f(&vector(p)), &X, g.as_slice());
}

/// The same for a function of the 2×3 matrix `A`.
#[track_caller]
fn check_at_a(f: fn(&Matrix) -> f64, f_grad: fn(&Matrix) -> (f64, Matrix)) {
    let (_, g) = f_grad(&matrix(&A));
    common::check(|p| f(&matrix(p)), &A, &g[..]);
}

/// A generated `_grad` of a function of a matrix and a vector.
type MatrixVectorGrad = fn(&Matrix, &Vector) -> (f64, (Matrix, Vector));

/// The gradient of `f(a, x)`, a matrix with 3 columns (row-major `a`) and a
/// vector, against central differences.
#[track_caller]
fn check_matrix_and_vector(
    f: fn(&Matrix, &Vector) -> f64,
    f_grad: MatrixVectorGrad,
    a: &[f64],
    x: &[f64],
) {
    let (_, (ga, gx)) = f_grad(&rows_of_3(a), &vector(x));
    let mut g = ga[..].to_vec();
    g.extend_from_slice(gx.as_slice());
    let flat: Vec<f64> = a.iter().chain(x).copied().collect();
    let n = a.len();
    common::check(|p| f(&rows_of_3(&p[..n]), &vector(&p[n..])), &flat, &g);
}

const X: [f64; 3] = [0.4, -1.1, 0.8];
const A: [f64; 6] = [0.3, -0.7, 1.2, 0.5, 0.9, -0.4];

// ---- `v = v * &w`, `v *= w` with a vector local `w` --------------------------

#[differentiate]
fn times_a_local(x: &Vector) -> f64 {
    let mut y = x * 2.0;
    let e = x.sin();
    y = y * &e;
    y = &y * &e;
    y = y / &e.exp();
    y = y * e;
    y.sum()
}

#[differentiate]
fn compound_with_a_local(x: &Vector) -> f64 {
    let mut y = x.clone();
    let e = x.cos() + 2.0;
    y *= e;
    let w = x.exp();
    y /= w;
    y.sum()
}

#[test]
fn updated_by_another_local_vector() {
    check_at_x(times_a_local, times_a_local_grad);
    check_at_x(compound_with_a_local, compound_with_a_local_grad);
}

// ---- an owned vector argument of an element-wise method ---------------------

#[differentiate]
fn owned_arguments(x: &Vector) -> f64 {
    let y = x.sin();
    x.minimum(x * 0.5).sum()
        + x.maximum(x.cos()).sum()
        + x.atan2(y).sum()
        + (x * x + 1.0).powf(x * 0.5).sum()
        + x.hypot(x.exp()).sum()
}

#[differentiate]
fn owned_matrix_argument(a: &Matrix) -> f64 {
    a.maximum(a * 0.5).sum() + a.hypot(a.exp()).sum()
}

#[test]
fn element_wise_methods_with_owned_arguments() {
    check_at_x(owned_arguments, owned_arguments_grad);
    check_at_a(owned_matrix_argument, owned_matrix_argument_grad);
}

// ---- `v += s` with a scalar `s` ------------------------------------------------

#[differentiate]
fn shifted(x: &Vector, s: f64) -> f64 {
    let mut y = x.clone();
    y += s;
    y -= s * s;
    for _ in 0..2 {
        y += s.sin();
        y = &y * &y;
    }
    y.sum()
}

#[differentiate]
fn shifted_matrix(a: &Matrix, s: f64) -> f64 {
    let mut m = a * 2.0;
    m += s;
    m -= s.exp();
    (&m * &m).sum()
}

#[test]
fn a_scalar_added_to_a_vector_in_place_gets_the_sum() {
    let flat = [X[0], X[1], X[2], 0.3];
    let (_, (gx, gs)) = shifted_grad(&vector(&X), 0.3);
    let mut g = gx.as_slice().to_vec();
    g.push(gs);
    common::check(|p| shifted(&vector(&p[..3]), p[3]), &flat, &g);

    let flat: Vec<f64> = A.iter().copied().chain([0.2]).collect();
    let (_, (ga, gs)) = shifted_matrix_grad(&matrix(&A), 0.2);
    let mut g = ga[..].to_vec();
    g.push(gs);
    common::check(|p| shifted_matrix(&matrix(&p[..6]), p[6]), &flat, &g);
}

// ---- a call's vector or matrix result bound without a type ------------------

#[differentiate]
fn square(x: &Vector) -> Vector {
    x * x
}

#[differentiate]
fn total(x: &Vector) -> f64 {
    x.sum()
}

#[differentiate]
fn transposed(a: &Matrix) -> Matrix {
    a.transpose()
}

#[differentiate]
fn reduced(x: &Vector) -> f64 {
    let y = square(x);
    y.sum() + y.dot(x)
}

#[differentiate]
fn through_locals(x: &Vector) -> f64 {
    let y = square(x);
    let z = y * 2.0;
    let w = z.sin() + 1.0;
    w.sum()
}

#[differentiate]
fn scalar_result_times_a_vector(x: &Vector) -> f64 {
    let s = total(x);
    let z = x * s;
    let w = &z * 2.0;
    w.sum()
}

#[differentiate]
fn matrix_results(a: &Matrix, x: &Vector) -> f64 {
    let m = transposed(a);
    let z = square(x);
    let t = m.transpose();
    m.matvec(&z).sum() + t.sum() * m.sum() + transposed(a).sum()
}

#[test]
fn call_results_take_their_shape_from_their_use() {
    for (f, g) in [
        (reduced as fn(&Vector) -> f64, reduced_grad(&vector(&X)).1),
        (through_locals, through_locals_grad(&vector(&X)).1),
        (
            scalar_result_times_a_vector,
            scalar_result_times_a_vector_grad(&vector(&X)).1,
        ),
    ] {
        common::check(|p| f(&vector(p)), &X, g.as_slice());
    }
    check_matrix_and_vector(matrix_results, matrix_results_grad, &A, &[0.5, -0.2]);
}

// ---- a vector computed for a call ---------------------------------------------

#[differentiate]
fn energy(v: &Vector) -> f64 {
    v.dot(v)
}

#[differentiate]
fn computed_arguments(x: &Vector) -> f64 {
    energy(&(x * 2.0)) + energy(&x.sin()) * energy(x)
}

#[test]
fn a_vector_computed_for_a_call() {
    check_at_x(computed_arguments, computed_arguments_grad);
}

// ---- references as operands: `v /= &w`, `-&v` ------------------------------

#[differentiate]
fn borrowed_operands(x: &Vector) -> f64 {
    let mut y = x * 2.0;
    let (ex, k) = (x.exp(), x.sin());
    y /= &ex;
    y += &k;
    y -= &(x * 3.0);
    let c = -&y;
    y *= &x.cos();
    (c + y).sum()
}

#[differentiate]
fn borrowed_matrix_operands(a: &Matrix) -> f64 {
    let mut b = a * 2.0;
    let sa = a.sin();
    b -= &sa;
    b *= &sa;
    (-&b).sum()
}

#[test]
fn references_as_operands() {
    check_at_x(borrowed_operands, borrowed_operands_grad);
    check_at_a(borrowed_matrix_operands, borrowed_matrix_operands_grad);
}

// ---- call results without a type, in more uses ------------------------------

#[differentiate]
fn by_value_total(x: Vector) -> f64 {
    x.sum() * 2.0
}

#[differentiate]
fn scalar_square(a: f64) -> f64 {
    a * a
}

#[differentiate]
fn returned(x: &Vector) -> Vector {
    let y = square(x);
    y
}

#[differentiate]
fn call_results_in_operators(x: &Vector) -> f64 {
    let y = square(x);
    let w = square(x);
    let mut v = x.sin();
    v -= &w;
    v *= &square(x);
    v += total(x);
    v -= scalar_square(x[0]);
    // Arithmetic on call results, vector or scalar, inside operators.
    v += square(x) * 2.0;
    v -= -square(x) / 3.0 + x;
    v += scalar_square(x[1]) * 2.0 - x[2];
    (&y * 2.0).sum()
        + (x * 0.5 - square(x) * 2.0).sum()
        + (scalar_square(x[2]) * 0.5 + 1.0) * x[0]
        + (&y + x).sum()
        + y.sin().sum()
        + v.sum()
        + (square(x) + x).sum()
        + (-square(x)).sum()
        + (scalar_square(x[0]) * x).sum()
        + by_value_total(x * 2.0)
        + by_value_total(x.sin())
}

#[differentiate]
fn matrix_call_in_place(a: &Matrix) -> f64 {
    let mut m = a * 1.5;
    m += transposed(&transposed(a));
    (&m * &m).sum()
}

#[test]
fn call_results_in_operators_and_updates() {
    check_at_x(call_results_in_operators, call_results_in_operators_grad);
    let seed = vector(&[0.5, -1.0, 2.0]);
    let mut g = Vector::zeros(3);
    returned_vjp(&vector(&X), &seed, &mut g);
    let dot = |p: &[f64]| returned(&vector(p)).dot(&seed);
    common::check(dot, &X, g.as_slice());
    let a = [0.3, -0.7, 1.2, 0.5, 0.9, -0.4, 0.2, 0.6, -1.0];
    let square_matrix =
        |p: &[f64]| Matrix::from_rows(&[p[..3].to_vec(), p[3..6].to_vec(), p[6..].to_vec()]);
    let (_, g) = matrix_call_in_place_grad(&square_matrix(&a));
    common::check(|p| matrix_call_in_place(&square_matrix(p)), &a, &g[..]);
}

// ---- arithmetic on call results, whose shape nothing else says ---------------

#[differentiate]
fn scaled_matrix(a: &Matrix, s: f64) -> Matrix {
    a * s + a.sin()
}

#[differentiate]
fn squared_norm(x: &Vector) -> f64 {
    (x * x).sum()
}

/// Returned, bound with and without a type, under methods, as constants,
/// indexed only in a condition, and borrowed into calls.
#[differentiate]
fn doubled(x: &Vector) -> Vector {
    square(x) * 2.0 - x
}

#[differentiate]
fn derived_values(x: &Vector) -> f64 {
    let ones = Vector::ones(3);
    let w = square(x) * 2.0;
    let typed: Vector = -square(x) + x * 0.5;
    let k = square(x);
    let positive = k[0] > 0.0;
    let mut v = x * 1.5;
    v += square(x).sin();
    v *= square(&ones);
    let mut r = w.sum() + typed.dot(x) + (square(x).sin() * 2.0).sum();
    r += (x * 0.3 + square(x).exp()).sum() + square(x).exp().dot(x);
    r += (square(x).powi(2) + x).sum() + (square(x).clone() * 2.0).sum();
    r += (x * square(&ones)).sum() + squared_norm(&(square(x) * 2.0));
    r += squared_norm(&(square(x) + x[1])) + v.sum();
    // Only the conditions index `k`: they say it is a vector.
    if positive {
        r += (&k * x).sum();
    }
    if k[1] > 0.0 {
        r += (&k * x).dot(x);
    }
    r
}

#[differentiate]
fn derived_matrices(a: &Matrix, x: &Vector) -> f64 {
    let b: Matrix = scaled_matrix(a, x[0]) * 0.5;
    let m = scaled_matrix(a, x[1]) * 2.0;
    // Indexed by a pair first: a matrix, which `[i][j]` indexes too.
    let c = scaled_matrix(a, x[2]);
    let corner = c[(0, 1)] + c[1][0];
    // A scalar result times a vector one: neither says which is which, so
    // `w` stays the scalar it is.
    let w = squared_norm(x);
    (b.matvec(x) + x.vecmat(&(scaled_matrix(a, x[2]) * 2.0))).sum()
        + m.sum()
        + corner
        + (square(x) * w).sum()
}

#[test]
fn arithmetic_on_call_results() {
    check_at_x(derived_values, derived_values_grad);
    let seed = vector(&[0.5, -1.0, 2.0]);
    let mut g = Vector::zeros(3);
    doubled_vjp(&vector(&X), &seed, &mut g);
    let dot = |p: &[f64]| doubled(&vector(p)).dot(&seed);
    common::check(dot, &X, g.as_slice());
    let a = [0.3, -0.7, 1.2, 0.5, 0.9, -0.4, 0.2, 0.6, -1.0];
    check_matrix_and_vector(derived_matrices, derived_matrices_grad, &a, &X);
}

/// A call's vector result under a primitive whose result is kept (`tanh`,
/// `exp`), in loops and branches: not kept as a scalar would be.
#[differentiate]
fn kept_primitives_of_call_results(x: &Vector) -> f64 {
    let mut m = x.clone();
    for _ in 0..3 {
        m = doubled(&m).tanh();
    }
    let mut v = x * 1.0;
    for _ in 0..2 {
        v += square(&v).tanh() * 0.3;
    }
    let mut s = m.sum() + v.sum();
    if x[0] > 0.0 {
        s += square(x).exp().dot(x);
    }
    s
}

#[test]
fn kept_primitives_on_call_results() {
    check_at_x(
        kept_primitives_of_call_results,
        kept_primitives_of_call_results_grad,
    );
}
