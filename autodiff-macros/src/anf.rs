//! Expressions in the sweeps: printing them back as Rust, splitting them into
//! named intermediate values (A-normal form), and their pullbacks.
//!
//! ```text
//! s += (x[i] * y).sin();      forward:  let t1 = x[i] * y; let t2 = t1.sin();
//!                             reverse:  let d1 = rules::sin(&t1, &t2, d);
//!                                       let (d2, d3) = rules::mul(&x[i], &y, &t1, d1);
//!                                       x_adj[i] += d2; y_adj += d3;
//! ```

pub use crate::held::Held;
use crate::ir::*;
use crate::reverse::{CallMode, CallSite, Gen};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

/// An expression split into named values, kept for its pullback.
pub struct Node {
    /// Tokens that evaluate to the node's value (an identifier or an atom).
    pub val: TokenStream,
    pub kind: NodeKind,
    /// How the generated code holds the value.
    pub held: Held,
}

impl Node {
    pub(crate) fn new(val: TokenStream, kind: NodeKind) -> Node {
        Node {
            val,
            kind,
            held: Held::Value,
        }
    }
}

pub enum NodeKind {
    Constant,
    Var(VarId),
    Index(VarId, TokenStream),
    Op {
        rule: &'static str,
        children: Vec<Node>,
        differentiable: Vec<bool>,
    },
    Cast(Box<Node>),
    Copy(Box<Node>),
    Splat(Box<Node>),
    List(Vec<Node>),
    Ref(Box<Node>),
    Call {
        pullback: TokenStream,
        /// `g::reverse` and the pullback `g::forward` returned, when the
        /// forward sweep kept it.
        split: Option<(TokenStream, TokenStream)>,
        children: Vec<Node>,
        arg_spans: Vec<proc_macro2::Span>,
        span: proc_macro2::Span,
    },
}

fn is_atomic(e: &syn::Expr) -> bool {
    matches!(
        e,
        syn::Expr::Lit(_) | syn::Expr::Path(_) | syn::Expr::Paren(_)
    )
}

/// `recv.name(rest)` or `path(all)`, as the user spelled the primitive.
fn call_tokens(
    name: &str,
    spelling: &Spelling,
    operands: &[TokenStream],
    span: proc_macro2::Span,
) -> TokenStream {
    let name = syn::Ident::new(name, span);
    match (spelling, operands.split_first()) {
        (Spelling::Method, Some((recv, rest))) => quote_spanned!(span=> #recv.#name(#(#rest),*)),
        (Spelling::Path(path), _) => quote_spanned!(span=> #path(#(#operands),*)),
        (Spelling::Method, None) => quote_spanned!(span=> #name()),
    }
}

fn binop_tokens(op: BinOp) -> TokenStream {
    match op {
        BinOp::Add => quote!(+),
        BinOp::Sub => quote!(-),
        BinOp::Mul => quote!(*),
        BinOp::Div => quote!(/),
    }
}

impl Gen<'_> {
    pub fn passive_tokens(&self, p: &Passive) -> TokenStream {
        let e = &p.expr;
        quote!(#e)
    }

    pub fn index_tokens(&self, idx: &[Passive]) -> TokenStream {
        let parts = idx.iter().map(|p| {
            let t = self.passive_tokens(p);
            quote!([#t])
        });
        quote!(#(#parts)*)
    }

    /// The expression as Rust, as the user wrote it (variables renamed).
    pub fn print(&self, e: &Expr) -> TokenStream {
        match e {
            Expr::Lit(l) => quote!(#l),
            Expr::Var(v, _) => self.ident(*v),
            Expr::Index(v, idx) => {
                let b = self.ident(*v);
                let i = self.index_tokens(idx);
                quote!(#b #i)
            }
            Expr::Neg(a, span) => {
                let a = self.print_operand_borrowed(a);
                quote_spanned!(*span=> -#a)
            }
            Expr::Bin(op, a, b, span) => {
                let (a, b, op) = (
                    self.print_operand_borrowed(a),
                    self.print_operand_borrowed(b),
                    binop_tokens(*op),
                );
                quote_spanned!(*span=> #a #op #b)
            }
            Expr::Prim {
                prim,
                args,
                spelling,
                span,
            } => {
                let mut operands: Vec<TokenStream> =
                    args.iter().map(|a| self.print_borrowed(a)).collect();
                if let (Spelling::Method, Some(recv)) = (spelling, args.first()) {
                    operands[0] = self.print_operand(recv);
                }
                self.print_kept(e, call_tokens(prim.name, spelling, &operands, *span))
            }
            Expr::Cast(a, ty, span) => {
                let a = self.print_operand(a);
                quote_spanned!(*span=> #a as #ty)
            }
            Expr::Opaque(p, _) | Expr::Empty(p) => self.passive_tokens(p),
            Expr::Copy(a, kind, span) => {
                let a = self.print(a);
                copy_tokens(&a, *kind, *span)
            }
            Expr::Splat {
                elem,
                len,
                array,
                span,
            } => {
                let (elem, len) = (self.print_row(elem), self.passive_tokens(len));
                if *array {
                    quote_spanned!(*span=> [#elem; #len])
                } else {
                    quote_spanned!(*span=> ::std::vec![#elem; #len])
                }
            }
            Expr::List { elems, array, span } => {
                let elems = elems.iter().map(|x| self.print_row(x));
                if *array {
                    quote_spanned!(*span=> [#(#elems),*])
                } else {
                    quote_spanned!(*span=> ::std::vec![#(#elems),*])
                }
            }
            Expr::Call(c) => {
                let args: Vec<TokenStream> = c.args.iter().map(|a| self.print(a)).collect();
                let site = self.call_sites.get(&call_key(c));
                match (self.call_mode, site) {
                    (CallMode::Record, Some(site)) => {
                        let (v, pb) = (&site.fwd_value, &site.fwd_pullback);
                        let kept = if site.keeps_value {
                            quote!(::core::clone::Clone::clone(&#v))
                        } else {
                            quote!(())
                        };
                        let save = site.store.save(quote!((#kept, #pb)));
                        let (forward, _) = self.split_pair(c);
                        quote_spanned!(c.span=> { let (#v, #pb) = #forward(#(#args),*); #save #v })
                    }
                    _ => {
                        let func = &c.func;
                        quote_spanned!(c.span=> #func(#(#args),*))
                    }
                }
            }
            Expr::Ref(a, span) => {
                let a = self.print(a);
                quote_spanned!(*span=> &#a)
            }
        }
    }

    /// An operand of an operator or a method receiver: parenthesised unless atomic.
    pub(crate) fn print_operand(&self, e: &Expr) -> TokenStream {
        let t = self.print(e);
        let atomic = match e {
            Expr::Lit(l) => !l.to_token_stream_string().starts_with('-'),
            Expr::Var(..)
            | Expr::Index(..)
            | Expr::Prim {
                spelling: Spelling::Path(_),
                ..
            } => true,
            Expr::Prim { .. }
            | Expr::Copy(..)
            | Expr::Splat { .. }
            | Expr::List { .. }
            | Expr::Call(_) => true,
            Expr::Opaque(p, _) | Expr::Empty(p) => {
                is_atomic(&p.expr)
                    || matches!(
                        p.expr,
                        syn::Expr::MethodCall(_) | syn::Expr::Call(_) | syn::Expr::Index(_)
                    )
            }
            _ => false,
        };
        if atomic {
            t
        } else {
            quote!((#t))
        }
    }

    /// Splits `e` into named values, appending their `let`s to `out`.
    pub fn anf(&mut self, e: &Expr, out: &mut TokenStream) -> Node {
        let mut node = self.split(e, out);
        node.held = self.held(e);
        if node.held == Held::Either {
            let v = &node.val;
            node.val = quote!(::autodiff::__private::tensor_ref(&#v));
        }
        node
    }

    fn split(&mut self, e: &Expr, out: &mut TokenStream) -> Node {
        // Known for this expression only; passed on along linear paths.
        let seed = self.linear_seed.take();
        if !self.an.expr_active(e) {
            let atomic = match e {
                Expr::Lit(_) | Expr::Var(..) => true,
                Expr::Opaque(p, _) => is_atomic(&p.expr),
                _ => false,
            };
            let t = self.print(e);
            let val = if atomic { t } else { self.bind("c", t, out) };
            return Node::new(val, NodeKind::Constant);
        }
        match e {
            Expr::Var(v, _) => Node::new(self.ident(*v), NodeKind::Var(*v)),
            Expr::Index(v, idx) => {
                let i = self.index_tokens(idx);
                let b = self.ident(*v);
                Node::new(quote!(#b #i), NodeKind::Index(*v, i))
            }
            Expr::Neg(a, span) => {
                self.linear_seed = seed.map(|s| quote!((-#s)));
                let a = self.anf(a, out);
                let av = self.operand(&a);
                let val = self.bind("t", quote_spanned!(*span=> -#av), out);
                Node::new(
                    val,
                    NodeKind::Op {
                        rule: "neg",
                        children: vec![a],
                        differentiable: vec![true],
                    },
                )
            }
            Expr::Bin(op, a_expr, b, span) => {
                self.linear_seed = crate::reverse::left_seed(*op, &seed);
                let a = self.anf(a_expr, out);
                self.linear_seed = self.right_seed(*op, seed, a_expr, &a.val);
                let b = self.anf(b, out);
                let (av, bv, o) = (self.operand(&a), self.operand(&b), binop_tokens(*op));
                let val = self.bind("t", quote_spanned!(*span=> #av #o #bv), out);
                Node::new(
                    val,
                    NodeKind::Op {
                        rule: op.rule_name(),
                        children: vec![a, b],
                        differentiable: vec![true, true],
                    },
                )
            }
            Expr::Prim {
                prim,
                args,
                spelling,
                span,
            } => {
                let children: Vec<Node> = args.iter().map(|a| self.anf(a, out)).collect();
                // A vector argument is borrowed (`x.minimum(&t)`): the
                // reverse sweep reads it. The receiver is borrowed by `.`.
                let vals: Vec<TokenStream> = (children.iter().enumerate())
                    .map(|(k, c)| match k {
                        0 => c.val.clone(),
                        _ => self.borrowed(c),
                    })
                    .collect();
                let call = call_tokens(prim.name, spelling, &vals, *span);
                let val = match self.kept_result(e, &call, out) {
                    Some(val) => val,
                    None => self.bind("t", call, out),
                };
                Node::new(
                    val,
                    NodeKind::Op {
                        rule: prim.rule,
                        children,
                        differentiable: prim.differentiable.to_vec(),
                    },
                )
            }
            Expr::Cast(a, ty, span) => {
                let a = self.anf(a, out);
                let av = &a.val;
                let val = self.bind("t", quote_spanned!(*span=> #av as #ty), out);
                Node::new(val, NodeKind::Cast(Box::new(a)))
            }
            Expr::Copy(a, kind, span) => {
                let a = self.anf(a, out);
                let val = self.bind("t", copy_tokens(&a.val, *kind, *span), out);
                Node::new(val, NodeKind::Copy(Box::new(a)))
            }
            Expr::Splat {
                elem,
                len,
                array,
                span,
            } => {
                let c = self.anf(elem, out);
                let len = self.passive_tokens(len);
                // A row repeated (`vec![row; n]`) is cloned: the rule reads
                // it. So is a call's result, which may be one.
                let call = matches!(c.kind, NodeKind::Call { .. });
                let cv = match c.held {
                    _ if call => {
                        let v = &c.val;
                        quote!(::core::clone::Clone::clone(&#v))
                    }
                    Held::Owned => {
                        let v = &c.val;
                        quote!(::core::clone::Clone::clone(&#v))
                    }
                    _ => c.val.clone(),
                };
                let t = if *array {
                    quote_spanned!(*span=> [#cv; #len])
                } else {
                    quote_spanned!(*span=> ::std::vec![#cv; #len])
                };
                let val = self.bind("t", t, out);
                Node::new(val, NodeKind::Splat(Box::new(c)))
            }
            Expr::List { elems, array, span } => {
                let cs: Vec<Node> = elems.iter().map(|x| self.anf(x, out)).collect();
                // Rows are cloned, as a repeated one is: the rule reads them.
                let vals = cs.iter().map(|c| match c.held {
                    Held::Owned => {
                        let v = &c.val;
                        quote!(::core::clone::Clone::clone(&#v))
                    }
                    _ => c.val.clone(),
                });
                let t = if *array {
                    quote_spanned!(*span=> [#(#vals),*])
                } else {
                    quote_spanned!(*span=> ::std::vec![#(#vals),*])
                };
                let val = self.bind("t", t, out);
                Node::new(val, NodeKind::List(cs))
            }
            Expr::Ref(a, span) => {
                let a = self.anf(a, out);
                let av = &a.val;
                Node::new(quote_spanned!(*span=> &#av), NodeKind::Ref(Box::new(a)))
            }
            Expr::Call(c) => {
                let children: Vec<Node> = c.args.iter().map(|a| self.anf(a, out)).collect();
                if let Some(t) = self.joint_call(c, seed, &children, out) {
                    return Node::new(t, NodeKind::Constant);
                }
                let vals = crate::reverse::call_args(&children, true);
                let (val, split) = match self.call_mode {
                    CallMode::Forward => {
                        let (t, pb) = (self.names.fresh("t"), self.names.fresh("pb"));
                        let (forward, reverse) = self.split_pair(c);
                        out.extend(quote_spanned!(c.span=> let (#t, #pb) = #forward(#(#vals),*);));
                        (quote!(#t), Some((reverse.clone(), quote!(#pb))))
                    }
                    CallMode::Replay(ctx) => {
                        let store = self.store(ctx, "calls");
                        let (t, pb) = (self.names.fresh("t"), self.names.fresh("pb"));
                        let load = store.load();
                        out.extend(quote!(let (#t, #pb) = #load;));
                        let site = CallSite {
                            store,
                            value: t.clone(),
                            keeps_value: true,
                            fwd_value: self.names.fresh("v"),
                            fwd_pullback: self.names.fresh("pb"),
                        };
                        self.add_call_site(call_key(c), site);
                        let (_, reverse) = self.split_pair(c);
                        (quote!(#t), Some((reverse.clone(), quote!(#pb))))
                    }
                    CallMode::Plain | CallMode::Record => {
                        let func = &c.func;
                        let val = self.bind("t", quote_spanned!(c.span=> #func(#(#vals),*)), out);
                        (val, None)
                    }
                };
                Node::new(
                    val,
                    NodeKind::Call {
                        pullback: c.pullback.clone(),
                        split,
                        children,
                        arg_spans: c.arg_spans.clone(),
                        span: c.span,
                    },
                )
            }
            Expr::Lit(_) | Expr::Opaque(..) | Expr::Empty(_) => {
                Node::new(self.print(e), NodeKind::Constant)
            }
        }
    }

    /// The scalar place a leaf names (`x`, `v[i]`), as text: two children
    /// of a rule with the same one share its adjoint.
    fn element(&self, node: &Node) -> Option<String> {
        match &node.kind {
            NodeKind::Var(v) if self.f.vars[*v].shape == Shape::Scalar => Some(format!("{v:?}")),
            NodeKind::Index(v, idx) => {
                let depth = idx.to_string().matches('[').count();
                let scalar = match self.f.vars[*v].shape {
                    Shape::Array(k) => depth == usize::from(k),
                    Shape::Matrix => true,
                    _ => false,
                };
                scalar.then(|| format!("{v:?}{idx}"))
            }
            _ => None,
        }
    }

    fn bind(&mut self, base: &str, value: TokenStream, out: &mut TokenStream) -> TokenStream {
        let t = self.names.fresh(base);
        out.extend(quote!(let #t = #value;));
        quote!(#t)
    }

    /// Emits the pullback of `node` for the cotangent `d` (an identifier or
    /// an element of one).
    pub fn pullback(&mut self, node: &Node, d: TokenStream, out: &mut TokenStream) {
        match &node.kind {
            NodeKind::Constant => {}
            NodeKind::Var(v) => {
                let adj = self.adj(*v);
                if self.f.vars[*v].shape == Shape::Scalar {
                    out.extend(quote!(#adj += #d;));
                } else {
                    out.extend(quote!(::autodiff::__private::accumulate(&mut #adj[..], &#d[..]);));
                }
            }
            NodeKind::Index(v, idx) => {
                let adj = self.adj(*v);
                let var = &self.f.vars[*v];
                let row = var.shape == Shape::Array(2) && idx.to_string().matches('[').count() == 1;
                if row {
                    out.extend(
                        quote!(::autodiff::__private::accumulate(&mut #adj #idx[..], &#d[..]);),
                    );
                } else if let Some(sum) = self.promoted(*v, &quote!(#adj #idx)) {
                    out.extend(quote!(#sum += #d;));
                } else {
                    out.extend(quote!(#adj #idx += #d;));
                }
            }
            NodeKind::Op {
                rule,
                children,
                differentiable,
            } => {
                let rule = syn::Ident::new(rule, proc_macro2::Span::call_site());
                let args = children.iter().map(|c| self.rule_arg(c));
                let y = &node.val;
                let call = quote!(::autodiff::__private::rules::#rule(#(#args,)* &#y, #d));
                let slots: Vec<(usize, bool)> = differentiable
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| **d)
                    .map(|(i, _)| (i, !matches!(children[i].kind, NodeKind::Constant)))
                    .collect();
                if !slots.iter().any(|(_, active)| *active) {
                    return;
                }
                if slots.len() == 1 {
                    let dk = self.names.fresh("d");
                    out.extend(quote!(let #dk = #call;));
                    self.pullback(&children[slots[0].0], quote!(#dk), out);
                } else {
                    let mut pats = Vec::new();
                    let mut todo = Vec::new();
                    for (i, active) in slots {
                        if active {
                            let dk = self.names.fresh("d");
                            pats.push(quote!(#dk));
                            todo.push((i, dk));
                        } else {
                            pats.push(quote!(_));
                        }
                    }
                    out.extend(quote!(let (#(#pats),*) = #call;));
                    // `x * x`: one addition of the summed cotangents, which
                    // keeps the adjoint's chain of additions short.
                    let keys: Vec<_> = todo
                        .iter()
                        .map(|(i, _)| self.element(&children[*i]))
                        .collect();
                    for (k, (i, dk)) in todo.iter().enumerate() {
                        if keys[k].is_some() && keys[..k].contains(&keys[k]) {
                            continue;
                        }
                        let same = (k + 1..todo.len())
                            .filter(|&j| keys[k].is_some() && keys[j] == keys[k]);
                        let ds: Vec<_> = std::iter::once(dk)
                            .chain(same.map(|j| &todo[j].1))
                            .collect();
                        let d = match &ds[..] {
                            [one] => quote!(#one),
                            _ => quote!((#(#ds)+*)),
                        };
                        self.pullback(&children[*i], d, out);
                    }
                }
            }
            NodeKind::Cast(c) => {
                let dk = self.names.fresh("d");
                let cv = &c.val;
                out.extend(quote!(let #dk = ::autodiff::__private::rules::cast(&#cv, #d);));
                self.pullback(c, quote!(#dk), out);
            }
            NodeKind::Copy(c) | NodeKind::Ref(c) => self.pullback(c, d, out),
            NodeKind::Call {
                pullback,
                split,
                children,
                arg_spans,
                span,
            } => self.call_pullback(pullback, split.as_ref(), children, arg_spans, *span, d, out),
            NodeKind::Splat(c) => {
                let dk = self.names.fresh("d");
                let x = self.rule_arg(c);
                out.extend(quote!(let #dk = ::autodiff::__private::rules::splat(#x, &#d[..]);));
                self.pullback(c, quote!(#dk), out);
            }
            NodeKind::List(cs) => {
                for (k, c) in cs.iter().enumerate() {
                    let k = proc_macro2::Literal::usize_unsuffixed(k);
                    self.pullback(c, quote!(#d[#k]), out);
                }
            }
        }
    }
}

trait LitString {
    fn to_token_stream_string(&self) -> String;
}

impl LitString for syn::Lit {
    fn to_token_stream_string(&self) -> String {
        quote::ToTokens::to_token_stream(self).to_string()
    }
}

/// A copy of a buffer: owned (`to_vec`), as `clone` makes it, or of the
/// same type.
fn copy_tokens(a: &TokenStream, kind: CopyKind, span: proc_macro2::Span) -> TokenStream {
    match kind {
        CopyKind::Owned => quote_spanned!(span=> ::autodiff::__private::owned(&#a)),
        CopyKind::Clone => quote_spanned!(span=> #a.clone()),
        CopyKind::Whole => quote_spanned!(span=> ::autodiff::__private::snapshot(&#a)),
    }
}

/// A call's identity across the forward sweep and its replay: its address
/// in the IR, which neither moves while the sweeps are generated.
pub(crate) fn call_key(c: &Call) -> usize {
    c as *const Call as usize
}
