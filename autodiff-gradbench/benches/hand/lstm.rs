//! lstm by hand: the reference gradient, and the primal over dual numbers
//! for the forward-mode peer.
//!
//! The model (ADBench's diagonal LSTM), per step `t` and layer `i`, with
//! `v` the layer's input, `h`, `s` its hidden and cell states and `w`, `a`
//! its weight and bias rows (blocks of `b`: forget, ingate, outgate,
//! change):
//!
//! ```text
//! f = σ(v·w_f + a_f)   g = σ(h·w_i + a_i)   o = σ(v·w_o + a_o)
//! k = tanh(h·w_c + a_c)   s' = s·f + g·k   h' = o·tanh(s')
//! ```
//!
//! all element-wise; the last layer's `h'` is scored against the next
//! element of the sequence by a log-softmax (with ADBench's `+ 2`).

use num_dual::{Dual64, DualNum};

/// The logistic function.
#[inline(always)]
fn sigmoid(v: f64) -> f64 {
    1.0 / (1.0 + (-v).exp())
}

/// The gradient of `objective` with respect to `main_params` and
/// `extra_params`, written into `d_main` and `d_extra` (overwritten, shaped
/// like the parameters). Returns the value.
///
/// One forward pass through time stores every layer's hidden and cell
/// states and its gate values in flat buffers; the log-softmax's adjoint
/// needs only that step's values, so the forward pass also computes it and
/// the output layer's gradient, keeping for the backward pass only the
/// adjoint of the last layer's output. One backward pass through time then
/// carries each layer's hidden and cell adjoints from step to step.
#[inline(never)]
pub fn gradient(
    main_params: &[Vec<f64>],
    extra_params: &[Vec<f64>],
    state: &[Vec<f64>],
    sequence: &[Vec<f64>],
    d_main: &mut [Vec<f64>],
    d_extra: &mut [Vec<f64>],
) -> f64 {
    let layers = main_params.len() / 2;
    let b = extra_params[0].len();
    let steps = sequence.len() - 1;
    let lb = layers * b;
    let (w_in, w_out, b_out) = (
        &extra_params[0][..b],
        &extra_params[1][..b],
        &extra_params[2][..b],
    );

    // hs[t·lb + i·b + j], cs[..]: layer i's hidden and cell states before
    // step t (t = 0 the initial state, t = steps the final one).
    let mut hs = vec![0.0; (steps + 1) * lb];
    let mut cs = vec![0.0; (steps + 1) * lb];
    for i in 0..layers {
        hs[i * b..(i + 1) * b].copy_from_slice(&state[2 * i][..b]);
        cs[i * b..(i + 1) * b].copy_from_slice(&state[2 * i + 1][..b]);
    }
    // gates[(t·layers + i)·5b + k·b + j]: forget, ingate, outgate, change,
    // and tanh of the new cell state, of layer i at step t.
    let mut gates = vec![0.0; steps * lb * 5];
    // dv_top[t·b + j]: the adjoint of the last layer's output at step t.
    let mut dv_top = vec![0.0; steps * b];

    let mut d_w_in = vec![0.0; b];
    let mut d_w_out = vec![0.0; b];
    let mut d_b_out = vec![0.0; b];
    let count = (steps * b) as f64;
    // The adjoint of `total` in `-total / count`.
    let d_total = -1.0 / count;
    let mut total = 0.0;
    let mut x = vec![0.0; b];
    let mut e = vec![0.0; b];

    for t in 0..steps {
        let (before, after) = hs.split_at_mut((t + 1) * lb);
        let h_prev_all = &before[t * lb..];
        let h_next_all = &mut after[..lb];
        let (cbefore, cafter) = cs.split_at_mut((t + 1) * lb);
        let c_prev_all = &cbefore[t * lb..];
        let c_next_all = &mut cafter[..lb];
        let seq = &sequence[t][..b];
        for j in 0..b {
            x[j] = seq[j] * w_in[j];
        }
        for i in 0..layers {
            let w = &main_params[2 * i][..4 * b];
            let a = &main_params[2 * i + 1][..4 * b];
            let (wf, wi, wo, wc) = (&w[..b], &w[b..2 * b], &w[2 * b..3 * b], &w[3 * b..]);
            let (af, ai, ao, ac) = (&a[..b], &a[b..2 * b], &a[2 * b..3 * b], &a[3 * b..]);
            let h = &h_prev_all[i * b..(i + 1) * b];
            let s = &c_prev_all[i * b..(i + 1) * b];
            let g = &mut gates[(t * layers + i) * 5 * b..][..5 * b];
            let (gf, rest) = g.split_at_mut(b);
            let (gi, rest) = rest.split_at_mut(b);
            let (go, rest) = rest.split_at_mut(b);
            let (gc, gt) = rest.split_at_mut(b);
            // The input: the sequence for layer 0, else the output of layer
            // i - 1 at this step, already in h_next_all.
            let (lower, upper) = h_next_all.split_at_mut(i * b);
            let v: &[f64] = if i == 0 { &x } else { &lower[(i - 1) * b..] };
            let h_new = &mut upper[..b];
            let s_new = &mut c_next_all[i * b..(i + 1) * b];
            for j in 0..b {
                let f = sigmoid(v[j] * wf[j] + af[j]);
                let ig = sigmoid(h[j] * wi[j] + ai[j]);
                let o = sigmoid(v[j] * wo[j] + ao[j]);
                let k = (h[j] * wc[j] + ac[j]).tanh();
                let sn = s[j] * f + ig * k;
                let th = sn.tanh();
                gf[j] = f;
                gi[j] = ig;
                go[j] = o;
                gc[j] = k;
                gt[j] = th;
                s_new[j] = sn;
                h_new[j] = o * th;
            }
        }
        // The prediction and its log-softmax, and at once their adjoints.
        let v = &h_next_all[(layers - 1) * b..];
        let next = &sequence[t + 1][..b];
        let mut sum = 0.0;
        let mut weight = 0.0;
        for j in 0..b {
            let p = v[j] * w_out[j] + b_out[j];
            x[j] = p;
            e[j] = p.exp();
            sum += e[j];
            weight += next[j];
        }
        let lse = (sum + 2.0).ln();
        let inv = 1.0 / (sum + 2.0);
        let dv = &mut dv_top[t * b..(t + 1) * b];
        for j in 0..b {
            total += next[j] * (x[j] - lse);
            // ∂/∂p_j of Σ next·(p - lse), times d_total.
            let dp = d_total * (next[j] - weight * e[j] * inv);
            d_w_out[j] += dp * v[j];
            d_b_out[j] += dp;
            dv[j] = dp * w_out[j];
        }
    }

    // Backward through time. dh_carry, ds_carry: the adjoints of each
    // layer's hidden and cell states flowing from step t + 1 into step t.
    let mut dm = vec![0.0; layers * 8 * b];
    let mut dh_carry = vec![0.0; lb];
    let mut ds_carry = vec![0.0; lb];
    let mut dv = vec![0.0; b];
    for t in (0..steps).rev() {
        dv.copy_from_slice(&dv_top[t * b..(t + 1) * b]);
        let h_prev_all = &hs[t * lb..(t + 1) * lb];
        let h_next_all = &hs[(t + 1) * lb..(t + 2) * lb];
        let c_prev_all = &cs[t * lb..(t + 1) * lb];
        let seq = &sequence[t][..b];
        for j in 0..b {
            x[j] = seq[j] * w_in[j];
        }
        for i in (0..layers).rev() {
            let w = &main_params[2 * i][..4 * b];
            let (wf, wi, wo, wc) = (&w[..b], &w[b..2 * b], &w[2 * b..3 * b], &w[3 * b..]);
            let d = &mut dm[i * 8 * b..(i + 1) * 8 * b];
            let (dw, da) = d.split_at_mut(4 * b);
            let (dwf, rest) = dw.split_at_mut(b);
            let (dwi, rest) = rest.split_at_mut(b);
            let (dwo, dwc) = rest.split_at_mut(b);
            let (daf, rest) = da.split_at_mut(b);
            let (dai, rest) = rest.split_at_mut(b);
            let (dao, dac) = rest.split_at_mut(b);
            let g = &gates[(t * layers + i) * 5 * b..][..5 * b];
            let (gf, gi, go, gc, gt) = (
                &g[..b],
                &g[b..2 * b],
                &g[2 * b..3 * b],
                &g[3 * b..4 * b],
                &g[4 * b..],
            );
            let h = &h_prev_all[i * b..(i + 1) * b];
            let s = &c_prev_all[i * b..(i + 1) * b];
            let v: &[f64] = if i == 0 {
                &x
            } else {
                &h_next_all[(i - 1) * b..i * b]
            };
            let dh_c = &mut dh_carry[i * b..(i + 1) * b];
            let ds_c = &mut ds_carry[i * b..(i + 1) * b];
            for j in 0..b {
                let (f, ig, o, k, th) = (gf[j], gi[j], go[j], gc[j], gt[j]);
                let dh = dv[j] + dh_c[j];
                let ds = ds_c[j] + dh * o * (1.0 - th * th);
                let dzo = dh * th * o * (1.0 - o);
                let dzf = ds * s[j] * f * (1.0 - f);
                let dzi = ds * k * ig * (1.0 - ig);
                let dzc = ds * ig * (1.0 - k * k);
                dwf[j] += dzf * v[j];
                dwi[j] += dzi * h[j];
                dwo[j] += dzo * v[j];
                dwc[j] += dzc * h[j];
                daf[j] += dzf;
                dai[j] += dzi;
                dao[j] += dzo;
                dac[j] += dzc;
                ds_c[j] = ds * f;
                dh_c[j] = dzi * wi[j] + dzc * wc[j];
                dv[j] = dzf * wf[j] + dzo * wo[j];
            }
        }
        for j in 0..b {
            d_w_in[j] += dv[j] * seq[j];
        }
    }

    for (r, row) in d_main.iter_mut().enumerate() {
        row.copy_from_slice(&dm[r * 4 * b..(r + 1) * 4 * b]);
    }
    d_extra[0].copy_from_slice(&d_w_in);
    d_extra[1].copy_from_slice(&d_w_out);
    d_extra[2].copy_from_slice(&d_b_out);
    -total / count
}

/// The logistic function over dual numbers.
fn sigmoid_dual(v: Dual64) -> Dual64 {
    ((-v).exp() + 1.0).recip()
}

/// The objective over dual numbers, the parameters packed into one flat
/// slice: `main_params` row by row (`2l` rows of `4b`), then
/// `extra_params` (3 rows of `b`). The peer differentiates this.
pub fn primal(params: &[Dual64], state: &[Vec<f64>], sequence: &[Vec<f64>]) -> Dual64 {
    let layers = state.len() / 2;
    let b = state[0].len();
    let (main, extra) = params.split_at(layers * 8 * b);
    let (w_in, rest) = extra.split_at(b);
    let (w_out, b_out) = rest.split_at(b);
    let mut hidden: Vec<Vec<Dual64>> = state
        .iter()
        .step_by(2)
        .map(|r| r.iter().map(|&v| Dual64::from(v)).collect())
        .collect();
    let mut cell: Vec<Vec<Dual64>> = state
        .iter()
        .skip(1)
        .step_by(2)
        .map(|r| r.iter().map(|&v| Dual64::from(v)).collect())
        .collect();
    let mut total = Dual64::from(0.0);
    let mut v = vec![Dual64::from(0.0); b];
    for t in 0..sequence.len() - 1 {
        for j in 0..b {
            v[j] = w_in[j] * sequence[t][j];
        }
        for i in 0..layers {
            let w = &main[i * 8 * b..i * 8 * b + 4 * b];
            let a = &main[i * 8 * b + 4 * b..(i + 1) * 8 * b];
            let (h, s) = (&mut hidden[i], &mut cell[i]);
            for j in 0..b {
                let f = sigmoid_dual(v[j] * w[j] + a[j]);
                let ig = sigmoid_dual(h[j] * w[b + j] + a[b + j]);
                let k = (h[j] * w[3 * b + j] + a[3 * b + j]).tanh();
                s[j] = s[j] * f + ig * k;
            }
            for j in 0..b {
                let o = sigmoid_dual(v[j] * w[2 * b + j] + a[2 * b + j]);
                h[j] = o * s[j].tanh();
            }
            v.copy_from_slice(h);
        }
        let prediction: Vec<Dual64> = (0..b).map(|j| v[j] * w_out[j] + b_out[j]).collect();
        let mut sum = Dual64::from(0.0);
        for p in &prediction {
            sum += p.exp();
        }
        let lse = (sum + 2.0).ln();
        for j in 0..b {
            total += (prediction[j] - lse) * sequence[t + 1][j];
        }
    }
    -total / ((sequence.len() - 1) * b) as f64
}

#[cfg(test)]
mod tests {
    // The helpers live inside the test: the bench binary also compiles this
    // module (under `cfg(test)`, without a test harness), where anything
    // outside a `#[test]` function would be dead code.
    #[test]
    fn hand_written_gradient_and_peer_match_the_generated_one() {
        use autodiff_gradbench::evals::lstm::objective_grad;
        use num_dual::Dual64;

        /// `n` reproducible rows of `len` numbers in [-1, 1].
        fn rows(seed: usize, n: usize, len: usize) -> Vec<Vec<f64>> {
            (0..n)
                .map(|r| {
                    (0..len)
                        .map(|j| ((seed * 1000 + r * len + j) as f64 * 0.618).sin())
                        .collect()
                })
                .collect()
        }

        fn close(a: f64, b: f64) -> bool {
            (a - b).abs() <= 1e-10 * a.abs().max(b.abs())
        }

        /// Every entry of the hand-written and the peer's gradients, and
        /// both values, against `objective_grad`'s.
        fn check(l: usize, b: usize, c: usize) {
            let main = rows(1, 2 * l, 4 * b);
            let extra = rows(2, 3, b);
            let state = rows(3, 2 * l, b);
            let sequence = rows(4, c, b);
            let (want, (want_main, want_extra)) = objective_grad(&main, &extra, &state, &sequence);
            let want_flat: Vec<f64> = want_main
                .iter()
                .chain(&want_extra)
                .flatten()
                .copied()
                .collect();

            let mut d_main = vec![vec![f64::NAN; 4 * b]; 2 * l];
            let mut d_extra = vec![vec![f64::NAN; b]; 3];
            let value =
                super::gradient(&main, &extra, &state, &sequence, &mut d_main, &mut d_extra);
            assert!(close(value, want), "l={l} c={c}: value {value} vs {want}");
            let hand: Vec<f64> = d_main.iter().chain(&d_extra).flatten().copied().collect();
            assert_eq!(hand.len(), want_flat.len());
            for (k, (a, b)) in hand.iter().zip(&want_flat).enumerate() {
                assert!(
                    close(*a, *b),
                    "l={l} c={c}: entry {k}: hand {a} vs generated {b}"
                );
            }

            let x: Vec<f64> = main.iter().chain(&extra).flatten().copied().collect();
            let duals: Vec<Dual64> = x.iter().map(|&v| Dual64::from(v)).collect();
            let peer_value = super::primal(&duals, &state, &sequence).re;
            assert!(
                close(peer_value, want),
                "l={l} c={c}: peer value {peer_value} vs {want}"
            );
            let peer = crate::peer::gradient(|p| super::primal(p, &state, &sequence), &x);
            assert_eq!(peer.len(), want_flat.len());
            for (k, (a, b)) in peer.iter().zip(&want_flat).enumerate() {
                assert!(
                    close(*a, *b),
                    "l={l} c={c}: entry {k}: peer {a} vs generated {b}"
                );
            }
        }

        check(1, 3, 4);
        check(2, 5, 6);
        check(3, 4, 2);
    }
}
