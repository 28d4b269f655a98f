//! Lowering expressions: recognising the float operations of the primitive
//! table, and keeping everything else as renamed opaque Rust.

use super::{is_compound, Lower, Sink};
use crate::ir::*;
use crate::rules;
use proc_macro2::{Ident, Span};
use quote::{quote, ToTokens};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;

pub(super) fn unsupported_message(e: &syn::Expr) -> String {
    let what = match e {
        syn::Expr::Closure(_) => "a closure is supported only as the argument of `.map(..)` or `.fold(..)` in an iterator chain; write a `for` loop, or move the computation into a separate `#[differentiate]` function",
        syn::Expr::Unsafe(_) => "`unsafe` blocks are not allowed in a differentiated function: its gradient must be safe code; move the unsafe operation into a function whose result is a constant, or pass its result as a parameter",
        syn::Expr::Async(_) | syn::Expr::Await(_) => "`async` and `.await` are not supported in a differentiated function",
        syn::Expr::Try(_) => "the `?` operator is not supported in a differentiated function",
        syn::Expr::Tuple(_) => "a tuple value is supported only where it is taken apart at once: `let (a, b) = (x, y);`, or as the value of a branch of such a `let`",
        syn::Expr::Field(_) => "fields are differentiable on struct parameters named in `wrt(...)` (`p.w[i]`, `p.b`, `&p.w`), and constant on other parameters; read fields of a parameter, not of a local, or pass the numbers as separate values",
        syn::Expr::Struct(_) => "building a struct is not supported in a differentiated function; return its fields instead",
        syn::Expr::Reference(_) => "references are not supported here; index the slice directly (`x[i]`)",
        syn::Expr::Let(_) => "`if let` and `while let` are not supported in a differentiated function; write a condition",
        syn::Expr::Range(_) => "ranges are only supported as the iterator of a `for` loop",
        syn::Expr::Assign(_) => "an assignment cannot be used as a value; write it as its own statement",
        syn::Expr::Loop(_) | syn::Expr::While(_) | syn::Expr::ForLoop(_) => "a loop is supported as a statement, not as a value (`break value`); assign the value to a variable declared before the loop, then `break`",
        syn::Expr::If(_) | syn::Expr::Match(_) | syn::Expr::Block(_) => "an `if`, `match` or block is not supported here (in a condition, an index or another constant expression); bind its value with `let` first",
        syn::Expr::Yield(_) | syn::Expr::TryBlock(_) | syn::Expr::Const(_) => "this expression is not supported in a differentiated function",
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => "dereferencing `*x` is not supported in a differentiated function; use the value directly",
        _ => "this expression is not supported in a differentiated function",
    };
    what.to_owned()
}

pub(super) fn macro_message(m: &syn::Macro) -> String {
    let name = m
        .path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    format!(
        "the macro `{name}!` is not supported in a differentiated function; `vec![...]`, `no_grad! {{ ... }}`, `println!`, `eprintln!`, `print!`, `eprint!`, `assert!`, `assert_eq!`, `assert_ne!` and their `debug_` forms are"
    )
}

pub(super) fn is_float_type(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.is_ident("f64") || p.path.is_ident("f32"))
}

/// A primitive integer or `bool` named as such: a cast to it has no
/// gradient (it is constant between integers).
fn is_integer_type(ty: &syn::Type) -> bool {
    const INTEGERS: [&str; 13] = [
        "usize", "isize", "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128",
        "bool",
    ];
    matches!(ty, syn::Type::Path(p) if INTEGERS.iter().any(|i| p.path.is_ident(i)))
}

/// The body of `vec![..]`.
enum VecBody {
    /// `vec![elem; len]`.
    Splat(Box<syn::Expr>, Box<syn::Expr>),
    /// `vec![a, b, ...]`.
    List(syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>),
}

fn parse_vec(mac: &syn::Macro) -> syn::Result<VecBody> {
    let splat = mac.parse_body_with(|input: syn::parse::ParseStream| {
        let elem: syn::Expr = input.parse()?;
        input.parse::<syn::Token![;]>()?;
        Ok(VecBody::Splat(Box::new(elem), Box::new(input.parse()?)))
    });
    splat.or_else(|_| {
        mac.parse_body_with(syn::punctuated::Punctuated::parse_terminated)
            .map(VecBody::List)
    })
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
                } else if let Some((mut a, by_ref)) = self.lower.aliased_ref(&p.path) {
                    self.visit_expr_mut(&mut a);
                    *e = match by_ref {
                        true => syn::parse_quote!((&#a)),
                        false => syn::parse_quote!((#a)),
                    };
                }
            }
            E::Unary(u)
                if matches!(u.op, syn::UnOp::Deref(_))
                    && self.lower.deref_alias(&u.expr).is_some() =>
            {
                if let Some(mut a) = self.lower.deref_alias(&u.expr) {
                    self.visit_expr_mut(&mut a);
                    *e = syn::parse_quote!((#a));
                }
            }
            E::Macro(m) if m.mac.path.is_ident("vec") => {
                // `vec![a, b]` / `vec![a; n]` inside a constant expression:
                // its operands are renamed like the rest.
                match parse_vec(&m.mac) {
                    Ok(VecBody::Splat(mut elem, mut len)) => {
                        self.visit_expr_mut(&mut elem);
                        self.visit_expr_mut(&mut len);
                        m.mac.tokens = quote::quote!(#elem; #len);
                    }
                    Ok(VecBody::List(mut elems)) => {
                        elems.iter_mut().for_each(|x| self.visit_expr_mut(x));
                        m.mac.tokens = quote::quote!(#elems);
                    }
                    Err(err) => self.lower.diag.push(err),
                }
            }
            E::Macro(m) => self.lower.diag.error(&m.mac, macro_message(&m.mac)),
            E::Verbatim(_) if super::iterators::is_pinned_outer(e) => {}
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

impl Lower<'_> {
    /// An operand of an operator: `&x * &y`, `-&v` and `v += &w` of vectors
    /// are borrowed in the generated code whether or not the user wrote `&`.
    pub(super) fn operand(&mut self, e: &syn::Expr) -> Expr {
        match e {
            syn::Expr::Reference(r) if r.mutability.is_none() => {
                let v = self.value(&r.expr);
                if let Expr::Var(w, _) = v {
                    self.borrowed.push(w);
                }
                v
            }
            syn::Expr::Paren(p) if matches!(*p.expr, syn::Expr::Reference(_)) => {
                self.operand(&p.expr)
            }
            e => self.value(e),
        }
    }

    /// `x` in `*x`, when `x` is an alias of an element (which the user's
    /// code holds by reference).
    fn deref_alias(&self, e: &syn::Expr) -> Option<syn::Expr> {
        match e {
            syn::Expr::Path(p) => self.aliased(&p.path),
            syn::Expr::Paren(p) => self.deref_alias(&p.expr),
            _ => None,
        }
    }

    pub(super) fn passive(&mut self, e: &syn::Expr) -> Passive {
        let mut expr = e.clone();
        let mut r = Renamer {
            lower: self,
            reads: Vec::new(),
        };
        r.visit_expr_mut(&mut expr);
        let reads = r.reads;
        Passive { expr, reads }
    }

    pub(super) fn opaque(&mut self, e: &syn::Expr, why: Opaque) -> Expr {
        Expr::Opaque(self.passive(e), why)
    }

    pub(super) fn value(&mut self, e: &syn::Expr) -> Expr {
        use syn::Expr as E;
        let span = e.span();
        match e {
            E::Lit(l) => match &l.lit {
                syn::Lit::Float(_) | syn::Lit::Int(_) => Expr::Lit(l.lit.clone()),
                _ => self.opaque(e, Opaque::Constant),
            },
            E::Path(p) => match (self.lookup_path(&p.path), self.aliased(&p.path)) {
                (Some(v), _) => Expr::Var(v, span),
                (None, Some(a)) => self.value(&a),
                (None, None) => self.opaque(e, Opaque::Constant),
            },
            E::Paren(p) => self.value(&p.expr),
            E::Group(g) => self.value(&g.expr),
            E::Verbatim(_) if super::iterators::is_pinned_outer(e) => {
                self.opaque(e, Opaque::Constant)
            }
            E::Unary(u) => match u.op {
                syn::UnOp::Neg(_) => Expr::Neg(Box::new(self.operand(&u.expr)), span),
                syn::UnOp::Not(_) => self.opaque(e, Opaque::Constant),
                _ => match self.deref_alias(&u.expr) {
                    Some(a) => self.value(&a),
                    None => {
                        self.diag.error(e, unsupported_message(e));
                        Expr::Lit(syn::parse_quote!(0))
                    }
                },
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
                    Box::new(self.operand(&b.left)),
                    Box::new(self.operand(&b.right)),
                    span,
                )
            }
            E::MethodCall(m) => match self.reduction(m) {
                Some(r) => r,
                None => self.method(m, e),
            },
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
                } else if is_integer_type(&c.ty) {
                    self.opaque(e, Opaque::Constant)
                } else {
                    // `as Real`, `as _`: maybe a float, whose gradient would
                    // be lost.
                    let ty = &c.ty;
                    let what = format!(
                        "the cast `as {}` (write `as f64` or `as f32`, which keep the gradient)",
                        quote!(#ty).to_string().replace(' ', "")
                    );
                    self.no_rule(e, what, c.ty.span())
                }
            }
            E::Field(f) => match self.field_var(f, Shape::Scalar) {
                Some(v) => Expr::Var(v, span),
                None if self.constant_field(f) => self.opaque(e, Opaque::Constant),
                None => {
                    self.diag.error(e, unsupported_message(e));
                    Expr::Lit(syn::parse_quote!(0))
                }
            },
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
            E::Macro(m) if super::no_grad::is_no_grad(&m.mac) => self.no_grad(&m.mac, span),
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
            E::If(_) | E::Block(_) | E::Match(_) => {
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
    pub(super) fn index_chain(&mut self, e: &syn::Expr) -> Option<(VarId, Vec<Passive>)> {
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
                syn::Expr::Field(f) => {
                    idx.reverse();
                    let v = self.field_var(f, Shape::Array(idx.len() as u8))?;
                    let idx = idx.into_iter().map(|x| self.passive(x)).collect();
                    return Some((v, idx));
                }
                syn::Expr::Path(p) => {
                    idx.reverse();
                    let (v, mut base) = match self.aliased(&p.path) {
                        // `row[j]` with `row` an element `m[i]`.
                        Some(a) => self.index_chain(&a)?,
                        None => (self.lookup_path(&p.path)?, Vec::new()),
                    };
                    base.extend(idx.into_iter().map(|x| self.passive(x)));
                    return Some((v, base));
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
            // `x.clone()` of a slice `x: &[f64]` is the same reference;
            // `x.to_vec()` is an owned buffer.
            let kind = if name == "clone" {
                CopyKind::Clone
            } else {
                CopyKind::Owned
            };
            return Expr::Copy(Box::new(self.value(&m.receiver)), kind, span);
        }
        if m.turbofish.is_none() {
            if let Some(prim) = rules::method(&name, m.args.len() + 1) {
                let mut args = vec![self.value(&m.receiver)];
                for (a, diff) in m.args.iter().zip(&prim.differentiable[1..]) {
                    args.push(if *diff {
                        self.operand_arg(a)
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
        self.no_rule(e, format!("the method `{name}`"), span)
    }

    /// An operand of a method other than its receiver: a value, or `&v` for
    /// a vector or matrix (`x.dot(&y)`), kept as a reference.
    fn operand_arg(&mut self, a: &syn::Expr) -> Expr {
        let syn::Expr::Reference(r) = a else {
            return self.value(a);
        };
        if r.mutability.is_some() {
            return self.value(a);
        }
        match self.value(&r.expr) {
            // `&x` of a parameter `x: &Vector` is `x` itself.
            Expr::Var(v, s) if self.vars[v].is_reference() => Expr::Var(v, s),
            inner @ (Expr::Var(..) | Expr::Index(..)) => Expr::Ref(Box::new(inner), a.span()),
            // `&(a * b)`: the value goes into a variable first.
            inner => Expr::Ref(Box::new(self.hidden_value(inner, a.span())), a.span()),
        }
    }

    fn call(&mut self, c: &syn::ExprCall, e: &syn::Expr) -> Expr {
        let syn::Expr::Path(fp) = &*c.func else {
            return self.no_rule(e, "this call".into(), c.func.span());
        };
        let path = &fp.path;
        let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let last = segs.last().cloned().unwrap_or_default();
        let span = path.span();
        if let Some(v) = self.lookup_path(path) {
            // A closure is reported where it was made; a function held in a
            // variable has no derivative known here.
            if self.closures.contains(&v) {
                return self.opaque(e, Opaque::Constant);
            }
            let what =
                format!("the call through the local `{last}` (call the function by its name)");
            return self.no_rule(e, what, span);
        }
        if last == "detach" && c.args.len() == 1 {
            // Called as written: the forward sweep computes what the user's
            // `detach` computes; only the gradient stops.
            return self.opaque(e, Opaque::Constant);
        }
        if segs.len() == 2 && (segs[0] == "f64" || segs[0] == "f32") && path.leading_colon.is_none()
        {
            if rules::CONSTANT_METHODS.contains(&last.as_str()) {
                return self.opaque(e, Opaque::Constant);
            }
            if let Some(prim) = rules::method(&last, c.args.len()) {
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
        if super::shape::constructor(path).is_some() {
            // A constructor of sizes is a constant whatever they are
            // computed from; so is `linspace` with ends that read no
            // variable. Built from other values, it has no rule: an error
            // if they carry a gradient, rather than a lost gradient.
            let sizes_only = matches!(last.as_str(), "zeros" | "ones" | "arange" | "identity")
                || (last == "linspace"
                    && c.args
                        .iter()
                        .take(2)
                        .all(|a| self.passive(a).reads.is_empty()));
            if sizes_only {
                return self.opaque(e, Opaque::Constant);
            }
            let what = format!("`{}::{last}`", segs[segs.len() - 2]);
            return self.no_rule(e, what, span);
        }
        if segs.len() == 2 && segs[0] == "Vec" && (last == "new" || last == "with_capacity") {
            return Expr::Empty(self.passive(e));
        }
        if let Some(q) = &fp.qself {
            let (ty, shown) = (&q.ty, quote!(#path));
            let shown = format!("<{}>{}", quote!(#ty), shown).replace(' ', "");
            return self.no_rule(
                e,
                format!("the function `{shown}` (write `f64::{last}(..)` or a method call)"),
                c.func.span(),
            );
        }
        self.user_call(path, c, span)
    }

    /// A call to another function: its pullback is `path::pullback`, which
    /// `#[differentiate]` (or a custom derivative) defines next to it.
    ///
    /// ```text
    /// geometry::dist::<f64>(a, &v)   →   geometry::dist::pullback::<f64>
    /// ```
    fn user_call(&mut self, path: &syn::Path, c: &syn::ExprCall, span: Span) -> Expr {
        let mut prefix = path.clone();
        let turbofish = match prefix.segments.last_mut() {
            Some(last) => std::mem::replace(&mut last.arguments, syn::PathArguments::None),
            None => syn::PathArguments::None,
        };
        let companion = |name: &str| {
            let ident = Ident::new(name, span);
            quote!(#prefix::#ident #turbofish)
        };
        let (pullback, forward, reverse) = (
            companion("pullback"),
            companion("forward"),
            companion("reverse"),
        );
        let (forward_kept, reverse_kept) = (companion("forward_kept"), companion("reverse_kept"));
        let args = c.args.iter().map(|a| self.call_arg(a)).collect();
        let no_derivative = path.segments.len() == 1
            && path.leading_colon.is_none()
            && self
                .without_derivative()
                .contains(&path.segments[0].ident.to_string());
        Expr::Call(Box::new(Call {
            func: quote!(#path),
            pullback,
            forward,
            reverse,
            forward_kept,
            reverse_kept,
            args,
            arg_spans: c.args.iter().map(|a| a.span()).collect(),
            span,
            no_derivative,
        }))
    }

    /// A call argument: a value, or `&v` / `&v[i]` for a buffer.
    fn call_arg(&mut self, a: &syn::Expr) -> Expr {
        // An element the user's code holds by reference is passed as one.
        if let syn::Expr::Path(p) = a {
            if let Some((alias, true)) = self.aliased_ref(&p.path) {
                return self.call_arg(&syn::parse_quote!(&#alias));
            }
            // An output parameter `out: &mut [f64]` is lent, as `&out`.
            if let Some(v) = self.lookup_path(&p.path) {
                if matches!(&self.vars[v].ty, Some(syn::Type::Reference(r)) if r.mutability.is_some())
                {
                    return Expr::Ref(Box::new(Expr::Var(v, a.span())), a.span());
                }
            }
        }
        if let syn::Expr::Reference(r) = a {
            if r.mutability.is_none() {
                if let Some(alias) = self.deref_alias(&r.expr) {
                    return self.call_arg(&syn::parse_quote!(&#alias));
                }
                let inner = match &*r.expr {
                    syn::Expr::Path(p) => self.lookup_path(&p.path).map(|v| Expr::Var(v, a.span())),
                    syn::Expr::Field(f) => self
                        .field_var(f, Shape::Array(1))
                        .map(|v| Expr::Var(v, a.span())),
                    syn::Expr::Index(_) => self
                        .index_chain(&r.expr)
                        .map(|(v, idx)| Expr::Index(v, idx)),
                    // `&g(x)`, `&vec![..]`: the value goes into a variable
                    // first, so its gradient flows like a named one's.
                    e => {
                        let value = self.value(e);
                        Some(self.hidden_value(value, a.span()))
                    }
                };
                return match (inner, &*r.expr) {
                    (Some(inner), _) => Expr::Ref(Box::new(inner), a.span()),
                    // A field of a local (`&q.w`, `q` a copy of a struct
                    // parameter): its gradient would be lost.
                    (None, syn::Expr::Field(_)) => self.no_rule(
                        a,
                        "this field of a local passed to a call (pass the parameter's own \
                         field, `&p.w`)"
                            .into(),
                        a.span(),
                    ),
                    // `&x[a..b]`: its gradient would go to a part of `x`'s.
                    (None, syn::Expr::Index(_)) => self.no_rule(
                        a,
                        "this sub-slice passed to a call (only a whole buffer `v` or row `v[i]` \
                         passes its gradient; copy the part into a local `Vec` first)"
                            .into(),
                        a.span(),
                    ),
                    (None, _) => self.opaque(a, Opaque::Constant),
                };
            }
        }
        self.value(a)
    }

    /// The value `v.push(e)` pushes: a float. Only those have a reverse
    /// (`pop_adjoint`), so a row is an error if it carries a gradient.
    pub(super) fn pushed(&mut self, v: VarId, e: &syn::Expr) -> Expr {
        let value = self.value(e);
        let row = matches!(
            super::shape_of(&value, &self.vars),
            Shape::Array(_) | Shape::Matrix
        );
        if !row && self.vars[v].shape != Shape::Array(2) {
            return value;
        }
        self.no_rule(
            e,
            "this row pushed onto a vector of rows (make the rows first, \
             `vec![vec![0.0; n]; m]`, and assign them, `rows[i] = ..`)"
                .into(),
            e.span(),
        )
    }

    /// `value` in a hidden variable, so its gradient flows like a named one's.
    fn hidden_value(&mut self, value: Expr, span: Span) -> Expr {
        let name = self.hidden("arg", span);
        let v = self.declare_unscoped(&name, Origin::Local, None);
        self.emit_let(v, value);
        Expr::Var(v, span)
    }

    fn vec_macro(&mut self, mac: &syn::Macro, span: Span) -> Expr {
        match parse_vec(mac) {
            Ok(VecBody::Splat(elem, len)) => Expr::Splat {
                elem: Box::new(self.value(&elem)),
                len: self.passive(&len),
                array: false,
                span,
            },
            Ok(VecBody::List(elems)) => Expr::List {
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
