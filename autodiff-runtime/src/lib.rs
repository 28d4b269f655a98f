//! Runtime support for [`autodiff`](https://docs.rs/autodiff): the code that
//! `#[differentiate]` generates calls into this crate, through the facade.
//!
//! - [`rules`]: one pullback per primitive operation, with its math.
//! - [`Tape`]: storage for values a loop overwrites and the reverse sweep needs.
//! - [`buffers`]: zero gradients, accumulation, shape checks.
//! - [`calls`]: how a differentiated function calls another one's pullback.
//! - [`structs`]: what `#[derive(Differentiable)]` structs are made of.
//! - [`detach`]: the identity function through which no gradient flows.
//!
//! Users depend on the `autodiff` facade, which re-exports what they need.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod buffers;
pub mod calls;
mod real;
pub mod rules;
pub mod structs;
mod tape;

pub use buffers::{Adjoint, Differentiable};
pub use real::Real;
pub use tape::{trip_count, Slot, Tape};

/// Stops the gradient: returns `x` unchanged, and inside a `#[differentiate]`
/// function no gradient flows back through it (PyTorch's `detach`, JAX's
/// `stop_gradient`).
///
/// ```
/// use autodiff_runtime::detach;
/// assert_eq!(detach(2.5), 2.5);
/// ```
#[inline(always)]
pub fn detach<T>(x: T) -> T {
    x
}

/// Moves a value out, leaving its default: how the forward sweep saves a
/// buffer it is about to overwrite without copying it.
#[doc(hidden)]
#[inline(always)]
pub fn take<T: Default>(x: &mut T) -> T {
    core::mem::take(x)
}

/// A copy of a value the forward sweep must keep while it goes on using it.
#[doc(hidden)]
#[inline(always)]
pub fn snapshot<T: Clone>(x: &T) -> T {
    x.clone()
}
