//! What the signature says: which parameters carry gradients and of which
//! shape, and what the result is. Everything here is read from the types the
//! user wrote; the macro never infers types.
//!
//! | parameter                        | gradient in `_grad` | buffer in `_vjp` |
//! |----------------------------------|---------------------|------------------|
//! | `T`                              | `T`                 | `&mut T`         |
//! | `&[T]`, `&Vec<T>`, `Vec<T>`      | `Vec<T>`            | `&mut [T]`       |
//! | `[T; N]`, `&[T; N]`              | `[T; N]`            | `&mut [T; N]`    |
//! | `&[Vec<T>]`, `Vec<Vec<T>>`       | `Vec<Vec<T>>`       | `&mut [Vec<T>]`  |
//! | `Vector`, `&Vector`              | `Vector`            | `&mut Vector`    |
//! | `Matrix`, `&Matrix`              | `Matrix`            | `&mut Matrix`    |
//! | `S`, `&S` (a struct in `wrt`)    | `S`                 | `&mut S`         |
//!
//! Outputs are the returned value, each part of a returned tuple, and each
//! output parameter `out: &mut [T]` / `&mut [T; N]` (its initial contents are
//! constants). `_vjp` takes one seed per output, a tuple when there are
//! several: `fn f(x: f64) -> (f64, Vec<f64>)` gets `seed: (f64, &[f64])`.

use crate::args::Args;
use crate::diagnostics::Diagnostics;
use proc_macro2::{Ident, TokenStream};
use quote::quote;
use syn::{Expr, FnArg, Pat, ReturnType, Type};

/// The shape of a differentiable parameter or result.
#[derive(Clone)]
pub enum Kind {
    Scalar,
    /// `&[T]`, `&Vec<T>`, `Vec<T>`.
    Slice,
    /// `[T; N]`, `&[T; N]`.
    Array(Expr),
    /// `&[Vec<T>]`, `Vec<Vec<T>>`.
    Rows,
    /// `autodiff::Vector`, `&Vector`.
    Vector,
    /// `autodiff::Matrix`, `&Matrix`.
    Matrix,
    /// `S` or `&S` for a `#[derive(Differentiable)]` struct `S` named in
    /// `wrt`; the type is `S`.
    Struct(Type),
}

pub struct Param {
    pub ident: Ident,
    pub ty: Type,
    /// `Some` for a differentiable parameter, with `elem` the float type.
    pub kind: Option<(Kind, Type)>,
    pub wrt: bool,
    /// An output parameter `&mut [T]`: written, seeded, never differentiated.
    pub out: bool,
}

pub struct Signature {
    pub params: Vec<Param>,
    /// The returned value's shape and float type: one entry, one per part of
    /// a returned tuple, or none for `()` (with output parameters).
    pub results: Vec<(Kind, Type)>,
    /// The function returns a tuple (of one or more parts).
    pub tuple: bool,
}

fn is_float(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && (p.path.is_ident("f64") || p.path.is_ident("f32")))
}

/// `Vec<T>` → `T`.
fn vec_elem(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Vec" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}

/// `Vector` or `Matrix` (by the last segment of the path: `autodiff::Vector`).
fn tensor_kind(ty: &Type) -> Option<Kind> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if p.qself.is_some() || !last.arguments.is_empty() {
        return None;
    }
    match last.ident.to_string().as_str() {
        "Vector" => Some(Kind::Vector),
        "Matrix" => Some(Kind::Matrix),
        _ => None,
    }
}

/// Classifies an owned or shared-reference type.
pub fn classify(ty: &Type) -> Option<(Kind, Type)> {
    if let Some(kind) = tensor_kind(ty) {
        return Some((kind, syn::parse_quote!(f64)));
    }
    match ty {
        Type::Reference(r) if r.mutability.is_none() => match &*r.elem {
            Type::Slice(s) => {
                if is_float(&s.elem) {
                    Some((Kind::Slice, (*s.elem).clone()))
                } else {
                    vec_elem(&s.elem)
                        .filter(|t| is_float(t))
                        .map(|t| (Kind::Rows, t.clone()))
                }
            }
            inner @ (Type::Path(_) | Type::Array(_)) if !is_float(inner) => classify(inner),
            _ => None,
        },
        Type::Paren(p) => classify(&p.elem),
        Type::Array(a) if is_float(&a.elem) => {
            Some((Kind::Array(a.len.clone()), (*a.elem).clone()))
        }
        _ if is_float(ty) => Some((Kind::Scalar, ty.clone())),
        _ => {
            let elem = vec_elem(ty)?;
            if is_float(elem) {
                Some((Kind::Slice, elem.clone()))
            } else {
                vec_elem(elem)
                    .filter(|t| is_float(t))
                    .map(|t| (Kind::Rows, t.clone()))
            }
        }
    }
}

/// `S` in `S` or `&S`, for a type that may be a user's struct: a path
/// (not a standard type) starting with a capital letter.
fn struct_type(ty: &Type) -> Option<Type> {
    match ty {
        Type::Reference(r) if r.mutability.is_none() => struct_type(&r.elem),
        Type::Paren(p) => struct_type(&p.elem),
        Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            let name = last.ident.to_string();
            let std = [
                "String", "Vec", "Option", "Box", "Rc", "Arc", "Cow", "HashMap",
            ];
            (name.starts_with(|c: char| c.is_uppercase()) && !std.contains(&name.as_str()))
                .then(|| ty.clone())
        }
        _ => None,
    }
}

fn contains_raw_pointer(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'a> syn::visit::Visit<'a> for Finder {
        fn visit_type_ptr(&mut self, _: &'a syn::TypePtr) {
            self.0 = true;
        }
    }
    let mut f = Finder(false);
    syn::visit::visit_type(&mut f, ty);
    f.0
}

pub fn analyse(sig: &syn::Signature, args: &Args, diag: &mut Diagnostics) -> Option<Signature> {
    if let Some(a) = &sig.asyncness {
        diag.error(a, "`#[differentiate]` does not support `async fn`; differentiate a synchronous function and call it from async code");
    }
    if let Some(u) = &sig.unsafety {
        diag.error(u, "`#[differentiate]` does not support `unsafe fn`; generated gradients contain no unsafe code, so differentiate a safe function");
    }
    if let Some(c) = &sig.constness {
        diag.error(
            c,
            "`#[differentiate]` does not support `const fn`; remove `const`",
        );
    }
    if let Some(v) = &sig.variadic {
        diag.error(v, "variadic functions cannot be differentiated");
    }

    let mut params = Vec::new();
    let mut receiver = false;
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) => {
                receiver = true;
                diag.error(
                    r,
                    "`#[differentiate]` does not support methods; write a free function that takes the value as a parameter",
                )
            }
            FnArg::Typed(pt) => {
                let ident = match &*pt.pat {
                    Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                        pi.ident.clone()
                    }
                    other => {
                        diag.error(other, "parameters of a differentiated function must be plain names such as `x`; destructure inside the body");
                        continue;
                    }
                };
                if contains_raw_pointer(&pt.ty) {
                    diag.error(
                        &pt.ty,
                        "raw pointers cannot be differentiated; pass a slice `&[f64]` instead",
                    );
                    continue;
                }
                if let Type::Reference(r) = &*pt.ty {
                    if r.mutability.is_some() {
                        match output_kind(&r.elem) {
                            Some(kind) => params.push(Param {
                                ident,
                                ty: (*pt.ty).clone(),
                                kind: Some(kind),
                                wrt: false,
                                out: true,
                            }),
                            None => diag.error(
                                &pt.ty,
                                "a `&mut` parameter is an output the function writes into, and must be a slice `&mut [f64]` or an array `&mut [f64; N]` of floats; return a number or a `Vec` instead",
                            ),
                        }
                        continue;
                    }
                }
                params.push(Param {
                    ident,
                    ty: (*pt.ty).clone(),
                    kind: classify(&pt.ty),
                    wrt: false,
                    out: false,
                });
            }
        }
    }

    // Which parameters the gradient is taken with respect to.
    match &args.wrt {
        None => {
            for p in &mut params {
                p.wrt = p.kind.is_some() && !p.out;
            }
            if !params.iter().any(|p| p.wrt) && !diag.has_errors() {
                diag.error(
                    &sig.inputs,
                    "no parameter is differentiable: a gradient needs an `f64` or `f32` parameter, or a slice, `Vec` or array of them",
                );
            }
        }
        Some(names) => {
            for name in names {
                match params.iter_mut().find(|p| p.ident == *name) {
                    None => diag.error(
                        name,
                        format!(
                            "`wrt` names `{name}`, which is not a parameter of `{}`",
                            sig.ident
                        ),
                    ),
                    Some(p) if p.out => diag.error(
                        name,
                        format!("`{name}` is an output parameter: it is seeded, not differentiated; `wrt` names inputs"),
                    ),
                    Some(p) if p.kind.is_none() && !p.wrt && struct_type(&p.ty).is_some() => {
                        if let Some(st) = struct_type(&p.ty) {
                            p.kind = Some((Kind::Struct(st.clone()), st));
                            p.wrt = true;
                        }
                    }
                    Some(p) if p.kind.is_none() => {
                        let ty = &p.ty;
                        diag.error(
                            name,
                            format!(
                                "`{name}` has type `{}`, which has no gradient; `wrt` takes `f64`/`f32` parameters and slices, `Vec`s or arrays of them",
                                quote!(#ty)
                            ),
                        )
                    }
                    Some(p) if p.wrt => {
                        diag.error(name, format!("`{name}` is listed twice in `wrt`"))
                    }
                    Some(p) => p.wrt = true,
                }
            }
        }
    }

    let outputs = params.iter().any(|p| p.out);
    let (results, tuple) = match &sig.output {
        ReturnType::Type(_, ty) => match &**ty {
            Type::Tuple(t) if t.elems.is_empty() && outputs => (Some(Vec::new()), false),
            Type::Tuple(t) if !t.elems.is_empty() => {
                let parts: Vec<_> = t.elems.iter().map(|e| result_kind(e, diag)).collect();
                (parts.into_iter().collect(), true)
            }
            ty => (result_kind(ty, diag).map(|r| vec![r]), false),
        },
        ReturnType::Default if outputs => (Some(Vec::new()), false),
        ReturnType::Default => {
            diag.error(&sig.ident, "a differentiated function must return a value: `f64` or `f32`, a `Vec` or array of them, or a tuple of these; or write its result into a `&mut [f64]` parameter");
            (None, false)
        }
    };
    // A method's body speaks of `self`, which nothing below models.
    if receiver {
        return None;
    }
    Some(Signature {
        params,
        results: results?,
        tuple,
    })
}

/// The shape of a returned value (or of one part of a returned tuple).
fn result_kind(ty: &Type, diag: &mut Diagnostics) -> Option<(Kind, Type)> {
    match classify(ty) {
        Some((
            kind @ (Kind::Scalar | Kind::Slice | Kind::Array(_) | Kind::Vector | Kind::Matrix),
            elem,
        )) if !matches!(ty, Type::Reference(_)) => Some((kind, elem)),
        _ => {
            diag.error(ty, "a differentiated function must return `f64` or `f32`, a `Vec` or array of them, a `Vector` or `Matrix`, or a tuple of these");
            None
        }
    }
}

/// The shape of an output parameter `&mut [T]` / `&mut [T; N]`.
fn output_kind(ty: &Type) -> Option<(Kind, Type)> {
    match ty {
        Type::Slice(s) if is_float(&s.elem) => Some((Kind::Slice, (*s.elem).clone())),
        Type::Array(a) if is_float(&a.elem) => {
            Some((Kind::Array(a.len.clone()), (*a.elem).clone()))
        }
        Type::Paren(p) => output_kind(&p.elem),
        _ => None,
    }
}

impl Signature {
    /// Every output with a seed: the result's parts, then the output
    /// parameters in order.
    pub fn outputs(&self) -> Vec<&(Kind, Type)> {
        let outs = self.params.iter().filter(|p| p.out);
        self.results
            .iter()
            .chain(outs.filter_map(|p| p.kind.as_ref()))
            .collect()
    }

    /// The type of `_vjp`'s seed: one output's cotangent, or a tuple of them.
    pub fn seed_type(&self) -> TokenStream {
        let tys: Vec<TokenStream> = self
            .outputs()
            .into_iter()
            .map(|(k, e)| k.seed_type(e))
            .collect();
        match &tys[..] {
            [one] if !self.tuple => one.clone(),
            _ => quote!((#(#tys,)*)),
        }
    }

    /// The parameters as declared: `x: f64`, `v: &[f64]`, ...
    pub fn typed_params(&self) -> Vec<TokenStream> {
        self.params
            .iter()
            .map(|p| {
                let (i, t) = (&p.ident, &p.ty);
                quote!(#i: #t)
            })
            .collect()
    }

    /// `_grad` exists when the one output is a scalar result.
    pub fn scalar_output(&self) -> bool {
        let outputs = self.outputs();
        !self.tuple && outputs.len() == 1 && matches!(self.results.first(), Some((Kind::Scalar, _)))
    }

    /// The parameters with a gradient in a pullback companion: every float
    /// input (output parameters are seeded, not differentiated).
    pub fn float_inputs(&self) -> Vec<bool> {
        self.params
            .iter()
            .map(|p| p.kind.is_some() && !p.out)
            .collect()
    }
}

impl Kind {
    /// The type of the gradient `_grad` returns for a parameter of this kind.
    pub fn grad_type(&self, elem: &Type) -> TokenStream {
        match self {
            Kind::Scalar => quote!(#elem),
            Kind::Slice => quote!(::std::vec::Vec<#elem>),
            Kind::Array(n) => quote!([#elem; #n]),
            Kind::Rows => quote!(::std::vec::Vec<::std::vec::Vec<#elem>>),
            Kind::Vector => quote!(::autodiff::Vector),
            Kind::Matrix => quote!(::autodiff::Matrix),
            Kind::Struct(s) => quote!(#s),
        }
    }

    /// The type of the gradient buffer `_vjp` takes.
    pub fn buffer_type(&self, elem: &Type) -> TokenStream {
        match self {
            Kind::Scalar => quote!(&mut #elem),
            Kind::Slice => quote!(&mut [#elem]),
            Kind::Array(n) => quote!(&mut [#elem; #n]),
            Kind::Rows => quote!(&mut [::std::vec::Vec<#elem>]),
            Kind::Vector => quote!(&mut ::autodiff::Vector),
            Kind::Matrix => quote!(&mut ::autodiff::Matrix),
            Kind::Struct(s) => quote!(&mut #s),
        }
    }

    /// The type of the seed `_vjp` takes for a result of this kind.
    pub fn seed_type(&self, elem: &Type) -> TokenStream {
        match self {
            Kind::Scalar => quote!(#elem),
            Kind::Array(n) => quote!(&[#elem; #n]),
            Kind::Slice | Kind::Rows => quote!(&[#elem]),
            Kind::Vector => quote!(&::autodiff::Vector),
            Kind::Matrix => quote!(&::autodiff::Matrix),
            Kind::Struct(s) => quote!(&#s),
        }
    }
}
