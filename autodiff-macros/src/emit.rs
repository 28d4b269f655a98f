//! Assembling the output: the original function, unchanged, and next to it
//! `f_vjp` (forward sweep, seeding, reverse sweep) and `f_grad` (zeroed
//! buffers, one `f_vjp` call with seed 1). On errors, the original function,
//! the errors, and bodiless stand-ins of the companions, so that code calling
//! them sees no follow-on errors.

use crate::activity::{self, Analysis};
use crate::diagnostics::Diagnostics;
use crate::ir::*;
use crate::names::Names;
use crate::parts::{parts, Parts};
use crate::signature::{Kind, Signature};
use crate::{args, custom, exits, lower, pullback, signature};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut diag = Diagnostics::default();
    let args = args::parse(attr, &mut diag);
    let func: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            let message = "`#[differentiate]` applies to functions: put it on a `fn` that returns `f64` or `f32`";
            let err = match syn::parse2::<syn::Item>(item.clone()) {
                Ok(it) => syn::Error::new_spanned(item_head(&it), message),
                Err(e) => e,
            };
            let err = err.to_compile_error();
            return quote!(#err #item);
        }
    };
    let sig = signature::analyse(&func.sig, &args, &mut diag);
    let Some(sig) = sig else {
        return with_errors(&func, None, diag);
    };
    let mut names = Names::default();
    for p in &sig.params {
        names.reserve(&p.ident.to_string());
    }
    let seed = names.fresh("seed");
    let buffers: Vec<Option<Ident>> = sig
        .params
        .iter()
        .map(|p| p.wrt.then(|| names.fresh(&format!("d_{}", p.ident))))
        .collect();

    if let Some(rule) = &args.pullback {
        let body = custom::body(&func, &sig, rule, &seed, &buffers, false);
        let vjp = vjp_item(&func, &sig, &seed, &buffers, body);
        let grad = grad(&func, &sig, &buffers);
        let companion = pullback::custom(&func, &sig, rule, &mut names);
        return quote!(#func #vjp #grad #companion);
    }
    let mut f = lower::lower(&sig, &func.block, &mut names, &mut diag);
    exits::normalize(&mut f, &mut names);
    let wrt: Vec<bool> = sig.params.iter().map(|p| p.wrt).collect();
    let an = activity::analyse(&f, &wrt);
    check_rules(&f, &an, &mut diag);
    if diag.has_errors() {
        return with_errors(&func, Some((&sig, &seed, &buffers)), diag);
    }
    let vjp = vjp(&func, &sig, &f, &an, &mut names, &seed, &buffers, &mut diag);
    if diag.has_errors() {
        return with_errors(&func, Some((&sig, &seed, &buffers)), diag);
    }
    let grad = grad(&func, &sig, &buffers);
    let companion = pullback::companion(&func, &sig, &f, &an, &mut names, &mut diag);
    if diag.has_errors() {
        return with_errors(&func, Some((&sig, &seed, &buffers)), diag);
    }
    quote!(#func #vjp #grad #companion)
}

/// The first tokens of an item, for an error that points at it.
fn item_head(it: &syn::Item) -> TokenStream {
    match it {
        syn::Item::Struct(s) => {
            let (k, i) = (&s.struct_token, &s.ident);
            quote!(#k #i)
        }
        syn::Item::Enum(e) => {
            let (k, i) = (&e.enum_token, &e.ident);
            quote!(#k #i)
        }
        syn::Item::Impl(i) => {
            let k = &i.impl_token;
            quote!(#k)
        }
        other => quote!(#other),
    }
}

fn with_errors(
    func: &syn::ItemFn,
    companions: Option<(&Signature, &Ident, &[Option<Ident>])>,
    diag: Diagnostics,
) -> TokenStream {
    let errors = diag.into_result().err().map(|e| e.to_compile_error());
    let stubs = companions.map(|(sig, seed, buffers)| {
        let (vjp_sig, grad_sig) = signatures(func, sig, seed, buffers);
        let body =
            quote!({ ::core::panic!("`#[differentiate]` reported errors for this function") });
        let grad = grad_sig.map(|g| quote!(#[allow(unused_variables, dead_code)] #g #body));
        let companion = pullback::stub(func, sig);
        quote!(#[allow(unused_variables, dead_code)] #vjp_sig #body #grad #companion)
    });
    quote!(#func #errors #stubs)
}

/// Reports every use of a function or method without a derivative rule on a
/// value that carries a gradient.
pub(crate) fn check_rules(f: &Func, an: &Analysis, diag: &mut Diagnostics) {
    fn expr(e: &Expr, an: &Analysis, diag: &mut Diagnostics) {
        match e {
            Expr::Opaque(_, Opaque::NoRule { what, span, values }) if values.iter().any(|v| an.active[*v]) => diag.error_at(
                *span,
                format!(
                    "{what} has no derivative rule, and its input depends on the differentiated parameters; \
                     use an operation with a rule (see the supported-language table), or wrap the input in \
                     `detach(...)` if no gradient should flow through it"
                ),
            ),
            Expr::Call(c) if c.no_derivative && c.args.iter().any(|a| an.expr_active(a)) => {
                let f = c.func.to_string().replace(' ', "");
                diag.error_at(
                    c.span,
                    format!(
                        "the function `{f}` has no derivative, and its input depends on the differentiated parameters; \
                         put `#[differentiate]` on `{f}`, give it a hand-written pullback with \
                         `#[differentiate(pullback = {f}_pullback)]`, or wrap the argument in `detach(...)` if no gradient \
                         should flow through it"
                    ),
                )
            }
            Expr::Call(c) => c.args.iter().for_each(|a| expr(a, an, diag)),
            Expr::Neg(a, _) | Expr::Cast(a, _, _) | Expr::Copy(a, _, _) | Expr::Ref(a, _) => expr(a, an, diag),
            Expr::Bin(_, a, b, _) => {
                expr(a, an, diag);
                expr(b, an, diag);
            }
            Expr::Prim { args, .. } | Expr::List { elems: args, .. } => args.iter().for_each(|a| expr(a, an, diag)),
            Expr::Splat { elem, .. } => expr(elem, an, diag),
            _ => {}
        }
    }
    visit(&f.body, &mut |s| {
        if let Stmt::Let { init: Some(e), .. }
        | Stmt::Assign { value: e, .. }
        | Stmt::Push { value: e, .. }
        | Stmt::Eval(e) = s
        {
            expr(e, an, diag);
        }
    });
}

/// The user's `#[allow(..)]` attributes on `f`: what they allow in `f`'s
/// code, they allow in the code derived from it.
fn allows(func: &syn::ItemFn) -> TokenStream {
    let allows = func.attrs.iter().filter(|a| a.path().is_ident("allow"));
    quote!(#(#allows)*)
}

/// The signatures of `f_vjp` and (for a scalar result) `f_grad`.
fn signatures(
    func: &syn::ItemFn,
    sig: &Signature,
    seed: &Ident,
    buffers: &[Option<Ident>],
) -> (TokenStream, Option<TokenStream>) {
    let vis = &func.vis;
    let name = &func.sig.ident;
    let (vjp_name, grad_name) = (
        format_ident!("{}_vjp", name),
        format_ident!("{}_grad", name),
    );
    let generics = &func.sig.generics;
    let where_clause = &generics.where_clause;
    let params = sig.typed_params();
    let ret = match &func.sig.output {
        syn::ReturnType::Type(_, t) => quote!(#t),
        syn::ReturnType::Default => quote!(()),
    };
    let seed_ty = sig.seed_type();
    let bufs = sig.params.iter().zip(buffers).filter_map(|(p, b)| {
        let (b, (kind, elem)) = (b.as_ref()?, p.kind.as_ref()?);
        let ty = kind.buffer_type(elem);
        Some(quote!(#b: #ty))
    });
    // The return type as the user wrote it (no `-> ()` for clippy to flag).
    let output = &func.sig.output;
    let vjp = quote!(#vis fn #vjp_name #generics (#(#params,)* #seed: #seed_ty, #(#bufs),*) #output #where_clause);
    let grad = sig.scalar_output().then(|| {
        let grads: Vec<TokenStream> = sig
            .params
            .iter()
            .filter(|p| p.wrt)
            .filter_map(|p| p.kind.as_ref())
            .map(|(k, e)| k.grad_type(e))
            .collect();
        let g = if grads.len() == 1 {
            grads[0].clone()
        } else {
            quote!((#(#grads),*))
        };
        quote!(#vis fn #grad_name #generics (#(#params),*) -> (#ret, #g) #where_clause)
    });
    (vjp, grad)
}

fn fn_link(name: &Ident) -> String {
    format!("[`{name}`]")
}

#[allow(clippy::too_many_arguments)]
fn vjp(
    func: &syn::ItemFn,
    sig: &Signature,
    f: &Func,
    an: &Analysis,
    names: &mut Names,
    seed: &Ident,
    buffers: &[Option<Ident>],
    diag: &mut Diagnostics,
) -> TokenStream {
    let mut checks = TokenStream::new();
    let mut param_adjoints = Vec::new();
    for (p, b) in sig.params.iter().zip(buffers) {
        let (Some(b), Some((kind, _))) = (b, &p.kind) else {
            param_adjoints.push(None);
            continue;
        };
        checks.extend(check_buffer(kind, b, &p.ident));
        param_adjoints.push(Some(match kind {
            Kind::Scalar => quote!((*#b)),
            _ => {
                // A call's pullback borrows it mutably again.
                checks.extend(quote!(let mut #b = #b;));
                quote!(#b)
            }
        }));
    }
    // The forward sweep, the adjoints, the reverse sweep, the value.
    let Parts {
        fields,
        forward,
        reverse,
        value,
    } = parts(
        sig,
        f,
        an,
        names,
        seed,
        &param_adjoints,
        TokenStream::new(),
        diag,
        crate::parts::Want::Value,
    );
    let body = quote!(#checks #fields #forward #reverse #value);
    vjp_item(func, sig, seed, buffers, body)
}

/// `f_vjp` with its documentation and lint levels around `body`.
fn vjp_item(
    func: &syn::ItemFn,
    sig: &Signature,
    seed: &Ident,
    buffers: &[Option<Ident>],
    body: TokenStream,
) -> TokenStream {
    let (head, _) = signatures(func, sig, seed, buffers);
    let user_allows = allows(func);
    let allows = generated_allows();
    // Using the gradient counts as using the function, so a user who calls
    // only `f_grad` gets no dead-code warning for `f`.
    let uses_primal = func.sig.generics.params.is_empty().then(|| {
        let name = &func.sig.ident;
        let tys = sig.params.iter().map(|p| &p.ty);
        let ret = &func.sig.output;
        quote!(let _: fn(#(#tys),*) #ret = #name;)
    });
    let name = &func.sig.ident;
    let doc = format!(
        "Vector-Jacobian product of {}: returns its value and adds `seedᵀ·∂{name}/∂(wrt)` into the gradient buffers (the caller zeroes them). Generated by `#[differentiate]`.",
        fn_link(name)
    );
    quote! {
        #[doc = #doc]
        #allows
        #user_allows
        #head {
            #uses_primal
            #body
        }
    }
}

/// Lints the generated bodies may trip in ways the user's code does not
/// (CONTRIBUTING.md justifies each).
pub(crate) fn generated_allows() -> TokenStream {
    quote!(#[allow(dead_code, unused_mut, unused_variables, unused_assignments, unused_parens, unreachable_code, clippy::too_many_arguments, clippy::needless_range_loop, clippy::clone_on_copy, clippy::type_complexity, clippy::op_ref)])
}

/// Checks at entry that a buffer has its parameter's shape.
pub(crate) fn check_buffer(kind: &Kind, b: &Ident, param: &Ident) -> TokenStream {
    let (bs, ps) = (b.to_string(), param.to_string());
    match kind {
        Kind::Slice => quote!(::autodiff::__private::check_len(#bs, #ps, #b.len(), #param.len());),
        Kind::Rows => quote!(::autodiff::__private::check_rows(#bs, #ps, &*#b, &#param[..]);),
        Kind::Vector | Kind::Matrix => {
            quote!(::autodiff::__private::check_shape(#bs, #ps, &*#b, &#param);)
        }
        Kind::Scalar | Kind::Array(_) | Kind::Struct(_) => TokenStream::new(),
    }
}

fn grad(func: &syn::ItemFn, sig: &Signature, buffers: &[Option<Ident>]) -> TokenStream {
    let dummy = Ident::new("seed", proc_macro2::Span::mixed_site());
    let (_, Some(head)) = signatures(func, sig, &dummy, buffers) else {
        return TokenStream::new();
    };
    let name = &func.sig.ident;
    let vjp_name = format_ident!("{}_vjp", name);
    let user_allows = allows(func);
    let mut zero = TokenStream::new();
    let mut bufs = Vec::new();
    for (p, b) in sig.params.iter().zip(buffers) {
        if let Some(b) = b {
            let pi = &p.ident;
            zero.extend(quote!(let mut #b = ::autodiff::__private::zero_like(&#pi);));
            bufs.push(b.clone());
        }
    }
    let args = sig.params.iter().map(|p| &p.ident);
    let grads = if bufs.len() == 1 {
        quote!(#(#bufs)*)
    } else {
        quote!((#(#bufs),*))
    };
    let value = Ident::new("value", proc_macro2::Span::mixed_site());
    let doc = format!(
        "Value and gradient of {}. Generated by `#[differentiate]`.",
        fn_link(name)
    );
    quote! {
        #[doc = #doc]
        #[inline]
        #[must_use]
        #[allow(dead_code, clippy::too_many_arguments)]
        #user_allows
        #head {
            #zero
            let #value = #vjp_name(#(#args,)* 1.0, #(&mut #bufs),*);
            (#value, #grads)
        }
    }
}
