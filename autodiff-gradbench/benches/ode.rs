//! ODE (Runge–Kutta): primal, generated gradient, hand-written gradient,
//! and for the smallest size the forward-mode peer and finite differences.
//! The gradient is that of the last element of `y(2)`.
//!
//! A Runge–Kutta step carries `y` at most four elements along the chain, so
//! for `n > 4s` that element, and its gradient, are exactly zero: the
//! work is the same, and GradBench's sizes are mostly such.

mod common;
#[path = "hand/ode.rs"]
mod hand;
#[path = "common/peer.rs"]
mod peer;

use autodiff_gradbench::evals::ode::{solve, solve_vjp};
use common::{central_differences, noise_vec, Case, FD, GENERATED, HAND, PEER, PRIMAL};

fn main() {
    let sizes = [
        (1_000, 1),
        (1_000, 100),
        (10_000, 10),
        (100_000, 1),
        (100_000, 100),
    ];
    // GradBench's inputs: uniform in [0, 1).
    let inputs: Vec<(Vec<f64>, usize)> = sizes
        .iter()
        .map(|&(n, s)| {
            let x = noise_vec(1, n).iter().map(|v| (v + 1.0) / 2.0).collect();
            (x, s)
        })
        .collect();
    let cases = inputs
        .iter()
        .map(|(x, s)| {
            let (n, s) = (x.len(), *s);
            let mut seed = vec![0.0; n];
            seed[n - 1] = 1.0;
            let mut g = vec![0.0; n];
            let mut h = vec![0.0; n];
            let mut work = Vec::new();
            let last = move |x: &[f64]| solve(x, s)[n - 1];
            let mut case = Case::new(format!("n={n},s={s}"))
                .with(PRIMAL, move || solve(x, s))
                .with(GENERATED, move || {
                    g.fill(0.0);
                    solve_vjp(x, s, &seed, &mut g)
                })
                .with(HAND, move || hand::gradient(x, s, &mut work, &mut h));
            if n * s <= 1_000 {
                case = case
                    .with(PEER, move || peer::gradient(|x| hand::primal(x, s), x))
                    .with(FD, move || central_differences(last, x));
            }
            case
        })
        .collect();
    common::run("ode", cases);
}
