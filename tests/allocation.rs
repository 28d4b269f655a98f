//! The gradient of a loop-free scalar function allocates nothing: every
//! intermediate value lives in a local, no tape is created. Nor does a loop
//! whose reverse sweep replays its iterations; a loop fused with its reverse
//! sweep keeps at most one iteration's values (also over a scratch buffer
//! and with leaf calls), and a checkpointed loop one copy of its state per
//! iteration. A recursion whose calls run joint
//! allocates a buffer and an adjoint per call that recurses, where its
//! primal allocates a buffer per iteration. A
//! taped loop whose body saves several values keeps them on one tape.
mod common;
use autodiff::differentiate;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    /// Allocations by this thread: tests run on threads of their own.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    /// Bytes allocated and not yet freed by this thread, and their peak.
    static LIVE: Cell<(isize, isize)> = const { Cell::new((0, 0)) };
}

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

/// Starts measuring the peak of live bytes from now.
fn reset_peak() {
    LIVE.with(|l| l.set((l.get().0, l.get().0)));
}

/// The most bytes live at once since `reset_peak`, above the bytes live then.
fn peak_since(start: isize) -> isize {
    LIVE.with(|l| l.get().1) - start
}

fn live() -> isize {
    LIVE.with(|l| l.get().0)
}

fn account(bytes: isize) {
    let _ = LIVE.try_with(|l| {
        let (now, peak) = l.get();
        l.set((now + bytes, peak.max(now + bytes)));
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        account(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        account(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[differentiate]
fn loop_free(x: f64, y: f64, z: f64) -> f64 {
    let mut a = x * y + z.exp();
    if a > 1.0 {
        let b = a.sqrt() * y;
        a = b + a.powi(2);
    } else {
        a = a.sin();
    }
    let c = if y > 0.0 { a * y } else { a / (1.0 + y * y) };
    a *= c;
    a.tanh() + x.max(z) + y.hypot(z)
}

#[test]
fn grad_of_a_loop_free_function_makes_no_heap_allocation() {
    let mut total = 0.0;
    let before = allocations();
    for (x, y) in [(0.5, 0.7), (-0.2, -1.5), (2.0, 0.1)] {
        let (v, (dx, dy, dz)) = loop_free_grad(x, y, 0.3);
        total += v + dx + dy + dz;
    }
    let after = allocations();
    assert!(total.is_finite());
    assert_eq!(after - before, 0, "loop_free_grad allocated");
}

#[differentiate(wrt(x))]
fn polynomial(x: &[f64], t: f64) -> f64 {
    let mut fit = 0.0;
    let mut power = 1.0;
    for j in 0..x.len() {
        fit += x[j] * power;
        power *= t;
    }
    fit * fit
}

#[test]
fn a_replayed_loop_keeps_no_tape() {
    let x = [0.4, -1.3, 2.2, 0.1];
    let mut g = [0.0; 4];
    let before = allocations();
    let v = polynomial_vjp(&x, 0.7, 1.0, &mut g);
    let after = allocations();
    assert!(v.is_finite());
    assert_eq!(after - before, 0, "polynomial_vjp allocated");
    // The gradient itself: 2·fit·tʲ.
    let fit: f64 = x
        .iter()
        .enumerate()
        .map(|(j, v)| v * 0.7f64.powi(j as i32))
        .sum();
    for (j, gj) in g.iter().enumerate() {
        approx::assert_relative_eq!(*gj, 2.0 * fit * 0.7f64.powi(j as i32), epsilon = 1e-12);
    }
}

/// Squared moments: the outer loop is fused with its reverse sweep, so the
/// inner loop's kept powers are one iteration's worth, whatever `n`.
#[differentiate(wrt(x))]
fn moments(x: &[f64], n: usize) -> f64 {
    let mut total = 0.0;
    for i in 0..n {
        let t = 1.0 / (1.0 + i as f64);
        let mut m = 0.0;
        let mut power = t;
        for j in 0..x.len() {
            m += x[j] * power;
            power *= t;
        }
        total += m * m;
    }
    total
}

#[test]
fn a_fused_loop_keeps_one_iteration() {
    let x = [0.4, -1.3, 2.2, 0.1, 0.5, -0.2, 0.3, 0.8];
    let mut g = [0.0; 8];
    let mut peaks = Vec::new();
    for n in [10, 10_000] {
        g.fill(0.0);
        let start = live();
        reset_peak();
        moments_vjp(&x, n, 1.0, &mut g);
        peaks.push(peak_since(start));
    }
    assert!(peaks[1] <= peaks[0], "peak bytes grew with n: {peaks:?}");
    assert!(peaks[1] <= 16 * 8 * 8, "peak bytes {peaks:?}");
    // The gradient itself: Σᵢ 2·mᵢ·tᵢʲ⁺¹.
    let mut want = [0.0; 8];
    for i in 0..10_000 {
        let t = 1.0 / (1.0 + f64::from(i));
        let m: f64 = x.iter().zip(1..).map(|(v, j)| v * t.powi(j)).sum();
        for (w, j) in want.iter_mut().zip(1..) {
            *w += 2.0 * m * t.powi(j);
        }
    }
    for (a, b) in g.iter().zip(&want) {
        approx::assert_relative_eq!(*a, *b, max_relative = 1e-9, epsilon = 1e-12);
    }
}

/// `ln Σ exp(v)`.
#[differentiate]
fn log_sum_exp(v: &[f64]) -> f64 {
    let mut sum = 0.0;
    for i in 0..v.len() {
        sum += v[i].exp();
    }
    sum.ln()
}

/// A leaf: one component's log density at `x`.
#[differentiate]
fn log_density(x: f64, mu: &[f64], c: usize) -> f64 {
    let mut spread = 0.0;
    for j in 0..mu.len() {
        spread += (0.3 * mu[j]).exp();
    }
    -0.5 * (x - mu[c]) * (x - mu[c]) * spread
}

/// A mixture over points whose per-point buffer `beta`, declared before
/// the loop, is scratch: the loop is fused, its leaf calls' pullbacks live
/// for one iteration, and no overwrite of `beta` is taped.
#[differentiate(wrt(mu))]
fn mixture(mu: &[f64], points: &[f64]) -> f64 {
    let k = mu.len();
    let mut beta = vec![0.0; k];
    let mut total = 0.0;
    for i in 0..points.len() {
        for c in 0..k {
            beta[c] = log_density(points[i], mu, c);
        }
        total += log_sum_exp(&beta);
    }
    total
}

#[test]
fn a_loop_over_a_scratch_buffer_keeps_one_iteration() {
    let mu = [0.4, -1.3, 2.2, 0.1];
    let mut g = [0.0; 4];
    let mut peaks = Vec::new();
    for n in [10, 10_000] {
        let points: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
        g.fill(0.0);
        let start = live();
        reset_peak();
        mixture_vjp(&mu, &points, 1.0, &mut g);
        peaks.push(peak_since(start));
    }
    assert!(peaks[1] <= peaks[0], "peak bytes grew with n: {peaks:?}");
    let points = [0.1, -0.7, 1.9];
    let (_, g) = mixture_grad(&mu, &points);
    common::check(|mu| mixture(mu, &points), &mu, &g);
}

/// `zᵢ = xᵢ·yᵢ`.
#[differentiate]
fn scaled_by(x: &[f64], y: &[f64]) -> Vec<f64> {
    let mut z = vec![0.0; x.len()];
    for i in 0..x.len() {
        z[i] = x[i] * y[i];
    }
    z
}

/// Euler steps of `y′ = x·y` from `y = 1` to `t = 1`, summed: the loop
/// makes a buffer every step, so it is checkpointed.
#[differentiate(wrt(x))]
fn euler(x: &[f64], steps: usize) -> f64 {
    let h = 1.0 / steps as f64;
    let mut y = vec![1.0; x.len()];
    for _ in 0..steps {
        let k = scaled_by(x, &y);
        for i in 0..x.len() {
            y[i] += h * k[i];
        }
    }
    let mut s = 0.0;
    for i in 0..x.len() {
        s += y[i];
    }
    s
}

#[test]
fn a_checkpointed_loop_keeps_one_state_per_step() {
    let (n, steps) = (64, 200);
    let x: Vec<f64> = (0..n).map(|i| 0.5 + (i as f64 * 0.3).sin()).collect();
    let mut g = vec![0.0; n];
    let start = live();
    reset_peak();
    let before = allocations();
    euler_vjp(&x, steps, 1.0, &mut g);
    let made = allocations() - before;
    let peak = peak_since(start);
    // Per step: the call's result when the step runs and when it runs
    // again, the checkpoint, and the callee's copy of its seed. The adjoint
    // of the step's `k` is lent to the callee as its seed, not moved out
    // and allocated again.
    assert!(
        made <= 4 * steps + 8,
        "{made} allocations for {steps} steps"
    );
    // One `y` per step (and its place on the tape) and a few vectors
    // besides; taping the step's buffer as well as `y` would need twice the
    // steps' worth.
    let vector = (n * 8) as isize;
    let tape_entry = std::mem::size_of::<Vec<f64>>() as isize;
    assert!(
        peak <= steps as isize * (vector + tape_entry) + 12 * vector,
        "peak bytes {peak}, {} vectors",
        peak / vector
    );
    // yᵢ = (1 + h·xᵢ)^s, so ∂/∂xᵢ = s·h·(1 + h·xᵢ)^(s−1) = (1 + h·xᵢ)^(s−1).
    let h = 1.0 / steps as f64;
    for (gi, xi) in g.iter().zip(&x) {
        let want = (1.0 + h * xi).powi(steps as i32 - 1);
        approx::assert_relative_eq!(*gi, want, max_relative = 1e-12);
    }
}

/// The determinant by minors: each level's loop is fused and calls the
/// next with its seed, so no call keeps a pullback.
#[differentiate]
fn det(a: &[f64], n: usize) -> f64 {
    if n == 1 {
        return a[0];
    }
    let mut total = 0.0;
    let mut sign = 1.0;
    for c in 0..n {
        let mut minor = Vec::with_capacity((n - 1) * (n - 1));
        for r in 1..n {
            for k in 0..n {
                if k != c {
                    minor.push(a[r * n + k]);
                }
            }
        }
        total += sign * a[c] * det(&minor, n - 1);
        sign = -sign;
    }
    total
}

#[test]
fn a_recursion_with_known_seeds_allocates_a_minor_and_an_adjoint_per_call() {
    let n = 5;
    let a: Vec<f64> = (0..n * n)
        .map(|i| (0.7 * (i * i) as f64 + 0.3).sin())
        .collect();
    let before = allocations();
    let value = det(&a, n);
    let primal = allocations() - before;
    let mut g = vec![0.0; n * n];
    let before = allocations();
    let same = det_vjp(&a, n, 1.0, &mut g);
    let gradient = allocations() - before;
    assert_eq!(value, same);
    // The primal makes a minor per column; the gradient, per call that
    // makes minors (1 + 5 + 5·4 + 5·4·3), one minor buffer that every column
    // fills again (the last one is dead when the next is made) and one
    // adjoint for them. A kept pullback would box every call.
    assert_eq!(primal, 5 + 5 * 4 + 5 * 4 * 3 + 5 * 4 * 3 * 2);
    let callers = 1 + 5 + 20 + 60;
    assert_eq!(gradient, 2 * callers, "primal {primal}");
    // Row 0 of ∂det/∂A is the cofactors, so Σ_c a₀c·g₀c = det A.
    let expansion: f64 = (0..n).map(|c| a[c] * g[c]).sum();
    approx::assert_relative_eq!(expansion, value, max_relative = 1e-12);
    common::check(|a| det(a, n), &a, &g);
}

#[differentiate]
fn gate(v: f64) -> f64 {
    1.0 / (1.0 + (-v).exp())
}

/// Gated cells, like an LSTM's: per element two gate calls, a kept `tanh`
/// and the overwritten gates saved, all at the top of the loop body.
#[differentiate]
fn cells(w: &[f64], x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    for j in 0..x.len() {
        let forget = gate(x[j] * w[0]);
        let input = gate(x[j] * w[1] + w[3]);
        let change = (x[j] * w[2]).tanh();
        out[j] = forget * change + input * x[j];
    }
    out
}

#[test]
fn a_taped_loop_keeps_one_tape_for_its_body() {
    let w = [0.3, -0.8, 1.1, 0.2];
    let mut counts = Vec::new();
    for n in [4, 40] {
        let x: Vec<f64> = (0..n).map(|i| (0.37 * i as f64).sin()).collect();
        let seed: Vec<f64> = (0..n).map(|i| 1.0 - 0.05 * i as f64).collect();
        let (mut dw, mut dx) = ([0.0; 4], vec![0.0; n]);
        let before = allocations();
        cells_vjp(&w, &x, &seed, &mut dw, &mut dx);
        counts.push(allocations() - before);
        let dot = |w: &[f64], x: &[f64]| -> f64 {
            cells(w, x).iter().zip(&seed).map(|(a, b)| a * b).sum()
        };
        common::check(|p| dot(p, &x), &w, &dw);
        common::check(|p| dot(&w, p), &x, &dx);
    }
    // The result, its adjoint and the frame: not one tape per saved value.
    assert_eq!(counts, [3, 3], "allocations for n = 4 and 40");
}
