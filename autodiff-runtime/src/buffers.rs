//! Gradient buffers: zero gradients of a parameter's shape, accumulation,
//! shape checks at the entry of generated functions.

use crate::real::Real;

/// A value that has a gradient: floats, and slices, vectors and arrays of them.
///
/// `Grad` is the owned type of the gradient (`Vec<T>` for a slice).
pub trait Differentiable {
    /// The gradient's type.
    type Grad;
    /// A zero gradient with the shape of `self`.
    fn zero_grad(&self) -> Self::Grad;
    /// Makes `grad` a zero gradient with the shape of `self`, reusing its
    /// storage where it can (a `Vec` keeps its capacity).
    fn zero_grad_into(&self, grad: &mut Self::Grad) {
        *grad = self.zero_grad();
    }
}

/// Storage for a gradient: it can be zeroed and accumulated into.
pub trait Adjoint {
    /// Sets every element to zero, keeping the shape.
    fn set_zero(&mut self);
    /// `self += d`, element by element.
    ///
    /// # Panics
    /// If the shapes differ.
    fn accumulate(&mut self, d: &Self);
    /// Becomes zeros of `like`'s shape, reusing its own storage where it
    /// can (a `Vec` neither copies `like`'s values nor allocates when its
    /// capacity suffices).
    fn zero_as(&mut self, like: &Self)
    where
        Self: Clone,
    {
        self.clone_from(like);
        self.set_zero();
    }
}

/// An adjoint that becomes zeros of a given length: the adjoint of a buffer
/// whose old value, of that length, was overwritten by one of another.
pub trait ZeroLen {
    /// Becomes `len` zeros (a fixed-size adjoint: zeros of its own size).
    fn zero_len(&mut self, len: usize);
}

impl<T: Real> ZeroLen for Vec<T> {
    fn zero_len(&mut self, len: usize) {
        self.clear();
        self.resize(len, T::default());
    }
}

impl<T: Real, const N: usize> ZeroLen for [T; N] {
    fn zero_len(&mut self, _: usize) {
        *self = [T::default(); N];
    }
}

macro_rules! impl_scalar {
    ($($t:ty)*) => {$(
        impl Differentiable for $t {
            type Grad = $t;
            #[inline(always)]
            fn zero_grad(&self) -> $t { 0.0 }
        }
        impl Adjoint for $t {
            #[inline(always)]
            fn set_zero(&mut self) { *self = 0.0; }
            #[inline(always)]
            fn accumulate(&mut self, d: &Self) { *self += *d; }
        }
    )*};
}
impl_scalar!(f32 f64);

impl<T: Differentiable> Differentiable for [T] {
    type Grad = Vec<T::Grad>;
    fn zero_grad(&self) -> Self::Grad {
        self.iter().map(Differentiable::zero_grad).collect()
    }
    fn zero_grad_into(&self, grad: &mut Self::Grad) {
        grad.truncate(self.len());
        for (g, x) in grad.iter_mut().zip(self) {
            x.zero_grad_into(g);
        }
        let kept = grad.len();
        grad.extend(self[kept..].iter().map(Differentiable::zero_grad));
    }
}

impl<T: Differentiable> Differentiable for Vec<T> {
    type Grad = Vec<T::Grad>;
    fn zero_grad(&self) -> Self::Grad {
        self.as_slice().zero_grad()
    }
    fn zero_grad_into(&self, grad: &mut Self::Grad) {
        self.as_slice().zero_grad_into(grad);
    }
}

impl<T: Differentiable, const N: usize> Differentiable for [T; N] {
    type Grad = [T::Grad; N];
    fn zero_grad(&self) -> Self::Grad {
        core::array::from_fn(|i| self[i].zero_grad())
    }
}

impl<T: Differentiable + ?Sized> Differentiable for &T {
    type Grad = T::Grad;
    fn zero_grad(&self) -> Self::Grad {
        (**self).zero_grad()
    }
    fn zero_grad_into(&self, grad: &mut Self::Grad) {
        (**self).zero_grad_into(grad);
    }
}

impl<T: Adjoint> Adjoint for [T] {
    fn set_zero(&mut self) {
        self.iter_mut().for_each(Adjoint::set_zero);
    }
    fn accumulate(&mut self, d: &Self) {
        check_len("cotangent", "adjoint", self.len(), d.len());
        for (a, b) in self.iter_mut().zip(d) {
            a.accumulate(b);
        }
    }
}

impl<T: Adjoint + Clone> Adjoint for Vec<T> {
    fn set_zero(&mut self) {
        self.as_mut_slice().set_zero();
    }
    fn accumulate(&mut self, d: &Self) {
        self.as_mut_slice().accumulate(d.as_slice());
    }
    fn zero_as(&mut self, like: &Self) {
        self.truncate(like.len());
        for (a, b) in self.iter_mut().zip(like) {
            a.zero_as(b);
        }
        let kept = self.len();
        self.extend(like[kept..].iter().map(|b| {
            let mut z = b.clone();
            z.set_zero();
            z
        }));
    }
}

impl<T: Adjoint, const N: usize> Adjoint for [T; N] {
    fn set_zero(&mut self) {
        self.as_mut_slice().set_zero();
    }
    fn accumulate(&mut self, d: &Self) {
        self.as_mut_slice().accumulate(d.as_slice());
    }
}

/// A zero adjoint with the shape of `x`.
#[inline(always)]
pub fn zero_like<T: Differentiable + ?Sized>(x: &T) -> T::Grad {
    x.zero_grad()
}

/// A zero adjoint with the shape of `x`, in the storage `pool` kept from
/// the last time: a temporary adjoint that a loop needs every iteration
/// allocates once.
#[inline]
pub fn zero_in<'a, T: Differentiable + ?Sized>(
    pool: &'a mut Option<T::Grad>,
    x: &T,
) -> &'a mut T::Grad {
    match pool {
        Some(g) => {
            x.zero_grad_into(g);
            g
        }
        None => pool.insert(x.zero_grad()),
    }
}

/// A copy of the adjoint `adj`, in the storage `pool` kept from the last
/// time (see [`zero_in`]).
#[inline]
pub fn copy_in<'a, T: Clone>(pool: &'a mut Option<T>, adj: &T) -> &'a T {
    match pool {
        Some(c) => {
            c.clone_from(adj);
            c
        }
        None => pool.insert(adj.clone()),
    }
}

/// Resets the adjoint `adj` to zeros of the shape of `x`, reusing its storage.
#[inline]
pub fn reset_like<T: Clone + Adjoint>(adj: &mut T, x: &T) {
    adj.zero_as(x);
}

/// `target += d` for any adjoint shape.
#[inline(always)]
pub fn accumulate<T: Adjoint + ?Sized>(target: &mut T, d: &T) {
    target.accumulate(d);
}

/// `target += d` for a scratch adjoint `d` (of a buffer passed twice to a
/// call) added back into the adjoint it stands for, whatever holds that: a
/// local (`v_adj: Vec<f64>`, a struct), a parameter's buffer
/// (`d_x: &mut [f64]`, `d_p: &mut P`), a row or a field.
pub trait AddScratch<G: ?Sized> {
    /// `self += d`.
    fn add_scratch(&mut self, d: &G);
}

impl<T: Adjoint + ?Sized> AddScratch<T> for T {
    #[inline]
    fn add_scratch(&mut self, d: &T) {
        self.accumulate(d);
    }
}

impl<T: Adjoint + ?Sized> AddScratch<T> for &mut T {
    #[inline]
    fn add_scratch(&mut self, d: &T) {
        (**self).accumulate(d);
    }
}

impl<T: Adjoint> AddScratch<Vec<T>> for &mut [T] {
    #[inline]
    fn add_scratch(&mut self, d: &Vec<T>) {
        (**self).accumulate(d.as_slice());
    }
}

/// See [`AddScratch`].
#[inline]
pub fn add_scratch<A: AddScratch<G> + ?Sized, G: ?Sized>(target: &mut A, d: &G) {
    target.add_scratch(d);
}

/// `v = Vec::with_capacity(capacity)` (or `Vec::new()`) for a `let` in a
/// loop, in generated code: the old value of `v` is dead there, so its
/// storage is kept rather than freed and allocated again.
#[inline]
pub fn renew<T>(v: &mut Vec<T>, capacity: usize) {
    v.clear();
    v.reserve(capacity);
}

/// `v = vec![elem; len]` for a `let` in a loop, in generated code, reusing
/// the storage of the dead old value as [`renew`] does.
#[inline]
pub fn renew_splat<T: Clone>(v: &mut Vec<T>, elem: T, len: usize) {
    v.clear();
    v.resize(len, elem);
}

/// Removes and returns the last element of a vector's adjoint: the reverse of
/// `v.push(x)` hands that element's cotangent to `x`.
#[inline]
pub fn pop_adjoint<T: Real>(adj: &mut Vec<T>) -> T {
    adj.pop().unwrap_or_default()
}

/// Checks at the entry of a generated function that a gradient buffer or seed
/// has the length of what it belongs to.
///
/// # Panics
/// With a message naming both and both lengths.
#[inline]
#[track_caller]
pub fn check_len(buffer: &str, of: &str, buffer_len: usize, expected: usize) {
    if buffer_len != expected {
        len_mismatch(buffer, of, buffer_len, expected);
    }
}

/// Checks a buffer of rows against a parameter of rows, row by row.
///
/// # Panics
/// With a message naming both and the lengths that differ.
#[track_caller]
pub fn check_rows<P: AsRef<[T]>, B: AsRef<[T]>, T>(buffer: &str, of: &str, b: &[B], p: &[P]) {
    check_len(buffer, of, b.len(), p.len());
    for (i, (br, pr)) in b.iter().zip(p).enumerate() {
        let (bl, pl) = (br.as_ref().len(), pr.as_ref().len());
        if bl != pl {
            len_mismatch(&format!("{buffer}[{i}]"), &format!("{of}[{i}]"), bl, pl);
        }
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn len_mismatch(buffer: &str, of: &str, buffer_len: usize, expected: usize) -> ! {
    panic!("autodiff: `{buffer}` has length {buffer_len} but `{of}` has length {expected}; they must match")
}

#[cfg(test)]
mod tests {
    use super::{copy_in, renew, renew_splat, reset_like, zero_in, ZeroLen};

    #[test]
    fn renew_keeps_storage_and_gives_the_new_value() {
        let mut v = vec![1.0, 2.0, 3.0, 4.0];
        let storage = v.as_ptr();
        renew(&mut v, 2);
        assert!(v.is_empty() && v.capacity() >= 2);
        assert_eq!(v.as_ptr(), storage);
        renew_splat(&mut v, 0.5, 3);
        assert_eq!(v, [0.5; 3]);
        assert_eq!(v.as_ptr(), storage);
        // Longer than before: grown, with the new elements only.
        renew_splat(&mut v, 2.0, 6);
        assert_eq!(v, [2.0; 6]);
    }

    #[test]
    fn reset_like_takes_the_shape_and_reuses_storage() {
        // Moved out (empty): zeros of the new length.
        let mut adj: Vec<f64> = Vec::new();
        reset_like(&mut adj, &vec![1.0, 2.0, 3.0]);
        assert_eq!(adj, [0.0; 3]);
        // Longer, with values: truncated and zeroed in place.
        let mut adj = vec![5.0; 8];
        let storage = adj.as_ptr();
        reset_like(&mut adj, &vec![1.0, 2.0]);
        assert_eq!(adj, [0.0; 2]);
        assert_eq!(adj.as_ptr(), storage);
        // Rows of other lengths.
        let mut rows = vec![vec![1.0; 4], vec![2.0]];
        reset_like(&mut rows, &vec![vec![7.0; 2], vec![8.0; 3], vec![9.0]]);
        assert_eq!(rows, vec![vec![0.0; 2], vec![0.0; 3], vec![0.0]]);
    }

    #[test]
    fn pooled_adjoints_take_the_shape_and_keep_their_storage() {
        let mut pool = None;
        zero_in(&mut pool, &vec![vec![1.0; 3], vec![2.0]])[0][1] = 4.0;
        let storage = pool.as_ref().map(|rows: &Vec<Vec<f64>>| rows[0].as_ptr());
        let rows = zero_in(&mut pool, &vec![vec![5.0; 2], vec![6.0; 2], vec![7.0]]);
        assert_eq!(*rows, vec![vec![0.0; 2], vec![0.0; 2], vec![0.0]]);
        assert_eq!(Some(rows[0].as_ptr()), storage);

        let mut pool = None;
        assert_eq!(*copy_in(&mut pool, &vec![1.0, 2.0]), [1.0, 2.0]);
        let storage = pool.as_ref().map(Vec::as_ptr);
        let copy = copy_in(&mut pool, &vec![3.0]);
        assert_eq!(*copy, [3.0]);
        assert_eq!(Some(copy.as_ptr()), storage);
    }

    #[test]
    fn zero_len_takes_a_length_where_it_has_one() {
        let mut adj = vec![2.0, 3.0];
        adj.zero_len(4);
        assert_eq!(adj, [0.0; 4]);
        adj[0] = 1.0;
        adj.zero_len(1);
        assert_eq!(adj, [0.0]);
        let mut empty: Vec<f32> = Vec::new();
        empty.zero_len(2);
        assert_eq!(empty, [0.0; 2]);
        let mut fixed = [5.0; 2];
        fixed.zero_len(7);
        assert_eq!(fixed, [0.0; 2]);
    }
}
