//! Fields of struct parameters: each field read in float arithmetic is a
//! variable of its own, bound to the field, whose adjoint is the same field
//! of the parameter's gradient buffer.
//!
//! ```text
//! p.w[i] * x + p.b        ⟶   let p_w = &p.w; let p_b = p.b;   (forward)
//!                             p_w[i] * x + p_b
//!                             d_p.w[i] += ..; d_p.b += ..;      (reverse)
//! ```

use super::Lower;
use crate::ir::*;
use quote::quote;
use syn::spanned::Spanned;

impl Lower<'_> {
    /// The variable for `p.a.b` with `p` a struct parameter, created on first
    /// use with the shape its use gives; `None` if the base is not one.
    pub(super) fn field_var(&mut self, e: &syn::ExprField, shape: Shape) -> Option<VarId> {
        let mut members = vec![&e.member];
        let mut base = &*e.base;
        loop {
            match base {
                syn::Expr::Field(f) => {
                    members.push(&f.member);
                    base = &f.base;
                }
                syn::Expr::Paren(p) => base = &p.expr,
                syn::Expr::Path(p) => break self.field_of(p, members, shape, e.span()),
                _ => break None,
            }
        }
    }

    fn field_of(
        &mut self,
        p: &syn::ExprPath,
        mut members: Vec<&syn::Member>,
        shape: Shape,
        span: proc_macro2::Span,
    ) -> Option<VarId> {
        let param = self.lookup_path(&p.path)?;
        if !self.structs.contains(&param) {
            return None;
        }
        members.reverse();
        let path = quote!(#(.#members)*);
        let key = (param, path.to_string());
        if let Some(v) = self.fields.get(&key) {
            return Some(*v);
        }
        let name = std::iter::once(self.vars[param].ident.to_string())
            .chain(members.iter().map(|m| match m {
                syn::Member::Named(i) => i.to_string(),
                syn::Member::Unnamed(i) => i.index.to_string(),
            }))
            .collect::<Vec<_>>()
            .join("_");
        let ident = self.names.fresh_at(&name, span);
        let origin = self.vars[param].origin;
        let saved = std::mem::replace(&mut self.ctx, Ctx::TOP);
        let v = self.push_var(ident, origin, None, shape);
        self.ctx = saved;
        self.vars[v].initialised = true;
        self.vars[v].field = Some((param, path));
        self.fields.insert(key, v);
        Some(v)
    }

    /// Whether `e` is a field of a parameter that is not differentiated: a
    /// constant.
    pub(super) fn constant_field(&self, e: &syn::ExprField) -> bool {
        let mut base = &*e.base;
        loop {
            match base {
                syn::Expr::Field(f) => base = &f.base,
                syn::Expr::Paren(p) => base = &p.expr,
                syn::Expr::Path(p) => {
                    break self.lookup_path(&p.path).is_some_and(|v| {
                        matches!(self.vars[v].origin, Origin::Param(_))
                            && !self.structs.contains(&v)
                    })
                }
                _ => break false,
            }
        }
    }
}
