//! The intermediate representation: the function body as structured control
//! flow over named variables, with every float operation the macro must
//! differentiate spelled out and everything else kept as opaque Rust.

use crate::rules::Prim;
use proc_macro2::{Ident, Span, TokenStream};
use syn::Type;

pub type VarId = usize;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Shape {
    Scalar,
    /// A slice, `Vec`, array or `Vector`; `1` for floats, `2` for rows of
    /// floats.
    Array(u8),
    /// A `Matrix`: any index (`a[(i, j)]`, `a[i][j]`) is an element.
    Matrix,
    /// Not known from the syntax (never active, or handled generically).
    Unknown,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The `i`th parameter.
    Param(usize),
    Local,
    /// A `for` loop's index: the reverse loop binds it again.
    LoopIndex,
    /// The result of the function.
    Result,
    /// The exit code of `break`/`continue`/`return` lowered to a flag.
    ExitFlag,
}

/// Where a statement sits: at the top of the function body (its locals are
/// still in scope in the reverse sweep), inside a branch, inside a loop, or
/// in a loop body whose reverse sweep replays each iteration (`replay`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Ctx {
    pub nested: bool,
    pub in_loop: bool,
    /// A replayed iteration: its forward and reverse code share one scope,
    /// like the top of the function, and run once per iteration.
    pub iteration: bool,
}

impl Ctx {
    pub const TOP: Ctx = Ctx {
        nested: false,
        in_loop: false,
        iteration: false,
    };
    /// A loop body.
    pub const LOOP: Ctx = Ctx {
        nested: true,
        in_loop: true,
        iteration: false,
    };
    /// The body of a replayed loop.
    pub const ITERATION: Ctx = Ctx {
        nested: false,
        in_loop: false,
        iteration: true,
    };

    /// A branch of an `if` in this context.
    pub fn branch(self) -> Ctx {
        Ctx {
            nested: true,
            in_loop: self.in_loop,
            iteration: self.iteration,
        }
    }
}

impl Shape {
    /// A `Vector` or `Matrix` value (or a buffer): operators borrow it
    /// rather than move it, since the reverse sweep reads it again.
    pub fn is_tensor(self) -> bool {
        matches!(self, Shape::Array(1) | Shape::Matrix)
    }
}

#[derive(Clone)]
pub struct Var {
    pub ident: Ident,
    pub origin: Origin,
    pub ty: Option<Type>,
    pub shape: Shape,
    /// Where the variable is declared.
    pub ctx: Ctx,
    /// Number of statements that assign it, its `let` included.
    pub assignments: usize,
    /// Whether its `let` has an initialiser.
    pub initialised: bool,
    /// A fixed-size array (`[e; N]`, `[a, b]`, or declared `[T; N]`): saved by
    /// copy, since `Default` covers arrays of at most 32 elements.
    pub fixed_array: bool,
    /// A `Vector`/`Matrix` local that may hold a reference (assigned from
    /// `detach(x)` of a parameter `x: &Vector`, say): operators and rules
    /// reach it through `tensor_ref`, which takes any number of `&`.
    pub maybe_ref: bool,
    /// A field of a struct parameter (`p.w`): the parameter's variable and
    /// the member path (`.w`), which the adjoint follows too (`d_p.w`).
    pub field: Option<(VarId, proc_macro2::TokenStream)>,
}

impl Var {
    /// Declared as a reference (`x: &Vector`): used as is where a reference
    /// is wanted.
    pub fn is_reference(&self) -> bool {
        matches!(self.ty, Some(syn::Type::Reference(_)))
    }
}

/// An opaque Rust expression: emitted as written (with variables renamed).
#[derive(Clone)]
pub struct Passive {
    pub expr: syn::Expr,
    pub reads: Vec<VarId>,
}

/// Why an opaque expression has no derivative.
#[derive(Clone)]
pub enum Opaque {
    /// Its value is a constant: comparisons, integer casts, `len`, `floor`,
    /// `detach(..)`. Fine whatever it reads.
    Constant,
    /// A function or method without a derivative rule: an error if it reads
    /// an active value.
    NoRule {
        what: String,
        span: Span,
        /// The variables whose values it reads: not those it only takes
        /// the length of (`5 % x.len()`).
        values: Vec<VarId>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// How a primitive was spelled, so the forward sweep writes it back the same.
#[derive(Clone)]
pub enum Spelling {
    /// `recv.name(args)`.
    Method,
    /// `path(args)`, e.g. `f64::sin(x)`.
    Path(TokenStream),
}

#[derive(Clone)]
pub enum Expr {
    /// A literal (float or integer).
    Lit(syn::Lit),
    Var(VarId, Span),
    /// `v[i]`, `v[i][j]`.
    Index(VarId, Vec<Passive>),
    Neg(Box<Expr>, Span),
    Bin(BinOp, Box<Expr>, Box<Expr>, Span),
    Prim {
        prim: &'static Prim,
        args: Vec<Expr>,
        spelling: Spelling,
        span: Span,
    },
    /// `e as f32` / `e as f64`.
    Cast(Box<Expr>, Type, Span),
    Opaque(Passive, Opaque),
    /// A copy of a whole buffer: `v.clone()`, `v.to_vec()`, or a buffer
    /// variable used by value.
    Copy(Box<Expr>, CopyKind, Span),
    /// `vec![e; n]` / `[e; N]`.
    Splat {
        elem: Box<Expr>,
        len: Passive,
        array: bool,
        span: Span,
    },
    /// `vec![a, b, ...]` / `[a, b, ...]`.
    List {
        elems: Vec<Expr>,
        array: bool,
        span: Span,
    },
    /// `Vec::new()`, `Vec::with_capacity(n)`: an empty buffer.
    Empty(Passive),
    /// `g(args)` for a function `g` with a pullback: another
    /// `#[differentiate]` function, or one with a custom derivative.
    Call(Box<Call>),
    /// `&v` or `&v[i]` as a call argument: a buffer passed by reference.
    Ref(Box<Expr>, Span),
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum CopyKind {
    /// `to_vec`/`to_owned`: an owned buffer, also of a slice.
    Owned,
    /// `v.clone()`, as the user wrote it: of a slice reference it is the
    /// reference, of `&Vector` or `&[T; N]` an owned value.
    Clone,
    /// A buffer variable used by value: a copy of the same type.
    Whole,
}

#[derive(Clone)]
pub struct Call {
    /// The function as the user wrote it (`g`, `geometry::dist::<f64>`).
    pub func: TokenStream,
    /// Its pullback (`g::pullback`, `geometry::dist::pullback::<f64>`).
    pub pullback: TokenStream,
    /// Its split pullback: `g::forward` runs `g` and returns what the
    /// reverse sweep needs, `g::reverse` takes that back.
    pub forward: TokenStream,
    pub reverse: TokenStream,
    /// The same pair keeping what the reverse sweep reads even where
    /// `forward` would have it run again (a leaf): for the calls of a fused
    /// iteration, whose pullbacks live until the iteration ends.
    pub forward_kept: TokenStream,
    pub reverse_kept: TokenStream,
    pub args: Vec<Expr>,
    /// Where each argument is written, for errors about it.
    pub arg_spans: Vec<Span>,
    pub span: Span,
    /// The caller's source file defines the function without a derivative.
    pub no_derivative: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum AssignOp {
    Set,
    Add,
    Sub,
}

#[derive(Clone)]
pub enum Place {
    Var(VarId),
    Index(VarId, Vec<Passive>),
}

impl Place {
    pub fn var(&self) -> VarId {
        match self {
            Place::Var(v) | Place::Index(v, _) => *v,
        }
    }
}

/// The iterator of a `for` loop.
#[derive(Clone)]
pub struct Iter {
    pub expr: Passive,
    /// `lo..hi`, `lo..=hi` and `.rev()` of them reverse without a tape.
    pub range: Option<RangeIter>,
}

#[derive(Clone)]
pub struct RangeIter {
    pub lo: Passive,
    pub hi: Passive,
    pub inclusive: bool,
    pub reversed: bool,
}

#[derive(Clone)]
pub enum Stmt {
    Let {
        var: VarId,
        init: Option<Expr>,
    },
    Assign {
        place: Place,
        op: AssignOp,
        value: Expr,
        span: Span,
    },
    /// `v.push(e)`.
    Push {
        var: VarId,
        value: Expr,
    },
    /// An expression evaluated for its side effects only.
    Eval(Expr),
    If {
        cond: Passive,
        then_b: Vec<Stmt>,
        else_b: Vec<Stmt>,
    },
    For {
        var: Option<VarId>,
        iter: Box<Iter>,
        body: Vec<Stmt>,
    },
    While {
        cond: Passive,
        body: Vec<Stmt>,
    },
    Loop {
        body: Vec<Stmt>,
    },
    Break,
    Continue,
    /// Set by lowering; `exits` rewrites it into an assignment to the result.
    Return(Expr, Span),
    /// `exit = code`: a `break` (2), `continue` (1) or `return` (3) that
    /// must let the rest of its block be skipped rather than jump.
    Flag(u8),
    /// End of a loop body whose exits are flags: leave or go on, by the flag.
    ExitDispatch,
}

pub struct Func {
    pub vars: Vec<Var>,
    pub body: Vec<Stmt>,
    /// What `return` assigns: the value, or the first part of a tuple.
    pub result: VarId,
    /// Every seeded output in seed order: the result (unless it is `()`),
    /// the other parts of a returned tuple, the output parameters.
    pub outputs: Vec<VarId>,
    pub exit_flag: Option<VarId>,
}

impl Func {
    /// The function returns `()`: its outputs are parameters, and its result
    /// variable is never written out.
    pub fn returns_unit(&self) -> bool {
        !self.outputs.contains(&self.result)
    }
}

impl Stmt {
    /// The variable this statement assigns (or writes an element of, or
    /// pushes to) and the value it assigns.
    pub fn assignment(&self) -> Option<(VarId, &Expr)> {
        match self {
            Stmt::Let { var, init: Some(e) } => Some((*var, e)),
            Stmt::Assign { place, value, .. } => Some((place.var(), value)),
            Stmt::Push { var, value } => Some((*var, value)),
            _ => None,
        }
    }

    /// The blocks nested directly in this statement, each with whether it is
    /// a loop body.
    pub fn blocks(&self) -> Vec<(&[Stmt], bool)> {
        match self {
            Stmt::If { then_b, else_b, .. } => vec![(then_b, false), (else_b, false)],
            Stmt::For { body, .. } | Stmt::While { body, .. } | Stmt::Loop { body } => {
                vec![(body, true)]
            }
            _ => Vec::new(),
        }
    }

    /// Rebuilds the statement with `f` applied to each nested block (and
    /// whether it is a loop body).
    pub fn map_blocks(self, mut f: impl FnMut(Vec<Stmt>, bool) -> Vec<Stmt>) -> Stmt {
        match self {
            Stmt::If {
                cond,
                then_b,
                else_b,
            } => Stmt::If {
                cond,
                then_b: f(then_b, false),
                else_b: f(else_b, false),
            },
            Stmt::For { var, iter, body } => Stmt::For {
                var,
                iter,
                body: f(body, true),
            },
            Stmt::While { cond, body } => Stmt::While {
                cond,
                body: f(body, true),
            },
            Stmt::Loop { body } => Stmt::Loop {
                body: f(body, true),
            },
            s => s,
        }
    }
}

/// Calls `f` on every statement of `b`, nested ones included, in order.
pub fn visit<'a>(b: &'a [Stmt], f: &mut impl FnMut(&'a Stmt)) {
    for s in b {
        f(s);
        for (inner, _) in s.blocks() {
            visit(inner, f);
        }
    }
}

impl Expr {
    /// Rebuilds the expression bottom-up, applying `f` to every
    /// subexpression and then to the result.
    pub fn map(self, f: &mut impl FnMut(Expr) -> Expr) -> Expr {
        let e = match self {
            Expr::Neg(a, s) => Expr::Neg(Box::new(a.map(f)), s),
            Expr::Cast(a, t, s) => Expr::Cast(Box::new(a.map(f)), t, s),
            Expr::Copy(a, o, s) => Expr::Copy(Box::new(a.map(f)), o, s),
            Expr::Ref(a, s) => Expr::Ref(Box::new(a.map(f)), s),
            Expr::Bin(op, a, b, s) => Expr::Bin(op, Box::new(a.map(f)), Box::new(b.map(f)), s),
            Expr::Prim {
                prim,
                args,
                spelling,
                span,
            } => Expr::Prim {
                prim,
                args: args.into_iter().map(|a| a.map(f)).collect(),
                spelling,
                span,
            },
            Expr::List { elems, array, span } => Expr::List {
                elems: elems.into_iter().map(|a| a.map(f)).collect(),
                array,
                span,
            },
            Expr::Splat {
                elem,
                len,
                array,
                span,
            } => Expr::Splat {
                elem: Box::new(elem.map(f)),
                len,
                array,
                span,
            },
            Expr::Call(mut c) => {
                c.args = std::mem::take(&mut c.args)
                    .into_iter()
                    .map(|a| a.map(f))
                    .collect();
                Expr::Call(c)
            }
            e @ (Expr::Lit(_)
            | Expr::Var(..)
            | Expr::Index(..)
            | Expr::Opaque(..)
            | Expr::Empty(_)) => e,
        };
        f(e)
    }

    /// Calls `f` on every subexpression, the expression included.
    pub fn each(&self, f: &mut impl FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Neg(a, _) | Expr::Cast(a, _, _) | Expr::Copy(a, _, _) | Expr::Ref(a, _) => {
                a.each(f)
            }
            Expr::Bin(_, a, b, _) => {
                a.each(f);
                b.each(f);
            }
            Expr::Prim { args, .. } | Expr::List { elems: args, .. } => {
                args.iter().for_each(|a| a.each(f))
            }
            Expr::Splat { elem, .. } => elem.each(f),
            Expr::Call(c) => c.args.iter().for_each(|a| a.each(f)),
            Expr::Lit(_) | Expr::Var(..) | Expr::Index(..) | Expr::Opaque(..) | Expr::Empty(_) => {}
        }
    }

    /// Whether the expression calls another differentiated function.
    pub fn has_call(&self) -> bool {
        let mut found = false;
        self.each(&mut |x| found |= matches!(x, Expr::Call(_)));
        found
    }

    /// Whether a primitive in the expression keeps its result for the
    /// reverse sweep (`Prim::keeps_result`).
    pub fn keeps_results(&self) -> bool {
        let mut found = false;
        self.each(&mut |x| found |= matches!(x, Expr::Prim { prim, .. } if prim.keeps_result()));
        found
    }

    /// Variables read anywhere in the expression.
    pub fn reads(&self, out: &mut Vec<VarId>) {
        match self {
            Expr::Lit(_) => {}
            Expr::Var(v, _) => out.push(*v),
            Expr::Index(v, idx) => {
                out.push(*v);
                idx.iter().for_each(|p| out.extend(&p.reads));
            }
            Expr::Neg(e, _) | Expr::Cast(e, _, _) | Expr::Copy(e, _, _) | Expr::Ref(e, _) => {
                e.reads(out)
            }
            Expr::Call(c) => c.args.iter().for_each(|a| a.reads(out)),
            Expr::Bin(_, a, b, _) => {
                a.reads(out);
                b.reads(out);
            }
            Expr::Prim { args, .. } | Expr::List { elems: args, .. } => {
                args.iter().for_each(|a| a.reads(out))
            }
            Expr::Opaque(p, _) | Expr::Empty(p) => out.extend(&p.reads),
            Expr::Splat { elem, len, .. } => {
                elem.reads(out);
                out.extend(&len.reads);
            }
        }
    }
}
