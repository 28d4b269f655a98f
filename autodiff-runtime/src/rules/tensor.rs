//! Rules of the operations that only vectors and matrices have: reductions
//! and the products of linear algebra. Element-wise operations share the
//! scalar rules (see the parent module).

use crate::{Matrix, Vector};

// `Tensor` is implemented for both next to their other traits, in `crate::tensor`.

/// A vector or a matrix, seen as its elements in order.
pub trait Tensor: Clone {
    /// The elements.
    fn elements(&self) -> &[f64];
    /// The elements, to write.
    fn elements_mut(&mut self) -> &mut [f64];
}

/// `x` with every element replaced by `f(xᵢ)`.
#[inline]
fn map<X: Tensor>(x: &X, f: impl Fn(f64) -> f64) -> X {
    let mut out = x.clone();
    out.elements_mut().iter_mut().for_each(|v| *v = f(*v));
    out
}

/// `y = Σ xᵢ`: `x̄ᵢ = ȳ`.
#[inline]
pub fn sum<X: Tensor>(x: &X, _y: &f64, d: f64) -> X {
    map(x, |_| d)
}

/// `y = Σ xᵢ / n`: `x̄ᵢ = ȳ / n`.
#[inline]
pub fn mean<X: Tensor>(x: &X, _y: &f64, d: f64) -> X {
    let n = x.elements().len() as f64;
    map(x, |_| d / n)
}

/// `y = ‖x‖ = √(Σ xᵢ²)`: `x̄ᵢ = ȳ·xᵢ / y` (0 at `x = 0`, like PyTorch).
#[inline]
pub fn norm<X: Tensor>(x: &X, y: &f64, d: f64) -> X {
    let y = *y;
    map(x, |v| if y == 0.0 { 0.0 } else { d * v / y })
}

/// `y = Σ aᵢ·bᵢ`: `āᵢ = ȳ·bᵢ`, `b̄ᵢ = ȳ·aᵢ`.
#[inline]
pub fn dot(a: &Vector, b: &Vector, _y: &f64, d: f64) -> (Vector, Vector) {
    (b * d, a * d)
}

/// `y = maxᵢ xᵢ`: `ȳ` goes to the largest element, split evenly on a tie.
#[inline]
pub fn reduce_max<X: Tensor>(x: &X, y: &f64, d: f64) -> X {
    to_extremum(x, *y, d)
}

/// `y = minᵢ xᵢ`: `ȳ` goes to the smallest element, split evenly on a tie.
#[inline]
pub fn reduce_min<X: Tensor>(x: &X, y: &f64, d: f64) -> X {
    to_extremum(x, *y, d)
}

fn to_extremum<X: Tensor>(x: &X, y: f64, d: f64) -> X {
    let ties = x.elements().iter().filter(|v| **v == y).count().max(1) as f64;
    map(x, |v| if v == y { d / ties } else { 0.0 })
}

/// `y = A·x`: `Ā = ȳ·xᵀ`, `x̄ = Aᵀ·ȳ`.
#[inline]
pub fn matvec(a: &Matrix, x: &Vector, _y: &Vector, d: Vector) -> (Matrix, Vector) {
    (Matrix::outer(&d, x), d.vecmat(a))
}

/// `y = xᵀ·A`: `x̄ = A·ȳ`, `Ā = x·ȳᵀ`.
#[inline]
pub fn vecmat(x: &Vector, a: &Matrix, _y: &Vector, d: Vector) -> (Vector, Matrix) {
    (a.matvec(&d), Matrix::outer(x, &d))
}

/// `Y = A·B`: `Ā = Ȳ·Bᵀ`, `B̄ = Aᵀ·Ȳ`.
#[inline]
pub fn matmul(a: &Matrix, b: &Matrix, _y: &Matrix, d: Matrix) -> (Matrix, Matrix) {
    (d.matmul(&b.transpose()), a.transpose().matmul(&d))
}

/// `Y = Aᵀ`: `Ā = Ȳᵀ`.
#[inline]
pub fn transpose(_a: &Matrix, _y: &Matrix, d: Matrix) -> Matrix {
    d.transpose()
}
