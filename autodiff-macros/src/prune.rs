//! Forward code a reverse-only pullback leaves out.
//!
//! A checkpointed callee's `reverse` runs its forward sweep again, but its
//! value goes nowhere: the caller has it from `forward`. Only what the
//! reverse sweep reads must be recomputed, so a statement that computes
//! values nothing reads is left out of that forward sweep (dead code the
//! compiler would keep: it cannot drop a heap buffer's writes).
//!
//! ```text
//! fn rhs(x: &[f64], y: &[f64])         reverse (the value unused):
//!         -> Vec<f64> {                    let mut value_adj = seed.to_vec();
//!     let mut z = vec![0.0; x.len()];      for i in (1..x.len()).rev() {
//!     for i in 1..x.len() {                    let d = value_adj[i]; value_adj[i] = -0.0;
//!         z[i] = x[i] * y[i - 1];              d_x[i] += d * y[i - 1];
//!     }                                        d_y[i - 1] += d * x[i];
//!     z                                    }
//! }
//! ```
//!
//! A variable is *dead* when the reverse sweep never names it and no kept
//! statement reads it, and every statement writing it is a plain `let` or
//! assignment of side-effect-free operations. Statements writing only dead
//! variables, and loops and branches made only of such statements, are
//! left out; at the top of the function, where the reverse code reads the
//! temporaries of a statement's forward code, only its write is. Anything
//! else stays: calls (a callee may record, or print), kept results and
//! saves (the reverse sweep takes them back), fused, replayed and
//! checkpointed loops.

use crate::activity::Analysis;
use crate::ir::*;
use crate::restores::loop_key;
use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use std::collections::HashSet;

/// The address of a statement, as `Gen` keys the statements it prunes.
pub fn key(s: &Stmt) -> usize {
    s as *const Stmt as usize
}

/// What a reverse-only forward sweep leaves out, by statement address.
#[derive(Default, Clone)]
pub struct Pruned {
    /// Statements whose forward code is left out.
    pub whole: HashSet<usize>,
    /// Statements whose forward code keeps the temporaries their reverse
    /// code reads (`let t = a * x[0]` at the top of the function), without
    /// the write of the dead variable.
    pub stores: HashSet<usize>,
}

/// The statements whose forward code may be left out. `entangled`: the
/// statements whose reverse code reads something their forward code defines
/// (a temporary, a tape); `named`: whether code other than the forward sweep
/// names a variable.
pub fn dead_forward(
    f: &Func,
    an: &Analysis,
    entangled: &HashSet<usize>,
    named: impl Fn(VarId) -> bool,
) -> Pruned {
    let n = f.vars.len();
    let mut live: Vec<bool> = (0..n)
        .map(|v| {
            let var = &f.vars[v];
            named(v) || var.field.is_some() || !matches!(var.origin, Origin::Local | Origin::Result)
        })
        .collect();
    // A fused loop's reverse code is in its forward code, which `named`
    // does not see, and a checkpointed loop's runs its forward code again:
    // what their bodies read stays.
    visit(&f.body, &mut |s| {
        if let Stmt::For { iter, body, .. } = s {
            let k = loop_key(iter);
            if an.fused.contains_key(&k) || an.checkpointed.contains_key(&k) {
                let mut reads = Vec::new();
                kept_reads(body, &HashSet::new(), &HashSet::new(), &mut reads);
                reads.into_iter().for_each(|v| live[v] = true);
            }
        }
    });
    // Variables some statement writes in a way that cannot be left out. A
    // kept result is saved inside the value a nested statement stores
    // (`kept`), so that store stays too.
    let mut pinned = vec![false; n];
    visit(&f.body, &mut |s| {
        let plain = match s {
            Stmt::Let { init, .. } => init.as_ref().is_none_or(|e| pure(e) && !e.keeps_results()),
            Stmt::Assign { place, value, .. } => {
                let index_pure = match place {
                    Place::Var(_) => true,
                    Place::Index(_, idx) => idx.iter().all(pure_passive),
                };
                index_pure && pure(value) && !value.keeps_results()
            }
            _ => false,
        };
        match s {
            Stmt::Let { var, .. } | Stmt::Push { var, .. } => pinned[*var] |= !plain,
            Stmt::Assign { place, .. } => pinned[place.var()] |= !plain,
            _ => {}
        }
    });
    loop {
        let dead: Vec<bool> = (0..n).map(|v| !live[v] && !pinned[v]).collect();
        let mut pruned = HashSet::new();
        for s in &f.body {
            mark(s, an, entangled, &dead, &mut pruned);
        }
        let mut reads = Vec::new();
        kept_reads(&f.body, &pruned, entangled, &mut reads);
        let mut changed = false;
        for v in reads {
            changed |= !live[v];
            live[v] = true;
        }
        if !changed {
            let (stores, whole) = pruned.into_iter().partition(|k| entangled.contains(k));
            return Pruned { whole, stores };
        }
    }
}

/// Whether `s` is left out, whole or but for its temporaries (and so,
/// recursively, its nested statements).
fn mark(
    s: &Stmt,
    an: &Analysis,
    entangled: &HashSet<usize>,
    dead: &[bool],
    pruned: &mut HashSet<usize>,
) -> bool {
    let all = |b: &[Stmt], pruned: &mut HashSet<usize>| {
        // Every statement is marked, so that those of a kept block are too.
        let marks: Vec<bool> = b
            .iter()
            .map(|s| mark(s, an, entangled, dead, pruned))
            .collect();
        marks.into_iter().all(|m| m)
    };
    let out = match s {
        Stmt::Let { var, .. } => dead[*var],
        Stmt::Assign { place, .. } => dead[place.var()],
        Stmt::For { iter, body, .. } => {
            let inner = all(body, pruned);
            let k = loop_key(iter);
            inner
                && !entangled.contains(&key(s))
                && !an.fused.contains_key(&k)
                && !an.replayed.contains_key(&k)
                && !an.checkpointed.contains_key(&k)
                && an.reversible_range(iter, body)
                && iter
                    .range
                    .as_ref()
                    .is_some_and(|r| pure_passive(&r.lo) && pure_passive(&r.hi))
        }
        Stmt::If {
            cond,
            then_b,
            else_b,
        } => {
            let (t, e) = (all(then_b, pruned), all(else_b, pruned));
            t && e && !entangled.contains(&key(s)) && pure_passive(cond)
        }
        _ => {
            for (b, _) in s.blocks() {
                all(b, pruned);
            }
            false
        }
    };
    if out {
        pruned.insert(key(s));
    }
    out
}

/// The variables read by the forward code that stays: that of statements
/// not left out, and the temporaries of those left out but for them.
fn kept_reads(
    b: &[Stmt],
    pruned: &HashSet<usize>,
    entangled: &HashSet<usize>,
    out: &mut Vec<VarId>,
) {
    for s in b {
        let k = key(s);
        if pruned.contains(&k) {
            if entangled.contains(&k) {
                if let Some((_, value)) = s.assignment() {
                    value.reads(out);
                }
            }
            continue;
        }
        match s {
            Stmt::Let { init, .. } => init.iter().for_each(|e| e.reads(out)),
            Stmt::Assign {
                place, op, value, ..
            } => {
                value.reads(out);
                if let Place::Index(_, idx) = place {
                    idx.iter().for_each(|p| out.extend(&p.reads));
                }
                if *op != AssignOp::Set || matches!(place, Place::Index(..)) {
                    out.push(place.var());
                }
            }
            Stmt::Push { var, value } => {
                value.reads(out);
                out.push(*var);
            }
            Stmt::Eval(e) | Stmt::Return(e, _) => e.reads(out),
            Stmt::For { iter, .. } => out.extend(&iter.expr.reads),
            Stmt::If { cond, .. } | Stmt::While { cond, .. } => out.extend(&cond.reads),
            _ => {}
        }
        for (inner, _) in s.blocks() {
            kept_reads(inner, pruned, entangled, out);
        }
    }
}

/// Whether evaluating `e` has no effect but its value.
fn pure(e: &Expr) -> bool {
    let mut ok = true;
    e.each(&mut |x| {
        ok &= match x {
            Expr::Call(_) | Expr::Opaque(_, Opaque::NoRule { .. }) => false,
            Expr::Opaque(p, Opaque::Constant) | Expr::Empty(p) => pure_passive(p),
            Expr::Index(_, idx) => idx.iter().all(pure_passive),
            Expr::Splat { len, .. } => pure_passive(len),
            _ => true,
        }
    });
    ok
}

/// Whether an opaque expression calls nothing but a few integer methods:
/// any other call or macro might have an effect.
pub(crate) fn pure_passive(p: &Passive) -> bool {
    let e = &p.expr;
    pure_tokens(quote::quote!(#e))
}

fn pure_tokens(tokens: TokenStream) -> bool {
    // `detach` is the facade's identity without a gradient.
    const METHODS: [&str; 7] = [
        "len",
        "is_empty",
        "min",
        "max",
        "abs",
        "saturating_sub",
        "detach",
    ];
    let mut prev: Option<TokenTree> = None;
    for t in tokens {
        let ok = match &t {
            TokenTree::Group(g) => {
                // A call: after a name, a turbofish, or another call.
                let called = g.delimiter() == Delimiter::Parenthesis
                    && match &prev {
                        Some(TokenTree::Ident(i)) => !METHODS.contains(&i.to_string().as_str()),
                        Some(TokenTree::Punct(p)) => p.as_char() == '>',
                        Some(TokenTree::Group(_)) => true,
                        _ => false,
                    };
                !called && pure_tokens(g.stream())
            }
            // `!` alone is a macro call or a negation; `!=` is joint.
            TokenTree::Punct(p) => !(p.as_char() == '!' && p.spacing() == Spacing::Alone),
            _ => true,
        };
        if !ok {
            return false;
        }
        prev = Some(t);
    }
    true
}

/// The identifiers in `tokens`, nested groups included.
pub fn idents(tokens: &TokenStream, out: &mut HashSet<String>) {
    for t in tokens.clone() {
        match t {
            TokenTree::Ident(i) => {
                out.insert(i.to_string());
            }
            TokenTree::Group(g) => idents(&g.stream(), out),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::pure_tokens;
    use quote::quote;

    #[test]
    fn opaque_calls_and_macros_are_not_pure() {
        assert!(pure_tokens(quote!(x.len() - 1)));
        assert!(pure_tokens(quote!(i != j && (a as f64) < b.min(c))));
        assert!(pure_tokens(quote!(detach(x[i]) * 2.0)));
        assert!(!pure_tokens(quote!(count(i))));
        assert!(!pure_tokens(quote!(x.iter().sum::<f64>())));
        assert!(!pure_tokens(quote!(x.sum::<f64>())));
        assert!(!pure_tokens(quote!(dbg!(i))));
        assert!(!pure_tokens(quote!(!flag)));
    }
}
