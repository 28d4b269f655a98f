//! LSE (log-sum-exp): primal, generated gradient, hand-written gradient,
//! and for small sizes the forward-mode peer and finite differences.

mod common;
#[path = "hand/lse.rs"]
mod hand;
#[path = "common/peer.rs"]
mod peer;

use autodiff_gradbench::evals::lse::{logsumexp, logsumexp_vjp};
use common::{central_differences, noise_vec, Case, FD, GENERATED, HAND, PEER, PRIMAL};

fn main() {
    let sizes = [2_500, 20_000, 160_000, 1_280_000];
    let inputs: Vec<Vec<f64>> = sizes.iter().map(|&n| noise_vec(1, n)).collect();
    let cases = inputs
        .iter()
        .map(|x| {
            let n = x.len();
            let mut g = vec![0.0; n];
            let mut h = vec![0.0; n];
            let mut case = Case::new(format!("n={n}"))
                .with(PRIMAL, || logsumexp(x))
                .with(GENERATED, move || {
                    g.fill(0.0);
                    logsumexp_vjp(x, 1.0, &mut g)
                })
                .with(HAND, move || hand::gradient(x, &mut h));
            if n <= 2_500 {
                case = case
                    .with(PEER, || peer::gradient(hand::primal, x))
                    .with(FD, || central_differences(logsumexp, x));
            }
            case
        })
        .collect();
    common::run("lse", cases);
}
