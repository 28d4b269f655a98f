//! `for` loops over ranges (`a..b`, `a..=b`, `.rev()`, `.step_by(k)`);
//! loops over iterator chains go to `iterators`.

use super::{strip, Lower};
use crate::ir::*;

impl Lower<'_> {
    pub(super) fn for_loop(&mut self, f: &syn::ExprForLoop) {
        if let Some(l) = &f.label {
            self.diag.error(
                l,
                "loop labels are not supported in a differentiated function",
            );
        }
        if !is_range(&f.expr) {
            return self.chain_loop(f);
        }
        let iter = self.iter(&f.expr);
        let ctx = Ctx::LOOP;
        let pat = (*f.pat).clone();
        let mut var = None;
        let body = self.nested(ctx, |l| {
            match &pat {
                syn::Pat::Ident(pi)
                    if pi.subpat.is_none() && pi.by_ref.is_none() && pi.mutability.is_none() =>
                {
                    var = Some(l.declare(&pi.ident, Origin::LoopIndex, None));
                }
                syn::Pat::Wild(_) => {}
                other => l.diag.error(
                    other,
                    "a `for` loop over a range binds one index name, such as `i` (or `_`)",
                ),
            }
            l.block_stmts(&f.body)
        });
        if let Some(iter) = iter {
            self.emit(Stmt::For {
                var,
                iter: Box::new(iter),
                body,
            });
        }
    }

    /// `a..b`, `a..=b`, `.rev()` and `.step_by(k)` of them.
    pub(super) fn iter(&mut self, e: &syn::Expr) -> Option<Iter> {
        let Some((range, reversed)) = range_shape(e) else {
            self.diag.error(
                e,
                "a `for` loop in a differentiated function iterates over a range: `a..b`, `a..=b`, with `.rev()` or `.step_by(k)`; index slices with `x[i]`",
            );
            return None;
        };
        let expr = self.passive(e);
        let range = match range {
            Some(r) => {
                let (Some(lo), Some(hi)) = (&r.start, &r.end) else {
                    return None;
                };
                Some(RangeIter {
                    lo: self.passive(lo),
                    hi: self.passive(hi),
                    inclusive: matches!(r.limits, syn::RangeLimits::Closed(_)),
                    reversed,
                })
            }
            None => None,
        };
        Some(Iter { expr, range })
    }
}

/// A range, possibly reversed or stepped: the range (unless stepped) and
/// whether it runs backwards.
fn range_shape(e: &syn::Expr) -> Option<(Option<&syn::ExprRange>, bool)> {
    match strip(e) {
        syn::Expr::Range(r) if r.start.is_some() && r.end.is_some() => Some((Some(r), false)),
        syn::Expr::MethodCall(m) if m.method == "rev" && m.args.is_empty() => {
            let (r, rev) = range_shape(&m.receiver)?;
            Some((r, !rev))
        }
        syn::Expr::MethodCall(m) if m.method == "step_by" && m.args.len() == 1 => {
            range_shape(&m.receiver).map(|_| (None, false))
        }
        _ => None,
    }
}

fn is_range(e: &syn::Expr) -> bool {
    range_shape(e).is_some()
}
