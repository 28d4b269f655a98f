//! Which overwrites the reverse sweep must undo.
//!
//! `activity` says which variables the reverse sweep reads (*needed*). That
//! is a property of the whole function; an overwrite only has to be saved
//! and restored if a statement whose reverse code runs *after* the restore
//! reads the variable: a statement before the overwrite, or any statement of
//! a loop around it (an earlier iteration's). A reader after the overwrite
//! has had its reverse code run already.
//!
//! ```text
//! for j in 0..d { c[j] = x[j] - m[j]; }    // nothing before reads `c`:
//! for j in 0..d { s += c[j] * c[j]; }      //   `c[j]` is not taped
//! ```
//!
//! Statements are numbered in program order; a variable's *first read* is
//! the first statement whose reverse code reads it, and an overwrite is
//! undone if that read comes no later than the overwrite, or than the end of
//! the outermost loop around it.

use crate::activity::{active_reads, need_expr, Analysis};
use crate::ir::*;
use crate::replay::{replay, Replay};
use std::collections::{HashMap, HashSet};

/// The overwrites to save and restore, by the address of their value in the
/// IR, and the loops the reverse sweep replays (`replay`), by the address of
/// their iterator.
pub fn analyse(func: &Func, an: &Analysis) -> (HashSet<usize>, HashMap<usize, Replay>) {
    // A loop is replayed only if no reverse step after it needs its sums
    // as they were before it: the replay leaves them as they are.
    let standard = Order::run(func, an, &HashMap::new());
    let mut replayed = HashMap::new();
    visit(&func.body, &mut |s| {
        if let Stmt::For { iter, body, .. } = s {
            if let Some(r) = replay(func, an, iter, body) {
                let restored = body.iter().any(|s| {
                    s.assignment()
                        .is_some_and(|(v, e)| r.sums.contains(&v) && standard.contains(&key(e)))
                });
                if !restored {
                    replayed.insert(loop_key(iter), r);
                }
            }
        }
    });
    let saves = Order::run(func, an, &replayed);
    (saves, replayed)
}

/// The address of an assigned value, as `analyse` keys it.
pub fn key(value: &Expr) -> usize {
    value as *const Expr as usize
}

/// The address of a `for` loop's iterator, as `analyse` keys it.
pub fn loop_key(iter: &Iter) -> usize {
    iter as *const Iter as usize
}

struct Write {
    var: VarId,
    /// An element write (`v[i] = ..`): it keeps the length.
    element: bool,
    key: usize,
    /// The last statement whose reverse code may run after the restore.
    horizon: usize,
}

struct Order<'a> {
    func: &'a Func,
    an: &'a Analysis,
    replayed: &'a HashMap<usize, Replay>,
    next: usize,
    first_read: Vec<usize>,
    /// The first read of only a variable's length.
    first_shape_read: Vec<usize>,
    writes: Vec<Write>,
    /// Overwrites inside replayed and checkpointed loops that their own
    /// iteration restores.
    in_replay: HashSet<usize>,
    /// Scratch buffers of fused loops (`fuse::scratch`): no reverse step
    /// reads their old values, since each fused iteration's reverse code
    /// runs before the next one overwrites them.
    scratch: Vec<VarId>,
}

impl<'a> Order<'a> {
    fn run(
        func: &'a Func,
        an: &'a Analysis,
        replayed: &'a HashMap<usize, Replay>,
    ) -> HashSet<usize> {
        let mut o = Order {
            func,
            an,
            replayed,
            next: 0,
            first_read: vec![usize::MAX; func.vars.len()],
            first_shape_read: vec![usize::MAX; func.vars.len()],
            writes: Vec::new(),
            in_replay: HashSet::new(),
            scratch: an.fused.values().flat_map(|f| f.scratch.clone()).collect(),
        };
        o.block(&func.body, false);
        let mut saves = std::mem::take(&mut o.in_replay);
        saves.extend(o.restored(&o.writes));
        saves
    }

    /// The writes some reverse step reads the old value of.
    fn restored(&self, writes: &[Write]) -> Vec<usize> {
        writes
            .iter()
            .filter(|w| {
                let read = self.first_read[w.var];
                let shape = if w.element {
                    usize::MAX
                } else {
                    self.first_shape_read[w.var]
                };
                read.min(shape) <= w.horizon
            })
            .map(|w| w.key)
            .collect()
    }

    /// Records the reads of the statement at `at`, but those of `skip`.
    fn record(&mut self, reads: &[bool], shapes: &[bool], at: usize, skip: &[VarId]) {
        for v in (0..reads.len()).filter(|v| !skip.contains(v)) {
            if reads[v] {
                self.first_read[v] = self.first_read[v].min(at);
            }
            if shapes[v] {
                self.first_shape_read[v] = self.first_shape_read[v].min(at);
            }
        }
    }

    fn block(&mut self, b: &[Stmt], in_loop: bool) {
        for s in b {
            let at = self.next;
            self.next += 1;
            let (reads, shapes) = self.reverse_reads(s);
            self.record(&reads, &shapes, at, &[]);
            if let Some((var, value)) = s.assignment() {
                let saved = self.an.needed[var] && !self.scratch.contains(&var);
                if !matches!(s, Stmt::Push { .. }) && saved {
                    self.writes.push(Write {
                        var,
                        element: matches!(
                            s,
                            Stmt::Assign {
                                place: Place::Index(..),
                                ..
                            }
                        ),
                        key: key(value),
                        horizon: at,
                    });
                }
            }
            if let Stmt::For { iter, body, .. } = s {
                if let Some(r) = self.replayed.get(&loop_key(iter)) {
                    self.replayed_body(body, &r.carried);
                    continue;
                }
                if let Some(c) = self.an.checkpointed.get(&loop_key(iter)) {
                    self.checkpointed_body(at, body, &c.reads);
                    continue;
                }
            }
            let outermost = !in_loop && !matches!(s, Stmt::If { .. });
            let first_write = self.writes.len();
            for (inner, is_loop) in s.blocks() {
                self.block(inner, in_loop || is_loop);
            }
            if outermost {
                // Every iteration's reverse code runs after every restore in
                // a later iteration.
                let end = self.next - 1;
                for w in &mut self.writes[first_write..] {
                    w.horizon = end;
                }
            }
        }
    }

    /// A replayed body: each iteration's reverse code runs right after its
    /// forward code, so an overwrite is restored only for a reader before it
    /// in the body. The loop reads the constants it carries from its own
    /// save, not from the state around it.
    fn replayed_body(&mut self, body: &[Stmt], carried: &[VarId]) {
        let mut first = vec![usize::MAX; self.func.vars.len()];
        for s in body {
            let at = self.next;
            self.next += 1;
            let (reads, shapes) = self.reverse_reads(s);
            self.record(&reads, &shapes, at, carried);
            for v in 0..first.len() {
                if reads[v] || shapes[v] {
                    first[v] = first[v].min(at);
                }
            }
            if let Some((var, value)) = s.assignment() {
                if self.an.needed[var] && first[var] <= at {
                    self.in_replay.insert(key(value));
                }
            }
        }
    }

    /// A checkpointed body (`checkpoint`): each iteration's reverse code
    /// runs right after its forward code runs again, from the state the
    /// checkpoint restores, so the body is ordered as if it were a function
    /// of its own. From outside, it reads at the loop what it reads from
    /// outside (`reads`), but for the state it carries.
    fn checkpointed_body(&mut self, at: usize, body: &[Stmt], reads: &[VarId]) {
        let n = self.func.vars.len();
        let outer_reads = std::mem::replace(&mut self.first_read, vec![usize::MAX; n]);
        let outer_shapes = std::mem::replace(&mut self.first_shape_read, vec![usize::MAX; n]);
        let start = self.writes.len();
        self.block(body, false);
        let writes: Vec<Write> = self.writes.drain(start..).collect();
        let restored = self.restored(&writes);
        self.in_replay.extend(restored);
        self.first_read = outer_reads;
        self.first_shape_read = outer_shapes;
        for v in reads {
            self.first_read[*v] = self.first_read[*v].min(at);
        }
    }

    /// Variables whose values, and variables whose lengths only, the
    /// reverse code of `s` itself reads (not its blocks').
    fn reverse_reads(&self, s: &Stmt) -> (Vec<bool>, Vec<bool>) {
        let (an, vars) = (self.an, &self.func.vars);
        let mut needed = vec![false; vars.len()];
        let mut shapes = vec![false; vars.len()];
        active_reads(s, an, vars, &mut needed, &mut shapes);
        match s {
            Stmt::Let {
                var, init: Some(e), ..
            } => {
                if an.recompute[*var] {
                    need_expr(e, true, an, &mut needed);
                }
                // A buffer declared in a loop sizes its adjoint by itself.
                shapes[*var] |=
                    an.active[*var] && vars[*var].shape != Shape::Scalar && vars[*var].ctx.in_loop;
            }
            Stmt::If { cond, .. } if an.reevaluate(cond) => {
                cond.reads.iter().for_each(|v| needed[*v] = true);
            }
            Stmt::For { iter, .. } => {
                if let Some(r) = &iter.range {
                    for v in r.lo.reads.iter().chain(&r.hi.reads) {
                        needed[*v] = true;
                    }
                }
            }
            _ => {}
        }
        (needed, shapes)
    }
}

/// What the reverse code names when it writes an active statement out again,
/// beyond the values its rules read: indices (a stale one could be out of
/// bounds) and vectors and matrices, by their lengths (an operation on
/// vectors of different lengths panics). A stale scalar operand is computed
/// with and thrown away. Returns the values and the lengths read.
pub fn named(e: &Expr, vars: &[Var]) -> (Vec<VarId>, Vec<VarId>) {
    let (mut values, mut shapes) = (Vec::new(), Vec::new());
    e.each(&mut |x| match x {
        Expr::Var(v, _) if vars[*v].shape != Shape::Scalar => shapes.push(*v),
        Expr::Index(v, idx) => {
            shapes.push(*v);
            values.extend(idx.iter().flat_map(|p| &p.reads));
        }
        Expr::Opaque(p, _) | Expr::Empty(p) => values.extend(&p.reads),
        _ => {}
    });
    (values, shapes)
}
