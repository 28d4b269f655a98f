//! Calls to differentiated functions in the sweeps: which code a call
//! becomes, how a nested statement's forward sweep keeps what its replay in
//! the reverse sweep takes back, and the buffers a call's pullback adds
//! its gradient into.

use super::{Gen, Store};
use crate::anf::{call_key, Held, Node, NodeKind};
use crate::ir::*;
use proc_macro2::{Ident, TokenStream};
use quote::{quote, quote_spanned};

/// How a call to a differentiated function `g` is emitted.
///
/// A call's pullback needs `g`'s intermediate values. `g::forward` returns
/// them (in a closure) with the value, so the reverse sweep runs no part of
/// `g` again: at the top of the function the two are locals; in a branch or
/// a loop the forward sweep keeps them in a slot or on a tape, which the
/// reverse sweep's replay of the statement takes back.
///
/// ```text
/// for i in 0..n {                      forward: s += { let (v, pb) = g::forward(x[i]);
///     s += g(x[i]);                                    calls.push(((), pb)); v };
/// }                                    reverse: let (t, pb) = calls.pop();
///                                               g::reverse(pb, x[i], seed(&d), ..);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum CallMode {
    /// A plain call to `g` (values the reverse sweep recomputes as constants).
    Plain,
    /// A top-level statement split into named values in the forward sweep:
    /// `let (t, pb) = g::forward(..)`.
    Forward,
    /// The reverse sweep's replay of a nested statement: takes back what the
    /// forward sweep kept.
    Replay(Ctx),
    /// The forward sweep of a nested statement whose replay was emitted:
    /// runs `g::forward` and keeps its pullback.
    Record,
}

/// A call whose pullback the forward sweep keeps for the reverse sweep.
pub struct CallSite {
    pub store: Store,
    /// The call's value in the reverse sweep.
    pub value: Ident,
    /// Whether the reverse sweep reads the value, so it is kept too.
    pub keeps_value: bool,
    /// Names for the value and pullback in the forward sweep.
    pub fwd_value: Ident,
    pub fwd_pullback: Ident,
}

impl Gen<'_> {
    /// The reverse sweep's replay of a nested statement's `value`.
    ///
    /// With `whole`, the reverse code reads only the value's cotangent, not
    /// the value (`place = value`): a copy is not made again, since its
    /// pullback passes the cotangent on to what it copies.
    ///
    /// ```text
    /// v = w.clone()   →   reverse: accumulate(&mut w_adj[..], &d[..]);   // no `w.clone()`
    /// ```
    pub(super) fn replay(
        &mut self,
        value: &Expr,
        whole: bool,
        ctx: Ctx,
        rev: &mut TokenStream,
    ) -> Node {
        if let (Expr::Copy(copied, ..), true) = (value, whole) {
            let node = self.replay(copied, false, ctx, rev);
            return Node::new(node.val.clone(), NodeKind::Copy(Box::new(node)));
        }
        self.statement_sites.clear();
        self.call_mode = CallMode::Replay(ctx);
        let node = self.anf(value, rev);
        self.call_mode = CallMode::Plain;
        node
    }

    /// A top-level statement's `value` split into named values in `fwd`.
    pub(super) fn split_calls(&mut self, value: &Expr, fwd: &mut TokenStream) -> Node {
        self.call_mode = CallMode::Forward;
        let node = self.anf(value, fwd);
        self.call_mode = CallMode::Plain;
        node
    }

    /// The forward sweep's code for a nested statement's `value`, once its
    /// reverse code `rev` is complete: each call whose pullback the replay
    /// takes back keeps it, with its value if `rev` reads that.
    pub(super) fn record(&mut self, value: &Expr, rev: &TokenStream) -> TokenStream {
        for key in std::mem::take(&mut self.statement_sites) {
            if let Some(site) = self.call_sites.get_mut(&key) {
                site.keeps_value = mentions(rev, &site.value) > 1;
            }
        }
        self.call_mode = CallMode::Record;
        let printed = self.print(value);
        self.call_mode = CallMode::Plain;
        printed
    }

    /// The split pullback a call uses here: in a fused iteration, the one
    /// that keeps what its reverse sweep reads.
    pub(crate) fn split_pair<'c>(&self, c: &'c Call) -> (&'c TokenStream, &'c TokenStream) {
        if self.keep_calls {
            (&c.forward_kept, &c.reverse_kept)
        } else {
            (&c.forward, &c.reverse)
        }
    }

    /// A call the forward code runs with its `seed` (`fuse::joint_calls`):
    /// its pullback returns the value and adds the gradient into the
    /// buffers' adjoints, sized first. The call is then a constant to the
    /// reverse code, which has nothing left to do for it.
    ///
    /// ```text
    /// total += t1 * det(&minor, m)   →   reset_like(&mut minor_adj, &minor);
    ///                                    let d = total_adj * t1;
    ///                                    let t2 = det::pullback(&minor, m, seed(&d),
    ///                                                           as_buffer(&mut minor_adj), None);
    /// ```
    pub(crate) fn joint_call(
        &mut self,
        c: &Call,
        seed: Option<TokenStream>,
        children: &[Node],
        out: &mut TokenStream,
    ) -> Option<TokenStream> {
        let seed = seed.filter(|_| self.call_mode == CallMode::Forward)?;
        let sized = self.joint.get(&call_key(c))?.clone();
        let mut buffers = Vec::new();
        for child in children {
            if matches!(child.kind, NodeKind::Constant) {
                buffers.push(quote!(::core::option::Option::None));
                continue;
            }
            // A whole buffer variable, as `fuse::joint_calls` checked.
            match self.whole(child).map(|w| &w.kind) {
                Some(NodeKind::Var(v)) if self.f.vars[*v].shape != Shape::Scalar => {
                    let a = self.adj(*v);
                    buffers.push(quote!(::autodiff::__private::as_buffer(&mut #a)));
                }
                _ => return None,
            }
        }
        for v in sized {
            let (id, adj) = (self.ident(v), self.adj(v));
            out.extend(quote!(::autodiff::__private::reset_like(&mut #adj, &#id);));
        }
        let (d, t) = (self.names.fresh("d"), self.names.fresh("t"));
        let vals = call_args(children, false);
        let pullback = &c.pullback;
        out.extend(quote!(let #d = #seed;));
        out.extend(quote_spanned!(c.span=>
            let #t = #pullback(#(#vals,)* ::autodiff::__private::seed(&#d), #(#buffers),*);
        ));
        Some(quote!(#t))
    }

    /// The seed of the right operand of `left op right` along a linear
    /// path (`fuse::linear_calls`), once the left one's value is known.
    pub(crate) fn right_seed(
        &self,
        op: BinOp,
        seed: Option<TokenStream>,
        left: &Expr,
        left_value: &TokenStream,
    ) -> Option<TokenStream> {
        match (op, seed) {
            (BinOp::Add, s) => s,
            (BinOp::Sub, s) => s.map(|s| quote!((-#s))),
            (BinOp::Mul, Some(s)) if crate::fuse::linear_factor(left, &self.f.vars) => {
                Some(quote!((#s * #left_value)))
            }
            _ => None,
        }
    }

    /// Registers a call site of the statement being replayed.
    pub fn add_call_site(&mut self, key: usize, site: CallSite) {
        self.call_sites.insert(key, site);
        self.statement_sites.push(key);
    }
}

impl Gen<'_> {
    /// The reverse of a call: the callee's pullback, with a buffer for each
    /// argument that carries a gradient: the adjoint of a buffer argument
    /// itself, a fresh cotangent for a scalar one, pulled back afterwards.
    ///
    /// ```text
    /// y = g(x * 2.0, &v, n)   →   let mut d1 = -0.0;
    ///                             g::pullback(t, &v, n, seed(&d), as_buffer(&mut d1),
    ///                                 as_buffer(&mut v_adj), None);
    ///                             <pullback of x * 2.0 with d1>
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn call_pullback(
        &mut self,
        pullback: &TokenStream,
        split: Option<&(TokenStream, TokenStream)>,
        children: &[Node],
        arg_spans: &[proc_macro2::Span],
        span: proc_macro2::Span,
        d: TokenStream,
        out: &mut TokenStream,
    ) {
        let mut buffers = Vec::new();
        let mut scalars = Vec::new();
        // A buffer passed twice (`dot(&v, &v)`) cannot be borrowed mutably
        // twice: the second gets a scratch adjoint, added in afterwards.
        let mut borrowed = Vec::new();
        let mut scratches = TokenStream::new();
        for (k, c) in children.iter().enumerate() {
            let computed = self.whole(c).unwrap_or(c);
            let target = match self.whole(c).map(|w| (&w.kind, &w.val)) {
                Some((NodeKind::Var(v), val)) => Some((*v, self.adj(*v), val)),
                Some((NodeKind::Index(v, idx), val)) => {
                    let adj = self.adj(*v);
                    Some((*v, quote!(#adj #idx), val))
                }
                _ => None,
            };
            let adjoint = match target {
                _ if matches!(c.kind, NodeKind::Constant) => None,
                // The same variable, or a buffer field of a struct passed
                // too, which the scratch can be added back into.
                Some((v, adj, val))
                    if borrowed.contains(&v)
                        || (self.f.vars[v].shape != Shape::Unknown
                            && borrowed.iter().any(|&b| self.overlaps(b, v))) =>
                {
                    let dk = self.pooled("zero_in", quote!(&#val), out);
                    // A buffer, a row or a struct (`g(&p.inner, &p.inner)`).
                    scratches.extend(quote!(::autodiff::__private::add_scratch(&mut #adj, &*#dk);));
                    Some(quote!(*#dk))
                }
                Some((v, adj, _)) => {
                    borrowed.push(v);
                    Some(adj)
                }
                // A vector, array or list computed for the call
                // (`g(&[a, b])`, `g(&(x * 2.0))`): a zeroed buffer.
                None if computed.held != Held::Value => {
                    let val = &computed.val;
                    let dk = self.pooled("zero_in", quote!(&#val), out);
                    let d = match computed.kind {
                        NodeKind::List(_) | NodeKind::Splat(_) => quote!((*#dk)),
                        _ => quote!(::core::clone::Clone::clone(&*#dk)),
                    };
                    scalars.push((k, d));
                    Some(quote!(*#dk))
                }
                None => {
                    let at = arg_spans.get(k).copied().unwrap_or(span);
                    let dk = self.names.fresh_at("d", at);
                    let zero = crate::reverse::zero();
                    out.extend(quote!(let mut #dk = #zero;));
                    scalars.push((k, quote!(#dk)));
                    Some(quote!(#dk))
                }
            };
            buffers.push(match adjoint {
                None => quote!(::core::option::Option::None),
                Some(a) => {
                    // Located at the argument, in the hygiene of the
                    // generated names, so an error points at the argument.
                    let at = proc_macro2::Span::mixed_site()
                        .located_at(arg_spans.get(k).copied().unwrap_or(span));
                    quote_spanned!(at=> ::autodiff::__private::as_buffer(&mut #a))
                }
            });
        }
        let vals = call_args(children, false);
        let seed = quote!(::autodiff::__private::seed(&#d));
        out.extend(match split {
            Some((reverse, pb)) => quote_spanned!(span=>
                #reverse(#pb, #(#vals,)* #seed, #(#buffers),*);
            ),
            None => quote_spanned!(span=>
                #pullback(#(#vals,)* #seed, #(#buffers),*);
            ),
        });
        out.extend(scratches);
        for (k, dk) in scalars {
            self.pullback(&children[k], dk, out);
        }
    }

    /// The buffer a call argument passes whole (`&v`, `&v[i]`, a copy, or
    /// a vector by value), whose adjoint the callee adds into.
    pub(crate) fn whole<'n>(&self, arg: &'n Node) -> Option<&'n Node> {
        match &arg.kind {
            NodeKind::Ref(inner) | NodeKind::Copy(inner) => Some(inner),
            NodeKind::Var(v) if self.f.vars[*v].shape != Shape::Scalar => Some(arg),
            _ => None,
        }
    }
}

/// A call's arguments. A temporary passed by value is cloned when it is
/// needed again: in the forward sweep, a copy or list (`g(x.to_vec())`,
/// `g([a, b])`) is passed again to the call's pullback; in either sweep, an
/// operator's vector result (`g(x * 2.0)`) is read by its own rule after.
/// `again`: the call's pullback still takes the arguments after this call.
pub fn call_args(children: &[Node], again: bool) -> Vec<TokenStream> {
    (children.iter())
        .map(|c| {
            let v = &c.val;
            let temporary = matches!(
                c.kind,
                NodeKind::Copy(_) | NodeKind::List(_) | NodeKind::Splat(_)
            );
            if (temporary && again) || (!temporary && c.held == Held::Owned) {
                quote!(::core::clone::Clone::clone(&#v))
            } else {
                quote!(#v)
            }
        })
        .collect()
}

/// The seed of the left operand of `left op right` along a linear path.
pub fn left_seed(op: BinOp, seed: &Option<TokenStream>) -> Option<TokenStream> {
    match op {
        BinOp::Add | BinOp::Sub => seed.clone(),
        _ => None,
    }
}

/// How many times `ident` occurs in `tokens`.
pub fn mentions(tokens: &TokenStream, ident: &Ident) -> usize {
    tokens
        .clone()
        .into_iter()
        .map(|t| match t {
            proc_macro2::TokenTree::Ident(i) => usize::from(&i == ident),
            proc_macro2::TokenTree::Group(g) => mentions(&g.stream(), ident),
            _ => 0,
        })
        .sum()
}
