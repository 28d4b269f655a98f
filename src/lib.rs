//! Compile-time reverse-mode automatic differentiation.
//!
//! Put `#[differentiate]` on an ordinary Rust function and the attribute
//! writes its gradient next to it, at compile time, as plain Rust: no tape
//! objects, no operator overloading, no nightly compiler. It is what
//! PyTorch's autograd does at run time, done once by the compiler.
//!
//! ```
//! use autodiff::differentiate;
//!
//! #[differentiate]
//! fn f(x: f64, y: f64) -> f64 {
//!     x * y + x.sin()
//! }
//!
//! let (value, (dx, dy)) = f_grad(2.0, 3.0);
//! assert_eq!(value, f(2.0, 3.0));
//! assert_eq!(dx, 3.0 + 2f64.cos());
//! assert_eq!(dy, 2.0);
//! ```
//!
//! # What is generated
//!
//! Next to `f`, with its visibility and generics:
//!
//! - `f_grad(<params>) -> (value, gradient)` for a scalar result. The
//!   gradient has one entry per differentiated parameter, in order: `f64`
//!   for an `f64`, `Vec<f64>` for a slice or `Vec`, `[f64; N]` for an array,
//!   `Vec<Vec<f64>>` for rows; a tuple when there are several.
//! - `f_vjp(<params>, seed, d_a, d_b, ...) -> value`: the vector-Jacobian
//!   product. It *adds* `seedᵀ·∂f/∂a` into the buffer `d_a`, like PyTorch's
//!   `.grad` and Enzyme's shadows, so the caller zeroes the buffers. The seed
//!   is an `f64` for a scalar result and a slice for a `Vec` result.
//!
//! `#[differentiate(wrt(w))]` differentiates with respect to the named
//! parameters only; the others are constants, as are integers, `bool`s and
//! any parameter without a float type.
//!
//! ```
//! use autodiff::differentiate;
//!
//! #[differentiate(wrt(w))]
//! fn loss(w: &[f64], xs: &[f64], ys: &[f64]) -> f64 {
//!     let mut total = 0.0;
//!     for i in 0..xs.len() {
//!         let r = w[0] * xs[i] + w[1] - ys[i];
//!         total += r * r;
//!     }
//!     total / xs.len() as f64
//! }
//!
//! let (l, g) = loss_grad(&[1.0, 0.0], &[1.0, 2.0], &[2.0, 3.0]);
//! assert_eq!(l, 1.0);
//! assert_eq!(g, vec![-3.0, -2.0]);
//!
//! // The same gradient through the vector-Jacobian product, accumulated.
//! let mut d_w = vec![0.0; 2];
//! loss_vjp(&[1.0, 0.0], &[1.0, 2.0], &[2.0, 3.0], 1.0, &mut d_w);
//! loss_vjp(&[1.0, 0.0], &[1.0, 2.0], &[2.0, 3.0], 1.0, &mut d_w);
//! assert_eq!(d_w, vec![-6.0, -4.0]);
//! ```
//!
//! # The language inside a differentiated function
//!
//! - `let`, `let mut`, shadowing, reassignment, `+= -= *= /=`; arithmetic on
//!   `f64`/`f32`; integer `as` casts (constants).
//! - The float methods `sin cos tan asin acos atan atan2 sinh cosh tanh asinh
//!   acosh atanh exp exp2 exp_m1 ln ln_1p log log2 log10 sqrt cbrt powi powf
//!   recip abs max min hypot mul_add clamp`, as methods or as `f64::sin(x)`;
//!   `floor ceil round trunc signum` have derivative zero.
//! - `if`/`else` as statements and expressions, `&& || !` and comparisons in
//!   conditions, early `return`.
//! - `for` over `a..b`, `a..=b`, `.rev()`, `.step_by(k)`; `while`; `loop`
//!   with `break` and `continue`.
//! - Slices, arrays and `Vec`s of floats: `x[i]`, `x[i][j]`, `.len()`, local
//!   buffers `vec![0.0; n]`, `[0.0; N]`, `Vec::with_capacity` + `push`,
//!   indexed and compound writes, returning them.
//! - [`detach`]`(x)`: no gradient flows through it.
//!
//! Anything else is a compile error pointing at the code, saying what to
//! write instead; every error of a function is reported at once:
//!
//! ```compile_fail
//! use autodiff::differentiate;
//!
//! #[differentiate]
//! fn f(x: f64) -> f64 {
//!     x.to_degrees() // error: the method `to_degrees` has no derivative rule ...
//! }
//! ```
//!
//! # Loops and tapes
//!
//! The reverse sweep walks loops backwards. Values it needs are recomputed
//! when their inputs have not changed since (the Rosenbrock loop below keeps
//! nothing), and saved on a tape only when a loop overwrites them (a running
//! product keeps each partial product):
//!
//! ```
//! use autodiff::differentiate;
//!
//! #[differentiate]
//! fn product(x: &[f64]) -> f64 {
//!     let mut p = 1.0;
//!     for i in 0..x.len() {
//!         p *= x[i];
//!     }
//!     p
//! }
//!
//! let (p, g) = product_grad(&[2.0, 3.0, 4.0]);
//! assert_eq!((p, g), (24.0, vec![12.0, 8.0, 6.0]));
//! ```
//!
//! # Numerical behaviour
//!
//! Generated code follows IEEE arithmetic and never panics on a value:
//!
//! - NaN and infinities propagate through the forward and reverse sweeps
//!   (`exp(1000)` has value and derivative `inf`; a NaN element of a slice
//!   makes only its own gradient component NaN). An adjoint that overflows
//!   in the reverse sweep is `inf`, as in PyTorch and JAX.
//! - At non-smooth points: `abs` has derivative 0 at 0; `max` and `min` split
//!   the gradient evenly on a tie and ignore a NaN operand, as `f64::max`
//!   does; `clamp` passes the gradient to `x` on `[lo, hi]` and to the bound
//!   outside; `sqrt` and `cbrt` have derivative `+inf` at 0; `floor`,
//!   `ceil`, `round`, `trunc`, `signum` and comparisons have derivative 0.
//! - The chain rule is applied as written, as in PyTorch and JAX: at a
//!   singular point it can meet `inf − inf` and give NaN even where the
//!   function is constant (`(x - x).cbrt()`).
//! - Values that do not reach the result are not differentiated, so a
//!   singular derivative in unused code cannot reach a gradient.
//! - Empty slices give empty gradients; a loop that runs zero times
//!   contributes nothing.
//!
//! # How it works
//!
//! The macro lowers the body to an IR with structured control flow, finds the
//! *active* values (those that depend on a differentiated parameter), and
//! emits a forward sweep (the original computation, plus saving what later
//! statements overwrite) and a reverse sweep (the statements backwards, each
//! propagating its result's adjoint to its operands through a rule of
//! [`autodiff_runtime::rules`]). `cargo expand` shows both sweeps.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use autodiff_macros::differentiate;
pub use autodiff_runtime::{detach, Adjoint, Differentiable, Real, Tape};

/// What generated code calls. Not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use autodiff_runtime::buffers::{
        accumulate, check_len, check_rows, pop_adjoint, reset_like, zero_like,
    };
    pub use autodiff_runtime::rules;
    pub use autodiff_runtime::{snapshot, take, trip_count, Adjoint, Slot, Tape};
}
