//! GMM (Gaussian mixture model): primal, generated gradient, hand-written
//! gradient, and for the smallest size the forward-mode peer and finite
//! differences.

mod common;
#[path = "hand/gmm.rs"]
mod hand;
#[path = "common/peer.rs"]
mod peer;

use autodiff_gradbench::evals::gmm::{constant_term, gmm_objective, gmm_objective_vjp};
use common::{central_differences, noise_vec, Case, FD, GENERATED, HAND, PEER, PRIMAL};

/// The number of points at every size.
const N: usize = 1000;

/// One size's inputs, as the eval's `gmm_objective` takes them.
struct Input {
    d: usize,
    k: usize,
    alpha: Vec<f64>,
    mu: Vec<Vec<f64>>,
    q: Vec<Vec<f64>>,
    l: Vec<Vec<f64>>,
    x: Vec<Vec<f64>>,
    gamma: f64,
    m: usize,
    constant: f64,
}

/// `rows` rows of `len` reproducible numbers in [-scale, scale).
fn matrix(seed: u64, rows: usize, len: usize, scale: f64) -> Vec<Vec<f64>> {
    let v = noise_vec(seed, rows * len);
    (0..rows)
        .map(|r| {
            v[r * len..(r + 1) * len]
                .iter()
                .map(|&e| e * scale)
                .collect()
        })
        .collect()
}

impl Input {
    /// ADBench's settings (γ = 1, m = 0); `q` and `l` small so that `exp(q)`
    /// and the precisions stay tame.
    fn new(d: usize, k: usize) -> Input {
        let (gamma, m) = (1.0, 0);
        Input {
            d,
            k,
            alpha: noise_vec(1, k),
            mu: matrix(2, k, d, 1.0),
            q: matrix(3, k, d, 0.1),
            l: matrix(4, k, d * (d - 1) / 2, 0.1),
            x: matrix(5, N, d, 1.0),
            gamma,
            m,
            constant: constant_term(d, k, N, m, gamma),
        }
    }

    fn objective(&self) -> f64 {
        gmm_objective(
            &self.alpha,
            &self.mu,
            &self.q,
            &self.l,
            &self.x,
            self.gamma,
            self.m,
            self.constant,
        )
    }

    /// Zeroed buffers shaped like `alpha`, `mu`, `q` and `l`.
    fn buffers(&self) -> hand::Params {
        let zeros = |rows: &[Vec<f64>]| -> Vec<Vec<f64>> {
            rows.iter().map(|r| vec![0.0; r.len()]).collect()
        };
        (
            vec![0.0; self.k],
            zeros(&self.mu),
            zeros(&self.q),
            zeros(&self.l),
        )
    }
}

fn main() {
    let sizes = [(2, 5), (10, 25), (20, 50), (64, 100)];
    let inputs: Vec<Input> = sizes.iter().map(|&(d, k)| Input::new(d, k)).collect();
    let cases = inputs
        .iter()
        .map(|p| {
            let (mut ga, mut gmu, mut gq, mut gl) = p.buffers();
            let (mut ha, mut hmu, mut hq, mut hl) = p.buffers();
            let mut case = Case::new(format!("d={},k={}", p.d, p.k))
                .with(PRIMAL, || p.objective())
                .with(GENERATED, move || {
                    ga.fill(0.0);
                    for rows in [&mut gmu, &mut gq, &mut gl] {
                        for row in rows.iter_mut() {
                            row.fill(0.0);
                        }
                    }
                    gmm_objective_vjp(
                        &p.alpha, &p.mu, &p.q, &p.l, &p.x, p.gamma, p.m, p.constant, 1.0, &mut ga,
                        &mut gmu, &mut gq, &mut gl,
                    )
                })
                .with(HAND, move || {
                    hand::gradient(
                        &p.alpha, &p.mu, &p.q, &p.l, &p.x, p.gamma, p.m, p.constant, &mut ha,
                        &mut hmu, &mut hq, &mut hl,
                    )
                });
            if p.d <= 2 {
                let flat = hand::pack(&p.alpha, &p.mu, &p.q, &p.l);
                let flat2 = flat.clone();
                case = case
                    .with(PEER, move || {
                        peer::gradient(
                            |v| hand::primal(v, p.d, p.k, &p.x, p.gamma, p.m, p.constant),
                            &flat,
                        )
                    })
                    .with(FD, move || {
                        central_differences(
                            |v| {
                                let (alpha, mu, q, l) = hand::unpack(v, p.d, p.k);
                                gmm_objective(&alpha, &mu, &q, &l, &p.x, p.gamma, p.m, p.constant)
                            },
                            &flat2,
                        )
                    });
            }
            case
        })
        .collect();
    common::run("gmm", cases);
}
