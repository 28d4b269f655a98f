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

mod effects;
mod expr;
mod iterators;
mod loops;
mod matching;
mod no_grad;
mod no_rule;
mod outputs;
mod shape;
mod structs;
mod tuples;

pub(crate) use shape::of_expr as shape_of;
pub(crate) use shape::of_expr_strict as shape_of_strict;

use crate::diagnostics::Diagnostics;
use crate::ir::*;
use crate::names::Names;
use crate::signature::{Kind, Signature};
use proc_macro2::Ident;
use std::collections::HashMap;
use syn::spanned::Spanned;

pub struct Lower<'a> {
    pub vars: Vec<Var>,
    names: &'a mut Names,
    diag: &'a mut Diagnostics,
    scopes: Vec<HashMap<String, Binding>>,
    ctx: Ctx,
    out: Vec<Vec<Stmt>>,
    result: VarId,
    /// Read from the source file at the first call (see `callees`).
    without_derivative: Option<std::collections::HashSet<String>>,
    /// Hidden names handed out so far (see `iterators`).
    hidden_count: usize,
    /// Targets of tuple-valued branches (see `tuples`).
    tuple_sinks: Vec<tuples::Target>,
    /// The returned tuple's other parts and output parameters (see `outputs`).
    returns: outputs::Returns,
    /// Parameters that are differentiable structs, and the variables made
    /// for their fields, by parameter and member path.
    structs: std::collections::HashSet<VarId>,
    fields: HashMap<(VarId, String), VarId>,
    /// Locals bound to a closure, already reported where it was made.
    closures: std::collections::HashSet<VarId>,
    /// Variables written as borrowed operands (`v -= &w`): vectors.
    borrowed: Vec<VarId>,
}

/// What a name in scope stands for.
#[derive(Clone)]
enum Binding {
    Var(VarId),
    /// Another expression, read in its place: an iterator's element
    /// (`xi` for `x[i]`) or a closure parameter.
    /// Whether the user's code holds the element by reference.
    Alias(syn::Expr, bool),
    /// A name a pattern binds inside generated code (a `match` guard's):
    /// emitted as written.
    Pattern,
}

/// Where the value of a tail expression goes.
#[derive(Clone, Copy)]
enum Sink {
    Return,
    Assign(VarId),
    /// The parts of a tuple: an index into `Lower::tuple_sinks`.
    Tuple(usize),
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
        without_derivative: None,
        hidden_count: 0,
        tuple_sinks: Vec::new(),
        returns: Default::default(),
        borrowed: Vec::new(),
        structs: Default::default(),
        fields: HashMap::new(),
        closures: Default::default(),
    };
    for (i, p) in sig.params.iter().enumerate() {
        let shape = p
            .kind
            .as_ref()
            .map_or(Shape::Unknown, |(k, _)| shape::of_kind(k));
        l.names.reserve(&p.ident.to_string());
        let id = l.push_var(p.ident.clone(), Origin::Param(i), Some(p.ty.clone()), shape);
        if let Some((Kind::Struct(_), _)) = &p.kind {
            l.structs.insert(id);
        }
        l.vars[id].initialised = true;
        l.scopes[0].insert(p.ident.to_string(), Binding::Var(id));
    }
    l.declare_outputs(sig);
    if l.returns.unit {
        l.block_stmts(body);
    } else {
        l.block_tail(body, Sink::Return);
    }
    let body = l.out.pop().unwrap_or_default();
    shape::infer_shapes(&mut l.vars, &body, false);
    shape::settle_calls(&mut l.vars, &body, l.result, &l.borrowed);
    shape::infer_shapes(&mut l.vars, &body, true);
    shape::mark_references(&mut l.vars, &body);
    let body = shape::copy_buffers(body, &l.vars);
    let body = shape::broadcast_compound(body, &l.vars);
    // Named last, so the user's names keep their spelling.
    let result = l.result;
    l.vars[result].ident = l.names.fresh("value");
    for &v in &l.returns.parts {
        l.vars[v].ident = l.names.fresh("value");
    }
    let outputs = l.returns.outputs(result);
    Func {
        vars: l.vars,
        body,
        result,
        outputs,
        exit_flag: None,
    }
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
            fixed_array: false,
            maybe_ref: false,
            field: None,
        });
        self.vars.len() - 1
    }

    fn declare_unscoped(&mut self, ident: &Ident, origin: Origin, ty: Option<syn::Type>) -> VarId {
        let shape = ty.as_ref().map_or(Shape::Unknown, shape::shape_of_type);
        let name = ident.to_string();
        let fresh = self
            .names
            .fresh_at(iterators::display_name(&name), ident.span());
        self.push_var(fresh, origin, ty, shape)
    }

    fn bind(&mut self, ident: &Ident, id: VarId) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(ident.to_string(), Binding::Var(id));
        }
    }

    /// Makes `ident` stand for `e` in the current scope.
    fn alias(&mut self, ident: &Ident, e: syn::Expr, by_ref: bool) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(ident.to_string(), Binding::Alias(e, by_ref));
        }
    }

    fn lookup_name(&self, name: &str) -> Option<&Binding> {
        self.scopes.iter().rev().find_map(|s| s.get(name))
    }

    /// The expression a path is an alias for.
    fn aliased(&self, path: &syn::Path) -> Option<syn::Expr> {
        self.aliased_ref(path).map(|(e, _)| e)
    }

    /// The expression a path is an alias for, and whether the user's code
    /// holds it by reference.
    fn aliased_ref(&self, path: &syn::Path) -> Option<(syn::Expr, bool)> {
        if path.leading_colon.is_some() {
            return None;
        }
        match self.lookup_name(&path.get_ident()?.to_string())? {
            Binding::Alias(e, r) => Some((e.clone(), *r)),
            Binding::Var(_) | Binding::Pattern => None,
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
        match self.lookup_name(&ident.to_string())? {
            Binding::Var(v) => Some(*v),
            Binding::Alias(..) | Binding::Pattern => None,
        }
    }

    fn without_derivative(&mut self) -> &std::collections::HashSet<String> {
        self.without_derivative
            .get_or_insert_with(crate::callees::without_derivative)
    }

    /// `let var = init;`: the variable's first assignment.
    fn emit_let(&mut self, var: VarId, init: Expr) {
        self.vars[var].assignments += 1;
        self.vars[var].initialised = true;
        self.emit(Stmt::Let {
            var,
            init: Some(init),
        });
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

    // ---- statements --------------------------------------------------------

    /// A block whose final expression (if any) goes to `sink`.
    fn block_tail(&mut self, b: &syn::Block, sink: Sink) {
        let n = b.stmts.len();
        for (i, s) in b.stmts.iter().enumerate() {
            match s {
                syn::Stmt::Expr(e, None) if i + 1 == n => self.tail(e, sink),
                // `no_grad! { .. }` ending a block is its value.
                syn::Stmt::Macro(m)
                    if i + 1 == n && m.semi_token.is_none() && no_grad::is_no_grad(&m.mac) =>
                {
                    let e = syn::Expr::Macro(syn::ExprMacro {
                        attrs: Vec::new(),
                        mac: m.mac.clone(),
                    });
                    self.tail(&e, sink)
                }
                _ => self.stmt(s),
            }
        }
    }

    fn tail(&mut self, e: &syn::Expr, sink: Sink) {
        match e {
            syn::Expr::If(ei) => self.if_stmt(ei, Some(sink)),
            syn::Expr::Match(m) => self.match_expr(m, Some(sink)),
            syn::Expr::Macro(m) if effects::diverges(&m.mac) => {
                let s = self.effect(&m.mac);
                self.emit(s);
            }
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
                if let Sink::Tuple(k) = sink {
                    let target = self.tuple_sinks[k].clone();
                    return self.assign_parts(&target, e);
                }
                if let (Sink::Return, true) = (sink, self.returns.tuple) {
                    return self.return_tuple(e);
                }
                let value = self.value(e);
                let span = e.span();
                match sink {
                    Sink::Tuple(_) => {}
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
            syn::Stmt::Macro(m) if effects::is_effect(&m.mac) => {
                let s = self.effect(&m.mac);
                self.emit(s);
            }
            syn::Stmt::Macro(m) if no_grad::is_no_grad(&m.mac) => self.no_grad_stmt(&m.mac),
            syn::Stmt::Macro(m) => self.diag.error(&m.mac, expr::macro_message(&m.mac)),
            // An empty statement, `;`.
            syn::Stmt::Expr(syn::Expr::Verbatim(ts), Some(_)) if ts.is_empty() => {}
            syn::Stmt::Expr(e, _) => self.expr_stmt(e),
        }
    }

    fn local(&mut self, local: &syn::Local) {
        if let (syn::Pat::Wild(_), Some(init)) = (&local.pat, &local.init) {
            let v = self.value(&init.expr);
            self.emit(Stmt::Eval(v));
            return;
        }
        let tuple = match &local.pat {
            syn::Pat::Tuple(_) => Some(None),
            syn::Pat::Type(pt) if matches!(*pt.pat, syn::Pat::Tuple(_)) => Some(Some(&*pt.ty)),
            _ => None,
        };
        if let (Some(ty), Some(init)) = (tuple, &local.init) {
            if init.diverge.is_none() {
                return self.let_tuple(&local.pat, ty, &init.expr);
            }
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
                    self.diag.error(other, "in a differentiated function, a `let` binds a name or a tuple of names, such as `(a, b)` or `(a, _)`");
                    return;
                }
            },
            other => {
                self.diag.error(other, "in a differentiated function, a `let` binds a name or a tuple of names, such as `(a, b)` or `(a, _)`");
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
                    e @ (syn::Expr::If(_) | syn::Expr::Block(_) | syn::Expr::Match(_)) => {
                        // The new name is in scope only after the `let`.
                        let var = self.declare_unscoped(&ident, Origin::Local, ty);
                        self.emit(Stmt::Let { var, init: None });
                        self.tail(e, Sink::Assign(var));
                        self.bind(&ident, var);
                    }
                    e => {
                        let value = self.value(e);
                        let fixed = matches!(ty, Some(syn::Type::Array(_)))
                            || matches!(
                                value,
                                Expr::Splat { array: true, .. } | Expr::List { array: true, .. }
                            );
                        let var = self.declare(&ident, Origin::Local, ty);
                        self.vars[var].fixed_array = fixed;
                        if matches!(e, syn::Expr::Closure(_)) {
                            self.closures.insert(var);
                        }
                        self.emit_let(var, value);
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
        if self.returns.is_output(v) {
            self.note_output_write(place, at);
        } else if let Origin::Param(_) = self.vars[v].origin {
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
            E::Assign(a) if matches!(&*a.left, E::Tuple(_)) => {
                if let E::Tuple(left) = &*a.left {
                    self.assign_tuple(left, &a.right);
                }
            }
            E::Assign(a) => {
                let Some(place) = self.place(&a.left) else {
                    return;
                };
                self.note_assignment(&place, &a.left);
                match (&place, &*a.right) {
                    (Place::Var(v), r @ (E::If(_) | E::Block(_) | E::Match(_))) => {
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
                    syn::BinOp::AddAssign(_) => (AssignOp::Add, self.operand(&b.right)),
                    syn::BinOp::SubAssign(_) => (AssignOp::Sub, self.operand(&b.right)),
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
            E::Match(m) => self.match_expr(m, None),
            E::ForLoop(f) => self.for_loop(f),
            E::While(w) => {
                if let Some(l) = &w.label {
                    self.diag.error(
                        l,
                        "loop labels are not supported in a differentiated function",
                    );
                }
                if let E::Let(_) = &*w.cond {
                    self.diag.error(&w.cond, expr::unsupported_message(&w.cond));
                    return;
                }
                let cond = self.passive(&w.cond);
                let ctx = Ctx::LOOP;
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
                let ctx = Ctx::LOOP;
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
                None if self.returns.unit => self.return_unit(r),
                None => self
                    .diag
                    .error(r, "`return` needs a value in a differentiated function"),
            },
            E::MethodCall(m) if m.method == "push" && m.args.len() == 1 => {
                let Some(Place::Var(var)) = self.place(&m.receiver) else {
                    return;
                };
                self.note_assignment(&Place::Var(var), &m.receiver);
                let value = self.pushed(var, &m.args[0]);
                self.emit(Stmt::Push { var, value });
            }
            E::Macro(m) if effects::is_effect(&m.mac) => {
                let s = self.effect(&m.mac);
                self.emit(s);
            }
            E::Macro(m) if no_grad::is_no_grad(&m.mac) => self.no_grad_stmt(&m.mac),
            E::Macro(m) => self.diag.error(&m.mac, expr::macro_message(&m.mac)),
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
            self.diag
                .error(&ei.cond, expr::unsupported_message(&ei.cond));
            return;
        }
        let cond = self.passive(&ei.cond);
        let ctx = self.ctx.branch();
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
                if let Some(Sink::Assign(_) | Sink::Tuple(_)) = sink {
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

    // ---- expressions -------------------------------------------------------
}

fn strip(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => strip(&p.expr),
        syn::Expr::Group(g) => strip(&g.expr),
        _ => e,
    }
}

pub(super) fn is_compound(op: &syn::BinOp) -> bool {
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
