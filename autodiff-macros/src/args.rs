//! The attribute's options: `#[differentiate]`, `#[differentiate(wrt(a, b))]`,
//! `#[differentiate(pullback = rule)]`.

use crate::diagnostics::Diagnostics;
use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::{Ident, Token};

#[derive(Default)]
pub struct Args {
    /// `None`: every differentiable parameter.
    pub wrt: Option<Vec<Ident>>,
    /// A hand-written pullback: the body is not read (see `custom`).
    pub pullback: Option<syn::Path>,
}

pub fn parse(tokens: TokenStream, diag: &mut Diagnostics) -> Args {
    let mut args = Args::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("wrt") {
            if args.wrt.is_some() {
                return Err(
                    meta.error("`wrt` is given twice; list every parameter in one `wrt(...)`")
                );
            }
            let content;
            syn::parenthesized!(content in meta.input);
            let names = content.parse_terminated(<Ident as syn::parse::Parse>::parse, Token![,])?;
            if names.is_empty() {
                return Err(meta.error(
                    "`wrt()` names no parameter; write `wrt(x)` or drop `wrt` to differentiate with respect to every parameter",
                ));
            }
            args.wrt = Some(names.into_iter().collect());
            Ok(())
        } else if meta.path.is_ident("pullback") {
            if args.pullback.is_some() {
                return Err(meta.error("`pullback` is given twice; a function has one pullback"));
            }
            args.pullback = Some(meta.value()?.parse()?);
            Ok(())
        } else {
            Err(meta.error(
                "unknown option; `#[differentiate]` takes `wrt(param, ...)` and `pullback = function`",
            ))
        }
    });
    if let Err(e) = parser.parse2(tokens) {
        diag.push(e);
    }
    args
}
