//! det (expansion by minors): primal, generated gradient, hand-written
//! gradient, and for the small sizes the forward-mode peer and finite
//! differences.

mod common;
#[path = "hand/det.rs"]
mod hand;
#[path = "common/peer.rs"]
mod peer;

use autodiff_gradbench::evals::det::{det, det_vjp};
use common::{central_differences, noise_vec, Case, FD, GENERATED, HAND, PEER, PRIMAL};

fn main() {
    let inputs: Vec<(Vec<f64>, usize)> = (5..=9).map(|l| (noise_vec(1, l * l), l)).collect();
    let cases = inputs
        .iter()
        .map(|(a, l)| {
            let l = *l;
            let mut g = vec![0.0; l * l];
            let mut h = vec![0.0; l * l];
            let mut work = Vec::new();
            let mut case = Case::new(format!("l={l}"))
                .with(PRIMAL, move || det(a, l))
                .with(GENERATED, move || {
                    g.fill(0.0);
                    det_vjp(a, l, 1.0, &mut g)
                })
                .with(HAND, move || hand::gradient(a, l, &mut work, &mut h));
            if l <= 6 {
                case = case
                    .with(PEER, move || peer::gradient(|a| hand::primal(a, l), a))
                    .with(FD, move || central_differences(|a| det(a, l), a));
            }
            case
        })
        .collect();
    common::run("det", cases);
}
