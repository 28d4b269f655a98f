//! Hygienic names for everything the macro introduces.
//!
//! Every local of generated code — the user's renamed variables, adjoints,
//! temporaries, tapes — is an identifier with `Span::mixed_site()` hygiene, so
//! it can neither capture nor be captured by a user name such as `x_adj` or
//! `tape`. One allocator hands them all out, so they are also distinct from
//! each other, and the expanded code stays readable (`y`, `y_1`, `y_adj`).

use proc_macro2::{Ident, Span};
use std::collections::HashSet;

#[derive(Default)]
pub struct Names {
    used: HashSet<String>,
}

impl Names {
    /// Marks a name as taken without creating it (the user's parameters).
    pub fn reserve(&mut self, name: &str) {
        self.used.insert(name.to_owned());
    }

    /// A fresh hygienic identifier based on `base`, located at `at` so errors
    /// in generated code still point at the user's source.
    pub fn fresh_at(&mut self, base: &str, at: Span) -> Ident {
        let base = base.trim_start_matches("r#");
        let mut name = base.to_owned();
        let mut k = 1;
        while !self.used.insert(name.clone()) {
            name = format!("{base}_{k}");
            k += 1;
        }
        Ident::new(&name, Span::mixed_site().located_at(at))
    }

    /// Every name taken so far.
    pub fn taken(&self) -> HashSet<String> {
        self.used.clone()
    }

    pub fn fresh(&mut self, base: &str) -> Ident {
        self.fresh_at(base, Span::call_site())
    }
}
