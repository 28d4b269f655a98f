//! LSTM (ADBench's diagonal LSTM): primal, generated gradient, hand-written
//! gradient, and for the smallest size the forward-mode peer and finite
//! differences.

mod common;
#[path = "hand/lstm.rs"]
mod hand;
#[path = "common/peer.rs"]
mod peer;

use autodiff_gradbench::evals::lstm::{objective, objective_vjp};
use common::{central_differences, noise_vec, Case, FD, GENERATED, HAND, PEER, PRIMAL};

/// ADBench's width: the number of characters in its alphabet.
const B: usize = 14;

/// The inputs of one size: `l` layers over `c` steps.
struct Input {
    l: usize,
    c: usize,
    main_params: Vec<Vec<f64>>,
    extra_params: Vec<Vec<f64>>,
    state: Vec<Vec<f64>>,
    sequence: Vec<Vec<f64>>,
}

/// `n` reproducible rows of `len` numbers in [-1, 1).
fn rows(seed: u64, n: usize, len: usize) -> Vec<Vec<f64>> {
    noise_vec(seed, n * len)
        .chunks(len)
        .map(<[f64]>::to_vec)
        .collect()
}

impl Input {
    fn new(l: usize, c: usize) -> Self {
        Input {
            l,
            c,
            main_params: rows(1, 2 * l, 4 * B),
            extra_params: rows(2, 3, B),
            state: rows(3, 2 * l, B),
            sequence: rows(4, c, B),
        }
    }

    /// `main_params` then `extra_params`, row by row.
    fn flat_params(&self) -> Vec<f64> {
        self.main_params
            .iter()
            .chain(&self.extra_params)
            .flatten()
            .copied()
            .collect()
    }

    /// The objective of flat parameters, for finite differences.
    fn objective_of_flat(&self, x: &[f64]) -> f64 {
        let (main, extra) = x.split_at(self.l * 8 * B);
        let main: Vec<Vec<f64>> = main.chunks(4 * B).map(<[f64]>::to_vec).collect();
        let extra: Vec<Vec<f64>> = extra.chunks(B).map(<[f64]>::to_vec).collect();
        objective(&main, &extra, &self.state, &self.sequence)
    }
}

fn main() {
    let sizes = [(2, 1024), (2, 4096), (4, 1024), (4, 4096)];
    let inputs: Vec<Input> = sizes.iter().map(|&(l, c)| Input::new(l, c)).collect();
    let cases = inputs
        .iter()
        .map(|input| {
            let (l, c) = (input.l, input.c);
            let (m, e) = (&input.main_params, &input.extra_params);
            let (s, q) = (&input.state, &input.sequence);
            let (mut gm, mut ge) = (vec![vec![0.0; 4 * B]; 2 * l], vec![vec![0.0; B]; 3]);
            let (mut hm, mut he) = (gm.clone(), ge.clone());
            let mut case = Case::new(format!("l={l},c={c}"))
                .with(PRIMAL, || objective(m, e, s, q))
                .with(GENERATED, move || {
                    gm.iter_mut().chain(&mut ge).for_each(|r| r.fill(0.0));
                    objective_vjp(m, e, s, q, 1.0, &mut gm, &mut ge)
                })
                .with(HAND, move || hand::gradient(m, e, s, q, &mut hm, &mut he));
            if (l, c) == (2, 1024) {
                let x = input.flat_params();
                let y = x.clone();
                case = case
                    .with(PEER, move || peer::gradient(|p| hand::primal(p, s, q), &x))
                    .with(FD, move || {
                        central_differences(|p| input.objective_of_flat(p), &y)
                    });
            }
            case
        })
        .collect();
    common::run("lstm", cases);
}
