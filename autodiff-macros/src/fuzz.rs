//! Fuzzing the expansion: functions from a corpus, mutated token by token,
//! are fed to [`crate::emit::expand`], which must never panic, and must
//! return well-formed Rust items whenever its input is a function.
//!
//! `cargo test -p autodiff-macros fuzz` runs a bounded campaign from a fixed
//! seed (CI); `PROPTEST_RNG_SEED=7 PROPTEST_CASES=200000 cargo test --release
//! -p autodiff-macros fuzz` a long one from another.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use proptest::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Cases that reached the expansion, and those whose input was a function.
static EXPANDED: AtomicUsize = AtomicUsize::new(0);
static FUNCTIONS: AtomicUsize = AtomicUsize::new(0);

const CORPUS: &[&str] = &[
    // An empty body: insertions build arbitrary token sequences in it.
    "fn f(x: f64, v: &[f64], n: usize) -> f64 { }",
    "fn f(x: f64, y: f64) -> f64 { let mut s = x * y; s += x.sin(); if s > 0.0 { s = s.sqrt(); } else { return -s; } s * y }",
    "fn f(x: &[f64], n: usize) -> f64 { let mut s = 0.0; for i in 0..n { let a = x[i]; s += a * a; if s > 2.0 { break; } } s }",
    "fn f(x: &[f64]) -> Vec<f64> { let mut v = vec![0.0; x.len()]; for i in (0..x.len()).rev() { v[i] = x[i].exp() * 2.0; } v }",
    "fn f(x: f64) -> f64 { let mut k = 0; let mut y = x; while k < 10 { k += 1; y = 0.5 * (y + x / y); } loop { if y > 1.0 { break; } y *= 2.0; } y }",
    "fn f(a: [f64; 3], m: &[Vec<f64>]) -> [f64; 2] { let mut p = Vec::with_capacity(3); for j in 0..=2 { p.push(a[j] * m[j][0]); } [p[0] + p[1], detach(p[2]).powi(2)] }",
    "fn f(x: f32, y: f64) -> f64 { let t = (x as f64).atan2(y); let u = if t > 0.0 { t.max(y) } else { f64::min(t, 1.0) }; u.mul_add(y, 2.0).clamp(-1.0, 1.0) }",
    "fn f(x: &[f64]) -> f64 { let mut s = 1.0; for i in (0..x.len()).step_by(2) { if x[i] < 0.0 { continue; } s *= x[i]; } s }",
    "fn f(x: &[f64], w: &[f64]) -> f64 { let mut s = 0.0; for (i, (&a, b)) in x.iter().zip(w).enumerate().rev() { s += a * b * i as f64; } s + x.iter().map(|v| { let t = v * 2.0; t.sin() }).sum::<f64>() + w.iter().fold(1.0, |acc, &v| acc * v) + x.iter().copied().fold(0.0, f64::max) }",
    "fn f(x: f64, k: u8, m: &Mode) -> f64 { let (a, (b, _)) = (x * 2.0, (x.sin(), 1.0)); let y = match k { 0 => a, 1 | 2 => b, n if n > 5 => a * n as f64, _ => unreachable!() }; match m { Mode::A(s) => y * s, Mode::B { t, .. } => y + t, _ => y } }",
    "fn f(p: &Params, x: &[f64]) -> f64 { let (lo, hi) = if x[0] < p.b { (x[0], p.b) } else { (p.b, x[0]) }; (lo, hi) = (hi, lo); p.w.iter().zip(x).map(|(w, xi)| w * xi).sum::<f64>() + g(p, &p.w) * lo * p.inner.c }",
    "fn f(x: &[f64], y: f64) -> f64 { let v = g(x, &x, y * 2.0); let w: Vec<f64> = h(&v[0], 3); println!(\"{v} {}\", w[1]); assert!(y > 0.0, \"{y}\"); m::k(v, w[0]) }",
];

const ATTRS: &[&str] = &[
    "",
    "wrt(x)",
    "wrt(x, y)",
    "wrt(n)",
    "wrt()",
    "wrt(x, x)",
    "wrt(p)",
    "wrt(m, x)",
    "wrt(z)",
    "forward",
    "wrt(x), wrt(y)",
    "pullback = rule",
    "wrt(x), pullback = m::rule",
    "pullback",
];

const VOCAB: &[&str] = &[
    "x", "y", "s", "i", "let", "mut", "if", "else", "for", "in", "while", "loop", "break",
    "continue", "return", "match", "=>", "|", "&", "*", "+", "-", "/", "%", "=", "+=", "*=", "==",
    "<", "..", "..=", "(", ")", "[", "]", "{", "}", ";", ",", ".", "sin", "powi", "vec", "!",
    "0.0", "1", "2.5_f64", "detach", "unsafe", "async", "move", "as", "f64", "usize", "::", "Vec",
    "push", "?", "'a", "self", "struct", "fn", "#", "_", "const", "static", "println", "true",
    "\"s\"", "impl", "dyn", "where", "->", "@", "f32", "i32", "u8",
];

/// The tokens of `src`, delimiters included, as text.
fn flatten(ts: TokenStream, out: &mut Vec<String>) {
    for t in ts {
        match t {
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::None => ("", ""),
                };
                out.push(open.into());
                flatten(g.stream(), out);
                out.push(close.into());
            }
            TokenTree::Punct(p) => {
                // `->`, `+=`, `::`: a joint punct continues into the next one.
                let joined = matches!(out.last(), Some(prev) if prev.ends_with('\u{1}'));
                let text = format!(
                    "{}{}",
                    p.as_char(),
                    if p.spacing() == proc_macro2::Spacing::Joint {
                        "\u{1}"
                    } else {
                        ""
                    }
                );
                if joined {
                    let prev = out.pop().unwrap_or_default();
                    out.push(format!("{}{text}", prev.trim_end_matches('\u{1}')));
                } else {
                    out.push(text);
                }
            }
            other => out.push(other.to_string()),
        }
    }
    for t in out.iter_mut() {
        *t = t.trim_end_matches('\u{1}').to_owned();
    }
}

fn mutate(tokens: &mut Vec<String>, kind: usize, a: usize, b: usize, word: usize) {
    if tokens.is_empty() {
        return;
    }
    let (i, j) = (a % tokens.len(), b % tokens.len());
    match kind {
        0 => {
            tokens.remove(i);
        }
        1 => tokens.insert(i, VOCAB[word].to_owned()),
        2 => tokens.swap(i, j),
        3 => tokens[i] = VOCAB[word].to_owned(),
        _ => {
            // Copy a run of tokens elsewhere: whole statements and
            // expressions move around.
            let (lo, hi) = (i.min(j), i.max(j).min(i.min(j) + 12));
            let run: Vec<String> = tokens[lo..hi].to_vec();
            let at = (a / 7) % tokens.len();
            tokens.splice(at..at, run);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 6000,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    fn fuzz_expansion_never_panics(
        which in 0..CORPUS.len(),
        attr in 0..ATTRS.len(),
        mutations in prop::collection::vec((0usize..5, any::<usize>(), any::<usize>(), 0..VOCAB.len()), 0..12),
    ) {
        let mut tokens = Vec::new();
        flatten(CORPUS[which].parse().expect("corpus parses"), &mut tokens);
        for (kind, a, b, word) in mutations {
            mutate(&mut tokens, kind, a, b, word);
        }
        // Unbalanced delimiters never reach a macro: the compiler's lexer
        // rejects them first.
        let Ok(item) = tokens.join(" ").parse::<TokenStream>() else { return Ok(()) };
        let is_fn = syn::parse2::<syn::ItemFn>(item.clone()).is_ok();
        let attr: TokenStream = ATTRS[attr].parse().expect("attributes parse");
        let out = crate::emit::expand(attr, item);
        EXPANDED.fetch_add(1, Relaxed);
        FUNCTIONS.fetch_add(usize::from(is_fn), Relaxed);
        if is_fn {
            prop_assert!(syn::parse2::<syn::File>(out.clone()).is_ok(), "not Rust items:\n{out}");
        }
    }
}

#[test]
fn fuzz_campaign_reaches_the_expansion() {
    // Reports what the campaign covered, so that one whose mutations stop
    // parsing is noticed.
    fuzz_expansion_never_panics();
    let (e, f) = (EXPANDED.load(Relaxed), FUNCTIONS.load(Relaxed));
    println!("fuzzing: {e} inputs expanded, {f} of them functions");
    assert!(f > 100, "the mutations left too few valid functions ({f})");
}

/// Inputs a campaign once found; each expands without overflowing the stack
/// and gives Rust items.
#[test]
fn past_findings_expand() {
    const FOUND: &[(&str, &str)] = &[
        // The closure parameter `v` is an alias of `v[pos]`, where `v` is no
        // local: the alias stood for itself.
        (
            "wrt(x)",
            "fn f(x: &[f64]) -> f64 { v.iter().fold(1.0, |acc, &v| acc * v) + v.iter().map(|v| v * x[0]).sum::<f64>() }",
        ),
        // An empty statement is a `Verbatim` expression with no tokens.
        ("", "fn f(x: f64) -> f64 { let mut y = x; if y > 1.0 { ; } y * y }"),
    ];
    for (attr, item) in FOUND {
        let out = crate::emit::expand(attr.parse().unwrap(), item.parse().unwrap());
        assert!(
            syn::parse2::<syn::File>(out.clone()).is_ok(),
            "not Rust items:\n{out}"
        );
    }
}
