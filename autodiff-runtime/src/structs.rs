//! Support for `#[derive(Differentiable)]` structs: the gradient of a struct
//! is a struct of the same type, with zeros in its float fields and the
//! other fields (sizes, flags) copied, so it keeps the shape.
//!
//! ```
//! use autodiff_runtime::structs::Field;
//! assert_eq!(vec![1.5_f64, 2.0].zero_field(), vec![0.0, 0.0]);
//! assert_eq!(7_usize.zero_field(), 7);
//! ```

/// A field of a differentiable struct.
pub trait Field {
    /// The field's value in a zero gradient: zeros for floats, a copy for
    /// constants.
    fn zero_field(&self) -> Self;
    /// `self += d` for floats; nothing for constants.
    fn add_field(&mut self, d: &Self);
}

macro_rules! float_fields {
    ($($t:ty)*) => {$(
        impl Field for $t {
            #[inline(always)]
            fn zero_field(&self) -> Self { 0.0 }
            #[inline(always)]
            fn add_field(&mut self, d: &Self) { *self += *d; }
        }
    )*};
}
float_fields!(f32 f64);

macro_rules! constant_fields {
    ($($t:ty)*) => {$(
        impl Field for $t {
            #[inline(always)]
            fn zero_field(&self) -> Self { self.clone() }
            #[inline(always)]
            fn add_field(&mut self, _: &Self) {}
        }
    )*};
}
constant_fields!(usize isize u8 u16 u32 u64 u128 i8 i16 i32 i64 i128 bool char String);

impl<T: Field> Field for Vec<T> {
    fn zero_field(&self) -> Self {
        self.iter().map(Field::zero_field).collect()
    }
    fn add_field(&mut self, d: &Self) {
        crate::buffers::check_len("cotangent", "field", d.len(), self.len());
        self.iter_mut().zip(d).for_each(|(a, b)| a.add_field(b));
    }
}

impl<T: Field, const N: usize> Field for [T; N] {
    fn zero_field(&self) -> Self {
        core::array::from_fn(|i| self[i].zero_field())
    }
    fn add_field(&mut self, d: &Self) {
        self.iter_mut().zip(d).for_each(|(a, b)| a.add_field(b));
    }
}

// Refused by the derive (the differentiated body reads fields as floats and
// slices), but implemented so that its error is the only one.
macro_rules! tensor_fields {
    ($($t:ty)*) => {$(
        impl Field for $t {
            fn zero_field(&self) -> Self {
                crate::Differentiable::zero_grad(self)
            }
            fn add_field(&mut self, d: &Self) {
                crate::Adjoint::accumulate(self, d);
            }
        }
    )*};
}
tensor_fields!(crate::Vector crate::Matrix);

impl<T: Field> Field for Option<T> {
    fn zero_field(&self) -> Self {
        self.as_ref().map(Field::zero_field)
    }
    fn add_field(&mut self, d: &Self) {
        if let (Some(a), Some(b)) = (self, d) {
            a.add_field(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Field;

    #[test]
    fn floats_are_zeroed_and_added_constants_kept() {
        let mut v = vec![[1.0_f64, 2.0], [3.0, 4.0]];
        let z = v.zero_field();
        assert_eq!(z, vec![[0.0, 0.0], [0.0, 0.0]]);
        v.add_field(&vec![[1.0, 1.0], [0.5, 0.5]]);
        assert_eq!(v, vec![[2.0, 3.0], [3.5, 4.5]]);
        let mut n = 3_u32;
        n.add_field(&10);
        assert_eq!((n, Some(2.0_f32).zero_field()), (3, Some(0.0)));
    }
}
