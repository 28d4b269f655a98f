//! Reading and zeroing the adjoint of what a statement overwrites: a
//! scalar is read and set to 0; a buffer is moved out when it is sized
//! again before its next use, and copied and zeroed in place otherwise.

use super::Gen;
use crate::ir::*;
use proc_macro2::{Ident, TokenStream};
use quote::quote;

impl Gen<'_> {
    /// Reads the adjoint of `place` into a fresh cotangent and, for `=`,
    /// resets it: the old value is overwritten, so its adjoint starts at 0.
    ///
    /// `moved`: the adjoint is sized again (`reset_like`) before anything
    /// reads it (right after, or when a checkpointed iteration starts), so
    /// it is moved out rather than copied and zeroed.
    pub(super) fn take_adjoint(
        &mut self,
        place: &Place,
        reset: bool,
        moved: bool,
        out: &mut TokenStream,
    ) -> Ident {
        let d = self.names.fresh("d");
        let v = place.var();
        let adj = self.adj(v);
        let scalar_elem = match place {
            Place::Var(_) => self.f.vars[v].shape == Shape::Scalar,
            Place::Index(_, idx) => !(self.f.vars[v].shape == Shape::Array(2) && idx.len() == 1),
        };
        let target = match place {
            Place::Var(_) => adj,
            Place::Index(_, idx) => {
                let i = self.index_tokens(idx);
                quote!(#adj #i)
            }
        };
        if scalar_elem {
            out.extend(quote!(let #d = #target;));
            if reset {
                out.extend(quote!(#target = 0.0;));
            }
        } else if reset && moved {
            out.extend(quote!(let #d = ::autodiff::__private::take(&mut #target);));
        } else {
            out.extend(quote!(let #d = ::autodiff::__private::snapshot(&#target);));
            if reset {
                out.extend(quote!(::autodiff::__private::Adjoint::set_zero(&mut #target[..]);));
            }
        }
        d
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
