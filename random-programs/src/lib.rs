//! Differential testing of `#[differentiate]`: `build.rs` generates random
//! programs in the supported language (see [`generator`]); the test
//! `tests/differential.rs` checks each generated gradient against central
//! finite differences, the vector-Jacobian product against the gradient, and
//! the dot-product identity `⟨vjp(u), t⟩ = ⟨u, J·t⟩`.
//!
//! ```sh
//! cargo test -p random-programs                                   # 1000 programs, seed 1 (CI)
//! AUTODIFF_RANDOM_SEED=7 AUTODIFF_RANDOM_COUNT=2000 cargo test -p random-programs --release
//! random-programs/campaign.sh 10 2000                             # 20 000 programs, new seeds
//! ```

pub mod generator;
