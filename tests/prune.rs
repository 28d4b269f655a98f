//! A checkpointed callee's `reverse` runs again only the forward code its
//! reverse sweep reads, and a result that is a local buffer takes the seed
//! as that buffer's adjoint. Each function is checked against finite
//! differences through a caller that runs it in a loop (so its `reverse` is
//! the one used); the leaves are also run through `reverse` directly, to
//! count what it allocates and which of its effects it keeps.
#![allow(dead_code)]
mod common;
use autodiff::differentiate;
use common::check;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    /// Allocations by this thread: tests run on threads of their own.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    /// Calls of `tick`.
    static TICKS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

/// An effect the reverse sweep does not need: it must still happen. (A
/// method: a call to a function would make the callee split, not
/// checkpointed.)
struct Counter;

impl Counter {
    fn tick(&self, i: usize) -> usize {
        TICKS.with(|t| t.set(t.get() + 1));
        i
    }
}

/// `zᵢ = a·xᵢ·yᵢ₋₁`: the reverse sweep reads `x`, `y` and `a`, never `z`,
/// so `reverse` computes no `z` (and `a`'s chain only as far as `a`).
#[differentiate]
fn shifted(x: &[f64], y: &[f64]) -> Vec<f64> {
    let n = x.len();
    let b = x[0] + 1.0;
    let a = b * b;
    let mut z = vec![0.0; n];
    z[0] = a * x[0];
    for i in 1..n {
        let p = x[i] * y[i - 1];
        z[i] = a * p;
    }
    z
}

/// Dead writes beside an effect (kept), a kept `exp` (its tape stays), a
/// branch on a sum of the result (so the result's values stay), and a
/// `while` loop (its trip count stays).
#[differentiate]
fn effects(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let mut z = vec![0.0; n];
    let mut unused = vec![0.0; n];
    let mut total = 0.0;
    for i in 0..n {
        let _ticked = Counter.tick(i);
        unused[i] = x[i] * 2.0;
        z[i] = x[i].exp() * x[(i + 1) % n];
        total += z[i];
    }
    if total > 1.0 {
        z[0] += 0.5 * total;
    }
    let mut k = 0;
    while k < n {
        z[k] = z[k] * x[k] + unused[k];
        k += 2;
    }
    z
}

/// `z` is dead (its adjoint is the seed, and the reverse code of `exp`
/// reads only its result), but its `exp`s are kept on a tape the reverse
/// sweep reads: its writes stay.
#[differentiate]
fn exp_half(x: &[f64]) -> Vec<f64> {
    let mut z = vec![0.0; x.len()];
    for i in 0..x.len() {
        z[i] = (0.5 * x[i]).exp();
    }
    z
}

/// A fused loop: its reverse code is in its forward code, and reads `t`.
#[differentiate]
fn energy(x: &[f64], w: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let t = x[i] * w;
        s += t * t.sin();
    }
    0.5 * s
}

#[differentiate]
fn run(x: &[f64], steps: usize) -> f64 {
    let mut y = x.to_vec();
    for _ in 0..steps {
        let z: Vec<f64> = shifted(x, &y);
        let w: Vec<f64> = effects(&z);
        let e: Vec<f64> = exp_half(&w);
        for i in 0..y.len() {
            y[i] = 0.5 * y[i] + 0.1 * e[i];
        }
    }
    let mut s = 0.0;
    for v in &y {
        s += v * v;
    }
    for k in 0..steps {
        s += energy(&y, 0.3 * k as f64 + 0.1);
    }
    s
}

#[test]
fn pruned_reverse_sweeps_give_the_gradient() {
    let x = [0.3, -0.5, 0.8, 0.2, -0.1];
    let (_, g) = run_grad(&x, 3);
    check(|x| run(x, 3), &x, &g);
}

#[test]
fn a_returned_local_buffer_takes_the_seed() {
    let (x, y) = ([0.3, -0.5, 0.8], [1.2, 0.4, -0.7]);
    let seed = [0.5, -1.0, 2.0];
    let (mut dx, mut dy) = ([0.0; 3], [0.0; 3]);
    let value = shifted_vjp(&x, &y, &seed, &mut dx, &mut dy);
    common::same(&value, &shifted(&x, &y));
    let dot = |z: Vec<f64>| z.iter().zip(&seed).map(|(a, b)| a * b).sum::<f64>();
    check(|x| dot(shifted(x, &y)), &x, &dx);
    check(|y| dot(shifted(&x, y)), &y, &dy);
}

#[test]
fn reverse_allocates_only_the_adjoint() {
    let (x, y) = ([0.3, -0.5, 0.8, 0.2], [1.2, 0.4, -0.7, 0.1]);
    let seed = [0.5, -1.0, 2.0, 1.5];
    let (mut dx, mut dy) = ([0.0; 4], [0.0; 4]);
    let before = allocations();
    shifted::reverse((), &x, &y, &seed, Some(&mut dx), Some(&mut dy));
    // `z` and the value are not computed again: one buffer, the seed's copy.
    assert_eq!(allocations() - before, 1);
    let (mut ex, mut ey) = ([0.0; 4], [0.0; 4]);
    shifted_vjp(&x, &y, &seed, &mut ex, &mut ey);
    common::same(&dx, &ex);
    common::same(&dy, &ey);
}

#[test]
fn reverse_keeps_effects() {
    let x = [0.3, -0.5, 0.8, 0.2];
    let seed = [0.5, -1.0, 2.0, 1.5];
    let ticks = || TICKS.with(Cell::get);
    let (mut dx, mut ex) = ([0.0; 4], [0.0; 4]);
    let before = ticks();
    effects::pullback(&x, &seed, Some(&mut ex));
    let (mid, _) = (ticks(), effects::reverse((), &x, &seed, Some(&mut dx)));
    // As many as the whole pullback's forward sweep.
    assert_eq!(mid - before, x.len());
    assert_eq!(ticks() - mid, x.len());
    common::same(&dx, &ex);
    let dot = |z: Vec<f64>| z.iter().zip(&seed).map(|(a, b)| a * b).sum::<f64>();
    check(|x| dot(effects(x)), &x, &dx);
}

#[test]
fn reverse_of_a_fused_loop() {
    let x = [0.3, -0.5, 0.8, 0.2];
    let (mut dx, mut dw) = ([0.0; 4], 0.0);
    energy::reverse((), &x, 0.7, 1.5, Some(&mut dx), Some(&mut dw));
    let (mut ex, mut ew) = ([0.0; 4], 0.0);
    energy_vjp(&x, 0.7, 1.5, &mut ex, &mut ew);
    common::same(&dx, &ex);
    common::same(&[dw], &[ew]);
    check(|x| 1.5 * energy(x, 0.7), &x, &dx);
}
