//! The pullback companion: what other differentiated functions call.
//!
//! A caller cannot see `g`'s body or signature, and its own activity decides
//! which of `g`'s arguments carry gradients. So next to `g` goes a hidden
//! braced struct of the same name (it lives in the type namespace, where it
//! does not clash with the function, and `use m::g` imports both) whose
//! `pullback` differentiates with respect to every float parameter, each with
//! an optional buffer:
//!
//! ```text
//! #[differentiate(wrt(x))]          struct g {}
//! fn g(x: f64, v: &[f64],           impl g {
//!      n: usize) -> f64 { .. }          fn pullback(x: f64, v: &[f64], n: usize, seed: f64,
//!                                                   d_x: Option<&mut f64>,
//!                                                   d_v: Option<&mut [f64]>,
//!                                                   d_n: Option<&mut NoGradient>) -> f64 {
//!                                           <forward sweep> <reverse sweep>
//!                                           if let Some(b) = d_x { *b += x_adj; }
//!                                           value
//!                                       }
//!                                   }
//! ```
//!
//! Callers use it split in two (`reverse::CallMode`): `forward` runs `g`'s
//! forward sweep and returns the value with a closure holding what the
//! reverse sweep reads; `reverse` runs that closure, so no part of `g` runs
//! twice (JAX's `vjp`, Enzyme's augmented forward pass):
//!
//! ```text
//! impl g {
//!     fn forward(x: f64, v: &[f64], n: usize)
//!         -> (f64, Box<dyn FnOnce(f64, &[f64], usize, f64, Option<&mut f64>, ..)>) {
//!         <forward sweep>
//!         (value, Box::new(move |x, v, n, seed, d_x, d_v, d_n| { <reverse sweep> }))
//!     }
//!     fn reverse(pb: Box<dyn FnOnce(..)>, x: f64, v: &[f64], n: usize, seed: f64, ..) {
//!         pb(x, v, n, seed, ..)
//!     }
//! }
//! ```
//!
//! The closure takes the arguments again rather than capturing them, so the
//! caller may overwrite what it passed by reference before its reverse sweep
//! (it restores them); it is boxed so that recursive and mutually recursive
//! functions have finite types. Only functions that call differentiated
//! functions are split (see `calls_others`). The others, and those whose
//! closure could not be `'static` (generic, `&mut` or `mut` parameters, a
//! local that borrows from an argument), are checkpointed: `forward` only
//! runs `g`, and `reverse` runs `pullback`, which runs `g`'s forward sweep
//! again, as in Tapenade's joint mode.
//!
//! Every companion also has `forward_kept` and `reverse_kept`, which the
//! calls of a fused iteration (`fuse`) use: there a pullback lives only
//! until the iteration ends, so a leaf is split too (its closure keeps what
//! its reverse sweep reads, within the same budget of kept pullbacks), and
//! its forward sweep runs once instead of twice. Elsewhere they are
//! `forward` and `reverse` under another name.

use crate::activity::{self, Analysis};
use crate::diagnostics::Diagnostics;
use crate::emit::{check_buffer, check_rules, generated_allows};
use crate::ir::{AssignOp, Func, Origin, Passive, Place, Stmt};
use crate::names::Names;
use crate::parts::{parts, Parts, Want};
use crate::reverse::mentions;
use crate::signature::{Kind, Signature};
use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// The struct and its `pullback`.
pub fn companion(
    func: &syn::ItemFn,
    sig: &Signature,
    f: &Func,
    public: &Analysis,
    names: &mut Names,
    diag: &mut Diagnostics,
) -> TokenStream {
    // Every float parameter, unless one of them reaches an operation without
    // a derivative rule: then the public `wrt` (which is known to work), and
    // the others get no buffer, so a caller with an active argument there is
    // a compile error rather than a wrong gradient.
    let every = sig.float_inputs();
    let all = activity::analyse(f, &every);
    let mut probe = Diagnostics::default();
    check_rules(f, &all, &mut probe);
    let (an, wrt) = if probe.has_errors() {
        (public, sig.params.iter().map(|p| p.wrt).collect())
    } else {
        (&all, every)
    };
    let (seed, buffers) = seed_and_buffers(sig, names);
    let mut prologue = TokenStream::new();
    let mut epilogue = TokenStream::new();
    let mut param_adjoints = Vec::new();
    for ((p, b), on) in sig.params.iter().zip(&buffers).zip(&wrt) {
        let (true, Some((kind, _))) = (*on, &p.kind) else {
            param_adjoints.push(None);
            continue;
        };
        let pi = &p.ident;
        if let Kind::Scalar = kind {
            let a = names.fresh(&format!("{pi}_adj"));
            prologue.extend(quote!(let mut #a = 0.0;));
            epilogue.extend(quote!(if let ::core::option::Option::Some(#b) = #b { *#b += #a; }));
            param_adjoints.push(Some(quote!(#a)));
        } else {
            let scratch = names.fresh(&format!("{pi}_scratch"));
            prologue.extend(quote! {
                let mut #scratch = ::core::option::Option::None;
                let mut #b = ::autodiff::__private::buffer_or(#b, &mut #scratch, &#pi);
            });
            prologue.extend(check_buffer(kind, b, pi));
            param_adjoints.push(Some(quote!(#b)));
        }
    }
    // The function's own parts, with or without its value.
    let body = |names: &mut Names, diag: &mut Diagnostics, want: Want| {
        let epilogue = epilogue.clone();
        parts(
            sig,
            f,
            an,
            names,
            &seed,
            &param_adjoints,
            epilogue,
            diag,
            want,
        )
    };
    // `forward` and `reverse` named `pair`, the reverse sweep in a closure.
    let split_as = |names: &mut Names, pair: [&str; 2]| {
        if !splittable_signature(func) || probe.has_errors() {
            return None;
        }
        // The body as the one branch of an `if true`: the reverse sweep then
        // recomputes or restores what it reads from variables, so the
        // closure holds no temporary that borrows from an argument.
        let branch = as_branch(f);
        // `forward` runs before the seed exists: no loop is fused there.
        let branch_an = activity::analyse_with(&branch, &wrt, false);
        let mut quiet = Diagnostics::default();
        let split_parts = parts(
            sig,
            &branch,
            &branch_an,
            names,
            &seed,
            &param_adjoints,
            epilogue.clone(),
            &mut quiet,
            Want::Split,
        );
        if quiet.has_errors() {
            return None;
        }
        let hoisted = |v: usize| branch_an.hoisted[v];
        split(
            func,
            sig,
            &branch,
            &split_parts,
            &prologue,
            &seed,
            &buffers,
            &wrt,
            names,
            pair,
            hoisted,
        )
    };
    if calls_others(f) {
        if let Some(split) = split_as(names, ["forward", "reverse"]) {
            // Past the budget of kept pullbacks, `forward` falls back on
            // `pullback`, which runs the forward sweep again.
            let parts = body(names, diag, Want::Value);
            let pullback = pullback_fn(func, sig, &seed, &buffers, &wrt, &prologue, parts);
            let pb = names.fresh("pullback");
            let boxed = boxed_pullback(sig, &wrt);
            let aliases = kept_aliases(func, sig, &seed, &buffers, &wrt, &pb, boxed);
            return wrap(func, quote!(#pullback #split #aliases));
        }
    }
    let pullback = pullback_fn(
        func,
        sig,
        &seed,
        &buffers,
        &wrt,
        &prologue,
        body(names, diag, Want::Value),
    );
    // `reverse` discards the value: it runs only the forward code its
    // reverse sweep reads (`prune`). Errors are `pullback`'s to report.
    let reverse_only = |names: &mut Names| {
        let mut quiet = Diagnostics::default();
        let Parts {
            fields,
            forward,
            reverse,
            ..
        } = body(names, &mut quiet, Want::Gradient);
        let single = f.outputs == [f.result];
        (single && !quiet.has_errors()).then(|| quote!(#prologue #fields #forward #reverse))
    };
    // For a fused iteration's calls, a leaf is split too: what its reverse
    // sweep reads lives only until the iteration ends.
    let split_leaf = |names: &mut Names| split_as(names, ["forward_kept", "reverse_kept"]);
    let rerun = rerun(
        func,
        sig,
        &seed,
        &buffers,
        &wrt,
        names,
        false,
        reverse_only,
        split_leaf,
    );
    wrap(func, quote!(#pullback #rerun))
}

/// `pullback`: the forward and reverse sweeps in one call.
fn pullback_fn(
    func: &syn::ItemFn,
    sig: &Signature,
    seed: &Ident,
    buffers: &[Ident],
    wrt: &[bool],
    prologue: &TokenStream,
    parts: Parts,
) -> TokenStream {
    let Parts {
        fields,
        forward,
        reverse,
        value,
    } = parts;
    let head = head(func, sig, seed, buffers, wrt);
    quote!(#[inline] #head { #prologue #fields #forward #reverse #value })
}

/// `forward` and `reverse` around the sweeps of `parts`, if the reverse
/// sweep can run later from what the closure captures and the arguments
/// passed again.
#[allow(clippy::too_many_arguments)]
fn split(
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
    let borrows = f.vars.iter().any(|v| {
        v.field.is_none()
            && matches!(v.origin, Origin::Local | Origin::Result)
            && (v.maybe_ref || v.is_reference())
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
    let vis = &func.vis;
    let generics = &func.sig.generics;
    let where_clause = &generics.where_clause;
    let params = sig.typed_params();
    let args: Vec<&Ident> = sig.params.iter().map(|p| &p.ident).collect();
    let seed_ty = sig.seed_type();
    let buf_tys = buffer_types(sig, wrt);
    let pullback_ty = boxed_pullback(sig, wrt);
    let ret = return_type(func);
    let pb = names.fresh("pullback");
    let kept = names.fresh("kept");
    let name = &func.sig.ident;
    let [forward_fn, reverse_fn] = pair.map(|n| Ident::new(n, proc_macro2::Span::call_site()));
    // The closure's body moves the variables it captured into its own
    // locals: a captured counter would otherwise be stored back to the
    // closure at every step of a loop, where its locals stay in registers.
    let captured = f.vars.iter().enumerate().filter_map(|(i, v)| {
        let local = v.field.is_none() && matches!(v.origin, Origin::Local | Origin::Result);
        (local && hoisted(i) && mentions(reverse, &v.ident) > 0).then_some(&v.ident)
    });
    let unpack = quote!(#(let mut #captured = #captured;)*);
    Some(quote! {
        #[inline]
        #vis fn #forward_fn #generics (#(#params),*) -> (#ret, #pullback_ty) #where_clause {
            let ::core::option::Option::Some(#kept) = ::autodiff::__private::keep_pullback() else {
                return (
                    #name(#(#args),*),
                    ::std::boxed::Box::new(|#(#params,)* #seed: #seed_ty, #(#buffers: #buf_tys),*| {
                        let _ = Self::pullback(#(#args,)* #seed, #(#buffers),*);
                    }),
                );
            };
            #fields
            #forward
            let #result = #value;
            (#result, ::std::boxed::Box::new(move |#(#params,)* #seed: #seed_ty, #(#buffers: #buf_tys),*| {
                let _ = &#kept;
                #unpack
                #prologue
                #fields
                #reverse
            }))
        }

        #[inline]
        #vis fn #reverse_fn #generics (#pb: #pullback_ty, #(#params,)* #seed: #seed_ty, #(#buffers: #buf_tys),*) #where_clause {
            #pb(#(#args,)* #seed, #(#buffers),*)
        }
    })
}

/// The type of a split pullback: a boxed closure taking the arguments
/// again, the seed and the buffers.
fn boxed_pullback(sig: &Signature, wrt: &[bool]) -> TokenStream {
    let tys = sig.params.iter().map(|p| &p.ty);
    let seed_ty = sig.seed_type();
    let buf_tys = buffer_types(sig, wrt);
    quote!(::std::boxed::Box<dyn ::core::ops::FnOnce(#(#tys,)* #seed_ty, #(#buf_tys),*)>)
}

fn return_type(func: &syn::ItemFn) -> TokenStream {
    match &func.sig.output {
        syn::ReturnType::Type(_, t) => quote!(#t),
        syn::ReturnType::Default => quote!(()),
    }
}

/// `::<T, N>` for the type and const parameters of `func`, if any.
fn turbofish(func: &syn::ItemFn) -> Option<TokenStream> {
    let params: Vec<&Ident> = func
        .sig
        .generics
        .params
        .iter()
        .filter_map(|g| match g {
            syn::GenericParam::Type(t) => Some(&t.ident),
            syn::GenericParam::Const(c) => Some(&c.ident),
            syn::GenericParam::Lifetime(_) => None,
        })
        .collect();
    (!params.is_empty()).then(|| quote!(::<#(#params),*>))
}

/// `forward_kept` and `reverse_kept` as `forward` and `reverse`, whose
/// pullback (of type `pb_ty`) already keeps what the reverse sweep reads,
/// or is cheaper than keeping it (a preaccumulated one).
fn kept_aliases(
    func: &syn::ItemFn,
    sig: &Signature,
    seed: &Ident,
    buffers: &[Ident],
    wrt: &[bool],
    pb: &Ident,
    pb_ty: TokenStream,
) -> TokenStream {
    let vis = &func.vis;
    let generics = &func.sig.generics;
    let where_clause = &generics.where_clause;
    let params = sig.typed_params();
    let args: Vec<&Ident> = sig.params.iter().map(|p| &p.ident).collect();
    let seed_ty = sig.seed_type();
    let buf_tys = buffer_types(sig, wrt);
    let ret = return_type(func);
    let tf = turbofish(func);
    quote! {
        #[inline(always)]
        #vis fn forward_kept #generics (#(#params),*) -> (#ret, #pb_ty) #where_clause {
            Self::forward #tf (#(#args),*)
        }

        #[inline(always)]
        #vis fn reverse_kept #generics (#pb: #pb_ty, #(#params,)* #seed: #seed_ty, #(#buffers: #buf_tys),*) #where_clause {
            Self::reverse #tf (#pb, #(#args,)* #seed, #(#buffers),*)
        }
    }
}

/// Whether `f` calls a differentiated function. Only such functions are
/// split: a leaf is cheaper to run again (its pullback inlines, and nothing
/// of it stays allocated until the reverse sweep), while running a caller
/// again would run its callees again too, once more per level of calls.
fn calls_others(f: &Func) -> bool {
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
fn as_branch(f: &Func) -> Func {
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
fn splittable_signature(func: &syn::ItemFn) -> bool {
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

/// `forward` and `reverse` for a function whose calls are checkpointed:
/// `forward` runs it, `reverse` runs what `reverse_body` generates (the
/// sweeps without the forward code only the value needs, `prune`; asked for
/// only when the function is not preaccumulated) or else `pullback`. After
/// errors (`stub`) both only stand in, so callers see no follow-on errors.
#[allow(clippy::too_many_arguments)]
fn rerun(
    func: &syn::ItemFn,
    sig: &Signature,
    seed: &Ident,
    buffers: &[Ident],
    wrt: &[bool],
    names: &mut Names,
    stub: bool,
    reverse_body: impl FnOnce(&mut Names) -> Option<TokenStream>,
    kept: impl FnOnce(&mut Names) -> Option<TokenStream>,
) -> TokenStream {
    let vis = &func.vis;
    let name = &func.sig.ident;
    let generics = &func.sig.generics;
    let where_clause = &generics.where_clause;
    let params = sig.typed_params();
    let args: Vec<&Ident> = sig.params.iter().map(|p| &p.ident).collect();
    let seed_ty = sig.seed_type();
    let buf_tys = buffer_types(sig, wrt);
    let turbofish = turbofish(func);
    let ret = return_type(func);
    let pb = names.fresh("pullback");
    if !stub {
        if let Some((pair, pb_ty)) = preaccumulated(func, sig, seed, buffers, wrt, &pb, names) {
            let aliases = kept_aliases(func, sig, seed, buffers, wrt, &pb, pb_ty);
            return quote!(#pair #aliases);
        }
    }
    let run = if stub {
        quote!(::core::panic!(
            "`#[differentiate]` reported errors for this function"
        ))
    } else {
        quote!((#name #turbofish (#(#args),*), ()))
    };
    let reverse_body = reverse_body(names)
        .unwrap_or_else(|| quote!(let _ = Self::pullback(#(#args,)* #seed, #(#buffers),*);));
    let kept = match kept(names) {
        Some(pair) => pair,
        None => kept_aliases(func, sig, seed, buffers, wrt, &pb, quote!(())),
    };
    quote! {
        #kept

        #[inline]
        #vis fn forward #generics (#(#params),*) -> (#ret, ()) #where_clause {
            #run
        }

        #[inline]
        #vis fn reverse #generics (#pb: (), #(#params,)* #seed: #seed_ty, #(#buffers: #buf_tys),*) #where_clause {
            #reverse_body
        }
    }
}

/// `forward` and `reverse` of a function of scalars to a scalar: its
/// pullback is `seed` times its partial derivatives, so `forward` runs the
/// pullback once with seed 1 and keeps the partials (one per float
/// parameter), and `reverse` scales them: the function runs once, not once
/// in each sweep (Tapenade's preaccumulation of a local Jacobian).
///
/// ```text
/// fn forward(v: f64) -> (f64, (f64,)) {        fn reverse(pb: (f64,), v: f64, seed: f64,
///     let mut p = (0.0,);                                 d_v: Option<&mut f64>) {
///     (Self::pullback(v, 1.0, Some(&mut p.0)), p)     if let Some(b) = d_v { *b += seed * pb.0; }
/// }                                             }
/// ```
fn preaccumulated(
    func: &syn::ItemFn,
    sig: &Signature,
    seed: &Ident,
    buffers: &[Ident],
    wrt: &[bool],
    pb: &Ident,
    names: &mut Names,
) -> Option<(TokenStream, TokenStream)> {
    let [(Kind::Scalar, elem)] = &sig.results[..] else {
        return None;
    };
    if sig.tuple || !func.sig.generics.params.is_empty() {
        return None;
    }
    let elem_name = quote!(#elem).to_string();
    let partials = names.fresh("partials");
    let (mut zeros, mut pass, mut adds) = (Vec::new(), Vec::new(), Vec::new());
    for ((p, b), on) in sig.params.iter().zip(buffers).zip(wrt) {
        match (&p.kind, on) {
            (Some((Kind::Scalar, e)), true) if quote!(#e).to_string() == elem_name => {
                let i = syn::Index::from(zeros.len());
                zeros.push(quote!(0.0));
                pass.push(quote!(::core::option::Option::Some(&mut #partials.#i)));
                adds.push(quote! {
                    if let ::core::option::Option::Some(#b) = #b { *#b += #seed * #pb.#i; }
                });
            }
            (Some(_), true) => return None,
            _ => pass.push(quote!(::core::option::Option::None)),
        }
    }
    let vis = &func.vis;
    let params = sig.typed_params();
    let args: Vec<&Ident> = sig.params.iter().map(|p| &p.ident).collect();
    let buf_tys = buffer_types(sig, wrt);
    let tys: Vec<&syn::Type> = zeros.iter().map(|_| elem).collect();
    let pb_ty = quote!((#(#tys,)*));
    let pair = quote! {
        #[inline]
        #vis fn forward(#(#params),*) -> (#elem, (#(#tys,)*)) {
            let mut #partials: (#(#tys,)*) = (#(#zeros,)*);
            let value = Self::pullback(#(#args,)* 1.0, #(#pass),*);
            (value, #partials)
        }

        #[inline]
        #vis fn reverse(#pb: (#(#tys,)*), #(#params,)* #seed: #elem, #(#buffers: #buf_tys),*) {
            #(#adds)*
        }
    };
    Some((pair, pb_ty))
}

/// `Option<&mut B>` per parameter, `B` its buffer type.
fn buffer_types(sig: &Signature, wrt: &[bool]) -> Vec<TokenStream> {
    sig.params
        .iter()
        .zip(wrt)
        .map(|(p, on)| {
            let ty = match (&p.kind, on) {
                (Some((kind, elem)), true) => kind.buffer_type(elem),
                _ => quote!(&mut ::autodiff::__private::NoGradient),
            };
            quote!(::core::option::Option<#ty>)
        })
        .collect()
}

/// The struct and its `pullback` for a function with a hand-written rule.
pub fn custom(
    func: &syn::ItemFn,
    sig: &Signature,
    rule: &syn::Path,
    names: &mut Names,
) -> TokenStream {
    let (seed, buffers) = seed_and_buffers(sig, names);
    let every = sig.float_inputs();
    let optional: Vec<Option<Ident>> = buffers.iter().cloned().map(Some).collect();
    let body = crate::custom::body(func, sig, rule, &seed, &optional, true);
    let head = head(func, sig, &seed, &buffers, &every);
    let rerun = rerun(
        func,
        sig,
        &seed,
        &buffers,
        &every,
        names,
        false,
        |_| None,
        |_| None,
    );
    wrap(func, quote!(#[inline] #head { #body } #rerun))
}

/// Names for the seed and one buffer per parameter.
fn seed_and_buffers(sig: &Signature, names: &mut Names) -> (Ident, Vec<Ident>) {
    let seed = names.fresh("seed");
    let buffers = sig
        .params
        .iter()
        .map(|p| names.fresh(&format!("d_{}", p.ident)))
        .collect();
    (seed, buffers)
}

/// A stand-in when the function has errors, so callers see no follow-on ones.
pub fn stub(func: &syn::ItemFn, sig: &Signature) -> TokenStream {
    let seed = Ident::new("seed", proc_macro2::Span::mixed_site());
    let buffers: Vec<Ident> = (0..sig.params.len())
        .map(|i| quote::format_ident!("d_{}", i, span = proc_macro2::Span::mixed_site()))
        .collect();
    let every = sig.float_inputs();
    let head = head(func, sig, &seed, &buffers, &every);
    let rerun = rerun(
        func,
        sig,
        &seed,
        &buffers,
        &every,
        &mut Names::default(),
        true,
        |_| None,
        |_| None,
    );
    wrap(
        func,
        quote!(#head { ::core::panic!("`#[differentiate]` reported errors for this function") } #rerun),
    )
}

fn wrap(func: &syn::ItemFn, pullback: TokenStream) -> TokenStream {
    let (vis, name) = (&func.vis, &func.sig.ident);
    let allows = generated_allows();
    let user_allows = func.attrs.iter().filter(|a| a.path().is_ident("allow"));
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #name {}

        #[doc(hidden)]
        #allows
        #[allow(clippy::must_use_candidate)]
        #(#user_allows)*
        impl #name {
            #pullback
        }
    }
}

/// `fn pullback(<params>, seed, d_p: Option<&mut B>, ..) -> R`.
fn head(
    func: &syn::ItemFn,
    sig: &Signature,
    seed: &Ident,
    buffers: &[Ident],
    wrt: &[bool],
) -> TokenStream {
    let vis = &func.vis;
    let generics = &func.sig.generics;
    let where_clause = &generics.where_clause;
    let params = sig.typed_params();
    let seed_ty = sig.seed_type();
    let bufs = buffers
        .iter()
        .zip(buffer_types(sig, wrt))
        .map(|(b, ty)| quote!(#b: #ty));
    let output = &func.sig.output;
    quote!(#vis fn pullback #generics (#(#params,)* #seed: #seed_ty, #(#bufs),*) #output #where_clause)
}
