//! The `#[differentiate]` attribute of [`autodiff`](https://docs.rs/autodiff).
//! Use it through the `autodiff` crate, which documents it.
//!
//! The expansion is a pipeline, one module per phase:
//!
//! | phase | module | does |
//! |---|---|---|
//! | options | `args` | parses `wrt(...)` |
//! | signature | `signature` | which parameters carry gradients, and their shapes |
//! | lower | `lower` | syn → IR with structured control flow, variables renamed apart; shapes of locals |
//! | exits | `exits` | `break`/`continue`/`return` → structured form |
//! | activity | `activity`, `restores`, `replay`, `fuse`, `checkpoint` | active, needed, stable, hoisted variables; which overwrites are saved; which loops are replayed, fused or checkpointed |
//! | reverse | `reverse`, `anf`, `held`, `commute` | forward sweep and reverse sweep of each statement; how values are held and borrowed; loops whose reverse code runs first to last |
//! | parts | `parts`, `prune` | a body's pieces: adjoints and seeds, the sweeps, the value; for a `reverse` that discards the value, without the forward code only the value needs |
//! | emit | `emit`, `pullback` | the `_vjp` and `_grad` functions; the pullback other differentiated functions call |
//!
//! Derivative rules are looked up in one table (`rules`) and live in
//! `autodiff_runtime::rules`. Errors are collected in `diagnostics` and all
//! reported together.

#![forbid(unsafe_code)]

mod activity;
mod anf;
mod args;
mod callees;
mod checkpoint;
mod commute;
mod custom;
mod derive;
mod diagnostics;
mod emit;
mod exits;
mod fuse;
mod held;
mod ir;
mod lower;
mod names;
mod parts;
mod prune;
mod pullback;
mod replay;
mod restores;
mod reverse;
mod rules;
mod signature;

#[cfg(test)]
mod fuzz;

use proc_macro::TokenStream;

/// Generates `f_grad` (value and gradient) and `f_vjp` (vector-Jacobian
/// product) next to the function it is put on. See the `autodiff` crate.
#[proc_macro_attribute]
pub fn differentiate(attr: TokenStream, item: TokenStream) -> TokenStream {
    let out = emit::expand(attr.into(), item.into());
    if std::env::var_os("AUTODIFF_DEBUG_EXPANSION").is_some() {
        eprintln!("{out}");
    }
    out.into()
}

/// Makes a struct of floats (and `Vec`s, arrays and differentiable structs
/// of them) a differentiable parameter: its gradient is a value of the same
/// struct. See the `autodiff` crate.
#[proc_macro_derive(Differentiable)]
pub fn derive_differentiable(item: TokenStream) -> TokenStream {
    derive::expand(item.into()).into()
}
