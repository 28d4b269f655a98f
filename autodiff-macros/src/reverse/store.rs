//! Where a value the forward sweep saves for the reverse sweep lives: a
//! local at the top of the function or of a replayed iteration, a slot in a
//! branch, a tape in a loop, or a field of a loop body's frame.

use super::Gen;
use crate::ir::*;
use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// Where a saved value or a recorded decision lives until the reverse sweep.
pub enum Store {
    /// A local of the function's top block.
    Local(Ident),
    /// A function-level variable written at most once (inside a branch).
    Slot(Ident),
    /// Inside a loop: one value per iteration.
    Tape(Ident),
    /// Saved once per iteration at the top of a loop body: a field of the
    /// iteration's frame, a local in both sweeps (`frame::Frame`).
    Frame(Ident),
}

impl Store {
    pub fn save(&self, value: TokenStream) -> TokenStream {
        match self {
            Store::Local(s) => quote!(let #s = #value;),
            Store::Slot(s) => quote!(#s.set(#value);),
            Store::Tape(s) => quote!(#s.push(#value);),
            Store::Frame(s) => quote!(#s = #value;),
        }
    }

    pub fn load(&self) -> TokenStream {
        match self {
            Store::Local(s) => quote!(#s),
            Store::Slot(s) => quote!(#s.take()),
            Store::Tape(s) => quote!(#s.pop()),
            Store::Frame(s) => quote!(#s),
        }
    }
}

impl Gen<'_> {
    /// A fresh store for a value saved in context `ctx`.
    pub fn store(&mut self, ctx: Ctx, base: &str) -> Store {
        let id = self.names.fresh(base);
        // A branch of an iteration has its own scope: a slot, set and taken
        // once per iteration.
        if ctx.iteration && !ctx.nested {
            Store::Local(id)
        } else if let (true, Some(Some(frame))) = (ctx == Ctx::LOOP, self.frames.last_mut()) {
            frame.fields.push(id.clone());
            Store::Frame(id)
        } else if ctx.in_loop {
            self.decls
                .extend(quote!(let mut #id = ::autodiff::__private::Tape::new();));
            if let Some(l) = self.loop_tapes.last_mut() {
                l.push(id.clone());
            }
            Store::Tape(id)
        } else if ctx.nested {
            self.decls
                .extend(quote!(let mut #id = ::autodiff::__private::Slot::new();));
            Store::Slot(id)
        } else {
            Store::Local(id)
        }
    }
}
