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
//! scrutinee itself; one bound inside (`Op::Scale(s)`) is taken out with a
//! one-arm `match`, as a constant: an error if the scrutinee reads a value
//! with a gradient.

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
        // What each part of a tuple scrutinee reads, for the names bound
        // to it: a comparison or a literal part carries no gradient.
        let parts: Option<Vec<Vec<VarId>>> = match &*m.expr {
            syn::Expr::Tuple(t) => Some(
                t.elems
                    .iter()
                    .map(|e| match plain_constant(e) {
                        true => Vec::new(),
                        false => self.passive(e).reads,
                    })
                    .collect(),
            ),
            _ => None,
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
                l.bind_arm(&scrut, &arm.pat, parts.as_deref());
                match sink {
                    Some(s) => l.tail(&arm.body, s),
                    None => l.expr_stmt(&arm.body),
                }
            });
            arms.push((cond, body));
        }
        // A name bound at a pattern's top reads the scrutinee where it is
        // used: its arm must not change what the scrutinee reads.
        let reads = self.passive(&scrut).reads;
        let aliased = m.arms.iter().map(|a| top_binding(&a.pat).is_some());
        let changed = arms
            .iter()
            .zip(aliased)
            .filter(|(_, a)| *a)
            .find_map(|((_, body), _)| self.changed_in(body, &reads));
        if let Some(name) = changed {
            self.diag.error(
                &m.expr,
                format!(
                    "an arm of this `match` changes `{name}`, which the scrutinee reads: the \
                     names its patterns bind read the scrutinee where they are used; bind the \
                     scrutinee with `let` before the `match`"
                ),
            );
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

    /// Binds the names an arm's pattern binds, at the top of its body;
    /// `parts`: what each part of a tuple scrutinee reads.
    fn bind_arm(&mut self, scrut: &syn::Expr, pat: &syn::Pat, parts: Option<&[Vec<VarId>]>) {
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
            // The part of a tuple the name comes from, or the whole.
            let mut reads = s.reads.clone();
            match (parts, pat) {
                (Some(parts), syn::Pat::Tuple(t)) if t.elems.len() == parts.len() => {
                    for (part, reads_of) in t.elems.iter().zip(parts) {
                        let mut bound = Vec::new();
                        nested_bindings(part, false, &mut bound);
                        if bound.contains(&n) {
                            reads.extend(reads_of);
                        }
                    }
                }
                (Some(parts), _) => parts.iter().for_each(|r| reads.extend(r)),
                (None, _) => {}
            }
            let s_expr = &s.expr;
            let expr: syn::Expr = syn::parse_quote_spanned!(n.span()=>
                match #s_expr { #pat => #n.clone(), _ => ::core::unreachable!() }
            );
            // A constant when the scrutinee is: the value's gradient, if it
            // has one, would be lost, so that is an error.
            let init = Expr::Opaque(
                Passive {
                    expr,
                    reads: reads.clone(),
                },
                Opaque::NoRule {
                    values: reads,
                    what: format!(
                        "the name `{n}` bound inside this pattern (match on a constant, or \
                         bind the value with `let` before the `match`)"
                    ),
                    span: n.span(),
                },
            );
            let var = self.declare(&n, Origin::Local, None);
            self.emit_let(var, init);
        }
    }
}

/// A tuple part that carries no gradient whatever it reads: a comparison, a
/// logical operation or a literal other than a float.
fn plain_constant(e: &syn::Expr) -> bool {
    use syn::BinOp as B;
    match e {
        syn::Expr::Lit(l) => !matches!(l.lit, syn::Lit::Float(_)),
        syn::Expr::Paren(p) => plain_constant(&p.expr),
        syn::Expr::Unary(u) => matches!(u.op, syn::UnOp::Not(_)),
        syn::Expr::Binary(b) => matches!(
            b.op,
            B::Eq(_) | B::Ne(_) | B::Lt(_) | B::Le(_) | B::Gt(_) | B::Ge(_) | B::And(_) | B::Or(_)
        ),
        _ => false,
    }
}
