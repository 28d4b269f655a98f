//! Output parameters: a function that writes its result into `out: &mut
//! [T]` (or `&mut [T; N]`) gets a `_vjp` with a seed for `out`, after the
//! seeds of what it returns. Checked against central differences of
//! `⟨seed, f(x)⟩` and closed forms, and `out` holds the primal's result
//! after `_vjp` too.

mod common;
use autodiff::differentiate;
use common::check;

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}

/// Allocation-free element-wise map: no return value.
#[differentiate]
fn scaled_sin(x: &[f64], a: f64, out: &mut [f64]) {
    for i in 0..x.len() {
        out[i] = a * x[i].sin();
    }
}

#[test]
fn element_wise_into_a_slice() {
    let (x, a) = ([0.3, -1.2, 2.0], 1.7);
    let seed = [0.5, 2.0, -1.0];
    let (mut dx, mut da) = ([0.0; 3], 0.0);
    let mut out = [9.0; 3];
    scaled_sin_vjp(&x, a, &mut out, &seed, &mut dx, &mut da);
    let mut primal = [0.0; 3];
    scaled_sin(&x, a, &mut primal);
    assert_eq!(out, primal);
    // Closed form: ∂outᵢ/∂xᵢ = a·cos xᵢ, ∂outᵢ/∂a = sin xᵢ.
    for i in 0..3 {
        approx::assert_relative_eq!(dx[i], seed[i] * a * x[i].cos(), max_relative = 1e-14);
    }
    approx::assert_relative_eq!(
        da,
        (0..3).map(|i| seed[i] * x[i].sin()).sum::<f64>(),
        max_relative = 1e-14
    );
}

/// `out = A·x`, accumulated row by row in the output itself.
#[differentiate]
fn matvec(a: &[Vec<f64>], x: &[f64], out: &mut [f64]) {
    for i in 0..a.len() {
        out[i] = 0.0;
        for j in 0..x.len() {
            out[i] += a[i][j] * x[j];
        }
    }
}

#[test]
fn matvec_against_closed_form() {
    let a = vec![vec![1.0, 2.0, -1.0], vec![0.5, -3.0, 4.0]];
    let x = [0.7, -0.2, 1.5];
    let seed = [2.0, -0.5];
    let mut da = vec![vec![0.0; 3]; 2];
    let mut dx = [0.0; 3];
    let mut out = [0.0; 2];
    matvec_vjp(&a, &x, &mut out, &seed, &mut da, &mut dx);
    for j in 0..3 {
        // ∂⟨s, Ax⟩/∂x = Aᵀs; ∂⟨s, Ax⟩/∂A = s·xᵀ.
        let want = a[0][j] * seed[0] + a[1][j] * seed[1];
        approx::assert_relative_eq!(dx[j], want, max_relative = 1e-14);
        for i in 0..2 {
            approx::assert_relative_eq!(da[i][j], seed[i] * x[j], max_relative = 1e-14);
        }
    }
    assert_eq!(out, [dot(&a[0], &x), dot(&a[1], &x)]);
}

/// Elements read back after they are written: the reverse sweep restores
/// them, and `out` still ends with the forward result.
#[differentiate]
fn chain(x: f64, y: f64, out: &mut [f64; 3]) {
    out[0] = x * x;
    out[1] = out[0] * y;
    out[2] = out[1].sin() + out[0];
    out[0] = out[0] * out[2];
}

#[test]
fn outputs_read_after_they_are_written() {
    let (x, y) = (0.8, -1.3);
    let seed = [0.3, 1.1, -0.7];
    let (mut dx, mut dy) = (0.0, 0.0);
    let mut out = [0.0; 3];
    chain_vjp(x, y, &mut out, &seed, &mut dx, &mut dy);
    let mut primal = [0.0; 3];
    chain(x, y, &mut primal);
    assert_eq!(out, primal);
    let f = |p: &[f64]| {
        let mut o = [0.0; 3];
        chain(p[0], p[1], &mut o);
        dot(&o, &seed)
    };
    check(f, &[x, y], &[dx, dy]);
}

/// A returned value and an output: the seed is a tuple, the returned
/// value's first. The initial contents of `out` are constants.
#[differentiate(wrt(p))]
fn residuals(p: &[f64], data: &[f64], out: &mut [f64]) -> f64 {
    let mut loss = 0.0;
    for i in 0..data.len() {
        out[i] += p[0] * data[i] + p[1] - data[i] * data[i];
        loss += out[i] * out[i];
    }
    if loss > 1e6 {
        return 1e6;
    }
    0.5 * loss
}

#[test]
fn returned_value_and_output_with_initial_contents() {
    let (p, data) = ([0.4, -0.9], [0.1, 0.5, 1.2, 2.0]);
    let start = [0.25, -0.5, 0.0, 1.0];
    let (s0, s1) = (1.5, [0.2, -1.0, 0.7, 0.1]);
    let mut dp = [0.0; 2];
    let mut out = start;
    let value = residuals_vjp(&p, &data, &mut out, (s0, &s1), &mut dp);
    let mut primal = start;
    assert_eq!(value, residuals(&p, &data, &mut primal));
    assert_eq!(out, primal);
    let f = |p: &[f64]| {
        let mut o = start;
        let v = residuals(p, &data, &mut o);
        s0 * v + dot(&o, &s1)
    };
    check(f, &p, &dp);
}

/// `return;` leaves early; elements not written keep their contents.
#[differentiate]
fn prefix_products(x: &[f64], limit: f64, out: &mut [f64]) {
    let mut acc = 1.0;
    for i in 0..x.len() {
        acc *= x[i];
        if acc.abs() > limit {
            return;
        }
        out[i] = acc;
    }
}

#[test]
fn early_return_from_a_unit_function() {
    let x = [1.5, -2.0, 0.5, 3.0, 2.5];
    let seed = [0.3, -0.4, 1.0, 0.6, 2.0];
    for limit in [100.0, 2.5] {
        let mut dx = [0.0; 5];
        let mut dl = 0.0;
        let mut out = [0.0; 5];
        prefix_products_vjp(&x, limit, &mut out, &seed, &mut dx, &mut dl);
        let f = |p: &[f64]| {
            let mut o = [0.0; 5];
            prefix_products(p, limit, &mut o);
            dot(&o, &seed)
        };
        check(f, &x, &dx);
        assert_eq!(dl, 0.0);
    }
}

/// Single-precision outputs work the same.
#[differentiate]
fn squares_f32(x: &[f32], out: &mut [f32]) {
    for i in 0..x.len() {
        out[i] = x[i] * x[i];
    }
}

#[test]
fn f32_output() {
    let x = [1.5f32, -0.5];
    let mut dx = [0.0f32; 2];
    let mut out = [0.0f32; 2];
    squares_f32_vjp(&x, &mut out, &[1.0, 2.0], &mut dx);
    assert_eq!(out, [2.25, 0.25]);
    assert_eq!(dx, [3.0, -2.0]);
}

#[test]
#[should_panic(expected = "seed")]
fn seed_length_must_match_the_output() {
    let mut dx = [0.0; 2];
    let mut out = [0.0; 2];
    scaled_sin_vjp(&[0.1, 0.2], 1.0, &mut out, &[1.0], &mut dx, &mut 0.0);
}

/// `Σ aᵢ²`.
#[differentiate]
fn sum_of_squares(a: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..a.len() {
        s += a[i] * a[i];
    }
    s
}

/// An output parameter passed on to a call, as Rust lends it (`&mut [f64]`
/// to `&[f64]`): the call's gradient reaches what was written into it.
#[differentiate]
fn lent_output(x: &[f64], out: &mut [f64]) -> f64 {
    out[0] = x[0] * x[1];
    out[1] = x[2];
    sum_of_squares(out) * x[0]
}

#[test]
fn an_output_parameter_passed_to_a_call() {
    let x = [0.4, -0.7, 0.9];
    let seed = [0.3, -0.2];
    let (mut out, mut dx) = ([0.0; 2], [0.0; 3]);
    let value = lent_output_vjp(&x, &mut out, (1.0, &seed), &mut dx);
    let mut expected = [0.0; 2];
    assert_eq!(value, lent_output(&x, &mut expected));
    assert_eq!(out, expected);
    // The gradient of value + ⟨seed, out⟩.
    check(
        |x| {
            let mut o = [0.0; 2];
            lent_output(x, &mut o) + dot(&seed, &o)
        },
        &x,
        &dx,
    );
}
