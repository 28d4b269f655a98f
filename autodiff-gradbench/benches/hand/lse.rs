//! LSE by hand: the reference gradient, and the primal over any dual number
//! for the forward-mode peer.

use num_dual::{Dual64, DualNum};

/// The gradient of LSE is the softmax of `x`: one pass for the shift, one
/// for the sum, one to scale. Returns the value.
#[inline(never)]
pub fn gradient(x: &[f64], g: &mut [f64]) -> f64 {
    let a = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for (gi, &xi) in g.iter_mut().zip(x) {
        *gi = (xi - a).exp();
        sum += *gi;
    }
    let scale = 1.0 / sum;
    for gi in g.iter_mut() {
        *gi *= scale;
    }
    a + sum.ln()
}

/// The primal over dual numbers: the peer differentiates this.
pub fn primal(x: &[Dual64]) -> Dual64 {
    let a = x.iter().map(|v| v.re).fold(f64::NEG_INFINITY, f64::max);
    let mut sum = Dual64::from(0.0);
    for &v in x {
        sum += (v - a).exp();
    }
    sum.ln() + a
}

#[cfg(test)]
mod tests {
    // Imports live in the test: bench binaries compile this module without
    // its tests, where they would be unused.
    #[test]
    fn hand_written_gradient_matches_the_generated_one() {
        use autodiff_gradbench::evals::lse::logsumexp_grad;
        let x: Vec<f64> = (0..100).map(|i| (i as f64 * 0.37).sin() * 3.0).collect();
        let mut g = vec![0.0; x.len()];
        let value = super::gradient(&x, &mut g);
        let (want, want_g) = logsumexp_grad(&x);
        assert!((value - want).abs() < 1e-12);
        for (a, b) in g.iter().zip(&want_g) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        let peer = crate::peer::gradient(super::primal, &x);
        for (a, b) in peer.iter().zip(&want_g) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
    }
}
