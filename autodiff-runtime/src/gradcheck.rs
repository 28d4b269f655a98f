//! Gradient checking for users' own functions, like PyTorch's `gradcheck`
//! and JAX's `check_grads`: the dot-product test against central finite
//! differences in random directions.
//!
//! For a random direction `t` and a random seed `s`, the vector-Jacobian
//! product must satisfy `⟨vjp(s), t⟩ = ⟨s, J·t⟩`, and `J·t` is approximated
//! by `(f(x + h·t) − f(x − h·t)) / 2h`. One test checks every gradient
//! component at once, whatever the number of inputs.
//!
//! ```
//! use autodiff_runtime::gradcheck::gradcheck;
//!
//! fn f(x: &[f64]) -> f64 { x[0] * x[1].sin() }
//! // Its vector-Jacobian product, written by hand here; `f_vjp` from
//! // `#[differentiate]` has this signature.
//! fn f_vjp(x: &[f64], seed: f64, d_x: &mut [f64]) -> f64 {
//!     d_x[0] += seed * x[1].sin();
//!     d_x[1] += seed * x[0] * x[1].cos();
//!     f(x)
//! }
//! let report = gradcheck(f, f_vjp, &[1.5, 0.3]);
//! assert!(report.passed(), "{report}");
//! ```

use crate::Vector;
use core::borrow::{Borrow, BorrowMut};
use core::fmt;

/// A function's input the checker can perturb: a slice or a [`Vector`].
pub trait Input {
    /// An owned, perturbed copy.
    type Owned: Borrow<Self>;
    /// The gradient buffer `_vjp` takes (`[f64]` for a slice).
    type Grad: ?Sized;
    /// An owned zero gradient.
    type GradBuf: BorrowMut<Self::Grad> + AsRef<[f64]>;
    /// The elements.
    fn elements(&self) -> &[f64];
    /// `self + h·t`.
    fn shifted(&self, t: &[f64], h: f64) -> Self::Owned;
    /// A zero gradient of this input's shape.
    fn zero_grad_buf(&self) -> Self::GradBuf;
}

impl Input for [f64] {
    type Owned = Vec<f64>;
    type Grad = [f64];
    type GradBuf = Vec<f64>;
    fn elements(&self) -> &[f64] {
        self
    }
    fn shifted(&self, t: &[f64], h: f64) -> Vec<f64> {
        self.iter().zip(t).map(|(x, t)| x + h * t).collect()
    }
    fn zero_grad_buf(&self) -> Vec<f64> {
        vec![0.0; self.len()]
    }
}

impl Input for Vector {
    type Owned = Vector;
    type Grad = Vector;
    type GradBuf = Vector;
    fn elements(&self) -> &[f64] {
        self
    }
    fn shifted(&self, t: &[f64], h: f64) -> Vector {
        self.elements().shifted(t, h).into()
    }
    fn zero_grad_buf(&self) -> Vector {
        Vector::zeros(self.len())
    }
}

/// How [`GradCheck`] tests: the number of random directions, the finite
/// difference step, the tolerance and the random seed.
#[derive(Clone, Debug)]
pub struct GradCheck {
    /// Random directions tried (default 8).
    pub trials: usize,
    /// Finite-difference step, relative to `1 + max |xᵢ|` (default 1e-6).
    pub step: f64,
    /// Largest relative error that passes (default 1e-5).
    pub tolerance: f64,
    /// Seed of the random directions (default fixed, so runs repeat).
    pub seed: u64,
}

impl Default for GradCheck {
    fn default() -> Self {
        GradCheck {
            trials: 8,
            step: 1e-6,
            tolerance: 1e-5,
            seed: 0x5eed_cafe_f00d,
        }
    }
}

/// The outcome of a check.
#[derive(Clone, Debug)]
pub struct Report {
    /// The worst relative error `|⟨vjp(s), t⟩ − ⟨s, J·t⟩| / max(|·|, |·|)`
    /// over the directions tried.
    pub worst_relative_error: f64,
    /// The automatic and the finite-difference directional derivative at
    /// the worst direction.
    pub worst: (f64, f64),
    /// Directions tried.
    pub trials: usize,
    /// The tolerance it was checked against.
    pub tolerance: f64,
}

impl Report {
    /// Whether every direction agreed within the tolerance.
    pub fn passed(&self) -> bool {
        self.worst_relative_error <= self.tolerance
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.passed() { "passed" } else { "FAILED" };
        write!(
            f,
            "gradcheck {verdict}: worst relative error {:.2e} (tolerance {:.0e}) over {} directions; \
             at the worst, automatic {} vs finite differences {}",
            self.worst_relative_error, self.tolerance, self.trials, self.worst.0, self.worst.1
        )
    }
}

impl GradCheck {
    /// Checks `vjp` against `f` at `x`, for a function with a scalar result
    /// (`_vjp`'s seed is an `f64`).
    pub fn scalar<P, R>(
        &self,
        f: impl Fn(&P) -> f64,
        vjp: impl Fn(&P, f64, &mut P::Grad) -> R,
        x: &P,
    ) -> Report
    where
        P: Input + ?Sized,
    {
        self.vector(
            |x| vec![f(x)],
            |x, s: &[f64], d: &mut P::Grad| {
                vjp(x, s[0], d);
            },
            x,
        )
    }

    /// Checks `vjp` against `f` at `x`, for a function with a vector
    /// result (`_vjp`'s seed is a slice).
    pub fn vector<P, R>(
        &self,
        f: impl Fn(&P) -> Vec<f64>,
        vjp: impl Fn(&P, &[f64], &mut P::Grad) -> R,
        x: &P,
    ) -> Report
    where
        P: Input + ?Sized,
    {
        let mut rng = self.seed | 1;
        let xs = x.elements();
        let scale = 1.0 + xs.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let h = self.step * scale;
        let outputs = f(x).len();
        let mut report = Report {
            worst_relative_error: 0.0,
            worst: (0.0, 0.0),
            trials: self.trials,
            tolerance: self.tolerance,
        };
        for _ in 0..self.trials {
            let t: Vec<f64> = xs.iter().map(|_| uniform(&mut rng)).collect();
            let s: Vec<f64> = (0..outputs).map(|_| uniform(&mut rng)).collect();
            let mut g = x.zero_grad_buf();
            vjp(x, &s, g.borrow_mut());
            let ad: f64 = g.as_ref().iter().zip(&t).map(|(a, b)| a * b).sum();
            let (up, down) = (f(x.shifted(&t, h).borrow()), f(x.shifted(&t, -h).borrow()));
            let fd: f64 = s
                .iter()
                .zip(up.iter().zip(&down))
                .map(|(s, (u, d))| s * (u - d) / (2.0 * h))
                .sum();
            let size = ad.abs().max(fd.abs());
            let err = if size > 1e-12 {
                (ad - fd).abs() / size
            } else {
                0.0
            };
            if err.is_nan() || err > report.worst_relative_error {
                report.worst_relative_error = err;
                report.worst = (ad, fd);
            }
        }
        report
    }
}

/// [`GradCheck::scalar`] with the default settings: checks the generated
/// (or hand-written) `f_vjp` of a function with a scalar result.
pub fn gradcheck<P, R>(
    f: impl Fn(&P) -> f64,
    vjp: impl Fn(&P, f64, &mut P::Grad) -> R,
    x: &P,
) -> Report
where
    P: Input + ?Sized,
{
    GradCheck::default().scalar(f, vjp, x)
}

/// A number in [−1, 1) from a xorshift generator.
fn uniform(state: &mut u64) -> f64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    (*state >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}
