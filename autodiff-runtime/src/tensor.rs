//! What [`Vector`] and [`Matrix`] share: element-wise operators and math,
//! shape checks, and the traits through which one scalar derivative rule
//! serves scalars, vectors and matrices alike.
//!
//! A rule is written once for scalars (`x̄ = ȳ·cos x`); [`Elementwise`] lifts
//! it over the elements of a vector, and [`Zip`] lifts a binary rule over two
//! operands that broadcast: a scalar operand of a vector operation receives
//! the sum of the element cotangents, as in PyTorch and JAX.

use crate::buffers::{Adjoint, Differentiable};
use crate::calls::{AsBuffer, AsSeed};
use crate::real::Real;
use crate::rules::Tensor;
use crate::{Matrix, Owned, Vector};
use core::fmt;
use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

/// A value whose elements a unary rule applies to one by one.
pub trait Elementwise: Sized {
    /// The scalar type of the elements.
    type Elem: Real;
    /// `f(xᵢ, yᵢ, dᵢ)` for every element, written into `d`'s storage.
    fn lift(
        x: &Self,
        y: &Self,
        d: Self,
        f: impl Fn(Self::Elem, Self::Elem, Self::Elem) -> Self::Elem,
    ) -> Self;
}

/// Operands `(Self, B)` of a binary element-wise operation, with broadcasting.
pub trait Zip<B>: Sized {
    /// The result's type.
    type Out;
    /// The scalar type of the elements.
    type Elem: Real;
    /// The cotangents of both operands from `f(aᵢ, bᵢ, yᵢ, dᵢ)`; a broadcast
    /// scalar gets the sum over the elements.
    fn lift2(
        a: &Self,
        b: &B,
        y: &Self::Out,
        d: Self::Out,
        f: impl Fn(Self::Elem, Self::Elem, Self::Elem, Self::Elem) -> (Self::Elem, Self::Elem),
    ) -> (Self, B);
}

macro_rules! scalar_lifts {
    ($($t:ty)*) => {$(
        impl Elementwise for $t {
            type Elem = $t;
            #[inline(always)]
            fn lift(x: &$t, y: &$t, d: $t, f: impl Fn($t, $t, $t) -> $t) -> $t {
                f(*x, *y, d)
            }
        }
        impl Zip<$t> for $t {
            type Out = $t;
            type Elem = $t;
            #[inline(always)]
            fn lift2(a: &$t, b: &$t, y: &$t, d: $t, f: impl Fn($t, $t, $t, $t) -> ($t, $t)) -> ($t, $t) {
                f(*a, *b, *y, d)
            }
        }
    )*};
}
scalar_lifts!(f32 f64);

/// The shape of a vector or matrix, for checks and messages.
pub trait Shaped {
    /// `(len, 1)` for a vector, `(rows, cols)` for a matrix.
    fn dims(&self) -> (usize, usize);
    /// "vector of length 3", "2×3 matrix".
    fn describe(&self) -> String;
    /// Whether `other` has the same shape.
    fn same_shape_as(&self, other: &Self) -> bool {
        self.dims() == other.dims()
    }
}

impl Shaped for Vector {
    fn dims(&self) -> (usize, usize) {
        (self.data.len(), 1)
    }
    fn describe(&self) -> String {
        format!("vector of length {}", self.data.len())
    }
}

impl Shaped for Matrix {
    fn dims(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }
    fn describe(&self) -> String {
        format!("{}×{} matrix", self.rows, self.cols)
    }
}

impl<T: Shaped + ?Sized> Shaped for &T {
    fn dims(&self) -> (usize, usize) {
        (**self).dims()
    }
    fn describe(&self) -> String {
        (**self).describe()
    }
}

impl<T: Shaped + ?Sized> Shaped for &mut T {
    fn dims(&self) -> (usize, usize) {
        (**self).dims()
    }
    fn describe(&self) -> String {
        (**self).describe()
    }
}

/// A vector or matrix through any number of references.
pub trait TensorRef {
    /// `Vector` or `Matrix`.
    type Target;
    /// The value itself.
    fn tensor(&self) -> &Self::Target;
}

impl TensorRef for Vector {
    type Target = Vector;
    #[inline(always)]
    fn tensor(&self) -> &Vector {
        self
    }
}

impl TensorRef for Matrix {
    type Target = Matrix;
    #[inline(always)]
    fn tensor(&self) -> &Matrix {
        self
    }
}

impl<T: TensorRef + ?Sized> TensorRef for &T {
    type Target = T::Target;
    #[inline(always)]
    fn tensor(&self) -> &T::Target {
        (**self).tensor()
    }
}

/// `&x` for a vector or matrix `x` that generated code holds either by
/// value or by reference (`detach(x)` of a parameter `x: &Vector`).
#[inline(always)]
pub fn tensor_ref<T: TensorRef + ?Sized>(x: &T) -> &T::Target {
    x.tensor()
}

/// Checks at the entry of a generated function that a gradient buffer or
/// seed has the shape of the vector or matrix it belongs to.
///
/// # Panics
/// With a message naming both and both shapes.
#[inline]
#[track_caller]
pub fn check_shape<A: Shaped + ?Sized, B: Shaped + ?Sized>(buffer: &str, of: &str, b: &A, p: &B) {
    if b.dims() != p.dims() {
        panic!(
            "autodiff: `{buffer}` is a {} but `{of}` is a {}; they must match",
            b.describe(),
            p.describe()
        );
    }
}

/// Panics unless `a` and `b` have the same shape.
#[inline]
#[track_caller]
pub(crate) fn same_shape<T: Shaped>(a: &T, b: &T, op: &str) {
    if !a.same_shape_as(b) {
        mismatch(op, &a.describe(), &b.describe());
    }
}

#[cold]
#[inline(never)]
#[track_caller]
pub(crate) fn mismatch(op: &str, a: &str, b: &str) -> ! {
    panic!("autodiff: shape mismatch in `{op}`: {a} and {b}")
}

/// An element as PyTorch prints it: `2.` for a whole number.
pub(crate) fn write_elem(f: &mut fmt::Formatter<'_>, x: f64) -> fmt::Result {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
        write!(f, "{x}.")
    } else {
        write!(f, "{x}")
    }
}

/// The second operand of an element-wise method such as `powf` or
/// `maximum`: a scalar (broadcast) or a tensor of the same shape.
pub trait ElemArg<T> {
    /// Element `i` of the operand (the scalar itself for a scalar).
    fn elem(&self, i: usize) -> f64;
    /// Panics unless the operand fits `t`.
    fn check(&self, t: &T, op: &str);
}

impl<T> ElemArg<T> for f64 {
    #[inline(always)]
    fn elem(&self, _: usize) -> f64 {
        *self
    }
    fn check(&self, _: &T, _: &str) {}
}

macro_rules! tensor {
    ($T:ident) => {
        impl $T {
            /// Applies `f` to every element.
            pub fn map(&self, f: impl Fn(f64) -> f64) -> $T {
                let mut out = self.clone();
                out.data.iter_mut().for_each(|x| *x = f(*x));
                out
            }

            fn zip_with(&self, b: &impl ElemArg<$T>, op: &str, f: impl Fn(f64, f64) -> f64) -> $T {
                b.check(self, op);
                let mut out = self.clone();
                for (i, x) in out.data.iter_mut().enumerate() {
                    *x = f(*x, b.elem(i));
                }
                out
            }
        }

        tensor!(@unary $T: sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh
            exp exp2 exp_m1 ln ln_1p log2 log10 sqrt cbrt recip abs floor ceil round trunc signum);
        tensor!(@binary $T: powf atan2 log hypot);

        impl $T {
            /// `xᵢⁿ` for every element.
            pub fn powi(&self, n: i32) -> $T {
                self.map(|x| x.powi(n))
            }
            /// The larger of `xᵢ` and `bᵢ` (or the scalar `b`) for every element
            /// (`torch.maximum`).
            pub fn maximum(&self, b: impl ElemArg<$T>) -> $T {
                self.zip_with(&b, "maximum", f64::max)
            }
            /// The smaller of `xᵢ` and `bᵢ` (or the scalar `b`) for every element
            /// (`torch.minimum`).
            pub fn minimum(&self, b: impl ElemArg<$T>) -> $T {
                self.zip_with(&b, "minimum", f64::min)
            }
            /// Every element clamped to `[lo, hi]`.
            pub fn clamp(&self, lo: f64, hi: f64) -> $T {
                self.map(|x| x.clamp(lo, hi))
            }
        }

        impl ElemArg<$T> for $T {
            #[inline(always)]
            fn elem(&self, i: usize) -> f64 {
                self.data[i]
            }
            fn check(&self, t: &$T, op: &str) {
                same_shape(t, self, op);
            }
        }

        impl ElemArg<$T> for &$T {
            #[inline(always)]
            fn elem(&self, i: usize) -> f64 {
                self.data[i]
            }
            fn check(&self, t: &$T, op: &str) {
                same_shape(t, *self, op);
            }
        }

        tensor!(@op $T, Add, add, AddAssign, add_assign, +);
        tensor!(@op $T, Sub, sub, SubAssign, sub_assign, -);
        tensor!(@op $T, Mul, mul, MulAssign, mul_assign, *);
        tensor!(@op $T, Div, div, DivAssign, div_assign, /);

        impl Neg for $T {
            type Output = $T;
            fn neg(mut self) -> $T {
                self.data.iter_mut().for_each(|x| *x = -*x);
                self
            }
        }

        impl Neg for &$T {
            type Output = $T;
            fn neg(self) -> $T {
                -self.clone()
            }
        }

        impl Elementwise for $T {
            type Elem = f64;
            #[inline]
            fn lift(x: &$T, y: &$T, mut d: $T, f: impl Fn(f64, f64, f64) -> f64) -> $T {
                for ((d, x), y) in d.data.iter_mut().zip(&x.data).zip(&y.data) {
                    *d = f(*x, *y, *d);
                }
                d
            }
        }

        impl Zip<$T> for $T {
            type Out = $T;
            type Elem = f64;
            #[inline]
            fn lift2(a: &$T, b: &$T, y: &$T, mut d: $T, f: impl Fn(f64, f64, f64, f64) -> (f64, f64)) -> ($T, $T) {
                let mut db = d.clone();
                for (k, (da, db)) in d.data.iter_mut().zip(&mut db.data).enumerate() {
                    let (p, q) = f(a.data[k], b.data[k], y.data[k], *da);
                    *da = p;
                    *db = q;
                }
                (d, db)
            }
        }

        impl Zip<f64> for $T {
            type Out = $T;
            type Elem = f64;
            #[inline]
            fn lift2(a: &$T, b: &f64, y: &$T, mut d: $T, f: impl Fn(f64, f64, f64, f64) -> (f64, f64)) -> ($T, f64) {
                let mut db = 0.0;
                for (k, da) in d.data.iter_mut().enumerate() {
                    let (p, q) = f(a.data[k], *b, y.data[k], *da);
                    *da = p;
                    db += q;
                }
                (d, db)
            }
        }

        impl Zip<$T> for f64 {
            type Out = $T;
            type Elem = f64;
            #[inline]
            fn lift2(a: &f64, b: &$T, y: &$T, mut d: $T, f: impl Fn(f64, f64, f64, f64) -> (f64, f64)) -> (f64, $T) {
                let mut da = 0.0;
                for (k, db) in d.data.iter_mut().enumerate() {
                    let (p, q) = f(*a, b.data[k], y.data[k], *db);
                    da += p;
                    *db = q;
                }
                (da, d)
            }
        }

        impl Tensor for $T {
            #[inline(always)]
            fn elements(&self) -> &[f64] {
                &self.data
            }
            #[inline(always)]
            fn elements_mut(&mut self) -> &mut [f64] {
                &mut self.data
            }
        }

        impl Differentiable for $T {
            type Grad = $T;
            fn zero_grad(&self) -> $T {
                let mut z = self.clone();
                z.data.iter_mut().for_each(|x| *x = 0.0);
                z
            }
        }

        impl Adjoint for $T {
            fn set_zero(&mut self) {
                self.data.iter_mut().for_each(|x| *x = 0.0);
            }
            fn accumulate(&mut self, d: &Self) {
                same_shape(self, d, "gradient accumulation");
                for (a, b) in self.data.iter_mut().zip(&d.data) {
                    *a += b;
                }
            }
        }

        impl crate::buffers::ZeroLen for $T {
            fn zero_len(&mut self, _: usize) {
                self.set_zero();
            }
        }

        impl Owned for $T {
            type Copy = $T;
            fn owned(&self) -> $T {
                self.clone()
            }
        }

        impl AsBuffer<$T> for $T {
            #[inline(always)]
            fn as_buffer(&mut self) -> &mut $T {
                self
            }
        }

        impl AsBuffer<$T> for &mut $T {
            #[inline(always)]
            fn as_buffer(&mut self) -> &mut $T {
                self
            }
        }

        impl AsBuffer<[f64]> for $T {
            #[inline(always)]
            fn as_buffer(&mut self) -> &mut [f64] {
                &mut self.data
            }
        }

        impl<'a> AsSeed<'a, &'a $T> for $T {
            #[inline(always)]
            fn as_seed(&'a self) -> &'a $T {
                self
            }
        }
    };

    (@unary $T:ident: $($name:ident)*) => {
        impl $T {
            $(
                #[doc = concat!("`", stringify!($name), "` of every element.")]
                pub fn $name(&self) -> $T {
                    self.map(f64::$name)
                }
            )*
        }
    };

    (@binary $T:ident: $($name:ident)*) => {
        impl $T {
            $(
                #[doc = concat!("`", stringify!($name), "` of every element with the matching element of `b`, or with the scalar `b`.")]
                pub fn $name(&self, b: impl ElemArg<$T>) -> $T {
                    self.zip_with(&b, stringify!($name), f64::$name)
                }
            )*
        }
    };

    (@op $T:ident, $Op:ident, $op:ident, $OpAssign:ident, $op_assign:ident, $sym:tt) => {
        impl $OpAssign<&$T> for $T {
            #[track_caller]
            fn $op_assign(&mut self, b: &$T) {
                same_shape(&*self, b, stringify!($op));
                for (x, y) in self.data.iter_mut().zip(&b.data) {
                    *x = *x $sym *y;
                }
            }
        }
        impl $OpAssign<$T> for $T {
            #[track_caller]
            fn $op_assign(&mut self, b: $T) {
                $OpAssign::$op_assign(self, &b);
            }
        }
        impl $OpAssign<f64> for $T {
            fn $op_assign(&mut self, b: f64) {
                self.data.iter_mut().for_each(|x| *x = *x $sym b);
            }
        }
        impl $Op<&$T> for &$T {
            type Output = $T;
            #[track_caller]
            fn $op(self, b: &$T) -> $T {
                let mut out = self.clone();
                $OpAssign::$op_assign(&mut out, b);
                out
            }
        }
        impl $Op<$T> for &$T {
            type Output = $T;
            #[track_caller]
            fn $op(self, mut b: $T) -> $T {
                same_shape(self, &b, stringify!($op));
                for (y, x) in b.data.iter_mut().zip(&self.data) {
                    *y = *x $sym *y;
                }
                b
            }
        }
        impl $Op<&$T> for $T {
            type Output = $T;
            #[track_caller]
            fn $op(mut self, b: &$T) -> $T {
                $OpAssign::$op_assign(&mut self, b);
                self
            }
        }
        impl $Op<$T> for $T {
            type Output = $T;
            #[track_caller]
            fn $op(mut self, b: $T) -> $T {
                $OpAssign::$op_assign(&mut self, &b);
                self
            }
        }
        impl $Op<f64> for $T {
            type Output = $T;
            fn $op(mut self, b: f64) -> $T {
                $OpAssign::$op_assign(&mut self, b);
                self
            }
        }
        impl $Op<f64> for &$T {
            type Output = $T;
            fn $op(self, b: f64) -> $T {
                self.clone() $sym b
            }
        }
        impl $Op<$T> for f64 {
            type Output = $T;
            fn $op(self, mut b: $T) -> $T {
                b.data.iter_mut().for_each(|x| *x = self $sym *x);
                b
            }
        }
        impl $Op<&$T> for f64 {
            type Output = $T;
            fn $op(self, b: &$T) -> $T {
                self $sym b.clone()
            }
        }
        // Generated code borrows a call's result, which may be a scalar.
        impl $Op<&$T> for &f64 {
            type Output = $T;
            fn $op(self, b: &$T) -> $T {
                *self $sym b.clone()
            }
        }
        impl $Op<&f64> for &$T {
            type Output = $T;
            fn $op(self, b: &f64) -> $T {
                self.clone() $sym *b
            }
        }
    };
}

// `x = a − x` is not `x −= a`: the operators are written out in the macro.
#[allow(clippy::assign_op_pattern)]
mod impls {
    use super::*;
    tensor!(Vector);
    tensor!(Matrix);
}
