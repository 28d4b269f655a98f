//! Saving what a statement overwrites in the forward sweep and restoring it
//! in the reverse sweep, where `restores` says a later reverse step reads it.
//!
//! ```text
//! for i in 0..n {              forward: p_saved.push(p); p *= x[i];
//!     p *= x[i];               reverse: p = p_saved.pop(); (pullback of p * x[i])
//! }
//! ```

use super::Gen;
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::quote;

impl Gen<'_> {
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
    pub(super) fn save_restore(
        &mut self,
        place: &Place,
        value: &Expr,
        ctx: Ctx,
        is_let: bool,
        op: AssignOp,
    ) -> (TokenStream, TokenStream) {
        let v = place.var();
        if !self.an.saves(v, value, ctx, is_let) {
            return (TokenStream::new(), TokenStream::new());
        }
        // An integer counter (`next += 1`) is counted back instead: exact,
        // and nothing to store.
        if let (Place::Var(_), Expr::Lit(syn::Lit::Int(step))) = (place, value) {
            let id = self.ident(v);
            match op {
                AssignOp::Add => return (TokenStream::new(), quote!(#id -= #step;)),
                AssignOp::Sub => return (TokenStream::new(), quote!(#id += #step;)),
                AssignOp::Set => {}
            }
        }
        let mut reads = Vec::new();
        value.reads(&mut reads);
        // `y += x` reads `y` too: it cannot be taken out first.
        let compound = op != AssignOp::Set;
        let (saved, target) = self.saved_value(place, compound || reads.contains(&v));
        let base = format!("{}_saved", self.f.vars[v].ident);
        let store = self.store(ctx, &base);
        let load = store.load();
        (store.save(saved), quote!(#target = #load;))
    }
}
