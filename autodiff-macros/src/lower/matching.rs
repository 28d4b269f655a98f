//! `match` on a constant scrutinee becomes an `if` chain: each arm's pattern
//! (and guard) is a condition, tested with `matches!`, and the last arm is
//! the final `else`, which rustc's exhaustiveness check on the original
//! function makes sound.
//!
//! ```text
//! match k {                           if matches!(k, 0) { y = x }
//!     0 => x,                  ⟶      else if matches!(k, n if n > 3) { y = x * k as f64 }
//!     n if n > 3 => x * n as f64,     else { y = x.sin() }
//!     _ => x.sin(),
//! }
//! ```
//!
//! A name the pattern binds at its top (`n`, `n @ 1..=5`) reads the
//! scrutinee itself; one bound inside (`Op::Scale(s)`) is a constant taken
//! out with a one-arm `match`.

use super::{Binding, Lower, Sink};
use crate::ir::*;
use quote::quote;
use syn::spanned::Spanned;

/// Whether a pattern identifier binds a name, rather than naming a constant
/// or a unit variant (`None`, `MAX`), which Rust spells the same way.
fn binds(pi: &syn::PatIdent) -> bool {
    pi.subpat.is_some()
        || pi
            .ident
            .to_string()
            .trim_start_matches('_')
            .starts_with(|c: char| c.is_lowercase())
        || pi.ident == "_"
}

/// The names a pattern binds below its top.
fn nested_bindings(p: &syn::Pat, top: bool, out: &mut Vec<syn::Ident>) {
    use syn::Pat as P;
    match p {
        P::Ident(pi) => {
            if binds(pi) && !top {
                out.push(pi.ident.clone());
            }
            if let Some((_, sub)) = &pi.subpat {
                nested_bindings(sub, false, out);
            }
        }
        P::Or(o) => {
            if let Some(first) = o.cases.first() {
                nested_bindings(first, top, out);
            }
        }
        P::Paren(x) => nested_bindings(&x.pat, top, out),
        P::Reference(x) => nested_bindings(&x.pat, false, out),
        P::Type(x) => nested_bindings(&x.pat, top, out),
        P::Tuple(t) => t.elems.iter().for_each(|e| nested_bindings(e, false, out)),
        P::TupleStruct(t) => t.elems.iter().for_each(|e| nested_bindings(e, false, out)),
        P::Slice(s) => s.elems.iter().for_each(|e| nested_bindings(e, false, out)),
        P::Struct(s) => s
            .fields
            .iter()
            .for_each(|f| nested_bindings(&f.pat, false, out)),
        _ => {}
    }
}

/// The name a pattern binds at its top: `n` in `n`, `n @ 1..=5`.
fn top_binding(p: &syn::Pat) -> Option<&syn::Ident> {
    match p {
        syn::Pat::Ident(pi) if binds(pi) && pi.by_ref.is_none() && pi.ident != "_" => {
            Some(&pi.ident)
        }
        syn::Pat::Paren(x) => top_binding(&x.pat),
        syn::Pat::Type(x) => top_binding(&x.pat),
        _ => None,
    }
}

/// Whether the scrutinee can be read again in every arm (a variable or an
/// element of one), so it needs no temporary.
fn is_place(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Path(p) => p.path.get_ident().is_some(),
        syn::Expr::Index(i) => is_place(&i.expr),
        syn::Expr::Paren(p) => is_place(&p.expr),
        _ => false,
    }
}

impl Lower<'_> {
    /// A `match` as a statement (`sink` `None`) or a value.
    pub(super) fn match_expr(&mut self, m: &syn::ExprMatch, sink: Option<Sink>) {
        if let Some(a) = m.attrs.first() {
            self.diag.error(
                a,
                "attributes on a `match` are not supported in a differentiated function",
            );
        }
        let Some(last) = m.arms.len().checked_sub(1) else {
            self.diag.error(
                m,
                "a `match` without arms never returns; write `unreachable!()`",
            );
            return;
        };
        // The scrutinee, read by name in every arm.
        let scrut: syn::Expr = if is_place(&m.expr) {
            (*m.expr).clone()
        } else {
            let name = self.hidden("scrutinee", m.expr.span());
            let init = match &*m.expr {
                e @ syn::Expr::Tuple(_) => self.opaque(e, Opaque::Constant),
                e => self.value(e),
            };
            let var = self.declare(&name, Origin::Local, None);
            self.emit_let(var, init);
            syn::parse_quote!(#name)
        };
        let ctx = self.ctx.branch();
        let mut arms = Vec::new();
        for (k, arm) in m.arms.iter().enumerate() {
            let cond = (k < last).then(|| self.arm_condition(&scrut, arm));
            let body = self.nested(ctx, |l| {
                l.bind_arm(&scrut, &arm.pat);
                match sink {
                    Some(s) => l.tail(&arm.body, s),
                    None => l.expr_stmt(&arm.body),
                }
            });
            arms.push((cond, body));
        }
        let mut chain = Vec::new();
        for (cond, body) in arms.into_iter().rev() {
            chain = match cond {
                None => body,
                Some(cond) => vec![Stmt::If {
                    cond,
                    then_b: body,
                    else_b: chain,
                }],
            };
        }
        chain.into_iter().for_each(|s| self.emit(s));
    }

    /// `matches!(scrutinee, pat if guard)`, with the guard renamed around
    /// the names the pattern binds.
    fn arm_condition(&mut self, scrut: &syn::Expr, arm: &syn::Arm) -> Passive {
        let s = self.passive(scrut);
        let mut reads = s.reads;
        let s = s.expr;
        let pat = &arm.pat;
        let guard = arm.guard.as_ref().map(|(_, g)| {
            let mut names = Vec::new();
            nested_bindings(&arm.pat, true, &mut names);
            names.extend(top_binding(&arm.pat).cloned());
            self.scopes.push(Default::default());
            for n in &names {
                self.scopes
                    .last_mut()
                    .map(|sc| sc.insert(n.to_string(), Binding::Pattern));
            }
            let g = self.passive(g);
            self.scopes.pop();
            reads.extend(g.reads);
            g.expr
        });
        let guard = guard.map(|g| quote!(if #g));
        let span = arm.pat.span();
        let expr = syn::parse_quote_spanned!(span=> ::core::matches!(#s, #pat #guard));
        Passive { expr, reads }
    }

    /// Binds the names an arm's pattern binds, at the top of its body.
    fn bind_arm(&mut self, scrut: &syn::Expr, pat: &syn::Pat) {
        if let Some(n) = top_binding(pat) {
            let s = self.pin(scrut.clone());
            self.alias(n, s, false);
        }
        let mut names = Vec::new();
        nested_bindings(pat, true, &mut names);
        if names.is_empty() {
            return;
        }
        let s = self.passive(scrut);
        for n in names {
            let s_expr = &s.expr;
            let expr: syn::Expr = syn::parse_quote_spanned!(n.span()=>
                match #s_expr { #pat => #n.clone(), _ => ::core::unreachable!() }
            );
            let init = Expr::Opaque(
                Passive {
                    expr,
                    reads: s.reads.clone(),
                },
                Opaque::Constant,
            );
            let var = self.declare(&n, Origin::Local, None);
            self.emit_let(var, init);
        }
    }
}
