//! `Matrix`: a row-major `f64` matrix with the products of linear algebra.

use crate::tensor::Shaped;
use crate::Vector;
use core::fmt;
use core::ops::{Index, IndexMut, RangeFull};

/// A row-major matrix of `f64`.
///
/// `a.matvec(&x)` is `Ax`, `x.vecmat(&a)` is `xᵀA`, `a.matmul(&b)` is `AB`,
/// `a.transpose()` is `Aᵀ`; `a[(i, j)]` and `a[i][j]` are elements. The
/// element-wise operators of [`Vector`] work on matrices too (matrix ⊕
/// matrix, matrix ⊕ scalar). Inside a `#[differentiate]` function every one
/// of these operations is differentiable.
///
/// ```
/// use autodiff_runtime::{Matrix, Vector};
/// let a = Matrix::from_rows(&[[1.0, 2.0], [3.0, 4.0]]);
/// let x = Vector::from(vec![1.0, 1.0]);
/// assert_eq!(a.matvec(&x), Vector::from(vec![3.0, 7.0]));
/// assert_eq!(x.vecmat(&a), Vector::from(vec![4.0, 6.0]));
/// assert_eq!(a.transpose()[(0, 1)], 3.0);
/// ```
///
/// Operations on matrices of incompatible shapes panic with both shapes.
#[derive(Clone, PartialEq, Default)]
pub struct Matrix {
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) data: Vec<f64>,
}

impl Matrix {
    /// A matrix from its rows, which must all have the same length.
    ///
    /// # Panics
    /// If two rows have different lengths.
    pub fn from_rows<R: AsRef<[f64]>>(rows: &[R]) -> Self {
        let cols = rows.first().map_or(0, |r| r.as_ref().len());
        let mut data = Vec::with_capacity(rows.len() * cols);
        for (i, r) in rows.iter().enumerate() {
            let r = r.as_ref();
            if r.len() != cols {
                panic!(
                    "autodiff: Matrix::from_rows: row 0 has length {cols} but row {i} has length {}",
                    r.len()
                );
            }
            data.extend_from_slice(r);
        }
        Matrix {
            rows: rows.len(),
            cols,
            data,
        }
    }

    /// A `rows × cols` matrix from its elements in row-major order.
    ///
    /// # Panics
    /// If `data` does not have `rows · cols` elements.
    pub fn from_vec(rows: usize, cols: usize, data: Vec<f64>) -> Self {
        if data.len() != rows * cols {
            panic!(
                "autodiff: Matrix::from_vec: a {rows}×{cols} matrix needs {} elements, got {}",
                rows * cols,
                data.len()
            );
        }
        Matrix { rows, cols, data }
    }

    /// A `rows × cols` matrix of zeros.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Matrix {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }

    /// The `n × n` identity.
    pub fn identity(n: usize) -> Self {
        let mut m = Matrix::zeros(n, n);
        for i in 0..n {
            m.data[i * n + i] = 1.0;
        }
        m
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// `(rows, cols)`.
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// The elements in row-major order.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// Row `i` as a slice.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// `Ax`.
    ///
    /// # Panics
    /// If `x`'s length is not the number of columns.
    pub fn matvec(&self, x: &Vector) -> Vector {
        if x.len() != self.cols {
            crate::tensor::mismatch("matvec", &self.describe(), &x.describe());
        }
        (0..self.rows)
            .map(|i| self.row(i).iter().zip(x.iter()).map(|(a, b)| a * b).sum())
            .collect()
    }

    /// `xᵀA`, also written `x.vecmat(&a)`.
    ///
    /// # Panics
    /// If `x`'s length is not the number of rows.
    pub fn vecmat_of(&self, x: &Vector) -> Vector {
        if x.len() != self.rows {
            crate::tensor::mismatch("vecmat", &x.describe(), &self.describe());
        }
        let mut y = vec![0.0; self.cols];
        for (i, xi) in x.iter().enumerate() {
            for (yj, aij) in y.iter_mut().zip(self.row(i)) {
                *yj += xi * aij;
            }
        }
        Vector::from(y)
    }

    /// `AB`.
    ///
    /// # Panics
    /// If `A`'s number of columns is not `B`'s number of rows.
    pub fn matmul(&self, b: &Matrix) -> Matrix {
        if self.cols != b.rows {
            crate::tensor::mismatch("matmul", &self.describe(), &b.describe());
        }
        let mut c = Matrix::zeros(self.rows, b.cols);
        for i in 0..self.rows {
            for k in 0..self.cols {
                let aik = self.data[i * self.cols + k];
                let (crow, brow) = (i * b.cols, k * b.cols);
                for j in 0..b.cols {
                    c.data[crow + j] += aik * b.data[brow + j];
                }
            }
        }
        c
    }

    /// `Aᵀ`.
    pub fn transpose(&self) -> Matrix {
        let mut t = Matrix::zeros(self.cols, self.rows);
        for i in 0..self.rows {
            for j in 0..self.cols {
                t.data[j * self.rows + i] = self.data[i * self.cols + j];
            }
        }
        t
    }

    /// `Σ aᵢⱼ`.
    pub fn sum(&self) -> f64 {
        self.data.iter().sum()
    }

    /// The outer product `x yᵀ`.
    pub fn outer(x: &[f64], y: &[f64]) -> Matrix {
        let data = x
            .iter()
            .flat_map(|a| y.iter().map(move |b| a * b))
            .collect();
        Matrix {
            rows: x.len(),
            cols: y.len(),
            data,
        }
    }

    fn at(&self, i: usize, j: usize) -> usize {
        if i >= self.rows || j >= self.cols {
            panic!(
                "autodiff: index ({i}, {j}) is out of bounds for a {}",
                self.describe()
            );
        }
        i * self.cols + j
    }
}

impl Index<(usize, usize)> for Matrix {
    type Output = f64;
    fn index(&self, (i, j): (usize, usize)) -> &f64 {
        &self.data[self.at(i, j)]
    }
}

impl IndexMut<(usize, usize)> for Matrix {
    fn index_mut(&mut self, (i, j): (usize, usize)) -> &mut f64 {
        let k = self.at(i, j);
        &mut self.data[k]
    }
}

/// Row `i`, so that `a[i][j]` is an element.
impl Index<usize> for Matrix {
    type Output = [f64];
    fn index(&self, i: usize) -> &[f64] {
        self.row(i)
    }
}

impl IndexMut<usize> for Matrix {
    fn index_mut(&mut self, i: usize) -> &mut [f64] {
        let c = self.cols;
        &mut self.data[i * c..(i + 1) * c]
    }
}

/// Every element, in row-major order.
impl Index<RangeFull> for Matrix {
    type Output = [f64];
    fn index(&self, _: RangeFull) -> &[f64] {
        &self.data
    }
}

impl IndexMut<RangeFull> for Matrix {
    fn index_mut(&mut self, _: RangeFull) -> &mut [f64] {
        &mut self.data
    }
}

/// Printed like PyTorch prints a tensor: `tensor([[1., 2.], [3., 4.]])`.
impl fmt::Debug for Matrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tensor([")?;
        for i in 0..self.rows {
            write!(f, "{}[", if i > 0 { ", " } else { "" })?;
            for (j, x) in self.row(i).iter().enumerate() {
                if j > 0 {
                    write!(f, ", ")?;
                }
                crate::tensor::write_elem(f, *x)?;
            }
            write!(f, "]")?;
        }
        write!(f, "])")
    }
}

impl fmt::Display for Matrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
