//! Functions with a hand-written pullback, `#[differentiate(pullback = rule)]`:
//! the body is not read (it may call foreign code, use `unsafe`, or run a
//! solver); the rule supplies the derivative, as with JAX's `custom_vjp`.
//!
//! The rule has the signature `#[differentiate]` would give `f_vjp` with
//! every float parameter differentiated, returning nothing: it adds
//! `seedᵀ·∂f/∂p` into one buffer per float parameter.
//!
//! ```text
//! #[differentiate(pullback = softplus_pullback)]   fn softplus_vjp(x: f64, seed: f64, d_x: &mut f64) -> f64 {
//! fn softplus(x: f64) -> f64 { .. }                    let _: fn(f64, f64, &mut f64) = softplus_pullback;
//!                                                      let value = softplus(x);
//! fn softplus_pullback(x: f64, seed: f64,              softplus_pullback(x, seed, d_x);
//!                      d_x: &mut f64) { .. }           value
//!                                                  }
//! ```
//!
//! `f_grad` and the pullback companion other functions call are built on the
//! same call.

use crate::signature::Signature;
use proc_macro2::{Ident, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

/// The body of `f_vjp` (`buffers[p]` present for `wrt` parameters) or of the
/// pullback (`optional`: every buffer is an `Option`).
pub fn body(
    func: &syn::ItemFn,
    sig: &Signature,
    rule: &syn::Path,
    seed: &Ident,
    buffers: &[Option<Ident>],
    optional: bool,
) -> TokenStream {
    let span = rule.span();
    let mut prologue = TokenStream::new();
    let mut rule_buffers = Vec::new();
    for (p, b) in sig.params.iter().zip(buffers) {
        let (Some((kind, _)), false) = (&p.kind, p.out) else {
            continue;
        };
        let pi = &p.ident;
        match b {
            Some(b) if !optional => {
                prologue.extend(crate::emit::check_buffer(kind, b, pi));
                rule_buffers.push(quote!(#b));
            }
            _ => {
                // No buffer from the caller: the rule writes into zeros.
                let scratch =
                    quote::format_ident!("{}_scratch", pi, span = proc_macro2::Span::mixed_site());
                let given = match b {
                    Some(b) if optional => quote!(#b),
                    _ => quote!(::core::option::Option::None),
                };
                prologue.extend(quote! {
                    let mut #scratch = ::core::option::Option::None;
                    let #scratch = ::autodiff::__private::buffer_or(#given, &mut #scratch, &#pi);
                });
                rule_buffers.push(quote!(#scratch));
            }
        }
    }
    // The rule is called through a typed binding, so a wrong signature is
    // one error, on the rule's name in the attribute.
    let rule_ref = Ident::new("rule", proc_macro2::Span::mixed_site());
    let bind = if func.sig.generics.params.is_empty() {
        let tys = sig.params.iter().map(|p| &p.ty);
        let seed_ty = sig.seed_type();
        let bufs = sig
            .params
            .iter()
            .filter(|p| !p.out)
            .filter_map(|p| p.kind.as_ref())
            .map(|(k, e)| k.buffer_type(e));
        quote_spanned!(span=> let #rule_ref: fn(#(#tys,)* #seed_ty, #(#bufs),*) = #rule;)
    } else {
        quote!(let #rule_ref = #rule;)
    };
    let name = &func.sig.ident;
    // The primal takes its arguments by value: a copy of any owned one, the
    // rule still needs it.
    let primal_args = sig.params.iter().map(|p| {
        let pi = &p.ident;
        match p.ty {
            syn::Type::Reference(_) => quote!(#pi),
            _ => quote!(::autodiff::__private::snapshot(&#pi)),
        }
    });
    let args = sig.params.iter().map(|p| &p.ident);
    let value = Ident::new("value", proc_macro2::Span::mixed_site());
    quote! {
        #bind
        #prologue
        let #value = #name(#(#primal_args),*);
        #rule_ref(#(#args,)* #seed, #(#rule_buffers),*);
        #value
    }
}
