//! What the reverse sweep needs to know about each variable.
//!
//! - **active**: it depends on a `wrt` parameter through differentiable
//!   operations (*varied*) and flows into the result (*useful*), so it gets
//!   an adjoint. Integers, indices, lengths, comparisons and `detach(..)`
//!   results never do, nor does a value the result does not use.
//! - **needed**: the reverse sweep reads its value (a rule such as `a·b`
//!   reads `b`; an adjoint write `x̄[i] += ..` reads `i`). A needed variable
//!   that is overwritten has its old value saved, and restored when the
//!   reverse sweep passes the overwrite: in a local outside loops, on a tape
//!   inside them. `s += t` needs neither `s` nor `t`, so a loop accumulating
//!   a sum stores nothing.
//! - **stable**: assigned once per execution of its scope (parameters, loop
//!   indices, `let` without reassignment). A stable variable declared in a
//!   loop body whose initialiser reads only stable values is **recomputed**
//!   at the top of the reversed body instead of taped.
//! - **hoisted**: declared inside a block but read by the reverse sweep, so
//!   it is declared at function level where the reverse sweep can see it.

use crate::exits::leaves_loop;
use crate::ir::*;
use crate::rules;

pub struct Analysis {
    pub active: Vec<bool>,
    pub needed: Vec<bool>,
    pub stable: Vec<bool>,
    pub recompute: Vec<bool>,
    pub hoisted: Vec<bool>,
    /// Read by the reverse code of an active statement (a rule operand).
    pub referenced: Vec<bool>,
    /// The overwrites whose old value is saved and restored (`restores`).
    pub restores: std::collections::HashSet<usize>,
    /// The loops whose reverse sweep replays their iterations (`replay`).
    pub replayed: std::collections::HashMap<usize, crate::replay::Replay>,
    /// The loops whose reverse code runs in their forward sweep (`fuse`).
    pub fused: std::collections::HashMap<usize, crate::fuse::Fusion>,
    /// The loops whose reverse sweep runs each iteration again from a saved
    /// state (`checkpoint`).
    pub checkpointed: std::collections::HashMap<usize, crate::checkpoint::Checkpoint>,
}

impl Analysis {
    pub fn expr_active(&self, e: &Expr) -> bool {
        expr_active(e, &self.active)
    }

    /// Whether a condition inside a loop is evaluated again in the reverse
    /// sweep rather than recorded.
    pub fn reevaluate(&self, p: &Passive) -> bool {
        p.reads.iter().all(|v| self.stable[*v])
    }

    /// Whether a `for` loop is reversed by iterating its range backwards.
    pub fn reversible_range(&self, iter: &Iter, body: &[Stmt]) -> bool {
        match &iter.range {
            Some(r) => !leaves_loop(body) && self.reevaluate(&r.lo) && self.reevaluate(&r.hi),
            None => false,
        }
    }

    /// Whether the assignment of `value` to `v` at `ctx` must save the old
    /// value.
    pub fn saves(&self, v: VarId, value: &Expr, ctx: Ctx, is_let: bool) -> bool {
        if !self.needed[v] || !self.restores.contains(&crate::restores::key(value)) {
            return false;
        }
        if is_let {
            ctx.in_loop && !self.recompute[v]
        } else {
            true
        }
    }
}

fn expr_active(e: &Expr, active: &[bool]) -> bool {
    match e {
        Expr::Lit(_) | Expr::Opaque(..) | Expr::Empty(_) => false,
        Expr::Var(v, _) | Expr::Index(v, _) => active[*v],
        Expr::Neg(a, _) | Expr::Cast(a, _, _) | Expr::Copy(a, _, _) | Expr::Ref(a, _) => {
            expr_active(a, active)
        }
        Expr::Call(c) => c.args.iter().any(|a| expr_active(a, active)),
        Expr::Bin(_, a, b, _) => expr_active(a, active) || expr_active(b, active),
        Expr::Prim { args, .. } | Expr::List { elems: args, .. } => {
            args.iter().any(|a| expr_active(a, active))
        }
        Expr::Splat { elem, .. } => expr_active(elem, active),
    }
}

/// An operation without a derivative rule reads a varied value: its result
/// counts as varied, so that the error about it is reported.
fn without_rule(e: &Expr, active: &[bool]) -> bool {
    let mut found = false;
    e.each(&mut |x| {
        if let Expr::Opaque(_, Opaque::NoRule { values, .. }) = x {
            found |= values.iter().any(|v| active[*v]);
        }
    });
    found
}

pub fn analyse(func: &Func, wrt: &[bool]) -> Analysis {
    analyse_with(func, wrt, true)
}

/// [`analyse`], with or without fused loops (`fuse`): a split `forward`
/// runs before its seed exists, so it fuses none.
pub fn analyse_with(func: &Func, wrt: &[bool], fuse: bool) -> Analysis {
    let n = func.vars.len();
    let mut active = vec![false; n];
    for (i, v) in func.vars.iter().enumerate() {
        if let Origin::Param(p) = v.origin {
            active[i] = wrt[p];
        }
    }
    // Activity: a fixpoint, since a loop may make a variable active after
    // its first use.
    loop {
        let mut changed = false;
        visit(&func.body, &mut |s| {
            let Some((target, value)) = s.assignment() else {
                return;
            };
            if !active[target] && (expr_active(value, &active) || without_rule(value, &active)) {
                active[target] = true;
                changed = true;
            }
        });
        if !changed {
            break;
        }
    }

    // Usefulness: a value is differentiated only if it flows into the
    // result. A value that does not has a zero adjoint, and its pullback
    // would only risk `0 · ∞ = NaN` (`cbrt` at 0, say) leaking into live
    // gradients.
    let mut useful = vec![false; n];
    useful[func.result] = true;
    for &v in &func.outputs {
        useful[v] = true;
    }
    loop {
        let mut changed = false;
        visit(&func.body, &mut |s| {
            let Some((target, value)) = s.assignment() else {
                return;
            };
            if useful[target] {
                // Only what the value is differentiable in: not what a
                // constant (`detach(y)`, `no_grad! { .. }`, `x.len()`) reads.
                // An operation without a rule does count: reading an active
                // value, it is an error rather than a lost gradient.
                let mut reads = Vec::new();
                value.each(&mut |x| match x {
                    Expr::Var(v, _) | Expr::Index(v, _) => reads.push(*v),
                    Expr::Opaque(_, Opaque::NoRule { values, .. }) => reads.extend(values),
                    _ => {}
                });
                for v in reads {
                    if active[v] && !useful[v] {
                        useful[v] = true;
                        changed = true;
                    }
                }
            }
        });
        if !changed {
            break;
        }
    }
    for (a, u) in active.iter_mut().zip(&useful) {
        *a &= *u;
    }

    let stable: Vec<bool> = func
        .vars
        .iter()
        .map(|v| match v.origin {
            // An output parameter is written.
            Origin::Param(_) => v.assignments == 0,
            Origin::LoopIndex => true,
            Origin::Local => v.assignments == 1 && v.initialised,
            Origin::Result | Origin::ExitFlag => false,
        })
        .collect();

    let mut an = Analysis {
        active,
        needed: vec![false; n],
        stable,
        recompute: vec![false; n],
        hoisted: vec![false; n],
        referenced: vec![false; n],
        restores: Default::default(),
        replayed: Default::default(),
        fused: Default::default(),
        checkpointed: Default::default(),
    };
    // A fused loop makes one pass where a checkpointed one makes three.
    if fuse {
        an.fused = crate::fuse::fused(func, &an);
    }
    an.checkpointed = crate::checkpoint::checkpointed(func, &an);
    // A checkpointed body runs again in the reverse sweep: what it reads
    // from outside must still be there.
    for c in an.checkpointed.values() {
        mark(&c.reads, &mut an.needed);
    }

    // Buffers declared in a loop are re-created each iteration; the reverse
    // sweep needs each one back to size its adjoint.
    for (i, v) in func.vars.iter().enumerate() {
        if an.active[i] && v.shape != Shape::Scalar && v.ctx.in_loop && v.origin == Origin::Local {
            an.needed[i] = true;
        }
    }

    // Needed values: a fixpoint, since recomputing a value needs its inputs.
    loop {
        let before = an.needed.clone();
        let mut needed = an.needed.clone();
        let mut lets: Vec<(VarId, Ctx, &Expr)> = Vec::new();
        let mut shapes = vec![false; n];
        visit(&func.body, &mut |s| {
            active_reads(s, &an, &func.vars, &mut needed, &mut shapes);
            if let Stmt::Let {
                var, init: Some(e), ..
            } = s
            {
                lets.push((*var, func.vars[*var].ctx, e));
            }
        });
        // A length the reverse code reads is only right with the value.
        for (v, s) in needed.iter_mut().zip(&shapes) {
            *v |= *s;
        }
        // Conditions and ranges the reverse sweep evaluates again.
        mark_reevaluated(&func.body, Ctx::TOP, &an, &mut needed);
        for (v, ctx, e) in &lets {
            // A scalar from a call or a dear primitive (`exp`) is kept rather
            // than computed again: a float is cheaper to store.
            let kept_call =
                (e.has_call() || e.keeps_results()) && func.vars[*v].shape == Shape::Scalar;
            let recompute =
                needed[*v] && ctx.in_loop && an.stable[*v] && reads_stable(e, &an) && !kept_call;
            an.recompute[*v] = recompute;
            if recompute {
                need_expr(e, true, &an, &mut needed);
            }
        }
        an.needed = needed;
        if an.needed == before {
            break;
        }
    }

    // Everything an active statement reads is named again by its reverse
    // code (rule operands), so it must be in scope there; only the needed
    // values must also be right.
    let mut referenced = vec![false; n];
    visit(&func.body, &mut |s| {
        let Some((target, value)) = s.assignment() else {
            return;
        };
        if an.active[target] {
            let mut reads = Vec::new();
            value.reads(&mut reads);
            mark(&reads, &mut referenced);
        }
    });
    for (i, v) in func.vars.iter().enumerate() {
        an.hoisted[i] = v.ctx.nested
            && v.origin == Origin::Local
            && (an.needed[i] || referenced[i] || (an.active[i] && v.shape != Shape::Scalar));
    }
    an.referenced = referenced;
    (an.restores, an.replayed) = crate::restores::analyse(func, &an);
    an
}

/// What the reverse code of an active statement `s` reads to differentiate
/// it: the operands its rules need and its indices (`values`), and the
/// vectors it names again, by their lengths (`shapes`; `restores::named`).
/// Nothing for an inactive statement.
pub(crate) fn active_reads(
    s: &Stmt,
    an: &Analysis,
    vars: &[Var],
    values: &mut [bool],
    shapes: &mut [bool],
) {
    let value = match s {
        Stmt::Let {
            var, init: Some(e), ..
        } if an.active[*var] => e,
        Stmt::Assign { place, value, .. } if an.active[place.var()] => {
            if let Place::Index(_, idx) = place {
                idx.iter().for_each(|p| mark(&p.reads, values));
            }
            value
        }
        Stmt::Push { var, value } if an.active[*var] => value,
        _ => return,
    };
    need_expr(value, false, an, values);
    let (named_values, named_shapes) = crate::restores::named(value, vars);
    mark(&named_values, values);
    mark(&named_shapes, shapes);
}

fn reads_stable(e: &Expr, an: &Analysis) -> bool {
    let mut reads = Vec::new();
    e.reads(&mut reads);
    reads.iter().all(|v| an.stable[*v])
}

fn mark(reads: &[VarId], needed: &mut [bool]) {
    for v in reads {
        needed[*v] = true;
    }
}

fn mark_reevaluated(b: &[Stmt], ctx: Ctx, an: &Analysis, needed: &mut [bool]) {
    for s in b {
        match s {
            Stmt::If {
                cond,
                then_b,
                else_b,
            } => {
                if ctx.in_loop && an.reevaluate(cond) {
                    mark(&cond.reads, needed);
                }
                let inner = ctx.branch();
                mark_reevaluated(then_b, inner, an, needed);
                mark_reevaluated(else_b, inner, an, needed);
            }
            Stmt::For { iter, body, .. } => {
                if an.reversible_range(iter, body) {
                    if let Some(r) = &iter.range {
                        mark(&r.lo.reads, needed);
                        mark(&r.hi.reads, needed);
                    }
                }
                mark_reevaluated(body, Ctx::LOOP, an, needed);
            }
            Stmt::While { body, .. } | Stmt::Loop { body } => {
                mark_reevaluated(body, Ctx::LOOP, an, needed)
            }
            _ => {}
        }
    }
}

/// Marks what the reverse sweep reads to differentiate `e`, or to recompute
/// it when `value` is set.
pub(crate) fn need_expr(e: &Expr, value: bool, an: &Analysis, needed: &mut [bool]) {
    match e {
        Expr::Lit(_) => {}
        Expr::Var(v, _) => {
            if value {
                needed[*v] = true;
            }
        }
        Expr::Index(v, idx) => {
            if value || an.active[*v] {
                idx.iter().for_each(|p| mark(&p.reads, needed));
            }
            if value {
                needed[*v] = true;
            }
        }
        Expr::Neg(a, _) | Expr::Cast(a, _, _) | Expr::Copy(a, _, _) | Expr::Ref(a, _) => {
            need_expr(a, value, an, needed)
        }
        // The callee's pullback runs its forward sweep again from the
        // arguments.
        Expr::Call(c) => c.args.iter().for_each(|a| need_expr(a, true, an, needed)),
        Expr::Bin(op, a, b, _) => {
            let prim = rules::operator(op.rule_name());
            let mask = prim.needed(&[an.expr_active(a), an.expr_active(b)]);
            need_expr(a, value || mask[0], an, needed);
            need_expr(b, value || mask[1], an, needed);
        }
        Expr::Prim { prim, args, .. } => {
            let acts: Vec<bool> = args.iter().map(|a| an.expr_active(a)).collect();
            let mask = prim.needed(&acts);
            for (a, m) in args.iter().zip(mask) {
                need_expr(a, value || m, an, needed);
            }
        }
        // Recomputing an opaque operand with stale inputs could panic (an
        // out-of-bounds index), so its inputs are always restored.
        Expr::Opaque(p, _) | Expr::Empty(p) => mark(&p.reads, needed),
        Expr::Splat { elem, len, .. } => {
            need_expr(elem, value, an, needed);
            if value {
                mark(&len.reads, needed);
            }
        }
        Expr::List { elems, .. } => elems.iter().for_each(|x| need_expr(x, value, an, needed)),
    }
}

impl BinOp {
    pub fn rule_name(self) -> &'static str {
        match self {
            BinOp::Add => "add",
            BinOp::Sub => "sub",
            BinOp::Mul => "mul",
            BinOp::Div => "div",
        }
    }
}
