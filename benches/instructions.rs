//! Rosenbrock at n = 100 000, for counting instructions: run under
//! `valgrind --tool=callgrind` by `benches/count-instructions.sh`, which
//! prints the counts of the primal, the generated and the hand-written
//! gradient. Instruction counts are repeatable where wall-clock time on a
//! shared machine is not.

use std::hint::black_box;

#[path = "workloads/rosenbrock.rs"]
mod workload;
use workload::{rosen, rosen_hand, rosen_vjp};

fn main() {
    // Under `cargo bench`, without valgrind, there is nothing to count.
    if std::env::args().any(|a| a == "--bench") {
        return;
    }
    let n = 100_000;
    let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
    let mut g = vec![0.0; n];
    // Opaque pointers: none of the three is inlined into this loop.
    let primal: fn(&[f64]) -> f64 = black_box(rosen);
    let generated: fn(&[f64], f64, &mut [f64]) -> f64 = black_box(rosen_vjp);
    let hand: fn(&[f64], &mut [f64]) -> f64 = black_box(rosen_hand);
    for _ in 0..10 {
        black_box(primal(black_box(&x)));
        black_box(generated(black_box(&x), 1.0, &mut g));
        black_box(hand(black_box(&x), &mut g));
    }
}
