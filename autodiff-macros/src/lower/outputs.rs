//! Several outputs: a returned tuple and output parameters. Each output is a
//! variable whose adjoint starts at its seed; no tuple reaches the IR.
//!
//! ```text
//! fn f(x: f64) -> (f64, f64) {        let mut value_1: f64 = Default::default();
//!     (x.sin(), x * x)          ⟶     value_1 = x * x;
//! }                                   return sin(x)        // `value`
//!                                     // seeds: value ← seed.0, value_1 ← seed.1
//!
//! fn g(x: &[f64], out: &mut [f64]) {  out[i] = 2.0 * x[i]  // out ← seed
//!     for i in 0..x.len() { out[i] = 2.0 * x[i]; }
//! }
//! ```
//!
//! An output parameter's initial contents are constants: a gradient flows
//! from what the function writes into it, not into what was there.

use super::{strip, tuples::Target, Lower};
use crate::ir::*;
use crate::signature::Signature;
use proc_macro2::{Ident, Span};
use syn::spanned::Spanned;

#[derive(Default)]
pub(super) struct Returns {
    /// The function returns a tuple.
    pub tuple: bool,
    /// It returns `()` and writes its outputs into parameters.
    pub unit: bool,
    /// The returned tuple's parts after the first.
    pub parts: Vec<VarId>,
    /// The output parameters.
    pub params: Vec<VarId>,
}

impl Returns {
    pub fn is_output(&self, v: VarId) -> bool {
        self.params.contains(&v)
    }

    /// The seeded variables, in seed order.
    pub fn outputs(&self, result: VarId) -> Vec<VarId> {
        let first = (!self.unit).then_some(result);
        first
            .into_iter()
            .chain(self.parts.iter().copied())
            .chain(self.params.iter().copied())
            .collect()
    }
}

impl Lower<'_> {
    /// The result variable, one variable per further part of a returned
    /// tuple (declared up front: every `return` assigns it), and the list of
    /// output parameters.
    pub(super) fn declare_outputs(&mut self, sig: &Signature) {
        self.returns.tuple = sig.tuple;
        self.returns.unit = sig.results.is_empty();
        let ident = Ident::new("value", Span::call_site());
        let (result_shape, ty) = match sig.results.first() {
            Some((kind, _)) => (super::shape::of_kind(kind), None),
            None => (Shape::Unknown, Some(syn::parse_quote!(()))),
        };
        self.result = self.push_var(ident.clone(), Origin::Result, ty, result_shape);
        for (kind, elem) in sig.results.iter().skip(1) {
            let ty: Option<syn::Type> = syn::parse2(kind.grad_type(elem)).ok();
            let v = self.push_var(
                ident.clone(),
                Origin::Result,
                ty,
                super::shape::of_kind(kind),
            );
            self.emit(Stmt::Let { var: v, init: None });
            self.returns.parts.push(v);
        }
        self.returns.params = self
            .vars
            .iter()
            .enumerate()
            .filter(|(_, v)| matches!(v.origin, Origin::Param(p) if sig.params[p].out))
            .map(|(id, _)| id)
            .collect();
    }

    /// `return (a, b)` or a tail `(a, b)`: the parts after the first are
    /// assigned, the first is returned.
    pub(super) fn return_tuple(&mut self, e: &syn::Expr) {
        let n = self.returns.parts.len() + 1;
        let syn::Expr::Tuple(t) = strip(e) else {
            return self.diag.error(
                e,
                format!("write the returned tuple out, `(a, b)`, so each of its {n} parts can be differentiated"),
            );
        };
        if t.elems.len() != n {
            return self
                .diag
                .error(t, format!("expected a tuple of {n} values here"));
        }
        for (part, e) in self
            .returns
            .parts
            .clone()
            .into_iter()
            .zip(t.elems.iter().skip(1))
        {
            self.assign_parts(&Target::Var(part), e);
        }
        let first = &t.elems[0];
        let value = self.value(first);
        self.emit(Stmt::Return(value, first.span()));
    }

    /// `return;` in a function whose outputs are parameters.
    pub(super) fn return_unit(&mut self, r: &syn::ExprReturn) {
        let unit = Passive {
            expr: syn::parse_quote!(()),
            reads: Vec::new(),
        };
        self.emit(Stmt::Return(Expr::Opaque(unit, Opaque::Constant), r.span()));
    }

    /// A write to an output parameter: elements only, since the parameter is
    /// a reference the caller holds.
    pub(super) fn note_output_write(&mut self, place: &Place, at: &syn::Expr) {
        if let Place::Var(v) = place {
            let name = self.vars[*v].ident.to_string();
            self.diag.error(
                at,
                format!("write the elements of the output parameter `{name}` (`{name}[i] = ..`), not the parameter itself"),
            );
        }
    }
}
