//! `gmm`: the log-likelihood of `n` points under a mixture of `k` Gaussians
//! in `d` dimensions, plus a Wishart prior on the precision matrices.
//!
//! Component `c` has log weight `alpha[c]`, mean `mu[c]` and the Cholesky
//! factor `Q` of its precision: a lower-triangular matrix with diagonal
//! `exp(q[c])` whose strict lower part is `l[c]`, column by column.
//! `objective` is the log-likelihood plus the log prior; `jacobian` is its
//! gradient with respect to `alpha`, `mu`, `q` and `l`, all of it from
//! [`gmm_objective_grad`].

use super::{job, unknown, Job};
use crate::input::{count, expect_len, matrix, number, vector};
use autodiff::differentiate;
use serde_json::{json, Value};

/// `ln Σ exp(v)`, shifted by the maximum so that no `exp` overflows.
#[differentiate]
pub fn logsumexp(v: &[f64]) -> f64 {
    let mut top = f64::NEG_INFINITY;
    for &vi in v {
        if vi > top {
            top = vi;
        }
    }
    let mut sum = 0.0;
    for &vi in v {
        sum += (vi - top).exp();
    }
    top + sum.ln()
}

/// `β = α + Σ q − ½‖Q(x − μ)‖²`: the log of one component's weighted density
/// at `x`, up to the constant `−(d/2)·ln 2π` (`Σ q` is `ln det Q`).
#[differentiate]
pub fn log_component(x: &[f64], alpha: f64, mu: &[f64], q: &[f64], l: &[f64]) -> f64 {
    let d = x.len();
    let mut centred = vec![0.0; d];
    for j in 0..d {
        centred[j] = x[j] - mu[j];
    }
    // Q·(x − μ), walking the strict lower part in the order `l` stores it.
    let mut qx = vec![0.0; d];
    for j in 0..d {
        qx[j] = q[j].exp() * centred[j];
    }
    let mut next = 0;
    for col in 0..d {
        for row in col + 1..d {
            qx[row] += l[next] * centred[col];
            next += 1;
        }
    }
    let mut log_det = 0.0;
    let mut square = 0.0;
    for j in 0..d {
        log_det += q[j];
        square += qx[j] * qx[j];
    }
    alpha + log_det - 0.5 * square
}

/// The objective without its constant part `constant` (see
/// [`constant_term`]), which depends only on `d`, `k`, `n`, `m` and `gamma`
/// and so needs no derivative.
#[differentiate(wrt(alpha, mu, q, l))]
#[allow(clippy::too_many_arguments)]
pub fn gmm_objective(
    alpha: &[f64],
    mu: &[Vec<f64>],
    q: &[Vec<f64>],
    l: &[Vec<f64>],
    x: &[Vec<f64>],
    gamma: f64,
    m: usize,
    constant: f64,
) -> f64 {
    let k = alpha.len();
    let n = x.len();
    let mut beta = vec![0.0; k];
    let mut likelihood = 0.0;
    for i in 0..n {
        for c in 0..k {
            beta[c] = log_component(&x[i], alpha[c], &mu[c], &q[c], &l[c]);
        }
        likelihood += logsumexp(&beta);
    }
    // The Wishart prior, less its constant.
    let mut prior = 0.0;
    for c in 0..k {
        let mut frobenius = 0.0;
        let mut log_det = 0.0;
        for j in 0..q[c].len() {
            let diagonal = q[c][j].exp();
            frobenius += diagonal * diagonal;
            log_det += q[c][j];
        }
        for j in 0..l[c].len() {
            frobenius += l[c][j] * l[c][j];
        }
        prior += 0.5 * gamma * gamma * frobenius - m as f64 * log_det;
    }
    constant + likelihood - n as f64 * logsumexp(alpha) - prior
}

/// The terms of the objective that are constant in the parameters:
/// `−n·(d/2)·ln 2π + k·(N·d·ln(γ/√2) − ln Γ_d(N/2))` with `N = d + m + 1`.
pub fn constant_term(d: usize, k: usize, n: usize, m: usize, gamma: f64) -> f64 {
    let (d, k, n) = (d as f64, k as f64, n as f64);
    let big_n = d + m as f64 + 1.0;
    let mut log_gamma_d = d * (d - 1.0) / 4.0 * std::f64::consts::PI.ln();
    for j in 1..=d as usize {
        log_gamma_d += ln_gamma(big_n / 2.0 + (1.0 - j as f64) / 2.0);
    }
    -n * d / 2.0 * (2.0 * std::f64::consts::PI).ln()
        + k * (big_n * d * (gamma / std::f64::consts::SQRT_2).ln() - log_gamma_d)
}

/// `ln Γ(x)` by the Lanczos approximation (g = 7, 9 terms), accurate to about
/// 1e-15; stable Rust's std has no `lgamma`.
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    let pi = std::f64::consts::PI;
    if x < 0.5 {
        // Reflection: the series is only accurate for x ≥ ½.
        return (pi / (pi * x).sin().abs()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut series = COEFFICIENTS[0];
    for (i, c) in COEFFICIENTS.iter().enumerate().skip(1) {
        series += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * pi).ln() + (x + 0.5) * t.ln() - t + series.ln()
}

/// A parsed `gmm` input.
pub struct Input {
    alpha: Vec<f64>,
    mu: Vec<Vec<f64>>,
    q: Vec<Vec<f64>>,
    l: Vec<Vec<f64>>,
    x: Vec<Vec<f64>>,
    gamma: f64,
    m: usize,
    d: usize,
}

impl Input {
    fn parse(input: &Value) -> Result<Input, String> {
        let d = count(input, "d")?;
        let k = count(input, "k")?;
        let n = count(input, "n")?;
        if k == 0 {
            return Err("`k` must be at least 1: a mixture needs a component".into());
        }
        let alpha = vector(input, "alpha")?;
        expect_len("alpha", alpha.len(), k)?;
        // `mu` first: its rows bound `d`, so `d·(d − 1)` cannot overflow.
        let mu = matrix(input, "mu", k, d)?;
        let q = matrix(input, "q", k, d)?;
        let l = matrix(input, "l", k, d * d.saturating_sub(1) / 2)?;
        let x = matrix(input, "x", n, d)?;
        Ok(Input {
            alpha,
            mu,
            q,
            l,
            x,
            gamma: number(input, "gamma")?,
            m: count(input, "m")?,
            d,
        })
    }

    fn constant(&self) -> f64 {
        constant_term(self.d, self.alpha.len(), self.x.len(), self.m, self.gamma)
    }
}

fn objective(p: &Input) -> f64 {
    gmm_objective(
        &p.alpha,
        &p.mu,
        &p.q,
        &p.l,
        &p.x,
        p.gamma,
        p.m,
        p.constant(),
    )
}

type Gradient = (Vec<f64>, Vec<Vec<f64>>, Vec<Vec<f64>>, Vec<Vec<f64>>);

fn jacobian(p: &Input) -> Gradient {
    let (_, gradient) = gmm_objective_grad(
        &p.alpha,
        &p.mu,
        &p.q,
        &p.l,
        &p.x,
        p.gamma,
        p.m,
        p.constant(),
    );
    gradient
}

pub fn prepare(function: &str, input: &Value) -> Result<Box<dyn Job>, String> {
    match function {
        "objective" => Ok(job(Input::parse(input)?, objective, |f| (*f).into())),
        "jacobian" => Ok(job(
            Input::parse(input)?,
            jacobian,
            |(alpha, mu, q, l)| json!({ "alpha": alpha, "mu": mu, "q": q, "l": l }),
        )),
        _ => Err(unknown("gmm", function, &["objective", "jacobian"])),
    }
}

#[cfg(test)]
mod tests {
    use super::ln_gamma;

    #[test]
    fn ln_gamma_matches_known_values() {
        let pi = std::f64::consts::PI;
        // Γ(1) = Γ(2) = 1, Γ(½) = √π, Γ(10) = 9!, and one reflected point.
        let cases = [
            (1.0, 0.0),
            (2.0, 0.0),
            (0.5, 0.5 * pi.ln()),
            (10.0, 362_880f64.ln()),
            (0.25, 1.288_022_524_698_077_2),
            (100.5, 361.435_540_467_777_6),
        ];
        for (x, want) in cases {
            let got = ln_gamma(x);
            assert!(
                (got - want).abs() <= 1e-14 * want.abs().max(1.0),
                "ln_gamma({x}) = {got}, expected {want}"
            );
        }
    }
}
