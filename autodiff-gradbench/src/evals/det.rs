//! `det`: the determinant of an ℓ×ℓ matrix `A` (row-major), by recursive
//! Laplace expansion along the first row. `primal` is det A; `gradient` is
//! ∂det/∂A, row-major, from the generated `det_grad`.
//!
//! GradBench prescribes expansion by minors rather than LU so that the
//! benchmark measures differentiating a deeply recursive program with many
//! small temporary buffers.

use super::{job, unknown, Job};
use crate::input::{count, expect_len, vector};
use autodiff::differentiate;
use serde_json::Value;

/// The determinant of the `n`×`n` row-major matrix `a`, expanded by minors
/// along its first row.
#[differentiate]
pub fn det(a: &[f64], n: usize) -> f64 {
    // The empty product: det of the 0×0 matrix is 1.
    if n == 0 {
        return 1.0;
    }
    // Base cases written out stop the recursion early: the 3×3 one, still
    // expanded along the first row, cuts the calls and minor buffers about
    // threefold, and the reverse sweep reruns each call's forward sweep.
    if n == 1 {
        return a[0];
    }
    if n == 2 {
        return a[0] * a[3] - a[1] * a[2];
    }
    if n == 3 {
        return a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6])
            + a[2] * (a[3] * a[7] - a[4] * a[6]);
    }
    let m = n - 1;
    let mut total = 0.0;
    let mut sign = 1.0;
    for c in 0..n {
        // The minor of (0, c): rows 1.., every column but `c`.
        let mut minor = Vec::with_capacity(m * m);
        for r in 1..n {
            for k in 0..n {
                if k != c {
                    minor.push(a[r * n + k]);
                }
            }
        }
        total += sign * a[c] * det(&minor, m);
        sign = -sign;
    }
    total
}

/// The parsed input: `A` row-major and its side `ell`.
struct Input {
    a: Vec<f64>,
    ell: usize,
}

fn parse(input: &Value) -> Result<Input, String> {
    let a = vector(input, "A")?;
    let ell = count(input, "ell")?;
    let want = ell
        .checked_mul(ell)
        .ok_or_else(|| format!("`ell` = {ell} is too large"))?;
    expect_len("A", a.len(), want)?;
    Ok(Input { a, ell })
}

pub fn prepare(function: &str, input: &Value) -> Result<Box<dyn Job>, String> {
    match function {
        "primal" => Ok(job(parse(input)?, |i| det(&i.a, i.ell), |y| (*y).into())),
        "gradient" => Ok(job(
            parse(input)?,
            |i| det_grad(&i.a, i.ell).1,
            |g| g.clone().into(),
        )),
        _ => Err(unknown("det", function, &["primal", "gradient"])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// For a 3×3 matrix, ∂det/∂A is the cofactor matrix.
    #[test]
    fn gradient_is_the_cofactor_matrix() {
        let a = [2.0, -1.0, 0.5, 3.0, 4.0, -2.0, 1.5, 0.25, 5.0];
        let (value, grad) = det_grad(&a, 3);

        let e = |r: usize, c: usize| a[r * 3 + c];
        // Cofactor (r, c): signed 2×2 determinant of the other rows and
        // columns, written cyclically so the sign is built in.
        let mut cof = [0.0; 9];
        for r in 0..3 {
            for c in 0..3 {
                let (r1, r2) = ((r + 1) % 3, (r + 2) % 3);
                let (c1, c2) = ((c + 1) % 3, (c + 2) % 3);
                cof[r * 3 + c] = e(r1, c1) * e(r2, c2) - e(r1, c2) * e(r2, c1);
            }
        }
        let expected_det: f64 = (0..3).map(|c| e(0, c) * cof[c]).sum();

        assert!(
            (value - expected_det).abs() < 1e-12,
            "{value} vs {expected_det}"
        );
        assert_eq!(grad.len(), 9);
        for (g, want) in grad.iter().zip(&cof) {
            assert!((g - want).abs() < 1e-12, "{grad:?} vs {cof:?}");
        }
    }

    #[test]
    fn wrong_size_is_an_error() {
        let input = serde_json::json!({ "A": [1.0, 2.0, 3.0], "ell": 2 });
        assert!(prepare("gradient", &input).is_err());
        assert!(prepare("nope", &input).is_err());
    }
}
