//! Calls between differentiated functions.
//!
//! Every `#[differentiate] fn g` also gets a hidden *pullback* that any
//! caller can use, whatever `g`'s public `wrt`: it takes one optional
//! gradient buffer per parameter and adds the seed's pullback into those
//! present. A caller passes `None` for a constant argument and
//! `as_buffer(&mut adjoint)` for an active one; the callee's signature
//! fixes the buffer type, so the caller needs no type information.
//!
//! ```text
//! let y = g(a, &v, n);        reverse:  let mut da = 0.0;
//!                                       g::pullback(a, &v, n, seed(&dy),
//!                                           as_buffer(&mut da),
//!                                           as_buffer(&mut v_adj), None);
//! ```

use crate::buffers::Differentiable;
use core::borrow::BorrowMut;

/// The buffer type of a parameter that has no gradient (an integer, a
/// `bool`, a non-float type): a caller can only pass `None` for it.
pub enum NoGradient {}

/// An adjoint that can receive the gradient of a parameter whose buffer type
/// is `B`.
#[diagnostic::on_unimplemented(
    message = "this argument carries a gradient, but the called function has none for its parameter",
    label = "the gradient of this argument cannot flow into the call",
    note = "the parameter is not a float, a slice, `Vec` or array of floats, or a struct named in the callee's `wrt`, or the called function cannot be differentiated with respect to it; wrap the argument in `detach(...)` if no gradient should flow through it"
)]
pub trait AsBuffer<B: ?Sized> {
    /// The adjoint as the callee's buffer type.
    fn as_buffer(&mut self) -> &mut B;
}

macro_rules! impl_scalar {
    ($($t:ty)*) => {$(
        impl AsBuffer<$t> for $t {
            #[inline(always)]
            fn as_buffer(&mut self) -> &mut $t { self }
        }
    )*};
}
impl_scalar!(f32 f64);

impl<T> AsBuffer<[T]> for Vec<T> {
    #[inline(always)]
    fn as_buffer(&mut self) -> &mut [T] {
        self
    }
}

impl<T> AsBuffer<[T]> for &mut [T] {
    #[inline(always)]
    fn as_buffer(&mut self) -> &mut [T] {
        self
    }
}

impl<T, const N: usize> AsBuffer<[T]> for [T; N] {
    #[inline(always)]
    fn as_buffer(&mut self) -> &mut [T] {
        self
    }
}

impl<T, const N: usize> AsBuffer<[T; N]> for [T; N] {
    #[inline(always)]
    fn as_buffer(&mut self) -> &mut [T; N] {
        self
    }
}

impl<T, const N: usize> AsBuffer<[T]> for &mut [T; N] {
    #[inline(always)]
    fn as_buffer(&mut self) -> &mut [T] {
        *self
    }
}

impl<T, const N: usize> AsBuffer<[T; N]> for &mut [T; N] {
    #[inline(always)]
    fn as_buffer(&mut self) -> &mut [T; N] {
        self
    }
}

/// `adjoint` as the buffer the callee's parameter expects.
#[inline(always)]
pub fn as_buffer<B: ?Sized, A: AsBuffer<B> + ?Sized>(adjoint: &mut A) -> Option<&mut B> {
    Some(adjoint.as_buffer())
}

/// A cotangent as the seed type of the callee's result: a float by value, a
/// vector or array by reference.
pub trait AsSeed<'a, S> {
    /// The cotangent as a seed.
    fn as_seed(&'a self) -> S;
}

macro_rules! impl_seed {
    ($($t:ty)*) => {$(
        impl AsSeed<'_, $t> for $t {
            #[inline(always)]
            fn as_seed(&self) -> $t { *self }
        }
    )*};
}
impl_seed!(f32 f64);

impl<'a, T> AsSeed<'a, &'a [T]> for Vec<T> {
    #[inline(always)]
    fn as_seed(&'a self) -> &'a [T] {
        self
    }
}

impl<'a, T, const N: usize> AsSeed<'a, &'a [T; N]> for [T; N] {
    #[inline(always)]
    fn as_seed(&'a self) -> &'a [T; N] {
        self
    }
}

/// The cotangent `d` of a call's result as the callee's seed.
#[inline(always)]
pub fn seed<'a, S, D: AsSeed<'a, S>>(d: &'a D) -> S {
    d.as_seed()
}

/// The caller's buffer, or a zeroed scratch one when the caller passed
/// `None` (a constant argument): the pullback writes into it either way.
#[inline]
pub fn buffer_or<'a, B: ?Sized, P: Differentiable + ?Sized>(
    buffer: Option<&'a mut B>,
    scratch: &'a mut Option<P::Grad>,
    primal: &P,
) -> &'a mut B
where
    P::Grad: BorrowMut<B>,
{
    match buffer {
        Some(b) => b,
        None => scratch.insert(primal.zero_grad()).borrow_mut(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_and_seeds_convert_to_the_callee_types() {
        let mut v = vec![0.0_f64; 2];
        if let Some(b) = as_buffer::<[f64], _>(&mut v) {
            b[1] += 1.0;
        }
        let mut a = [0.0_f64; 2];
        if let Some(b) = as_buffer::<[f64; 2], _>(&mut a) {
            b[0] += 2.0;
        }
        let mut s = 0.0_f64;
        if let Some(b) = as_buffer::<f64, _>(&mut s) {
            *b += 3.0;
        }
        assert_eq!((v, a, s), (vec![0.0, 1.0], [2.0, 0.0], 3.0));
        let d = vec![1.0_f64, 2.0];
        let sd: &[f64] = seed(&d);
        assert_eq!(sd, &[1.0, 2.0]);
        let x: f64 = seed(&4.0_f64);
        assert_eq!(x, 4.0);
    }

    #[test]
    fn a_missing_buffer_is_replaced_by_zeros_of_the_primal_shape() {
        let primal: &[f64] = &[1.0, 2.0, 3.0];
        let mut scratch = None;
        let b: &mut [f64] = buffer_or(None, &mut scratch, &primal);
        assert_eq!(b, &[0.0, 0.0, 0.0]);
        let mut mine = [5.0; 3];
        let mut scratch = None;
        let b: &mut [f64] = buffer_or(Some(&mut mine[..]), &mut scratch, &primal);
        b[0] += 1.0;
        assert_eq!(mine[0], 6.0);
    }
}

/// How many pullbacks that keep their forward sweep's values may be alive
/// at once, per thread. Past it, `forward` keeps nothing and the reverse
/// sweep runs the call's forward sweep again: a recursion that branches
/// (`det` by minors) keeps its top levels and recomputes the deep ones,
/// rather than holding a pullback for each of its exponentially many calls.
const KEPT_PULLBACKS: usize = 1 << 12;

std::thread_local! {
    static KEPT: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

/// A kept pullback's share of the budget, returned when it is dropped.
pub struct Kept(());

impl Drop for Kept {
    fn drop(&mut self) {
        let _ = KEPT.try_with(|k| k.set(k.get().saturating_sub(1)));
    }
}

/// A share of the budget of kept pullbacks, if any is left.
#[inline]
pub fn keep_pullback() -> Option<Kept> {
    KEPT.with(|k| {
        let n = k.get();
        (n < KEPT_PULLBACKS).then(|| {
            k.set(n + 1);
            Kept(())
        })
    })
}
