//! Loops whose reverse sweep runs inside their forward sweep.
//!
//! A loop at the top of the function whose only active effect is adding to
//! sums that nothing reads but the returned value, through `+`, `−` and
//! literal factors, knows the adjoint of those sums before it runs: the
//! seed times that factor. Each iteration can then run its reverse code
//! right after its forward code, while its values are still in registers,
//! and the reverse sweep has nothing left to do for the loop. This is the
//! one pass a hand-written gradient makes.
//!
//! ```text
//! let mut s = 0.0;                      let s_adj = seed;
//! for i in 0..n {                       for i in 0..n {
//!     s += x[i] * x[i];          ->         let t = x[i] * x[i]; s += t;
//! }                                         let (d1, d2) = rules::mul(&x[i], &x[i], &t, s_adj);
//! s                                         d_x[i] += d1; d_x[i] += d2;
//!                                       }
//! ```
//!
//! The iteration's code is that of a replayed loop (`Ctx::ITERATION`):
//! constants the loop carries (`power *= t`) are set back to their values at
//! the end of the iteration after its reverse code restored them, and to
//! their values before the loop when the reverse sweep passes it.

use crate::activity::Analysis;
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::HashMap;

/// A loop whose iterations run their reverse code in the forward sweep.
pub struct Fusion {
    /// Each sum and the factor of the result's adjoint that is its adjoint.
    pub sums: Vec<(VarId, f64)>,
    /// Constants the body assigns that live outside it.
    pub carried: Vec<VarId>,
}

/// The top-level loops of `func` that are fused, by `restores::loop_key`.
pub fn fused(func: &Func, an: &Analysis) -> HashMap<usize, Fusion> {
    let mut out = HashMap::new();
    let result = func.result;
    let scalar_result = func.outputs == [result]
        && func.vars[result].origin == Origin::Result
        && func.vars[result].shape == Shape::Scalar
        && func.vars[result].assignments == 1
        && func.exit_flag.is_none();
    if !scalar_result {
        return out;
    }
    // The returned value: the last statement, `let result = e`.
    let Some(Stmt::Let {
        var,
        init: Some(returned),
    }) = func.body.last()
    else {
        return out;
    };
    if *var != result {
        return out;
    }
    for (k, s) in func.body.iter().enumerate() {
        let Stmt::For { iter, body, .. } = s else {
            continue;
        };
        let rest = &func.body[k + 1..func.body.len() - 1];
        let Some(f) = fusion(func, an, iter, body, rest, returned) else {
            continue;
        };
        // Before the loop, the sums are declared and nothing else: the
        // reverse sweep finds them at their final values.
        let mut touched = Vec::new();
        for s in &func.body[..k] {
            reads_and_writes(s, &mut touched);
            if let Stmt::Let { var, init } = s {
                touched.retain(|v| v != var);
                if let Some(e) = init {
                    e.reads(&mut touched);
                }
            }
        }
        if f.sums.iter().all(|(v, _)| !touched.contains(v)) {
            out.insert(crate::restores::loop_key(iter), f);
        }
    }
    out
}

/// Every variable `s` or a statement nested in it reads or assigns.
fn reads_and_writes(s: &Stmt, out: &mut Vec<VarId>) {
    visit(std::slice::from_ref(s), &mut |s| {
        if let Some((v, e)) = s.assignment() {
            out.push(v);
            e.reads(out);
        }
        match s {
            Stmt::If { cond, .. } | Stmt::While { cond, .. } => out.extend(&cond.reads),
            Stmt::For { iter, .. } => out.extend(&iter.expr.reads),
            Stmt::Eval(e) => e.reads(out),
            Stmt::Assign {
                place: Place::Index(_, idx),
                ..
            } => idx.iter().for_each(|p| out.extend(&p.reads)),
            _ => {}
        }
    });
}

fn fusion(
    func: &Func,
    an: &Analysis,
    iter: &Iter,
    body: &[Stmt],
    rest: &[Stmt],
    returned: &Expr,
) -> Option<Fusion> {
    if !an.reversible_range(iter, body) {
        return None;
    }
    let vars = &func.vars;
    // Variables declared in the body, and everything it reads.
    let mut local = vec![false; vars.len()];
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    let mut ok = true;
    visit(body, &mut |s| match s {
        Stmt::Let { var, init } => {
            local[*var] = true;
            // Their adjoints are declared before the forward sweep.
            ok &= !an.active[*var] || vars[*var].shape == Shape::Scalar;
            if let Some(e) = init {
                e.reads(&mut reads);
            }
        }
        Stmt::For { var, iter, .. } => {
            if let Some(v) = var {
                local[*v] = true;
            }
            reads.extend(&iter.expr.reads);
        }
        Stmt::Assign {
            place, op, value, ..
        } => {
            value.reads(&mut reads);
            if let Place::Index(_, idx) = place {
                idx.iter().for_each(|p| reads.extend(&p.reads));
            }
            writes.push((place.clone(), *op));
        }
        Stmt::Eval(e) => e.reads(&mut reads),
        Stmt::If { cond, .. } | Stmt::While { cond, .. } => reads.extend(&cond.reads),
        Stmt::Loop { .. } => {}
        _ => ok = false,
    });
    if !ok {
        return None;
    }
    let (mut sums, mut carried) = (Vec::new(), Vec::new());
    for (place, op) in writes {
        let v = place.var();
        if local[v] {
            continue;
        }
        match (&place, an.active[v]) {
            (Place::Var(_), true) if op != AssignOp::Set && vars[v].origin == Origin::Local => {
                sums.push(v)
            }
            (Place::Var(_), false)
                if vars[v].shape == Shape::Scalar && vars[v].origin == Origin::Local =>
            {
                carried.push(v)
            }
            _ => return None,
        }
    }
    sums.sort_unstable();
    sums.dedup();
    carried.sort_unstable();
    carried.dedup();
    // Active values from outside: parameters only, whose adjoints are the
    // caller's buffers, there from the start.
    let outside_active = reads
        .iter()
        .any(|&v| !local[v] && an.active[v] && !sums.contains(&v) && !is_param(&vars[v]));
    if sums.is_empty() || outside_active || sums.iter().any(|v| reads.contains(v)) {
        return None;
    }
    // After the loop, the sums are read by the returned value only.
    let mut later = Vec::new();
    rest.iter().for_each(|s| reads_and_writes(s, &mut later));
    let sums = sums
        .into_iter()
        .map(|v| {
            if later.contains(&v) {
                return None;
            }
            Some((v, factor(returned, v)?))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Fusion { sums, carried })
}

fn is_param(v: &Var) -> bool {
    matches!(v.origin, Origin::Param(_))
}

/// `∂e/∂v` if `e` is `v` under `+`, `−` and float literal factors, with `v`
/// appearing once.
fn factor(e: &Expr, v: VarId) -> Option<f64> {
    let mentions = |e: &Expr| {
        let mut r = Vec::new();
        e.reads(&mut r);
        r.contains(&v)
    };
    let literal = |e: &Expr| match e {
        Expr::Lit(syn::Lit::Float(f)) => f.base10_parse::<f64>().ok(),
        _ => None,
    };
    match e {
        Expr::Var(w, _) if *w == v => Some(1.0),
        Expr::Neg(a, _) => factor(a, v).map(|f| -f),
        Expr::Bin(op, a, b, _) => match (op, mentions(a), mentions(b)) {
            (BinOp::Add | BinOp::Sub, true, false) => factor(a, v),
            (BinOp::Add, false, true) => factor(b, v),
            (BinOp::Sub, false, true) => factor(b, v).map(|f| -f),
            (BinOp::Mul, true, false) => Some(factor(a, v)? * literal(b)?),
            (BinOp::Mul, false, true) => Some(literal(a)? * factor(b, v)?),
            (BinOp::Div, true, false) => Some(factor(a, v)? / literal(b)?),
            _ => None,
        },
        _ => None,
    }
    .filter(|f| f.is_finite())
}

/// `seed · factor`, as plain as it can be written.
pub fn scaled(seed: &TokenStream, factor: f64) -> TokenStream {
    let magnitude = proc_macro2::Literal::f64_unsuffixed(factor.abs());
    match (factor == 1.0, factor == -1.0, factor < 0.0) {
        (true, _, _) => quote!(#seed),
        (_, true, _) => quote!(-#seed),
        (_, _, true) => quote!(-(#seed * #magnitude)),
        _ => quote!(#seed * #magnitude),
    }
}
