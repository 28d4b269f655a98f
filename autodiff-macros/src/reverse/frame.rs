//! One tape per loop: the values a loop body saves once per iteration, at
//! its top level, are the fields of one tuple the iteration pushes at its
//! end and the reverse iteration pops at its start. An iteration then costs
//! one tape entry, not one per saved value, and a body that saves several
//! (a gate's call and its old value, say) allocates one tape, not several.
//!
//! ```text
//! for j in 0..b {                    for j in 0..b {
//!     a_saved.push(a);                   let a_saved; let calls;
//!     a = { let (v, pb) = g(..);         a_saved = a;
//!           calls.push(pb); v };         a = { let (v, pb) = g(..); calls = pb; v };
//!     ..                                 ..
//! }                                      frame.push((a_saved, calls));
//!                                    }
//! reverse: a = a_saved.pop();        reverse: let (a_saved, calls) = frame.pop();
//!          g::reverse(calls.pop(), ..)        a = a_saved; g::reverse(calls, ..)
//! ```
//!
//! Saves in a branch or an inner loop are not once per iteration: they keep
//! their own tapes. A body that can leave early (`break`, `continue`,
//! `return`) has no frame, since its end may not be reached.

use super::{Gen, Sweeps};
use crate::ir::*;
use proc_macro2::Ident;
use quote::quote;

/// The fields of a loop body's frame, in the order they are saved.
pub struct Frame {
    pub fields: Vec<Ident>,
}

impl Gen<'_> {
    /// The sweeps of a loop `body`, its top-level saves in one frame: the
    /// frame's tape, if any, is to be reserved with the loop's other tapes.
    pub(super) fn framed_body(&mut self, body: &[Stmt]) -> (Sweeps, Option<Ident>) {
        let framed = !leaves_early(body);
        if let Some(top) = self.frames.last_mut() {
            *top = framed.then(|| Frame { fields: Vec::new() });
        }
        let b = self.block(body, Ctx::LOOP);
        let frame = self.frames.last_mut().and_then(Option::take);
        let fields = frame.map(|f| f.fields).unwrap_or_default();
        if fields.is_empty() {
            return (b, None);
        }
        let tape = self.names.fresh("frame");
        self.decls
            .extend(quote!(let mut #tape = ::autodiff::__private::Tape::new();));
        let (bf, br) = (b.fwd, b.rev);
        let sweeps = Sweeps {
            fwd: quote!(#(let #fields;)* #bf #tape.push((#(#fields,)*));),
            rev: quote!(let (#(#fields,)*) = #tape.pop(); #br),
        };
        (sweeps, Some(tape))
    }

    /// Runs `generate` for a loop, whose body has a frame only if
    /// `framed_body` gives it one: saves of this loop's body never go to an
    /// enclosing loop's frame.
    pub(super) fn in_loop<T>(&mut self, generate: impl FnOnce(&mut Self) -> T) -> T {
        self.frames.push(None);
        let out = generate(self);
        self.frames.pop();
        out
    }
}

/// Whether `body` has a `break`, `continue` or `return`, at any depth.
fn leaves_early(body: &[Stmt]) -> bool {
    let mut exits = false;
    visit(body, &mut |s| {
        exits |= matches!(
            s,
            Stmt::Break | Stmt::Continue | Stmt::Return(..) | Stmt::Flag(_) | Stmt::ExitDispatch
        );
    });
    exits
}
