//! Every generated program: `_grad` against central finite differences,
//! `_vjp` against `_grad`, the companion's `reverse` against `_vjp`, and the
//! dot-product identity. A failure prints the
//! program, its seed and index: paste it into `tests/regressions.rs` of the
//! `autodiff` crate to keep it.
#![allow(clippy::all, unused)]

use autodiff::differentiate;
use std::cell::RefCell;

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    PassThrough,
    Record,
    Replay,
}

thread_local! {
    /// The values `detach` returned at the base point, replayed while
    /// finite differencing.
    static FROZEN: RefCell<(Mode, Vec<f64>, usize)> = const { RefCell::new((Mode::PassThrough, Vec::new(), 0)) };
    /// Comparisons made, those skipped at non-smooth points, and points
    /// skipped as ill-conditioned.
    static COUNTS: RefCell<(usize, usize, usize)> = const { RefCell::new((0, 0, 0)) };
}

/// The programs' `detach`. `#[differentiate]` stops the gradient at it; for
/// finite differences to agree, it returns the values it had at the base
/// point while `replay` evaluates the function at nearby points.
fn detach(v: f64) -> f64 {
    FROZEN.with(|f| {
        let mut f = f.borrow_mut();
        match f.0 {
            Mode::PassThrough => v,
            Mode::Record => {
                f.1.push(v);
                v
            }
            Mode::Replay => {
                let k = f.2;
                f.2 += 1;
                f.1.get(k).copied().unwrap_or(v)
            }
        }
    })
}

/// Evaluates `g` at the base point, recording its detached values.
fn record(g: &dyn Fn(&[f64], f64) -> f64, x: &[f64], a: f64) {
    FROZEN.with(|f| *f.borrow_mut() = (Mode::Record, Vec::new(), 0));
    g(x, a);
    FROZEN.with(|f| f.borrow_mut().0 = Mode::PassThrough);
}

/// `g` with the detached values of the base point.
fn replay(g: &dyn Fn(&[f64], f64) -> f64, x: &[f64], a: f64) -> f64 {
    FROZEN.with(|f| {
        let mut f = f.borrow_mut();
        f.0 = Mode::Replay;
        f.2 = 0;
    });
    let v = g(x, a);
    FROZEN.with(|f| f.borrow_mut().0 = Mode::PassThrough);
    v
}

pub struct Scalar {
    index: usize,
    source: &'static str,
    f: fn(&[f64], f64) -> f64,
    grad: fn(&[f64], f64) -> (f64, (Vec<f64>, f64)),
    vjp: fn(&[f64], f64, f64, &mut [f64], &mut f64) -> f64,
    reverse: fn(&[f64], f64, f64, &mut [f64], &mut f64),
}

pub struct Vector {
    index: usize,
    source: &'static str,
    f: fn(&[f64], f64) -> Vec<f64>,
    vjp: fn(&[f64], f64, &[f64], &mut [f64], &mut f64) -> Vec<f64>,
    reverse: fn(&[f64], f64, &[f64], &mut [f64], &mut f64),
}

include!(concat!(env!("OUT_DIR"), "/programs.rs"));

use random_programs::generator::Rng;

/// Central difference of `g` along the direction `(t, ta)`, with step `h`.
fn directional(
    g: &dyn Fn(&[f64], f64) -> f64,
    x: &[f64],
    a: f64,
    t: &[f64],
    ta: f64,
    h: f64,
) -> f64 {
    let xp: Vec<f64> = x.iter().zip(t).map(|(v, d)| v + h * d).collect();
    let xm: Vec<f64> = x.iter().zip(t).map(|(v, d)| v - h * d).collect();
    (replay(g, &xp, a + h * ta) - replay(g, &xm, a - h * ta)) / (2.0 * h)
}

/// Compares an AD directional derivative with finite differences. Where the
/// two step sizes disagree, the stencil straddles a non-smooth point (a
/// branch, `max`), and where they are not finite the function overflows:
/// the comparison says nothing there and is skipped.
fn agrees(
    ad: f64,
    g: &dyn Fn(&[f64], f64) -> f64,
    x: &[f64],
    a: f64,
    t: &[f64],
    ta: f64,
) -> Result<(), String> {
    record(g, x, a);
    let fd1 = directional(g, x, a, t, ta, 1e-5);
    let fd2 = directional(g, x, a, t, ta, 1e-6);
    let scale = 1.0 + fd2.abs();
    // Where the function overflows nearby, finite differences say nothing.
    let kink = !(fd1.is_finite() && fd2.is_finite()) || (fd1 - fd2).abs() > 1e-4 * scale;
    COUNTS.with(|c| {
        let mut c = c.borrow_mut();
        c.0 += 1;
        c.1 += usize::from(kink);
    });
    if kink {
        return Ok(());
    }
    if (ad - fd2).abs() <= 1e-5 * scale || (ad - fd1).abs() <= 1e-5 * scale {
        Ok(())
    } else {
        Err(format!(
            "AD {ad} vs finite differences {fd2} (h = 1e-6), {fd1} (h = 1e-5)"
        ))
    }
}

/// A value this large (a loop squaring a carried value, say) absorbs
/// perturbations of the inputs in rounding, so finite differences cannot
/// resolve its gradient: the point is skipped, and counted.
fn ill_conditioned(values: &[f64]) -> bool {
    let bad = values.iter().any(|v| !(v.abs() < 1e6));
    if bad {
        COUNTS.with(|c| c.borrow_mut().2 += 1);
    }
    bad
}

fn point(rng: &mut Rng) -> (Vec<f64>, f64) {
    (
        (0..4).map(|_| rng.uniform(-1.0, 1.0)).collect(),
        rng.uniform(-1.0, 1.0),
    )
}

/// The companion's `reverse` gives what `_vjp` gives.
fn same_gradient(rx: &[f64], ra: f64, gx: &[f64], ga: f64) -> Result<(), String> {
    let close =
        |r: f64, g: f64| (r - g).abs() <= 1e-12 * (1.0 + g.abs()) || (r.is_nan() && g.is_nan());
    if rx.iter().zip(gx).all(|(r, g)| close(*r, *g)) && close(ra, ga) {
        Ok(())
    } else {
        Err(format!(
            "the companion's `reverse` gave {rx:?}, {ra}; `_vjp` gave {gx:?}, {ga}"
        ))
    }
}

fn check_scalar(p: &Scalar, rng: &mut Rng) -> Result<(), String> {
    for _ in 0..3 {
        let (x, a) = point(rng);
        let (v, (gx, ga)) = (p.grad)(&x, a);
        let v0 = (p.f)(&x, a);
        if v.to_bits() != v0.to_bits() {
            return Err(format!(
                "value {v} differs from the primal's {v0} at x = {x:?}, a = {a}"
            ));
        }
        if ill_conditioned(&[v0]) {
            continue;
        }
        // Each component, then a random direction.
        for k in 0..5 {
            let mut t = vec![0.0; 4];
            let ta = if k < 4 {
                t[k] = 1.0;
                0.0
            } else {
                1.0
            };
            let ad = if k < 4 { gx[k] } else { ga };
            agrees(ad, &p.f, &x, a, &t, ta).map_err(|e| {
                format!(
                    "∂/∂{} at x = {x:?}, a = {a}: {e}",
                    if k < 4 { format!("x[{k}]") } else { "a".into() }
                )
            })?;
        }
        // The vjp scales by the seed and adds into the buffers.
        let s = rng.uniform(-2.0, 2.0);
        let (mut bx, mut ba) = (vec![1.0; 4], 1.0);
        let v1 = (p.vjp)(&x, a, s, &mut bx, &mut ba);
        if v1.to_bits() != v0.to_bits() {
            return Err("the vjp's value differs from the primal's".into());
        }
        for (b, g) in bx.iter().zip(&gx).chain(std::iter::once((&ba, &ga))) {
            if (b - (1.0 + s * g)).abs() > 1e-12 * (1.0 + (s * g).abs()) {
                return Err(format!(
                    "vjp with seed {s} into buffers of ones gave {b}, expected {}",
                    1.0 + s * g
                ));
            }
        }
        // The companion's `reverse` (what callers run) agrees.
        let (mut rx, mut ra) = (vec![1.0; 4], 1.0);
        (p.reverse)(&x, a, s, &mut rx, &mut ra);
        same_gradient(&rx, ra, &bx, ba)?;
        // Dot-product identity in a random direction.
        let t: Vec<f64> = (0..4).map(|_| rng.uniform(-1.0, 1.0)).collect();
        let ta = rng.uniform(-1.0, 1.0);
        let ad: f64 = gx.iter().zip(&t).map(|(g, d)| g * d).sum::<f64>() + ga * ta;
        agrees(ad, &p.f, &x, a, &t, ta)
            .map_err(|e| format!("⟨∇f, t⟩ at x = {x:?}, a = {a}: {e}"))?;
    }
    Ok(())
}

fn check_vector(p: &Vector, rng: &mut Rng) -> Result<(), String> {
    for _ in 0..3 {
        let (x, a) = point(rng);
        let y0 = (p.f)(&x, a);
        let u: Vec<f64> = (0..y0.len()).map(|_| rng.uniform(-1.0, 1.0)).collect();
        let (mut gx, mut ga) = (vec![0.0; 4], 0.0);
        let y = (p.vjp)(&x, a, &u, &mut gx, &mut ga);
        if y.iter().zip(&y0).any(|(p, q)| p.to_bits() != q.to_bits()) {
            return Err(format!("value {y:?} differs from the primal's {y0:?}"));
        }
        let (mut rx, mut ra) = (vec![0.0; 4], 0.0);
        (p.reverse)(&x, a, &u, &mut rx, &mut ra);
        same_gradient(&rx, ra, &gx, ga)?;
        if ill_conditioned(&y0) {
            continue;
        }
        // ⟨vjp(u), t⟩ = ⟨u, J·t⟩, with ⟨u, f⟩ differentiated numerically.
        let t: Vec<f64> = (0..4).map(|_| rng.uniform(-1.0, 1.0)).collect();
        let ta = rng.uniform(-1.0, 1.0);
        let ad: f64 = gx.iter().zip(&t).map(|(g, d)| g * d).sum::<f64>() + ga * ta;
        let uf = |x: &[f64], a: f64| (p.f)(x, a).iter().zip(&u).map(|(y, w)| y * w).sum::<f64>();
        agrees(ad, &uf, &x, a, &t, ta)
            .map_err(|e| format!("dot-product identity at x = {x:?}, a = {a}: {e}"))?;
    }
    Ok(())
}

#[test]
fn generated_gradients_match_finite_differences() {
    let mut rng = Rng::new(SEED ^ 0x5EED);
    let mut failures = Vec::new();
    for p in SCALAR {
        if let Err(e) = check_scalar(p, &mut rng) {
            failures.push(format!(
                "program p{} (seed {SEED}): {e}\n{}",
                p.index, p.source
            ));
        }
    }
    for p in VECTOR {
        if let Err(e) = check_vector(p, &mut rng) {
            failures.push(format!(
                "program p{} (seed {SEED}): {e}\n{}",
                p.index, p.source
            ));
        }
    }
    let total = SCALAR.len() + VECTOR.len();
    let (made, skipped, ill) = COUNTS.with(|c| *c.borrow());
    println!(
        "{total} programs from seed {SEED}: {} scalar, {} vector-valued; {made} comparisons, \
         {skipped} skipped at non-smooth or overflowing points, {ill} ill-conditioned points skipped",
        SCALAR.len(),
        VECTOR.len()
    );
    println!(
        "{total} programs from seed {SEED}: {} scalar, {} vector-valued; {made} comparisons, {skipped} skipped at non-smooth or overflowing points",
        SCALAR.len(),
        VECTOR.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {total} programs failed:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}
