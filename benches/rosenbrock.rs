//! Rosenbrock: the primal, the generated gradient and a hand-written one,
//! measured in one run so their ratios are meaningful.
//!
//! `cargo bench --bench rosenbrock` prints the criterion times and, at the
//! end, the ratios of their medians: generated ÷ primal and generated ÷
//! hand-written, all from the same run.

use criterion::{black_box, criterion_group, BenchmarkId, Criterion};
use std::time::{Duration, Instant};

#[path = "workloads/rosenbrock.rs"]
mod workload;
use workload::{rosen, rosen_hand, rosen_vjp};

const SIZES: [usize; 3] = [10, 1_000, 100_000];

fn input(n: usize) -> Vec<f64> {
    (0..n).map(|i| (i as f64 * 0.37).sin()).collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("rosenbrock");
    for n in SIZES {
        let x = input(n);
        let mut g = vec![0.0; n];
        group.bench_with_input(BenchmarkId::new("primal", n), &x, |b, x| {
            b.iter(|| rosen(black_box(x)))
        });
        group.bench_with_input(BenchmarkId::new("generated", n), &x, |b, x| {
            b.iter(|| rosen_vjp(black_box(x), 1.0, black_box(&mut g)))
        });
        group.bench_with_input(BenchmarkId::new("hand-written", n), &x, |b, x| {
            b.iter(|| rosen_hand(black_box(x), black_box(&mut g)))
        });
    }
    group.finish();
}

/// The ratios, measured by interleaving: batches of the three variants
/// alternate 31 times and each variant's median batch time counts, so slow
/// drifts of the machine affect all three alike (sequential criterion runs
/// vary by ±30% on a shared 2-core machine). Each variant is called through
/// an opaque function pointer, so none is inlined into the harness.
fn ratios() {
    type Grad = fn(&[f64], f64, &mut [f64]) -> f64;
    let primal: fn(&[f64]) -> f64 = black_box(rosen);
    let generated: Grad = black_box(rosen_vjp);
    let hand: Grad = black_box(|x, _, g| rosen_hand(x, g));
    println!("\nratios (median of 31 interleaved batches)");
    println!(
        "{:>8} {:>20} {:>25}",
        "n", "generated / primal", "generated / hand-written"
    );
    for n in SIZES {
        let x = input(n);
        let mut g = vec![0.0; n];
        let reps = (2_000_000 / n).max(1);
        let mut times = [Vec::new(), Vec::new(), Vec::new()];
        for _ in 0..31 {
            let t = Instant::now();
            for _ in 0..reps {
                black_box(primal(black_box(&x)));
            }
            times[0].push(t.elapsed());
            for (k, f) in [generated, hand].into_iter().enumerate() {
                let t = Instant::now();
                for _ in 0..reps {
                    black_box(f(black_box(&x), 1.0, &mut g));
                }
                times[k + 1].push(t.elapsed());
            }
        }
        let median = |v: &mut Vec<Duration>| {
            v.sort();
            v[v.len() / 2].as_secs_f64()
        };
        let (p, gen, hand) = (
            median(&mut times[0]),
            median(&mut times[1]),
            median(&mut times[2]),
        );
        println!("{n:>8} {:>20.2} {:>25.2}", gen / p, gen / hand);
    }
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    ratios();
}
