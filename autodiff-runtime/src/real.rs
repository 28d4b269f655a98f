//! The scalar types a derivative rule works on: `f32` and `f64`.

use core::ops::{Add, AddAssign, Div, Mul, Neg, Sub, SubAssign};

/// A floating-point scalar that derivative rules can compute with.
///
/// Implemented for `f32` and `f64`; the rules in [`crate::rules`] are generic
/// over it, so one rule serves both precisions.
pub trait Real:
    Copy
    + PartialOrd
    + Default
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
{
    /// Converts an `f64` constant (exact for the constants the rules use).
    fn from_f64(v: f64) -> Self;
    /// Widens to `f64`.
    fn to_f64(self) -> f64;
    #[doc(hidden)]
    fn zero() -> Self {
        Self::from_f64(0.0)
    }
    #[doc(hidden)]
    fn one() -> Self {
        Self::from_f64(1.0)
    }
    #[doc(hidden)]
    fn from_i32(v: i32) -> Self;
    #[doc(hidden)]
    fn sin(self) -> Self;
    #[doc(hidden)]
    fn cos(self) -> Self;
    #[doc(hidden)]
    fn sinh(self) -> Self;
    #[doc(hidden)]
    fn cosh(self) -> Self;
    #[doc(hidden)]
    fn sqrt(self) -> Self;
    #[doc(hidden)]
    fn ln(self) -> Self;
    #[doc(hidden)]
    fn powi(self, n: i32) -> Self;
    #[doc(hidden)]
    fn is_nan(self) -> bool;
}

macro_rules! impl_real {
    ($($t:ident)*) => {$(
        impl Real for $t {
            #[inline(always)]
            fn from_f64(v: f64) -> Self { v as $t }
            #[inline(always)]
            fn to_f64(self) -> f64 { self as f64 }
            #[inline(always)]
            fn from_i32(v: i32) -> Self { v as $t }
            #[inline(always)]
            fn sin(self) -> Self { $t::sin(self) }
            #[inline(always)]
            fn cos(self) -> Self { $t::cos(self) }
            #[inline(always)]
            fn sinh(self) -> Self { $t::sinh(self) }
            #[inline(always)]
            fn cosh(self) -> Self { $t::cosh(self) }
            #[inline(always)]
            fn sqrt(self) -> Self { $t::sqrt(self) }
            #[inline(always)]
            fn ln(self) -> Self { $t::ln(self) }
            #[inline(always)]
            fn powi(self, n: i32) -> Self { $t::powi(self, n) }
            #[inline(always)]
            fn is_nan(self) -> bool { $t::is_nan(self) }
        }
    )*};
}
impl_real!(f32 f64);
