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

/// What the caller of [`parts`] wants besides the gradient.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    /// The value, with the seed's shape checked against it (`_vjp`,
    /// `pullback`).
    Value,
    /// The value, for `forward`/`reverse`: the seed is the adjoint of the
    /// value `forward` returned, sized from it by the caller, so it is not
    /// checked and the closure need not keep the value.
    Split,
    /// The gradient only, for a `reverse` that discards the value.
    Gradient,
}

/// The parts of a body. Without the value (`Want::Gradient`), the forward
/// code only the value needs is left out (`prune`): the body is generated
/// twice, once to learn what the reverse sweep names, once without the dead
/// code.
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
    want: Want,
) -> Parts {
    let ctx = PartsCtx {
        sig,
        f,
        an,
        seed,
        param_adjoints,
        epilogue,
    };
    if want != Want::Gradient {
        return build(&ctx, names, diag, Mode::Full(want == Want::Value)).0;
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
    /// The value and the gradient; whether the seed's shape is checked.
    Full(bool),
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
    let value_wanted = matches!(mode, Mode::Full(_));
    let before = names.taken();
    let mut gen = Gen::new(f, an, names, diag);
    let seeds = Seeds {
        sig,
        f,
        seed: c.seed,
        checked: matches!(mode, Mode::Full(true)),
    };
    let copy = seeded_copy(f, an);
    let alias = copy.as_ref().map(|c| c.z);
    // Adjoints: the caller's buffers for parameters, locals otherwise.
    // Scalar ones are declared before the forward sweep, where fused loops
    // (`fuse`) run their reverse code.
    let (mut adj_decls, mut scalar_adjs) = (TokenStream::new(), TokenStream::new());
    // So are those of buffers a fused body declares, when there is a seed
    // to fuse from (`forward` has none: its loops are not fused).
    let fused_buffers: Vec<VarId> = an.fused.values().flat_map(|f| f.buffers.clone()).collect();
    let scratch: Vec<VarId> = an.fused.values().flat_map(|f| f.scratch.clone()).collect();
    let mut fused_adjs = TokenStream::new();
    let mut scratch_adjs = Vec::new();
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
                    let zero = crate::reverse::zero();
                    scalar_adjs.extend(quote!(let mut #a = #zero;));
                } else if scratch.contains(&id) {
                    scratch_adjs.push((a.clone(), v.clone()));
                } else if fused_buffers.contains(&id) {
                    fused_adjs.extend(quote!(let mut #a = ::autodiff::__private::zero_like(&#v);));
                } else {
                    adj_decls.extend(quote!(let mut #a = ::autodiff::__private::zero_like(&#v);));
                }
                quote!(#a)
            }
            Origin::LoopIndex | Origin::ExitFlag => continue,
        });
    }
    if gen.result_seed.is_some() {
        scalar_adjs.extend(fused_adjs);
        // Declared before the buffers are: each iteration sizes them.
        for (a, _) in scratch_adjs {
            scalar_adjs.extend(quote!(let mut #a = ::core::default::Default::default();));
        }
    } else {
        for (a, v) in scratch_adjs {
            adj_decls.extend(quote!(let mut #a = ::autodiff::__private::zero_like(&#v);));
        }
        adj_decls.extend(fused_adjs);
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
        Mode::Full(_) => {}
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
    // With an aliased result, the copy is the last statement: it has no
    // reverse code, and its forward code is written below.
    gen.skip = copy.as_ref().map(|c| c.last as *const Stmt as usize);
    let sweeps = gen.block(&f.body, Ctx::TOP);
    gen.skip = None;
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
    // Everything but the forward sweep and the hoisted declarations (which
    // only declare), for what reads a variable; with them, for what names it.
    let readers = quote!(#exit #scalar_adjs #adj_decls #rev #keep #put_back #epilogue #fields);
    let others = quote!(#decls #readers);
    if let (Some(c), true) = (&copy, value_wanted) {
        // The result is `z` moved, unless the reverse sweep reads `z`
        // (`needed` counts the copy's own reverse code, which is gone).
        if crate::reverse::mentions(&readers, &f.vars[c.z].ident) > 0 {
            fwd.extend(gen.stmt(c.last, Ctx::TOP).fwd);
        } else {
            let (r, z) = (&f.vars[f.result].ident, &f.vars[c.z].ident);
            fwd.extend(match c.declared {
                true => quote!(#r = #z;),
                false => quote!(let #r = #z;),
            });
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
///
/// The body of a split function is one `if true { .. }` branch
/// (`pullback::as_branch`), which ends in `value = z`: the same holds.
struct SeededCopy<'f> {
    z: VarId,
    /// The copy, left out of the sweeps (statements are known by their
    /// address, so the body is not rebuilt without it).
    last: &'f Stmt,
    /// Whether the result is declared before the copy (the branch form).
    declared: bool,
}

fn seeded_copy<'f>(f: &'f Func, an: &Analysis) -> Option<SeededCopy<'f>> {
    let result = &f.vars[f.result];
    let (last, declared) = match f.body.last()? {
        last @ Stmt::Let { var, .. } if *var == f.result => (last, false),
        Stmt::If {
            cond,
            then_b,
            else_b,
        } if else_b.is_empty() && is_true(cond) => (then_b.last()?, true),
        _ => return None,
    };
    let z = match last {
        Stmt::Let {
            var,
            init: Some(Expr::Copy(inner, CopyKind::Whole, _)),
        } if *var == f.result && !declared => &**inner,
        Stmt::Assign {
            place: Place::Var(var),
            op: AssignOp::Set,
            value: Expr::Copy(inner, CopyKind::Whole, _),
            ..
        } if *var == f.result && declared => &**inner,
        _ => return None,
    };
    let Expr::Var(z, _) = *z else {
        return None;
    };
    let local = &f.vars[z];
    // Declared at the top of the body (of the branch, in the branch form).
    let top = Ctx {
        nested: declared,
        ..Ctx::TOP
    };
    let plain = local.origin == Origin::Local
        && local.field.is_none()
        && !local.maybe_ref
        && !local.is_reference()
        && local.ctx == top
        && local.shape == result.shape;
    (f.outputs == [f.result]
        && result.assignments == 1
        && result.shape != Shape::Scalar
        && an.active[f.result]
        && an.active[z]
        && plain)
        .then_some(SeededCopy { z, last, declared })
}

/// Whether a branch condition is the literal `true`.
fn is_true(cond: &Passive) -> bool {
    matches!(&cond.expr, syn::Expr::Lit(l) if matches!(&l.lit, syn::Lit::Bool(b) if b.value))
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
