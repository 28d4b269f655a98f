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

mod rerun;
mod split;

use crate::activity::{self, Analysis};
use crate::diagnostics::Diagnostics;
use crate::emit::{check_buffer, check_rules, generated_allows};
use crate::ir::Func;
use crate::names::Names;
use crate::parts::{parts, Parts, Want};
use crate::signature::{Kind, Signature};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use rerun::rerun;
use split::{as_branch, boxed_pullback, calls_others, kept_aliases, split, splittable_signature};

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
            let zero = crate::reverse::zero();
            prologue.extend(quote!(let mut #a = #zero;));
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

/// The pieces of `func`'s signature that each companion function repeats.
struct Pieces<'f> {
    vis: &'f syn::Visibility,
    name: &'f Ident,
    generics: &'f syn::Generics,
    where_clause: &'f Option<syn::WhereClause>,
    params: Vec<TokenStream>,
    args: Vec<&'f Ident>,
    seed_ty: TokenStream,
    buf_tys: Vec<TokenStream>,
    ret: TokenStream,
    /// `::<T, N>` for its type and const parameters, if any.
    turbofish: Option<TokenStream>,
}

impl<'f> Pieces<'f> {
    fn new(func: &'f syn::ItemFn, sig: &'f Signature, wrt: &[bool]) -> Pieces<'f> {
        let generics = &func.sig.generics;
        let turbofish: Vec<&Ident> = generics
            .params
            .iter()
            .filter_map(|g| match g {
                syn::GenericParam::Type(t) => Some(&t.ident),
                syn::GenericParam::Const(c) => Some(&c.ident),
                syn::GenericParam::Lifetime(_) => None,
            })
            .collect();
        Pieces {
            vis: &func.vis,
            name: &func.sig.ident,
            generics,
            where_clause: &generics.where_clause,
            params: sig.typed_params(),
            args: sig.params.iter().map(|p| &p.ident).collect(),
            seed_ty: sig.seed_type(),
            buf_tys: buffer_types(sig, wrt),
            ret: match &func.sig.output {
                syn::ReturnType::Type(_, t) => quote!(#t),
                syn::ReturnType::Default => quote!(()),
            },
            turbofish: (!turbofish.is_empty()).then(|| quote!(::<#(#turbofish),*>)),
        }
    }

    /// `fn name(<params>) -> (R, PB)`: a `forward` returning a pullback of
    /// type `pb_ty`.
    fn forward_head(&self, name: &str, pb_ty: &TokenStream) -> TokenStream {
        let (vis, generics, where_clause) = (self.vis, self.generics, self.where_clause);
        let (name, params, ret) = (Ident::new(name, Span::call_site()), &self.params, &self.ret);
        quote!(#vis fn #name #generics (#(#params),*) -> (#ret, #pb_ty) #where_clause)
    }

    /// `fn name(pb: PB, <params>, seed, <buffers>)`: the `reverse` taking it.
    fn reverse_head(
        &self,
        name: &str,
        pb: &Ident,
        pb_ty: &TokenStream,
        seed: &Ident,
        buffers: &[Ident],
    ) -> TokenStream {
        let (vis, generics, where_clause) = (self.vis, self.generics, self.where_clause);
        let name = Ident::new(name, Span::call_site());
        let rest = self.reverse_params(seed, buffers);
        quote!(#vis fn #name #generics (#pb: #pb_ty, #rest) #where_clause)
    }

    /// `<params>, seed: S, <buffers>: Option<&mut B>..`: what a pullback
    /// takes after the arguments' values.
    fn reverse_params(&self, seed: &Ident, buffers: &[Ident]) -> TokenStream {
        let (params, seed_ty, buf_tys) = (&self.params, &self.seed_ty, &self.buf_tys);
        quote!(#(#params,)* #seed: #seed_ty, #(#buffers: #buf_tys),*)
    }
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
