//! `Matrix` inside differentiated functions: the products of linear algebra,
//! transposition, element access and reductions, element-wise operators and
//! methods with scalar broadcasting, against central finite differences with
//! respect to the matrices and the vectors, and against the closed forms of
//! matrix calculus; the panics on mismatched shapes.
#![allow(dead_code)]
use approx::assert_relative_eq;
use autodiff::{differentiate, Matrix, Vector};

// ---- finite differences ----------------------------------------------------

const H: f64 = 1e-6;

#[track_caller]
fn close(generated: f64, expected: f64, what: &str) {
    assert!(
        (generated - expected).abs() <= 1e-6 * (1.0 + expected.abs()),
        "{what}: generated {generated}, expected {expected}"
    );
}

/// Central differences of `f` with respect to every element of `a`, as a
/// matrix of `a`'s shape.
fn central_matrix(f: impl Fn(&Matrix) -> f64, a: &Matrix) -> Matrix {
    let mut g = Matrix::zeros(a.rows(), a.cols());
    for i in 0..a.rows() {
        for j in 0..a.cols() {
            let (mut p, mut m) = (a.clone(), a.clone());
            p[(i, j)] += H;
            m[(i, j)] -= H;
            g[(i, j)] = (f(&p) - f(&m)) / (2.0 * H);
        }
    }
    g
}

/// Central differences of `f` with respect to every element of `x`.
fn central_vector(f: impl Fn(&Vector) -> f64, x: &Vector) -> Vector {
    let mut g = Vector::zeros(x.len());
    for i in 0..x.len() {
        let (mut p, mut m) = (x.clone(), x.clone());
        p[i] += H;
        m[i] -= H;
        g[i] = (f(&p) - f(&m)) / (2.0 * H);
    }
    g
}

/// Asserts that the matrix gradient `grad` matches central differences.
#[track_caller]
fn check_matrix(f: impl Fn(&Matrix) -> f64, a: &Matrix, grad: &Matrix) {
    let fd = central_matrix(f, a);
    assert_eq!(grad.shape(), a.shape(), "gradient shape");
    for i in 0..a.rows() {
        for j in 0..a.cols() {
            close(
                grad[(i, j)],
                fd[(i, j)],
                &format!("element ({i}, {j}) at {a:?}"),
            );
        }
    }
}

/// Asserts that the vector gradient `grad` matches central differences.
#[track_caller]
fn check_vector(f: impl Fn(&Vector) -> f64, x: &Vector, grad: &Vector) {
    let fd = central_vector(f, x);
    assert_eq!(grad.len(), x.len(), "gradient length");
    for i in 0..x.len() {
        close(grad[i], fd[i], &format!("component {i} at {x:?}"));
    }
}

/// Asserts that the derivative `d` matches central differences of `f` at `s`.
#[track_caller]
fn check_scalar(f: impl Fn(f64) -> f64, s: f64, d: f64) {
    close(
        d,
        (f(s + H) - f(s - H)) / (2.0 * H),
        &format!("scalar at {s}"),
    );
}

/// `Σ aᵢⱼ·bᵢⱼ`, computed here rather than by the code under test.
fn frobenius(a: &Matrix, b: &Matrix) -> f64 {
    assert_eq!(a.shape(), b.shape());
    a.as_slice()
        .iter()
        .zip(b.as_slice())
        .map(|(p, q)| p * q)
        .sum()
}

/// `Σ xᵢ·yᵢ`, computed here.
fn inner(x: &Vector, y: &Vector) -> f64 {
    assert_eq!(x.len(), y.len());
    x.iter().zip(y.iter()).map(|(p, q)| p * q).sum()
}

/// Two matrices that must agree to rounding.
#[track_caller]
fn same_matrix(a: &Matrix, b: &Matrix) {
    assert_eq!(a.shape(), b.shape(), "shapes");
    for (p, q) in a.as_slice().iter().zip(b.as_slice()) {
        assert_relative_eq!(p, q, epsilon = 1e-12, max_relative = 1e-12);
    }
}

/// Two vectors that must agree to rounding.
#[track_caller]
fn same_vector(a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len(), "lengths");
    for (p, q) in a.iter().zip(b) {
        assert_relative_eq!(p, q, epsilon = 1e-12, max_relative = 1e-12);
    }
}

// Products computed here with loops, for the closed forms.

fn mv(a: &Matrix, x: &[f64]) -> Vec<f64> {
    (0..a.rows())
        .map(|i| (0..a.cols()).map(|j| a[(i, j)] * x[j]).sum())
        .collect()
}

fn tmv(a: &Matrix, x: &[f64]) -> Vec<f64> {
    (0..a.cols())
        .map(|j| (0..a.rows()).map(|i| a[(i, j)] * x[i]).sum())
        .collect()
}

fn mm(a: &Matrix, b: &Matrix) -> Matrix {
    let mut c = Matrix::zeros(a.rows(), b.cols());
    for i in 0..a.rows() {
        for j in 0..b.cols() {
            c[(i, j)] = (0..a.cols()).map(|k| a[(i, k)] * b[(k, j)]).sum();
        }
    }
    c
}

fn tr(a: &Matrix) -> Matrix {
    let mut t = Matrix::zeros(a.cols(), a.rows());
    for i in 0..a.rows() {
        for j in 0..a.cols() {
            t[(j, i)] = a[(i, j)];
        }
    }
    t
}

fn outer(x: &[f64], y: &[f64]) -> Matrix {
    let mut m = Matrix::zeros(x.len(), y.len());
    for i in 0..x.len() {
        for j in 0..y.len() {
            m[(i, j)] = x[i] * y[j];
        }
    }
    m
}

/// A 2×3 matrix with distinct entries of both signs.
fn a23() -> Matrix {
    Matrix::from_rows(&[[1.0, -2.0, 0.5], [0.3, 1.5, -0.7]])
}

/// A 3×4 matrix.
fn b34() -> Matrix {
    Matrix::from_rows(&[
        [0.2, -1.0, 0.4, 1.3],
        [1.1, 0.6, -0.3, 0.9],
        [-0.5, 2.0, 0.7, -1.2],
    ])
}

/// A 3×3 non-symmetric matrix.
fn a33() -> Matrix {
    Matrix::from_rows(&[[2.0, -1.0, 0.5], [0.3, 1.5, -0.7], [1.2, 0.4, -0.9]])
}

fn v(xs: &[f64]) -> Vector {
    Vector::from(xs.to_vec())
}

// ---- matvec: Ax ----------------------------------------------------------------

#[differentiate]
fn matvec(a: &Matrix, x: &Vector) -> Vector {
    a.matvec(x)
}

#[differentiate]
fn matvec_sin_sum(a: &Matrix, x: &Vector) -> f64 {
    a.matvec(x).sin().sum()
}

#[test]
fn matvec_vjp_is_transpose_times_seed_and_outer_product() {
    let (a, x, s) = (a23(), v(&[0.4, -1.1, 2.0]), v(&[0.7, -1.3]));
    let (mut da, mut dx) = (Matrix::zeros(2, 3), Vector::zeros(3));
    let y = matvec_vjp(&a, &x, &s, &mut da, &mut dx);
    same_vector(&y, &mv(&a, &x));
    // ∇ₓ (Ax)ᵀs = Aᵀs, ∇_A (Ax)ᵀs = s xᵀ.
    same_vector(&dx, &tmv(&a, &s));
    same_matrix(&da, &outer(&s, &x));
    check_vector(|x| inner(&s, &a.matvec(x)), &x, &dx);
    check_matrix(|a| inner(&s, &a.matvec(&x)), &a, &da);
}

#[test]
fn matvec_grad_matches_finite_differences() {
    let (a, x) = (a23(), v(&[0.4, -1.1, 2.0]));
    let (value, (ga, gx)) = matvec_sin_sum_grad(&a, &x);
    assert_eq!(value, matvec_sin_sum(&a, &x));
    check_matrix(|a| a.matvec(&x).sin().sum(), &a, &ga);
    check_vector(|x| a.matvec(x).sin().sum(), &x, &gx);
}

// ---- vecmat: xᵀA ------------------------------------------------------------------

#[differentiate]
fn vecmat(x: &Vector, a: &Matrix) -> Vector {
    x.vecmat(a)
}

#[differentiate]
fn vecmat_exp_sum(x: &Vector, a: &Matrix) -> f64 {
    x.vecmat(a).exp().sum()
}

#[test]
fn vecmat_vjp_is_matrix_times_seed_and_outer_product() {
    let (a, x, s) = (a23(), v(&[0.4, -1.1]), v(&[0.7, -1.3, 0.4]));
    let (mut dx, mut da) = (Vector::zeros(2), Matrix::zeros(2, 3));
    let y = vecmat_vjp(&x, &a, &s, &mut dx, &mut da);
    same_vector(&y, &tmv(&a, &x));
    // ∇ₓ (xᵀA)s = As, ∇_A (xᵀA)s = x sᵀ.
    same_vector(&dx, &mv(&a, &s));
    same_matrix(&da, &outer(&x, &s));
    check_vector(|x| inner(&s, &x.vecmat(&a)), &x, &dx);
    check_matrix(|a| inner(&s, &x.vecmat(a)), &a, &da);
}

#[test]
fn vecmat_grad_matches_finite_differences() {
    let (a, x) = (a23(), v(&[0.4, -1.1]));
    let (value, (gx, ga)) = vecmat_exp_sum_grad(&x, &a);
    assert_eq!(value, vecmat_exp_sum(&x, &a));
    check_vector(|x| x.vecmat(&a).exp().sum(), &x, &gx);
    check_matrix(|a| x.vecmat(a).exp().sum(), &a, &ga);
}

// ---- the quadratic form xᵀAx ----------------------------------------------------------

#[differentiate]
fn quadratic(x: &Vector, a: &Matrix) -> f64 {
    x.dot(&a.matvec(x))
}

#[differentiate]
fn quadratic_vecmat(x: &Vector, a: &Matrix) -> f64 {
    let y = x.vecmat(a);
    y.dot(x)
}

#[test]
fn quadratic_form_closed_forms() {
    let (x, a) = (v(&[0.4, -1.1, 2.0]), a33());
    let expected_x: Vec<f64> = mv(&a, &x)
        .iter()
        .zip(tmv(&a, &x))
        .map(|(p, q)| p + q)
        .collect();
    let expected_a = outer(&x, &x);
    let f = |x: &Vector, a: &Matrix| inner(x, &v(&mv(a, x)));

    // ∇ₓ xᵀAx = (A + Aᵀ)x, ∇_A xᵀAx = x xᵀ.
    let (value, (gx, ga)) = quadratic_grad(&x, &a);
    assert_relative_eq!(value, f(&x, &a), max_relative = 1e-14);
    same_vector(&gx, &expected_x);
    same_matrix(&ga, &expected_a);
    check_vector(|x| f(x, &a), &x, &gx);
    check_matrix(|a| f(&x, a), &a, &ga);

    let (value, (gx, ga)) = quadratic_vecmat_grad(&x, &a);
    assert_relative_eq!(value, f(&x, &a), max_relative = 1e-14);
    same_vector(&gx, &expected_x);
    same_matrix(&ga, &expected_a);
}

// ---- matmul: AB ---------------------------------------------------------------------

#[differentiate]
fn matmul(a: &Matrix, b: &Matrix) -> Matrix {
    a.matmul(b)
}

#[differentiate]
fn matmul_tanh_sum(a: &Matrix, b: &Matrix) -> f64 {
    a.matmul(b).tanh().sum()
}

#[differentiate]
fn gram(a: &Matrix) -> f64 {
    let g = a.matmul(&a.transpose());
    (&g * &g).sum()
}

#[test]
fn matmul_vjp_closed_forms() {
    let (a, b) = (a23(), b34());
    let s = Matrix::from_rows(&[[0.7, -1.3, 0.4, 2.1], [-0.6, 1.1, 0.9, -0.2]]);
    let (mut da, mut db) = (Matrix::zeros(2, 3), Matrix::zeros(3, 4));
    let y = matmul_vjp(&a, &b, &s, &mut da, &mut db);
    same_matrix(&y, &mm(&a, &b));
    // Ā = S Bᵀ, B̄ = Aᵀ S.
    same_matrix(&da, &mm(&s, &tr(&b)));
    same_matrix(&db, &mm(&tr(&a), &s));
    check_matrix(|a| frobenius(&s, &a.matmul(&b)), &a, &da);
    check_matrix(|b| frobenius(&s, &a.matmul(b)), &b, &db);
}

#[test]
fn matmul_grad_matches_finite_differences() {
    let (a, b) = (a23(), b34());
    let (value, (ga, gb)) = matmul_tanh_sum_grad(&a, &b);
    assert_eq!(value, matmul_tanh_sum(&a, &b));
    check_matrix(|a| a.matmul(&b).tanh().sum(), &a, &ga);
    check_matrix(|b| a.matmul(b).tanh().sum(), &b, &gb);
}

#[test]
fn gram_matrix_through_matmul_and_transpose() {
    // f = ‖AAᵀ‖²_F, ∇f = 4·AAᵀA.
    let a = a23();
    let (value, g) = gram_grad(&a);
    let aat = mm(&a, &tr(&a));
    assert_relative_eq!(value, frobenius(&aat, &aat), max_relative = 1e-14);
    same_matrix(&g, &(mm(&aat, &a) * 4.0));
    check_matrix(gram, &a, &g);
}

// ---- transpose -----------------------------------------------------------------------

#[differentiate]
fn transpose(a: &Matrix) -> Matrix {
    a.transpose()
}

#[differentiate]
fn transpose_weighted(a: &Matrix, x: &Vector, y: &Vector) -> f64 {
    let t = a.transpose();
    t.matvec(x).dot(y) + t.sum()
}

#[test]
fn transpose_vjp_is_the_seed_transposed() {
    let a = a23();
    let s = Matrix::from_rows(&[[0.7, -1.3], [0.4, 2.1], [-0.6, 1.1]]);
    let mut da = Matrix::zeros(2, 3);
    let y = transpose_vjp(&a, &s, &mut da);
    same_matrix(&y, &tr(&a));
    same_matrix(&da, &tr(&s));
    check_matrix(|a| frobenius(&s, &a.transpose()), &a, &da);
}

#[test]
fn transpose_then_matvec() {
    let (a, x, y) = (a23(), v(&[0.4, -1.1]), v(&[0.3, 1.2, -0.8]));
    let (value, (ga, gx, gy)) = transpose_weighted_grad(&a, &x, &y);
    assert_eq!(value, transpose_weighted(&a, &x, &y));
    check_matrix(|a| transpose_weighted(a, &x, &y), &a, &ga);
    check_vector(|x| transpose_weighted(&a, x, &y), &x, &gx);
    check_vector(|y| transpose_weighted(&a, &x, y), &y, &gy);
    // f = (Aᵀx)·y + Σ aᵢⱼ = xᵀAy + Σ aᵢⱼ: ∇_A = x yᵀ + 1, ∇ₓ = Ay, ∇_y = Aᵀx.
    same_matrix(&ga, &(outer(&x, &y) + 1.0));
    same_vector(&gx, &mv(&a, &y));
    same_vector(&gy, &tmv(&a, &x));
}

// ---- elements and sum ---------------------------------------------------------------------

#[differentiate]
fn elements(a: &Matrix) -> f64 {
    a[(0, 1)] * a[1][2] + a[(1, 0)].sin() - a[0][0] / a[(1, 1)]
}

#[differentiate]
fn elements_in_loops(a: &Matrix, rows: usize, cols: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..rows {
        for j in 0..cols {
            s += a[i][j] * a[(i, j)] * ((i + 2 * j) as f64 + 1.0);
        }
    }
    s
}

#[differentiate]
fn elements_with_rows_and_cols(a: &Matrix) -> f64 {
    let mut s = 0.0;
    for i in 0..a.rows() {
        for j in 0..a.cols() {
            s += a[(i, j)].exp() * (j as f64 - i as f64);
        }
    }
    s
}

#[differentiate]
fn element_of_a_product(a: &Matrix, b: &Matrix) -> f64 {
    let c = a.matmul(b);
    c[(1, 2)] * c[0][3]
}

#[differentiate]
fn matrix_sum(a: &Matrix) -> f64 {
    a.sum()
}

#[differentiate]
fn sum_of_squares(a: &Matrix) -> f64 {
    (a * a).sum()
}

#[test]
fn element_access_in_both_spellings() {
    let a = a23();
    let (value, g) = elements_grad(&a);
    assert_eq!(value, elements(&a));
    let mut expected = Matrix::zeros(2, 3);
    expected[(0, 1)] = a[(1, 2)];
    expected[(1, 2)] = a[(0, 1)];
    expected[(1, 0)] = a[(1, 0)].cos();
    expected[(0, 0)] = -1.0 / a[(1, 1)];
    expected[(1, 1)] = a[(0, 0)] / (a[(1, 1)] * a[(1, 1)]);
    same_matrix(&g, &expected);
    check_matrix(elements, &a, &g);
}

#[test]
fn element_access_in_loops() {
    let a = a23();
    let (_, g) = elements_in_loops_grad(&a, 2, 3);
    let mut expected = Matrix::zeros(2, 3);
    for i in 0..2 {
        for j in 0..3 {
            expected[(i, j)] = 2.0 * a[(i, j)] * ((i + 2 * j) as f64 + 1.0);
        }
    }
    same_matrix(&g, &expected);

    let (_, g) = elements_with_rows_and_cols_grad(&a);
    check_matrix(elements_with_rows_and_cols, &a, &g);

    let (a, b) = (a23(), b34());
    let (_, (ga, gb)) = element_of_a_product_grad(&a, &b);
    check_matrix(|a| element_of_a_product(a, &b), &a, &ga);
    check_matrix(|b| element_of_a_product(&a, b), &b, &gb);
}

#[test]
fn sum_of_a_matrix() {
    let a = a23();
    let (value, g) = matrix_sum_grad(&a);
    assert_relative_eq!(value, a.as_slice().iter().sum::<f64>());
    same_matrix(&g, &Matrix::from_rows(&[[1.0; 3]; 2]));

    let (_, g) = sum_of_squares_grad(&a);
    same_matrix(&g, &(&a * 2.0));
    check_matrix(|a| frobenius(a, a), &a, &g);
}

// ---- element-wise operators --------------------------------------------------------------

/// For each operator: matrix ⊕ matrix, matrix ⊕ differentiated scalar, scalar
/// ⊕ matrix, and with constants.
macro_rules! operator {
    ($($name:ident: $op:tt;)*) => {$(
        mod $name {
            use super::*;

            #[differentiate]
            pub fn matrix_matrix(a: &Matrix, b: &Matrix) -> Matrix {
                a $op b
            }

            #[differentiate]
            pub fn owned(a: Matrix, b: Matrix) -> f64 {
                let c = &a $op &b;
                (&c * &c).sum() + (a $op b).sum()
            }

            #[differentiate]
            pub fn matrix_scalar(a: &Matrix, s: f64) -> Matrix {
                a $op s
            }

            #[differentiate]
            pub fn scalar_matrix(s: f64, a: &Matrix) -> Matrix {
                s $op a
            }

            #[differentiate]
            pub fn constants(a: &Matrix) -> Matrix {
                (a $op 2.0) + (3.0 $op a)
            }

            fn a() -> Matrix {
                a23()
            }

            fn b() -> Matrix {
                Matrix::from_rows(&[[0.8, -1.6, 1.1], [0.6, 1.4, -0.9]])
            }

            fn s() -> Matrix {
                Matrix::from_rows(&[[0.7, -1.3, 0.4], [2.1, -0.6, 1.1]])
            }

            #[test]
            fn matrix_with_matrix() {
                let (a, b, s) = (a(), b(), s());
                let (mut da, mut db) = (Matrix::zeros(2, 3), Matrix::zeros(2, 3));
                let y = matrix_matrix_vjp(&a, &b, &s, &mut da, &mut db);
                assert_eq!(y, &a $op &b);
                check_matrix(|a| frobenius(&s, &(a $op &b)), &a, &da);
                check_matrix(|b| frobenius(&s, &(&a $op b)), &b, &db);
            }

            #[test]
            fn owned_matrices() {
                let (a, b) = (a(), b());
                let f = |a: &Matrix, b: &Matrix| {
                    let c = a $op b;
                    frobenius(&c, &c) + (a $op b).sum()
                };
                let (value, (ga, gb)) = owned_grad(a.clone(), b.clone());
                assert_relative_eq!(value, f(&a, &b), max_relative = 1e-14);
                check_matrix(|a| f(a, &b), &a, &ga);
                check_matrix(|b| f(&a, b), &b, &gb);
            }

            #[test]
            fn matrix_with_scalar_broadcasts() {
                let (a, c, s) = (a(), 0.7, s());
                let (mut da, mut dc) = (Matrix::zeros(2, 3), 0.0);
                assert_eq!(matrix_scalar_vjp(&a, c, &s, &mut da, &mut dc), &a $op c);
                check_matrix(|a| frobenius(&s, &(a $op c)), &a, &da);
                check_scalar(|c| frobenius(&s, &(&a $op c)), c, dc);
            }

            #[test]
            fn scalar_with_matrix_broadcasts() {
                let (a, c, s) = (a(), 0.7, s());
                let (mut dc, mut da) = (0.0, Matrix::zeros(2, 3));
                assert_eq!(scalar_matrix_vjp(c, &a, &s, &mut dc, &mut da), c $op &a);
                check_matrix(|a| frobenius(&s, &(c $op a)), &a, &da);
                check_scalar(|c| frobenius(&s, &(c $op &a)), c, dc);
            }

            #[test]
            fn with_constants() {
                let (a, s) = (a(), s());
                let mut da = Matrix::zeros(2, 3);
                constants_vjp(&a, &s, &mut da);
                check_matrix(|a| frobenius(&s, &((a $op 2.0) + (3.0 $op a))), &a, &da);
            }
        }
    )*};
}

operator! {
    add: +;
    sub: -;
    mul: *;
    div: /;
}

#[differentiate]
fn negated(a: &Matrix) -> Matrix {
    -a
}

#[test]
fn unary_minus() {
    let (a, s) = (
        a23(),
        Matrix::from_rows(&[[0.7, -1.3, 0.4], [2.1, -0.6, 1.1]]),
    );
    let mut da = Matrix::zeros(2, 3);
    assert_eq!(negated_vjp(&a, &s, &mut da), -&a);
    same_matrix(&da, &(-&s));
}

// ---- broadcasting: closed forms ------------------------------------------------------------

#[differentiate]
fn scaled_sum(a: &Matrix, s: f64) -> f64 {
    (a * s).sin().sum()
}

#[differentiate]
fn shifted_sum(s: f64, a: &Matrix) -> f64 {
    (s - a).exp().sum()
}

#[differentiate]
fn divided_sum(a: &Matrix, s: f64) -> f64 {
    (a / s + s / a).sum()
}

#[test]
fn a_broadcast_scalar_receives_the_sum_over_all_elements() {
    let (a, s) = (a23(), 0.7);
    let els = a.as_slice();

    // Σ sin(s·aᵢⱼ): ∂/∂s = Σ aᵢⱼ cos(s·aᵢⱼ), ∂/∂aᵢⱼ = s cos(s·aᵢⱼ).
    let (_, (ga, gs)) = scaled_sum_grad(&a, s);
    let e: f64 = els.iter().map(|x| x * (s * x).cos()).sum();
    assert_relative_eq!(gs, e, max_relative = 1e-13);
    for (g, x) in ga.as_slice().iter().zip(els) {
        assert_relative_eq!(*g, s * (s * x).cos(), max_relative = 1e-13);
    }
    check_scalar(|s| (&a * s).sin().sum(), s, gs);
    check_matrix(|a| (a * s).sin().sum(), &a, &ga);

    // Σ exp(s − aᵢⱼ): ∂/∂s = Σ exp(s − aᵢⱼ), ∂/∂aᵢⱼ = −exp(s − aᵢⱼ).
    let (_, (gs, ga)) = shifted_sum_grad(s, &a);
    let e: f64 = els.iter().map(|x| (s - x).exp()).sum();
    assert_relative_eq!(gs, e, max_relative = 1e-13);
    for (g, x) in ga.as_slice().iter().zip(els) {
        assert_relative_eq!(*g, -(s - x).exp(), max_relative = 1e-13);
    }

    // Σ aᵢⱼ/s + s/aᵢⱼ: ∂/∂s = Σ −aᵢⱼ/s² + 1/aᵢⱼ.
    let (_, (ga, gs)) = divided_sum_grad(&a, s);
    let e: f64 = els.iter().map(|x| -x / (s * s) + 1.0 / x).sum();
    assert_relative_eq!(gs, e, max_relative = 1e-13);
    for (g, x) in ga.as_slice().iter().zip(els) {
        assert_relative_eq!(*g, 1.0 / s - s / (x * x), max_relative = 1e-13);
    }
    check_scalar(|s| (&a / s + s / &a).sum(), s, gs);
}

// ---- element-wise methods --------------------------------------------------------------------

#[differentiate]
fn methods(a: &Matrix) -> Matrix {
    a.sin() + a.exp() * 0.5 + a.powi(3) + a.tanh().abs()
}

#[differentiate]
fn positive_methods(a: &Matrix, p: f64) -> f64 {
    let b = a * a + 0.5;
    (b.sqrt() + b.ln() + b.powf(p) + b.recip()).sum()
}

#[differentiate]
fn binary_methods(a: &Matrix, b: &Matrix) -> f64 {
    (a.atan2(b) + a.hypot(b) + a.maximum(b) - a.minimum(0.2)).sum()
}

#[test]
fn element_wise_methods_of_matrices() {
    let (a, s) = (
        a23(),
        Matrix::from_rows(&[[0.7, -1.3, 0.4], [2.1, -0.6, 1.1]]),
    );
    let mut da = Matrix::zeros(2, 3);
    let y = methods_vjp(&a, &s, &mut da);
    assert_eq!(y, methods(&a));
    check_matrix(|a| frobenius(&s, &methods(a)), &a, &da);

    let p = 1.7;
    let (value, (ga, gp)) = positive_methods_grad(&a, p);
    assert_eq!(value, positive_methods(&a, p));
    check_matrix(|a| positive_methods(a, p), &a, &ga);
    check_scalar(|p| positive_methods(&a, p), p, gp);

    let b = Matrix::from_rows(&[[0.8, -1.6, 1.1], [0.6, 1.4, -0.9]]);
    let (value, (ga, gb)) = binary_methods_grad(&a, &b);
    assert_eq!(value, binary_methods(&a, &b));
    check_matrix(|a| binary_methods(a, &b), &a, &ga);
    check_matrix(|b| binary_methods(&a, b), &b, &gb);
}

// ---- parameters, locals, loops, results ---------------------------------------------------------

#[differentiate]
fn layer(w: &Matrix, b: &Vector, x: &Vector, scale: f64) -> f64 {
    let z = w.matvec(x) + b;
    z.tanh().sum() * scale
}

#[test]
fn a_layer_with_matrix_vector_and_scalar_parameters() {
    let (w, b, x, c) = (a23(), v(&[0.1, -0.2]), v(&[0.4, -1.1, 2.0]), 1.3);
    let (value, (gw, gb, gx, gc)) = layer_grad(&w, &b, &x, c);
    assert_eq!(value, layer(&w, &b, &x, c));
    check_matrix(|w| layer(w, &b, &x, c), &w, &gw);
    check_vector(|b| layer(&w, b, &x, c), &b, &gb);
    check_vector(|x| layer(&w, &b, x, c), &x, &gx);
    check_scalar(|c| layer(&w, &b, &x, c), c, gc);
    // Closed form: b̄ᵢ = c·(1 − tanh² zᵢ), W̄ = b̄ xᵀ, x̄ = Wᵀ b̄.
    let z: Vec<f64> = mv(&w, &x)
        .iter()
        .zip(b.iter())
        .map(|(p, q)| p + q)
        .collect();
    let db: Vec<f64> = z.iter().map(|z| c * (1.0 - z.tanh() * z.tanh())).collect();
    same_vector(&gb, &db);
    same_matrix(&gw, &outer(&db, &x));
    same_vector(&gx, &tmv(&w, &db));
}

#[differentiate(wrt(w))]
fn layer_wrt_w(w: &Matrix, b: &Vector, x: &Vector, scale: f64) -> f64 {
    let z = w.matvec(x) + b;
    z.tanh().sum() * scale
}

#[test]
fn wrt_a_matrix_only() {
    let (w, b, x, c) = (a23(), v(&[0.1, -0.2]), v(&[0.4, -1.1, 2.0]), 1.3);
    let (_, (gw, ..)) = layer_grad(&w, &b, &x, c);
    let (_, gw_only) = layer_wrt_w_grad(&w, &b, &x, c);
    same_matrix(&gw_only, &gw);
}

#[differentiate]
fn owned_matrix(a: Matrix, x: Vector) -> f64 {
    let y = a.matvec(&x);
    y.dot(&y)
}

#[test]
fn owned_matrix_and_vector_parameters() {
    let (a, x) = (a23(), v(&[0.4, -1.1, 2.0]));
    let (value, (ga, gx)) = owned_matrix_grad(a.clone(), x.clone());
    let y = mv(&a, &x);
    assert_relative_eq!(
        value,
        y.iter().map(|v| v * v).sum::<f64>(),
        max_relative = 1e-14
    );
    // ∇ₓ ‖Ax‖² = 2AᵀAx, ∇_A = 2(Ax)xᵀ.
    same_vector(
        &gx,
        &tmv(&a, &y).iter().map(|v| 2.0 * v).collect::<Vec<_>>(),
    );
    same_matrix(&ga, &(outer(&y, &x) * 2.0));
}

#[differentiate]
fn power_iteration(a: &Matrix, n: usize) -> f64 {
    let mut m = a.clone();
    for _ in 0..n {
        m = m.matmul(a) * 0.5;
    }
    m.sum()
}

#[differentiate]
fn repeated_matvec(a: &Matrix, x: &Vector) -> f64 {
    let mut y = x.clone();
    for _ in 0..3 {
        y = a.matvec(&y).sin();
    }
    y.sum()
}

#[test]
fn matrix_and_vector_locals_assigned_in_loops() {
    let a = a33();
    for n in 0..4 {
        let (value, g) = power_iteration_grad(&a, n);
        assert_eq!(value, power_iteration(&a, n));
        check_matrix(|a| power_iteration(a, n), &a, &g);
    }
    // n = 1: f = ½·1ᵀA·A1, ∂f/∂aₚq = ½((A1)_q + (Aᵀ1)ₚ), that is
    // ∇f = ½(1 (A1)ᵀ + (Aᵀ1) 1ᵀ).
    let (_, g) = power_iteration_grad(&a, 1);
    let ones = [1.0; 3];
    let (a1, at1) = (mv(&a, &ones), tmv(&a, &ones));
    let expected = (outer(&ones, &a1) + outer(&at1, &ones)) * 0.5;
    same_matrix(&g, &expected);

    let x = v(&[0.4, -1.1, 2.0]);
    let (value, (ga, gx)) = repeated_matvec_grad(&a, &x);
    assert_eq!(value, repeated_matvec(&a, &x));
    check_matrix(|a| repeated_matvec(a, &x), &a, &ga);
    check_vector(|x| repeated_matvec(&a, x), &x, &gx);
}

#[differentiate]
fn with_constants(a: &Matrix, x: &Vector) -> f64 {
    let i = Matrix::identity(3);
    let z = Matrix::zeros(3, 3);
    let r = Matrix::from_rows(&[[1.0, 2.0, 0.0], [0.0, -1.0, 0.5], [0.3, 0.0, 1.0]]);
    let m = a.matmul(&i).matmul(&r);
    let k = z.matmul(a);
    m.matvec(x).sum() + k.sum()
}

#[test]
fn matrix_constructors_are_constants() {
    let (a, x) = (a33(), v(&[0.4, -1.1, 2.0]));
    let r = Matrix::from_rows(&[[1.0, 2.0, 0.0], [0.0, -1.0, 0.5], [0.3, 0.0, 1.0]]);
    let (value, (ga, gx)) = with_constants_grad(&a, &x);
    assert_eq!(value, with_constants(&a, &x));
    // f = 1ᵀ A R x: ∇_A = 1 (Rx)ᵀ, ∇ₓ = Rᵀ Aᵀ 1.
    let ones = [1.0; 3];
    same_matrix(&ga, &outer(&ones, &mv(&r, &x)));
    same_vector(&gx, &tmv(&r, &tmv(&a, &ones)));
}

#[differentiate]
fn constant_element_wise(a: &Matrix) -> f64 {
    let m = Matrix::from_rows(&[[1.0, 2.0, 0.5], [-1.0, 0.5, 3.0]]);
    let u = a * &m + &m * a - &m / a + a / &m;
    (u + a * m).sum()
}

#[differentiate]
fn constant_method_operand(a: &Matrix) -> f64 {
    let m = Matrix::from_rows(&[[1.0, 2.0, 0.5], [-1.0, 0.5, 3.0]]);
    (a.atan2(&m) + a.maximum(&m)).sum()
}

#[test]
fn constant_matrices_in_element_wise_operations() {
    let a = a23();
    let m = Matrix::from_rows(&[[1.0, 2.0, 0.5], [-1.0, 0.5, 3.0]]);
    let (value, g) = constant_element_wise_grad(&a);
    assert_eq!(value, constant_element_wise(&a));
    let mut expected = Matrix::zeros(2, 3);
    for i in 0..2 {
        for j in 0..3 {
            let (x, c) = (a[(i, j)], m[(i, j)]);
            expected[(i, j)] = 3.0 * c + c / (x * x) + 1.0 / c;
        }
    }
    same_matrix(&g, &expected);
    check_matrix(constant_element_wise, &a, &g);
}

#[test]
fn a_constant_matrix_as_operand_of_element_wise_methods() {
    let a = a23();
    let (value, g) = constant_method_operand_grad(&a);
    assert_eq!(value, constant_method_operand(&a));
    check_matrix(constant_method_operand, &a, &g);
}

#[differentiate]
fn matrix_result(a: &Matrix, b: &Matrix, s: f64) -> Matrix {
    let c = a.matmul(&b.transpose());
    c.sin() * s + a.matmul(&a.transpose())
}

#[test]
fn a_matrix_result_through_vjp_accumulates() {
    let (a, b, s) = (
        a23(),
        Matrix::from_rows(&[[0.8, -1.6, 1.1], [0.6, 1.4, -0.9]]),
        1.3,
    );
    let seed = Matrix::from_rows(&[[0.7, -1.3], [0.4, 2.1]]);
    let f = |a: &Matrix, b: &Matrix, s: f64| frobenius(&seed, &matrix_result(a, b, s));

    let (mut da, mut db, mut ds) = (Matrix::zeros(2, 3), Matrix::zeros(2, 3), 0.0);
    let y = matrix_result_vjp(&a, &b, s, &seed, &mut da, &mut db, &mut ds);
    assert_eq!(y, matrix_result(&a, &b, s));
    check_matrix(|a| f(a, &b, s), &a, &da);
    check_matrix(|b| f(&a, b, s), &b, &db);
    check_scalar(|s| f(&a, &b, s), s, ds);

    // Into nonzero buffers: adds, does not overwrite.
    let start = Matrix::from_rows(&[[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]]);
    let (mut da2, mut db2, mut ds2) = (start.clone(), start.clone(), 10.0);
    matrix_result_vjp(&a, &b, s, &seed, &mut da2, &mut db2, &mut ds2);
    same_matrix(&da2, &(&start + &da));
    same_matrix(&db2, &(&start + &db));
    assert_relative_eq!(ds2, 10.0 + ds, max_relative = 1e-14);
}

#[test]
fn a_scalar_result_vjp_accumulates_into_a_matrix_buffer() {
    let (x, a) = (v(&[0.4, -1.1, 2.0]), a33());
    let start = a33() * -1.0;
    let (mut dx, mut da) = (v(&[1.0, 2.0, 3.0]), start.clone());
    quadratic_vjp(&x, &a, 2.0, &mut dx, &mut da);
    same_matrix(&da, &(&start + &(outer(&x, &x) * 2.0)));
    let ax: Vec<f64> = mv(&a, &x)
        .iter()
        .zip(tmv(&a, &x))
        .map(|(p, q)| p + q)
        .collect();
    for i in 0..3 {
        assert_relative_eq!(dx[i], (i + 1) as f64 + 2.0 * ax[i], max_relative = 1e-13);
    }
}

// ---- shapes ----------------------------------------------------------------------------------

#[test]
#[should_panic(expected = "shape mismatch in `matvec`: 2×3 matrix and vector of length 2")]
fn matvec_with_a_vector_of_the_wrong_length_panics() {
    let _ = matvec_sin_sum_grad(&a23(), &v(&[1.0, 2.0]));
}

#[test]
#[should_panic(expected = "shape mismatch in `vecmat`: vector of length 3 and 2×3 matrix")]
fn vecmat_with_a_vector_of_the_wrong_length_panics() {
    let _ = vecmat_exp_sum_grad(&v(&[1.0, 2.0, 3.0]), &a23());
}

#[test]
#[should_panic(expected = "shape mismatch in `matmul`: 2×3 matrix and 2×3 matrix")]
fn matmul_of_two_2x3_matrices_panics() {
    let _ = matmul_tanh_sum_grad(&a23(), &a23());
}

#[test]
#[should_panic(expected = "shape mismatch in `add`: 2×3 matrix and 3×2 matrix")]
fn element_wise_add_of_different_shapes_panics() {
    let (mut da, mut db) = (Matrix::zeros(2, 3), Matrix::zeros(3, 2));
    let s = Matrix::zeros(2, 3);
    add::matrix_matrix_vjp(&a23(), &a23().transpose(), &s, &mut da, &mut db);
}

#[test]
#[should_panic(expected = "`d_a` is a 3×2 matrix but `a` is a 2×3 matrix")]
fn a_gradient_buffer_of_the_wrong_shape_panics() {
    let (mut da, mut dx) = (Matrix::zeros(3, 2), Vector::zeros(3));
    matvec_sin_sum_vjp(&a23(), &v(&[1.0, 2.0, 3.0]), 1.0, &mut da, &mut dx);
}

#[test]
#[should_panic(expected = "`d_a` is a 2×2 matrix but `a` is a 2×3 matrix")]
fn a_gradient_buffer_with_too_few_columns_panics() {
    let (mut dx, mut da) = (Vector::zeros(2), Matrix::zeros(2, 2));
    vecmat_exp_sum_vjp(&v(&[1.0, 2.0]), &a23(), 1.0, &mut dx, &mut da);
}

#[test]
#[should_panic(expected = "`d_x` is a vector of length 2 but `x` is a vector of length 3")]
fn a_vector_buffer_of_the_wrong_length_beside_a_matrix_panics() {
    let (mut da, mut dx) = (Matrix::zeros(2, 3), Vector::zeros(2));
    matvec_sin_sum_vjp(&a23(), &v(&[1.0, 2.0, 3.0]), 1.0, &mut da, &mut dx);
}

#[test]
#[should_panic(expected = "`seed` is a 3×2 matrix but `result` is a 2×4 matrix")]
fn a_seed_of_the_wrong_shape_panics() {
    let (mut da, mut db) = (Matrix::zeros(2, 3), Matrix::zeros(3, 4));
    let s = Matrix::zeros(3, 2);
    matmul_vjp(&a23(), &b34(), &s, &mut da, &mut db);
}

#[test]
#[should_panic(expected = "`seed` is a vector of length 3 but `result` is a vector of length 2")]
fn a_vector_seed_of_the_wrong_length_panics() {
    let (mut da, mut dx) = (Matrix::zeros(2, 3), Vector::zeros(3));
    matvec_vjp(
        &a23(),
        &v(&[1.0, 2.0, 3.0]),
        &v(&[1.0, 1.0, 1.0]),
        &mut da,
        &mut dx,
    );
}
