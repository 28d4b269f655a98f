//! Results kept for the reverse sweep instead of computed again.
//!
//! Inside a loop or a branch the reverse sweep recomputes a statement's
//! intermediate values from restored state. For a primitive whose pullback
//! reads its result and whose result is dear (`exp`, `tanh`: see
//! `Prim::keeps_result`), the forward sweep keeps the result instead, on a
//! tape the reverse sweep takes it back from:
//!
//! ```text
//! for i in 0..n {             forward: for i in 0..n { s[i] = { let v = x[i].exp(); kept.push(v); v }; }
//!     s[i] = x[i].exp();      reverse: for i in (0..n).rev() {
//! }                                        let d = s_adj[i]; s_adj[i] = -0.0;
//!                                          let t = kept.pop();
//!                                          x_adj[i] += rules::exp(&x[i], &t, d);
//!                                      }
//! ```
//!
//! A replayed loop (`replay`) runs its forward code again in the reverse
//! sweep, first iteration first: there the result is read back in the order
//! it was kept, from a `ReplayTape`.
//!
//! ```text
//! for i in 0..n {             forward: kept.open(n); for i in 0..n { let t = kept.keep(x[i].exp()); s += t; }
//!     s += x[i].exp();        reverse: kept.rewind(n);
//! }                                    for i in 0..n { let t = kept.read(); x_adj[i] += rules::exp(&x[i], &t, s_adj); }
//!                                      kept.finish();
//! ```

use super::{CallMode, Gen};
use crate::ir::*;
use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// What the code of a replayed loop body needs to know.
pub struct Replaying {
    /// The flag set while the reverse sweep replays the body.
    pub flag: Ident,
    /// Sums whose additions the replay skips.
    pub sums: Vec<VarId>,
    /// The tapes of the results the body keeps.
    pub kept: Vec<Ident>,
}

impl Gen<'_> {
    /// The value of the primitive `e`, computed by `call`, if it is kept
    /// rather than computed again: in the replay of a nested statement, the
    /// result the forward sweep kept; in a replayed body, kept or read back.
    pub fn kept_result(
        &mut self,
        e: &Expr,
        call: &TokenStream,
        out: &mut TokenStream,
    ) -> Option<TokenStream> {
        let Expr::Prim { prim, .. } = e else {
            return None;
        };
        // Scalars only: not a call's result of unknown shape either (`g(x).exp()`).
        if !prim.keeps_result() || crate::lower::shape_of_strict(e, &self.f.vars) != Shape::Scalar {
            return None;
        }
        let t = self.names.fresh("t");
        match (self.call_mode, &self.replaying) {
            (CallMode::Replay(ctx), _) => {
                let store = self.store(ctx, "kept");
                let load = store.load();
                out.extend(quote!(let #t = #load;));
                self.kept_sites.insert(expr_key(e), store);
            }
            (CallMode::Forward, Some(r)) => {
                let (flag, tape) = (r.flag.clone(), self.names.fresh("kept"));
                self.decls
                    .extend(quote!(let mut #tape = ::autodiff::__private::ReplayTape::new();));
                out.extend(quote!(let #t = if #flag { #tape.read() } else { #tape.keep(#call) };));
                if let Some(r) = &mut self.replaying {
                    r.kept.push(tape);
                }
            }
            _ => return None,
        }
        Some(quote!(#t))
    }

    /// The forward sweep's code for the primitive `e` of a nested statement
    /// (computed by `call`): keeps the result if the replay reads it back.
    pub fn print_kept(&self, e: &Expr, call: TokenStream) -> TokenStream {
        match (self.call_mode, self.kept_sites.get(&expr_key(e))) {
            (CallMode::Record, Some(store)) => {
                let v = quote!(kept_value);
                let save = store.save(v.clone());
                quote!({ let #v = #call; #save #v })
            }
            _ => call,
        }
    }
}

fn expr_key(e: &Expr) -> usize {
    e as *const Expr as usize
}
