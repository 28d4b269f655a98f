//! Runtime support for [`autodiff`](https://docs.rs/autodiff): the code that
//! `#[differentiate]` generates calls into this crate, through the facade.
//!
//! - [`rules`]: one pullback per primitive operation, with its math.
//! - [`Tape`]: storage for values a loop overwrites and the reverse sweep needs.
//! - [`buffers`]: zero gradients, accumulation, shape checks.
//! - [`calls`]: how a differentiated function calls another one's pullback.
//! - [`structs`]: what `#[derive(Differentiable)]` structs are made of.
//! - [`detach`] and [`no_grad!`]: values through which no gradient flows.
//! - [`Vector`] and [`Matrix`]: element-wise arithmetic and linear algebra.
//! - [`gradcheck`]: the dot-product test against finite differences.
//!
//! Users depend on the `autodiff` facade, which re-exports what they need.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod buffers;
pub mod calls;
pub mod gradcheck;
mod matrix;
mod real;
pub mod rules;
pub mod structs;
mod tape;
pub mod tensor;
mod vector;

pub use buffers::{Adjoint, Differentiable};
pub use matrix::Matrix;
pub use real::Real;
pub use tape::{trip_count, ReplayTape, Slot, Tape};
pub use vector::Vector;

/// A block whose every value is detached (PyTorch's `with torch.no_grad()`):
/// inside a `#[differentiate]` function no gradient flows through the values
/// it computes. Outside one, it is just the block.
///
/// ```
/// use autodiff_runtime::no_grad;
/// let x = 3.0_f64;
/// let y = no_grad! { x * x };
/// assert_eq!(y, 9.0);
/// ```
#[macro_export]
macro_rules! no_grad {
    ($($body:tt)*) => {{ $($body)* }};
}

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

/// An owned copy of a buffer however the function holds it: `v.to_vec()` or
/// `v.clone()` of a slice parameter is a `Vec`, not a second reference.
#[doc(hidden)]
#[inline(always)]
pub fn owned<T: Owned + ?Sized>(x: &T) -> T::Copy {
    x.owned()
}

/// Buffers [`owned`] copies, through any number of references.
#[doc(hidden)]
pub trait Owned {
    /// The owned buffer.
    type Copy;
    /// An owned copy.
    fn owned(&self) -> Self::Copy;
}

impl<T: Clone> Owned for [T] {
    type Copy = Vec<T>;
    fn owned(&self) -> Vec<T> {
        self.to_vec()
    }
}

impl<T: Clone> Owned for Vec<T> {
    type Copy = Vec<T>;
    fn owned(&self) -> Vec<T> {
        self.clone()
    }
}

impl<T: Clone, const N: usize> Owned for [T; N] {
    type Copy = [T; N];
    fn owned(&self) -> [T; N] {
        self.clone()
    }
}

impl<T: Owned + ?Sized> Owned for &T {
    type Copy = T::Copy;
    fn owned(&self) -> T::Copy {
        (**self).owned()
    }
}

impl<T: Owned + ?Sized> Owned for &mut T {
    type Copy = T::Copy;
    fn owned(&self) -> T::Copy {
        (**self).owned()
    }
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
