//! Shapes of locals (scalar or buffer), read from the syntax: a buffer's
//! adjoint is a buffer, and a buffer used whole is copied, not moved.

use crate::ir::*;
use crate::rules::Yields;
use crate::signature::Kind;

/// A buffer variable used as a whole value (`let w = v;`, `return v`) is
/// copied rather than moved: the reverse sweep still needs `v`.
pub(super) fn copy_buffers(body: Vec<Stmt>, vars: &[Var]) -> Vec<Stmt> {
    let whole = |e: Expr| match e {
        Expr::Var(v, span) if matches!(vars[v].shape, Shape::Array(_) | Shape::Matrix) => {
            Expr::Copy(Box::new(Expr::Var(v, span)), CopyKind::Whole, span)
        }
        e => e,
    };
    // A buffer passed by value to a call is copied too: the callee's
    // pullback needs it again.
    let copy = |e: Expr| {
        whole(e).map(&mut |x| match x {
            Expr::Call(mut c) => {
                c.args = std::mem::take(&mut c.args).into_iter().map(whole).collect();
                Expr::Call(c)
            }
            x => x,
        })
    };
    body.into_iter()
        .map(|s| match s {
            Stmt::Let { var, init } => Stmt::Let {
                var,
                init: init.map(copy),
            },
            Stmt::Assign {
                place,
                op,
                value,
                span,
            } => Stmt::Assign {
                place,
                op,
                value: copy(value),
                span,
            },
            Stmt::Return(e, span) => Stmt::Return(copy(e), span),
            s => s.map_blocks(|b, _| copy_buffers(b, vars)),
        })
        .collect()
}

/// `v += a` with a vector `v` and a scalar `a` is `v = v + a`: the
/// broadcasting rule of `+` sums `v`'s adjoint into `a`'s, which a compound
/// assignment, passing the adjoint on whole, would not. So is `v += g(x)`,
/// whose shape is not known here: the rule serves either.
///
/// ```text
/// y += a;   →   y = y + a;      // reverse: a_adj += sum(y_adj)
/// ```
pub(super) fn broadcast_compound(body: Vec<Stmt>, vars: &[Var]) -> Vec<Stmt> {
    body.into_iter()
        .map(|s| match s {
            Stmt::Assign {
                place: Place::Var(v),
                op: op @ (AssignOp::Add | AssignOp::Sub),
                value,
                span,
            } if vars[v].shape.is_tensor()
                && matches!(of_expr(&value, vars), Shape::Scalar | Shape::Unknown) =>
            {
                let bin = if op == AssignOp::Add {
                    BinOp::Add
                } else {
                    BinOp::Sub
                };
                Stmt::Assign {
                    place: Place::Var(v),
                    op: AssignOp::Set,
                    value: Expr::Bin(bin, Box::new(Expr::Var(v, span)), Box::new(value), span),
                    span,
                }
            }
            s => s.map_blocks(|b, _| broadcast_compound(b, vars)),
        })
        .collect()
}

/// Shapes of call results, which the syntax does not give: a result that is
/// indexed (`y[i]`), passed on or used as an operand by reference (`&y`),
/// reduced, or returned as a vector is a buffer (see also `flow_back`), any
/// other a scalar. A result declared with a type already has its shape.
pub(super) fn settle_calls(vars: &mut [Var], body: &[Stmt], result: VarId, borrowed: &[VarId]) {
    let mut from_call = vec![false; vars.len()];
    // Expressions whose value is known to be a vector or matrix: an
    // operand of a reduction (`(y * 2.0).sum()`), a reference passed on.
    let mut vector_uses = Vec::new();
    // `vec![g(x), g(y)]`: a buffer of calls' results, rows if indexed twice.
    let mut from_list = vec![false; vars.len()];
    let mut used_as = vec![None; vars.len()];
    for &v in borrowed {
        used_as[v] = Some(Shape::Array(1));
    }
    visit(body, &mut |s| {
        if let Some((v, e)) = s.assignment() {
            if matches!(
                s,
                Stmt::Let { .. }
                    | Stmt::Assign {
                        place: Place::Var(_),
                        ..
                    }
            ) && (matches!(e, Expr::Call(_))
                || (e.has_call() && shape(e, vars, true) == Shape::Unknown))
            {
                // A call's result, or arithmetic on one (`g(x) * 2.0`).
                from_call[v] = true;
            }
            if matches!(s, Stmt::Let { .. }) && matches!(e, Expr::List { .. } | Expr::Splat { .. })
            {
                from_list[v] = true;
            }
        }
        let mut note = |e: &Expr| {
            e.each(&mut |x| match x {
                Expr::Index(v, idx) => used_as[*v] = indexed(used_as[*v], idx),
                Expr::Ref(inner, _) => match **inner {
                    Expr::Var(v, _) => {
                        used_as[v].get_or_insert(Shape::Array(1));
                    }
                    ref e => vector_uses.push((Err(Shape::Array(1)), e.clone())),
                },
                // `k[0] > 0.0`: indexed inside an opaque expression.
                Expr::Opaque(p, _) => indexed_in(p, vars, &mut used_as),
                Expr::Prim { prim, args, .. } => {
                    for (k, a) in args.iter().enumerate() {
                        match (a, tensor_operand(prim, k)) {
                            (Expr::Var(v, _), Some(sh)) => {
                                used_as[*v].get_or_insert(sh);
                            }
                            (e, Some(sh)) => vector_uses.push((Err(sh), e.clone())),
                            _ => {}
                        }
                    }
                }
                _ => {}
            })
        };
        match s {
            Stmt::Let { init: Some(e), .. }
            | Stmt::Push { value: e, .. }
            | Stmt::Eval(e)
            | Stmt::Return(e, _) => note(e),
            Stmt::Assign { place, value, .. } => {
                note(value);
                if let Place::Index(v, idx) = place {
                    used_as[*v] = indexed(used_as[*v], idx);
                }
            }
            Stmt::If { cond, .. } | Stmt::While { cond, .. } => {
                indexed_in(cond, vars, &mut used_as)
            }
            _ => {}
        }
    });
    flow_back(vars, body, result, vector_uses, &mut used_as);
    for (i, v) in vars.iter_mut().enumerate() {
        if from_call[i] && v.shape == Shape::Unknown {
            v.shape = used_as[i].unwrap_or(Shape::Scalar);
        }
        if from_list[i] && v.shape == Shape::Unknown {
            v.shape = used_as[i].unwrap_or(Shape::Array(1));
        }
    }
}

/// What indexing by `idx` says of a value: a matrix if by a pair
/// (`m[(i, j)]`), and a matrix stays one (`m[i][j]` is an element too);
/// otherwise rows of as many levels as it indexes.
fn indexed(before: Option<Shape>, idx: &[Passive]) -> Option<Shape> {
    let pair = matches!(idx, [p] if matches!(p.expr, syn::Expr::Tuple(_)));
    if pair || before == Some(Shape::Matrix) {
        return Some(Shape::Matrix);
    }
    Some(Shape::Array(idx.len() as u8))
}

/// Notes the locals of unknown shape that the opaque expression `p` indexes
/// (`k[0] > 0.0`, `k[i][j]`): rows of as many levels as it indexes.
fn indexed_in(p: &Passive, vars: &[Var], used_as: &mut [Option<Shape>]) {
    struct Depths<'a> {
        id: &'a proc_macro2::Ident,
        depth: Option<u8>,
    }
    impl<'ast> syn::visit::Visit<'ast> for Depths<'_> {
        fn visit_expr_index(&mut self, e: &'ast syn::ExprIndex) {
            let mut base = &*e.expr;
            let mut levels = 1;
            while let syn::Expr::Index(inner) = base {
                base = &inner.expr;
                levels += 1;
            }
            let tuple = matches!(*e.index, syn::Expr::Tuple(_));
            if matches!(base, syn::Expr::Path(b) if b.path.is_ident(self.id)) && !tuple {
                self.depth = Some(self.depth.map_or(levels, |d| d.max(levels)));
            }
            syn::visit::visit_expr_index(self, e);
        }
    }
    for &v in &p.reads {
        if vars[v].shape != Shape::Unknown || used_as[v].is_some() {
            continue;
        }
        let mut d = Depths {
            id: &vars[v].ident,
            depth: None,
        };
        syn::visit::Visit::visit_expr(&mut d, &p.expr);
        if let Some(levels) = d.depth {
            used_as[v] = Some(Shape::Array(levels));
        }
    }
}

/// What a vector value says of the one unknown operand it is computed
/// from element-wise: with no other operand a vector, that one is.
///
/// ```text
/// let y = g(x);  let z = y * 2.0;  z.sum()   →   z is a vector, so y is
/// ```
/// `flows`: where each value goes, a variable (`Ok`) or a place known to
/// take a vector or matrix (`Err`); returned values go to `result`.
fn flow_back(
    vars: &[Var],
    body: &[Stmt],
    result: VarId,
    mut flows: Vec<(Result<VarId, Shape>, Expr)>,
    used_as: &mut [Option<Shape>],
) {
    visit(body, &mut |s| match s {
        Stmt::Let { var, init: Some(e) }
        | Stmt::Assign {
            place: Place::Var(var),
            op: AssignOp::Set,
            value: e,
            ..
        } => flows.push((Ok(*var), e.clone())),
        Stmt::Return(e, _) => flows.push((Ok(result), e.clone())),
        // `rows[i] = z`: a row.
        Stmt::Assign {
            place: Place::Index(v, idx),
            op: AssignOp::Set,
            value: e,
            ..
        } if vars[*v].shape == Shape::Array(2) && idx.len() == 1 => {
            flows.push((Err(Shape::Array(1)), e.clone()));
        }
        _ => {}
    });
    let known = |v: VarId, used_as: &[Option<Shape>]| match vars[v].shape {
        Shape::Unknown => used_as[v],
        sh => Some(sh),
    };
    loop {
        let mut changed = false;
        for (w, e) in &flows {
            let to = match w {
                Ok(w) => known(*w, used_as),
                Err(sh) => Some(*sh),
            };
            // `rows = vec![r.clone(), r]` with rows of rows: `r` is a row.
            if let (Some(Shape::Array(k @ 2..)), Some(elems)) = (to, row_elems(e)) {
                for v in elems.into_iter().filter_map(row_var) {
                    if known(v, used_as).is_none() {
                        used_as[v] = Some(Shape::Array(k - 1));
                        changed = true;
                    }
                }
                continue;
            }
            let Some(sh) = to.filter(|s| s.is_tensor()) else {
                continue;
            };
            let (mut unknown, mut tensor) = (Vec::new(), false);
            // A call's result is an unknown operand too (`g(x) * w`): then
            // no variable is the one.
            let mut calls = false;
            elementwise_leaves(e, &mut |leaf| match leaf {
                Expr::Var(v, _) => match known(*v, used_as) {
                    None => unknown.push(*v),
                    Some(s) => tensor |= s.is_tensor(),
                },
                leaf => match shape(leaf, vars, true) {
                    Shape::Unknown => calls |= leaf.has_call(),
                    s => tensor |= s.is_tensor(),
                },
            });
            unknown.sort_unstable();
            unknown.dedup();
            if let ([u], false, false) = (&unknown[..], tensor, calls) {
                used_as[*u] = Some(sh);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// The elements of a list or splat (`vec![a, b]`, `vec![a; n]`).
fn row_elems(e: &Expr) -> Option<Vec<&Expr>> {
    match e {
        Expr::List { elems, .. } => Some(elems.iter().collect()),
        Expr::Splat { elem, .. } => Some(vec![&**elem]),
        _ => None,
    }
}

/// The variable an element is, or is a copy of (`r`, `r.clone()`).
fn row_var(e: &Expr) -> Option<VarId> {
    match e {
        Expr::Var(v, _) => Some(*v),
        Expr::Copy(inner, _, _) => row_var(inner),
        _ => None,
    }
}

/// The operands `e` is an element-wise function of.
fn elementwise_leaves(e: &Expr, f: &mut impl FnMut(&Expr)) {
    match e {
        Expr::Bin(_, a, b, _) => {
            elementwise_leaves(a, f);
            elementwise_leaves(b, f);
        }
        Expr::Neg(a, _) | Expr::Copy(a, _, _) | Expr::Ref(a, _) => elementwise_leaves(a, f),
        Expr::Prim { prim, args, .. } if prim.yields == Yields::Elementwise => {
            for (a, d) in args.iter().zip(prim.differentiable) {
                if *d {
                    elementwise_leaves(a, f);
                }
            }
        }
        e => f(e),
    }
}

/// The shape operand `k` of a vector or matrix primitive has (`y.sum()`,
/// `a.matvec(&y)`), from the rule table.
fn tensor_operand(prim: &crate::rules::Prim, k: usize) -> Option<Shape> {
    prim.takes.get(k).map(|t| match t {
        crate::rules::Takes::Vector => Shape::Array(1),
        crate::rules::Takes::Matrix => Shape::Matrix,
    })
}

/// The shape of an expression's value, from the shapes of the variables it
/// reads: element-wise operations broadcast, reductions give scalars.
pub(crate) fn of_expr(e: &Expr, vars: &[Var]) -> Shape {
    shape(e, vars, false)
}

/// The shape of an expression's value, unknown where an operand's is (a
/// call's result whose use does not say).
pub(crate) fn of_expr_strict(e: &Expr, vars: &[Var]) -> Shape {
    shape(e, vars, true)
}

/// `strict`: an operation on an operand of unknown shape has an unknown
/// shape (while locals are being inferred); otherwise it is a scalar.
fn shape(e: &Expr, vars: &[Var], strict: bool) -> Shape {
    let deeper = |s: Shape| match s {
        Shape::Scalar => Shape::Array(1),
        Shape::Array(k) => Shape::Array(k + 1),
        Shape::Matrix | Shape::Unknown => Shape::Unknown,
    };
    let broadcast = |args: &[&Expr]| {
        let shapes: Vec<Shape> = args.iter().map(|a| shape(a, vars, strict)).collect();
        broadcast(&shapes, strict)
    };
    match e {
        Expr::Lit(_) | Expr::Cast(..) => Shape::Scalar,
        Expr::Neg(a, _) => broadcast(&[a]),
        Expr::Bin(_, a, b, _) => broadcast(&[a, b]),
        Expr::Prim { prim, args, .. } => {
            let operands: Vec<Shape> = args.iter().map(|a| shape(a, vars, strict)).collect();
            yields(prim, &operands, strict)
        }
        Expr::Var(v, _) => vars[*v].shape,
        Expr::Index(v, idx) => match vars[*v].shape {
            Shape::Array(k) if k as usize == idx.len() => Shape::Scalar,
            Shape::Array(k) if k as usize > idx.len() => Shape::Array(k - idx.len() as u8),
            Shape::Matrix => Shape::Scalar,
            _ => Shape::Unknown,
        },
        Expr::Copy(a, _, _) | Expr::Ref(a, _) => shape(a, vars, strict),
        Expr::Splat { elem, .. } => deeper(shape(elem, vars, strict)),
        // `vec![g(x), y]`: the elements that say what they are.
        Expr::List { elems, .. } => match elems.first() {
            None => Shape::Array(1),
            Some(_) => (elems.iter())
                .map(|x| shape(x, vars, strict))
                .find(|s| *s != Shape::Unknown)
                .map_or(Shape::Unknown, deeper),
        },
        Expr::Empty(_) => Shape::Array(1),
        Expr::Opaque(p, _) => opaque_shape(&p.expr, &p.reads, vars, strict),
        // Settled by `settle_calls` from how the result is used.
        Expr::Call(_) => Shape::Unknown,
    }
}

/// The shape of an element-wise operation: a vector or matrix operand makes
/// the result one; otherwise a scalar (unknown, if `strict`, while an
/// operand is).
fn broadcast(shapes: &[Shape], strict: bool) -> Shape {
    match shapes.iter().find(|s| s.is_tensor()) {
        Some(s) => *s,
        None if strict && shapes.contains(&Shape::Unknown) => Shape::Unknown,
        None => Shape::Scalar,
    }
}

/// The shape of a primitive's result from its operands' shapes.
fn yields(prim: &crate::rules::Prim, operands: &[Shape], strict: bool) -> Shape {
    match prim.yields {
        Yields::Elementwise => {
            let diff: Vec<Shape> = operands
                .iter()
                .zip(prim.differentiable)
                .filter(|(_, d)| **d)
                .map(|(s, _)| *s)
                .collect();
            broadcast(&diff, strict)
        }
        Yields::Scalar => Shape::Scalar,
        Yields::Vector => Shape::Array(1),
        Yields::Matrix => Shape::Matrix,
    }
}

/// `Vector::zeros(n)`, `Matrix::identity(3)`: the shape a constructor makes.
pub(super) fn constructor(path: &syn::Path) -> Option<Shape> {
    let n = path.segments.len();
    match n.checked_sub(2).map(|i| path.segments[i].ident.to_string()) {
        Some(t) if t == "Vector" => Some(Shape::Array(1)),
        Some(t) if t == "Matrix" => Some(Shape::Matrix),
        _ => None,
    }
}

/// The shape of a constant expression, read from its syntax where it says:
/// `Vector::zeros(n)`, `detach(x * x)`, `Matrix::identity(3)`.
fn opaque_shape(e: &syn::Expr, reads: &[VarId], vars: &[Var], strict: bool) -> Shape {
    use syn::Expr as E;
    let of = |e: &syn::Expr| opaque_shape(e, reads, vars, strict);
    match e {
        E::Lit(l) => match l.lit {
            syn::Lit::Float(_) | syn::Lit::Int(_) => Shape::Scalar,
            _ => Shape::Unknown,
        },
        E::Path(p) => match p.path.get_ident() {
            Some(i) => reads
                .iter()
                .find(|v| vars[**v].ident == *i)
                .map_or(Shape::Unknown, |v| vars[*v].shape),
            None => Shape::Unknown,
        },
        E::Paren(p) => of(&p.expr),
        E::Group(g) => of(&g.expr),
        E::Reference(r) => of(&r.expr),
        E::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => of(&u.expr),
        E::Binary(b) if super::is_compound(&b.op) => Shape::Unknown,
        E::Binary(b) => match b.op {
            syn::BinOp::Add(_) | syn::BinOp::Sub(_) | syn::BinOp::Mul(_) | syn::BinOp::Div(_) => {
                broadcast(&[of(&b.left), of(&b.right)], strict)
            }
            _ => Shape::Unknown,
        },
        E::Call(c) => match &*c.func {
            E::Path(f) if f.path.segments.last().is_some_and(|s| s.ident == "detach") => {
                c.args.first().map_or(Shape::Unknown, of)
            }
            E::Path(f) => constructor(&f.path).unwrap_or(Shape::Unknown),
            _ => Shape::Unknown,
        },
        E::MethodCall(m) => {
            let name = m.method.to_string();
            let mut operands = vec![of(&m.receiver)];
            operands.extend(m.args.iter().map(of));
            match crate::rules::method(&name, operands.len()) {
                Some(prim) => yields(prim, &operands, strict),
                None if name == "clone" => operands[0],
                None if name == "len" => Shape::Scalar,
                None => Shape::Unknown,
            }
        }
        E::Cast(c) if super::expr::is_float_type(&c.ty) => Shape::Scalar,
        _ => Shape::Unknown,
    }
}

/// Shapes of locals from what is assigned to them: a fixpoint, since one
/// local may be initialised from another. `settle`: what is still unknown
/// after that is a scalar.
pub(super) fn infer_shapes(vars: &mut [Var], body: &[Stmt], settle: bool) {
    fn walk(b: &[Stmt], vars: &mut [Var], strict: bool) -> bool {
        let mut assigned = Vec::new();
        visit(b, &mut |s| match s {
            Stmt::Let { var, init: Some(e) } => assigned.push((*var, shape(e, vars, strict))),
            Stmt::Assign {
                place: Place::Var(var),
                value,
                ..
            } => assigned.push((*var, shape(value, vars, strict))),
            _ => {}
        });
        let mut changed = false;
        for (v, sh) in assigned {
            if vars[v].shape == Shape::Unknown && sh != Shape::Unknown {
                vars[v].shape = sh;
                changed = true;
            }
        }
        changed
    }
    while walk(body, vars, true) {}
    if settle {
        while walk(body, vars, false) {}
    }
}

/// The shape of a parameter or result of this kind.
pub(super) fn of_kind(kind: &Kind) -> Shape {
    match kind {
        Kind::Scalar => Shape::Scalar,
        Kind::Rows => Shape::Array(2),
        Kind::Matrix => Shape::Matrix,
        Kind::Struct(_) => Shape::Unknown,
        Kind::Slice | Kind::Array(_) | Kind::Vector => Shape::Array(1),
    }
}

pub(super) fn shape_of_type(ty: &syn::Type) -> Shape {
    if let Some((kind, _)) = crate::signature::classify(ty) {
        if matches!(kind, Kind::Vector | Kind::Matrix) {
            return of_kind(&kind);
        }
    }
    match ty {
        _ if super::expr::is_float_type(ty) => Shape::Scalar,
        syn::Type::Array(a) => match shape_of_type(&a.elem) {
            Shape::Scalar => Shape::Array(1),
            Shape::Array(1) => Shape::Array(2),
            _ => Shape::Unknown,
        },
        syn::Type::Path(p) => {
            let Some(last) = p.path.segments.last() else {
                return Shape::Unknown;
            };
            let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
                return Shape::Unknown;
            };
            match (last.ident == "Vec", a.args.first()) {
                (true, Some(syn::GenericArgument::Type(t))) => match shape_of_type(t) {
                    Shape::Scalar => Shape::Array(1),
                    Shape::Array(1) => Shape::Array(2),
                    _ => Shape::Unknown,
                },
                _ => Shape::Unknown,
            }
        }
        _ => Shape::Unknown,
    }
}

/// Marks the vector and matrix locals that may hold a reference: assigned
/// from a constant expression (other than a constructor) or from another
/// variable that may.
pub(super) fn mark_references(vars: &mut [Var], body: &[Stmt]) {
    loop {
        let mut marks = Vec::new();
        visit(body, &mut |s| {
            let Some((v, e)) = s.assignment() else { return };
            if !vars[v].shape.is_tensor() || vars[v].maybe_ref || vars[v].is_reference() {
                return;
            }
            let whole = match e {
                Expr::Copy(inner, CopyKind::Whole, _) => &**inner,
                e => e,
            };
            let maybe = match whole {
                // A constructor makes an owned value.
                Expr::Opaque(p, _) => !matches!(&p.expr, syn::Expr::Call(c)
                    if matches!(&*c.func, syn::Expr::Path(f) if constructor(&f.path).is_some())),
                Expr::Var(w, _) => vars[*w].is_reference() || vars[*w].maybe_ref,
                _ => false,
            };
            if maybe {
                marks.push(v);
            }
        });
        if marks.is_empty() {
            break;
        }
        for v in marks {
            vars[v].maybe_ref = true;
        }
    }
}
