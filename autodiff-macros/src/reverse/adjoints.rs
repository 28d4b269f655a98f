//! Reading and zeroing the adjoint of what a statement overwrites: a
//! scalar is read and set to 0; a buffer is moved out when it is sized
//! again before its next use, and copied and zeroed in place otherwise.

use super::Gen;
use crate::ir::*;
use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// The zero a scalar adjoint or cotangent starts from and is reset to:
/// `-0.0`, since `-0.0 + d` is exactly `d` while `0.0 + d` is not when `d`
/// is `-0.0`. So LLVM drops the first addition into a fresh adjoint, as a
/// hand-written gradient has none, and a sum stays zero whichever zero it
/// meets (`0.0 + -0.0 == 0.0`).
///
/// ```text
/// let mut a_adj = -0.0;
/// for i in (0..n).rev() {
///     a_adj += 2.0 * a * d;    // LLVM: a_adj = 2.0 * a * d
///     d_x[i] += a_adj;
///     a_adj = -0.0;
/// }
/// ```
pub(crate) fn zero() -> TokenStream {
    quote!(-0.0)
}

/// How `take_adjoint` reads an adjoint and starts it again.
pub(super) struct Take {
    /// `=`: the old value's adjoint starts at zero.
    pub reset: bool,
    pub moved: bool,
    pub borrowed: bool,
    /// Moved, and only read by reference: lent in place (`&target`), since
    /// it is sized again anyway, which spares allocating it once more.
    pub lent: bool,
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
    /// it is moved out rather than copied and zeroed, or lent (`lent`) to
    /// what reads it by reference, and left as it is. `borrowed`: the
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
            lent,
            old_len,
        } = take;
        let target = self.adjoint_place(place);
        if self.scalar_place(place) {
            let d = self.names.fresh("d");
            out.extend(quote!(let #d = #target;));
            if reset {
                self.reset_adjoint(place, None, out);
            }
            return quote!(#d);
        }
        if reset && moved && lent {
            let d = self.names.fresh("d");
            out.extend(quote!(let #d = &#target;));
            return quote!((*#d));
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
        if reset && !moved {
            self.reset_adjoint(place, old_len.as_ref(), out);
        }
        d
    }

    /// A temporary adjoint `let d = func(&mut pool, x)` (`zero_in`,
    /// `copy_in`) in the storage of a function-level pool, so that one a
    /// loop makes every iteration is allocated once. `d` is a reference.
    ///
    /// ```text
    /// let d = zero_like(&v);   →   let mut pool = None;                  // at the top
    ///                              let d = zero_in(&mut pool, &v);
    /// ```
    pub(crate) fn pooled(&mut self, func: &str, x: TokenStream, out: &mut TokenStream) -> Ident {
        let (pool, d) = (self.names.fresh("pool"), self.names.fresh("d"));
        let func = Ident::new(func, proc_macro2::Span::call_site());
        self.decls
            .extend(quote!(let mut #pool = ::core::option::Option::None;));
        out.extend(quote!(let #d = ::autodiff::__private::#func(&mut #pool, #x);));
        d
    }

    /// The length of the buffer or row `place` is about to overwrite, saved
    /// in `fwd` for the reverse sweep, where its adjoint starts again at
    /// zeros of that length (`ZeroLen`): nothing restores the old value to
    /// size it by, and another iteration's row may be longer or shorter.
    /// `None` for other places, and in a replayed loop, which saves nothing.
    pub(super) fn old_length(
        &mut self,
        place: &Place,
        ctx: Ctx,
        fwd: &mut TokenStream,
    ) -> Option<TokenStream> {
        let var = &self.f.vars[place.var()];
        let resizable = var.origin == Origin::Local
            && var.initialised
            && match place {
                Place::Var(_) => var.shape == Shape::Array(1) && !var.fixed_array,
                Place::Index(_, idx) => var.shape == Shape::Array(2) && idx.len() == 1,
            };
        if !resizable || self.replaying.is_some() {
            return None;
        }
        let target = self.place_tokens(place);
        let store = self.store(ctx, &format!("{}_len", var.ident));
        fwd.extend(store.save(quote!(#target.len())));
        Some(store.load())
    }

    /// `restore` (of `place = ..`), then the adjoint sized to the value it
    /// brought back: a reassigned buffer's (`reassigned`), or a row's, which
    /// may have another length than the one written.
    pub(super) fn resized_restore(
        &self,
        place: &Place,
        restore: TokenStream,
        reassigned: bool,
    ) -> TokenStream {
        let v = place.var();
        let (id, adj) = (self.ident(v), self.adj(v));
        match place {
            _ if restore.is_empty() => restore,
            Place::Var(_) if reassigned => {
                quote!(#restore ::autodiff::__private::reset_like(&mut #adj, &#id);)
            }
            Place::Index(_, idx) if idx.len() == 1 && self.f.vars[v].shape == Shape::Array(2) => {
                let i = self.index_tokens(idx);
                quote!(#restore ::autodiff::__private::reset_like(&mut #adj #i, &#id #i);)
            }
            _ => restore,
        }
    }

    /// Sizes the adjoint of the buffer `var` to its value, if it has one.
    pub(super) fn size_adjoint(&self, var: VarId, out: &mut TokenStream) {
        let info = &self.f.vars[var];
        if self.an.active[var] && info.shape != Shape::Scalar && !info.fixed_array {
            let (id, adj) = (self.ident(var), self.adj(var));
            out.extend(quote!(::autodiff::__private::reset_like(&mut #adj, &#id);));
        }
    }

    /// Whether the adjoints of `a` and `b` overlap: the same variable, or a
    /// struct parameter and one of its fields (`lin(p, &p.w)`), at any depth.
    pub(crate) fn overlaps(&self, a: VarId, b: VarId) -> bool {
        let within = |mut v: VarId, outer: VarId| loop {
            if v == outer {
                return true;
            }
            match &self.f.vars[v].field {
                Some((base, _)) => v = *base,
                None => return false,
            }
        };
        within(a, b) || within(b, a)
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

    /// Zeroes the adjoint of `place`, whose value is overwritten: with
    /// `old_len`, as that many zeros (`Take::old_len`).
    pub(super) fn reset_adjoint(
        &mut self,
        place: &Place,
        old_len: Option<&TokenStream>,
        out: &mut TokenStream,
    ) {
        let target = self.adjoint_place(place);
        out.extend(match old_len {
            _ if self.scalar_place(place) => {
                let zero = zero();
                quote!(#target = #zero;)
            }
            Some(len) => quote!(::autodiff::__private::ZeroLen::zero_len(&mut #target, #len);),
            None => quote!(::autodiff::__private::Adjoint::set_zero(&mut #target[..]);),
        });
    }

    /// Whether `place` is a float: a scalar variable, or an element rather
    /// than a row.
    fn scalar_place(&self, place: &Place) -> bool {
        let shape = self.f.vars[place.var()].shape;
        match place {
            Place::Var(_) => shape == Shape::Scalar,
            Place::Index(_, idx) => !(shape == Shape::Array(2) && idx.len() == 1),
        }
    }
}

/// Whether the cotangent of `place = value` is only read by reference: a
/// call's is its seed, a copy's is added to what it copies.
pub(super) fn borrowed(value: &Expr) -> bool {
    match value {
        Expr::Call(_) => true,
        Expr::Copy(copied, ..) => matches!(**copied, Expr::Var(..) | Expr::Index(..)),
        _ => false,
    }
}
