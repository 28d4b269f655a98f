//! ODE by hand: the adjoint of the Runge–Kutta solver for this system, the
//! reference gradient, and the primal over dual numbers for the
//! forward-mode peer.
//!
//! The system is `y₀′ = x₀`, `yᵢ′ = xᵢ·yᵢ₋₁`: element `i` of every stage
//! needs only element `i − 1` of the previous stage, so one Runge–Kutta step
//! is one loop over the elements, and its adjoint a few, stage by stage.
//! Giving element 0 a "previous" value of 1 makes `x₀·1 = x₀` its constant
//! rate.

use num_dual::Dual64;

/// One Runge–Kutta step of size `h` from `y` into `y_new`, the stages fused
/// into one pass; the same operations as the eval's `solve`.
#[inline]
fn step(x: &[f64], h: f64, y: &[f64], y_new: &mut [f64]) {
    let h2 = h / 2.0;
    // Element i − 1 of y, u₂ = y + h/2·k₁, u₃ = y + h/2·k₂, u₄ = y + h·k₃.
    let (mut y_p, mut u2_p, mut u3_p, mut u4_p) = (1.0, 1.0, 1.0, 1.0);
    for i in 0..y.len() {
        let (xi, yi) = (x[i], y[i]);
        let k1 = xi * y_p;
        let u2 = yi + h2 * k1;
        let k2 = xi * u2_p;
        let u3 = yi + h2 * k2;
        let k3 = xi * u3_p;
        let u4 = yi + h * k3;
        let k4 = xi * u4_p;
        y_new[i] = yi + h * (k1 + 2.0 * k2 + 2.0 * k3 + k4) / 6.0;
        (y_p, u2_p, u3_p, u4_p) = (yi, u2, u3, u4);
    }
}

/// `∂y_{n−1}(2)/∂x` into `g` (overwritten); returns `y_{n−1}(2)`.
///
/// The forward pass keeps `y` at every step in `work` (scratch, resized and
/// reused across calls: `(s + 8)·n` numbers). The backward pass, per step
/// from the last: the step's stage points u₂, u₃, u₄ recomputed from its
/// `y`, then the adjoint `w = ∂y_{n−1}(2)/∂y` taken back through the step,
/// adding the step's part of the gradient. Each loop is over whole vectors,
/// so the compiler vectorises it.
#[inline(never)]
pub fn gradient(x: &[f64], s: usize, work: &mut Vec<f64>, g: &mut [f64]) -> f64 {
    let n = x.len();
    let h = 2.0 / s as f64;
    let h2 = h / 2.0;
    let (h6, h3) = (h / 6.0, h / 3.0);
    let g = &mut g[..n];
    g.fill(0.0);
    work.resize((s + 8) * n, 0.0);
    let (ys, rest) = work.split_at_mut((s + 1) * n);
    let (u2s, rest) = rest.split_at_mut(n);
    let (u3s, rest) = rest.split_at_mut(n);
    let (u4s, rest) = rest.split_at_mut(n);
    let (k1s, rest) = rest.split_at_mut(n);
    let (k2s, rest) = rest.split_at_mut(n);
    let (k3s, w) = rest.split_at_mut(n);

    ys[..n].fill(0.0);
    for k in 0..s {
        let (done, next) = ys.split_at_mut((k + 1) * n);
        step(x, h, &done[k * n..], &mut next[..n]);
    }
    let value = ys[s * n + n - 1];

    w.fill(0.0);
    w[n - 1] = 1.0;
    let last = n - 1;
    for k in (0..s).rev() {
        let y = &ys[k * n..(k + 1) * n];
        // The stage points u₂ = y + h/2·k₁, u₃ = y + h/2·k₂, u₄ = y + h·k₃.
        let (mut y_p, mut u2_p, mut u3_p) = (1.0, 1.0, 1.0);
        for i in 0..n {
            let (xi, yi) = (x[i], y[i]);
            let u2 = yi + h2 * (xi * y_p);
            let u3 = yi + h2 * (xi * u2_p);
            u4s[i] = yi + h * (xi * u3_p);
            (u2s[i], u3s[i]) = (u2, u3);
            (y_p, u2_p, u3_p) = (yi, u2, u3);
        }
        // Backward through the step, stage by stage: k̄ⱼ, the adjoint of
        // kⱼ, is its weight times `w` plus what uⱼ₊₁ = y + c·kⱼ passes
        // back, and uⱼ₊₁[i] reaches the rates only through kⱼ₊₁[i + 1].
        // The last element has no successor.
        for i in 0..last {
            k3s[i] = h3 * w[i] + h * (x[i + 1] * (h6 * w[i + 1]));
        }
        k3s[last] = h3 * w[last];
        for i in 0..last {
            k2s[i] = h3 * w[i] + h2 * (x[i + 1] * k3s[i + 1]);
        }
        k2s[last] = h3 * w[last];
        for i in 0..last {
            k1s[i] = h6 * w[i] + h2 * (x[i + 1] * k2s[i + 1]);
        }
        k1s[last] = h6 * w[last];
        // The gradient, with element i − 1 of y, u₂, u₃, u₄ (1 for
        // element 0); then `w` becomes ∂y_{n−1}(2)/∂y before the step:
        // directly, through u₂, u₃, u₄ = y + …, and through k₁ = f(y).
        g[0] += k1s[0] + k2s[0] + k3s[0] + h6 * w[0];
        for i in 1..n {
            g[i] += k1s[i] * y[i - 1]
                + k2s[i] * u2s[i - 1]
                + k3s[i] * u3s[i - 1]
                + h6 * w[i] * u4s[i - 1];
        }
        for i in 0..last {
            let next = k1s[i + 1] + k2s[i + 1] + k3s[i + 1] + h6 * w[i + 1];
            w[i] += x[i + 1] * next;
        }
    }
    value
}

/// The primal over dual numbers, `y_{n−1}(2)`: the peer differentiates this.
pub fn primal(x: &[Dual64], s: usize) -> Dual64 {
    let h = 2.0 / s as f64;
    let h2 = h / 2.0;
    let one = Dual64::from(1.0);
    let mut y = vec![Dual64::from(0.0); x.len()];
    for _ in 0..s {
        let (mut y_p, mut u2_p, mut u3_p, mut u4_p) = (one, one, one, one);
        for (yi, &xi) in y.iter_mut().zip(x) {
            let y0 = *yi;
            let k1 = xi * y_p;
            let u2 = y0 + k1 * h2;
            let k2 = xi * u2_p;
            let u3 = y0 + k2 * h2;
            let k3 = xi * u3_p;
            let u4 = y0 + k3 * h;
            let k4 = xi * u4_p;
            *yi = y0 + (k1 + k2 * 2.0 + k3 * 2.0 + k4) * h / 6.0;
            (y_p, u2_p, u3_p, u4_p) = (y0, u2, u3, u4);
        }
    }
    y[x.len() - 1]
}

#[cfg(test)]
mod tests {
    #[test]
    fn hand_written_gradient_and_peer_match_the_generated_one() {
        // Inside the test, so that a bench binary (cfg(test), no test
        // harness) has nothing unused.
        use autodiff_gradbench::evals::ode::{solve, solve_vjp};

        use crate::check::assert_close;

        let mut work = Vec::new();
        for (n, s) in [(1, 1), (2, 3), (12, 4), (30, 10), (5, 1)] {
            let x: Vec<f64> = (0..n).map(|i| 0.3 + (i as f64 * 0.77).sin()).collect();
            let mut seed = vec![0.0; n];
            seed[n - 1] = 1.0;
            let mut want_g = vec![0.0; n];
            let y = solve_vjp(&x, s, &seed, &mut want_g);
            assert_eq!(y, solve(&x, s));
            let mut g = vec![f64::NAN; n];
            let value = super::gradient(&x, s, &mut work, &mut g);
            assert_eq!(value, y[n - 1], "the same operations as the primal");
            assert_close(&g, &want_g);
            let peer = crate::peer::gradient(|x| super::primal(x, s), &x);
            assert_close(&peer, &want_g);
        }
    }
}
