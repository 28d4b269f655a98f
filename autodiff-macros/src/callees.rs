//! Which called functions have no derivative, when the source says so.
//!
//! A macro sees only the function it is on, so a call to `helper` compiles
//! to `helper::pullback(..)`, which rustc resolves. When `helper` has no
//! derivative, rustc's "cannot find module `helper`" would be the error. To
//! say instead what is wrong and how to fix it, the caller's source file is
//! read: a name defined there only by functions that carry neither
//! `#[differentiate]` (with or without a custom pullback), and imported by no `use`, has no
//! derivative. Anything less certain (a function from another file or crate,
//! one made by a macro) is left to rustc, so this can only improve messages,
//! never reject a program that would compile.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::SystemTime;
use syn::visit::Visit;

type Key = (PathBuf, Option<SystemTime>, u64);

thread_local! {
    static CACHE: std::cell::RefCell<HashMap<PathBuf, (Key, HashSet<String>)>> =
        std::cell::RefCell::new(HashMap::new());
}

/// Names of functions in the file being compiled that have no derivative.
pub fn without_derivative() -> HashSet<String> {
    if !proc_macro::is_available() {
        return HashSet::new();
    }
    let Some(path) = proc_macro::Span::call_site().local_file() else {
        return HashSet::new();
    };
    let meta = std::fs::metadata(&path).ok();
    let key = (
        path.clone(),
        meta.as_ref().and_then(|m| m.modified().ok()),
        meta.as_ref().map_or(0, |m| m.len()),
    );
    if let Some(hit) = CACHE.with(|c| {
        c.borrow()
            .get(&path)
            .filter(|(k, _)| *k == key)
            .map(|(_, s)| s.clone())
    }) {
        return hit;
    }
    let names = std::fs::read_to_string(&path)
        .ok()
        .and_then(|src| syn::parse_file(&src).ok())
        .map(|file| scan(&file))
        .unwrap_or_default();
    CACHE.with(|c| c.borrow_mut().insert(path, (key, names.clone())));
    names
}

fn scan(file: &syn::File) -> HashSet<String> {
    #[derive(Default)]
    struct Scan {
        /// Function name → the last segments of its attributes' paths.
        fns: Vec<(String, Vec<String>)>,
        imported: HashSet<String>,
        /// `differentiate` and the names it is imported as.
        attribute: HashSet<String>,
    }
    impl<'a> Visit<'a> for Scan {
        fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
            let attrs = f
                .attrs
                .iter()
                .filter_map(|a| a.path().segments.last().map(|s| s.ident.to_string()))
                .collect();
            self.fns.push((f.sig.ident.to_string(), attrs));
            syn::visit::visit_item_fn(self, f);
        }
        fn visit_use_tree(&mut self, t: &'a syn::UseTree) {
            match t {
                syn::UseTree::Name(n) => {
                    self.imported.insert(n.ident.to_string());
                }
                syn::UseTree::Rename(r) => {
                    self.imported.insert(r.rename.to_string());
                    if r.ident == "differentiate" {
                        self.attribute.insert(r.rename.to_string());
                    }
                }
                _ => {}
            }
            syn::visit::visit_use_tree(self, t);
        }
    }
    let mut s = Scan::default();
    s.attribute.insert("differentiate".to_owned());
    s.visit_file(file);
    let mut has: HashMap<String, bool> = HashMap::new();
    for (name, attrs) in &s.fns {
        *has.entry(name.clone()).or_default() |= attrs.iter().any(|a| s.attribute.contains(a));
    }
    has.into_iter()
        .filter(|(name, has)| !has && !s.imported.contains(name))
        .map(|(name, _)| name)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_plain_functions_defined_here_and_not_imported_lack_a_derivative() {
        let file: syn::File = syn::parse_quote! {
            use other::imported;
            fn plain(x: f64) -> f64 { x }
            fn imported(x: f64) -> f64 { x }
            #[differentiate] fn smooth(x: f64) -> f64 { x }
            mod m { #[autodiff::differentiate] fn twice(x: f64) -> f64 { x } }
            fn twice(x: f64) -> f64 { x }
            #[differentiate(pullback = p)] fn custom(x: f64) -> f64 { x }
            use autodiff::differentiate as diff;
            #[diff] fn renamed(x: f64) -> f64 { x }
        };
        let names = super::scan(&file);
        assert_eq!(names, ["plain".to_owned()].into_iter().collect());
    }
}
