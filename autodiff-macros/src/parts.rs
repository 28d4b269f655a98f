//! The pieces of a generated body: the forward sweep with its declarations,
//! the adjoints and the reverse sweep, and the returned value. `_vjp` and
//! `pullback` put them together; `forward`/`reverse` put them apart; a
//! `reverse` that discards the value gets them without the forward code
//! only the value needed (`prune`).

use crate::activity::Analysis;
use crate::diagnostics::Diagnostics;
use crate::ir::*;
use crate::names::Names;
use crate::reverse::Gen;
use crate::signature::{Kind, Signature};
use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// The pieces of a body, which `pullback::companion` also puts apart.
pub(crate) struct Parts {
    /// Locals for the fields of struct parameters (references into them).
    pub fields: TokenStream,
    /// The forward sweep, with the declarations it needs.
    pub forward: TokenStream,
    /// The adjoints, the reverse sweep and `epilogue`.
    pub reverse: TokenStream,
    /// The returned value.
    pub value: TokenStream,
}

/// The parts of a body. Without the value (`value: false`, for a `reverse`
/// that discards it), the forward code only the value needs is left out
/// (`prune`): the body is generated twice, once to learn what the reverse
/// sweep names, once without the dead code.
#[allow(clippy::too_many_arguments)]
pub(crate) fn parts(
    sig: &Signature,
    f: &Func,
    an: &Analysis,
    names: &mut Names,
    seed: &Ident,
    param_adjoints: &[Option<TokenStream>],
    epilogue: TokenStream,
    diag: &mut Diagnostics,
    value: bool,
) -> Parts {
    let ctx = PartsCtx {
        sig,
        f,
        an,
        seed,
        param_adjoints,
        epilogue,
    };
    if value {
        return build(&ctx, names, diag, Mode::Full).0;
    }
    let (_, probe) = build(&ctx, names, &mut Diagnostics::default(), Mode::Probe);
    let prune = match probe {
        Some((entangled, named)) => crate::prune::dead_forward(f, an, &entangled, |v| named[v]),
        None => Default::default(),
    };
    build(&ctx, names, diag, Mode::Pruned(prune)).0
}

/// What `build` works from.
struct PartsCtx<'a> {
    sig: &'a Signature,
    f: &'a Func,
    an: &'a Analysis,
    seed: &'a Ident,
    param_adjoints: &'a [Option<TokenStream>],
    epilogue: TokenStream,
}

/// Whether the value is wanted, and what is known of dead forward code.
enum Mode {
    /// The value and the gradient.
    Full,
    /// The gradient only, noting which statements are entangled
    /// (`reverse::Entangled`) and which variables code other than the
    /// forward sweep names.
    Probe,
    /// The gradient only, without the forward code of these statements.
    Pruned(crate::prune::Pruned),
}

/// The statements found entangled, and for each variable whether code
/// other than the forward sweep names it.
type Probe = (std::collections::HashSet<usize>, Vec<bool>);

fn build(
    c: &PartsCtx,
    names: &mut Names,
    diag: &mut Diagnostics,
    mode: Mode,
) -> (Parts, Option<Probe>) {
    let (sig, f, an) = (c.sig, c.f, c.an);
    let value_wanted = matches!(mode, Mode::Full);
    let before = names.taken();
    let mut gen = Gen::new(f, an, names, diag);
    let seeds = Seeds {
        sig,
        f,
        seed: c.seed,
        checked: value_wanted,
    };
    let alias = seeded_copy(f, an);
    // Adjoints: the caller's buffers for parameters, locals otherwise.
    // Scalar ones are declared before the forward sweep, where fused loops
    // (`fuse`) run their reverse code.
    let (mut adj_decls, mut scalar_adjs) = (TokenStream::new(), TokenStream::new());
    for (id, var) in f.vars.iter().enumerate() {
        if !an.active[id] || alias == Some(id) {
            continue;
        }
        if let Some(init) = seeds.init(id, &var.ident) {
            let a = gen.names.fresh(&format!("{}_adj", var.ident));
            adj_decls.extend(quote!(let mut #a = #init;));
            gen.adjoints[id] = Some(quote!(#a));
            if id == f.result && var.shape == Shape::Scalar {
                gen.result_seed = Some(init);
            }
            continue;
        }
        gen.adjoints[id] = Some(match var.origin {
            Origin::Param(p) => match (&c.param_adjoints[p], &var.field) {
                (Some(a), Some((_, path))) => quote!((#a #path)),
                (Some(a), None) => a.clone(),
                (None, _) => continue,
            },
            Origin::Local | Origin::Result => {
                let a = gen.names.fresh(&format!("{}_adj", var.ident));
                let v = &var.ident;
                if var.shape == Shape::Scalar {
                    scalar_adjs.extend(quote!(let mut #a = 0.0;));
                } else {
                    adj_decls.extend(quote!(let mut #a = ::autodiff::__private::zero_like(&#v);));
                }
                quote!(#a)
            }
            Origin::LoopIndex | Origin::ExitFlag => continue,
        });
    }
    if let Some(z) = alias {
        gen.adjoints[z] = gen.adjoints[f.result].clone();
    }
    match mode {
        Mode::Probe => {
            let mut adjoints = std::collections::HashSet::new();
            for a in gen.adjoints.iter().flatten() {
                crate::prune::idents(a, &mut adjoints);
            }
            gen.entangled = Some(crate::reverse::Entangled {
                adjoints,
                shared: Vec::new(),
            });
        }
        Mode::Pruned(prune) => gen.prune = prune,
        Mode::Full => {}
    }
    // Fields of struct parameters are read through locals, like parameters.
    let mut fields = TokenStream::new();
    for var in &f.vars {
        if let Some((base, path)) = &var.field {
            let (id, base) = (&var.ident, &f.vars[*base].ident);
            fields.extend(match var.shape {
                Shape::Scalar => quote!(let #id = #base #path;),
                _ => quote!(let #id = &#base #path;),
            });
        }
    }
    // With an aliased result, its `let` is the last statement: it has no
    // reverse code, and its forward code is written below.
    let body = match alias {
        Some(_) => &f.body[..f.body.len() - 1],
        None => &f.body[..],
    };
    let sweeps = gen.block(body, Ctx::TOP);
    let decls = std::mem::take(&mut gen.decls);
    let exit = f.exit_flag.map(|v| {
        let i = &f.vars[v].ident;
        quote!(let mut #i: u8 = 0;)
    });
    let value = if value_wanted {
        seeds.value()
    } else {
        TokenStream::new()
    };
    // The reverse sweep restores what the forward sweep overwrote, output
    // parameters included: their final contents are put back after it.
    let (mut keep, mut put_back) = (TokenStream::new(), TokenStream::new());
    for &v in &f.outputs {
        if matches!(f.vars[v].origin, Origin::Param(_)) && an.needed[v] {
            let (id, kept) = (&f.vars[v].ident, gen.names.fresh("kept"));
            keep.extend(quote!(let #kept = ::autodiff::__private::owned(&#id);));
            put_back.extend(quote!(#id.copy_from_slice(&#kept[..]);));
        }
    }
    let (mut fwd, rev) = (sweeps.fwd, sweeps.rev);
    let entangled = gen.entangled.take();
    let epilogue = &c.epilogue;
    // Everything but the forward sweep, for what names a variable.
    let others =
        quote!(#exit #decls #scalar_adjs #adj_decls #rev #keep #put_back #epilogue #fields);
    if let (Some(z), Some(last), true) = (alias, f.body.last(), value_wanted) {
        // The result is `z` moved, unless the reverse sweep names `z`
        // (`needed` counts the copy's own reverse code, which is gone).
        if crate::reverse::mentions(&others, &f.vars[z].ident) > 0 {
            fwd.extend(gen.stmt(last, Ctx::TOP).fwd);
        } else {
            let (r, z) = (&f.vars[f.result].ident, &f.vars[z].ident);
            fwd.extend(quote!(let #r = #z;));
        }
    }
    let probe = entangled.map(|t| {
        // Names the sweeps created; an adjoint counts as one ("").
        let mut created: std::collections::HashSet<String> =
            gen.names.taken().difference(&before).cloned().collect();
        created.insert(String::new());
        let found = t
            .shared
            .into_iter()
            .filter(|(_, shared)| !shared.is_disjoint(&created))
            .map(|(k, _)| k)
            .collect();
        let named = f
            .vars
            .iter()
            .map(|v| crate::reverse::mentions(&others, &v.ident) > 0)
            .collect();
        (found, named)
    });
    if an.fused.is_empty() {
        scalar_adjs.extend(adj_decls);
        adj_decls = std::mem::take(&mut scalar_adjs);
    }
    let parts = Parts {
        fields,
        forward: quote! {
            #exit
            #decls
            #scalar_adjs
            #fwd
            #keep
        },
        reverse: quote! {
            #adj_decls
            #rev
            #put_back
            #epilogue
        },
        value,
    };
    (parts, probe)
}

/// A result that is a copy of a local buffer made by the last statement,
/// `let value = z`: `z`'s adjoint is the seed itself, and the copy has no
/// reverse code (its adjoint would be added to a zero one).
///
/// ```text
/// let mut z = vec![0.0; n];           let mut value_adj = seed.to_vec();
/// ..                         ->       // z's adjoint is value_adj
/// z                                   // no `z_adj += value_adj`
/// ```
fn seeded_copy(f: &Func, an: &Analysis) -> Option<VarId> {
    let result = &f.vars[f.result];
    let Some(Stmt::Let {
        var,
        init: Some(Expr::Copy(inner, CopyKind::Whole, _)),
    }) = f.body.last()
    else {
        return None;
    };
    let Expr::Var(z, _) = **inner else {
        return None;
    };
    let local = &f.vars[z];
    let plain = local.origin == Origin::Local
        && local.field.is_none()
        && !local.maybe_ref
        && !local.is_reference()
        && local.ctx == Ctx::TOP
        && local.shape == result.shape;
    (*var == f.result
        && f.outputs == [f.result]
        && result.assignments == 1
        && result.shape != Shape::Scalar
        && an.active[f.result]
        && an.active[z]
        && plain)
        .then_some(z)
}

/// Where each output's seed is and what the function returns.
struct Seeds<'a> {
    sig: &'a Signature,
    f: &'a Func,
    seed: &'a Ident,
    /// The seed's shape is checked against the value's (not when the value
    /// is not computed: the caller's seed is then the adjoint of the value
    /// its `forward` returned).
    checked: bool,
}

impl Seeds<'_> {
    /// The initial adjoint of output `v` (named `name`): its seed.
    fn init(&self, v: VarId, name: &Ident) -> Option<TokenStream> {
        let k = self.f.outputs.iter().position(|o| *o == v)?;
        let (kind, _) = self.sig.outputs()[k];
        let (seed, label) = if self.f.outputs.len() == 1 && !self.sig.tuple {
            let s = self.seed;
            (quote!(#s), "seed".to_string())
        } else {
            let (s, i) = (self.seed, syn::Index::from(k));
            (quote!(#s.#i), format!("seed.{k}"))
        };
        let what = match self.f.vars[v].origin {
            Origin::Param(_) => name.to_string(),
            _ if self.sig.tuple => format!("result.{k}"),
            _ => "result".to_string(),
        };
        Some(match kind {
            Kind::Scalar => seed,
            Kind::Array(_) => quote!(*#seed),
            Kind::Vector | Kind::Matrix if !self.checked => {
                quote!(::core::clone::Clone::clone(#seed))
            }
            Kind::Vector | Kind::Matrix => quote!({
                ::autodiff::__private::check_shape(#label, #what, #seed, &#name);
                ::core::clone::Clone::clone(#seed)
            }),
            _ if !self.checked => quote!(#seed.to_vec()),
            _ => quote!({
                ::autodiff::__private::check_len(#label, #what, #seed.len(), #name.len());
                #seed.to_vec()
            }),
        })
    }

    /// The returned value: the result, or the tuple of its parts.
    fn value(&self) -> TokenStream {
        let result = &self.f.vars[self.f.result].ident;
        if self.f.returns_unit() {
            return TokenStream::new();
        }
        if !self.sig.tuple {
            return quote!(#result);
        }
        let parts = self.f.outputs[1..self.sig.results.len()]
            .iter()
            .map(|v| &self.f.vars[*v].ident);
        quote!((#result, #(#parts,)*))
    }
}
