//! Local buffers: `vec![..; n]`, `[..; N]`, `Vec::with_capacity` + `push`,
//! indexed and compound writes, and vector results through `_vjp`.
#![allow(dead_code)]
mod common;
use approx::assert_relative_eq;
use autodiff::differentiate;
use common::check;

/// `f_grad` at `x` gives `f`'s value and a gradient that matches central
/// differences.
#[track_caller]
fn value_and_gradient(f: fn(&[f64]) -> f64, f_grad: fn(&[f64]) -> (f64, Vec<f64>), x: &[f64]) {
    let (v, g) = f_grad(x);
    assert_eq!(v, f(x));
    check(f, x, &g);
}

#[differentiate]
fn prefix_sums(x: &[f64]) -> f64 {
    let n = x.len();
    let mut c = vec![0.0; n];
    c[0] = x[0];
    for i in 1..n {
        c[i] = c[i - 1] * 0.5 + x[i] * x[i];
    }
    let mut s = 0.0;
    for i in 0..n {
        s += c[i] * c[i];
    }
    s
}

#[test]
fn a_local_buffer_written_then_read() {
    let x = [0.5, -1.0, 2.0, 0.3];
    value_and_gradient(prefix_sums, prefix_sums_grad, &x);
}

#[differentiate]
fn overwrite_in_place(x: &[f64]) -> f64 {
    let mut v = [0.0; 3];
    for k in 0..4 {
        for i in 0..3 {
            v[i] = v[i] * x[i] + x[(i + k) % 3];
            v[i] += 0.1 * v[(i + 1) % 3];
        }
    }
    v[0] * v[1] - v[2]
}

#[test]
fn elements_overwritten_many_times() {
    let x = [0.5, -0.8, 0.3];
    value_and_gradient(overwrite_in_place, overwrite_in_place_grad, &x);
}

#[differentiate]
fn pushed(x: &[f64]) -> f64 {
    let mut v = Vec::with_capacity(x.len());
    for i in 0..x.len() {
        v.push(x[i].sin() * 2.0);
    }
    let mut w = Vec::new();
    w.push(v[0] * v[1]);
    let mut s = 0.0;
    for i in 0..v.len() {
        s += v[i] * x[i] + w[0];
    }
    s
}

#[test]
fn with_capacity_and_push() {
    let x = [0.2, 0.9, -0.4];
    let (val, g) = pushed_grad(&x);
    assert_eq!(val, pushed(&x));
    check(pushed, &x, &g);
}

#[differentiate]
fn map_sin(x: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; x.len()];
    for i in 0..x.len() {
        y[i] = x[i].sin() * x[(i + 1) % x.len()];
    }
    y
}

#[test]
fn vector_result_vjp_is_a_row_of_the_jacobian_per_unit_seed() {
    let x = [0.3, -1.2, 0.8];
    let n = x.len();
    for r in 0..n {
        let mut seed = vec![0.0; n];
        seed[r] = 1.0;
        let mut g = vec![0.0; n];
        let y = map_sin_vjp(&x, &seed, &mut g);
        assert_eq!(y, map_sin(&x));
        check(|p| map_sin(p)[r], &x, &g);
    }
}

#[test]
fn dot_product_identity() {
    // ⟨vjp(u), t⟩ = ⟨u, J·t⟩ with J·t by central differences.
    let x = [0.3, -1.2, 0.8];
    let (u, t) = ([0.7, -0.2, 1.3], [0.4, 0.9, -0.6]);
    let mut g = vec![0.0; 3];
    map_sin_vjp(&x, &u, &mut g);
    let lhs: f64 = g.iter().zip(&t).map(|(a, b)| a * b).sum();
    let h = 1e-6;
    let plus: Vec<f64> = x.iter().zip(&t).map(|(a, b)| a + h * b).collect();
    let minus: Vec<f64> = x.iter().zip(&t).map(|(a, b)| a - h * b).collect();
    let (yp, ym) = (map_sin(&plus), map_sin(&minus));
    let rhs: f64 = (0..3).map(|i| u[i] * (yp[i] - ym[i]) / (2.0 * h)).sum();
    assert_relative_eq!(lhs, rhs, epsilon = 1e-8);
}

#[differentiate]
fn pair(x: f64, y: f64) -> [f64; 2] {
    let a = [x * y, 0.0];
    let mut b = a;
    b[1] = x.exp() + b[0];
    b
}

#[test]
fn array_results_and_literals() {
    let mut gx = 0.0;
    let mut gy = 0.0;
    let v = pair_vjp(2.0, 3.0, &[1.0, 2.0], &mut gx, &mut gy);
    assert_eq!(v, [6.0, 2f64.exp() + 6.0]);
    assert_relative_eq!(gx, 3.0 + 2.0 * (2f64.exp() + 3.0));
    assert_relative_eq!(gy, 2.0 + 2.0 * 2.0);
}

#[differentiate]
fn listed(x: f64, y: f64) -> Vec<f64> {
    let v = vec![x, x * y, 3.0];
    let w = vec![y.sin(); 2];
    vec![v[0] + w[0], v[1] * w[1], v[2]]
}

#[test]
fn vec_literals_and_splats() {
    let (mut gx, mut gy) = (0.0, 0.0);
    let seed = [1.0, 1.0, 1.0];
    let v = listed_vjp(0.5, 2.0, &seed, &mut gx, &mut gy);
    assert_eq!(v, listed(0.5, 2.0));
    check(|p| listed(p[0], p[1]).iter().sum(), &[0.5, 2.0], &[gx, gy]);
}

#[test]
#[should_panic(expected = "`seed` has length 2 but `result` has length 3")]
fn a_seed_of_the_wrong_length_panics() {
    let mut g = vec![0.0; 3];
    map_sin_vjp(&[1.0, 2.0, 3.0], &[1.0, 1.0], &mut g);
}

/// Found by differential testing (program p187 of seed 1, first generator): an early return
/// moves the buffer into a branch, and the reverse sweep re-evaluated
/// `Vec::with_capacity(3)`, whose element type it could not infer.
#[differentiate]
fn early_return_then_pushed_buffer(x: &[f64], a: f64) -> f64 {
    if x[0] > 0.9 {
        return x[1] * -0.28_f64;
    }
    let mut b = Vec::with_capacity(3);
    for j in 0..3 {
        b.push(x[1] * (j as f64 + 1.0));
    }
    a + b[0] + (b[1]).sin() + b[2]
}

#[test]
fn regression_constant_buffer_in_a_branch() {
    for x0 in [0.95, 0.2] {
        let x = [x0, 0.4];
        let (v, (g, ga)) = early_return_then_pushed_buffer_grad(&x, 0.5);
        assert_eq!(v, early_return_then_pushed_buffer(&x, 0.5));
        check(|p| early_return_then_pushed_buffer(p, 0.5), &x, &g);
        assert_eq!(ga, if x0 > 0.9 { 0.0 } else { 1.0 });
    }
}

const LONG: usize = 40;

/// Arrays longer than 32 elements, re-created in a loop and reassigned in
/// a branch: hoisted with their own length and saved by copy.
#[differentiate(wrt(x))]
fn long_arrays(x: &[f64], flag: bool) -> f64 {
    let mut w = [0.5; LONG];
    if flag {
        w = [x[0]; LONG];
        w[3] *= x[1];
    }
    let mut s = 0.0;
    for k in 0..2 {
        let mut v = [0.0; LONG];
        for i in 0..LONG {
            v[i] = x[i % x.len()] * (k as f64 + 1.0) + w[i];
        }
        for i in 0..LONG {
            s += v[i] * v[i];
        }
    }
    s
}

#[test]
fn arrays_longer_than_32_elements() {
    for flag in [true, false] {
        let x = [0.7, -1.3];
        let (v, g) = long_arrays_grad(&x, flag);
        assert_eq!(v, long_arrays(&x, flag));
        check(|p| long_arrays(p, flag), &x, &g);
    }
}

// ---- whole rows of a local `Vec<Vec<f64>>` overwritten in a loop ---------

#[differentiate]
fn cell(w: &[f64], c: &[f64]) -> Vec<f64> {
    let mut z = vec![0.0; c.len()];
    for i in 0..c.len() {
        z[i] = w[i] * c[i].sin() + c[i];
    }
    z
}

/// Rows replaced by call results, by a copy of another row, and by a row
/// computed from itself: each saved and restored for the reverse sweep.
#[differentiate(wrt(w))]
fn rows_overwritten(w: &[f64], state: &[Vec<f64>]) -> f64 {
    let mut st = state.to_vec();
    for t in 0..3 {
        st[1] = cell(w, &st[0]);
        st[0] = cell(w, &st[1]);
        if t == 1 {
            st[1] = st[0].clone();
        }
    }
    let mut other = vec![vec![1.0; 2]; 2];
    other[0] = cell(w, &other[0]);
    other[0] = cell(w, &other[0]);
    st[0][0] * st[1][1] + other[0][1]
}

#[test]
fn whole_rows_overwritten() {
    let w = [0.5, 1.5];
    let state = vec![vec![0.3, 0.2], vec![0.1, 0.9]];
    let (v, g) = rows_overwritten_grad(&w, &state);
    assert_eq!(v, rows_overwritten(&w, &state));
    check(|p| rows_overwritten(p, &state), &w, &g);
}

/// Rows overwritten whole by values of another length, their old values
/// read before and not after: the adjoints take the old lengths back. With
/// `k = 0` the new row is empty.
#[differentiate(wrt(x))]
fn rows_of_another_length(x: &[f64], k: usize) -> f64 {
    let n = x.len();
    let mut rows = vec![vec![0.0; n]; 2];
    for j in 0..n {
        rows[0][j] = x[j];
        rows[1][j] = x[j] * x[j];
    }
    let mut s = 0.0;
    for j in 0..n {
        s += rows[0][j] * rows[1][j];
    }
    // A copy of another buffer, then a constant filled in.
    let a = vec![x[0]; k];
    rows[0] = a.clone();
    rows[1] = vec![0.0; k];
    for j in 0..k {
        rows[1][j] = x[1] * x[j];
        s += rows[0][j] * rows[1][j];
    }
    s
}

#[test]
fn rows_overwritten_by_other_lengths() {
    let x = [0.4, -0.7, 0.9, 0.2, -0.3];
    for k in [0, 2, 5] {
        let (_, gx) = rows_of_another_length_grad(&x, k);
        check(|x| rows_of_another_length(x, k), &x, &gx);
    }
}

/// `Σ aᵢ²`.
#[differentiate]
fn sum_of_squares(a: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..a.len() {
        s += a[i] * a[i];
    }
    s
}

/// A buffer declared in a loop, of another length every iteration and
/// recomputed in the reverse sweep, read by a call in an inner loop.
#[differentiate(wrt(x))]
fn shrinking_in_an_inner_loop(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for i in 0..n {
        let a = vec![x[i]; n - i];
        for _ in 0..2 {
            s = s * 0.5 + sum_of_squares(&a);
        }
    }
    s * s
}

#[test]
fn a_recomputed_buffer_of_another_length_each_iteration() {
    let x = [0.4, -0.7, 0.9, 0.2, -0.3];
    let (_, gx) = shrinking_in_an_inner_loop_grad(&x);
    check(shrinking_in_an_inner_loop, &x, &gx);
}

/// Buffers made fresh in every iteration, of another length each time, read
/// by the reverse sweep of a taped loop: it sees every iteration's own
/// values.
#[differentiate]
fn fresh_buffers_every_iteration(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.5;
    for i in 0..n {
        let mut pushed = Vec::with_capacity(i + 1);
        for j in 0..=i {
            pushed.push(x[j] * s);
        }
        let mut grown = Vec::new();
        grown.push(s.sin());
        grown.push(x[i] * x[i]);
        let mut filled = vec![0.0; n - i];
        for j in 0..n - i {
            filled[j] = x[i + j] * pushed[j % (i + 1)];
        }
        let mut t = 0.0;
        for j in 0..n - i {
            t += filled[j] * filled[j];
        }
        s = (s * grown[0] + t * grown[1]).tanh() + pushed[i] * pushed[0];
    }
    s
}

#[test]
fn fresh_buffers_of_other_lengths_every_iteration() {
    for x in [vec![0.4, -0.7, 0.9, 0.2, -0.3], vec![1.1, 0.3], vec![-0.6]] {
        value_and_gradient(
            fresh_buffers_every_iteration,
            fresh_buffers_every_iteration_grad,
            &x,
        );
    }
}

/// Buffers whose element type only the path names (`Vec::<f64>::new()`),
/// made in a loop.
#[differentiate]
fn typed_by_path(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let mut w = Vec::<f64>::with_capacity(2);
        w.push(0.5 * x[i]);
        let b = Vec::<f64>::new();
        s += w[0].sin() * x[i] + (b.len() as f64 + 1.0) * x[i];
    }
    s
}

/// A buffer made in a loop and moved into another one (`vec![r; 2]`).
#[differentiate]
fn moved_into_rows(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for k in 0..x.len() {
        let r = vec![0.5; 2];
        let grid = vec![r; 2];
        s += grid[1][0] * x[k] * x[k];
    }
    s
}

#[test]
fn buffers_typed_by_their_path_or_moved_on() {
    let x = [0.4, -0.7, 0.9];
    value_and_gradient(typed_by_path, typed_by_path_grad, &x);
    value_and_gradient(moved_into_rows, moved_into_rows_grad, &x);
}

/// `Σᵢ xᵢ·Σ bᵢ²` over buffers `bᵢ` of lengths 3, 1, 2, 3, 1, ..: a loop
/// whose sum's adjoint is known runs joint with its reverse sweep, so no
/// save keeps the last buffer, and the gradient fills each buffer in the
/// storage of the one before, longer or shorter.
#[differentiate]
fn renewed_buffers(x: &[f64]) -> f64 {
    let mut total = 0.0;
    for i in 0..x.len() {
        let mut b = Vec::with_capacity(3);
        for j in 0..(i + 2) % 3 + 1 {
            b.push(x[(i + j) % x.len()] * 0.5);
        }
        let mut z = vec![0.0; (i + 1) % 3 + 1];
        z[0] = x[i];
        total += x[i] * sum_of_squares(&b) + sum_of_squares(&z);
    }
    total
}

#[test]
fn buffers_renewed_in_place_of_longer_and_shorter_ones() {
    let x = [0.4, -0.7, 0.9, 0.2, -0.3, 1.1];
    value_and_gradient(renewed_buffers, renewed_buffers_grad, &x);
}

/// A buffer moved into a list of rows, in a loop that is neither fused
/// nor replayed (its sum is carried through `sin`), and at the top.
#[differentiate]
fn rows_of_moved_buffers(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for k in 0..3 {
        let mut r = vec![0.5; 2];
        r[0] = x[0] * (k as f64 + 1.0);
        r[1] = x[1];
        let grid = vec![r; 2];
        s = s * 0.5 + (grid[1][0] + s).sin() * grid[0][1];
    }
    let mut q = vec![0.0; 2];
    q[0] = x[0] * x[1];
    q[1] = x[1] + 1.0;
    let pair = vec![q.clone(), q];
    s + pair[0][1] * pair[1][0]
}

#[test]
fn buffers_moved_into_rows() {
    let x = [0.4, -0.7];
    value_and_gradient(rows_of_moved_buffers, rows_of_moved_buffers_grad, &x);
}

/// Call results without a type put in rows (`vec![r.clone(), r]`, a
/// splat of one, of a call): the rows say they are vectors.
#[differentiate]
fn rows_of_call_results(x: &[f64]) -> f64 {
    let r = map_sin(x);
    let u = map_sin(&r);
    let rows = vec![r.clone(), r];
    let pair = vec![u; 2];
    let twice = vec![map_sin(x); 2];
    rows[0][0] * rows[1][1] + pair[1][0] * twice[0][1]
}

#[test]
fn call_results_in_rows() {
    let x = [0.4, -0.7, 0.9];
    value_and_gradient(rows_of_call_results, rows_of_call_results_grad, &x);
}
