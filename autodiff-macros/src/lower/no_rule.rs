//! Operations without a derivative rule: kept as opaque Rust, and an error
//! only if the values they read carry a gradient; a length they take is a
//! constant (`n % x.len()`).

use super::Lower;
use crate::ir::*;
use proc_macro2::Span;

impl Lower<'_> {
    /// The variables `e` reads the values of: all it reads (`reads`) but
    /// those it only takes the length of (`x` in `5 % x.len()`).
    fn value_reads(&self, e: &syn::Expr, mut reads: Vec<VarId>) -> Vec<VarId> {
        struct Lengths<'l, 'a> {
            lower: &'l Lower<'a>,
            lengths: Vec<VarId>,
            values: Vec<VarId>,
        }
        impl<'ast> syn::visit::Visit<'ast> for Lengths<'_, '_> {
            fn visit_expr(&mut self, e: &'ast syn::Expr) {
                match e {
                    syn::Expr::MethodCall(m)
                        if m.args.is_empty() && (m.method == "len" || m.method == "is_empty") =>
                    {
                        match &*m.receiver {
                            syn::Expr::Path(p) => match self.lower.lookup_path(&p.path) {
                                Some(v) => self.lengths.push(v),
                                None => self.visit_expr(&m.receiver),
                            },
                            r => self.visit_expr(r),
                        }
                    }
                    syn::Expr::Path(p) => {
                        if let Some(v) = self.lower.lookup_path(&p.path) {
                            self.values.push(v);
                        }
                    }
                    _ => syn::visit::visit_expr(self, e),
                }
            }
        }
        let mut l = Lengths {
            lower: self,
            lengths: Vec::new(),
            values: Vec::new(),
        };
        syn::visit::Visit::visit_expr(&mut l, e);
        let (lengths, values) = (l.lengths, l.values);
        reads.retain(|v| values.contains(v) || !lengths.contains(v));
        reads
    }

    pub(super) fn no_rule(&mut self, e: &syn::Expr, what: String, span: Span) -> Expr {
        let p = self.passive(e);
        let values = self.value_reads(e, p.reads.clone());
        Expr::Opaque(p, Opaque::NoRule { what, span, values })
    }
}
