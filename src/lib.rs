//! placeholder docs
#![forbid(unsafe_code)]

pub use autodiff_macros::differentiate;
pub use autodiff_runtime::{detach, Adjoint, Differentiable, Real, Tape};

#[doc(hidden)]
pub mod __private {
    pub use autodiff_runtime::buffers::{
        accumulate, check_len, check_rows, pop_adjoint, reset_like, zero_like,
    };
    pub use autodiff_runtime::rules;
    pub use autodiff_runtime::{snapshot, take, trip_count, Adjoint, Tape};
}
