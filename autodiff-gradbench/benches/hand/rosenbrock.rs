//! Rosenbrock by hand: the reference gradient is the root crate's
//! `rosen_hand` (its benchmark uses the same one), and the primal over dual
//! numbers for the forward-mode peer.

use num_dual::Dual64;

/// The workload shared with the root crate's benchmark: `rosen`
/// (`#[differentiate]`d, so `rosen_vjp` and `rosen_grad` exist) and
/// `rosen_hand`.
#[path = "../../../benches/workloads/rosenbrock.rs"]
pub mod workload;

/// The hand-written gradient: one fused pass that, like a vjp, adds into
/// `g`. Returns the value.
pub use workload::rosen_hand as gradient;

/// The primal over dual numbers: the peer differentiates this.
pub fn primal(x: &[Dual64]) -> Dual64 {
    let mut s = Dual64::from(0.0);
    for i in 0..x.len() - 1 {
        let a = -x[i] + 1.0;
        let b = x[i + 1] - x[i] * x[i];
        s += a * a + b * b * 100.0;
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn hand_written_gradient_and_peer_match_the_generated_one() {
        // Inside the test, so that a bench binary (cfg(test), no test
        // harness) has nothing unused.
        use super::workload::rosen_grad;

        use crate::check::assert_close;

        for n in [2, 10, 101] {
            let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin() * 1.5).collect();
            let (want, want_g) = rosen_grad(&x);
            let mut g = vec![0.0; n];
            let value = super::gradient(&x, &mut g);
            assert!((value - want).abs() <= 1e-12 * want.abs());
            assert_close(&g, &want_g);
            assert_close(&crate::peer::gradient(super::primal, &x), &want_g);
        }
    }
}
