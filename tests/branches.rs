//! `if`/`else` as statements and expressions, conditions, early `return`.
#![allow(dead_code)]
mod common;
use autodiff::differentiate;
use common::check;

#[differentiate]
fn piecewise(x: f64) -> f64 {
    if x < -1.0 {
        -x * 2.0
    } else if x < 1.0 && x != 0.5 {
        x * x
    } else {
        x.sin() + 1.0
    }
}

#[test]
fn if_else_if_else_as_the_result() {
    for x in [-2.0, -0.3, 0.7, 3.0] {
        let (v, d) = piecewise_grad(x);
        assert_eq!(v, piecewise(x));
        check(|p| piecewise(p[0]), &[x], &[d]);
    }
}

#[differentiate]
fn statements(x: f64, y: f64) -> f64 {
    let mut s = x * y;
    if !(x > y) || y > 10.0 {
        s = s * x;
        let t = s.exp();
        s += t;
    } else {
        s -= y.powi(2);
    }
    let z = if s > 0.0 { s.sqrt() } else { (-s).sqrt() };
    z * y
}

#[test]
fn branches_with_locals_and_if_expressions() {
    for p in [[0.3, 0.9], [1.5, 0.4], [-0.5, 2.0]] {
        let (v, (dx, dy)) = statements_grad(p[0], p[1]);
        assert_eq!(v, statements(p[0], p[1]));
        check(|p| statements(p[0], p[1]), &p, &[dx, dy]);
    }
}

#[differentiate]
fn early_return(x: f64) -> f64 {
    if x > 2.0 {
        return x.ln();
    }
    let y = x * 3.0;
    if y < 0.0 {
        return -y * x;
    }
    y * y
}

#[test]
fn early_returns() {
    for x in [3.0, -1.0, 0.5] {
        let (v, d) = early_return_grad(x);
        assert_eq!(v, early_return(x));
        check(|p| early_return(p[0]), &[x], &[d]);
    }
}

#[differentiate]
fn nested_return(x: f64, flag: bool) -> f64 {
    let mut y = x;
    if flag {
        if x > 0.0 {
            return x * 10.0;
        }
        y = y * y;
    }
    y * x
}

#[test]
fn a_nested_return_followed_by_more_code() {
    for (x, f) in [(1.0, true), (-1.0, true), (2.0, false)] {
        let (v, d) = nested_return_grad(x, f);
        assert_eq!(v, nested_return(x, f));
        check(|p| nested_return(p[0], f), &[x], &[d]);
    }
}

#[differentiate]
fn branches_in_a_loop(x: &[f64], k: usize) -> f64 {
    let mut s = 1.0;
    for i in 0..x.len() {
        if i % k == 0 {
            s = s * x[i];
        } else if s > 0.5 {
            s = s.sin() + x[i];
        } else {
            let t = x[i] * s;
            s = t.exp();
        }
    }
    s
}

#[test]
fn branch_decisions_inside_loops_are_replayed() {
    let x = [0.9, 0.2, -0.4, 1.1, 0.6, 0.3, 0.8];
    for k in [1, 2, 3] {
        let (v, g) = branches_in_a_loop_grad(&x, k);
        assert_eq!(v, branches_in_a_loop(&x, k));
        check(|p| branches_in_a_loop(p, k), &x, &g);
    }
}

#[differentiate]
fn branch_locals_read_by_linear_operations(x: f64, y: f64) -> f64 {
    let mut a = x * y;
    if a > 0.1 {
        let b = a.sqrt() * y;
        let c = y - b;
        a = b + a.powi(2) - c;
    }
    a
}

#[test]
fn locals_of_a_branch_used_only_linearly() {
    for p in [[0.5, 0.7], [1.5, 2.0], [-0.5, 0.3]] {
        let (v, (dx, dy)) = branch_locals_read_by_linear_operations_grad(p[0], p[1]);
        assert_eq!(v, branch_locals_read_by_linear_operations(p[0], p[1]));
        check(
            |p| branch_locals_read_by_linear_operations(p[0], p[1]),
            &p,
            &[dx, dy],
        );
    }
}

/// A `let` whose `else` returns: the variable is declared without a value
/// and set in one branch, and the reverse code reads it under the same
/// recorded branch, which rustc cannot match: it starts at zero.
#[differentiate(wrt(x))]
fn let_else_returns(x: &[f64]) -> f64 {
    let t = if x[0] > 0.0 {
        x[0] * x[1]
    } else {
        return x[1];
    };
    let u = {
        let mut u = t;
        u *= x[2];
        u
    };
    t + u
}

#[test]
fn a_value_set_only_on_the_path_that_does_not_return() {
    for x in [[0.4, -0.7, 0.9], [-0.4, -0.7, 0.9]] {
        let (v, g) = let_else_returns_grad(&x);
        assert_eq!(v, let_else_returns(&x));
        check(let_else_returns, &x, &g);
    }
}
