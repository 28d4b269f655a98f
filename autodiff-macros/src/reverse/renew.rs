//! A fresh buffer bound in a loop, filled in the storage of the last
//! iteration's: where no save keeps that old value for the reverse sweep
//! (a fused loop, say), it is dead, so it is cleared and filled instead of
//! freed and allocated again.
//!
//! ```text
//! for c in 0..n {                        for c in 0..n {
//!     let mut minor = Vec::new();    =>      renew(&mut minor, 0);
//!     let z = vec![0.0; m];                  renew_splat(&mut z, 0.0, m);
//! ```

use super::Gen;
use crate::ir::*;
use proc_macro2::{Ident, TokenStream};
use quote::quote;
use syn::visit::Visit;

impl Gen<'_> {
    /// The forward store of `let var = init` for a hoisted `var` whose value
    /// is a fresh, constant buffer; `None` where the old storage may be gone
    /// (the buffer moved out somewhere, or to a tape by this statement's
    /// save) or the element type is only written in the path
    /// (`Vec::<f64>::new()`). Not outside loops either, where the old value
    /// is an empty one: a fresh allocation tells LLVM that no other buffer
    /// aliases it (the triangular loop of a GMM component vectorises only
    /// then).
    pub fn renew(&self, var: VarId, init: &Expr, ctx: Ctx) -> Option<TokenStream> {
        let v = &self.f.vars[var];
        if !v.ctx.in_loop || self.an.saves(var, init, ctx, true) {
            return None;
        }
        let id = &v.ident;
        let store = match init {
            Expr::Empty(p) => {
                let syn::Expr::Call(call) = &p.expr else {
                    return None;
                };
                let syn::Expr::Path(path) = &*call.func else {
                    return None;
                };
                let generic = path.path.segments.iter().any(|s| !s.arguments.is_none());
                if generic {
                    return None;
                }
                let capacity = match call.args.first() {
                    Some(n) => quote!(#n),
                    None => quote!(0),
                };
                quote!(::autodiff::__private::renew(&mut #id, #capacity);)
            }
            // Rows (`vec![vec![0.0; m]; n]`) would be cloned once more.
            Expr::Splat {
                elem,
                len,
                array: false,
                ..
            } if matches!(**elem, Expr::Lit(_) | Expr::Var(..) | Expr::Opaque(..)) => {
                let (elem, len) = (self.print_row(elem), self.passive_tokens(len));
                quote!(::autodiff::__private::renew_splat(&mut #id, #elem, #len);)
            }
            _ => return None,
        };
        never_moved(self.f, var).then_some(store)
    }
}

/// Whether the buffer `v` is only ever borrowed: never used by value
/// (`g(r)`, `let s = r`, an expression naming it other than as `&r`,
/// `r[i]` or `r.len()`), so that its storage is still there when the next
/// iteration makes it again, or a closure made after it can take it.
pub(crate) fn never_moved(f: &Func, v: VarId) -> bool {
    let id = &f.vars[v].ident;
    let mut moved = false;
    visit(&f.body, &mut |s| {
        let mut exprs: Vec<&Expr> = Vec::new();
        let mut passives: Vec<&Passive> = Vec::new();
        match s {
            Stmt::Let { init: Some(e), .. }
            | Stmt::Eval(e)
            | Stmt::Return(e, _)
            | Stmt::Push { value: e, .. } => exprs.push(e),
            Stmt::Assign { place, value, .. } => {
                exprs.push(value);
                if let Place::Index(_, idx) = place {
                    passives.extend(idx);
                }
            }
            Stmt::If { cond, .. } | Stmt::While { cond, .. } => passives.push(cond),
            Stmt::For { iter, .. } => {
                passives.push(&iter.expr);
                if let Some(r) = &iter.range {
                    passives.extend([&r.lo, &r.hi]);
                }
            }
            _ => {}
        }
        moved |= exprs.iter().any(|e| moves(e, v, id, true));
        moved |= passives.iter().any(|p| names_by_value(p, v, id));
    });
    !moved
}

/// Whether `e` (used by value if `by_value`) moves `v`.
fn moves(e: &Expr, v: VarId, id: &Ident, by_value: bool) -> bool {
    let passive = |p: &Passive| names_by_value(p, v, id);
    match e {
        Expr::Lit(_) => false,
        Expr::Var(w, _) => by_value && *w == v,
        Expr::Ref(a, _) | Expr::Copy(a, _, _) => moves(a, v, id, false),
        Expr::Index(_, idx) => idx.iter().any(passive),
        Expr::Opaque(p, _) | Expr::Empty(p) => passive(p),
        // A buffer as a row is cloned (`anf::print_row`).
        Expr::Splat { elem, len, .. } => moves(elem, v, id, !is_var(elem)) || passive(len),
        Expr::List { elems, .. } => elems.iter().any(|a| moves(a, v, id, !is_var(a))),
        Expr::Neg(a, _) | Expr::Cast(a, _, _) => moves(a, v, id, true),
        Expr::Bin(_, a, b, _) => moves(a, v, id, true) || moves(b, v, id, true),
        Expr::Prim { args, .. } => args.iter().any(|a| moves(a, v, id, true)),
        Expr::Call(c) => c.args.iter().any(|a| moves(a, v, id, true)),
    }
}

fn is_var(e: &Expr) -> bool {
    matches!(e, Expr::Var(..))
}

/// Whether the opaque expression `p` names `v` other than by borrowing it.
fn names_by_value(p: &Passive, v: VarId, id: &Ident) -> bool {
    if !p.reads.contains(&v) {
        return false;
    }
    let mut finder = ByValue { id, found: false };
    finder.visit_expr(&p.expr);
    finder.found
}

struct ByValue<'a> {
    id: &'a Ident,
    found: bool,
}

impl ByValue<'_> {
    fn is_it(&self, e: &syn::Expr) -> bool {
        matches!(e, syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident(self.id))
    }
}

impl<'ast> Visit<'ast> for ByValue<'_> {
    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        match e {
            syn::Expr::Path(_) if self.is_it(e) => self.found = true,
            // `&v`, `v[i]`, and methods that borrow.
            syn::Expr::Reference(r) if self.is_it(&r.expr) => {}
            syn::Expr::Index(i) if self.is_it(&i.expr) => self.visit_expr(&i.index),
            syn::Expr::MethodCall(m)
                if self.is_it(&m.receiver)
                    && matches!(
                        m.method.to_string().as_str(),
                        "len" | "is_empty" | "capacity" | "iter" | "first" | "last" | "contains"
                    ) =>
            {
                m.args.iter().for_each(|a| self.visit_expr(a));
            }
            _ => syn::visit::visit_expr(self, e),
        }
    }
}
