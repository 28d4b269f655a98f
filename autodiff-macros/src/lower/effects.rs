//! `println!`, `eprintln!`, `assert!` and their kin: run in the forward
//! sweep, as written, and ignored by the reverse sweep.
//!
//! Their arguments are tokens, not expressions, so variables are renamed
//! token by token; a variable captured inside the format string becomes a
//! named argument, since the capture would not see the renamed variable:
//!
//! ```text
//! println!("{x} {}", y[i]);   →   println!("{x} {}", y_1[i_1], x = x_2);
//! ```

use super::Lower;
use crate::ir::*;
use proc_macro2::{Group, TokenStream, TokenTree};
use quote::quote;

/// Macros the forward sweep runs and the reverse sweep ignores.
const EFFECTS: &[&str] = &[
    "println",
    "eprintln",
    "print",
    "eprint",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
];

const FORMATS: &[&str] = &["println", "eprintln", "print", "eprint"];

pub(super) fn is_effect(m: &syn::Macro) -> bool {
    m.path
        .get_ident()
        .is_some_and(|i| EFFECTS.contains(&i.to_string().as_str()))
}

impl Lower<'_> {
    /// The macro statement, renamed, as a constant expression to evaluate.
    pub(super) fn effect(&mut self, m: &syn::Macro) -> Stmt {
        let mut reads = Vec::new();
        let mut tokens = self.rename_tokens(m.tokens.clone(), &mut reads);
        let name = m
            .path
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default();
        if FORMATS.contains(&name.as_str()) {
            let named = named_args(&m.tokens);
            let mut extra = TokenStream::new();
            for captured in captures(&m.tokens) {
                if named.contains(&captured) {
                    continue;
                }
                let Some(v) = self.lookup_name(&captured) else {
                    continue;
                };
                reads.push(v);
                let (label, ident) = (
                    proc_macro2::Ident::new(&captured, proc_macro2::Span::call_site()),
                    &self.vars[v].ident,
                );
                extra.extend(quote!(, #label = #ident));
            }
            tokens.extend(extra);
        }
        let path = &m.path;
        let expr: syn::Expr = syn::parse_quote!(#path!(#tokens));
        Stmt::Eval(Expr::Opaque(Passive { expr, reads }, Opaque::Constant))
    }

    fn lookup_name(&self, name: &str) -> Option<VarId> {
        self.scopes.iter().rev().find_map(|s| s.get(name).copied())
    }

    /// Replaces each identifier that names a variable by its new name, except
    /// after `.` (fields, methods), around `::` (paths), and before a single
    /// `=` (a named format argument).
    fn rename_tokens(&mut self, ts: TokenStream, reads: &mut Vec<VarId>) -> TokenStream {
        let tokens: Vec<TokenTree> = ts.into_iter().collect();
        let mut out = TokenStream::new();
        for (k, t) in tokens.iter().enumerate() {
            let punct = |j: Option<usize>, c: char| {
                j.and_then(|j| tokens.get(j))
                    .is_some_and(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == c))
            };
            match t {
                TokenTree::Group(g) => {
                    let inner = self.rename_tokens(g.stream(), reads);
                    let mut ng = Group::new(g.delimiter(), inner);
                    ng.set_span(g.span());
                    out.extend([TokenTree::Group(ng)]);
                }
                TokenTree::Ident(i) => {
                    let before = k.checked_sub(1);
                    let member = punct(before, '.') || punct(before, ':');
                    let path = punct(Some(k + 1), ':');
                    let label = punct(Some(k + 1), '=') && !punct(Some(k + 2), '=');
                    match self.lookup_name(&i.to_string()) {
                        Some(v) if !member && !path && !label => {
                            reads.push(v);
                            out.extend([TokenTree::Ident(self.vars[v].ident.clone())]);
                        }
                        _ => out.extend([t.clone()]),
                    }
                }
                _ => out.extend([t.clone()]),
            }
        }
        out
    }
}

/// Names captured inside the format string: `{x}`, `{x:?}`, `{x:>8.3}`.
fn captures(tokens: &TokenStream) -> Vec<String> {
    let Some(TokenTree::Literal(lit)) = tokens.clone().into_iter().next() else {
        return Vec::new();
    };
    let Ok(syn::Lit::Str(s)) = syn::parse2::<syn::Lit>(quote!(#lit)) else {
        return Vec::new();
    };
    let text = s.value();
    let mut names = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '{' {
            continue;
        }
        if chars.peek() == Some(&'{') {
            chars.next();
            continue;
        }
        let name: String = chars
            .clone()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
        {
            names.push(name);
        }
    }
    names
}

/// Names given as `name = value` arguments.
fn named_args(tokens: &TokenStream) -> Vec<String> {
    let tokens: Vec<TokenTree> = tokens.clone().into_iter().collect();
    tokens
        .windows(3)
        .filter_map(|w| match w {
            [TokenTree::Ident(i), TokenTree::Punct(p), next]
                if p.as_char() == '='
                    && !matches!(next, TokenTree::Punct(q) if q.as_char() == '=') =>
            {
                Some(i.to_string())
            }
            _ => None,
        })
        .collect()
}
