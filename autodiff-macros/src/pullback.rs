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
//! A caller calls it in its reverse sweep (`anf::call_pullback`), which runs
//! `g`'s forward sweep again: calls are checkpointed, as in Tapenade's joint
//! mode, so recursion needs no tape of tapes.

use crate::activity::{self, Analysis};
use crate::diagnostics::Diagnostics;
use crate::emit::{body, check_buffer, check_rules, generated_allows};
use crate::ir::Func;
use crate::names::Names;
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
    let body = body(sig, f, an, names, &seed, &param_adjoints, epilogue, diag);
    let head = head(func, sig, &seed, &buffers, &wrt);
    wrap(func, quote!(#head { #prologue #body }))
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
    wrap(func, quote!(#head { #body }))
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
    wrap(
        func,
        quote!(#head { ::core::panic!("`#[differentiate]` reported errors for this function") }),
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

        impl #name {
            #[doc(hidden)]
            #[inline]
            #allows
            #[allow(clippy::must_use_candidate)]
            #(#user_allows)*
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
    let params = sig.params.iter().map(|p| {
        let (i, t) = (&p.ident, &p.ty);
        quote!(#i: #t)
    });
    let seed_ty = sig.seed_type();
    let bufs = sig.params.iter().zip(buffers).zip(wrt).map(|((p, b), on)| {
        let ty = match (&p.kind, on) {
            (Some((kind, elem)), true) => kind.buffer_type(elem),
            _ => quote!(&mut ::autodiff::__private::NoGradient),
        };
        quote!(#b: ::core::option::Option<#ty>)
    });
    let output = &func.sig.output;
    quote!(#vis fn pullback #generics (#(#params,)* #seed: #seed_ty, #(#bufs),*) #output #where_clause)
}
