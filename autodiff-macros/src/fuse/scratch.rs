//! Scratch buffers: buffers declared before a loop that each iteration
//! overwrites whole before it reads them, and that nothing after the loop
//! reads. Nothing flows from one iteration to the next through them, so a
//! fused body may treat them as its own, like a buffer it declares: their
//! adjoints are sized once per iteration and never carried across.
//!
//! ```text
//! let mut beta = vec![0.0; k];         // scratch for the loop below
//! for i in 0..n {
//!     for c in 0..k {                  // writes beta[0..k], reads none
//!         beta[c] = component(&x[i], c);
//!     }
//!     total += logsumexp(&beta);       // reads what this iteration wrote
//! }
//! ```
//!
//! The proof is syntactic: the first statement of the body that mentions
//! the buffer is a loop `for c in 0..len` over the buffer's length as its
//! `vec![e; len]` wrote it (`len` reading only variables that never
//! change), whose body assigns `buffer[c]` unconditionally and mentions
//! the buffer nowhere else; and nothing else in the body writes the
//! buffer (no push, no whole assignment, no second write of an element).

use crate::activity::Analysis;
use crate::ir::*;

/// The scratch buffers of the loop `block[at]`, among those `block`
/// declares before it.
pub fn scratch_buffers(func: &Func, an: &Analysis, block: &[Stmt], at: usize) -> Vec<VarId> {
    let Stmt::For { body, .. } = &block[at] else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (j, s) in block[..at].iter().enumerate() {
        let Stmt::Let {
            var,
            init: Some(Expr::Splat {
                len, array: false, ..
            }),
        } = s
        else {
            continue;
        };
        let b = *var;
        let v = &func.vars[b];
        if !an.active[b] || v.shape != Shape::Array(1) || v.origin != Origin::Local {
            continue;
        }
        let elsewhere = block[j + 1..]
            .iter()
            .enumerate()
            .any(|(m, s)| j + 1 + m != at && mentions(s, b));
        let fixed_len = len.reads.iter().all(|&r| an.stable[r]);
        if !elsewhere && fixed_len && overwritten_first(body, b, len) {
            out.push(b);
        }
    }
    out
}

/// Whether `b` is written whole by the first statement of `body` that
/// mentions it, and read by none before (see the module docs).
fn overwritten_first(body: &[Stmt], b: VarId, len: &Passive) -> bool {
    let Some(first) = body.iter().find(|s| mentions(s, b)) else {
        return false;
    };
    // Nothing else in the body writes it: a push or a whole assignment
    // would carry into the next iteration, and an element written again
    // after a read needs its old value restored for that read.
    let mut writes = 0;
    visit(body, &mut |s| {
        writes += usize::from(matches!(s.assignment(), Some((v, _)) if v == b));
    });
    if writes != 1 {
        return false;
    }
    let Stmt::For {
        var: Some(c),
        iter,
        body: inner,
    } = first
    else {
        return false;
    };
    let Some(range) = &iter.range else {
        return false;
    };
    let from_zero = matches!(
        &range.lo.expr,
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(i), .. }) if i.base10_digits() == "0"
    );
    let same_len = range.hi.reads == len.reads && tokens(&range.hi) == tokens(len);
    if !from_zero || !same_len || range.inclusive || range.reversed {
        return false;
    }
    let mut mentioning = inner.iter().filter(|s| mentions(s, b));
    let write = mentioning.next();
    let whole = matches!(write, Some(Stmt::Assign {
            place: Place::Index(v, idx),
            op: AssignOp::Set,
            value,
            ..
        }) if *v == b
            && idx.len() == 1
            && idx[0].reads == [*c]
            && matches!(&idx[0].expr, syn::Expr::Path(p) if p.path.segments.len() == 1)
            && !reads(value, b));
    whole && mentioning.next().is_none()
}

fn tokens(p: &Passive) -> String {
    let e = &p.expr;
    quote::quote!(#e).to_string()
}

fn reads(e: &Expr, b: VarId) -> bool {
    let mut r = Vec::new();
    e.reads(&mut r);
    r.contains(&b)
}

/// Whether `s`, or a statement nested in it, reads or assigns `b`.
fn mentions(s: &Stmt, b: VarId) -> bool {
    let mut all = Vec::new();
    super::reads_and_writes(s, &mut all);
    all.contains(&b)
}
