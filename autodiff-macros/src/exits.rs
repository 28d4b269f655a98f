//! Early exits: `break`, `continue` and `return` become structured control
//! flow that the reverse sweep can replay.
//!
//! The reverse sweep walks a loop body backwards and needs to know which of
//! its statements ran. An exit in tail position is harmless; otherwise the
//! rest of the block moves into the branch that does not exit:
//!
//! ```text
//! if c { break; }          ⟶   if c { break; } else { s += x[i]; }
//! s += x[i];
//! ```
//!
//! When that is not possible (an exit nested deeper, or a `return` inside a
//! loop), the exit sets a flag instead and the rest of each enclosing block is
//! guarded by it; the loop body ends by dispatching on the flag:
//!
//! ```text
//! if a { if b { break; } t = 1.0; }   ⟶   if a { if b { exit = 2 } else { t = 1.0 } }
//! s += t;                                if exit == 0 { s += t; }
//!                                        /* end of body: */ if exit == 2 { exit = 0; break }
//! ```
//!
//! A `return` becomes an assignment to the result variable.

use crate::ir::*;
use crate::names::Names;

pub const CONTINUE: u8 = 1;
pub const BREAK: u8 = 2;
pub const RETURN: u8 = 3;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Exit {
    Never,
    Sometimes,
    Always,
}

fn stmt_exit(s: &Stmt) -> Exit {
    match s {
        Stmt::Break | Stmt::Continue | Stmt::Flag(_) | Stmt::Return(..) => Exit::Always,
        Stmt::If { then_b, else_b, .. } => {
            let (a, b) = (block_exit(then_b), block_exit(else_b));
            if a == b {
                a
            } else {
                Exit::Sometimes
            }
        }
        Stmt::For { body, .. } | Stmt::While { body, .. } | Stmt::Loop { body } => {
            if returns_inside(body) {
                Exit::Sometimes
            } else {
                Exit::Never
            }
        }
        _ => Exit::Never,
    }
}

fn block_exit(b: &[Stmt]) -> Exit {
    let mut sometimes = false;
    for s in b {
        match stmt_exit(s) {
            Exit::Always => return Exit::Always,
            Exit::Sometimes => sometimes = true,
            Exit::Never => {}
        }
    }
    if sometimes {
        Exit::Sometimes
    } else {
        Exit::Never
    }
}

/// Whether a `return` inside `b` (at any depth) may leave it.
pub fn returns_inside(b: &[Stmt]) -> bool {
    b.iter().any(|s| {
        matches!(s, Stmt::Return(..) | Stmt::Flag(RETURN))
            || s.blocks()
                .into_iter()
                .any(|(inner, _)| returns_inside(inner))
    })
}

/// Whether a loop body can end its loop early (so its trip count must be
/// recorded rather than recomputed).
pub fn leaves_loop(body: &[Stmt]) -> bool {
    body.iter().any(|s| {
        matches!(
            s,
            Stmt::Break | Stmt::Flag(BREAK) | Stmt::Flag(RETURN) | Stmt::Return(..)
        ) || s.blocks().into_iter().any(|(inner, is_loop)| {
            if is_loop {
                returns_inside(inner)
            } else {
                leaves_loop(inner)
            }
        })
    })
}

/// Whether a loop body ends with a dispatch on the exit flag.
fn uses_flags(body: &[Stmt]) -> bool {
    body.iter().any(|s| {
        matches!(s, Stmt::Flag(_))
            || s.blocks().into_iter().any(|(inner, is_loop)| {
                if is_loop {
                    returns_inside(inner)
                } else {
                    uses_flags(inner)
                }
            })
    })
}

struct Exits<'a> {
    func: &'a mut Func,
    names: &'a mut Names,
}

pub fn normalize(func: &mut Func, names: &mut Names) {
    let body = std::mem::take(&mut func.body);
    let mut ex = Exits { func, names };
    let body = ex.block(body);
    let body = ex.returns(body, false);
    ex.func.body = body;
    // The result: a plain `let` when the function ends in one value, else a
    // variable each `return` assigns.
    let result = ex.func.result;
    let single_tail = matches!(ex.func.body.last(), Some(Stmt::Assign { place: Place::Var(v), op: AssignOp::Set, .. }) if *v == result)
        && count_assignments(&ex.func.body, result) == 1;
    if single_tail {
        if let Some(Stmt::Assign { value, .. }) = ex.func.body.pop() {
            ex.func.body.push(Stmt::Let {
                var: result,
                init: Some(value),
            });
            ex.func.vars[result].initialised = true;
        }
    } else if !ex.func.returns_unit() {
        ex.func.body.insert(
            0,
            Stmt::Let {
                var: result,
                init: None,
            },
        );
    }
    ex.func.vars[result].assignments = count_assignments(&ex.func.body, result);
    let body = std::mem::take(&mut func.body);
    set_contexts(&body, Ctx::TOP, &mut func.vars);
    func.body = body;
}

/// Moving statements into branches changes where variables are declared.
fn set_contexts(b: &[Stmt], ctx: Ctx, vars: &mut [Var]) {
    for s in b {
        match s {
            Stmt::Let { var, .. } => vars[*var].ctx = ctx,
            Stmt::For { var: Some(v), .. } => vars[*v].ctx = Ctx::LOOP,
            _ => {}
        }
        for (inner, is_loop) in s.blocks() {
            set_contexts(inner, if is_loop { Ctx::LOOP } else { ctx.branch() }, vars);
        }
    }
}

fn count_assignments(b: &[Stmt], v: VarId) -> usize {
    b.iter()
        .map(|s| {
            let own = match s {
                Stmt::Assign { place, .. } => usize::from(place.var() == v),
                Stmt::Let { var, init: Some(_) } => usize::from(*var == v),
                _ => 0,
            };
            own + s
                .blocks()
                .into_iter()
                .map(|(inner, _)| count_assignments(inner, v))
                .sum::<usize>()
        })
        .sum()
}

impl Exits<'_> {
    /// `result = value` for a `return value`; nothing for a function whose
    /// outputs are parameters, which has no value to hold.
    fn set_result(&self, value: Expr, span: proc_macro2::Span) -> Option<Stmt> {
        (!self.func.returns_unit()).then(|| Stmt::Assign {
            place: Place::Var(self.func.result),
            op: AssignOp::Set,
            value,
            span,
        })
    }

    fn flag_var(&mut self) -> VarId {
        if let Some(f) = self.func.exit_flag {
            return f;
        }
        let ident = self.names.fresh("exit");
        self.func.vars.push(Var {
            ident,
            origin: Origin::ExitFlag,
            ty: None,
            shape: Shape::Unknown,
            ctx: Ctx::TOP,
            assignments: 2,
            initialised: true,
            fixed_array: false,
            maybe_ref: false,
            field: None,
        });
        let id = self.func.vars.len() - 1;
        self.func.exit_flag = Some(id);
        id
    }

    fn guard(&mut self, rest: Vec<Stmt>) -> Stmt {
        let flag = self.flag_var();
        let ident = &self.func.vars[flag].ident;
        let cond = Passive {
            expr: syn::parse_quote!(#ident == 0),
            reads: vec![flag],
        };
        Stmt::If {
            cond,
            then_b: rest,
            else_b: Vec::new(),
        }
    }

    fn block(&mut self, stmts: Vec<Stmt>) -> Vec<Stmt> {
        let mut out = Vec::new();
        let mut it = stmts.into_iter();
        while let Some(s) = it.next() {
            let s = self.stmt(s);
            match stmt_exit(&s) {
                Exit::Never => out.push(s),
                Exit::Always => {
                    out.push(s);
                    break;
                }
                Exit::Sometimes => {
                    let rest: Vec<Stmt> = it.by_ref().collect();
                    if rest.is_empty() {
                        out.push(s);
                        break;
                    }
                    let rest = self.block(rest);
                    match s {
                        Stmt::If {
                            cond,
                            then_b,
                            mut else_b,
                        } if block_exit(&then_b) == Exit::Always
                            && block_exit(&else_b) == Exit::Never =>
                        {
                            else_b.extend(rest);
                            out.push(Stmt::If {
                                cond,
                                then_b,
                                else_b,
                            });
                        }
                        Stmt::If {
                            cond,
                            mut then_b,
                            else_b,
                        } if block_exit(&else_b) == Exit::Always
                            && block_exit(&then_b) == Exit::Never =>
                        {
                            then_b.extend(rest);
                            out.push(Stmt::If {
                                cond,
                                then_b,
                                else_b,
                            });
                        }
                        s => {
                            out.extend(self.flagify(s));
                            out.push(self.guard(rest));
                        }
                    }
                    break;
                }
            }
        }
        out
    }

    fn stmt(&mut self, s: Stmt) -> Stmt {
        s.map_blocks(|b, is_loop| {
            if is_loop {
                self.loop_body(b)
            } else {
                self.block(b)
            }
        })
    }

    fn loop_body(&mut self, body: Vec<Stmt>) -> Vec<Stmt> {
        let mut body = self.block(body);
        if uses_flags(&body) && block_exit(&body) != Exit::Always {
            self.flag_var();
            body.push(Stmt::ExitDispatch);
        }
        body
    }

    /// Turns the exits of `s` that leave the current block into flag writes:
    /// nothing may jump past the guards the reverse sweep replays.
    fn flagify(&mut self, s: Stmt) -> Vec<Stmt> {
        self.flag_var();
        match s {
            Stmt::Break => vec![Stmt::Flag(BREAK)],
            Stmt::Continue => vec![Stmt::Flag(CONTINUE)],
            Stmt::Return(value, span) => {
                let mut out: Vec<Stmt> = self.set_result(value, span).into_iter().collect();
                out.push(Stmt::Flag(RETURN));
                out
            }
            s @ Stmt::If { .. } => {
                vec![s.map_blocks(|b, _| b.into_iter().flat_map(|s| self.flagify(s)).collect())]
            }
            // `break` and `continue` of inner loops stay theirs; their
            // `return`s are tail exits that set the flag (see `returns`).
            s => vec![s],
        }
    }

    /// Rewrites each `return e` into `result = e` plus, inside a loop, the
    /// flag and a `break`.
    fn returns(&mut self, b: Vec<Stmt>, in_loop: bool) -> Vec<Stmt> {
        let mut out = Vec::new();
        for s in b {
            match s {
                Stmt::Return(value, span) => {
                    out.extend(self.set_result(value, span));
                    // Only tail `return`s are left here: inside a loop they
                    // leave it at once, and the flag tells the enclosing code.
                    if in_loop {
                        self.flag_var();
                        out.push(Stmt::Flag(RETURN));
                        out.push(Stmt::Break);
                    }
                }
                s => {
                    out.push(s.map_blocks(|b, is_loop| self.returns(b, in_loop || is_loop)));
                }
            }
        }
        out
    }
}
