//! `Vector`: an owned `f64` vector with element-wise arithmetic, the way a
//! PyTorch user writes `x * x` or `(x ** 2).sin().sum()`.

use core::fmt;
use core::ops::{Deref, DerefMut};

/// An owned vector of `f64` with element-wise arithmetic and math.
///
/// Operators work between vectors, a vector and a scalar, and a scalar and
/// a vector, on owned values and references (`&x * &x`, `2.0 * x`); math
/// methods apply element by element (`x.sin()`, `x.powi(2)`); `sum`, `dot`,
/// `norm`, `mean`, `max` and `min` reduce. A `Vector` derefs to `[f64]`, so
/// `len`, `iter` and indexing work as on a slice. Inside a
/// `#[differentiate]` function every one of these operations is
/// differentiable.
///
/// ```
/// use autodiff_runtime::Vector;
/// let x = Vector::arange(4);
/// assert_eq!(2.0 * &x * &x, Vector::from(vec![0.0, 2.0, 8.0, 18.0]));
/// assert_eq!(x.dot(&x), 14.0);
/// ```
///
/// Operations on two vectors of different lengths panic with both shapes.
#[derive(Clone, PartialEq, Default)]
pub struct Vector {
    pub(crate) data: Vec<f64>,
}

impl Vector {
    /// `n` zeros.
    pub fn zeros(n: usize) -> Self {
        Vector { data: vec![0.0; n] }
    }

    /// `n` ones.
    pub fn ones(n: usize) -> Self {
        Vector { data: vec![1.0; n] }
    }

    /// `n` values evenly spaced from `start` to `end`, both included
    /// (`torch.linspace`, `np.linspace`).
    pub fn linspace(start: f64, end: f64, n: usize) -> Self {
        let step = if n > 1 {
            (end - start) / (n - 1) as f64
        } else {
            0.0
        };
        let mut data: Vec<f64> = (0..n).map(|i| start + step * i as f64).collect();
        if n > 1 {
            data[n - 1] = end;
        }
        Vector { data }
    }

    /// `0, 1, …, n − 1` (`torch.arange(n)`).
    pub fn arange(n: usize) -> Self {
        Vector {
            data: (0..n).map(|i| i as f64).collect(),
        }
    }

    /// The elements as a slice.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// The elements as a `Vec`.
    pub fn into_vec(self) -> Vec<f64> {
        self.data
    }

    /// `Σ xᵢ`.
    pub fn sum(&self) -> f64 {
        self.data.iter().sum()
    }

    /// `Σ xᵢ / n` (NaN for an empty vector).
    pub fn mean(&self) -> f64 {
        self.sum() / self.len() as f64
    }

    /// `Σ xᵢ·yᵢ`.
    ///
    /// # Panics
    /// If the lengths differ.
    pub fn dot(&self, other: &Vector) -> f64 {
        crate::tensor::same_shape(self, other, "dot");
        self.data.iter().zip(&other.data).map(|(a, b)| a * b).sum()
    }

    /// The Euclidean norm `√(Σ xᵢ²)`.
    pub fn norm(&self) -> f64 {
        self.dot(self).sqrt()
    }

    /// The largest element (NaNs ignored; −∞ for an empty vector).
    pub fn max(&self) -> f64 {
        self.data.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    }

    /// The smallest element (NaNs ignored; +∞ for an empty vector).
    pub fn min(&self) -> f64 {
        self.data.iter().copied().fold(f64::INFINITY, f64::min)
    }

    /// `xᵀA`: the vector times a matrix on its right.
    ///
    /// # Panics
    /// If the vector's length is not the matrix's number of rows.
    pub fn vecmat(&self, a: &crate::Matrix) -> Vector {
        a.vecmat_of(self)
    }
}

impl Deref for Vector {
    type Target = [f64];
    fn deref(&self) -> &[f64] {
        &self.data
    }
}

impl DerefMut for Vector {
    fn deref_mut(&mut self) -> &mut [f64] {
        &mut self.data
    }
}

impl AsRef<[f64]> for Vector {
    fn as_ref(&self) -> &[f64] {
        &self.data
    }
}

impl From<Vec<f64>> for Vector {
    fn from(data: Vec<f64>) -> Self {
        Vector { data }
    }
}

impl From<&[f64]> for Vector {
    fn from(data: &[f64]) -> Self {
        Vector {
            data: data.to_vec(),
        }
    }
}

impl<const N: usize> From<[f64; N]> for Vector {
    fn from(data: [f64; N]) -> Self {
        Vector {
            data: data.to_vec(),
        }
    }
}

impl From<Vector> for Vec<f64> {
    fn from(v: Vector) -> Self {
        v.data
    }
}

impl FromIterator<f64> for Vector {
    fn from_iter<I: IntoIterator<Item = f64>>(iter: I) -> Self {
        Vector {
            data: iter.into_iter().collect(),
        }
    }
}

impl<'a> IntoIterator for &'a Vector {
    type Item = &'a f64;
    type IntoIter = core::slice::Iter<'a, f64>;
    fn into_iter(self) -> Self::IntoIter {
        self.data.iter()
    }
}

impl IntoIterator for Vector {
    type Item = f64;
    type IntoIter = std::vec::IntoIter<f64>;
    fn into_iter(self) -> Self::IntoIter {
        self.data.into_iter()
    }
}

/// Printed like PyTorch prints a tensor: `tensor([0., 2., 4.])`.
impl fmt::Debug for Vector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tensor([")?;
        for (i, x) in self.data.iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            crate::tensor::write_elem(f, *x)?;
        }
        write!(f, "])")
    }
}

impl fmt::Display for Vector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
