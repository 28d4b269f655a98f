//! Calls between differentiated functions: scalar, slice, array and vector
//! arguments and results, active and constant arguments mixed, a caller's
//! `wrt` different from the callee's, paths and imports, recursion, mutual
//! recursion, and a three-level chain — each against central differences.

mod common;
use autodiff::differentiate;
use common::check;

#[differentiate]
fn square(x: f64) -> f64 {
    x * x
}

#[differentiate]
fn scalar_calls(x: f64, y: f64) -> f64 {
    square(x) * y + square(x * y).sin()
}

#[test]
fn scalar_arguments_and_results() {
    let (x, y) = (0.7, -1.3);
    let (v, (dx, dy)) = scalar_calls_grad(x, y);
    assert_eq!(v, scalar_calls(x, y));
    check(|p| scalar_calls(p[0], p[1]), &[x, y], &[dx, dy]);
}

#[differentiate]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..a.len() {
        s += a[i] * b[i];
    }
    s
}

#[differentiate]
fn slice_calls(x: &[f64]) -> f64 {
    let v = vec![x[0] * 2.0, x[1].exp(), x[2]];
    dot(x, &v) + dot(&v, &v).sqrt()
}

#[test]
fn slice_arguments_by_reference_and_as_parameters() {
    let x = [0.3, -0.4, 1.2];
    let (v, g) = slice_calls_grad(&x);
    assert_eq!(v, slice_calls(&x));
    check(slice_calls, &x, &g);
}

#[differentiate]
fn scaled(x: &[f64], s: f64) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    for i in 0..x.len() {
        out[i] = x[i] * s + x[i].sin();
    }
    out
}

#[differentiate]
fn vector_results(x: &[f64], s: f64) -> f64 {
    let y = scaled(x, s);
    let z: Vec<f64> = scaled(&y, 0.5);
    y[0] * y[1] + dot(&z, &y)
}

#[test]
fn vector_results_indexed_and_passed_on() {
    let (x, s) = ([0.5, -1.5, 2.0], 1.7);
    let (v, (gx, gs)) = vector_results_grad(&x, s);
    assert_eq!(v, vector_results(&x, s));
    let mut g = gx.clone();
    g.push(gs);
    check(|p| vector_results(&p[..3], p[3]), &[0.5, -1.5, 2.0, s], &g);
}

#[differentiate(wrt(a))]
fn only_a(a: f64, b: f64) -> f64 {
    a * b + b.sin() * b
}

#[differentiate(wrt(y))]
fn through_b(x: f64, y: f64) -> f64 {
    only_a(x, y) + only_a(y, x)
}

#[test]
fn a_callee_wrt_does_not_limit_the_caller() {
    let (x, y) = (0.9, 2.1);
    let (_, dy) = through_b_grad(x, y);
    check(|p| through_b(x, p[0]), &[y], &[dy]);
}

#[differentiate]
fn affine(w: &[f64], x: &[f64], b: f64, n: usize) -> f64 {
    let mut s = b;
    for i in 0..n {
        s += w[i] * x[i];
    }
    s.tanh()
}

#[differentiate(wrt(w))]
fn mixed(w: &[f64], data: &[Vec<f64>]) -> f64 {
    let mut total = 0.0;
    for r in 0..data.len() {
        total += affine(w, &data[r], 0.5, w.len());
    }
    total
}

#[test]
fn active_and_constant_arguments_mixed_in_a_loop() {
    let w = [0.2, -0.7];
    let data = vec![vec![1.0, 2.0], vec![-0.5, 0.3], vec![0.0, 1.0]];
    let (v, g) = mixed_grad(&w, &data);
    assert_eq!(v, mixed(&w, &data));
    check(|p| mixed(p, &data), &w, &g);
}

#[differentiate]
fn row_calls(m: &[Vec<f64>], c: f64) -> f64 {
    let mut s = 0.0;
    for r in 0..m.len() {
        if m[r][0] > 0.0 {
            s += dot(&m[r], &m[r]) * c;
        } else {
            s -= affine(&m[r], &m[r], c, 2);
        }
    }
    s
}

#[test]
fn rows_passed_one_by_one_in_branches() {
    let m = vec![vec![1.0, 2.0], vec![-0.5, 0.3]];
    let (_, (gm, gc)) = row_calls_grad(&m, 0.8);
    let flat = |p: &[f64]| vec![p[..2].to_vec(), p[2..4].to_vec()];
    let mut g: Vec<f64> = gm.concat();
    g.push(gc);
    check(
        |p| row_calls(&flat(p), p[4]),
        &[1.0, 2.0, -0.5, 0.3, 0.8],
        &g,
    );
}

#[differentiate]
fn norm3(v: &[f64; 3]) -> f64 {
    (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
}

#[differentiate]
fn array_calls(a: [f64; 3]) -> f64 {
    let b = [a[0] * a[1], a[2], 1.0];
    norm3(&a) * norm3(&b)
}

#[test]
fn array_arguments() {
    let a = [0.4, 1.1, -0.6];
    let (_, g) = array_calls_grad(a);
    check(|p| array_calls([p[0], p[1], p[2]]), &a, &g);
}

#[differentiate]
fn power(x: f64, n: u32) -> f64 {
    if n == 0 {
        1.0
    } else {
        x * power(x, n - 1)
    }
}

#[test]
fn recursion_x_to_the_fifth() {
    let x = 1.3_f64;
    let (v, d) = power_grad(x, 5);
    assert_eq!(v, power(x, 5));
    assert!((v - x.powi(5)).abs() < 1e-12);
    assert!((d - 5.0 * x.powi(4)).abs() < 1e-12);
    assert_eq!(power_grad(x, 0).1, 0.0);
}

#[differentiate]
fn ping(x: f64, n: u32) -> f64 {
    if n == 0 {
        x
    } else {
        pong(x, n - 1).sin() + x
    }
}

#[differentiate]
fn pong(x: f64, n: u32) -> f64 {
    if n == 0 {
        x * x
    } else {
        ping(x * 0.5, n - 1) * x
    }
}

#[test]
fn mutual_recursion() {
    for n in 0..6 {
        let x = 0.8;
        let (_, d) = ping_grad(x, n);
        check(|p| ping(p[0], n), &[x], &[d]);
    }
}

mod geometry {
    use autodiff::differentiate;

    #[differentiate]
    pub fn dist(a: &[f64], b: &[f64]) -> f64 {
        let mut s = 0.0;
        for i in 0..a.len() {
            let d = a[i] - b[i];
            s += d * d;
        }
        s.sqrt()
    }

    #[differentiate]
    pub fn norm(a: &[f64]) -> f64 {
        let zero = vec![0.0; a.len()];
        dist(a, &zero)
    }
}

use geometry::norm;

#[differentiate]
fn level_three(x: f64) -> f64 {
    (x * 3.0).cos() + x
}

#[differentiate]
fn level_two(x: f64, y: f64) -> f64 {
    level_three(x * y) * level_three(y)
}

#[differentiate]
fn level_one(p: &[f64]) -> f64 {
    let q = vec![p[1], p[0]];
    level_two(p[0], p[1]) + geometry::dist(p, &q) + norm(p)
}

#[test]
fn a_three_level_chain_through_paths_and_imports() {
    let p = [0.3, 1.7];
    let (v, g) = level_one_grad(&p);
    assert_eq!(v, level_one(&p));
    check(level_one, &p, &g);
}

#[test]
fn vjp_of_a_caller_accumulates_and_scales() {
    let p = [0.3, 1.7];
    let (_, g) = level_one_grad(&p);
    let mut d = vec![1.0, -1.0];
    level_one_vjp(&p, 2.0, &mut d);
    assert!((d[0] - (1.0 + 2.0 * g[0])).abs() < 1e-12);
    assert!((d[1] - (-1.0 + 2.0 * g[1])).abs() < 1e-12);
}

#[differentiate]
fn cube32(x: f32) -> f32 {
    x * x * x
}

#[differentiate]
fn calls32(x: f32) -> f32 {
    cube32(x.sin()) + x
}

#[test]
fn f32_calls() {
    let x = 0.6_f32;
    let (_, d) = calls32_grad(x);
    let want = 3.0 * x.sin().powi(2) * x.cos() + 1.0;
    assert!((d - want).abs() < 1e-5, "{d} vs {want}");
}

// ---- a call's result passed by reference to another call ---------------

#[differentiate]
fn doubled(y: &[f64]) -> Vec<f64> {
    let mut z = vec![0.0; y.len()];
    for i in 0..y.len() {
        z[i] = 2.0 * y[i] * y[i];
    }
    z
}

#[differentiate]
fn weighted(y: &[f64], w: f64) -> f64 {
    y[0] * w + y[1].sin()
}

#[differentiate]
fn nested_by_reference(x: &[f64], w: f64) -> f64 {
    weighted(&doubled(&doubled(x)), w) + weighted(&vec![x[1], w], 2.0) + weighted(&[w, x[0]], w)
}

#[test]
fn a_call_result_passed_by_reference() {
    let (x, w) = ([0.7, -0.4], 1.3);
    let (v, (dx, dw)) = nested_by_reference_grad(&x, w);
    assert_eq!(v, nested_by_reference(&x, w));
    check(|p| nested_by_reference(p, w), &x, &dx);
    check(|p| nested_by_reference(&x, p[0]), &[w], &[dw]);
}

/// A recursion that branches four ways, seven deep: 21 845 calls, more
/// pullbacks than are kept at once. The deep ones run their forward sweep
/// again in the reverse sweep; the gradient is the same.
#[differentiate(wrt(x))]
fn fan(x: &[f64], depth: usize) -> f64 {
    if depth == 0 {
        return x[0].sin() * x[1];
    }
    let mut s = 0.0;
    for k in 0..4 {
        s += fan(x, depth - 1) * (x[k % x.len()] * 0.3).cos();
    }
    s
}

#[test]
fn a_branching_recursion_past_the_kept_pullbacks() {
    let x = [0.7, -0.4, 1.3];
    let (v, g) = fan_grad(&x, 7);
    assert!((v - fan(&x, 7)).abs() <= 1e-12 * v.abs().max(1.0));
    check(|x| fan(x, 7), &x, &g);
}

// A callee that calls another differentiated function is split (its
// `forward` keeps a closure); its result, a local buffer, is moved to the
// caller and the caller's seed is that buffer's adjoint.
#[differentiate]
fn squares(x: &[f64], s: f64) -> Vec<f64> {
    let mut z = vec![0.0; x.len()];
    for i in 0..x.len() {
        z[i] = square(x[i]) * s;
    }
    z
}

// The same, but its reverse sweep reads the buffer (`z[0]` in the product),
// so the closure keeps it and the caller gets a copy.
#[differentiate]
fn squares_chained(x: &[f64], s: f64) -> Vec<f64> {
    let mut z = vec![0.0; x.len()];
    for i in 0..x.len() {
        z[i] = square(x[i]) + s;
    }
    z[1] = z[0] * z[1];
    z
}

#[differentiate]
fn through_split_buffers(x: &[f64], s: f64) -> f64 {
    let mut total = 0.0;
    for k in 0..3 {
        let w = k as f64 + 0.5;
        let a = squares(x, s * w);
        let b = squares_chained(&a, w);
        total += a[k] * b[2 - k] + b[0];
    }
    total
}

#[test]
fn split_callees_return_their_buffers() {
    let (x, s) = ([0.4, -0.9, 1.3], 0.8);
    let mut dx = vec![0.0; 3];
    let mut ds = 0.0;
    let v = through_split_buffers_vjp(&x, s, 1.0, &mut dx, &mut ds);
    assert_eq!(v, through_split_buffers(&x, s));
    check(
        |p| through_split_buffers(&p[..3], p[3]),
        &[x[0], x[1], x[2], s],
        &[dx[0], dx[1], dx[2], ds],
    );
}

/// `a·b + sin a`, element by element.
#[differentiate]
fn blend(a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut z = vec![0.0; a.len()];
    for i in 0..a.len() {
        z[i] = a[i] * b[i] + a[i].sin();
    }
    z
}

/// Rows rewritten by calls, of `lengths[t]` elements in iteration `t`: a
/// call's seed is a copy of a row's adjoint, and a row passed next to
/// another row of the same variable gets a scratch adjoint. Both copies
/// live in storage kept from one iteration to the next, which must take
/// each new length. A row or buffer a call reads and replaces is saved by
/// moving it out.
#[differentiate(wrt(x))]
fn changing_rows(x: &[f64], lengths: &[usize]) -> f64 {
    let n = x.len();
    let mut rows = vec![vec![0.0; n]; 2];
    let mut total = 0.0;
    for t in 0..lengths.len() {
        let k = lengths[t];
        let mut a = vec![0.0; k];
        for i in 0..k {
            a[i] = x[i] * x[(i + t) % n];
        }
        rows[1] = blend(&a, &a);
        rows[0] = blend(&rows[1], &a);
        rows[1] = blend(&rows[0], &rows[1]);
        a = blend(&a, &rows[1]);
        for i in 0..k {
            total += rows[1][i] * x[(i + 1) % n] + a[i];
        }
    }
    total
}

/// The same, its calls one loop deeper: the outer loop is taped, not
/// checkpointed (`changing_rows`'s is).
#[differentiate(wrt(x))]
fn changing_rows_nested(x: &[f64], lengths: &[usize]) -> f64 {
    let n = x.len();
    let mut rows = vec![vec![0.0; 1]; 2];
    let mut total = 0.0;
    for t in 0..lengths.len() {
        let k = lengths[t];
        let mut a = vec![0.0; k];
        for i in 0..k {
            a[i] = x[i] * x[(i + t) % n];
        }
        for _ in 0..2 {
            rows[1] = blend(&a, &a);
            rows[0] = blend(&rows[1], &a);
            rows[1] = blend(&rows[0], &rows[1]);
            a = blend(&a, &rows[1]);
            for i in 0..k {
                a[i] *= 0.5;
            }
        }
        for i in 0..k {
            total += rows[1][i] * x[(i + 1) % n];
        }
    }
    total
}

#[test]
fn temporary_adjoints_take_each_iterations_length() {
    let x = [0.4, -0.7, 0.9, 0.2, -0.3];
    let lengths = [1, 4, 0, 2, 5, 3, 3, 1];
    let (_, gx) = changing_rows_grad(&x, &lengths);
    check(|x| changing_rows(x, &lengths), &x, &gx);
    let (_, gx) = changing_rows_nested_grad(&x, &lengths);
    check(|x| changing_rows_nested(x, &lengths), &x, &gx);
}

/// A buffer overwritten by a call's result of another length, its old
/// value read before but not after: its adjoint goes back to the old
/// (longer) length and holds nothing of the new value's.
#[differentiate(wrt(x))]
fn regrown(x: &[f64]) -> f64 {
    let n = x.len();
    let mut a = vec![0.0; n - 1];
    for i in 0..n - 1 {
        a[i] = x[i] * x[i + 1];
    }
    let mut y = blend(x, x);
    let s = y[0] * y[n - 1];
    y = blend(&a, &a);
    s + y[0]
}

#[test]
fn an_overwritten_buffer_of_another_length() {
    let x = [0.4, -0.7, 0.9, 0.2];
    let (_, gx) = regrown_grad(&x);
    check(regrown, &x, &gx);
}

// ---- arguments computed for the call, passed by value or by reference -----

#[differentiate]
fn by_value(v: Vec<f64>) -> f64 {
    v[0] * v[1] + v[1].sin()
}

#[differentiate]
fn pair(v: [f64; 2]) -> f64 {
    v[0] * v[1].exp()
}

#[differentiate]
fn borrowed_pair(v: &[f64]) -> f64 {
    v[0] / (1.0 + v[1] * v[1])
}

#[differentiate]
fn temporaries(x: &[f64]) -> f64 {
    let y = x.to_vec();
    let mut s = by_value(x.to_vec()) + by_value(y) + by_value(vec![x[1], x[0] * 2.0]);
    s += pair([x[0], x[1]]) + pair([x[1]; 2]) + borrowed_pair(&[x[0], x[1] * 3.0]);
    for i in 0..2 {
        s += pair([x[i], x[1 - i]]) * borrowed_pair(&vec![x[1 - i]; 2]);
    }
    s
}

#[test]
fn arguments_computed_for_the_call() {
    let x = [0.7, -0.4];
    check(temporaries, &x, &temporaries_grad(&x).1);
}

// ---- calls' results gathered in a list -------------------------------------

#[differentiate]
fn listed(x: &[f64]) -> f64 {
    let b = vec![square(x[0]), x[1]];
    let a = [square(x[1]), x[0]];
    let c = vec![square(x[1]); 2];
    let d = vec![square(x[0]), square(x[1])];
    let t = if x[0] > 0.0 { b[0] } else { b[1] };
    let u = match x.len() {
        2 => a[0] * c[1],
        _ => a[1],
    };
    let w = { d[1] };
    (if x[1] > 0.0 { t } else { u }) * 2.0 + w * t
}

#[differentiate]
fn listed_result(x: &[f64]) -> Vec<f64> {
    let v = vec![square(x[0]), x[1]];
    if x[0] > 0.0 {
        v
    } else {
        vec![x[1], x[0]]
    }
}

#[test]
fn calls_results_in_a_list() {
    for x in [[0.7, -0.4], [-0.3, 0.8]] {
        check(listed, &x, &listed_grad(&x).1);
        let seed = [0.6, -1.3];
        let mut g = [0.0; 2];
        listed_result_vjp(&x, &seed, &mut g);
        let dot =
            |p: &[f64]| -> f64 { listed_result(p).iter().zip(&seed).map(|(a, b)| a * b).sum() };
        check(dot, &x, &g);
    }
}

/// A row computed by a call, bound first and stored whole in a row.
#[differentiate]
fn layer(h: &[f64], u: f64) -> Vec<f64> {
    vec![h[0] * u, h[1] * u.sin()]
}

#[differentiate]
fn stacked(x: &[f64]) -> f64 {
    let mut state = vec![vec![0.1; 2], vec![0.2, x[1]]];
    for step in 0..2 {
        let z = layer(&state[1], x[step]);
        state[0] = z;
        let w = layer(&state[0], x[1 - step]);
        state[1] = w.clone();
    }
    state[0][0] * state[1][1] + state[1][0]
}

#[test]
fn a_call_result_stored_as_a_row() {
    let x = [0.7, -0.4];
    check(stacked, &x, &stacked_grad(&x).1);
}
