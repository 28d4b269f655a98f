//! The two sweeps. Each statement yields its forward code (the primal, plus
//! saving what it overwrites and recording the branch it takes) and its
//! reverse code (restoring what it overwrote and propagating adjoints); a
//! block's reverse code is its statements' reverse code in reverse order.
//!
//! ```text
//! for i in 0..n {            forward:  for i in 0..n { s += x[i] * x[i]; }
//!     s += x[i] * x[i];      reverse:  for i in (0..n).rev() {
//! }                                        let d = s_adj;
//!                                          let t = x[i] * x[i];
//!                                          let (d1, d2) = rules::mul(&x[i], &x[i], &t, d);
//!                                          d_x[i] += d1; d_x[i] += d2;
//!                                      }
//! ```
//!
//! Values the reverse sweep reads are there because of three mechanisms,
//! chosen per variable by `activity`: a statement at the top of the function
//! keeps its intermediate values in locals the reverse sweep still sees;
//! inside blocks they are recomputed from restored state; overwritten values
//! that are needed are saved in a local, a slot, or a tape inside loops
//! (one per loop body for what its top level saves: `frame`).

mod adjoints;
pub(crate) use adjoints::zero;
mod calls;
mod frame;
mod kept;
mod loops;
mod renew;
mod saves;
mod store;
pub use store::Store;

pub use calls::{call_args, left_seed, mentions, CallMode, CallSite};
use kept::Replaying;
pub(crate) use renew::never_moved;

use crate::activity::Analysis;
use crate::anf::{Held, Node};
use crate::diagnostics::Diagnostics;
use crate::exits;
use crate::ir::*;
use crate::names::Names;
use proc_macro2::{Ident, TokenStream};
use quote::quote;

pub struct Gen<'a> {
    pub f: &'a Func,
    pub an: &'a Analysis,
    pub names: &'a mut Names,
    pub diag: &'a mut Diagnostics,
    /// Function-level declarations: hoisted variables, slots, tapes.
    pub decls: TokenStream,
    /// Adjoint of each variable, where it has one.
    pub adjoints: Vec<Option<TokenStream>>,
    /// Tapes created inside each enclosing loop, to reserve before it runs.
    loop_tapes: Vec<Vec<Ident>>,
    /// Per enclosing loop, innermost last: the frame its body's top-level
    /// saves share, if it has one (`frame::Frame`).
    frames: Vec<Option<frame::Frame>>,
    /// How calls to differentiated functions are emitted right now.
    pub call_mode: CallMode,
    /// Calls in nested statements whose pullbacks the forward sweep keeps,
    /// by the address of their `Call` in the IR.
    pub call_sites: std::collections::HashMap<usize, CallSite>,
    /// The call sites of the statement being replayed.
    statement_sites: Vec<usize>,
    /// In a replayed loop body: what its forward code needs to know.
    replaying: Option<Replaying>,
    /// Results nested statements keep for their replay, by the address of
    /// their `Prim` in the IR (`kept`).
    kept_sites: std::collections::HashMap<usize, Store>,
    /// The adjoint of the returned value, when it is a scalar seed: fused
    /// loops (`fuse`) start from it.
    pub result_seed: Option<TokenStream>,
    /// The loops being generated, innermost last: where an adjoint element
    /// the loop only adds to is summed in a local (`loops::Promotion`).
    promotions: Vec<loops::Promotion>,
    /// Forward code left out (`prune`).
    pub prune: crate::prune::Pruned,
    /// The statement being generated writes a dead variable: its forward
    /// code keeps its temporaries, not the write.
    dead_store: bool,
    /// When set, the statements whose reverse code reads what their forward
    /// code defines are noted here (`prune`).
    pub entangled: Option<Entangled>,
    /// Only the primal code is wanted: a checkpointed loop's forward sweep.
    primal: bool,
    /// Buffers whose adjoints a checkpointed iteration sizes before its
    /// reverse code runs, so their `let`s move the adjoint out.
    presized: Vec<VarId>,
    /// The statement left out of both sweeps (by address): the copy of a
    /// seeded result (`parts::seeded_copy`), written by `parts` itself.
    pub skip: Option<usize>,
    /// In a fused iteration: the sums whose adjoints are known, and the
    /// calls that run with their seed (`fuse::joint_calls`).
    fused_sums: Vec<VarId>,
    joint: std::collections::HashMap<usize, Vec<VarId>>,
    /// In a fused iteration, whose pullbacks live until it ends: calls keep
    /// what their reverse sweeps read (`Call::forward_kept`).
    keep_calls: bool,
    /// The cotangent of the expression `anf` splits next, when the forward
    /// code knows it (a joint call's seed).
    pub linear_seed: Option<TokenStream>,
}

/// What ties a statement's reverse code to its forward code.
#[derive(Default)]
pub struct Entangled {
    /// The names in adjoints: forward code that names one (a fused loop)
    /// is reverse code too.
    pub adjoints: std::collections::HashSet<String>,
    /// Per statement (by address), the names both its forward and its
    /// reverse code use; only those the sweeps created (temporaries, tapes)
    /// tie them, which `emit` sorts out at the end.
    pub shared: Vec<(usize, std::collections::HashSet<String>)>,
}

/// Forward and reverse code of one statement or block.
#[derive(Default)]
pub struct Sweeps {
    pub fwd: TokenStream,
    pub rev: TokenStream,
}

impl<'a> Gen<'a> {
    pub fn new(
        f: &'a Func,
        an: &'a Analysis,
        names: &'a mut Names,
        diag: &'a mut Diagnostics,
    ) -> Self {
        Gen {
            f,
            an,
            names,
            diag,
            decls: TokenStream::new(),
            adjoints: vec![None; f.vars.len()],
            loop_tapes: Vec::new(),
            frames: Vec::new(),
            call_mode: CallMode::Plain,
            call_sites: std::collections::HashMap::new(),
            statement_sites: Vec::new(),
            replaying: None,
            kept_sites: std::collections::HashMap::new(),
            result_seed: None,
            promotions: Vec::new(),
            prune: Default::default(),
            dead_store: false,
            entangled: None,
            primal: false,
            presized: Vec::new(),
            keep_calls: false,
            skip: None,
            fused_sums: Vec::new(),
            joint: std::collections::HashMap::new(),
            linear_seed: None,
        }
    }

    pub fn ident(&self, v: VarId) -> TokenStream {
        let i = &self.f.vars[v].ident;
        quote!(#i)
    }

    pub fn adj(&self, v: VarId) -> TokenStream {
        match &self.adjoints[v] {
            Some(t) => t.clone(),
            None => quote!(compile_error!("internal: missing adjoint")),
        }
    }

    pub fn block(&mut self, b: &[Stmt], ctx: Ctx) -> Sweeps {
        let mut fwd = TokenStream::new();
        let mut revs = Vec::new();
        // Stable values of a nested block are recomputed at the top of its
        // reverse code, before anything reads them.
        let mut recompute = TokenStream::new();
        for s in b {
            if let Stmt::Let {
                var, init: Some(e), ..
            } = s
            {
                if ctx.nested && self.an.recompute[*var] {
                    let (v, e) = (self.ident(*var), self.print(e));
                    recompute.extend(quote!(#v = #e;));
                    // Its adjoint takes this run's shape: another iteration's
                    // buffer may have had another length.
                    self.size_adjoint(*var, &mut recompute);
                }
            }
            let key = crate::prune::key(s);
            self.dead_store = self.prune.stores.contains(&key);
            let sw = self.stmt(s, ctx);
            self.dead_store = false;
            if let Some(t) = &mut self.entangled {
                let (mut f, mut r) = (Default::default(), Default::default());
                crate::prune::idents(&sw.fwd, &mut f);
                crate::prune::idents(&sw.rev, &mut r);
                let mut shared: std::collections::HashSet<String> =
                    f.intersection(&r).cloned().collect();
                // An adjoint in forward code ties it whatever it is named.
                shared.extend(f.intersection(&t.adjoints).map(|_| String::new()));
                t.shared.push((key, shared));
            }
            if !self.prune.whole.contains(&key) {
                fwd.extend(sw.fwd);
            }
            revs.push(sw.rev);
        }
        let mut rev = recompute;
        rev.extend(revs.into_iter().rev());
        Sweeps { fwd, rev }
    }

    pub fn stmt(&mut self, s: &Stmt, ctx: Ctx) -> Sweeps {
        if self.skip == Some(s as *const Stmt as usize) {
            return Sweeps::default();
        }
        match s {
            Stmt::Let { var, init, .. } => self.let_stmt(*var, init.as_ref(), ctx),
            Stmt::Assign {
                place,
                op,
                value,
                span,
            } => {
                let mut sw = self.assign(place, *op, value, ctx);
                let rev = sw.rev;
                sw.rev = quote::quote_spanned!(*span=> #rev);
                sw
            }
            Stmt::Push { var, value } => self.push(*var, value, ctx),
            Stmt::Eval(e) => {
                let macro_call =
                    matches!(e, Expr::Opaque(p, _) if matches!(p.expr, syn::Expr::Macro(_)));
                let e = self.print(e);
                Sweeps {
                    fwd: if macro_call {
                        quote!(#e;)
                    } else {
                        quote!(let _ = #e;)
                    },
                    rev: TokenStream::new(),
                }
            }
            Stmt::If {
                cond,
                then_b,
                else_b,
            } => self.if_stmt(cond, then_b, else_b, ctx),
            Stmt::For { var, iter, body } => self.for_loop(*var, iter, body, ctx),
            Stmt::While { cond, body } => {
                let c = self.passive_tokens(cond);
                self.counted_loop(|body| quote!(while #c { #body }), body, ctx)
            }
            Stmt::Loop { body } => self.counted_loop(|body| quote!(loop { #body }), body, ctx),
            Stmt::Break => Sweeps {
                fwd: quote!(break;),
                rev: TokenStream::new(),
            },
            // After `exits`, a `continue` that still jumps ends the loop body:
            // it has nothing left to skip.
            Stmt::Continue => Sweeps::default(),
            Stmt::Flag(code) => {
                let flag = self.exit_flag();
                Sweeps {
                    fwd: quote!(#flag = #code;),
                    rev: TokenStream::new(),
                }
            }
            Stmt::ExitDispatch => {
                let flag = self.exit_flag();
                let (c, b) = (exits::CONTINUE, exits::BREAK);
                let fwd = quote! {
                    if #flag != 0 {
                        if #flag == #c { #flag = 0; } else { if #flag == #b { #flag = 0; } break; }
                    }
                };
                Sweeps {
                    fwd,
                    rev: TokenStream::new(),
                }
            }
            Stmt::Return(_, span) => {
                self.diag
                    .error_at(*span, "internal error: unlowered `return`");
                Sweeps::default()
            }
        }
    }

    fn exit_flag(&self) -> TokenStream {
        match self.f.exit_flag {
            Some(v) => self.ident(v),
            None => quote!(compile_error!("internal: missing exit flag")),
        }
    }

    /// Forward and reverse of `place op value`, shared by `let` and assignment.
    fn assignment(
        &mut self,
        place: &Place,
        op: AssignOp,
        value: &Expr,
        ctx: Ctx,
        is_let: bool,
        fwd_store: impl FnOnce(TokenStream) -> TokenStream,
    ) -> Sweeps {
        let v = place.var();
        // A replay adds to a sum once more: it skips the addition.
        let skip = match &self.replaying {
            Some(r) if ctx.iteration && r.sums.contains(&v) => Some(r.flag.clone()),
            _ => None,
        };
        let dead = std::mem::take(&mut self.dead_store);
        let swappable = !is_let && !dead && skip.is_none();
        let plain_store = move |value| {
            if dead {
                return TokenStream::new();
            }
            let store = fwd_store(value);
            match &skip {
                Some(flag) => quote!(if !#flag { #store }),
                None => store,
            }
        };
        if self.primal {
            return Sweeps {
                fwd: plain_store(self.print(value)),
                rev: TokenStream::new(),
            };
        }
        let (save, restore, swap) = self.save_restore(place, value, ctx, (is_let, swappable), op);
        let fwd_store = move |value| match &swap {
            Some(swap) => swap.store(value),
            None => plain_store(value),
        };
        let active_target = self.an.active[v];
        let mut fwd = save;
        let mut rev = TokenStream::new();
        if !active_target {
            fwd.extend(fwd_store(self.print(value)));
            rev.extend(restore);
            return Sweeps { fwd, rev };
        }
        let reset = op == AssignOp::Set && (ctx.in_loop || ctx.iteration || !is_let);
        // A buffer's adjoint takes the shape of the value it is the adjoint
        // of: a buffer declared in a loop has the previous iteration's back,
        // a reassigned one the value restored before it, maybe another length.
        let whole = op == AssignOp::Set
            && matches!(place, Place::Var(_))
            && self.f.vars[v].shape != Shape::Scalar;
        let resize = whole && is_let && ctx.in_loop;
        let reassigned = whole && !is_let && !restore.is_empty();
        let presized = whole && is_let && self.presized.contains(&v);
        let var = &self.f.vars[v];
        let moved = (resize || reassigned || presized)
            && matches!(var.shape, Shape::Array(_) | Shape::Matrix)
            && !var.fixed_array;
        let restore = if op == AssignOp::Set {
            self.resized_restore(place, restore, reassigned)
        } else {
            restore
        };
        // A buffer or row overwritten whole, whose old value is not restored.
        let old_len = (op == AssignOp::Set && reset && !moved && restore.is_empty() && !is_let)
            .then(|| self.old_length(place, ctx, &mut fwd))
            .flatten();
        if !self.an.expr_active(value) {
            // A constant value: its adjoint only ends here.
            fwd.extend(fwd_store(self.print(value)));
            if reset {
                self.reset_adjoint(place, old_len.as_ref(), &mut rev);
            }
            rev.extend(restore);
            if resize {
                let (id, adj) = (self.ident(v), self.adj(v));
                rev.extend(quote!(::autodiff::__private::reset_like(&mut #adj, &#id);));
            }
            return Sweeps { fwd, rev };
        }
        // A `let`'s adjoint sized again is lent to a call's seed or a copy
        // rather than copied into a pool, which would keep a copy of each
        // such buffer alive for the whole function (an ODE step's stages),
        // or moved out, which would allocate it again.
        let by_ref = op == AssignOp::Set && adjoints::borrowed(value);
        let take = adjoints::Take {
            reset,
            moved,
            borrowed: by_ref && !(is_let && moved),
            lent: by_ref && is_let && moved,
            old_len,
        };
        let d = self.take_adjoint(place, take, &mut rev);
        rev.extend(restore);
        let mut fwd_store = Some(fwd_store);
        let node: Node = if ctx.nested {
            self.replay(value, op == AssignOp::Set, ctx, &mut rev)
        } else {
            let fwd_store = fwd_store.take().expect("the forward store runs once");
            // A fused sum's adjoint is known in the forward code already.
            if ctx.iteration && op != AssignOp::Set && self.fused_sums.contains(&v) {
                if let Place::Var(_) = place {
                    let a = self.adj(v);
                    self.linear_seed = Some(match op {
                        AssignOp::Sub => quote!((-#a)),
                        _ => a,
                    });
                }
            }
            let mut node = self.split_calls(value, &mut fwd);
            self.linear_seed = None;
            if node.held == Held::Owned && op == AssignOp::Set {
                // A vector or matrix moves into its variable. Assigned only
                // here, the variable keeps the value for the reverse sweep,
                // which reads it there; otherwise the variable gets a copy.
                if let (Place::Var(v), 1) = (place, self.f.vars[v].assignments) {
                    fwd.extend(fwd_store(node.val.clone()));
                    node.val = self.ident(*v);
                } else {
                    let val = &node.val;
                    fwd.extend(fwd_store(quote!(::autodiff::__private::snapshot(&#val))));
                }
            } else if node.held == Held::Owned {
                // `y += t`: borrowed, since the reverse sweep reads `t`.
                let val = &node.val;
                fwd.extend(fwd_store(quote!(&#val)));
            } else {
                fwd.extend(fwd_store(node.val.clone()));
            }
            node
        };
        let d = match op {
            AssignOp::Sub => {
                let n = self.names.fresh("d");
                rev.extend(quote!(let #n = -#d;));
                quote!(#n)
            }
            _ => d,
        };
        self.pullback(&node, d, &mut rev);
        if resize {
            // The buffer of the previous iteration is back: size its adjoint.
            let (id, adj) = (self.ident(v), self.adj(v));
            rev.extend(quote!(::autodiff::__private::reset_like(&mut #adj, &#id);));
        }
        if let Some(fwd_store) = fwd_store {
            // Nested: the forward sweep keeps what the replay takes back.
            let value = self.record(value, &rev);
            fwd.extend(fwd_store(value));
        }
        Sweeps {
            fwd,
            rev: quote!({ #rev }),
        }
    }

    fn let_stmt(&mut self, var: VarId, init: Option<&Expr>, ctx: Ctx) -> Sweeps {
        let info = &self.f.vars[var];
        let id = info.ident.clone();
        let hoisted = self.an.hoisted[var];
        let ty = info.ty.as_ref().map(|t| quote!(: #t));
        if info.origin == Origin::Result && init.is_none() {
            return Sweeps {
                fwd: quote!(let mut #id #ty = ::core::default::Default::default();),
                rev: TokenStream::new(),
            };
        }
        if hoisted && !self.primal {
            // `[e; N]` keeps its length; `Default` stops at 32 elements.
            let start = match init {
                Some(Expr::Splat {
                    array: true, len, ..
                }) => {
                    let len = self.passive_tokens(len);
                    quote!([::core::default::Default::default(); #len])
                }
                _ => quote!(::core::default::Default::default()),
            };
            self.decls.extend(quote!(let mut #id #ty = #start;));
        }
        let Some(init) = init else {
            // A needed value is saved before each assignment, so it must
            // start initialised.
            // A value the reverse code reads, maybe under a condition rustc
            // cannot match with the forward code's, starts initialised too.
            let fwd = if hoisted {
                TokenStream::new()
            } else if self.an.needed[var] || self.an.referenced[var] {
                quote!(let mut #id #ty = ::core::default::Default::default();)
            } else {
                quote!(let mut #id #ty;)
            };
            return Sweeps {
                fwd,
                rev: TokenStream::new(),
            };
        };
        let mutable = info.assignments > 1;
        let mutability = if mutable {
            quote!(mut)
        } else {
            TokenStream::new()
        };
        if hoisted && !self.primal && !self.an.expr_active(init) {
            if let Some(renew) = self.renew(var, init, ctx) {
                return self
                    .assignment(&Place::Var(var), AssignOp::Set, init, ctx, true, |_| renew);
            }
        }
        self.assignment(
            &Place::Var(var),
            AssignOp::Set,
            init,
            ctx,
            true,
            move |value| {
                if hoisted {
                    quote!(#id = #value;)
                } else {
                    quote!(let #mutability #id #ty = #value;)
                }
            },
        )
    }

    fn assign(&mut self, place: &Place, op: AssignOp, value: &Expr, ctx: Ctx) -> Sweeps {
        let target = self.place_tokens(place);
        let sym = match op {
            AssignOp::Set => quote!(=),
            AssignOp::Add => quote!(+=),
            AssignOp::Sub => quote!(-=),
        };
        // `s = s * x` is written back as `s *= x`, as the user wrote it.
        if let (AssignOp::Set, Expr::Bin(bop @ (BinOp::Mul | BinOp::Div), a, b, _)) = (op, value) {
            // Not with a call or a kept result: their forward code comes from
            // the whole value.
            // Nor for a vector `v = &v * &v`: `v *= &v` borrows `v` twice.
            let mut reads_itself = false;
            b.each(&mut |x| {
                reads_itself |=
                    matches!(x, Expr::Var(w, _) | Expr::Index(w, _) if *w == place.var());
            });
            let twice = reads_itself && self.f.vars[place.var()].shape.is_tensor();
            if reads_place(a, place) && !b.has_call() && !b.keeps_results() && !twice {
                let sym = if *bop == BinOp::Mul {
                    quote!(*=)
                } else {
                    quote!(/=)
                };
                // Borrowed if a vector: `v *= &w` leaves `w` for the reverse
                // sweep.
                let rhs = self.print_borrowed(b);
                let store = move |_| quote!(#target #sym #rhs;);
                return self.assignment(place, op, value, ctx, false, store);
            }
        }
        let store = move |value| quote!(#target #sym #value;);
        self.assignment(place, op, value, ctx, false, store)
    }

    fn push(&mut self, var: VarId, value: &Expr, ctx: Ctx) -> Sweeps {
        let id = self.ident(var);
        let mut rev = TokenStream::new();
        let mut fwd = TokenStream::new();
        let restore = if self.an.needed[var] {
            quote!(#id.pop();)
        } else {
            TokenStream::new()
        };
        if !self.an.active[var] || self.primal {
            let v = self.print(value);
            return Sweeps {
                fwd: quote!(#id.push(#v);),
                rev: restore,
            };
        }
        let d = self.names.fresh("d");
        let adj = self.adj(var);
        rev.extend(quote!(let #d = ::autodiff::__private::pop_adjoint(&mut #adj);));
        rev.extend(restore);
        let node = if ctx.nested {
            self.replay(value, true, ctx, &mut rev)
        } else {
            let node = self.split_calls(value, &mut fwd);
            let v = &node.val;
            fwd.extend(quote!(#id.push(#v);));
            node
        };
        self.pullback(&node, quote!(#d), &mut rev);
        if ctx.nested {
            let v = self.record(value, &rev);
            fwd.extend(quote!(#id.push(#v);));
        }
        Sweeps {
            fwd,
            rev: quote!({ #rev }),
        }
    }

    fn if_stmt(&mut self, cond: &Passive, then_b: &[Stmt], else_b: &[Stmt], ctx: Ctx) -> Sweeps {
        let inner = ctx.branch();
        let c = self.passive_tokens(cond);
        // A branch's saves are not once per iteration: not the frame's.
        let frame = self.frames.last_mut().and_then(Option::take);
        let t = self.block(then_b, inner);
        let e = self.block(else_b, inner);
        if let Some(top) = self.frames.last_mut() {
            *top = frame;
        }
        let (tf, tr, ef, er) = (t.fwd, t.rev, e.fwd, e.rev);
        // `if c { ..; break; } else { rest }` is written `if c { ..; break; } rest`.
        let then_jumps = matches!(then_b.last(), Some(Stmt::Break));
        let else_f = match (ef.is_empty(), then_jumps) {
            (true, _) => TokenStream::new(),
            (false, true) => ef.clone(),
            (false, false) => quote!(else { #ef }),
        };
        if matches!(&cond.expr, syn::Expr::Lit(l) if matches!(&l.lit, syn::Lit::Bool(b) if b.value))
            && else_b.is_empty()
        {
            // `if true`: nothing to record.
            return Sweeps {
                fwd: quote!({ #tf }),
                rev: quote!({ #tr }),
            };
        }
        if tr.is_empty() && er.is_empty() {
            // Nothing to undo in either branch: no need to know which ran.
            return Sweeps {
                fwd: quote!(if #c { #tf } #else_f),
                rev: TokenStream::new(),
            };
        }
        let (pre, fwd_cond, rev_cond) = if ctx.in_loop && self.an.reevaluate(cond) {
            (TokenStream::new(), c.clone(), c)
        } else {
            let store = self.store(ctx, "branch");
            match &store {
                Store::Local(b) => (quote!(let #b: bool = #c;), quote!(#b), quote!(#b)),
                Store::Slot(_) | Store::Tape(_) | Store::Frame(_) => {
                    let b = self.names.fresh("taken");
                    let save = store.save(quote!(#b));
                    (quote!(let #b: bool = #c; #save), quote!(#b), store.load())
                }
            }
        };
        let else_r = if er.is_empty() {
            TokenStream::new()
        } else {
            quote!(else { #er })
        };
        Sweeps {
            fwd: quote!(#pre if #fwd_cond { #tf } #else_f),
            rev: quote!(if #rev_cond { #tr } #else_r),
        }
    }
}

/// Whether `e` reads exactly `place` (`s` for `s`, `v[i]` for `v[i]`).
fn reads_place(e: &Expr, place: &Place) -> bool {
    let same = |a: &[Passive], b: &[Passive]| {
        a.len() == b.len()
            && a.iter().zip(b).all(|(a, b)| {
                let (a, b) = (&a.expr, &b.expr);
                quote!(#a).to_string() == quote!(#b).to_string()
            })
    };
    match (e, place) {
        (Expr::Var(w, _), Place::Var(v)) => w == v,
        (Expr::Index(w, i), Place::Index(v, j)) => w == v && same(i, j),
        _ => false,
    }
}
