//! Loops whose reverse sweep runs inside their forward sweep.
//!
//! A loop outside any other loop whose only active effect is adding to
//! sums that nothing reads but the returned value, through copies, `+`,
//! `−` and literal factors, knows the adjoint of those sums before it runs:
//! the seed times that factor. Each iteration can then run its reverse code
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
//! The loop may sit in a branch (after an early `return`, say), its sum
//! reaching the result by copies on the way out (`value = total`). The
//! buffers its body declares at its top, and the scratch buffers each
//! iteration overwrites before reading (`scratch`), have their adjoints
//! sized once per iteration. A call in the body whose seed is then known
//! before it runs (`total += sign * a[c] * det(&minor, m)`) runs joint: its
//! pullback returns the value and adds the gradient at once, so nothing of
//! it is kept (`joint_calls`). A recursion written this way (the
//! determinant by minors) is one pass at every level, as a hand-written
//! gradient is. The other calls keep their pullbacks only until the
//! iteration ends, so even a leaf keeps what its reverse sweep reads
//! instead of running again (`Call::forward_kept`).
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

mod scratch;

/// A loop whose iterations run their reverse code in the forward sweep.
pub struct Fusion {
    /// Each sum and the factor of the result's adjoint that is its adjoint.
    pub sums: Vec<(VarId, f64)>,
    /// Constants the body assigns that live outside it.
    pub carried: Vec<VarId>,
    /// Active buffers the body declares at its top: their adjoints live
    /// before the loop, sized by each iteration once its forward code ran.
    pub buffers: Vec<VarId>,
    /// Those of `buffers` declared before the loop (`scratch`).
    pub scratch: Vec<VarId>,
    /// Calls run with their seed (`joint`), by the address of their `Call`
    /// in the IR, each with the body's buffers whose adjoints it sizes.
    pub joint: HashMap<usize, Vec<VarId>>,
}

/// Variables whose adjoint at some point is the seed times a known factor.
type Known = Vec<(VarId, f64)>;

/// The loops of `func` that are fused, by `restores::loop_key`.
pub fn fused(func: &Func, an: &Analysis) -> HashMap<usize, Fusion> {
    let mut out = HashMap::new();
    let result = func.result;
    let scalar_result = func.outputs == [result]
        && func.vars[result].origin == Origin::Result
        && func.vars[result].shape == Shape::Scalar
        && func.exit_flag.is_none();
    if scalar_result {
        search(
            func,
            an,
            &func.body,
            &[(result, 1.0)],
            &mut Vec::new(),
            &mut out,
        );
    }
    out
}

/// Finds the fused loops in `block`, outside any loop, given the adjoints
/// `after` knows at its end. `before`: the variables the statements before
/// it touch, so that a sum is found at its final value by the reverse sweep.
fn search(
    func: &Func,
    an: &Analysis,
    block: &[Stmt],
    after: &[(VarId, f64)],
    before: &mut Vec<VarId>,
    out: &mut HashMap<usize, Fusion>,
) {
    let outer = before.len();
    for (k, s) in block.iter().enumerate() {
        match s {
            Stmt::For { iter, body, .. } => {
                let known = propagate(func, &block[k + 1..], after);
                let scratch = scratch::scratch_buffers(func, an, block, k);
                if let Some(f) = fusion(func, an, iter, body, &known, &scratch) {
                    if f.sums.iter().all(|(v, _)| !before.contains(v)) {
                        out.insert(crate::restores::loop_key(iter), f);
                    }
                }
            }
            Stmt::If { then_b, else_b, .. } => {
                let known = propagate(func, &block[k + 1..], after);
                if !known.is_empty() {
                    let mark = before.len();
                    search(func, an, then_b, &known, before, out);
                    before.truncate(mark);
                    search(func, an, else_b, &known, before, out);
                    before.truncate(mark);
                }
            }
            _ => {}
        }
        // A `let` of a sum is where it starts, not a touch.
        let mut touched = Vec::new();
        reads_and_writes(s, &mut touched);
        if let Stmt::Let { var, init } = s {
            touched.retain(|v| v != var);
            if let Some(e) = init {
                e.reads(&mut touched);
            }
        }
        before.extend(touched);
    }
    before.truncate(outer);
}

/// The adjoints known before `rest`, from those known after it: a known
/// variable copied from another (`value = total`, `let result = 2.0 * s`)
/// hands its adjoint on when nothing after reads that other one; a known
/// variable anything else mentions is no longer known.
///
/// ```text
/// // after: value ↦ 1
/// value = total;        // before: total ↦ 1
/// ```
fn propagate(func: &Func, rest: &[Stmt], after: &[(VarId, f64)]) -> Known {
    let mut known = after.to_vec();
    let mut seen = Vec::new();
    for s in rest.iter().rev() {
        let mut mentioned = Vec::new();
        reads_and_writes(s, &mut mentioned);
        let copy = match s {
            Stmt::Let { var, init: Some(e) } => Some((*var, e)),
            Stmt::Assign {
                place: Place::Var(w),
                op: AssignOp::Set,
                value,
                ..
            } => Some((*w, value)),
            _ => None,
        };
        let position = copy.and_then(|(w, _)| known.iter().position(|(v, _)| *v == w));
        if let (Some((w, e)), Some(at)) = (copy, position) {
            let (_, fw) = known.remove(at);
            let mut reads = Vec::new();
            e.reads(&mut reads);
            reads.sort_unstable();
            reads.dedup();
            for u in reads {
                let var = &func.vars[u];
                let eligible = u != w
                    && !seen.contains(&u)
                    && !known.iter().any(|(v, _)| *v == u)
                    && var.shape == Shape::Scalar
                    && matches!(var.origin, Origin::Local | Origin::Result);
                if let (true, Some(fu)) = (eligible, factor(e, u)) {
                    known.push((u, fw * fu));
                }
            }
        } else {
            known.retain(|(v, _)| !mentioned.contains(v));
        }
        seen.extend(mentioned);
    }
    known
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
    known: &[(VarId, f64)],
    scratch: &[VarId],
) -> Option<Fusion> {
    if known.is_empty() || !an.reversible_range(iter, body) {
        return None;
    }
    let vars = &func.vars;
    // Buffers declared at the top of the body, and scratch buffers: their
    // adjoints are sized once per iteration. Scalar adjoints are declared
    // before the forward sweep; others, declared deeper, would have no
    // known shape.
    let mut buffers: Vec<VarId> = body
        .iter()
        .filter_map(|s| match s {
            Stmt::Let { var, .. } if an.active[*var] && vars[*var].shape != Shape::Scalar => {
                Some(*var)
            }
            _ => None,
        })
        .collect();
    buffers.extend(scratch);
    // Variables declared in the body (or private to each iteration), and
    // everything it reads.
    let mut local = vec![false; vars.len()];
    for &b in scratch {
        local[b] = true;
    }
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    let mut ok = true;
    visit(body, &mut |s| match s {
        Stmt::Let { var, init } => {
            local[*var] = true;
            ok &= !an.active[*var] || vars[*var].shape == Shape::Scalar || buffers.contains(var);
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
        // Growing a buffer from outside would need its adjoint resized.
        Stmt::Push { var, value } => {
            ok &= local[*var];
            value.reads(&mut reads);
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
    // After the loop, nothing reads the sums but what hands their
    // adjoints on to the result.
    let sums = sums
        .into_iter()
        .map(|v| known.iter().find(|(w, _)| *w == v).copied())
        .collect::<Option<Vec<_>>>()?;
    let joint = joint_calls(func, an, body, &sums, &buffers, scratch);
    Some(Fusion {
        sums,
        carried,
        buffers,
        scratch: scratch.to_vec(),
        joint,
    })
}

/// The calls of a fused body that run with their seed: their pullback, in
/// the forward code, returns the value and adds the gradient at once, so
/// nothing is kept for the reverse code.
///
/// Such a call is in a statement of the body's top `s += e` (or `-=`) to a
/// sum, whose adjoint is known, on a path of `e` that is linear in it:
/// through `+`, `−`, negation and a product whose left factor is a scalar
/// computed before it (`anf` computes the seed along the same path). Its
/// arguments are constants or whole buffers: parameters, or buffers the
/// body declared before the statement and writes no more (the call sizes
/// their adjoints, which later reverse code may only add to).
///
/// ```text
/// for c in 0..n {                          for c in 0..n {
///     ..                                       ..
///     total += sign * a[c] * det(&minor, m);   let t1 = sign * a[c];
/// }                                            reset_like(&mut minor_adj, &minor);
///                                              let t2 = det::pullback(&minor, m, total_adj * t1,
///                                                                     Some(&mut minor_adj), None);
///                                              ..
/// ```
fn joint_calls(
    func: &Func,
    an: &Analysis,
    body: &[Stmt],
    sums: &[(VarId, f64)],
    buffers: &[VarId],
    scratch: &[VarId],
) -> HashMap<usize, Vec<VarId>> {
    let mut out = HashMap::new();
    let mut sized = Vec::new();
    for (j, s) in body.iter().enumerate() {
        let Stmt::Assign {
            place: Place::Var(sum),
            op: AssignOp::Add | AssignOp::Sub,
            value,
            ..
        } = s
        else {
            continue;
        };
        if !sums.iter().any(|(v, _)| v == sum) || func.vars[*sum].shape != Shape::Scalar {
            continue;
        }
        let mut written_later = Vec::new();
        visit(&body[j + 1..], &mut |s| {
            written_later.extend(s.assignment().map(|(v, _)| v));
        });
        let mut declared = scratch.to_vec();
        visit(&body[..j], &mut |s| {
            if let Stmt::Let { var, .. } = s {
                declared.push(*var);
            }
        });
        let mut calls = Vec::new();
        linear_calls(value, &func.vars, &mut calls);
        for c in calls {
            let mut owned = Vec::new();
            let mut args_ok = true;
            for arg in &c.args {
                if !an.expr_active(arg) {
                    continue;
                }
                let Some(v) = whole_buffer(arg) else {
                    args_ok = false;
                    break;
                };
                let var = &func.vars[v];
                let whole_param = is_param(var) && var.field.is_none();
                let fresh = buffers.contains(&v)
                    && declared.contains(&v)
                    && !written_later.contains(&v)
                    && !sized.contains(&v);
                if var.shape == Shape::Scalar || owned.contains(&v) || !(whole_param || fresh) {
                    args_ok = false;
                    break;
                }
                owned.push(v);
            }
            if args_ok {
                owned.retain(|v| buffers.contains(v));
                sized.extend(&owned);
                out.insert(c as *const Call as usize, owned);
            }
        }
    }
    out
}

/// The variable an argument passes whole: `&v`, `v` (a reference, or a
/// copy), as `anf` hands a call its adjoint.
fn whole_buffer(arg: &Expr) -> Option<VarId> {
    match arg {
        Expr::Var(v, _) => Some(*v),
        Expr::Ref(inner, _) | Expr::Copy(inner, _, _) => match **inner {
            Expr::Var(v, _) => Some(v),
            _ => None,
        },
        _ => None,
    }
}

/// The calls on the linear paths of `e` (see `joint_calls`).
fn linear_calls<'a>(e: &'a Expr, vars: &[Var], out: &mut Vec<&'a Call>) {
    match e {
        Expr::Call(c) => out.push(c),
        Expr::Neg(a, _) => linear_calls(a, vars, out),
        Expr::Bin(BinOp::Add | BinOp::Sub, a, b, _) => {
            linear_calls(a, vars, out);
            linear_calls(b, vars, out);
        }
        Expr::Bin(BinOp::Mul, a, b, _) if linear_factor(a, vars) => linear_calls(b, vars, out),
        _ => {}
    }
}

/// The left factor of a product the seed passes through: a scalar without
/// calls, computed before the right one.
pub fn linear_factor(a: &Expr, vars: &[Var]) -> bool {
    // A value of unknown shape (a generic) might not multiply the seed.
    let mut known = true;
    a.each(&mut |x| known &= !matches!(x, Expr::Var(v, _) if vars[*v].shape == Shape::Unknown));
    known && !a.has_call() && crate::lower::shape_of(a, vars) == Shape::Scalar
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
