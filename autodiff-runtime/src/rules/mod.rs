//! Derivative rules: one pullback per primitive, with its math.
//!
//! Every rule has the same shape. It receives the primal operands and the
//! primal result `y` by reference, and the cotangent `d = ȳ` of the result by
//! value, and returns the cotangents of its differentiable operands in operand
//! order (a single value for one operand, a tuple for several). Generated code
//! adds the returned cotangents into the operands' adjoints.
//!
//! ```
//! use autodiff_runtime::rules;
//! // y = sin(x) at x = 0.5: x̄ = ȳ·cos(x)
//! let x = 0.5_f64;
//! let xbar = rules::sin(&x, &x.sin(), 1.0);
//! assert_eq!(xbar, 0.5_f64.cos());
//! ```
//!
//! Non-smooth points follow PyTorch and JAX: `abs` has derivative 0 at 0,
//! `max`/`min` split the cotangent evenly on a tie, `clamp` passes it to
//! whichever bound is active. `floor`, `ceil`, `round`, `trunc` and `signum`
//! are piecewise constant: the macro treats their results as constants, so
//! they need no rule.

mod tensor;

pub use tensor::*;

use crate::real::Real;
use crate::tensor::{Elementwise, Zip};

// A rule's formula is written once, for scalars; `Elementwise` and `Zip`
// apply it element by element when the operands are vectors or matrices.
macro_rules! unary_rule {
    ($(#[$doc:meta])* $name:ident, |$x:ident, $y:ident, $d:ident| $body:expr) => {
        $(#[$doc])*
        #[inline(always)]
        pub fn $name<X: Elementwise>(x: &X, y: &X, d: X) -> X {
            #[inline(always)]
            fn rule<T: Real>($x: T, $y: T, $d: T) -> T {
                let _ = ($x, $y);
                $body
            }
            X::lift(x, y, d, rule::<X::Elem>)
        }
    };
}

macro_rules! binary_rule {
    ($(#[$doc:meta])* $name:ident, |$a:ident, $b:ident, $y:ident, $d:ident| $body:expr) => {
        $(#[$doc])*
        #[inline(always)]
        pub fn $name<A: Zip<B>, B>(a: &A, b: &B, y: &A::Out, d: A::Out) -> (A, B) {
            #[inline(always)]
            fn rule<T: Real>($a: T, $b: T, $y: T, $d: T) -> (T, T) {
                let _ = ($a, $b, $y);
                $body
            }
            A::lift2(a, b, y, d, rule::<A::Elem>)
        }
    };
}

/// Converts a constant of the rules' formulas to `T`.
#[inline(always)]
fn c<T: Real>(v: f64) -> T {
    T::from_f64(v)
}

// ---- arithmetic ------------------------------------------------------------

binary_rule!(
    /// `y = a + b`: `ā = ȳ`, `b̄ = ȳ`.
    add, |a, b, y, d| (d, d));
binary_rule!(
    /// `y = a − b`: `ā = ȳ`, `b̄ = −ȳ`.
    sub, |a, b, y, d| (d, -d));
binary_rule!(
    /// `y = a·b`: `ā = ȳ·b`, `b̄ = ȳ·a`.
    mul, |a, b, y, d| (d * b, d * a));
binary_rule!(
    /// `y = a / b`: `ā = ȳ / b`, `b̄ = −ȳ·y / b`.
    div, |a, b, y, d| (d / b, -d * y / b));
unary_rule!(
    /// `y = −x`: `x̄ = −ȳ`.
    neg, |x, y, d| -d);

/// `y = x as D` between `f32` and `f64`: `x̄ = ȳ` converted back. From an
/// integer (a struct's constant field, say): `x̄ = 0`.
#[inline(always)]
pub fn cast<S: CastSource, D: Real>(_x: &S, d: D) -> S {
    S::cotangent(d.to_f64())
}

/// `y = f64::from(x)`: the rule of the cast `x as f64`.
#[inline(always)]
pub fn from<S: CastSource, D: Real>(x: &S, _y: &D, d: D) -> S {
    cast(x, d)
}

/// What `as f64` / `as f32` can convert from inside a differentiated
/// function, and the cotangent it receives back.
pub trait CastSource {
    /// The cotangent of the source of a cast whose result has cotangent `d`.
    fn cotangent(d: f64) -> Self;
}

macro_rules! cast_sources {
    (floats $($f:ty)*; ints $($i:ty)*) => {
        $(impl CastSource for $f {
            #[inline(always)]
            fn cotangent(d: f64) -> Self { d as $f }
        })*
        $(impl CastSource for $i {
            #[inline(always)]
            fn cotangent(_: f64) -> Self { 0 }
        })*
    };
}
cast_sources!(floats f32 f64; ints usize isize u8 u16 u32 u64 u128 i8 i16 i32 i64 i128);

// ---- trigonometric ---------------------------------------------------------

unary_rule!(
    /// `y = sin x`: `x̄ = ȳ·cos x`.
    sin, |x, y, d| d * x.cos());
unary_rule!(
    /// `y = cos x`: `x̄ = −ȳ·sin x`.
    cos, |x, y, d| -d * x.sin());
unary_rule!(
    /// `y = tan x`: `x̄ = ȳ·(1 + y²)`.
    tan, |x, y, d| d * (T::one() + y * y));
unary_rule!(
    /// `y = asin x`: `x̄ = ȳ / √(1 − x²)`.
    asin, |x, y, d| d / (T::one() - x * x).sqrt());
unary_rule!(
    /// `y = acos x`: `x̄ = −ȳ / √(1 − x²)`.
    acos, |x, y, d| -d / (T::one() - x * x).sqrt());
unary_rule!(
    /// `y = atan x`: `x̄ = ȳ / (1 + x²)`.
    atan, |x, y, d| d / (T::one() + x * x));
binary_rule!(
/// `y = a.atan2(b)` (the angle of the point `(b, a)`):
/// `ā = ȳ·b / (a² + b²)`, `b̄ = −ȳ·a / (a² + b²)`; both 0 at the origin.
atan2, |a, b, y, d| {
    let r2 = a * a + b * b;
    if r2 == T::zero() {
        (T::zero(), T::zero())
    } else {
        (d * b / r2, -d * a / r2)
    }
});

// ---- hyperbolic ------------------------------------------------------------

unary_rule!(
    /// `y = sinh x`: `x̄ = ȳ·cosh x`.
    sinh, |x, y, d| d * x.cosh());
unary_rule!(
    /// `y = cosh x`: `x̄ = ȳ·sinh x`.
    cosh, |x, y, d| d * x.sinh());
unary_rule!(
    /// `y = tanh x`: `x̄ = ȳ·(1 − y²)`.
    tanh, |x, y, d| d * (T::one() - y * y));
unary_rule!(
    /// `y = asinh x`: `x̄ = ȳ / √(x² + 1)`.
    asinh, |x, y, d| d / (x * x + T::one()).sqrt());
unary_rule!(
    /// `y = acosh x`: `x̄ = ȳ / √(x² − 1)`.
    acosh, |x, y, d| d / (x * x - T::one()).sqrt());
unary_rule!(
    /// `y = atanh x`: `x̄ = ȳ / (1 − x²)`.
    atanh, |x, y, d| d / (T::one() - x * x));

// ---- exponential and logarithmic -------------------------------------------

unary_rule!(
    /// `y = eˣ`: `x̄ = ȳ·y`.
    exp, |x, y, d| d * y);
unary_rule!(
    /// `y = 2ˣ`: `x̄ = ȳ·y·ln 2`.
    exp2, |x, y, d| d * y * c(core::f64::consts::LN_2));
unary_rule!(
    /// `y = eˣ − 1`: `x̄ = ȳ·(y + 1)`.
    exp_m1, |x, y, d| d * (y + T::one()));
unary_rule!(
    /// `y = ln x`: `x̄ = ȳ / x`.
    ln, |x, y, d| d / x);
unary_rule!(
    /// `y = ln(1 + x)`: `x̄ = ȳ / (1 + x)`.
    ln_1p, |x, y, d| d / (T::one() + x));
unary_rule!(
    /// `y = log₂ x`: `x̄ = ȳ / (x·ln 2)`.
    log2, |x, y, d| d / (x * c(core::f64::consts::LN_2)));
unary_rule!(
    /// `y = log₁₀ x`: `x̄ = ȳ / (x·ln 10)`.
    log10, |x, y, d| d / (x * c(core::f64::consts::LN_10)));
binary_rule!(
/// `y = log_b a = ln a / ln b`: `ā = ȳ / (a·ln b)`, `b̄ = −ȳ·y / (b·ln b)`.
log, |a, b, y, d| {
    let lnb = b.ln();
    (d / (a * lnb), -d * y / (b * lnb))
});

// ---- powers and roots ------------------------------------------------------

unary_rule!(
    /// `y = √x`: `x̄ = ȳ / (2y)` (infinite at 0, like PyTorch and JAX).
    sqrt, |x, y, d| d / (c::<T>(2.0) * y));
unary_rule!(
    /// `y = ∛x`: `x̄ = ȳ / (3y²)`.
    cbrt, |x, y, d| d / (c::<T>(3.0) * y * y));
unary_rule!(
    /// `y = 1 / x`: `x̄ = −ȳ·y²`.
    recip, |x, y, d| -d * y * y);

/// `y = xⁿ` for an integer `n`: `x̄ = ȳ·n·xⁿ⁻¹` (0 for `n = 0`).
#[inline(always)]
pub fn powi<X: Elementwise>(x: &X, n: &i32, y: &X, d: X) -> X {
    let n = *n;
    X::lift(x, y, d, |x, _, d| {
        if n == 0 {
            <X::Elem as Real>::zero()
        } else {
            d * <X::Elem as Real>::from_i32(n) * x.powi(n - 1)
        }
    })
}

binary_rule!(
/// `y = aᵇ`: `ā = ȳ·b·aᵇ⁻¹` (written `ȳ·b·y/a` where `a ≠ 0`),
/// `b̄ = ȳ·y·ln a` (0 where `y = 0`, so `0ᵇ` has no exponent gradient).
powf, |a, b, y, d| {
    let da = if a == T::zero() {
        if b == T::zero() || b > T::one() { T::zero() } else if b == T::one() { d } else { d * b * y / a }
    } else {
        d * b * y / a
    };
    let db = if y == T::zero() { T::zero() } else { d * y * a.ln() };
    (da, db)
});
binary_rule!(
/// `y = √(a² + b²)`: `ā = ȳ·a / y`, `b̄ = ȳ·b / y`; both 0 at the origin.
hypot, |a, b, y, d| {
    if y == T::zero() {
        (T::zero(), T::zero())
    } else {
        (d * a / y, d * b / y)
    }
});

/// `y = a·b + c` (fused): `ā = ȳ·b`, `b̄ = ȳ·a`, `c̄ = ȳ`.
#[inline(always)]
pub fn mul_add<T: Real>(a: &T, b: &T, _c: &T, _y: &T, d: T) -> (T, T, T) {
    (d * *b, d * *a, d)
}

// ---- piecewise -------------------------------------------------------------

unary_rule!(
/// `y = |x|`: `x̄ = ȳ·sign x`, with `sign 0 = 0`.
abs, |x, y, d| {
    if x > T::zero() { d } else if x < T::zero() { -d } else { T::zero() }
});
binary_rule!(
/// `y = max(a, b)`: the cotangent goes to the larger operand, half to each
/// on a tie; a NaN operand is ignored, as `f64::max` ignores it.
max, |a, b, y, d| {
    if a.is_nan() || b > a {
        (T::zero(), d)
    } else if b.is_nan() || a > b {
        (d, T::zero())
    } else {
        let h = d * c(0.5);
        (h, h)
    }
});
binary_rule!(
/// `y = min(a, b)`: the cotangent goes to the smaller operand, half to each
/// on a tie; a NaN operand is ignored, as `f64::min` ignores it.
min, |a, b, y, d| {
    if a.is_nan() || b < a {
        (T::zero(), d)
    } else if b.is_nan() || a < b {
        (d, T::zero())
    } else {
        let h = d * c(0.5);
        (h, h)
    }
});

/// `y = x.clamp(lo, hi)`: `x̄ = ȳ` for `lo ≤ x ≤ hi`; otherwise the cotangent
/// goes to the bound that was returned. For a vector `x` the scalar bounds
/// receive the sum over the elements clamped to them.
#[inline(always)]
pub fn clamp<X: Elementwise>(
    x: &X,
    lo: &X::Elem,
    hi: &X::Elem,
    y: &X,
    d: X,
) -> (X, X::Elem, X::Elem) {
    let (lo, hi) = (*lo, *hi);
    let z = <X::Elem as Real>::zero();
    let (dlo, dhi) = (core::cell::Cell::new(z), core::cell::Cell::new(z));
    let dx = X::lift(x, y, d, |x, _, d| {
        if x < lo {
            dlo.set(dlo.get() + d);
            z
        } else if x > hi {
            dhi.set(dhi.get() + d);
            z
        } else {
            d
        }
    });
    (dx, dlo.get(), dhi.get())
}

// ---- buffers ---------------------------------------------------------------

/// `y = vec![x; n]` or `[x; N]`: `x̄ = Σᵢ ȳᵢ`, for a number `x` or a row
/// (`vec![vec![a; 2]; 3]`), starting from zeros shaped like `x`.
#[inline]
pub fn splat<T: crate::Differentiable<Grad = T> + crate::Adjoint>(x: &T, d: &[T]) -> T {
    let mut sum = x.zero_grad();
    d.iter().for_each(|v| sum.accumulate(v));
    sum
}
