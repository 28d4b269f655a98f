//! Iterator chains and closures inside differentiated functions: `for` over
//! `iter()`, `&x`, `enumerate`, `zip`, `rev`; the reductions `sum`,
//! `product`, `fold` with closures and function paths — each against central
//! differences, and f32.

mod common;
use autodiff::differentiate;
use common::check;

#[differentiate]
fn for_iter(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for xi in x.iter() {
        s += xi * xi.sin();
    }
    for &xi in x {
        s += xi.exp();
    }
    for xi in x {
        s -= *xi * 0.5;
    }
    s
}

#[test]
fn for_over_iter_reference_and_slice() {
    let x = [0.3, -1.1, 2.0, 0.7];
    let (v, g) = for_iter_grad(&x);
    assert_eq!(v, for_iter(&x));
    check(for_iter, &x, &g);
}

#[differentiate]
fn weighted(w: &[f64], x: &[f64]) -> f64 {
    let mut s = 0.0;
    for (i, &xi) in x.iter().enumerate() {
        s += w[i] * xi * (i as f64 + 1.0);
    }
    for (wi, xi) in w.iter().zip(x.iter()) {
        s += wi.tanh() * xi;
    }
    for (k, (a, b)) in w.iter().zip(x).enumerate() {
        if k % 2 == 0 {
            s += a * b * b;
        }
    }
    s
}

#[test]
fn enumerate_and_zip() {
    let (w, x) = ([0.5, -0.2, 1.3], [1.0, 2.0, -0.5]);
    let (v, (dw, dx)) = weighted_grad(&w, &x);
    assert_eq!(v, weighted(&w, &x));
    check(|p| weighted(p, &x), &w, &dw);
    check(|p| weighted(&w, p), &x, &dx);
}

/// A running recurrence: order matters, so `rev` must really reverse.
#[differentiate]
fn horner(c: &[f64], t: f64) -> f64 {
    let mut p = 0.0;
    for ci in c.iter().rev() {
        p = p * t + ci;
    }
    let mut q = 0.0;
    for (i, ci) in c.iter().rev().enumerate() {
        q += ci * t.powi(i as i32);
    }
    let mut r = 0.0;
    for (i, ci) in c.iter().enumerate().rev() {
        r = r * t + ci * (i as f64);
    }
    p + q.sin() + r
}

#[test]
fn rev_before_and_after_enumerate() {
    let (c, t) = ([1.0, -2.0, 0.5, 3.0], 0.8);
    let (v, (dc, dt)) = horner_grad(&c, t);
    assert_eq!(v, horner(&c, t));
    check(|p| horner(p, t), &c, &dc);
    check(|p| horner(&c, p[0]), &[t], &[dt]);
    // Horner from the last coefficient: p = c₀ + c₁t + c₂t² + c₃t³.
    let p = |t: f64| c[0] + c[1] * t + c[2] * t * t + c[3] * t * t * t;
    let q: f64 = (0..4).map(|i| c[3 - i] * t.powi(i as i32)).sum();
    let r = |t: f64| 3.0 * c[3] * t * t * t + 2.0 * c[2] * t * t + c[1] * t;
    assert!((v - (p(t) + q.sin() + r(t))).abs() < 1e-12);
}

#[differentiate]
fn reductions(x: &[f64], y: &[f64]) -> f64 {
    let s = x.iter().sum::<f64>();
    let sq: f64 = x.iter().map(|v| v * v).sum();
    let d = x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
    let p = x.iter().product::<f64>();
    let m = x.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    let m2 = y.iter().copied().fold(f64::INFINITY, f64::min);
    let e = (0..x.len()).map(|i| x[i] * y[i].exp()).sum::<f64>();
    let typed = x.iter().fold(0.0, |a: f64, b| a.max(*b) + 0.5 * b);
    let chained = x.iter().map(|v| v * v).sum::<f64>().ln() + (y.iter().product::<f64>()).abs();
    s + sq.sqrt() + d + p + m * m2 + e + typed + chained
}

#[test]
fn sum_map_sum_zip_product_fold() {
    let (x, y) = ([0.4, -1.2, 2.5], [1.5, 0.3, -0.7]);
    let (v, (dx, dy)) = reductions_grad(&x, &y);
    assert_eq!(v, reductions(&x, &y));
    check(|p| reductions(p, &y), &x, &dx);
    check(|p| reductions(&x, p), &y, &dy);
}

/// Closures with statements, captured locals, nested chains, rows.
#[differentiate]
fn closures(m: &[Vec<f64>], w: &[f64], scale: f64) -> f64 {
    let shift = scale * 0.5;
    let mut total = 0.0;
    for row in m.iter() {
        let z = row.iter().zip(w).map(|(a, b)| a * b).sum::<f64>();
        total += (z + shift).tanh();
    }
    let norm2 = m
        .iter()
        .map(|row| row.iter().map(|v| v * v).sum::<f64>())
        .sum::<f64>();
    let soft = w.iter().fold(0.0, |acc, wi| {
        let t = wi * scale;
        acc + (1.0 + t.exp()).ln()
    });
    total + norm2 + soft
}

#[test]
fn closures_rows_and_nested_chains() {
    let m = vec![vec![0.2, -0.4], vec![1.0, 0.7], vec![-0.3, 0.9]];
    let (w, scale) = ([0.6, -1.1], 0.9);
    let (v, (dm, dw, ds)) = closures_grad(&m, &w, scale);
    assert_eq!(v, closures(&m, &w, scale));
    let flat: Vec<f64> = m.concat();
    let unflat = |p: &[f64]| p.chunks(2).map(|c| c.to_vec()).collect::<Vec<_>>();
    check(|p| closures(&unflat(p), &w, scale), &flat, &dm.concat());
    check(|p| closures(&m, p, scale), &w, &dw);
    check(|p| closures(&m, &w, p[0]), &[scale], &[ds]);
}

/// A loop variable shadowed inside the body, `break`, and a local buffer
/// iterated by reference.
#[differentiate]
fn shadowing(x: &[f64]) -> f64 {
    let mut y = vec![0.0; x.len()];
    for (i, xi) in x.iter().enumerate() {
        y[i] = xi * xi;
    }
    let mut s = 0.0;
    for yi in &y {
        let yi = yi + 1.0;
        if s > 10.0 {
            break;
        }
        s += yi.ln();
    }
    s
}

#[test]
fn shadowed_names_break_and_local_buffers() {
    let x = [0.5, 1.5, -2.0, 3.0];
    let (v, g) = shadowing_grad(&x);
    assert_eq!(v, shadowing(&x));
    check(shadowing, &x, &g);
}

#[differentiate]
fn single_f32(x: &[f32]) -> f32 {
    x.iter().map(|v| v.sin()).sum::<f32>() + x.iter().fold(0.0, |a, b| a + b * b)
}

#[test]
fn f32_chains() {
    let x = [0.25f32, -0.5, 1.0];
    let (_, g) = single_f32_grad(&x);
    for i in 0..3 {
        let want = x[i].cos() + 2.0 * x[i];
        assert!((g[i] - want).abs() < 1e-5, "{} vs {}", g[i], want);
    }
}

#[differentiate]
fn printing(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for (i, xi) in x.iter().enumerate() {
        println!("x[{i}] = {xi}, {}", xi * 2.0);
        s += xi;
    }
    s
}

#[test]
fn elements_in_print() {
    let (v, g) = printing_grad(&[1.0, 2.0]);
    assert_eq!(v, 3.0);
    assert_eq!(g, vec![1.0, 1.0]);
}

const WEIGHTS: [f64; 3] = [0.5, -1.5, 2.0];

// Chains over a constant from outside the function: its elements are
// constants, read as written.
#[differentiate]
fn outer_weights(x: &[f64]) -> f64 {
    let quadratic = WEIGHTS
        .iter()
        .zip(x)
        .map(|(w, xi)| w * xi * xi)
        .sum::<f64>();
    let mut s = 0.0;
    for (i, &w) in WEIGHTS.iter().enumerate() {
        s += w * x[i].sin();
    }
    quadratic + s
}

#[test]
fn chains_over_an_outer_constant() {
    let x = [0.3, -1.2, 0.8];
    let (v, d) = outer_weights_grad(&x);
    assert_eq!(v, outer_weights(&x));
    check(outer_weights, &x, &d);
}
