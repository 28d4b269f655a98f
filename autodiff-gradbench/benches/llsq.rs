//! LLSQ (linear least squares): primal, generated gradient, hand-written
//! gradient, and for the smallest size the forward-mode peer and finite
//! differences.

mod common;
#[path = "hand/llsq.rs"]
mod hand;
#[path = "common/peer.rs"]
mod peer;

use autodiff_gradbench::evals::llsq::{least_squares, least_squares_vjp};
use common::{central_differences, noise_vec, Case, FD, GENERATED, HAND, PEER, PRIMAL};

/// The number of coefficients at every size.
const M: usize = 128;

fn main() {
    let x = noise_vec(1, M);
    let x = &x;
    let cases = [16, 128, 1_024, 16_392]
        .into_iter()
        .map(|n| {
            let mut g = vec![0.0; M];
            let mut h = vec![0.0; M];
            let mut powers = Vec::new();
            let mut case = Case::new(format!("n={n}"))
                .with(PRIMAL, move || least_squares(x, n))
                .with(GENERATED, move || {
                    g.fill(0.0);
                    least_squares_vjp(x, n, 1.0, &mut g)
                })
                .with(HAND, move || hand::gradient(x, n, &mut powers, &mut h));
            if n <= 16 {
                case = case
                    .with(PEER, move || peer::gradient(|x| hand::primal(x, n), x))
                    .with(FD, move || central_differences(|x| least_squares(x, n), x));
            }
            case
        })
        .collect();
    common::run("llsq", cases);
}
