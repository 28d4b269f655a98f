//! LLSQ by hand: the reference gradient, and the primal over dual numbers
//! for the forward-mode peer.

use autodiff_gradbench::evals::llsq::{sign, t};
use num_dual::{Dual64, DualNum};

/// The gradient of ½ Σᵢ rᵢ², rᵢ = sᵢ − Σⱼ xⱼ tᵢʲ, is −Σᵢ rᵢ (tᵢʲ)ⱼ: per
/// sample, the powers of tᵢ once into `powers` (with the fit), the residual,
/// then its contribution to every `g[j]`. `powers` is scratch, resized to
/// `x.len()` (reused across calls). Writes `g`; returns the value.
#[inline(never)]
pub fn gradient(x: &[f64], n: usize, powers: &mut Vec<f64>, g: &mut [f64]) -> f64 {
    let m = x.len();
    powers.resize(m, 0.0);
    let powers = &mut powers[..m];
    let g = &mut g[..m];
    g.fill(0.0);
    let mut sum = 0.0;
    for i in 0..n {
        let ti = t(i, n);
        let mut fit = 0.0;
        let mut power = 1.0;
        for j in 0..m {
            powers[j] = power;
            fit += x[j] * power;
            power *= ti;
        }
        let r = sign(ti) - fit;
        sum += r * r;
        for j in 0..m {
            g[j] -= r * powers[j];
        }
    }
    0.5 * sum
}

/// The primal over dual numbers: the peer differentiates this.
pub fn primal(x: &[Dual64], n: usize) -> Dual64 {
    let mut sum = Dual64::from(0.0);
    for i in 0..n {
        let ti = t(i, n);
        let mut fit = Dual64::from(0.0);
        let mut power = 1.0;
        for &xj in x {
            fit += xj * power;
            power *= ti;
        }
        let r = -fit + sign(ti);
        sum += r.powi(2);
    }
    sum * 0.5
}

#[cfg(test)]
mod tests {
    #[test]
    fn hand_written_gradient_and_peer_match_the_generated_one() {
        // Inside the test, so that a bench binary (cfg(test), no test
        // harness) has nothing unused.
        use autodiff_gradbench::evals::llsq::least_squares_grad;

        use crate::check::assert_close;

        for (m, n) in [(1, 2), (8, 16), (32, 7)] {
            let x: Vec<f64> = (0..m).map(|j| (j as f64 * 0.61).cos() * 0.8).collect();
            let (want, want_g) = least_squares_grad(&x, n);
            let mut powers = Vec::new();
            let mut g = vec![f64::NAN; m];
            let value = super::gradient(&x, n, &mut powers, &mut g);
            assert!((value - want).abs() <= 1e-12 * want.abs());
            assert_close(&g, &want_g);
            let peer = crate::peer::gradient(|x| super::primal(x, n), &x);
            assert_close(&peer, &want_g);
        }
    }
}
