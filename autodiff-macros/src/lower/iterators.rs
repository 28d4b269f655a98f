//! Iterator chains become index loops, so the reverse sweep can walk them
//! backwards like any other loop.
//!
//! An element is read where it is used (the pattern's names are aliases of
//! the element, not copies), a closure's body is lowered inline with its
//! parameters bound the same way, and a reduction is an accumulator updated
//! in a loop:
//!
//! ```text
//! for (i, &xi) in x.iter().enumerate() { s += w[i] * xi; }
//!     ⟶   for pos in 0..x.len() { s += w[pos] * x[pos]; }
//!
//! let d = a.iter().zip(b).map(|(p, q)| p * q).sum::<f64>();
//!     ⟶   let mut acc = 0.0;
//!         for pos in 0..min(a.len(), b.len()) { acc += a[pos] * b[pos]; }
//!         let d = acc;
//!
//! let m = x.iter().fold(0.0, |m, &v| m.max(v));
//!     ⟶   let mut acc = 0.0;
//!         for pos in 0..x.len() { acc = acc.max(x[pos]); }
//! ```

use super::{strip, Lower, Sink};
use crate::ir::*;
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;

/// Prefix of the names lowering introduces; the user cannot mean them.
const HIDDEN: &str = "__autodiff_";

/// The name a hidden local is shown under in the expansion.
pub(super) fn display_name(name: &str) -> &str {
    match name.strip_prefix(HIDDEN) {
        Some(rest) => rest.rsplit_once('_').map_or(rest, |(base, _)| base),
        None => name,
    }
}

/// The sequence an iterator chain walks.
enum Seq {
    /// The elements of a slice, `Vec` or array: `x.iter()`, `&x`, `x`;
    /// whether they are references (not `.copied()`, not an owned `Vec`).
    Elems(syn::Expr, bool),
    /// `lo..hi`, `lo..=hi`.
    Range(syn::ExprRange),
    Enumerate(Box<Seq>),
    Zip(Box<Seq>, Box<Seq>),
    Rev(Box<Seq>),
    Map(Box<Seq>, syn::Expr),
}

/// The element at a position: expressions to read, in the tuple structure
/// that `enumerate` and `zip` give it.
enum Item {
    /// An expression to read, and whether the user's code holds it by
    /// reference (`x` of `x.iter()`).
    Place(syn::Expr, bool),
    Tuple(Vec<Item>),
    /// A `map` closure (or function) applied to an element.
    Mapped(Box<Item>, syn::Expr),
}

const ADAPTORS: &str = "`.iter()`, `.enumerate()`, `.zip(..)`, `.rev()`, `.map(..)`, `.copied()`, and the reductions `.sum()`, `.product()`, `.fold(..)`";

/// Whether `e` is an iterator chain (not a buffer that has its own `sum`).
pub(super) fn is_chain(e: &syn::Expr) -> bool {
    match strip(e) {
        syn::Expr::Range(_) => true,
        syn::Expr::MethodCall(m) => match m.method.to_string().as_str() {
            "iter" | "into_iter" | "enumerate" | "zip" | "rev" | "map" | "copied" | "cloned" => {
                true
            }
            // A reduction's result is a number (`chain.sum::<f64>().ln()`).
            "sum" | "product" | "fold" => false,
            _ => is_chain(&m.receiver),
        },
        _ => false,
    }
}

/// `.copied()`: the elements are values.
fn by_value(s: Seq) -> Seq {
    match s {
        Seq::Elems(e, _) => Seq::Elems(e, false),
        Seq::Enumerate(s) => Seq::Enumerate(Box::new(by_value(*s))),
        Seq::Rev(s) => Seq::Rev(Box::new(by_value(*s))),
        Seq::Zip(a, b) => Seq::Zip(Box::new(by_value(*a)), Box::new(by_value(*b))),
        s => s,
    }
}

fn parse(e: &syn::Expr, owned: &dyn Fn(&syn::Expr) -> bool) -> syn::Result<Seq> {
    let e = strip(e);
    match e {
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            match (name.as_str(), m.args.len()) {
                ("iter", 0) => match parse(&m.receiver, owned)? {
                    Seq::Elems(e, _) => Ok(Seq::Elems(e, true)),
                    s => Ok(s),
                },
                ("into_iter", 0) => parse(&m.receiver, owned),
                ("copied" | "cloned", 0) => Ok(by_value(parse(&m.receiver, owned)?)),
                ("enumerate", 0) => Ok(Seq::Enumerate(Box::new(parse(&m.receiver, owned)?))),
                ("rev", 0) => Ok(Seq::Rev(Box::new(parse(&m.receiver, owned)?))),
                ("zip", 1) => Ok(Seq::Zip(
                    Box::new(parse(&m.receiver, owned)?),
                    Box::new(parse(&m.args[0], owned)?),
                )),
                ("map", 1) => Ok(Seq::Map(
                    Box::new(parse(&m.receiver, owned)?),
                    m.args[0].clone(),
                )),
                _ => Err(syn::Error::new(
                    m.method.span(),
                    format!("the iterator adaptor `.{name}()` is not supported in a differentiated function; use {ADAPTORS}, or write an index loop"),
                )),
            }
        }
        syn::Expr::Reference(r) if r.mutability.is_none() => match parse(&r.expr, owned)? {
            Seq::Elems(e, _) => Ok(Seq::Elems(e, true)),
            s => Ok(s),
        },
        syn::Expr::Path(_) | syn::Expr::Index(_) | syn::Expr::Field(_) => {
            Ok(Seq::Elems(e.clone(), !owned(e)))
        }
        syn::Expr::Range(r) if r.start.is_some() && r.end.is_some() => Ok(Seq::Range(r.clone())),
        _ => Err(syn::Error::new_spanned(
            e,
            "a differentiated function iterates over a slice, `Vec` or array variable (`x.iter()`, `&x`, `x[i].iter()`) or a range; bind this value to a variable first",
        )),
    }
}

impl Seq {
    /// The number of elements, or an error for a sequence whose length
    /// cannot be written down.
    fn len(&self) -> syn::Result<syn::Expr> {
        Ok(match self {
            Seq::Elems(x, _) => {
                let s = x.span();
                syn::parse_quote_spanned!(s=> #x.len())
            }
            Seq::Range(r) => {
                if matches!(r.limits, syn::RangeLimits::Closed(_)) {
                    return Err(syn::Error::new_spanned(
                        r,
                        "inside `zip`, `enumerate` or `rev`, write the range with `..` (`a..b + 1` for `a..=b`)",
                    ));
                }
                syn::parse_quote_spanned!(r.span()=> (#r).len())
            }
            Seq::Enumerate(s) | Seq::Rev(s) | Seq::Map(s, _) => s.len()?,
            Seq::Zip(a, b) => {
                let (a, b) = (a.len()?, b.len()?);
                syn::parse_quote!(::core::cmp::min(#a, #b))
            }
        })
    }

    /// The element at position `pos`.
    fn item(&self, pos: &syn::Expr) -> syn::Result<Item> {
        Ok(match self {
            Seq::Elems(x, by_ref) => {
                let s = x.span();
                Item::Place(syn::parse_quote_spanned!(s=> #x[#pos]), *by_ref)
            }
            Seq::Range(r) => {
                let lo = &r.start;
                Item::Place(syn::parse_quote!(#lo + #pos), false)
            }
            Seq::Enumerate(s) => Item::Tuple(vec![Item::Place(pos.clone(), false), s.item(pos)?]),
            Seq::Zip(a, b) => Item::Tuple(vec![a.item(pos)?, b.item(pos)?]),
            Seq::Rev(s) => {
                let n = s.len()?;
                s.item(&syn::parse_quote!(#n - 1 - #pos))?
            }
            Seq::Map(s, f) => Item::Mapped(Box::new(s.item(pos)?), f.clone()),
        })
    }

    /// The range a loop over the sequence runs through, and its element at
    /// the loop's position `pos`. An outer `.rev()` reverses the range, which
    /// the reverse sweep walks back without a tape.
    fn looped(&self, pos: &syn::Ident) -> syn::Result<(syn::Expr, Item)> {
        let at: syn::Expr = syn::parse_quote!(#pos);
        Ok(match self {
            Seq::Range(r) => (syn::Expr::Range(r.clone()), Item::Place(at, false)),
            Seq::Map(s, f) => {
                let (range, item) = s.looped(pos)?;
                (range, Item::Mapped(Box::new(item), f.clone()))
            }
            Seq::Rev(s) => match &**s {
                Seq::Range(r) => (syn::parse_quote!((#r).rev()), Item::Place(at, false)),
                s => {
                    let n = s.len()?;
                    (syn::parse_quote!((0..#n).rev()), s.item(&at)?)
                }
            },
            s => {
                let n = s.len()?;
                (syn::parse_quote!(0..#n), s.item(&at)?)
            }
        })
    }
}

/// What a reduction computes.
enum Reduce {
    /// `sum` (`+`, from zero) and `product` (`*`, from one).
    Sum(Option<syn::Type>),
    Product(Option<syn::Type>),
    Fold(syn::Expr, syn::Expr),
}

fn is_int_type(ty: &syn::Type) -> bool {
    const INTS: &[&str] = &[
        "usize", "isize", "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128",
    ];
    matches!(ty, syn::Type::Path(p) if INTS.iter().any(|i| p.path.is_ident(i)))
}

/// Replaces the names in an alias's expression by keys that later shadowing
/// cannot capture.
///
/// A name no local binds (an outer `const`, or one the compiler will reject)
/// is kept as written but out of the lookup's reach; otherwise an alias
/// could stand for itself and its lowering never end:
///
/// ```text
/// v.iter().map(|v| ..)   alias  v ⟶ v[pos]   (`v` read as the outer name)
/// ```
///
/// Generated locals are hygienic, so the emitted name cannot mean them.
struct Pin<'l, 'a>(&'l mut Lower<'a>);

impl VisitMut for Pin<'_, '_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        match e {
            syn::Expr::Path(p) => {
                if let Some(v) = self.0.lookup_path(&p.path) {
                    let key = syn::Ident::new(&format!("{HIDDEN}v{v}"), p.span());
                    self.0.scopes[0].insert(key.to_string(), super::Binding::Var(v));
                    *e = syn::parse_quote!(#key);
                } else if let Some(a) = self.0.aliased(&p.path) {
                    *e = syn::parse_quote!((#a));
                } else if p.path.get_ident().is_some() && p.path.leading_colon.is_none() {
                    *e = syn::Expr::Verbatim(quote::quote!(#p));
                }
            }
            // A called function's name is not a value.
            syn::Expr::Call(c) => c.args.iter_mut().for_each(|a| self.visit_expr_mut(a)),
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }

    fn visit_type_mut(&mut self, _: &mut syn::Type) {}
}

/// Whether `e` is an outer name as [`Pin`] keeps it.
pub(super) fn is_pinned_outer(e: &syn::Expr) -> bool {
    matches!(e, syn::Expr::Verbatim(ts) if syn::parse2::<syn::Ident>(ts.clone()).is_ok())
}

impl Lower<'_> {
    /// `e` with its names resolved now, for an alias read later.
    pub(super) fn pin(&mut self, mut e: syn::Expr) -> syn::Expr {
        Pin(self).visit_expr_mut(&mut e);
        e
    }

    fn parse_chain(&self, e: &syn::Expr) -> syn::Result<Seq> {
        // A `Vec` variable iterated by value yields values.
        let owned = |e: &syn::Expr| match e {
            syn::Expr::Path(p) => self.lookup_path(&p.path).is_some_and(|v| {
                let var = &self.vars[v];
                match &var.ty {
                    Some(t) => !matches!(t, syn::Type::Reference(_)),
                    None => var.origin == Origin::Local,
                }
            }),
            _ => true,
        };
        parse(e, &owned)
    }

    /// A name the user cannot write, shown as `base` in the expansion.
    pub(super) fn hidden(&mut self, base: &str, span: Span) -> syn::Ident {
        self.hidden_count += 1;
        syn::Ident::new(&format!("{HIDDEN}{base}_{}", self.hidden_count), span)
    }

    /// `for pat in chain { body }` over an iterator chain.
    pub(super) fn chain_loop(&mut self, f: &syn::ExprForLoop) {
        let seq = match self.parse_chain(&f.expr) {
            Ok(s) => s,
            Err(e) => return self.diag.push(e),
        };
        let pos = self.hidden("pos", f.expr.span());
        let (range, item) = match seq.looped(&pos) {
            Ok(x) => x,
            Err(e) => return self.diag.push(e),
        };
        let Some(iter) = self.iter(&range) else {
            return;
        };
        let mut var = None;
        let body = self.nested(Ctx::LOOP, |l| {
            var = Some(l.declare(&pos, Origin::LoopIndex, None));
            l.bind_item(&f.pat, item);
            l.block_stmts(&f.body);
        });
        // The elements are read where they are used, so what the chain
        // reads (its closures' captures too) must not change while the loop
        // runs: Rust reads it once.
        let f_expr = &f.expr;
        let mut reads = Vec::new();
        self.names_in(quote::quote!(#f_expr), &mut reads);
        if let Some(name) = self.changed_in(&body, &reads) {
            self.diag.error(
                &f.expr,
                format!(
                    "the loop's body changes `{name}`, which this iterator reads: Rust reads it \
                     once, before the loop, but a differentiated loop reads the elements where \
                     they are used; iterate over a copy made before the loop"
                ),
            );
        }
        self.emit(Stmt::For {
            var,
            iter: Box::new(iter),
            body,
        });
    }

    /// The shown name of the first variable of `reads` that `body` assigns
    /// or pushes to, if any.
    pub(super) fn changed_in(&self, body: &[Stmt], reads: &[VarId]) -> Option<String> {
        let mut changed = None;
        visit(body, &mut |s| match s {
            Stmt::Assign { place, .. } if reads.contains(&place.var()) => {
                changed.get_or_insert(place.var());
            }
            Stmt::Push { var, .. } if reads.contains(var) => {
                changed.get_or_insert(*var);
            }
            _ => {}
        });
        changed.map(|v| display_name(&self.vars[v].ident.to_string()).to_string())
    }

    /// The variables `tokens` names (a closure's parameter that shadows one
    /// counts too: what this is for errs on the safe side).
    fn names_in(&self, tokens: proc_macro2::TokenStream, out: &mut Vec<VarId>) {
        for t in tokens {
            match t {
                proc_macro2::TokenTree::Ident(i) => {
                    out.extend(self.lookup_path(&syn::Path::from(i)));
                }
                proc_macro2::TokenTree::Group(g) => self.names_in(g.stream(), out),
                _ => {}
            }
        }
    }

    /// `chain.sum()`, `.product()`, `.fold(init, f)` as an accumulator loop;
    /// `None` if `m` is not a reduction of an iterator chain.
    pub(super) fn reduction(&mut self, m: &syn::ExprMethodCall) -> Option<Expr> {
        if !is_chain(&m.receiver) {
            return None;
        }
        let turbofish = || {
            m.turbofish.as_ref().and_then(|t| match t.args.first() {
                Some(syn::GenericArgument::Type(ty)) => Some(ty.clone()),
                _ => None,
            })
        };
        let how = match (m.method.to_string().as_str(), m.args.len()) {
            ("sum", 0) => Reduce::Sum(turbofish()),
            ("product", 0) => Reduce::Product(turbofish()),
            ("fold", 2) => Reduce::Fold(m.args[0].clone(), m.args[1].clone()),
            (name, _) => {
                self.diag.error(
                    &m.method,
                    format!("the iterator method `.{name}()` is not supported in a differentiated function; use {ADAPTORS}, or write an index loop"),
                );
                return Some(Expr::Lit(syn::parse_quote!(0)));
            }
        };
        let seq = match self.parse_chain(&m.receiver) {
            Ok(s) => s,
            Err(e) => {
                self.diag.push(e);
                return Some(Expr::Lit(syn::parse_quote!(0)));
            }
        };
        let span = m.method.span();
        let acc = self.hidden("acc", span);
        let init: syn::Stmt = match &how {
            Reduce::Sum(ty) | Reduce::Product(ty) => {
                let one = matches!(how, Reduce::Product(_));
                let lit: syn::Expr = match (ty.as_ref().is_some_and(is_int_type), one) {
                    (true, false) => syn::parse_quote!(0),
                    (true, true) => syn::parse_quote!(1),
                    (false, false) => syn::parse_quote!(0.0),
                    (false, true) => syn::parse_quote!(1.0),
                };
                match ty {
                    Some(ty) => syn::parse_quote_spanned!(span=> let mut #acc: #ty = #lit;),
                    None => syn::parse_quote_spanned!(span=> let mut #acc = #lit;),
                }
            }
            Reduce::Fold(init, f) => {
                // `|m: f64, &v| ..`: the accumulator has the closure's type.
                let typed = match f {
                    syn::Expr::Closure(c) => match c.inputs.first() {
                        Some(syn::Pat::Type(t)) => Some(&t.ty),
                        _ => None,
                    },
                    _ => None,
                };
                match typed {
                    Some(ty) => syn::parse_quote_spanned!(span=> let mut #acc: #ty = #init;),
                    None => syn::parse_quote_spanned!(span=> let mut #acc = #init;),
                }
            }
        };
        self.stmt(&init);
        let acc_var = self.lookup_path(&syn::parse_quote!(#acc))?;
        let pos = self.hidden("pos", span);
        let (range, item) = match seq.looped(&pos) {
            Ok(x) => x,
            Err(e) => {
                self.diag.push(e);
                return Some(Expr::Var(acc_var, span));
            }
        };
        let iter = self.iter(&range)?;
        let mut var = None;
        let body = self.nested(Ctx::LOOP, |l| {
            var = Some(l.declare(&pos, Origin::LoopIndex, None));
            let acc_e: syn::Expr = syn::parse_quote!(#acc);
            let (op, value) = match &how {
                Reduce::Sum(_) => (AssignOp::Add, l.item_value(item, m)),
                Reduce::Product(_) => {
                    let v = l.item_value(item, m);
                    let prod = Expr::Bin(
                        BinOp::Mul,
                        Box::new(Expr::Var(acc_var, span)),
                        Box::new(v),
                        span,
                    );
                    (AssignOp::Set, prod)
                }
                Reduce::Fold(_, f) => (
                    AssignOp::Set,
                    l.apply(f, vec![Item::Place(acc_e, false), item]),
                ),
            };
            l.vars[acc_var].assignments += 1;
            l.emit(Stmt::Assign {
                place: Place::Var(acc_var),
                op,
                value,
                span,
            });
        });
        self.emit(Stmt::For {
            var,
            iter: Box::new(iter),
            body,
        });
        Some(Expr::Var(acc_var, span))
    }

    /// The value of one element, which must be a number.
    fn item_value(&mut self, item: Item, at: &syn::ExprMethodCall) -> Expr {
        match item {
            Item::Place(e, _) => self.value(&e),
            Item::Mapped(inner, f) => self.apply(&f, vec![*inner]),
            Item::Tuple(_) => {
                self.diag.error(
                    &at.method,
                    "these elements are tuples; `.map(|(a, b)| ...)` them to numbers first",
                );
                Expr::Lit(syn::parse_quote!(0))
            }
        }
    }

    /// A closure (or a function path such as `f64::max`) applied to
    /// elements, lowered inline.
    fn apply(&mut self, f: &syn::Expr, args: Vec<Item>) -> Expr {
        let span = f.span();
        match strip(f) {
            syn::Expr::Closure(c) => {
                if c.inputs.len() != args.len() {
                    self.diag.error(
                        &c.inputs,
                        format!("this closure takes {} parameters here", args.len()),
                    );
                    return Expr::Lit(syn::parse_quote!(0));
                }
                let params: Vec<syn::Pat> = c.inputs.iter().cloned().collect();
                let body = (*c.body).clone();
                let result = self.hidden("mapped", span);
                let var = self.declare_unscoped(&result, Origin::Local, None);
                self.emit(Stmt::Let { var, init: None });
                let ctx = self.ctx;
                let stmts = self.nested(ctx, |l| {
                    for (p, a) in params.iter().zip(args) {
                        l.bind_item(p, a);
                    }
                    l.tail(&body, Sink::Assign(var));
                });
                stmts.into_iter().for_each(|s| self.emit(s));
                Expr::Var(var, span)
            }
            func @ syn::Expr::Path(_) => {
                let mut names = Vec::new();
                for a in args {
                    let name = self.hidden("arg", span);
                    let pat: syn::Pat = syn::parse_quote!(#name);
                    self.bind_item(&pat, a);
                    names.push(name);
                }
                let call: syn::Expr = syn::parse_quote_spanned!(span=> #func(#(#names),*));
                self.value(&call)
            }
            other => {
                self.diag.error(
                    other,
                    "pass a closure (`|v| ...`) or a function path (`f64::max`) here",
                );
                Expr::Lit(syn::parse_quote!(0))
            }
        }
    }

    /// Binds the names of a `for` or closure pattern to an element.
    fn bind_item(&mut self, pat: &syn::Pat, item: Item) {
        match (pat, item) {
            (syn::Pat::Wild(_), _) => {}
            (syn::Pat::Paren(p), item) => self.bind_item(&p.pat, item),
            (syn::Pat::Type(t), item) => self.bind_item(&t.pat, item),
            // Elements are numbers, which are `Copy`: `&v` reads the same.
            (syn::Pat::Reference(r), Item::Place(e, _)) => {
                self.bind_item(&r.pat, Item::Place(e, false))
            }
            (syn::Pat::Reference(r), item) => self.bind_item(&r.pat, item),
            (syn::Pat::Tuple(t), Item::Tuple(items)) if t.elems.len() == items.len() => {
                for (p, i) in t.elems.iter().zip(items) {
                    self.bind_item(p, i);
                }
            }
            (syn::Pat::Ident(pi), item) if pi.by_ref.is_none() && pi.subpat.is_none() => match item
            {
                Item::Place(e, by_ref) if pi.mutability.is_none() => {
                    let e = self.pin(e);
                    self.alias(&pi.ident, e, by_ref);
                }
                Item::Place(e, _) => {
                    let ident = &pi.ident;
                    let s: syn::Stmt = syn::parse_quote!(let mut #ident = #e;);
                    self.stmt(&s);
                }
                Item::Mapped(inner, f) => {
                    let v = self.apply(&f, vec![*inner]);
                    let var = self.declare(&pi.ident, Origin::Local, None);
                    self.emit_let(var, v);
                }
                Item::Tuple(_) => self.diag.error(
                    pi,
                    format!(
                        "the elements here are tuples; destructure them: `({0}_a, {0}_b)`",
                        pi.ident
                    ),
                ),
            },
            (other, _) => self.diag.error(
                other,
                "bind each element to a name, `&name`, or a tuple of them such as `(i, &x)`",
            ),
        }
    }
}
