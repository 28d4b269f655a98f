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

use super::{Binding, Lower};
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
    "panic",
    "unreachable",
    "unimplemented",
    "todo",
];

/// The effects that never return: a `match` arm or branch may end in one.
const DIVERGING: &[&str] = &["panic", "unreachable", "unimplemented", "todo"];

pub(super) fn diverges(m: &syn::Macro) -> bool {
    m.path
        .get_ident()
        .is_some_and(|i| DIVERGING.contains(&i.to_string().as_str()))
}

const FORMATS: &[&str] = &[
    "println",
    "eprintln",
    "print",
    "eprint",
    "panic",
    "unreachable",
    "todo",
    "unimplemented",
];

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
                let Some(value) = self.name_tokens(&captured, &mut reads) else {
                    continue;
                };
                let label = proc_macro2::Ident::new(&captured, proc_macro2::Span::call_site());
                extra.extend(quote!(, #label = #value));
            }
            tokens.extend(extra);
        }
        let path = &m.path;
        let expr: syn::Expr = syn::parse_quote!(#path!(#tokens));
        Stmt::Eval(Expr::Opaque(Passive { expr, reads }, Opaque::Constant))
    }

    /// What a name in scope is emitted as: a variable's new name, or the
    /// expression an alias stands for.
    fn name_tokens(&mut self, name: &str, reads: &mut Vec<VarId>) -> Option<TokenStream> {
        match self.lookup_name(name)?.clone() {
            Binding::Var(v) => {
                reads.push(v);
                let ident = &self.vars[v].ident;
                Some(quote!(#ident))
            }
            Binding::Pattern => None,
            Binding::Alias(e, by_ref) => {
                let p = self.passive(&e);
                reads.extend(p.reads);
                let e = p.expr;
                let r = by_ref.then(|| quote!(&));
                Some(quote!((#r #e)))
            }
        }
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
                    let value = if member || path || label {
                        None
                    } else {
                        self.name_tokens(&i.to_string(), reads)
                    };
                    match value {
                        Some(value) => out.extend(value),
                        None => out.extend([t.clone()]),
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
