//! The harness every workload's benchmark shares.
//!
//! A workload lists its cases (one per size); each case has the same
//! variants: the primal, the generated gradient, the hand-written gradient
//! (the reference), and, for small sizes, a forward-mode peer (`num-dual`)
//! and central finite differences. [`run`] measures them twice:
//!
//! - with criterion, for its usual report (`target/criterion`);
//! - by interleaving: batches of every variant alternate, and each variant's
//!   median batch counts, so slow drifts of a shared machine hit all of them
//!   alike. The ratios of those medians are printed and written to
//!   `target/ratios/<workload>.tsv`, which `benches/ratios.sh` turns into
//!   one table.
//!
//! `RATIOS_ONLY=1` skips criterion (a quicker run for the table alone).
//!
//! Each variant's peak heap is measured too, in one call of its own outside
//! the timed batches: the most bytes allocated and not yet freed during the
//! call ([`peak_heap`]). Inputs and gradient buffers exist before the call
//! and do not count.

#![allow(dead_code)]

use criterion::{BenchmarkId, Criterion};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// The system allocator, counting live bytes while [`peak_heap`] measures.
struct Counting;

static MEASURING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded to `System` unchanged; the counters are
// bookkeeping only.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if MEASURING.load(Relaxed) {
            let size = layout.size() as isize;
            PEAK.fetch_max(LIVE.fetch_add(size, Relaxed) + size, Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if MEASURING.load(Relaxed) {
            LIVE.fetch_sub(layout.size() as isize, Relaxed);
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The most heap bytes live at once during one call of `run`, above what
/// was live before it.
pub fn peak_heap(run: &mut dyn FnMut()) -> usize {
    LIVE.store(0, Relaxed);
    PEAK.store(0, Relaxed);
    MEASURING.store(true, Relaxed);
    run();
    MEASURING.store(false, Relaxed);
    PEAK.load(Relaxed).max(0) as usize
}

/// One variant: a name and a closure that runs it once.
pub struct Variant<'a> {
    pub name: &'static str,
    pub run: Box<dyn FnMut() + 'a>,
}

/// The variants of one workload at one size.
pub struct Case<'a> {
    /// The size as the table shows it, e.g. `n=1000` or `d=2,k=5`.
    pub size: String,
    pub variants: Vec<Variant<'a>>,
}

/// The variant names, in the order of the table's columns.
pub const PRIMAL: &str = "primal";
pub const GENERATED: &str = "generated";
pub const HAND: &str = "hand-written";
pub const PEER: &str = "num-dual";
pub const FD: &str = "finite-differences";

impl<'a> Case<'a> {
    pub fn new(size: impl Into<String>) -> Self {
        Case {
            size: size.into(),
            variants: Vec::new(),
        }
    }

    /// Adds a variant; its result is passed through `black_box` so the
    /// optimiser cannot drop the work.
    pub fn with<R>(mut self, name: &'static str, mut f: impl FnMut() -> R + 'a) -> Self {
        self.variants.push(Variant {
            name,
            run: Box::new(move || {
                black_box(f());
            }),
        });
        self
    }

    /// Median seconds per call of every variant, measured by interleaving.
    fn medians(&mut self) -> Vec<f64> {
        // Calibrate: enough calls per batch that a batch takes ~20 ms.
        let reps: Vec<u32> = self
            .variants
            .iter_mut()
            .map(|v| {
                let t = Instant::now();
                (v.run)();
                let once = t.elapsed().max(Duration::from_nanos(20));
                (Duration::from_millis(20).as_secs_f64() / once.as_secs_f64()).clamp(1.0, 1e6)
                    as u32
            })
            .collect();
        let rounds = 15;
        let mut times = vec![Vec::with_capacity(rounds); self.variants.len()];
        for _ in 0..rounds {
            for ((v, &r), t) in self.variants.iter_mut().zip(&reps).zip(&mut times) {
                let start = Instant::now();
                for _ in 0..r {
                    (v.run)();
                }
                t.push(start.elapsed().as_secs_f64() / f64::from(r));
            }
        }
        times
            .into_iter()
            .map(|mut t| {
                t.sort_by(f64::total_cmp);
                t[t.len() / 2]
            })
            .collect()
    }
}

/// Measures every case of `workload` with criterion (unless `RATIOS_ONLY`
/// is set), then prints and records the interleaved ratios.
pub fn run(workload: &str, mut cases: Vec<Case<'_>>) {
    if std::env::var_os("RATIOS_ONLY").is_none() {
        let mut c = Criterion::default()
            .sample_size(10)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1))
            .configure_from_args();
        let mut group = c.benchmark_group(workload);
        for case in &mut cases {
            for v in &mut case.variants {
                group.bench_function(BenchmarkId::new(v.name, &case.size), |b| b.iter(&mut v.run));
            }
        }
        group.finish();
        c.final_summary();
    }
    let mut rows = String::new();
    println!("\n{workload}: ratios of median times, interleaved batches");
    println!(
        "{:>16} {:>10} {:>12} {:>10} {:>10} {:>10} {:>12} {:>12}",
        "size", "primal", "gen/primal", "gen/hand", "peer/gen", "fd/gen", "heap primal", "heap gen"
    );
    for case in &mut cases {
        let medians = case.medians();
        let mut heap = |name: &str| {
            let v = case.variants.iter_mut().find(|v| v.name == name)?;
            Some(peak_heap(&mut v.run))
        };
        let (p_heap, g_heap) = (heap(PRIMAL), heap(GENERATED));
        let get = |name: &str| {
            case.variants
                .iter()
                .position(|v| v.name == name)
                .map(|i| medians[i])
        };
        let (p, g, h) = (get(PRIMAL), get(GENERATED), get(HAND));

        let (peer, fd) = (get(PEER), get(FD));
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => format!("{:.2}", a / b),
            _ => "-".to_owned(),
        };
        let bytes = |b: Option<usize>| b.map_or("-".into(), |b| b.to_string());
        println!(
            "{:>16} {:>10} {:>12} {:>10} {:>10} {:>10} {:>12} {:>12}",
            case.size,
            p.map_or("-".into(), seconds),
            ratio(g, p),
            ratio(g, h),
            ratio(peer, g),
            ratio(fd, g),
            bytes(p_heap),
            bytes(g_heap),
        );
        let cell = |t: Option<f64>| t.map_or("-".into(), |t| format!("{t:e}"));
        rows.push_str(&format!(
            "{workload}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            case.size,
            cell(p),
            cell(g),
            cell(h),
            cell(peer),
            cell(fd),
            bytes(p_heap),
            bytes(g_heap),
        ));
    }
    record(workload, &rows);
}

/// A time, in the unit that reads best.
fn seconds(t: f64) -> String {
    if t >= 1.0 {
        format!("{t:.2} s")
    } else if t >= 1e-3 {
        format!("{:.2} ms", t * 1e3)
    } else if t >= 1e-6 {
        format!("{:.2} µs", t * 1e6)
    } else {
        format!("{:.0} ns", t * 1e9)
    }
}

/// Writes `target/ratios/<workload>.tsv`: per size, seconds per call of
/// the primal, generated, hand-written, peer and finite-difference variants,
/// then the peak heap bytes of the primal and generated variants.
fn record(workload: &str, rows: &str) {
    // The bench binary is target/<profile>/deps/<name>-<hash>.
    let Some(target) = std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.parent()?.parent()?.to_path_buf()))
    else {
        return;
    };
    let dir = target.join("ratios");
    let written = std::fs::create_dir_all(&dir).and_then(|()| {
        let mut f = std::fs::File::create(dir.join(format!("{workload}.tsv")))?;
        f.write_all(
            b"workload\tsize\tprimal\tgenerated\thand-written\tnum-dual\tfinite-differences\tprimal-heap\tgenerated-heap\n",
        )?;
        f.write_all(rows.as_bytes())
    });
    if let Err(e) = written {
        eprintln!("could not record the ratios in {}: {e}", dir.display());
    }
}

/// Central finite differences of `f` at `x`: the gradient, 2n calls.
pub fn central_differences(f: impl Fn(&[f64]) -> f64, x: &[f64]) -> Vec<f64> {
    let mut x = x.to_vec();
    let mut g = vec![0.0; x.len()];
    for i in 0..x.len() {
        let xi = x[i];
        let h = 1e-6 * xi.abs().max(1.0);
        x[i] = xi + h;
        let up = f(&x);
        x[i] = xi - h;
        let down = f(&x);
        x[i] = xi;
        g[i] = (up - down) / (2.0 * h);
    }
    g
}

/// A reproducible pseudo-random number in [-1, 1) (SplitMix64 of `i`).
pub fn noise(seed: u64, i: usize) -> f64 {
    let mut z = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(i as u64)
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

/// `len` reproducible numbers in [-1, 1).
pub fn noise_vec(seed: u64, len: usize) -> Vec<f64> {
    (0..len).map(|i| noise(seed, i)).collect()
}
