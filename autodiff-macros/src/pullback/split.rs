//! `forward` and `reverse` split around a closure: the forward sweep runs,
//! and what the reverse sweep reads goes into a boxed closure that takes
//! the arguments again. Also the `forward_kept`/`reverse_kept` names the
//! calls of a fused iteration use (`kept_aliases`), and which functions
//! can be split at all.

use super::{buffer_types, Pieces};
use crate::ir::{
    visit, AssignOp, CopyKind, Expr, Func, Origin, Passive, Place, Shape, Stmt, VarId,
};
use crate::names::Names;
use crate::parts::Parts;
use crate::reverse::mentions;
use crate::signature::Signature;
use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// `forward` and `reverse` around the sweeps of `parts`, if the reverse
/// sweep can run later from what the closure captures and the arguments
/// passed again.
#[allow(clippy::too_many_arguments)]
pub(super) fn split(
    func: &syn::ItemFn,
    sig: &Signature,
    f: &Func,
    parts: &Parts,
    prologue: &TokenStream,
    seed: &Ident,
    buffers: &[Ident],
    wrt: &[bool],
    names: &mut Names,
    pair: [&str; 2],
    hoisted: impl Fn(usize) -> bool,
) -> Option<TokenStream> {
    // A local that may borrow from an argument cannot outlive this call.
    let Parts {
        fields,
        forward,
        reverse,
        value,
    } = parts;
    let borrows = f.vars.iter().enumerate().any(|(i, v)| {
        v.field.is_none()
            && matches!(v.origin, Origin::Local | Origin::Result)
            && (v.maybe_ref || v.is_reference() || !owns(f, i, 0))
            && mentions(reverse, &v.ident) > 0
    });
    if borrows {
        return None;
    }
    // The value leaves with the caller; the closure keeps a copy if it
    // reads it.
    let read_later = f
        .vars
        .iter()
        .any(|v| mentions(value, &v.ident) > 0 && mentions(reverse, &v.ident) > 0);
    let result = names.fresh("result");
    let value = match (read_later, syn::parse2::<Ident>(value.clone())) {
        (false, _) => value.clone(),
        (true, Ok(v)) => quote!(::core::clone::Clone::clone(&#v)),
        (true, Err(_)) => return None,
    };
    let p = Pieces::new(func, sig, wrt);
    let (name, args) = (p.name, &p.args);
    let pullback_ty = boxed_pullback(sig, wrt);
    let pb = names.fresh("pullback");
    let kept = names.fresh("kept");
    let forward_head = p.forward_head(pair[0], &pullback_ty);
    let reverse_head = p.reverse_head(pair[1], &pb, &pullback_ty, seed, buffers);
    let closure_params = p.reverse_params(seed, buffers);
    // The closure's body moves the variables it captured into its own
    // locals: a captured counter would otherwise be stored back to the
    // closure at every step of a loop, where its locals stay in registers.
    let captured: Vec<VarId> = (0..f.vars.len())
        .filter(|&i| {
            let v = &f.vars[i];
            let local = v.field.is_none() && matches!(v.origin, Origin::Local | Origin::Result);
            local && hoisted(i) && mentions(reverse, &v.ident) > 0
        })
        .collect();
    // A buffer the forward code moves out (`g(r)` by value) is not there to
    // capture: the closure would rerun the call instead.
    let buffer = |i: VarId| {
        matches!(f.vars[i].shape, Shape::Array(_) | Shape::Matrix) && !f.vars[i].fixed_array
    };
    if captured
        .iter()
        .any(|&i| buffer(i) && !crate::reverse::never_moved(f, i))
    {
        return None;
    }
    let captured = captured.iter().map(|&i| &f.vars[i].ident);
    let unpack = quote!(#(let mut #captured = #captured;)*);
    Some(quote! {
        #[inline]
        #forward_head {
            let ::core::option::Option::Some(#kept) = ::autodiff::__private::keep_pullback() else {
                return (
                    #name(#(#args),*),
                    ::std::boxed::Box::new(|#closure_params| {
                        let _ = Self::pullback(#(#args,)* #seed, #(#buffers),*);
                    }),
                );
            };
            #fields
            #forward
            let #result = #value;
            (#result, ::std::boxed::Box::new(move |#closure_params| {
                let _ = &#kept;
                #unpack
                #prologue
                #fields
                #reverse
            }))
        }

        #[inline]
        #reverse_head {
            #pb(#(#args,)* #seed, #(#buffers),*)
        }
    })
}

/// Whether the local `v` surely owns its value, so that a closure may keep
/// it past the call: a scalar, a declared type without references, or
/// whole values that are fresh buffers or copies of owned ones. A slice
/// parameter's `.clone()` is the reference, not a copy.
fn owns(f: &Func, v: VarId, depth: usize) -> bool {
    let var = &f.vars[v];
    if var.shape == Shape::Scalar || var.origin == Origin::Result {
        return true;
    }
    if let Some(ty) = &var.ty {
        return !quote!(#ty).to_string().contains('&');
    }
    let owned_expr = |e: &Expr| match e {
        // A differentiated function returns no reference.
        Expr::Splat { .. } | Expr::List { .. } | Expr::Empty(_) | Expr::Call(_) => true,
        Expr::Copy(_, CopyKind::Owned, _) => true,
        Expr::Copy(inner, _, _) => match **inner {
            // An element of a buffer of buffers, cloned.
            Expr::Index(..) => true,
            Expr::Var(u, _) => match f.vars[u].origin {
                Origin::Param(_) => !f.vars[u].is_reference() && !f.vars[u].maybe_ref,
                Origin::Local => depth < 8 && owns(f, u, depth + 1),
                _ => false,
            },
            _ => false,
        },
        _ => false,
    };
    let mut all = true;
    visit(&f.body, &mut |s| match s {
        Stmt::Let { var, init: Some(e) } if *var == v => all &= owned_expr(e),
        Stmt::Assign {
            place: Place::Var(w),
            value,
            ..
        } if *w == v => all &= owned_expr(value),
        _ => {}
    });
    all
}

/// The type of a split pullback: a boxed closure taking the arguments
/// again, the seed and the buffers.
pub(super) fn boxed_pullback(sig: &Signature, wrt: &[bool]) -> TokenStream {
    let tys = sig.params.iter().map(|p| &p.ty);
    let seed_ty = sig.seed_type();
    let buf_tys = buffer_types(sig, wrt);
    quote!(::std::boxed::Box<dyn ::core::ops::FnOnce(#(#tys,)* #seed_ty, #(#buf_tys),*)>)
}

/// `forward_kept` and `reverse_kept` as `forward` and `reverse`, whose
/// pullback (of type `pb_ty`) already keeps what the reverse sweep reads,
/// or is cheaper than keeping it (a preaccumulated one).
pub(super) fn kept_aliases(
    func: &syn::ItemFn,
    sig: &Signature,
    seed: &Ident,
    buffers: &[Ident],
    wrt: &[bool],
    pb: &Ident,
    pb_ty: TokenStream,
) -> TokenStream {
    let p = Pieces::new(func, sig, wrt);
    let (args, tf) = (&p.args, &p.turbofish);
    let forward_head = p.forward_head("forward_kept", &pb_ty);
    let reverse_head = p.reverse_head("reverse_kept", pb, &pb_ty, seed, buffers);
    quote! {
        #[inline(always)]
        #forward_head {
            Self::forward #tf (#(#args),*)
        }

        #[inline(always)]
        #reverse_head {
            Self::reverse #tf (#pb, #(#args,)* #seed, #(#buffers),*)
        }
    }
}

/// Whether `f` calls a differentiated function. Only such functions are
/// split: a leaf is cheaper to run again (its pullback inlines, and nothing
/// of it stays allocated until the reverse sweep), while running a caller
/// again would run its callees again too, once more per level of calls.
pub(super) fn calls_others(f: &Func) -> bool {
    let mut found = false;
    crate::ir::visit(&f.body, &mut |s| {
        let mut check =
            |e: &crate::ir::Expr| e.each(&mut |x| found |= matches!(x, crate::ir::Expr::Call(_)));
        match s {
            Stmt::Let { init: Some(e), .. }
            | Stmt::Assign { value: e, .. }
            | Stmt::Push { value: e, .. }
            | Stmt::Eval(e) => check(e),
            _ => {}
        }
    });
    found
}

/// `f` with its body wrapped in `if true { .. }`.
pub(super) fn as_branch(f: &Func) -> Func {
    let mut vars = f.vars.clone();
    for v in &mut vars {
        v.ctx.nested = true;
    }
    // The result is declared before the branch, where it is returned.
    let (mut body, mut then_b) = (Vec::new(), Vec::new());
    for s in &f.body {
        match s {
            Stmt::Let { var, init } if f.vars[*var].origin == Origin::Result => {
                body.push(Stmt::Let {
                    var: *var,
                    init: None,
                });
                if let Some(e) = init {
                    then_b.push(Stmt::Assign {
                        place: Place::Var(*var),
                        op: AssignOp::Set,
                        value: e.clone(),
                        span: proc_macro2::Span::call_site(),
                    });
                }
            }
            _ => then_b.push(s.clone()),
        }
    }
    body.push(Stmt::If {
        cond: Passive {
            expr: syn::parse_quote!(true),
            reads: Vec::new(),
        },
        then_b,
        else_b: Vec::new(),
    });
    Func {
        vars,
        body,
        result: f.result,
        outputs: f.outputs.clone(),
        exit_flag: f.exit_flag,
    }
}

/// Whether the returned closure can be free of the arguments' lifetimes:
/// no lifetimes, `impl` types, `&mut` or `mut` parameters, and an owned
/// result.
pub(super) fn splittable_signature(func: &syn::ItemFn) -> bool {
    // The closure is boxed as `dyn FnOnce + 'static`, which a generic type
    // might not be.
    if !func.sig.generics.params.is_empty() {
        return false;
    }
    let plain_params = func.sig.inputs.iter().all(|a| match a {
        syn::FnArg::Typed(t) => {
            matches!(&*t.pat, syn::Pat::Ident(i) if i.mutability.is_none() && i.by_ref.is_none())
                && !borrows_or_hides(&quote!(#t), true)
        }
        syn::FnArg::Receiver(_) => false,
    });
    let out = &func.sig.output;
    plain_params && !borrows_or_hides(&quote!(#out), false)
}

/// Whether `tokens` name a lifetime, an `impl` type, or a reference
/// (`&mut` only, if `shared_ok`).
fn borrows_or_hides(tokens: &TokenStream, shared_ok: bool) -> bool {
    let mut prev_amp = false;
    for t in tokens.clone() {
        let hit = match &t {
            proc_macro2::TokenTree::Punct(p) if p.as_char() == '\'' => true,
            proc_macro2::TokenTree::Punct(p) if p.as_char() == '&' && !shared_ok => true,
            proc_macro2::TokenTree::Ident(i) if i == "impl" || i == "dyn" => true,
            proc_macro2::TokenTree::Ident(i) if i == "mut" && prev_amp => true,
            proc_macro2::TokenTree::Group(g) => borrows_or_hides(&g.stream(), shared_ok),
            _ => false,
        };
        if hit {
            return true;
        }
        prev_amp = matches!(&t, proc_macro2::TokenTree::Punct(p) if p.as_char() == '&');
    }
    false
}
