//! Loops whose reverse sweep replays each iteration, in forward order.
//!
//! A loop that carries no active value from one iteration to the next
//! except sums (`s += ..`, `g[i] += ..`, never read in the loop) has
//! iterations whose adjoints do not depend on each other: the reverse sweep
//! may run them in any order. Running them in forward order, each iteration
//! replays its forward code and then its reverse code in one scope, so the
//! values an iteration's reverse code reads are locals of that iteration, and
//! the constants the loop carries (`power *= t`, a counter) are computed
//! again rather than taped: one save of them before the loop is all the
//! forward sweep keeps.
//!
//! ```text
//! for j in 0..m {               forward: for j in 0..m { fit += x[j] * power; power *= t; }
//!     fit += x[j] * power;      reverse: power = entry;
//!     power *= t;                        for j in 0..m {
//! }                                          let saved = power; power *= t; let next = power;
//!                                            power = saved; d_x[j] += fit_adj * power;
//!                                            power = next;
//!                                        }
//! ```
//!
//! Only straight-line bodies are replayed (no branches, loops or calls):
//! replaying a body that contains a loop would run the loop's work again.

use crate::activity::Analysis;
use crate::ir::*;

/// What a replayed loop keeps across iterations.
pub struct Replay {
    /// Constants the body assigns and that live outside it: saved once
    /// before the loop, carried from one replayed iteration to the next.
    pub carried: Vec<VarId>,
    /// Active variables outside the body that it only adds to: the replay
    /// skips the additions (nothing in the loop reads the sums).
    pub sums: Vec<VarId>,
}

/// Whether the reverse sweep of `for .. in iter { body }` replays its
/// iterations in forward order, and what they carry.
pub fn replay(func: &Func, an: &Analysis, iter: &Iter, body: &[Stmt]) -> Option<Replay> {
    if !an.reversible_range(iter, body) {
        return None;
    }
    let vars = &func.vars;
    let mut local = vec![false; vars.len()];
    let mut mentioned = Vec::new();
    let (mut carried, mut sums, mut active_work) = (Vec::new(), Vec::new(), false);
    for s in body {
        let (place, op, value) = match s {
            Stmt::Let { var, init } => {
                local[*var] = true;
                if an.active[*var] && vars[*var].shape != Shape::Scalar {
                    return None;
                }
                active_work |= an.active[*var];
                match init {
                    Some(e) => (Place::Var(*var), AssignOp::Set, e),
                    None => continue,
                }
            }
            Stmt::Assign {
                place, op, value, ..
            } => (place.clone(), *op, value),
            _ => return None,
        };
        if value.has_call() {
            return None;
        }
        value.reads(&mut mentioned);
        if let Place::Index(_, idx) = &place {
            idx.iter().for_each(|p| mentioned.extend(&p.reads));
        }
        let v = place.var();
        if local[v] {
            continue;
        }
        if vars[v].origin != Origin::Local {
            return None;
        }
        if an.active[v] {
            if op == AssignOp::Set {
                return None;
            }
            active_work = true;
            sums.push(v);
        } else {
            if !matches!(place, Place::Var(_)) || vars[v].shape != Shape::Scalar {
                return None;
            }
            carried.push(v);
        }
    }
    // A sum read in the loop carries its value to the next iteration.
    if !active_work || sums.iter().any(|v| mentioned.contains(v)) {
        return None;
    }
    // The replay runs the whole body again, inactive statements included:
    // what it reads from outside must be there, with its value, in the
    // reverse sweep.
    let outside = |v: &VarId| !local[*v] && vars[*v].origin == Origin::Local;
    if mentioned
        .iter()
        .any(|v| outside(v) && !an.needed[*v] && !carried.contains(v))
    {
        return None;
    }
    carried.sort_unstable();
    carried.dedup();
    sums.sort_unstable();
    sums.dedup();
    Some(Replay { carried, sums })
}
