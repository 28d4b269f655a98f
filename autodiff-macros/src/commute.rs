//! Loops whose iterations' reverse code commutes: their reverse sweep runs
//! the iterations first to last.
//!
//! Reverse mode runs a loop's iterations last to first because an iteration
//! may read what an earlier one wrote, so its adjoint must reach the earlier
//! one first. When no iteration reads what the loop writes, and each writes
//! only its own element (`z[i] = ..`) or adds to a sum, an iteration's
//! reverse code reads only adjoints no other iteration touches and adds
//! into the others by `+=`: any order gives the same gradient, up to the
//! rounding of those sums. What such a loop tapes (a kept `exp`, a call's
//! pullback, an overwritten element) is one value per iteration, so the
//! reverse sweep turns the loop's segment of each tape over and pops them
//! oldest first. Forwards is the primal's order, and measured faster: running
//! the reverse loops of the ODE's `rhs` and `stage` forwards makes its whole
//! gradient about 13% faster.
//!
//! ```text
//! for i in 1..n {                for i in 1..n {   // not (1..n).rev()
//!     z[i] = x[i] * y[i - 1];  ->    let d = z_adj[i]; z_adj[i] = -0.0;
//! }                                  d_x[i] += d * y[i - 1]; d_y[i - 1] += d * x[i];
//!                                }
//! ```

use crate::activity::Analysis;
use crate::ir::*;

/// Whether the iterations of `for var in ..` over `body` may run their
/// reverse code in any order, judged on the body alone: straight-line
/// scalar code, no write read again in the loop, every element write at the
/// loop index. Every statement runs once per iteration, so the loop pushes
/// one value per iteration on each of its tapes.
///
/// A scalar the body overwrites must not be saved: its reverse code
/// restores the value the previous iteration left, which the previous
/// iteration's reverse code reads, so those restores chain iterations
/// backwards (a `let` of a call's result, a sum that later code reads).
/// An element written at the loop index is restored to its value before
/// the loop whatever the order.
pub fn commutes(f: &Func, an: &Analysis, var: Option<VarId>, body: &[Stmt]) -> bool {
    let Some(index) = var else {
        return false;
    };
    let mut local = vec![false; f.vars.len()];
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    for s in body {
        match s {
            Stmt::Let { var, init } => {
                let saved = init
                    .as_ref()
                    .is_some_and(|e| an.saves(*var, e, Ctx::LOOP, true));
                if f.vars[*var].shape != Shape::Scalar || saved {
                    return false;
                }
                local[*var] = true;
                if let Some(e) = init {
                    e.reads(&mut reads);
                }
            }
            Stmt::Assign {
                place, op, value, ..
            } => {
                if matches!(place, Place::Var(v) if an.saves(*v, value, Ctx::LOOP, false)) {
                    return false;
                }
                value.reads(&mut reads);
                if let Place::Index(_, idx) = place {
                    idx.iter().for_each(|p| reads.extend(&p.reads));
                }
                writes.push((place, *op));
            }
            _ => return false,
        }
    }
    writes.iter().all(|(place, op)| {
        let v = place.var();
        if v == index || reads.contains(&v) {
            return false;
        }
        match place {
            // A local's adjoint is reset by its `let` in the same iteration.
            Place::Var(_) if local[v] => true,
            // A sum: its adjoint passes through unchanged.
            Place::Var(_) => matches!(op, AssignOp::Add | AssignOp::Sub),
            Place::Index(_, idx) => {
                matches!(op, AssignOp::Set | AssignOp::Add | AssignOp::Sub) && at_index(idx, index)
            }
        }
    })
}

/// Whether an element place `[p₀][p₁]..` is a different element in every
/// iteration: one of its subscripts is the loop index itself.
fn at_index(idx: &[Passive], index: VarId) -> bool {
    idx.iter()
        .any(|p| p.reads == [index] && matches!(p.expr, syn::Expr::Path(_)))
}
