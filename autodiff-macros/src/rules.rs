//! The primitive table: every differentiable operation the macro knows, and
//! the runtime rule that is its pullback.
//!
//! Adding a primitive means one row here and one function in
//! `autodiff_runtime::rules`; nothing else changes. A row says how the
//! primitive is spelled (`x.sin()` or `f64::sin(x)`), its operands, which of
//! them can carry a gradient, and which operand values the pullback reads
//! (the reverse sweep must then still have those values).

/// Which primal values a pullback reads.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// None: the pullback is linear in the cotangent alone (`+`, `−`).
    Nothing,
    /// `a·b`: each operand's value is read only to differentiate the other.
    Product,
    /// `a / b`: `b` always; `a` (through the result) only when `b` is active.
    Quotient,
    /// Every operand (and the result, which is recomputed from them).
    All,
}

/// The shape of a primitive's result, given its operands' shapes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Yields {
    /// The shape of the operands (broadcast): `sin`, `+`, `powf`.
    Elementwise,
    /// A scalar: the reductions `sum`, `dot`, `norm`.
    Scalar,
    /// A `Vector`: `matvec`, `vecmat`.
    Vector,
    /// A `Matrix`: `matmul`, `transpose`.
    Matrix,
}

pub struct Prim {
    /// Method name, as the user spells it.
    pub name: &'static str,
    /// The rule's name in `autodiff_runtime::rules` (the method name, unless
    /// one name has two arities: `x.max(y)` and `v.max()`).
    pub rule: &'static str,
    /// Operand count, receiver included.
    pub arity: usize,
    /// Operands that can carry a gradient; the rule returns one cotangent for
    /// each of them, in order. The others are integers (`powi`'s exponent).
    pub differentiable: &'static [bool],
    pub needs: Needs,
    pub yields: Yields,
    /// The operands that must be vectors or matrices, in order (empty for
    /// the scalar and element-wise primitives): what the operand of `y.sum()`
    /// says of a call's result `y`.
    pub takes: &'static [Takes],
}

/// An operand a vector or matrix primitive takes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Takes {
    /// A `Vector` (a reduction's operand may also be a `Matrix`: its adjoint
    /// code is the same, flat).
    Vector,
    Matrix,
}

const U: &[bool] = &[true];
const B: &[bool] = &[true, true];
const T3: &[bool] = &[true, true, true];
const V: Takes = Takes::Vector;
const M: Takes = Takes::Matrix;

macro_rules! table {
    ($($name:ident $(=> $rule:ident)?: $arity:expr, $diff:expr, $needs:ident $(, $yields:ident: $takes:expr)?;)*) => {
        pub static PRIMS: &[Prim] = &[
            $(Prim {
                name: stringify!($name),
                rule: table!(@rule $name $($rule)?),
                arity: $arity,
                differentiable: $diff,
                needs: Needs::$needs,
                yields: table!(@yields $($yields)?),
                takes: table!(@takes $($takes)?),
            },)*
        ];
    };
    (@rule $name:ident) => { stringify!($name) };
    (@rule $name:ident $rule:ident) => { stringify!($rule) };
    (@yields) => { Yields::Elementwise };
    (@yields $y:ident) => { Yields::$y };
    (@takes) => { &[] };
    (@takes $t:expr) => { $t };
}

table! {
    // arithmetic operators (no method spelling; looked up by operator)
    add: 2, B, Nothing;
    sub: 2, B, Nothing;
    mul: 2, B, Product;
    div: 2, B, Quotient;
    neg: 1, U, Nothing;
    // `f64::from(x)`: a conversion, as `x as f64`
    from: 1, U, All;
    // float methods
    sin: 1, U, All;   cos: 1, U, All;   tan: 1, U, All;
    asin: 1, U, All;  acos: 1, U, All;  atan: 1, U, All;
    atan2: 2, B, All;
    sinh: 1, U, All;  cosh: 1, U, All;  tanh: 1, U, All;
    asinh: 1, U, All; acosh: 1, U, All; atanh: 1, U, All;
    exp: 1, U, All;   exp2: 1, U, All;  exp_m1: 1, U, All;
    ln: 1, U, All;    ln_1p: 1, U, All; log: 2, B, All;
    log2: 1, U, All;  log10: 1, U, All;
    sqrt: 1, U, All;  cbrt: 1, U, All;  recip: 1, U, All;
    powi: 2, &[true, false], All;
    powf: 2, B, All;
    abs: 1, U, All;
    max: 2, B, All;   min: 2, B, All;
    hypot: 2, B, All;
    mul_add: 3, T3, Product;
    clamp: 3, T3, All;
    // element-wise on vectors and matrices, where `max`/`min` reduce
    maximum => max: 2, B, All;
    minimum => min: 2, B, All;
    // reductions of vectors and matrices
    sum: 1, U, All, Scalar: &[V];
    mean: 1, U, All, Scalar: &[V];
    norm: 1, U, All, Scalar: &[V];
    max => reduce_max: 1, U, All, Scalar: &[V];
    min => reduce_min: 1, U, All, Scalar: &[V];
    dot: 2, B, Product, Scalar: &[V, V];
    // linear algebra
    matvec: 2, B, Product, Vector: &[M, V];
    vecmat: 2, B, Product, Vector: &[V, M];
    matmul: 2, B, Product, Matrix: &[M, M];
    transpose: 1, U, Nothing, Matrix: &[M];
}

/// Operator primitives are not callable as methods.
const OPERATORS: &[&str] = &["add", "sub", "mul", "div", "neg"];

/// Float methods whose result is piecewise constant or not a float: their
/// derivative is zero, so their result is a constant.
pub const CONSTANT_METHODS: &[&str] = &[
    "floor",
    "ceil",
    "round",
    "round_ties_even",
    "trunc",
    "signum",
    "is_nan",
    "is_finite",
    "is_infinite",
    "is_normal",
    "is_sign_positive",
    "is_sign_negative",
    "is_subnormal",
    "to_bits",
    "total_cmp",
    "partial_cmp",
    "len",
    "is_empty",
    "classify",
];

/// A method (or `f64::name` function) with `arity` operands, receiver
/// included, that has a derivative rule.
pub fn method(name: &str, arity: usize) -> Option<&'static Prim> {
    PRIMS
        .iter()
        .find(|p| p.name == name && p.arity == arity && !OPERATORS.contains(&p.name))
}

pub fn operator(name: &str) -> &'static Prim {
    PRIMS
        .iter()
        .find(|p| p.name == name)
        .expect("operator rows exist")
}

impl Prim {
    /// Which operands' values the pullback reads, given which are active.
    pub fn needed(&self, active: &[bool]) -> Vec<bool> {
        match self.needs {
            Needs::Nothing => vec![false; active.len()],
            Needs::All => vec![true; active.len()],
            // a·b (and a·b + c): a is read for b̄ and b for ā.
            Needs::Product => {
                let mut n = vec![false; active.len()];
                n[0] = active[1];
                n[1] = active[0];
                n
            }
            Needs::Quotient => vec![active[1], true],
        }
    }

    /// Whether the pullback reads the result and the result costs more to
    /// compute again than to keep: a loop's forward sweep then keeps it on a
    /// tape for the reverse sweep instead of the reverse sweep recomputing it.
    /// (`sin`'s pullback reads `cos x`, not the result; `sqrt` is as cheap as
    /// a tape.)
    pub fn keeps_result(&self) -> bool {
        KEPT_RESULTS.contains(&self.rule)
    }
}

/// See [`Prim::keeps_result`].
const KEPT_RESULTS: &[&str] = &[
    "exp", "exp2", "exp_m1", "tan", "tanh", "cbrt", "powf", "log", "hypot",
];
