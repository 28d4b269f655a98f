//! `no_grad! { ... }`: a block whose value is detached.
//!
//! The block is lowered like any block, into a hidden variable, and read
//! through a constant, so no gradient flows back into it; activity analysis
//! then finds nothing in it useful and gives it no reverse code.
//!
//! ```text
//! let y = no_grad! { x * 2.0 };   →   let no_grad_1 = { x * 2.0 };
//!                                     let y = detach(no_grad_1);
//! ```
//!
//! A variable of the function assigned inside the block would carry a
//! gradient out of it, so that is an error.

use super::Lower;
use crate::ir::*;
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::visit::Visit;

/// Whether `m` is `no_grad! { .. }` (or `autodiff::no_grad!`).
pub(super) fn is_no_grad(m: &syn::Macro) -> bool {
    m.path.segments.last().is_some_and(|s| s.ident == "no_grad")
}

impl Lower<'_> {
    /// `no_grad! { .. };` as a statement.
    pub(super) fn no_grad_stmt(&mut self, m: &syn::Macro) {
        let e = self.no_grad(m, m.path.span());
        if let Expr::Opaque(p, _) = &e {
            if !p.reads.is_empty() {
                self.emit(Stmt::Eval(e));
            }
        }
    }

    pub(super) fn no_grad(&mut self, m: &syn::Macro, span: Span) -> Expr {
        let stmts = match m.parse_body_with(syn::Block::parse_within) {
            Ok(s) => s,
            Err(e) => {
                self.diag.push(e);
                return Expr::Lit(syn::parse_quote!(0));
            }
        };
        let block = syn::Block {
            brace_token: Default::default(),
            stmts,
        };
        let mut writes = Writes::default();
        writes.visit_block(&block);
        for (name, at) in writes.assigned {
            if !writes.declared.contains(&name) && self.lookup_name(&name).is_some() {
                self.diag.error_at(
                    at,
                    format!("`{name}` is assigned inside `no_grad!`, which would let a gradient out of the block; compute the value as the block's result instead: `let {name} = no_grad! {{ ... }};`"),
                );
            }
        }
        let has_value = matches!(block.stmts.last(), Some(syn::Stmt::Expr(_, None)));
        let e = syn::Expr::Block(syn::ExprBlock {
            attrs: Vec::new(),
            label: None,
            block,
        });
        if !has_value {
            // Run for its effects: nothing in it reaches the result.
            self.expr_stmt(&e);
            return Expr::Opaque(
                Passive {
                    expr: syn::parse_quote!(()),
                    reads: Vec::new(),
                },
                Opaque::Constant,
            );
        }
        let name = self.hidden("no_grad", span);
        let var = self.declare_unscoped(&name, Origin::Local, None);
        self.emit(Stmt::Let { var, init: None });
        self.tail(&e, super::Sink::Assign(var));
        let ident = &self.vars[var].ident;
        Expr::Opaque(
            Passive {
                expr: syn::parse_quote!(#ident),
                reads: vec![var],
            },
            Opaque::Constant,
        )
    }
}

/// Variables a block assigns (`x = ..`, `x += ..`, `x[i] = ..`, `x.push(..)`)
/// and the ones it declares.
#[derive(Default)]
struct Writes {
    assigned: Vec<(String, Span)>,
    declared: Vec<String>,
}

impl Writes {
    fn target(&mut self, e: &syn::Expr) {
        match e {
            syn::Expr::Path(p) => {
                if let Some(i) = p.path.get_ident() {
                    self.assigned.push((i.to_string(), p.span()));
                }
            }
            syn::Expr::Index(i) => self.target(&i.expr),
            syn::Expr::Field(f) => self.target(&f.base),
            syn::Expr::Paren(p) => self.target(&p.expr),
            _ => {}
        }
    }
}

impl<'a> Visit<'a> for Writes {
    fn visit_expr_assign(&mut self, a: &'a syn::ExprAssign) {
        self.target(&a.left);
        syn::visit::visit_expr_assign(self, a);
    }

    fn visit_expr_binary(&mut self, b: &'a syn::ExprBinary) {
        if super::is_compound(&b.op) {
            self.target(&b.left);
        }
        syn::visit::visit_expr_binary(self, b);
    }

    fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
        if m.method == "push" {
            self.target(&m.receiver);
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
        self.declared.push(p.ident.to_string());
    }
}
