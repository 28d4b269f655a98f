//! `#[derive(Differentiable)]`: a struct whose gradient is a struct of the
//! same type, so `fn loss(p: &Params, ..)` differentiated with respect to
//! `p` returns a `Params` of partial derivatives.
//!
//! ```text
//! #[derive(Differentiable)]          impl Differentiable for Params {
//! struct Params {             ⟶         type Grad = Params;
//!     w: Vec<f64>,                      fn zero_grad(&self) -> Params {
//!     b: f64,                               Params { w: zero_field(&self.w), b: zero_field(&self.b) }
//! }                                     }
//!                                    }
//!                                    // + Field (nesting), Adjoint, AsBuffer (calls)
//! ```

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub fn expand(input: TokenStream) -> TokenStream {
    let item: syn::ItemStruct = match syn::parse2(input.clone()) {
        Ok(i) => i,
        Err(_) => {
            let at = match syn::parse2::<syn::Item>(input) {
                Ok(syn::Item::Enum(e)) => {
                    let (k, i) = (&e.enum_token, &e.ident);
                    quote!(#k #i)
                }
                Ok(syn::Item::Union(u)) => {
                    let (k, i) = (&u.union_token, &u.ident);
                    quote!(#k #i)
                }
                _ => TokenStream::new(),
            };
            return syn::Error::new_spanned(
                at,
                "`#[derive(Differentiable)]` applies to structs of floats, `Vec`s and arrays of them, and other differentiable structs",
            )
            .to_compile_error();
        }
    };
    let name = &item.ident;
    let fields = &item.fields;
    if !item.generics.params.is_empty() {
        return syn::Error::new_spanned(
            &item.generics,
            "`#[derive(Differentiable)]` does not support generic structs; write the float type out",
        )
        .to_compile_error();
    }
    // A `Vector` or `Matrix` field: the differentiated body reads fields
    // as slices and floats, so these are refused here rather than failing
    // inside the generated code.
    let mut errors: Option<syn::Error> = None;
    for f in fields {
        if let Some(t) = tensor_type(&f.ty) {
            let e = syn::Error::new_spanned(
                &f.ty,
                format!("a `{t}` field is not supported in a `#[derive(Differentiable)]` struct; store it as `Vec<f64>`{}", if t == "Matrix" { " or `Vec<Vec<f64>>`" } else { "" }),
            );
            match &mut errors {
                Some(all) => all.combine(e),
                None => errors = Some(e),
            }
        }
    }
    let members: Vec<syn::Member> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| match &f.ident {
            Some(id) => syn::Member::Named(id.clone()),
            None => syn::Member::Unnamed(i.into()),
        })
        .collect();
    let field = quote!(::autodiff::__private::Field);
    let zero = quote!({ #(#members: #field::zero_field(&self.#members)),* });
    let d = format_ident!("d");
    let errors = errors.map(|e| e.to_compile_error());
    quote! {
        #errors
        impl ::autodiff::Differentiable for #name {
            type Grad = #name;
            fn zero_grad(&self) -> #name {
                #name #zero
            }
        }
        impl #field for #name {
            fn zero_field(&self) -> Self {
                ::autodiff::Differentiable::zero_grad(self)
            }
            fn add_field(&mut self, #d: &Self) {
                #(#field::add_field(&mut self.#members, &#d.#members);)*
            }
        }
        impl ::autodiff::Adjoint for #name {
            fn set_zero(&mut self) {
                *self = ::autodiff::Differentiable::zero_grad(self);
            }
            fn accumulate(&mut self, #d: &Self) {
                #field::add_field(self, #d);
            }
        }
        impl ::autodiff::__private::AsBuffer<#name> for #name {
            #[inline(always)]
            fn as_buffer(&mut self) -> &mut #name {
                self
            }
        }
        impl ::autodiff::__private::AsBuffer<#name> for &mut #name {
            #[inline(always)]
            fn as_buffer(&mut self) -> &mut #name {
                self
            }
        }
    }
}

/// `Vector` or `Matrix`, if `ty` names one (`Vector`, `autodiff::Matrix`).
fn tensor_type(ty: &syn::Type) -> Option<&'static str> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    ["Vector", "Matrix"].into_iter().find(|t| last.ident == t)
}
