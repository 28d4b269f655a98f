//! Lowering: the function body (syn) → the IR.
//!
//! Lowering resolves every variable to a [`VarId`] (renaming shadowed names
//! apart), turns `if`/block expressions into statements that assign a
//! variable, compound assignments into plain ones, and recognises the float
//! operations of the primitive table. Anything it does not model is kept as
//! an opaque [`Passive`] expression; anything outside the supported language
//! is reported with its span.
//!
//! ```text
//! let y = if x > 0.0 { x.sin() } else { -x };   ⟶   let y;
//!                                                   if x > 0.0 { y = sin(x) } else { y = -x }
//! s *= x[i];                                    ⟶   s = s * x[i]
//! ```

use crate::diagnostics::Diagnostics;
use crate::ir::*;
use crate::names::Names;
use crate::rules;
use crate::signature::{Kind, Signature};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, ToTokens};
use std::collections::HashMap;
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;

pub struct Lower<'a> {
    pub vars: Vec<Var>,
    names: &'a mut Names,
    diag: &'a mut Diagnostics,
    scopes: Vec<HashMap<String, VarId>>,
    ctx: Ctx,
    out: Vec<Vec<Stmt>>,
    result: VarId,
}

/// Where the value of a tail expression goes.
#[derive(Clone, Copy)]
enum Sink {
    Return,
    Assign(VarId),
}

pub fn lower(
    sig: &Signature,
    body: &syn::Block,
    names: &mut Names,
    diag: &mut Diagnostics,
) -> Func {
    let mut l = Lower {
        vars: Vec::new(),
        names,
        diag,
        scopes: vec![HashMap::new()],
        ctx: Ctx::TOP,
        out: vec![Vec::new()],
        result: 0,
    };
    for (i, p) in sig.params.iter().enumerate() {
        let shape = match &p.kind {
            Some((Kind::Scalar, _)) => Shape::Scalar,
            Some((Kind::Rows, _)) => Shape::Array(2),
            Some(_) => Shape::Array(1),
            None => Shape::Unknown,
        };
        l.names.reserve(&p.ident.to_string());
        let id = l.push_var(p.ident.clone(), Origin::Param(i), Some(p.ty.clone()), shape);
        l.vars[id].initialised = true;
        l.scopes[0].insert(p.ident.to_string(), id);
    }
    let result_shape = match &sig.result.0 {
        Kind::Scalar => Shape::Scalar,
        _ => Shape::Array(1),
    };
    l.result = l.push_var(
        Ident::new("value", Span::call_site()),
        Origin::Result,
        None,
        result_shape,
    );
    l.block_tail(body, Sink::Return);
    let body = l.out.pop().unwrap_or_default();
    infer_shapes(&mut l.vars, &body);
    let body = copy_buffers(body, &l.vars);
    // Named last, so the user's names keep their spelling.
    let result = l.result;
    l.vars[result].ident = l.names.fresh("value");
    Func {
        vars: l.vars,
        body,
        result,
        exit_flag: None,
    }
}

/// A buffer variable used as a whole value (`let w = v;`, `return v`) is
/// copied rather than moved: the reverse sweep still needs `v`.
fn copy_buffers(body: Vec<Stmt>, vars: &[Var]) -> Vec<Stmt> {
    let copy = |e: Expr| match e {
        Expr::Var(v, span) if matches!(vars[v].shape, Shape::Array(_)) => {
            Expr::Copy(Box::new(Expr::Var(v, span)), span)
        }
        e => e,
    };
    body.into_iter()
        .map(|s| match s {
            Stmt::Let { var, init } => Stmt::Let {
                var,
                init: init.map(copy),
            },
            Stmt::Assign {
                place,
                op,
                value,
                span,
            } => Stmt::Assign {
                place,
                op,
                value: copy(value),
                span,
            },
            Stmt::Return(e, span) => Stmt::Return(copy(e), span),
            Stmt::If {
                cond,
                then_b,
                else_b,
            } => Stmt::If {
                cond,
                then_b: copy_buffers(then_b, vars),
                else_b: copy_buffers(else_b, vars),
            },
            Stmt::For { var, iter, body } => Stmt::For {
                var,
                iter,
                body: copy_buffers(body, vars),
            },
            Stmt::While { cond, body } => Stmt::While {
                cond,
                body: copy_buffers(body, vars),
            },
            Stmt::Loop { body } => Stmt::Loop {
                body: copy_buffers(body, vars),
            },
            s => s,
        })
        .collect()
}

/// Shapes of locals from what is assigned to them: a fixpoint, since one
/// local may be initialised from another.
fn infer_shapes(vars: &mut [Var], body: &[Stmt]) {
    fn shape(e: &Expr, vars: &[Var]) -> Shape {
        let deeper = |s: Shape| match s {
            Shape::Scalar => Shape::Array(1),
            Shape::Array(k) => Shape::Array(k + 1),
            Shape::Unknown => Shape::Unknown,
        };
        match e {
            Expr::Lit(_) | Expr::Neg(..) | Expr::Bin(..) | Expr::Prim { .. } | Expr::Cast(..) => {
                Shape::Scalar
            }
            Expr::Var(v, _) => vars[*v].shape,
            Expr::Index(v, idx) => match vars[*v].shape {
                Shape::Array(k) if k as usize == idx.len() => Shape::Scalar,
                Shape::Array(k) if k as usize > idx.len() => Shape::Array(k - idx.len() as u8),
                _ => Shape::Unknown,
            },
            Expr::Copy(a, _) => shape(a, vars),
            Expr::Splat { elem, .. } => deeper(shape(elem, vars)),
            Expr::List { elems, .. } => {
                deeper(elems.first().map_or(Shape::Scalar, |x| shape(x, vars)))
            }
            Expr::Empty(_) => Shape::Array(1),
            Expr::Opaque(..) => Shape::Unknown,
        }
    }
    fn walk(b: &[Stmt], vars: &mut [Var], changed: &mut bool) {
        for s in b {
            let (v, sh) = match s {
                Stmt::Let {
                    var, init: Some(e), ..
                } => (*var, shape(e, vars)),
                Stmt::Assign {
                    place: Place::Var(var),
                    value,
                    ..
                } => (*var, shape(value, vars)),
                Stmt::If { then_b, else_b, .. } => {
                    walk(then_b, vars, changed);
                    walk(else_b, vars, changed);
                    continue;
                }
                Stmt::For { body, .. } | Stmt::While { body, .. } | Stmt::Loop { body } => {
                    walk(body, vars, changed);
                    continue;
                }
                _ => continue,
            };
            if vars[v].shape == Shape::Unknown && sh != Shape::Unknown {
                vars[v].shape = sh;
                *changed = true;
            }
        }
    }
    loop {
        let mut changed = false;
        walk(body, vars, &mut changed);
        if !changed {
            break;
        }
    }
}

fn unsupported_message(e: &syn::Expr) -> String {
    let what = match e {
        syn::Expr::Closure(_) => "closures are not supported in a differentiated function yet; write a `for` loop, or move the computation into a separate `#[differentiate]` function",
        syn::Expr::Match(_) => "`match` is not supported in a differentiated function yet; use `if` / `else if` / `else`",
        syn::Expr::Unsafe(_) => "`unsafe` blocks are not allowed in a differentiated function: its gradient must be safe code; move the unsafe operation into a function whose result is a constant, or pass its result as a parameter",
        syn::Expr::Async(_) | syn::Expr::Await(_) => "`async` and `.await` are not supported in a differentiated function",
        syn::Expr::Try(_) => "the `?` operator is not supported in a differentiated function",
        syn::Expr::Tuple(_) | syn::Expr::Field(_) | syn::Expr::Struct(_) => "tuples and structs are not supported in a differentiated function yet; use separate variables",
        syn::Expr::Reference(_) => "references are not supported here; index the slice directly (`x[i]`)",
        syn::Expr::Let(_) => "`if let` and `while let` are not supported in a differentiated function; write a condition",
        syn::Expr::Range(_) => "ranges are only supported as the iterator of a `for` loop",
        syn::Expr::Assign(_) => "an assignment cannot be used as a value; write it as its own statement",
        syn::Expr::Yield(_) | syn::Expr::TryBlock(_) | syn::Expr::Const(_) => "this expression is not supported in a differentiated function",
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => "dereferencing `*x` is not supported in a differentiated function; use the value directly",
        _ => "this expression is not supported in a differentiated function",
    };
    what.to_owned()
}

fn macro_message(m: &syn::Macro) -> String {
    let name = m
        .path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    format!(
        "the macro `{name}!` is not supported in a differentiated function; only `vec![...]` is"
    )
}

fn is_float_type(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.is_ident("f64") || p.path.is_ident("f32"))
}

fn shape_of_type(ty: &syn::Type) -> Shape {
    match ty {
        _ if is_float_type(ty) => Shape::Scalar,
        syn::Type::Array(a) => match shape_of_type(&a.elem) {
            Shape::Scalar => Shape::Array(1),
            Shape::Array(1) => Shape::Array(2),
            _ => Shape::Unknown,
        },
        syn::Type::Path(p) => {
            let Some(last) = p.path.segments.last() else {
                return Shape::Unknown;
            };
            let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
                return Shape::Unknown;
            };
            match (last.ident == "Vec", a.args.first()) {
                (true, Some(syn::GenericArgument::Type(t))) => match shape_of_type(t) {
                    Shape::Scalar => Shape::Array(1),
                    Shape::Array(1) => Shape::Array(2),
                    _ => Shape::Unknown,
                },
                _ => Shape::Unknown,
            }
        }
        _ => Shape::Unknown,
    }
}

/// Renames variables inside an opaque expression and rejects what cannot be
/// emitted again (closures, blocks, macros...).
struct Renamer<'l, 'a> {
    lower: &'l mut Lower<'a>,
    reads: Vec<VarId>,
}

impl VisitMut for Renamer<'_, '_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        use syn::Expr as E;
        match e {
            E::Path(p) => {
                if let Some(id) = self.lower.lookup_path(&p.path) {
                    self.reads.push(id);
                    let ident = self.lower.vars[id].ident.clone();
                    *e = syn::parse_quote!(#ident);
                }
            }
            E::Macro(m) => self.lower.diag.error(&m.mac, macro_message(&m.mac)),
            E::Reference(r) if r.mutability.is_some() => self.lower.diag.error(
                &*r,
                "`&mut` borrows are not supported in a differentiated function",
            ),
            E::Reference(_)
            | E::Lit(_)
            | E::Binary(_)
            | E::Unary(_)
            | E::MethodCall(_)
            | E::Call(_)
            | E::Cast(_)
            | E::Index(_)
            | E::Paren(_)
            | E::Group(_)
            | E::Field(_)
            | E::Array(_)
            | E::Repeat(_)
            | E::Tuple(_)
            | E::Range(_) => syn::visit_mut::visit_expr_mut(self, e),
            other => {
                let msg = unsupported_message(other);
                self.lower.diag.error(&*other, msg);
            }
        }
    }

    fn visit_type_mut(&mut self, _: &mut syn::Type) {}
}

impl<'a> Lower<'a> {
    fn push_var(
        &mut self,
        ident: Ident,
        origin: Origin,
        ty: Option<syn::Type>,
        shape: Shape,
    ) -> VarId {
        self.vars.push(Var {
            ident,
            origin,
            ty,
            shape,
            ctx: self.ctx,
            assignments: 0,
            initialised: false,
        });
        self.vars.len() - 1
    }

    fn declare_unscoped(&mut self, ident: &Ident, origin: Origin, ty: Option<syn::Type>) -> VarId {
        let shape = ty.as_ref().map_or(Shape::Unknown, shape_of_type);
        let fresh = self.names.fresh_at(&ident.to_string(), ident.span());
        self.push_var(fresh, origin, ty, shape)
    }

    fn bind(&mut self, ident: &Ident, id: VarId) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(ident.to_string(), id);
        }
    }

    fn declare(&mut self, ident: &Ident, origin: Origin, ty: Option<syn::Type>) -> VarId {
        let id = self.declare_unscoped(ident, origin, ty);
        self.bind(ident, id);
        id
    }

    fn lookup_path(&self, path: &syn::Path) -> Option<VarId> {
        let ident = path.get_ident()?;
        if path.leading_colon.is_some() {
            return None;
        }
        let name = ident.to_string();
        self.scopes.iter().rev().find_map(|s| s.get(&name).copied())
    }

    fn emit(&mut self, s: Stmt) {
        if let Some(b) = self.out.last_mut() {
            b.push(s);
        }
    }

    /// Lowers statements into a new block and scope, in the given context.
    fn nested(&mut self, ctx: Ctx, f: impl FnOnce(&mut Self)) -> Vec<Stmt> {
        let saved = self.ctx;
        self.ctx = ctx;
        self.scopes.push(HashMap::new());
        self.out.push(Vec::new());
        f(self);
        let b = self.out.pop().unwrap_or_default();
        self.scopes.pop();
        self.ctx = saved;
        b
    }

    fn branch_ctx(&self) -> Ctx {
        Ctx {
            nested: true,
            in_loop: self.ctx.in_loop,
        }
    }

    pub fn passive(&mut self, e: &syn::Expr) -> Passive {
        let mut expr = e.clone();
        let mut r = Renamer {
            lower: self,
            reads: Vec::new(),
        };
        r.visit_expr_mut(&mut expr);
        let reads = r.reads;
        Passive { expr, reads }
    }

    fn opaque(&mut self, e: &syn::Expr, why: Opaque) -> Expr {
        Expr::Opaque(self.passive(e), why)
    }

    fn no_rule(&mut self, e: &syn::Expr, what: String, span: Span) -> Expr {
        self.opaque(e, Opaque::NoRule { what, span })
    }

    // ---- statements --------------------------------------------------------

    /// A block whose final expression (if any) goes to `sink`.
    fn block_tail(&mut self, b: &syn::Block, sink: Sink) {
        let n = b.stmts.len();
        for (i, s) in b.stmts.iter().enumerate() {
            match s {
                syn::Stmt::Expr(e, None) if i + 1 == n => self.tail(e, sink),
                _ => self.stmt(s),
            }
        }
    }

    fn tail(&mut self, e: &syn::Expr, sink: Sink) {
        match e {
            syn::Expr::If(ei) => self.if_stmt(ei, Some(sink)),
            syn::Expr::Block(b) if b.label.is_none() => {
                let ctx = self.ctx;
                let stmts = self.nested(ctx, |l| l.block_tail(&b.block, sink));
                stmts.into_iter().for_each(|s| self.emit(s));
            }
            syn::Expr::Paren(p) => self.tail(&p.expr, sink),
            syn::Expr::Return(_) | syn::Expr::Break(_) | syn::Expr::Continue(_) => {
                self.expr_stmt(e)
            }
            _ => {
                let value = self.value(e);
                let span = e.span();
                match sink {
                    Sink::Return => self.emit(Stmt::Return(value, span)),
                    Sink::Assign(var) => {
                        self.vars[var].assignments += 1;
                        self.emit(Stmt::Assign {
                            place: Place::Var(var),
                            op: AssignOp::Set,
                            value,
                            span,
                        })
                    }
                }
            }
        }
    }

    fn stmt(&mut self, s: &syn::Stmt) {
        match s {
            syn::Stmt::Local(local) => self.local(local),
            syn::Stmt::Item(item) => {
                self.diag.error(item, "items inside a differentiated function are not supported; move this item outside the function")
            }
            syn::Stmt::Macro(m) => self.diag.error(&m.mac, macro_message(&m.mac)),
            syn::Stmt::Expr(e, _) => self.expr_stmt(e),
        }
    }

    fn local(&mut self, local: &syn::Local) {
        if let (syn::Pat::Wild(_), Some(init)) = (&local.pat, &local.init) {
            let v = self.value(&init.expr);
            self.emit(Stmt::Eval(v));
            return;
        }
        let (ident, ty) = match &local.pat {
            syn::Pat::Ident(pi) if pi.subpat.is_none() && pi.by_ref.is_none() => {
                (pi.ident.clone(), None)
            }
            syn::Pat::Type(pt) => match &*pt.pat {
                syn::Pat::Ident(pi) if pi.subpat.is_none() && pi.by_ref.is_none() => {
                    (pi.ident.clone(), Some((*pt.ty).clone()))
                }
                other => {
                    self.diag.error(other, "destructuring is not supported in a differentiated function yet; bind one name per `let`");
                    return;
                }
            },
            other => {
                self.diag.error(other, "destructuring is not supported in a differentiated function yet; bind one name per `let`");
                return;
            }
        };
        match &local.init {
            None => {
                let var = self.declare(&ident, Origin::Local, ty);
                self.emit(Stmt::Let { var, init: None });
            }
            Some(init) => {
                if let Some((_, diverge)) = &init.diverge {
                    self.diag.error(
                        diverge,
                        "`let ... else` is not supported in a differentiated function",
                    );
                }
                match &*init.expr {
                    // `let y = if ..` assigns `y` in each branch.
                    e @ (syn::Expr::If(_) | syn::Expr::Block(_)) => {
                        // The new name is in scope only after the `let`.
                        let var = self.declare_unscoped(&ident, Origin::Local, ty);
                        self.emit(Stmt::Let { var, init: None });
                        self.tail(e, Sink::Assign(var));
                        self.bind(&ident, var);
                    }
                    e => {
                        let value = self.value(e);
                        let var = self.declare(&ident, Origin::Local, ty);
                        self.vars[var].assignments += 1;
                        self.vars[var].initialised = true;
                        self.emit(Stmt::Let {
                            var,
                            init: Some(value),
                        });
                    }
                }
            }
        }
    }

    fn place(&mut self, e: &syn::Expr) -> Option<Place> {
        match e {
            syn::Expr::Path(p) => match self.lookup_path(&p.path) {
                Some(v) => Some(Place::Var(v)),
                None => {
                    self.diag.error(
                        e,
                        "only local variables can be assigned in a differentiated function",
                    );
                    None
                }
            },
            syn::Expr::Index(_) => match self.index_chain(e) {
                Some((v, idx)) => Some(Place::Index(v, idx)),
                None => {
                    self.diag.error(
                        e,
                        "only elements of local variables (`v[i]`, `v[i][j]`) can be assigned",
                    );
                    None
                }
            },
            syn::Expr::Paren(p) => self.place(&p.expr),
            _ => {
                self.diag.error(e, "only variables and elements `v[i]` can be assigned in a differentiated function");
                None
            }
        }
    }

    fn note_assignment(&mut self, place: &Place, at: &syn::Expr) {
        let v = place.var();
        if let Origin::Param(_) = self.vars[v].origin {
            let name = self.vars[v].ident.to_string();
            self.diag.error(
                at,
                format!("assigning to the parameter `{name}` is not supported; copy it into a local first: `let mut {name} = {name}.to_vec();` (or `let mut {name} = {name};` for a number)"),
            );
        }
        self.vars[v].assignments += 1;
    }

    fn expr_stmt(&mut self, e: &syn::Expr) {
        use syn::Expr as E;
        match e {
            E::Assign(a) => {
                let Some(place) = self.place(&a.left) else {
                    return;
                };
                self.note_assignment(&place, &a.left);
                match (&place, &*a.right) {
                    (Place::Var(v), r @ (E::If(_) | E::Block(_))) => {
                        self.vars[*v].assignments -= 1;
                        self.tail(r, Sink::Assign(*v))
                    }
                    _ => {
                        let value = self.value(&a.right);
                        self.emit(Stmt::Assign {
                            place,
                            op: AssignOp::Set,
                            value,
                            span: a.span(),
                        });
                    }
                }
            }
            E::Binary(b) if is_compound(&b.op) => {
                let Some(place) = self.place(&b.left) else {
                    return;
                };
                self.note_assignment(&place, &b.left);
                let span = b.span();
                let (op, value) = match b.op {
                    syn::BinOp::AddAssign(_) => (AssignOp::Add, self.value(&b.right)),
                    syn::BinOp::SubAssign(_) => (AssignOp::Sub, self.value(&b.right)),
                    _ => {
                        // `p op= v` is `p = p op v`.
                        let (left, right) = (&b.left, &b.right);
                        let combined: syn::Expr = match b.op {
                            syn::BinOp::MulAssign(_) => {
                                syn::parse_quote_spanned!(span=> #left * (#right))
                            }
                            syn::BinOp::DivAssign(_) => {
                                syn::parse_quote_spanned!(span=> #left / (#right))
                            }
                            syn::BinOp::RemAssign(_) => {
                                syn::parse_quote_spanned!(span=> #left % (#right))
                            }
                            syn::BinOp::BitAndAssign(_) => {
                                syn::parse_quote_spanned!(span=> #left & (#right))
                            }
                            syn::BinOp::BitOrAssign(_) => {
                                syn::parse_quote_spanned!(span=> #left | (#right))
                            }
                            syn::BinOp::BitXorAssign(_) => {
                                syn::parse_quote_spanned!(span=> #left ^ (#right))
                            }
                            syn::BinOp::ShlAssign(_) => {
                                syn::parse_quote_spanned!(span=> #left << (#right))
                            }
                            _ => syn::parse_quote_spanned!(span=> #left >> (#right)),
                        };
                        (AssignOp::Set, self.value(&combined))
                    }
                };
                self.emit(Stmt::Assign {
                    place,
                    op,
                    value,
                    span,
                });
            }
            E::If(ei) => self.if_stmt(ei, None),
            E::ForLoop(f) => self.for_loop(f),
            E::While(w) => {
                if let Some(l) = &w.label {
                    self.diag.error(
                        l,
                        "loop labels are not supported in a differentiated function",
                    );
                }
                if let E::Let(_) = &*w.cond {
                    self.diag.error(&w.cond, unsupported_message(&w.cond));
                    return;
                }
                let cond = self.passive(&w.cond);
                let ctx = Ctx {
                    nested: true,
                    in_loop: true,
                };
                let body = self.nested(ctx, |l| l.block_stmts(&w.body));
                self.emit(Stmt::While { cond, body });
            }
            E::Loop(lp) => {
                if let Some(l) = &lp.label {
                    self.diag.error(
                        l,
                        "loop labels are not supported in a differentiated function",
                    );
                }
                let ctx = Ctx {
                    nested: true,
                    in_loop: true,
                };
                let body = self.nested(ctx, |l| l.block_stmts(&lp.body));
                self.emit(Stmt::Loop { body });
            }
            E::Block(b) if b.label.is_none() => {
                let ctx = self.ctx;
                let stmts = self.nested(ctx, |l| l.block_stmts(&b.block));
                stmts.into_iter().for_each(|s| self.emit(s));
            }
            E::Break(b) => {
                if let Some(l) = &b.label {
                    self.diag.error(
                        l,
                        "loop labels are not supported in a differentiated function",
                    );
                } else if let Some(v) = &b.expr {
                    self.diag.error(v, "`break` with a value is not supported; assign the value to a variable before `break`");
                } else if !self.ctx.in_loop {
                    self.diag.error(b, "`break` outside of a loop");
                } else {
                    self.emit(Stmt::Break);
                }
            }
            E::Continue(c) => {
                if let Some(l) = &c.label {
                    self.diag.error(
                        l,
                        "loop labels are not supported in a differentiated function",
                    );
                } else {
                    self.emit(Stmt::Continue);
                }
            }
            E::Return(r) => match &r.expr {
                Some(v) => self.tail(v, Sink::Return),
                None => self
                    .diag
                    .error(r, "`return` needs a value in a differentiated function"),
            },
            E::MethodCall(m) if m.method == "push" && m.args.len() == 1 => {
                let Some(Place::Var(var)) = self.place(&m.receiver) else {
                    return;
                };
                self.note_assignment(&Place::Var(var), &m.receiver);
                let value = self.value(&m.args[0]);
                self.emit(Stmt::Push { var, value });
            }
            E::Macro(m) => self.diag.error(&m.mac, macro_message(&m.mac)),
            E::Paren(p) => self.expr_stmt(&p.expr),
            _ => {
                let v = self.value(e);
                self.emit(Stmt::Eval(v));
            }
        }
    }

    fn block_stmts(&mut self, b: &syn::Block) {
        for s in &b.stmts {
            self.stmt(s);
        }
    }

    fn if_stmt(&mut self, ei: &syn::ExprIf, sink: Option<Sink>) {
        if let syn::Expr::Let(_) = &*ei.cond {
            self.diag.error(&ei.cond, unsupported_message(&ei.cond));
            return;
        }
        let cond = self.passive(&ei.cond);
        let ctx = self.branch_ctx();
        let then_b = self.nested(ctx, |l| match sink {
            Some(s) => l.block_tail(&ei.then_branch, s),
            None => l.block_stmts(&ei.then_branch),
        });
        let else_b = match &ei.else_branch {
            Some((_, e)) => self.nested(ctx, |l| match sink {
                Some(s) => l.tail(e, s),
                None => l.expr_stmt(e),
            }),
            None => {
                if let Some(Sink::Assign(_)) = sink {
                    self.diag
                        .error(ei, "an `if` used as a value needs an `else` branch");
                }
                Vec::new()
            }
        };
        self.emit(Stmt::If {
            cond,
            then_b,
            else_b,
        });
    }

    fn for_loop(&mut self, f: &syn::ExprForLoop) {
        if let Some(l) = &f.label {
            self.diag.error(
                l,
                "loop labels are not supported in a differentiated function",
            );
        }
        let iter = self.iter(&f.expr);
        let ctx = Ctx {
            nested: true,
            in_loop: true,
        };
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
    fn iter(&mut self, e: &syn::Expr) -> Option<Iter> {
        fn strip(e: &syn::Expr) -> &syn::Expr {
            match e {
                syn::Expr::Paren(p) => strip(&p.expr),
                syn::Expr::Group(g) => strip(&g.expr),
                _ => e,
            }
        }
        fn shape(e: &syn::Expr) -> Option<(Option<&syn::ExprRange>, bool)> {
            match strip(e) {
                syn::Expr::Range(r) if r.start.is_some() && r.end.is_some() => {
                    Some((Some(r), false))
                }
                syn::Expr::MethodCall(m) if m.method == "rev" && m.args.is_empty() => {
                    let (r, rev) = shape(&m.receiver)?;
                    Some((r, !rev))
                }
                syn::Expr::MethodCall(m) if m.method == "step_by" && m.args.len() == 1 => {
                    shape(&m.receiver).map(|_| (None, false))
                }
                _ => None,
            }
        }
        let Some((range, reversed)) = shape(e) else {
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

    // ---- expressions -------------------------------------------------------

    pub fn value(&mut self, e: &syn::Expr) -> Expr {
        use syn::Expr as E;
        let span = e.span();
        match e {
            E::Lit(l) => match &l.lit {
                syn::Lit::Float(_) | syn::Lit::Int(_) => Expr::Lit(l.lit.clone()),
                _ => self.opaque(e, Opaque::Constant),
            },
            E::Path(p) => match self.lookup_path(&p.path) {
                Some(v) => Expr::Var(v, span),
                None => self.opaque(e, Opaque::Constant),
            },
            E::Paren(p) => self.value(&p.expr),
            E::Group(g) => self.value(&g.expr),
            E::Unary(u) => match u.op {
                syn::UnOp::Neg(_) => Expr::Neg(Box::new(self.value(&u.expr)), span),
                syn::UnOp::Not(_) => self.opaque(e, Opaque::Constant),
                _ => {
                    self.diag.error(e, unsupported_message(e));
                    Expr::Lit(syn::parse_quote!(0))
                }
            },
            E::Binary(b) => {
                let op = match b.op {
                    syn::BinOp::Add(_) => BinOp::Add,
                    syn::BinOp::Sub(_) => BinOp::Sub,
                    syn::BinOp::Mul(_) => BinOp::Mul,
                    syn::BinOp::Div(_) => BinOp::Div,
                    syn::BinOp::Rem(_) => return self.no_rule(e, "the `%` operator".into(), span),
                    syn::BinOp::BitAnd(_)
                    | syn::BinOp::BitOr(_)
                    | syn::BinOp::BitXor(_)
                    | syn::BinOp::Shl(_)
                    | syn::BinOp::Shr(_) => return self.no_rule(e, "bit operators".into(), span),
                    _ if is_compound(&b.op) => {
                        self.diag.error(e, "an assignment cannot be used as a value; write it as its own statement");
                        return Expr::Lit(syn::parse_quote!(0));
                    }
                    // comparisons and `&&`, `||`: booleans, no derivative
                    _ => return self.opaque(e, Opaque::Constant),
                };
                Expr::Bin(
                    op,
                    Box::new(self.value(&b.left)),
                    Box::new(self.value(&b.right)),
                    span,
                )
            }
            E::MethodCall(m) => self.method(m, e),
            E::Call(c) => self.call(c, e),
            E::Cast(c) => {
                if is_float_type(&c.ty) {
                    Expr::Cast(Box::new(self.value(&c.expr)), (*c.ty).clone(), span)
                } else if matches!(*c.ty, syn::Type::Ptr(_)) {
                    self.diag.error(
                        &c.ty,
                        "raw pointers are not supported in a differentiated function",
                    );
                    Expr::Lit(syn::parse_quote!(0))
                } else {
                    self.opaque(e, Opaque::Constant)
                }
            }
            E::Index(_) => match self.index_chain(e) {
                Some((v, idx)) => Expr::Index(v, idx),
                None => self.no_rule(
                    e,
                    "this indexing (only `v[i]` and `v[i][j]` of a variable are differentiable)"
                        .into(),
                    span,
                ),
            },
            E::Macro(m) if m.mac.path.is_ident("vec") => self.vec_macro(&m.mac, span),
            E::Array(a) => Expr::List {
                elems: a.elems.iter().map(|x| self.value(x)).collect(),
                array: true,
                span,
            },
            E::Repeat(r) => Expr::Splat {
                elem: Box::new(self.value(&r.expr)),
                len: self.passive(&r.len),
                array: true,
                span,
            },
            E::If(_) | E::Block(_) => {
                let name = Ident::new("branch", span);
                let var = self.declare_unscoped(&name, Origin::Local, None);
                self.emit(Stmt::Let { var, init: None });
                self.tail(e, Sink::Assign(var));
                Expr::Var(var, span)
            }
            E::Macro(m) => {
                self.diag.error(&m.mac, macro_message(&m.mac));
                Expr::Lit(syn::parse_quote!(0))
            }
            _ => {
                self.diag.error(e, unsupported_message(e));
                Expr::Lit(syn::parse_quote!(0))
            }
        }
    }

    /// `v[i]`, `v[i][j]` with `v` a variable and integer indices.
    fn index_chain(&mut self, e: &syn::Expr) -> Option<(VarId, Vec<Passive>)> {
        let mut idx = Vec::new();
        let mut cur = e;
        loop {
            match cur {
                syn::Expr::Index(i) => {
                    if let syn::Expr::Range(_) = &*i.index {
                        return None;
                    }
                    idx.push(&*i.index);
                    cur = &i.expr;
                }
                syn::Expr::Paren(p) => cur = &p.expr,
                syn::Expr::Path(p) => {
                    let v = self.lookup_path(&p.path)?;
                    idx.reverse();
                    let idx = idx.into_iter().map(|x| self.passive(x)).collect();
                    return Some((v, idx));
                }
                _ => return None,
            }
        }
    }

    fn method(&mut self, m: &syn::ExprMethodCall, e: &syn::Expr) -> Expr {
        let name = m.method.to_string();
        let span = m.method.span();
        if rules::CONSTANT_METHODS.contains(&name.as_str()) {
            return self.opaque(e, Opaque::Constant);
        }
        if matches!(name.as_str(), "clone" | "to_vec" | "to_owned") && m.args.is_empty() {
            return Expr::Copy(Box::new(self.value(&m.receiver)), span);
        }
        if m.turbofish.is_none() {
            if let Some(prim) = rules::method(&name) {
                if prim.arity == m.args.len() + 1 {
                    let mut args = vec![self.value(&m.receiver)];
                    for (a, diff) in m.args.iter().zip(&prim.differentiable[1..]) {
                        args.push(if *diff {
                            self.value(a)
                        } else {
                            self.opaque(a, Opaque::Constant)
                        });
                    }
                    return Expr::Prim {
                        prim,
                        args,
                        spelling: Spelling::Method,
                        span,
                    };
                }
            }
        }
        self.no_rule(e, format!("the method `{name}`"), span)
    }

    fn call(&mut self, c: &syn::ExprCall, e: &syn::Expr) -> Expr {
        let syn::Expr::Path(fp) = &*c.func else {
            return self.no_rule(e, "this call".into(), c.func.span());
        };
        let path = &fp.path;
        let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let last = segs.last().cloned().unwrap_or_default();
        let span = path.span();
        if self.lookup_path(path).is_some() {
            // Calling a local: a closure, already reported where it was made.
            return self.opaque(e, Opaque::Constant);
        }
        if last == "detach" && c.args.len() == 1 {
            return self.opaque(&c.args[0], Opaque::Constant);
        }
        if segs.len() == 2 && (segs[0] == "f64" || segs[0] == "f32") && path.leading_colon.is_none()
        {
            if rules::CONSTANT_METHODS.contains(&last.as_str()) {
                return self.opaque(e, Opaque::Constant);
            }
            if let Some(prim) = rules::method(&last) {
                if prim.arity == c.args.len() {
                    let args = c
                        .args
                        .iter()
                        .zip(prim.differentiable)
                        .map(|(a, diff)| {
                            if *diff {
                                self.value(a)
                            } else {
                                self.opaque(a, Opaque::Constant)
                            }
                        })
                        .collect();
                    let spelling = Spelling::Path(path.to_token_stream());
                    return Expr::Prim {
                        prim,
                        args,
                        spelling,
                        span,
                    };
                }
            }
        }
        if segs.len() == 2 && segs[0] == "Vec" && (last == "new" || last == "with_capacity") {
            return Expr::Empty(self.passive(e));
        }
        let shown: TokenStream = quote!(#path);
        self.no_rule(
            e,
            format!("the function `{}`", shown.to_string().replace(' ', "")),
            span,
        )
    }

    fn vec_macro(&mut self, mac: &syn::Macro, span: Span) -> Expr {
        let splat = mac.parse_body_with(|input: syn::parse::ParseStream| {
            let elem: syn::Expr = input.parse()?;
            input.parse::<syn::Token![;]>()?;
            let len: syn::Expr = input.parse()?;
            Ok((elem, len))
        });
        if let Ok((elem, len)) = splat {
            return Expr::Splat {
                elem: Box::new(self.value(&elem)),
                len: self.passive(&len),
                array: false,
                span,
            };
        }
        let list = mac.parse_body_with(
            syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
        );
        match list {
            Ok(elems) => Expr::List {
                elems: elems.iter().map(|x| self.value(x)).collect(),
                array: false,
                span,
            },
            Err(err) => {
                self.diag.push(err);
                Expr::Lit(syn::parse_quote!(0))
            }
        }
    }
}

fn is_compound(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(
        op,
        AddAssign(_)
            | SubAssign(_)
            | MulAssign(_)
            | DivAssign(_)
            | RemAssign(_)
            | BitAndAssign(_)
            | BitOrAssign(_)
            | BitXorAssign(_)
            | ShlAssign(_)
            | ShrAssign(_)
    )
}
