//! Reading and zeroing the adjoint of what a statement overwrites: a
//! scalar is read and set to 0; a buffer is moved out when it is sized
//! again before its next use, and copied and zeroed in place otherwise.

use super::Gen;
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::quote;

/// How `take_adjoint` reads an adjoint and starts it again.
pub(super) struct Take {
    /// `=`: the old value's adjoint starts at zero.
    pub reset: bool,
    pub moved: bool,
    pub borrowed: bool,
    /// The old value's length, where it may differ from the new one's and
    /// no restore brings the old value back to size the adjoint by.
    pub old_len: Option<TokenStream>,
}

impl Gen<'_> {
    /// Reads the adjoint of `place` into a fresh cotangent and, for `=`,
    /// resets it: the old value is overwritten, so its adjoint starts at 0.
    ///
    /// `moved`: the adjoint is sized again (`reset_like`) before anything
    /// reads it (right after, or when a checkpointed iteration starts), so
    /// it is moved out rather than copied and zeroed. `borrowed`: the
    /// cotangent is only read by reference (a call's seed, a copy's
    /// adjoint), so it is copied into a pool's storage (`pooled`), which
    /// allocates less than moving the adjoint out and sizing it again.
    pub(super) fn take_adjoint(
        &mut self,
        place: &Place,
        take: Take,
        out: &mut TokenStream,
    ) -> TokenStream {
        let Take {
            reset,
            moved,
            borrowed,
            old_len,
        } = take;
        let v = place.var();
        let scalar_elem = match place {
            Place::Var(_) => self.f.vars[v].shape == Shape::Scalar,
            Place::Index(_, idx) => !(self.f.vars[v].shape == Shape::Array(2) && idx.len() == 1),
        };
        let target = self.adjoint_place(place);
        if scalar_elem {
            let d = self.names.fresh("d");
            out.extend(quote!(let #d = #target;));
            if reset {
                out.extend(quote!(#target = 0.0;));
            }
            return quote!(#d);
        }
        if reset && moved && !borrowed {
            let d = self.names.fresh("d");
            out.extend(quote!(let #d = ::autodiff::__private::take(&mut #target);));
            return quote!(#d);
        }
        let d = if borrowed {
            let d = self.pooled("copy_in", quote!(&#target), out);
            quote!((*#d))
        } else {
            let d = self.names.fresh("d");
            out.extend(quote!(let #d = ::autodiff::__private::snapshot(&#target);));
            quote!(#d)
        };
        // A moved adjoint is sized again anyway.
        match old_len {
            _ if !reset || moved => {}
            Some(len) => {
                out.extend(quote!(::autodiff::__private::ZeroLen::zero_len(&mut #target, #len);))
            }
            None => out.extend(quote!(::autodiff::__private::Adjoint::set_zero(&mut #target[..]);)),
        }
        d
    }

    /// `x_adj` or `x_adj[i]`: the adjoint of the place a statement writes.
    pub(super) fn adjoint_place(&self, place: &Place) -> TokenStream {
        let adj = self.adj(place.var());
        match place {
            Place::Var(_) => adj,
            Place::Index(_, idx) => {
                let i = self.index_tokens(idx);
                quote!(#adj #i)
            }
        }
    }

    /// Zeroes the adjoint of `place`: its value is overwritten by a constant.
    pub(super) fn reset_adjoint(&mut self, place: &Place, out: &mut TokenStream) {
        let v = place.var();
        let adj = self.adj(v);
        match place {
            Place::Var(_) if self.f.vars[v].shape == Shape::Scalar => {
                out.extend(quote!(#adj = 0.0;))
            }
            Place::Var(_) => {
                out.extend(quote!(::autodiff::__private::Adjoint::set_zero(&mut #adj[..]);))
            }
            Place::Index(_, idx) => {
                let i = self.index_tokens(idx);
                if self.f.vars[v].shape == Shape::Array(2) && idx.len() == 1 {
                    out.extend(quote!(::autodiff::__private::Adjoint::set_zero(&mut #adj #i[..]);));
                } else {
                    out.extend(quote!(#adj #i = 0.0;));
                }
            }
        }
    }
}
