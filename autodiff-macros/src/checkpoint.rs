//! Loops whose reverse sweep runs each iteration again from a checkpoint.
//!
//! A loop that creates buffers every iteration (the stages of a Runge–Kutta
//! step, the gates of a recurrent cell) would otherwise keep each one on a
//! tape, or compute it again, and hand each call's intermediate values from
//! the forward sweep to the reverse sweep. Instead the forward sweep runs
//! the plain body and saves only the state the loop carries from one
//! iteration to the next; the reverse sweep, last iteration first, restores
//! that state and runs the iteration's forward code and then its reverse
//! code in one scope, where the values its reverse code reads are locals.
//! This is `jax.checkpoint` on the loop body, or Tapenade's checkpointing of
//! a time-stepping loop: one copy of the carried state per iteration
//! instead of everything each iteration computes, for one more run of the
//! body.
//!
//! ```text
//! for _ in 0..s {                     forward: for _ in 0..s { checkpoints.push((y.clone(),)); k = f(&y); .. }
//!     let k = f(&y);                  reverse: for _ in (0..s).rev() {
//!     for i in 0..n {                              (y,) = checkpoints.pop();
//!         y[i] += h * k[i];                        let (k, pb) = f::forward(&y); ..   // the iteration's forward code
//!     }                                            ..                                  // and its reverse code
//! }                                            }
//! ```
//!
//! Only top-level `for` loops over a range are checkpointed, and only if
//! their body can run twice with the same result: it calls no function or
//! macro but differentiated ones (whose bodies run twice), and it writes no
//! parameter and pushes to no vector from outside it. A body that calls a
//! differentiated function in an inner loop is not checkpointed: the second
//! run would tape that call again, so the checkpoint would cost a run and
//! keep nothing less (a recurrent network's layer loop: its cells' `exp`s
//! and `tanh`s are most of its time).

use crate::activity::Analysis;
use crate::ir::*;
use crate::prune::pure_passive;
use std::collections::HashMap;

/// What a checkpointed loop saves and restores.
pub struct Checkpoint {
    /// Variables from outside the body that it assigns: saved before each
    /// iteration, restored before its reverse code runs.
    pub carried: Vec<VarId>,
    /// Variables from outside the body that it reads: the reverse sweep
    /// runs the body again, so they must still hold their values then.
    pub reads: Vec<VarId>,
    /// Active buffers the body declares at its top: each iteration's run
    /// sizes their adjoints to its values.
    pub buffers: Vec<VarId>,
}

/// The checkpointed loops of `func`, by `restores::loop_key`.
pub fn checkpointed(func: &Func, an: &Analysis) -> HashMap<usize, Checkpoint> {
    let mut out = HashMap::new();
    for s in &func.body {
        if let Stmt::For { var, iter, body } = s {
            if an.fused.contains_key(&crate::restores::loop_key(iter)) {
                continue;
            }
            if let Some(c) = checkpoint(func, an, *var, iter, body) {
                out.insert(crate::restores::loop_key(iter), c);
            }
        }
    }
    out
}

fn checkpoint(
    func: &Func,
    an: &Analysis,
    var: Option<VarId>,
    iter: &Iter,
    body: &[Stmt],
) -> Option<Checkpoint> {
    if !an.reversible_range(iter, body) {
        return None;
    }
    let vars = &func.vars;
    let mut walk = Walk {
        an,
        vars,
        local: vec![false; vars.len()],
        reads: Vec::new(),
        writes: Vec::new(),
        buffers: Vec::new(),
        ok: true,
        nested_calls: false,
    };
    if let Some(v) = var {
        walk.local[v] = true;
    }
    walk.block(body, Depth::Top);
    // Worth it only where the body makes buffers the sweeps would keep,
    // and where its calls become locals of the iteration: a call in an
    // inner loop is taped by the iteration's second run too, so the
    // checkpoint would add that run and save no tape.
    if !walk.ok || walk.buffers.is_empty() || walk.nested_calls {
        return None;
    }
    let Walk {
        local,
        mut reads,
        mut writes,
        buffers,
        ..
    } = walk;
    writes.retain(|v| !local[*v]);
    writes.sort_unstable();
    writes.dedup();
    let restorable = |v: &Var| v.origin == Origin::Local && v.initialised && v.field.is_none();
    if !writes.iter().all(|v| restorable(&vars[*v])) {
        return None;
    }
    reads.retain(|v| !local[*v] && !writes.contains(v));
    reads.sort_unstable();
    reads.dedup();
    Some(Checkpoint {
        carried: writes,
        reads,
        buffers,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Depth {
    /// A statement of the body itself.
    Top,
    /// In a branch of the body, outside any inner loop.
    Branch,
    /// In an inner loop: its buffers' adjoints are sized by the loop.
    Loop,
}

struct Walk<'a> {
    an: &'a Analysis,
    vars: &'a [Var],
    local: Vec<bool>,
    reads: Vec<VarId>,
    writes: Vec<VarId>,
    buffers: Vec<VarId>,
    ok: bool,
    /// A call to a differentiated function sits in an inner loop.
    nested_calls: bool,
}

impl Walk<'_> {
    fn block(&mut self, b: &[Stmt], depth: Depth) {
        for s in b {
            self.stmt(s, depth);
        }
    }

    fn stmt(&mut self, s: &Stmt, depth: Depth) {
        match s {
            Stmt::Let { var, init } => {
                self.local[*var] = true;
                if self.an.active[*var] && self.vars[*var].shape != Shape::Scalar {
                    match depth {
                        Depth::Top => self.buffers.push(*var),
                        // Declared in a branch, it may keep an older
                        // iteration's value: its adjoint's shape is unknown.
                        Depth::Branch => self.ok = false,
                        Depth::Loop => {}
                    }
                }
                if let Some(e) = init {
                    self.expr(e, depth);
                }
            }
            Stmt::Assign { place, value, .. } => {
                if let Place::Index(_, idx) = place {
                    idx.iter().for_each(|p| self.passive(p));
                }
                self.expr(value, depth);
                self.writes.push(place.var());
            }
            Stmt::Push { var, value } => {
                // A push from outside grows what a checkpoint would copy.
                self.ok &= self.local[*var];
                self.expr(value, depth);
            }
            Stmt::If {
                cond,
                then_b,
                else_b,
            } => {
                self.passive(cond);
                let inner = if depth == Depth::Loop {
                    Depth::Loop
                } else {
                    Depth::Branch
                };
                self.block(then_b, inner);
                self.block(else_b, inner);
            }
            Stmt::For { var, iter, body } => {
                self.passive(&iter.expr);
                if let Some(v) = var {
                    self.local[*v] = true;
                }
                self.block(body, Depth::Loop);
            }
            Stmt::While { cond, body } => {
                self.passive(cond);
                self.block(body, Depth::Loop);
            }
            Stmt::Loop { body } => self.block(body, Depth::Loop),
            // Effects would happen twice; exits and flags are not replayed.
            Stmt::Eval(_)
            | Stmt::Break
            | Stmt::Continue
            | Stmt::Flag(_)
            | Stmt::ExitDispatch
            | Stmt::Return(..) => self.ok = false,
        }
    }

    fn passive(&mut self, p: &Passive) {
        self.ok &= pure_passive(p);
        self.reads.extend(&p.reads);
    }

    fn expr(&mut self, e: &Expr, depth: Depth) {
        e.reads(&mut self.reads);
        e.each(&mut |x| {
            self.nested_calls |= depth == Depth::Loop && matches!(x, Expr::Call(_));
            self.ok &= match x {
                Expr::Opaque(_, Opaque::NoRule { .. }) => false,
                Expr::Opaque(p, Opaque::Constant) | Expr::Empty(p) => pure_passive(p),
                Expr::Index(_, idx) => idx.iter().all(pure_passive),
                Expr::Splat { len, .. } => pure_passive(len),
                _ => true,
            }
        });
    }
}
