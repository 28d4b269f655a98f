//! Rosenbrock: primal, generated gradient, hand-written gradient, and for
//! small sizes the forward-mode peer and finite differences.
//!
//! The primal and the hand-written gradient are the root crate's
//! (`benches/workloads/rosenbrock.rs`), which its own benchmark measures too.

mod common;
#[path = "hand/rosenbrock.rs"]
mod hand;
#[path = "common/peer.rs"]
mod peer;

use common::{central_differences, noise_vec, Case, FD, GENERATED, HAND, PEER, PRIMAL};
use hand::workload::{rosen, rosen_vjp};

fn main() {
    let sizes = [10, 1_000, 10_000, 100_000];
    let inputs: Vec<Vec<f64>> = sizes.iter().map(|&n| noise_vec(1, n)).collect();
    let cases = inputs
        .iter()
        .map(|x| {
            let n = x.len();
            let mut g = vec![0.0; n];
            let mut h = vec![0.0; n];
            let mut case = Case::new(format!("n={n}"))
                .with(PRIMAL, || rosen(x))
                .with(GENERATED, move || {
                    g.fill(0.0);
                    rosen_vjp(x, 1.0, &mut g)
                })
                .with(HAND, move || {
                    h.fill(0.0);
                    hand::gradient(x, &mut h)
                });
            if n <= 1_000 {
                case = case
                    .with(PEER, || peer::gradient(hand::primal, x))
                    .with(FD, || central_differences(rosen, x));
            }
            case
        })
        .collect();
    common::run("rosenbrock", cases);
}
