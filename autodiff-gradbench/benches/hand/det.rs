//! det by hand: the gradient of the determinant by expansion by minors
//! (the reference), and the primal over dual numbers for the forward-mode
//! peer.

use num_dual::Dual64;

/// The scratch [`gradient`] needs for side `n`: every level of the
/// recursion with side `k > 3` holds one minor and its adjoint.
fn scratch_len(n: usize) -> usize {
    (4..=n).map(|k| 2 * (k - 1) * (k - 1)).sum()
}

/// `∂det/∂A` of the `n`×`n` row-major `a` into `g` (overwritten); returns
/// `det A`. One recursion, the same expansion along the first row as the
/// eval's `det`: each call returns its determinant and adds its adjoint.
/// `work` is scratch, resized and reused across calls.
#[inline(never)]
pub fn gradient(a: &[f64], n: usize, work: &mut Vec<f64>, g: &mut [f64]) -> f64 {
    let g = &mut g[..n * n];
    g.fill(0.0);
    work.resize(scratch_len(n), 0.0);
    det_adjoint(&a[..n * n], n, 1.0, g, work)
}

/// `det a`, adding `seed·∂det/∂a` into `d_a`.
fn det_adjoint(a: &[f64], n: usize, seed: f64, d_a: &mut [f64], work: &mut [f64]) -> f64 {
    match n {
        0 => 1.0,
        1 => {
            d_a[0] += seed;
            a[0]
        }
        2 => {
            d_a[0] += seed * a[3];
            d_a[1] -= seed * a[2];
            d_a[2] -= seed * a[1];
            d_a[3] += seed * a[0];
            a[0] * a[3] - a[1] * a[2]
        }
        3 => {
            let c0 = a[4] * a[8] - a[5] * a[7];
            let c1 = a[3] * a[8] - a[5] * a[6];
            let c2 = a[3] * a[7] - a[4] * a[6];
            let (s0, s1, s2) = (seed * a[0], seed * a[1], seed * a[2]);
            d_a[0] += seed * c0;
            d_a[1] -= seed * c1;
            d_a[2] += seed * c2;
            d_a[3] += s2 * a[7] - s1 * a[8];
            d_a[4] += s0 * a[8] - s2 * a[6];
            d_a[5] += s1 * a[6] - s0 * a[7];
            d_a[6] += s1 * a[5] - s2 * a[4];
            d_a[7] += s2 * a[3] - s0 * a[5];
            d_a[8] += s0 * a[4] - s1 * a[3];
            a[0] * c0 - a[1] * c1 + a[2] * c2
        }
        _ => {
            let m = n - 1;
            let (minor, rest) = work.split_at_mut(m * m);
            let (d_minor, rest) = rest.split_at_mut(m * m);
            let mut total = 0.0;
            let mut sign = 1.0;
            for c in 0..n {
                // The minor of (0, c): rows 1.., every column but `c`.
                for r in 1..n {
                    let (row, out) = (&a[r * n..(r + 1) * n], &mut minor[(r - 1) * m..r * m]);
                    out[..c].copy_from_slice(&row[..c]);
                    out[c..].copy_from_slice(&row[c + 1..]);
                }
                d_minor.fill(0.0);
                let coef = sign * a[c];
                let d = det_adjoint(minor, m, seed * coef, d_minor, rest);
                total += coef * d;
                d_a[c] += seed * sign * d;
                for r in 1..n {
                    let (row, d_row) = (&mut d_a[r * n..(r + 1) * n], &d_minor[(r - 1) * m..r * m]);
                    for (o, &d) in row[..c].iter_mut().zip(&d_row[..c]) {
                        *o += d;
                    }
                    for (o, &d) in row[c + 1..].iter_mut().zip(&d_row[c..]) {
                        *o += d;
                    }
                }
                sign = -sign;
            }
            total
        }
    }
}

/// The primal over dual numbers, as the eval's `det` computes it: the peer
/// differentiates this.
pub fn primal(a: &[Dual64], n: usize) -> Dual64 {
    match n {
        0 => Dual64::from(1.0),
        1 => a[0],
        2 => a[0] * a[3] - a[1] * a[2],
        3 => {
            a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6])
                + a[2] * (a[3] * a[7] - a[4] * a[6])
        }
        _ => {
            let m = n - 1;
            let mut total = Dual64::from(0.0);
            let mut sign = 1.0;
            let mut minor = Vec::with_capacity(m * m);
            for c in 0..n {
                minor.clear();
                for r in 1..n {
                    for k in 0..n {
                        if k != c {
                            minor.push(a[r * n + k]);
                        }
                    }
                }
                total += a[c] * sign * primal(&minor, m);
                sign = -sign;
            }
            total
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hand_written_gradient_and_peer_match_the_generated_one() {
        // Inside the test, so that a bench binary (cfg(test), no test
        // harness) has nothing unused.
        use autodiff_gradbench::evals::det::det_grad;

        use crate::check::assert_close;

        let mut work = Vec::new();
        for n in 0..=7 {
            // sin of a quadratic, not of an arithmetic progression (rank 2).
            let a: Vec<f64> = (0..n * n)
                .map(|i| (0.7 * (i * i) as f64 + 0.3 * i as f64).sin() * 2.0)
                .collect();
            let (want, want_g) = det_grad(&a, n);
            let mut g = vec![f64::NAN; n * n];
            let value = super::gradient(&a, n, &mut work, &mut g);
            assert!(
                (value - want).abs() <= 1e-12 * want.abs(),
                "{value} vs {want}"
            );
            assert_close(&g, &want_g);
            let peer = crate::peer::gradient(|a| super::primal(a, n), &a);
            assert_close(&peer, &want_g);
        }
    }
}
