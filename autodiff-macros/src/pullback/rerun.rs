//! `forward` and `reverse` for a function that is not split: `forward`
//! runs it, `reverse` runs its reverse sweep again from the arguments, or a
//! scalar function's preaccumulated partial derivatives.

use super::split::kept_aliases;
use super::{buffer_types, Pieces};
use crate::names::Names;
use crate::signature::{Kind, Signature};
use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// `forward` and `reverse` for a function whose calls are checkpointed:
/// `forward` runs it, `reverse` runs what `reverse_body` generates (the
/// sweeps without the forward code only the value needs, `prune`; asked for
/// only when the function is not preaccumulated) or else `pullback`. After
/// errors (`stub`) both only stand in, so callers see no follow-on errors.
#[allow(clippy::too_many_arguments)]
pub(super) fn rerun(
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
    let p = Pieces::new(func, sig, wrt);
    let (name, args, turbofish) = (p.name, &p.args, &p.turbofish);
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
    let unit = quote!(());
    let forward_head = p.forward_head("forward", &unit);
    let reverse_head = p.reverse_head("reverse", &pb, &unit, seed, buffers);
    let kept = match kept(names) {
        Some(pair) => pair,
        None => kept_aliases(func, sig, seed, buffers, wrt, &pb, quote!(())),
    };
    quote! {
        #kept

        #[inline]
        #forward_head {
            #run
        }

        #[inline]
        #reverse_head {
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
