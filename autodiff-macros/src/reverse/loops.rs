//! Loops: a `for` over a range runs backwards in the reverse sweep (forwards
//! when its iterations' reverse code commutes, see `commute`); other
//! loops count their trips (and record their indices) so the reverse sweep
//! runs the body as often, last iteration first.
//!
//! An adjoint element that a loop's reverse sweep only adds to, at an index
//! the loop does not change, is summed in a local and added once after the
//! loop: rustc cannot keep it in a register itself, since the adjoint may
//! alias the other buffers the loop writes.
//!
//! ```text
//! for row in (c + 1..d).rev() {        let mut sum = -0.0;
//!     ..                               for row in (c + 1..d).rev() {
//!     e_adj[c] += d2;          ->          ..
//! }                                        sum += d2;
//!                                      }
//!                                      e_adj[c] += sum;
//! ```

use super::{mentions, Gen, Replaying, Store, Sweeps};
use crate::checkpoint::Checkpoint;
use crate::fuse::Fusion;
use crate::ir::*;
use crate::replay::Replay;
use crate::restores;
use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// The adjoint elements a loop's reverse sweep sums in locals.
pub struct Promotion {
    /// Variables the loop changes: an index that reads one is not fixed.
    changed: Vec<Ident>,
    /// Variables the loop assigns: their adjoints are read in it.
    assigned: Vec<VarId>,
    /// Each promoted element and the local that sums it.
    sums: Vec<(TokenStream, Ident)>,
}

impl Gen<'_> {
    /// The local summing the adjoint element `target` of `v` in the
    /// innermost loop, if that loop only adds to it.
    pub fn promoted(&mut self, v: VarId, target: &TokenStream) -> Option<Ident> {
        let frame = self.promotions.last()?;
        if frame.assigned.contains(&v) || frame.changed.iter().any(|i| mentions(target, i) > 0) {
            return None;
        }
        let key = target.to_string();
        if let Some((_, sum)) = frame.sums.iter().find(|(t, _)| t.to_string() == key) {
            return Some(sum.clone());
        }
        let sum = self.names.fresh("sum");
        let frame = self.promotions.last_mut()?;
        frame.sums.push((target.clone(), sum.clone()));
        Some(sum)
    }

    /// Generates a loop with `generate`, summing in locals the adjoint
    /// elements its reverse sweep only adds to.
    fn promoting(
        &mut self,
        var: Option<VarId>,
        body: &[Stmt],
        generate: impl FnOnce(&mut Self) -> Sweeps,
    ) -> Sweeps {
        let mut assigned: Vec<VarId> = var.into_iter().collect();
        visit(body, &mut |s| match s {
            Stmt::For { var: Some(v), .. } => assigned.push(*v),
            _ => assigned.extend(s.assignment().map(|(v, _)| v)),
        });
        let changed = assigned
            .iter()
            .map(|v| self.f.vars[*v].ident.clone())
            .collect();
        self.promotions.push(Promotion {
            changed,
            assigned,
            sums: Vec::new(),
        });
        let mut sw = generate(self);
        let sums = self.promotions.pop().map(|p| p.sums).unwrap_or_default();
        if !sums.is_empty() {
            let (targets, locals): (Vec<_>, Vec<_>) = sums.into_iter().unzip();
            let (rev, zero) = (sw.rev, super::zero());
            sw.rev = quote!({
                #(let mut #locals = #zero;)*
                #rev
                #(#targets += #locals;)*
            });
        }
        sw
    }

    pub(super) fn for_loop(
        &mut self,
        var: Option<VarId>,
        iter: &Iter,
        body: &[Stmt],
        ctx: Ctx,
    ) -> Sweeps {
        self.in_loop(|gen| gen.any_for_loop(var, iter, body, ctx))
    }

    fn any_for_loop(&mut self, var: Option<VarId>, iter: &Iter, body: &[Stmt], ctx: Ctx) -> Sweeps {
        if self.primal {
            return self.primal_loop(var, iter, body);
        }
        if let Some(c) = self.an.checkpointed.get(&restores::loop_key(iter)) {
            return self.checkpointed_loop(var, iter, body, c);
        }
        // A fused loop's reverse code is in its forward sweep: no promotion.
        if let (Some(fusion), Some(seed)) = (
            self.an.fused.get(&restores::loop_key(iter)),
            self.result_seed.clone(),
        ) {
            return self.fused_loop(var, iter, body, ctx, fusion, seed);
        }
        self.promoting(var, body, |gen| gen.for_loop_sweeps(var, iter, body, ctx))
    }

    fn for_loop_sweeps(
        &mut self,
        var: Option<VarId>,
        iter: &Iter,
        body: &[Stmt],
        ctx: Ctx,
    ) -> Sweeps {
        if let Some(replay) = self.an.replayed.get(&restores::loop_key(iter)) {
            return self.replayed_loop(var, iter, body, ctx, replay);
        }
        let inner = Ctx::LOOP;
        let it = self.passive_tokens(&iter.expr);
        let i = self.loop_var(var);
        self.loop_tapes.push(Vec::new());
        let (b, frame) = self.framed_body(body);
        let mut tapes = self.loop_tapes.pop().unwrap_or_default();
        tapes.extend(frame);
        let (bf, br) = (b.fwd, b.rev);
        if self.an.reversible_range(iter, body) {
            let order_free =
                self.replaying.is_none() && crate::commute::commutes(self.f, self.an, var, body);
            let Some(rev_iter) = self.reversed(iter, order_free) else {
                return Sweeps::default();
            };
            let fwd = self.reserved_loop(&i, it, &tapes, quote!(#bf));
            let rev = if br.is_empty() {
                br
            } else if order_free && !tapes.is_empty() {
                // Each tape holds one value per iteration, the last
                // iteration's on top: turned over, they pop oldest first.
                let it = self.names.fresh("iter");
                quote!({
                    let #it = #rev_iter;
                    #(#tapes.reverse_last(::autodiff::__private::trip_count(&#it));)*
                    for #i in #it { #br }
                })
            } else {
                quote!(for #i in #rev_iter { #br })
            };
            return Sweeps { fwd, rev };
        }
        // Early exits or a stepped range: record the indices and the count.
        let n = self.names.fresh("trips");
        let idx_tape = var.map(|_| {
            let s = self.store(inner, "index");
            if let Store::Tape(t) = &s {
                tapes.push(t.clone());
            }
            s
        });
        let push_idx = idx_tape.as_ref().map(|s| s.save(quote!(#i)));
        let load_idx = idx_tape.as_ref().map(|s| {
            let l = s.load();
            quote!(let #i = #l;)
        });
        let count = self.store(ctx, "trips");
        let save_n = count.save(quote!(#n));
        let load_n = count.load();
        let looped = self.reserved_loop(&i, it, &tapes, quote!(#n += 1; #push_idx #bf));
        let fwd = quote!(let mut #n: usize = 0; #looped #save_n);
        let rev = quote!(for _ in 0..#load_n { #load_idx #br });
        Sweeps { fwd, rev }
    }

    /// The range of a `for` loop, backwards, or as written if its
    /// iterations' reverse code commutes (`commute`).
    fn reversed(&self, iter: &Iter, order_free: bool) -> Option<TokenStream> {
        let r = iter.range.as_ref()?;
        let (lo, hi) = (self.passive_tokens(&r.lo), self.passive_tokens(&r.hi));
        let range = if r.inclusive {
            quote!(#lo..=#hi)
        } else {
            quote!(#lo..#hi)
        };
        Some(if r.reversed == order_free {
            quote!((#range).rev())
        } else {
            range
        })
    }

    /// A loop whose reverse sweep replays each iteration (`replay`): the
    /// forward sweep saves only the constants it carries, once.
    fn replayed_loop(
        &mut self,
        var: Option<VarId>,
        iter: &Iter,
        body: &[Stmt],
        ctx: Ctx,
        replay: &Replay,
    ) -> Sweeps {
        let it = self.passive_tokens(&iter.expr);
        let i = self.loop_var(var);
        let flag = self.names.fresh("replaying");
        let outer = self.replaying.replace(Replaying {
            flag: flag.clone(),
            sums: replay.sums.clone(),
            kept: Vec::new(),
        });
        let b = self.block(body, Ctx::ITERATION);
        let kept = std::mem::replace(&mut self.replaying, outer).map_or(Vec::new(), |r| r.kept);
        let (bf, br) = (b.fwd, b.rev);
        let carried = self.tuple(&replay.carried);
        // Inside a fused iteration the replay follows at once: keeping each
        // iteration's carried constants there costs one iteration's worth of
        // tape, and the replay needs no chain of `power *= t` to find them.
        let keep_carried = ctx.iteration && !replay.carried.is_empty();
        let (mut tapes, mut keep, mut read) = (kept, TokenStream::new(), TokenStream::new());
        if keep_carried {
            let tape = self.names.fresh("carried");
            self.decls
                .extend(quote!(let mut #tape = ::autodiff::__private::ReplayTape::new();));
            keep = quote!(#tape.keep(#carried););
            read = quote!(#carried = #tape.read(););
            tapes.push(tape);
        }
        let forward = if tapes.is_empty() {
            quote!(for #i in #it { #bf })
        } else {
            let iter = self.names.fresh("iter");
            quote!({
                let #iter = #it;
                #(#tapes.open(::autodiff::__private::trip_count(&#iter));)*
                for #i in #iter { #keep #bf }
            })
        };
        // The replay reads what this run of the loop kept, oldest first.
        let iter = self.names.fresh("iter");
        let start = quote! {
            let #iter = #it;
            #(#tapes.rewind(::autodiff::__private::trip_count(&#iter));)*
        };
        let finish = quote!(#(#tapes.finish();)*);
        if replay.carried.is_empty() {
            return Sweeps {
                fwd: quote!(let #flag = false; #forward),
                rev: quote!({ let #flag = true; #start for #i in #iter { #bf #br } #finish }),
            };
        }
        let store = self.store(ctx, "entry");
        let save = store.save(carried.clone());
        let load = store.load();
        let (entry, next) = (self.names.fresh("entry"), self.names.fresh("next"));
        Sweeps {
            fwd: quote!(#save let #flag = false; #forward),
            rev: quote!({
                let #flag = true;
                let #entry = #load;
                #carried = #entry;
                #start
                for #i in #iter {
                    #read
                    #bf
                    let #next = #carried;
                    #br
                    #carried = #next;
                }
                #finish
                #carried = #entry;
            }),
        }
    }

    /// The plain loop, for a checkpointed body's forward sweep.
    fn primal_loop(&mut self, var: Option<VarId>, iter: &Iter, body: &[Stmt]) -> Sweeps {
        let it = self.passive_tokens(&iter.expr);
        let i = self.loop_var(var);
        let b = self.block(body, Ctx::LOOP).fwd;
        Sweeps {
            fwd: quote!(for #i in #it { #b }),
            rev: TokenStream::new(),
        }
    }

    /// A loop whose reverse sweep runs each iteration again from the state
    /// the forward sweep saved before it (`checkpoint`): the forward sweep
    /// is the plain body; each reverse iteration restores the state, runs
    /// the body's forward code, sizes the adjoints of the buffers it
    /// declares to their new values, and runs its reverse code.
    fn checkpointed_loop(
        &mut self,
        var: Option<VarId>,
        iter: &Iter,
        body: &[Stmt],
        c: &Checkpoint,
    ) -> Sweeps {
        let Some(rev_iter) = self.reversed(iter, false) else {
            return Sweeps::default();
        };
        let it = self.passive_tokens(&iter.expr);
        let i = self.loop_var(var);
        self.primal = true;
        let primal = self.block(body, Ctx::ITERATION).fwd;
        self.primal = false;
        let outer = self.replaying.take();
        let presized = std::mem::replace(&mut self.presized, c.buffers.clone());
        let b = self.block(body, Ctx::ITERATION);
        self.presized = presized;
        self.replaying = outer;
        let (bf, br) = (b.fwd, b.rev);
        let sized = c.buffers.iter().map(|v| {
            let (id, adj) = (self.ident(*v), self.adj(*v));
            quote!(::autodiff::__private::reset_like(&mut #adj, &#id);)
        });
        let sized = quote!(#(#sized)*);
        if c.carried.is_empty() {
            return Sweeps {
                fwd: quote!(for #i in #it { #primal }),
                rev: quote!(for #i in #rev_iter { #bf #sized #br }),
            };
        }
        let saved = c.carried.iter().map(|v| {
            let id = self.ident(*v);
            if self.f.vars[*v].shape == Shape::Scalar {
                id
            } else {
                quote!(::autodiff::__private::snapshot(&#id))
            }
        });
        let saved = quote!((#(#saved,)*));
        let carried = self.tuple(&c.carried);
        let tape = self.names.fresh("checkpoints");
        self.decls
            .extend(quote!(let mut #tape = ::autodiff::__private::Tape::new();));
        let (iter, before) = (self.names.fresh("iter"), self.names.fresh("before"));
        // Running an iteration again leaves the state it carries as the
        // iteration left it: after the first iteration's reverse code, the
        // state from before the loop is put back for what precedes it.
        Sweeps {
            fwd: quote!({
                let #iter = #it;
                #tape.reserve(::autodiff::__private::trip_count(&#iter));
                for #i in #iter { #tape.push(#saved); #primal }
            }),
            rev: quote!({
                let mut #before = ::core::option::Option::None;
                for #i in #rev_iter {
                    #carried = #tape.pop();
                    if #tape.is_empty() {
                        #before = ::core::option::Option::Some(#saved);
                    }
                    #bf #sized #br
                }
                if let ::core::option::Option::Some(#before) = #before {
                    #carried = #before;
                }
            }),
        }
    }

    /// A loop whose iterations run their reverse code right after their
    /// forward code (`fuse`), from the adjoints of its sums: `seed` times
    /// their factors.
    fn fused_loop(
        &mut self,
        var: Option<VarId>,
        iter: &Iter,
        body: &[Stmt],
        ctx: Ctx,
        fusion: &Fusion,
        seed: TokenStream,
    ) -> Sweeps {
        let it = self.passive_tokens(&iter.expr);
        let i = self.loop_var(var);
        let mut start = TokenStream::new();
        let mut outer_adjoints = Vec::new();
        for (v, factor) in &fusion.sums {
            let a = self.names.fresh(&format!("{}_adj", self.f.vars[*v].ident));
            let value = crate::fuse::scaled(&seed, *factor);
            start.extend(quote!(let #a = #value;));
            outer_adjoints.push((*v, self.adjoints[*v].replace(quote!(#a))));
        }
        let outer = self.replaying.take();
        let sums = fusion.sums.iter().map(|(v, _)| *v).collect();
        let outer_sums = std::mem::replace(&mut self.fused_sums, sums);
        let outer_joint = std::mem::replace(&mut self.joint, fusion.joint.clone());
        let presized = std::mem::replace(&mut self.presized, fusion.buffers.clone());
        let keep_calls = std::mem::replace(&mut self.keep_calls, true);
        let b = self.block(body, Ctx::ITERATION);
        self.keep_calls = keep_calls;
        self.presized = presized;
        self.joint = outer_joint;
        self.fused_sums = outer_sums;
        self.replaying = outer;
        for (v, a) in outer_adjoints {
            self.adjoints[v] = a;
        }
        // The buffers' adjoints take their shapes once the forward code
        // ran; a joint call sized those it was given already.
        let sized_by_calls: Vec<VarId> = fusion.joint.values().flatten().copied().collect();
        let sized = fusion
            .buffers
            .iter()
            .filter(|v| !sized_by_calls.contains(v))
            .map(|v| {
                let (id, adj) = (self.ident(*v), self.adj(*v));
                quote!(::autodiff::__private::reset_like(&mut #adj, &#id);)
            });
        let (bf, rev) = (b.fwd, b.rev);
        let br = quote!(#(#sized)* #rev);
        if fusion.carried.is_empty() {
            return Sweeps {
                fwd: quote!(#start for #i in #it { #bf #br }),
                rev: TokenStream::new(),
            };
        }
        // The reverse code restores the carried constants: they go on from
        // their values at the end of the iteration, and the reverse sweep
        // finds them as they were before the loop.
        let carried = self.tuple(&fusion.carried);
        let store = self.store(ctx, "entry");
        let (save, load) = (store.save(carried.clone()), store.load());
        let next = self.names.fresh("next");
        Sweeps {
            fwd: quote! {
                #start
                #save
                for #i in #it {
                    #bf
                    let #next = #carried;
                    #br
                    #carried = #next;
                }
            },
            rev: quote!(#carried = #load;),
        }
    }

    /// `(a, b,)`: the variables as one tuple, to save or assign at once.
    fn tuple(&self, vars: &[VarId]) -> TokenStream {
        let ids = vars.iter().map(|v| self.ident(*v));
        quote!((#(#ids,)*))
    }

    /// The pattern a `for` binds: its index, or `_`.
    fn loop_var(&self, var: Option<VarId>) -> TokenStream {
        match var {
            Some(v) => self.ident(v),
            None => quote!(_),
        }
    }

    /// `for i in it { body }`, reserving each tape the body pushes to for the
    /// loop's trip count first.
    fn reserved_loop(
        &mut self,
        i: &TokenStream,
        it: TokenStream,
        tapes: &[Ident],
        body: TokenStream,
    ) -> TokenStream {
        if tapes.is_empty() {
            return quote!(for #i in #it { #body });
        }
        let iter = self.names.fresh("iter");
        quote!({
            let #iter = #it;
            #(#tapes.reserve(::autodiff::__private::trip_count(&#iter));)*
            for #i in #iter { #body }
        })
    }

    pub(super) fn counted_loop(
        &mut self,
        wrap: impl FnOnce(TokenStream) -> TokenStream,
        body: &[Stmt],
        ctx: Ctx,
    ) -> Sweeps {
        if self.primal {
            let b = self.in_loop(|gen| gen.block(body, Ctx::LOOP).fwd);
            return Sweeps {
                fwd: wrap(b),
                rev: TokenStream::new(),
            };
        }
        self.in_loop(|gen| {
            gen.promoting(None, body, |gen| gen.counted_loop_sweeps(wrap, body, ctx))
        })
    }

    fn counted_loop_sweeps(
        &mut self,
        wrap: impl FnOnce(TokenStream) -> TokenStream,
        body: &[Stmt],
        ctx: Ctx,
    ) -> Sweeps {
        let inner = Ctx::LOOP;
        self.loop_tapes.push(Vec::new());
        let b = self.block(body, inner);
        self.loop_tapes.pop();
        let n = self.names.fresh("trips");
        let (bf, br) = (b.fwd, b.rev);
        let count = self.store(ctx, "trips");
        let save_n = count.save(quote!(#n));
        let load_n = count.load();
        let looped = wrap(quote!(#n += 1; #bf));
        Sweeps {
            fwd: quote!(let mut #n: usize = 0; #looped #save_n),
            rev: quote!(for _ in 0..#load_n { #br }),
        }
    }
}
