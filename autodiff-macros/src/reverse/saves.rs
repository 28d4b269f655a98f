//! Saving what a statement overwrites in the forward sweep and restoring it
//! in the reverse sweep, where `restores` says a later reverse step reads it.
//!
//! ```text
//! for i in 0..n {              forward: p_saved.push(p); p *= x[i];
//!     p *= x[i];               reverse: p = p_saved.pop(); (pullback of p * x[i])
//! }
//! ```

use super::{Gen, Store};
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::quote;

impl Gen<'_> {
    /// `x` or `x[i]`: the place a statement writes.
    pub(super) fn place_tokens(&self, place: &Place) -> TokenStream {
        match place {
            Place::Var(v) => self.ident(*v),
            Place::Index(v, idx) => {
                let (id, i) = (self.ident(*v), self.index_tokens(idx));
                quote!(#id #i)
            }
        }
    }

    /// The value a save keeps: the variable or element about to be overwritten.
    fn saved_value(&self, place: &Place, reads_itself: bool) -> (TokenStream, TokenStream) {
        match place {
            Place::Var(v) => {
                let id = self.ident(*v);
                if self.f.vars[*v].shape == Shape::Scalar {
                    (quote!(#id), id)
                } else if reads_itself || self.f.vars[*v].fixed_array {
                    (quote!(::autodiff::__private::snapshot(&#id)), id)
                } else {
                    (quote!(::autodiff::__private::take(&mut #id)), id)
                }
            }
            Place::Index(v, idx) => {
                let id = self.ident(*v);
                let i = self.index_tokens(idx);
                let row = self.f.vars[*v].shape == Shape::Array(2) && idx.len() == 1;
                if row && reads_itself {
                    (
                        quote!(::autodiff::__private::snapshot(&#id #i)),
                        quote!(#id #i),
                    )
                } else if row {
                    (
                        quote!(::autodiff::__private::take(&mut #id #i)),
                        quote!(#id #i),
                    )
                } else {
                    (quote!(#id #i), quote!(#id #i))
                }
            }
        }
    }

    /// Saves the old value of `place` in forward; restores it in reverse.
    ///
    /// With `swappable`, a buffer or row that `place = g(..)` reads is
    /// saved by a `Swap` instead of a copy.
    pub(super) fn save_restore(
        &mut self,
        place: &Place,
        value: &Expr,
        ctx: Ctx,
        (is_let, swappable): (bool, bool),
        op: AssignOp,
    ) -> (TokenStream, TokenStream, Option<Swap>) {
        let v = place.var();
        if !self.an.saves(v, value, ctx, is_let) {
            return (TokenStream::new(), TokenStream::new(), None);
        }
        // An integer counter (`next += 1`) is counted back instead: exact,
        // and nothing to store.
        if let (Place::Var(_), Expr::Lit(syn::Lit::Int(step))) = (place, value) {
            let id = self.ident(v);
            match op {
                AssignOp::Add => return (TokenStream::new(), quote!(#id -= #step;), None),
                AssignOp::Sub => return (TokenStream::new(), quote!(#id += #step;), None),
                AssignOp::Set => {}
            }
        }
        let mut reads = Vec::new();
        value.reads(&mut reads);
        // `y += x` reads `y` too: it cannot be taken out first.
        let compound = op != AssignOp::Set;
        let reads_itself = reads.contains(&v);
        let (saved, target) = self.saved_value(place, compound || reads_itself);
        let base = format!("{}_saved", self.f.vars[v].ident);
        let store = self.store(ctx, &base);
        let load = store.load();
        let restore = quote!(#target = #load;);
        let var = &self.f.vars[v];
        let buffer = match place {
            Place::Var(_) => var.shape != Shape::Scalar && !var.fixed_array,
            Place::Index(_, idx) => var.shape == Shape::Array(2) && idx.len() == 1,
        };
        if swappable && reads_itself && !compound && buffer && matches!(value, Expr::Call(_)) {
            let new = self.names.fresh("new");
            return (
                TokenStream::new(),
                restore,
                Some(Swap { target, store, new }),
            );
        }
        (store.save(saved), restore, None)
    }
}

/// The save of a buffer (or row) that `place = value` reads: the old value
/// is moved to its store as the new one comes in, rather than copied first.
///
/// ```text
/// rows[1] = g(&rows[1])   →   let new = g(&rows[1]);
///                             rows_saved.push(mem::replace(&mut rows[1], new));
/// ```
pub(super) struct Swap {
    target: TokenStream,
    store: Store,
    new: proc_macro2::Ident,
}

impl Swap {
    /// The forward code storing `value` into the place.
    pub(super) fn store(&self, value: TokenStream) -> TokenStream {
        let (target, new) = (&self.target, &self.new);
        let save = self
            .store
            .save(quote!(::core::mem::replace(&mut #target, #new)));
        quote!(let #new = #value; #save)
    }
}
