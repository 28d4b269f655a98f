//! How generated code holds a value (a scalar, an owned vector, a
//! reference), and so how operators, rules and calls take it: a vector the
//! function owns is borrowed (`&y * 2.0`), so the reverse sweep can still
//! read it.
//!
//! ```text
//! let z = y * y;      →   let t = &y * &y;     // y: Vector
//!                         rules::mul(&y, &y, &t, d)
//! ```

use crate::anf::{Node, NodeKind};
use crate::ir::*;
use crate::reverse::Gen;
use proc_macro2::TokenStream;
use quote::quote;

/// How generated code holds a value, which decides how operators and rules
/// take it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// A scalar or another value used as is.
    Value,
    /// A `Vector` or `Matrix` the function owns: operators borrow it (`&y`),
    /// so the reverse sweep can still read it.
    Owned,
    /// Already a reference (`&v`, a parameter `x: &Vector`): used as is,
    /// also as a rule argument.
    Ref,
    /// A `Vector` or `Matrix` that may be a value or a reference (a constant
    /// such as `detach(x)`, or a local assigned one): reached through
    /// `tensor_ref`, which gives a reference either way.
    Either,
}

impl Gen<'_> {
    /// How generated code holds the value of `e`.
    pub(crate) fn held(&self, e: &Expr) -> Held {
        let vars = &self.f.vars;
        let reference = match e {
            Expr::Var(v, _) => vars[*v].is_reference(),
            // A copy of a reference is the reference.
            Expr::Copy(inner, CopyKind::Whole, _) => {
                matches!(**inner, Expr::Var(v, _) if vars[v].is_reference())
            }
            Expr::Ref(..) => true,
            _ => false,
        };
        let either = match e {
            Expr::Opaque(p, _) => {
                !matches!(p.expr, syn::Expr::Path(_)) || p.reads.iter().any(|v| vars[*v].maybe_ref)
            }
            Expr::Var(v, _) => vars[*v].maybe_ref,
            _ => false,
        };
        // Arithmetic on a call's result whose use does not say its shape
        // (`g(x) * 2.0`) may be a vector: held as one, which a scalar can
        // be too (borrowed as an operand, copied into a variable).
        // So is a call with constant arguments, a constant to the sweeps.
        let derived = match e {
            Expr::Call(_) => !self.an.expr_active(e),
            _ => e.has_call(),
        } && crate::lower::shape_of_strict(e, vars) == Shape::Unknown;
        let tensor = crate::lower::shape_of(e, vars).is_tensor() || derived;
        match (tensor, either, reference) {
            (true, true, _) => Held::Either,
            (_, _, true) => Held::Ref,
            (true, _, _) => Held::Owned,
            _ => Held::Value,
        }
    }

    /// An element of a list or splat: a buffer variable is cloned rather
    /// than moved (`vec![r.clone(), r]`), since the reverse sweep still sizes
    /// its adjoint by it, and a later iteration refills it.
    pub(crate) fn print_row(&self, e: &Expr) -> TokenStream {
        let t = self.print(e);
        match e {
            Expr::Var(v, _) => {
                let var = &self.f.vars[*v];
                let buffer = matches!(var.shape, Shape::Array(_) | Shape::Matrix);
                if buffer && !var.fixed_array && !var.is_reference() {
                    quote!(::core::clone::Clone::clone(&#t))
                } else {
                    t
                }
            }
            _ => t,
        }
    }

    /// An operand of an operator, borrowed if it is a vector or matrix:
    /// `&x * &x` leaves `x` for the reverse sweep to read.
    pub(crate) fn print_borrowed(&self, e: &Expr) -> TokenStream {
        let t = self.print_operand(e);
        match self.held(e) {
            Held::Either => quote!(::autodiff::__private::tensor_ref(&#t)),
            Held::Owned => quote!(&#t),
            Held::Value | Held::Ref => t,
        }
    }

    /// A node as an operand of an operator: borrowed if it is a vector or
    /// matrix the function owns.
    pub(crate) fn borrowed(&self, n: &Node) -> TokenStream {
        let v = &n.val;
        match n.held {
            Held::Owned => quote!(&#v),
            _ => quote!(#v),
        }
    }

    /// An operand of an operator: also a call's result, which may be a
    /// vector (`g(x) + x`); the runtime's operators take a borrowed scalar
    /// too.
    pub(crate) fn operand(&self, n: &Node) -> TokenStream {
        match n.kind {
            NodeKind::Call { .. } => {
                let v = &n.val;
                quote!(&#v)
            }
            _ => self.borrowed(n),
        }
    }

    pub(crate) fn print_operand_borrowed(&self, e: &Expr) -> TokenStream {
        match e {
            Expr::Call(_) => {
                let t = self.print(e);
                quote!(&#t)
            }
            _ => self.print_borrowed(e),
        }
    }

    /// A node as a rule argument: by reference, unless it already is one.
    pub(crate) fn rule_arg(&self, n: &Node) -> TokenStream {
        let v = &n.val;
        match n.held {
            Held::Ref | Held::Either => quote!(#v),
            Held::Value | Held::Owned => quote!(&#v),
        }
    }
}
