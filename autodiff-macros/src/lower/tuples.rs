//! Tuples: destructuring `let` and assignment, taken apart into one
//! variable per name, so no tuple value ever reaches the IR.
//!
//! ```text
//! let (a, b) = (x * y, x + y);      ⟶   let a = x * y; let b = x + y;
//! let (lo, hi) = if x < y { (x, y) } else { (y, x) };
//!                                   ⟶   let lo; let hi;
//!                                       if x < y { lo = x; hi = y } else { lo = y; hi = x }
//! (a, b) = (b, a);                  ⟶   let t = b; let t_1 = a; a = t; b = t_1;
//! ```

use super::{strip, Lower, Sink};
use crate::ir::*;
use syn::spanned::Spanned;

/// Where the parts of a tuple go.
#[derive(Clone)]
pub(super) enum Target {
    Var(VarId),
    /// `_`: evaluated, then dropped.
    Skip,
    Tuple(Vec<Target>),
}

const SPLIT: &str = "write the tuple out, `(a, b)`, so each part can be differentiated; a tuple held in a variable or returned by a call is not supported";

impl Lower<'_> {
    /// `let pat = init;` with a tuple pattern.
    pub(super) fn let_tuple(&mut self, pat: &syn::Pat, ty: Option<&syn::Type>, init: &syn::Expr) {
        let mut names = Vec::new();
        let Some(target) = self.targets(pat, ty, &mut names) else {
            return;
        };
        match strip(init) {
            e @ syn::Expr::Tuple(_) => self.let_parts(&target, e),
            e @ (syn::Expr::If(_) | syn::Expr::Block(_) | syn::Expr::Match(_)) => {
                for (_, v) in &names {
                    self.emit(Stmt::Let {
                        var: *v,
                        init: None,
                    });
                }
                self.tuple_sinks.push(target);
                let k = self.tuple_sinks.len() - 1;
                self.tail(e, Sink::Tuple(k));
            }
            e => self.diag.error(e, SPLIT),
        }
        for (ident, v) in names {
            self.bind(&ident, v);
        }
    }

    /// Declares (without binding yet) the variables a tuple pattern names.
    fn targets(
        &mut self,
        pat: &syn::Pat,
        ty: Option<&syn::Type>,
        names: &mut Vec<(syn::Ident, VarId)>,
    ) -> Option<Target> {
        match pat {
            syn::Pat::Type(pt) => self.targets(&pt.pat, Some(&pt.ty), names),
            syn::Pat::Paren(p) => self.targets(&p.pat, ty, names),
            syn::Pat::Wild(_) => Some(Target::Skip),
            syn::Pat::Ident(pi) if pi.subpat.is_none() && pi.by_ref.is_none() => {
                let v = self.declare_unscoped(&pi.ident, Origin::Local, ty.cloned());
                names.push((pi.ident.clone(), v));
                Some(Target::Var(v))
            }
            syn::Pat::Tuple(t) => {
                let tys: Vec<Option<&syn::Type>> = match ty {
                    Some(syn::Type::Tuple(tt)) if tt.elems.len() == t.elems.len() => {
                        tt.elems.iter().map(Some).collect()
                    }
                    _ => vec![None; t.elems.len()],
                };
                let parts = t
                    .elems
                    .iter()
                    .zip(tys)
                    .map(|(p, ty)| self.targets(p, ty, names))
                    .collect::<Option<Vec<_>>>()?;
                Some(Target::Tuple(parts))
            }
            other => {
                self.diag.error(
                    other,
                    "in a differentiated function, a `let` binds a name or a tuple of names, such as `(a, b)` or `(a, _)`",
                );
                None
            }
        }
    }

    /// `let (a, b) = (e1, e2)`: one `let` per part.
    fn let_parts(&mut self, target: &Target, e: &syn::Expr) {
        self.parts(target, e, true);
    }

    /// The tail value of a branch whose value is a tuple: one assignment
    /// per part.
    pub(super) fn assign_parts(&mut self, target: &Target, e: &syn::Expr) {
        self.parts(target, e, false);
    }

    fn parts(&mut self, target: &Target, e: &syn::Expr, is_let: bool) {
        match (target, strip(e)) {
            (Target::Var(v), e) => {
                let value = self.value(e);
                if is_let {
                    self.emit_let(*v, value);
                } else {
                    self.vars[*v].assignments += 1;
                    self.emit(Stmt::Assign {
                        place: Place::Var(*v),
                        op: AssignOp::Set,
                        value,
                        span: e.span(),
                    });
                }
            }
            (Target::Skip, e) => {
                let value = self.value(e);
                self.emit(Stmt::Eval(value));
            }
            (Target::Tuple(ts), syn::Expr::Tuple(t)) if ts.len() == t.elems.len() => {
                for (target, e) in ts.iter().zip(&t.elems) {
                    self.parts(target, e, is_let);
                }
            }
            (Target::Tuple(ts), e) => self.diag.error(
                e,
                format!("expected a tuple of {} values here; {SPLIT}", ts.len()),
            ),
        }
    }

    /// `(a, v[i]) = (e1, e2);`: every value first, then every assignment.
    pub(super) fn assign_tuple(&mut self, left: &syn::ExprTuple, right: &syn::Expr) {
        let syn::Expr::Tuple(r) = strip(right) else {
            return self.diag.error(right, SPLIT);
        };
        if r.elems.len() != left.elems.len() {
            return self.diag.error(
                r,
                format!("expected a tuple of {} values here", left.elems.len()),
            );
        }
        let mut temps = Vec::new();
        for e in &r.elems {
            let value = self.value(e);
            let name = self.hidden("part", e.span());
            let v = self.declare_unscoped(&name, Origin::Local, None);
            self.emit_let(v, value);
            temps.push((v, e.span()));
        }
        for (l, (t, span)) in left.elems.iter().zip(temps) {
            if let syn::Expr::Infer(_) = l {
                continue;
            }
            let Some(place) = self.place(l) else { continue };
            self.note_assignment(&place, l);
            self.emit(Stmt::Assign {
                place,
                op: AssignOp::Set,
                value: Expr::Var(t, span),
                span,
            });
        }
    }
}
