//! GMM by hand: the reference gradient, and the primal over dual numbers for
//! the forward-mode peer.
//!
//! With `e = x − μ_c`, `z = Q_c·e` and `w_c` the softmax weight of component
//! `c` at a point, the point's term `lse_c(β_c)` has derivatives
//! `∂/∂α_c = w_c`, `∂/∂μ_c = w_c·Q_cᵀz`, `∂/∂q_cj = w_c·(1 − exp(q_cj)·z_j·e_j)`
//! and `∂/∂l_c[row, col] = −w_c·z_row·e_col`. `Q_c` does not depend on the
//! point, so `Σ w_c·Q_cᵀz = Q_cᵀ·Σ w_c·z` and the `Q_cᵀ` product is done once
//! per component at the end, like the `exp(q_cj)` factor; the outer product
//! for `l` is the only `d²` work of the reverse pass.

use num_dual::{Dual64, DualNum};

/// The gradient of `gmm_objective` with respect to `alpha`, `mu`, `q` and
/// `l`, written into (not added to) the four buffers. Returns the value.
///
/// Per point: one forward sweep over the components for `β` (keeping each
/// component's `x − μ` and `Q(x − μ)` in scratch rows), the log-sum-exp and
/// its softmax weights, then one fused reverse sweep accumulating the
/// weights, `Σ w·z`, `Σ w·z_j·e_j` and the `l` gradient.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub fn gradient(
    alpha: &[f64],
    mu: &[Vec<f64>],
    q: &[Vec<f64>],
    l: &[Vec<f64>],
    x: &[Vec<f64>],
    gamma: f64,
    m: usize,
    constant: f64,
    d_alpha: &mut [f64],
    d_mu: &mut [Vec<f64>],
    d_q: &mut [Vec<f64>],
    d_l: &mut [Vec<f64>],
) -> f64 {
    let k = alpha.len();
    let n = x.len();
    let d = mu.first().map_or(0, Vec::len);
    let gamma2 = gamma * gamma;

    // Per component: the diagonal exp(q), ln det Q = Σ q, and the prior.
    let mut diagonal = vec![0.0; k * d];
    let mut log_det = vec![0.0; k];
    let mut prior = 0.0;
    for c in 0..k {
        let (q_c, l_c) = (&q[c][..d], &l[c]);
        let diag_c = &mut diagonal[c * d..(c + 1) * d];
        let mut frobenius = 0.0;
        let mut sum_q = 0.0;
        for j in 0..d {
            diag_c[j] = q_c[j].exp();
            frobenius += diag_c[j] * diag_c[j];
            sum_q += q_c[j];
        }
        for &v in l_c {
            frobenius += v * v;
        }
        log_det[c] = sum_q;
        prior += 0.5 * gamma2 * frobenius - m as f64 * sum_q;
        // The prior's gradient for `l`; the points' terms are added to it.
        for (g, &v) in d_l[c].iter_mut().zip(l_c) {
            *g = -gamma2 * v;
        }
    }

    // Scratch, one row of length d per component, reused by every point.
    let mut centred = vec![0.0; k * d];
    let mut qx = vec![0.0; k * d];
    let mut beta = vec![0.0; k];
    // Accumulators over the points: Σ w, Σ w·z and Σ w·z_j·e_j.
    let mut weight_sum = vec![0.0; k];
    let mut weighted_qx = vec![0.0; k * d];
    let mut weighted_diag = vec![0.0; k * d];

    let mut likelihood = 0.0;
    for xi in x {
        let xi = &xi[..d];
        // Forward: β_c = α_c + Σ q_c − ½‖Q_c(x − μ_c)‖².
        let mut top = f64::NEG_INFINITY;
        for c in 0..k {
            let e = &mut centred[c * d..(c + 1) * d];
            let z = &mut qx[c * d..(c + 1) * d];
            let (mu_c, l_c) = (&mu[c][..d], &l[c]);
            let diag_c = &diagonal[c * d..(c + 1) * d];
            for j in 0..d {
                e[j] = xi[j] - mu_c[j];
                z[j] = diag_c[j] * e[j];
            }
            let mut next = 0;
            for col in 0..d {
                let len = d - col - 1;
                let e_col = e[col];
                for (zr, &lv) in z[col + 1..].iter_mut().zip(&l_c[next..next + len]) {
                    *zr += lv * e_col;
                }
                next += len;
            }
            let mut square = 0.0;
            for &v in z.iter() {
                square += v * v;
            }
            beta[c] = alpha[c] + log_det[c] - 0.5 * square;
            top = top.max(beta[c]);
        }
        // The log-sum-exp and its softmax weights.
        let mut sum = 0.0;
        for b in beta.iter_mut() {
            *b = (*b - top).exp();
            sum += *b;
        }
        likelihood += top + sum.ln();
        let scale = 1.0 / sum;
        // Reverse, fused over the four parameters.
        for c in 0..k {
            let w = beta[c] * scale;
            weight_sum[c] += w;
            let e = &centred[c * d..(c + 1) * d];
            let z = &qx[c * d..(c + 1) * d];
            let wz = &mut weighted_qx[c * d..(c + 1) * d];
            let wd = &mut weighted_diag[c * d..(c + 1) * d];
            for j in 0..d {
                let v = w * z[j];
                wz[j] += v;
                wd[j] += v * e[j];
            }
            let dl_c = &mut d_l[c];
            let mut next = 0;
            for col in 0..d {
                let len = d - col - 1;
                let we = w * e[col];
                for (g, &zr) in dl_c[next..next + len].iter_mut().zip(&z[col + 1..]) {
                    *g -= zr * we;
                }
                next += len;
            }
        }
    }

    // −n·logsumexp(α) and its gradient −n·softmax(α).
    let top = alpha.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for (g, &a) in d_alpha.iter_mut().zip(alpha) {
        *g = (a - top).exp();
        sum += *g;
    }
    let alpha_scale = n as f64 / sum;
    for c in 0..k {
        d_alpha[c] = weight_sum[c] - d_alpha[c] * alpha_scale;
        let diag_c = &diagonal[c * d..(c + 1) * d];
        let wz = &weighted_qx[c * d..(c + 1) * d];
        let wd = &weighted_diag[c * d..(c + 1) * d];
        let d_q_c = &mut d_q[c][..d];
        for j in 0..d {
            d_q_c[j] =
                weight_sum[c] - diag_c[j] * wd[j] - gamma2 * diag_c[j] * diag_c[j] + m as f64;
        }
        // d_μ_c = Q_cᵀ·Σ w·z: column `col` of Q_c is exp(q_col) then l's
        // entries for the rows below it.
        let (l_c, d_mu_c) = (&l[c], &mut d_mu[c][..d]);
        let mut next = 0;
        for col in 0..d {
            let len = d - col - 1;
            let mut v = diag_c[col] * wz[col];
            for (&lv, &zr) in l_c[next..next + len].iter().zip(&wz[col + 1..]) {
                v += lv * zr;
            }
            d_mu_c[col] = v;
            next += len;
        }
    }
    constant + likelihood - n as f64 * (top + sum.ln()) - prior
}

/// The parameters packed in one vector, as [`primal`] takes them: `alpha`,
/// then `mu`, `q` and `l`, each row by row.
pub fn pack(alpha: &[f64], mu: &[Vec<f64>], q: &[Vec<f64>], l: &[Vec<f64>]) -> Vec<f64> {
    let mut p = alpha.to_vec();
    for rows in [mu, q, l] {
        for row in rows {
            p.extend_from_slice(row);
        }
    }
    p
}

/// `alpha`, `mu`, `q` and `l`, or their gradients, in the eval's shapes.
pub type Params = (Vec<f64>, Vec<Vec<f64>>, Vec<Vec<f64>>, Vec<Vec<f64>>);

/// The inverse of [`pack`] for `k` components in `d` dimensions.
pub fn unpack(p: &[f64], d: usize, k: usize) -> Params {
    let ld = d * d.saturating_sub(1) / 2;
    let (alpha, rest) = p.split_at(k);
    let (mu, rest) = rest.split_at(k * d);
    let (q, l) = rest.split_at(k * d);
    let rows = |v: &[f64], len: usize| -> Vec<Vec<f64>> {
        (0..k).map(|c| v[c * len..(c + 1) * len].to_vec()).collect()
    };
    (alpha.to_vec(), rows(mu, d), rows(q, d), rows(l, ld))
}

/// `ln Σ exp(v)` over dual numbers, shifted by the maximum.
fn logsumexp(v: &[Dual64]) -> Dual64 {
    let top = v.iter().map(|b| b.re).fold(f64::NEG_INFINITY, f64::max);
    let mut sum = Dual64::from(0.0);
    for &b in v {
        sum += (b - top).exp();
    }
    sum.ln() + top
}

/// The objective over dual numbers with the parameters packed as [`pack`]
/// does, for `k` components in `d` dimensions: the peer differentiates this.
pub fn primal(
    p: &[Dual64],
    d: usize,
    k: usize,
    x: &[Vec<f64>],
    gamma: f64,
    m: usize,
    constant: f64,
) -> Dual64 {
    let ld = d * d.saturating_sub(1) / 2;
    let (alpha, rest) = p.split_at(k);
    let (mu, rest) = rest.split_at(k * d);
    let (q, l) = rest.split_at(k * d);
    let zero = Dual64::from(0.0);
    let mut centred = vec![zero; d];
    let mut qx = vec![zero; d];
    let mut beta = vec![zero; k];
    let mut likelihood = zero;
    for xi in x {
        for c in 0..k {
            let (mu_c, q_c) = (&mu[c * d..(c + 1) * d], &q[c * d..(c + 1) * d]);
            let l_c = &l[c * ld..(c + 1) * ld];
            for j in 0..d {
                centred[j] = -mu_c[j] + xi[j];
                qx[j] = q_c[j].exp() * centred[j];
            }
            let mut next = 0;
            for col in 0..d {
                for row in col + 1..d {
                    qx[row] += l_c[next] * centred[col];
                    next += 1;
                }
            }
            let mut b = alpha[c];
            for j in 0..d {
                b += q_c[j] - qx[j] * qx[j] * 0.5;
            }
            beta[c] = b;
        }
        likelihood += logsumexp(&beta);
    }
    let mut prior = zero;
    for c in 0..k {
        let mut frobenius = zero;
        let mut log_det = zero;
        for &v in &q[c * d..(c + 1) * d] {
            let diagonal = v.exp();
            frobenius += diagonal * diagonal;
            log_det += v;
        }
        for &v in &l[c * ld..(c + 1) * ld] {
            frobenius += v * v;
        }
        prior += frobenius * (0.5 * gamma * gamma) - log_det * m as f64;
    }
    likelihood - logsumexp(alpha) * x.len() as f64 - prior + constant
}

#[cfg(test)]
mod tests {
    // Everything inside the one test: a bench binary (no test harness) also
    // compiles this module, without its `#[test]` functions.
    #[test]
    fn hand_written_gradient_and_peer_match_the_generated_one() {
        use autodiff_gradbench::evals::gmm::{constant_term, gmm_objective_grad};
        use num_dual::Dual64;

        fn close(got: f64, want: f64, what: &str) {
            assert!(
                (got - want).abs() <= 1e-10 * want.abs().max(1.0),
                "{what}: {got} vs {want}"
            );
        }

        // Reproducible inputs; the sizes (d, k, n).
        let mut s = 0.0_f64;
        let mut next = |scale: f64| {
            s += 1.0;
            (s * 0.618_033_988_749_895).fract().mul_add(2.0, -1.0) * scale + 0.01 * (s * 1.7).sin()
        };
        let mut rows = |count: usize, len: usize, scale: f64| -> Vec<Vec<f64>> {
            (0..count)
                .map(|_| (0..len).map(|_| next(scale)).collect())
                .collect()
        };
        for (d, k, n) in [(2, 3, 10), (5, 4, 20), (1, 1, 7)] {
            let alpha = rows(1, k, 1.0).remove(0);
            let mu = rows(k, d, 1.0);
            let q = rows(k, d, 0.3);
            let l = rows(k, d * (d - 1) / 2, 0.5);
            let x = rows(n, d, 1.5);
            let (gamma, m) = (1.3, 2);
            let constant = constant_term(d, k, n, m, gamma);
            let (want, (wa, wmu, wq, wl)) =
                gmm_objective_grad(&alpha, &mu, &q, &l, &x, gamma, m, constant);
            let want_flat = super::pack(&wa, &wmu, &wq, &wl);
            assert_eq!(want_flat.len(), k + 2 * k * d + k * d * (d - 1) / 2);
            assert!(want_flat.iter().any(|&g| g.abs() > 1e-3));

            // Garbage in the buffers: the hand-written gradient overwrites.
            let mut ga = vec![f64::NAN; k];
            let mut gmu = vec![vec![f64::NAN; d]; k];
            let mut gq = vec![vec![f64::NAN; d]; k];
            let mut gl = vec![vec![f64::NAN; d * (d - 1) / 2]; k];
            let value = super::gradient(
                &alpha, &mu, &q, &l, &x, gamma, m, constant, &mut ga, &mut gmu, &mut gq, &mut gl,
            );
            close(value, want, &format!("value at d={d}, k={k}"));
            let got_flat = super::pack(&ga, &gmu, &gq, &gl);
            assert_eq!(got_flat.len(), want_flat.len());
            for (i, (&a, &b)) in got_flat.iter().zip(&want_flat).enumerate() {
                close(a, b, &format!("hand-written gradient[{i}] at d={d}, k={k}"));
            }

            // The peer: the dual-number primal, one direction at a time.
            let p = super::pack(&alpha, &mu, &q, &l);
            assert!(super::unpack(&p, d, k) == (alpha, mu, q, l));
            let duals: Vec<Dual64> = p.iter().map(|&v| Dual64::from(v)).collect();
            let dual_value = super::primal(&duals, d, k, &x, gamma, m, constant);
            close(dual_value.re, want, &format!("dual value at d={d}, k={k}"));
            let peer =
                crate::peer::gradient(|v| super::primal(v, d, k, &x, gamma, m, constant), &p);
            assert_eq!(peer.len(), want_flat.len());
            for (i, (&a, &b)) in peer.iter().zip(&want_flat).enumerate() {
                close(a, b, &format!("peer gradient[{i}] at d={d}, k={k}"));
            }
        }
    }
}
