//! `match` on integers, `bool`s and enums, with guards, bindings and
//! or-patterns, as a statement and as a value — each against central
//! differences.

mod common;
use autodiff::differentiate;
use common::check;

#[differentiate]
fn by_integer(x: f64, k: u32) -> f64 {
    let y = match k {
        0 => x,
        1 | 2 => x * x,
        3..=5 => x.sin() * k as f64,
        n if n % 2 == 0 => x.exp() / n as f64,
        n => x.powi(n as i32 % 4),
    };
    y * 2.0
}

#[test]
fn integer_arms_ranges_guards_and_bindings() {
    let x = 0.7;
    for k in 0..10 {
        let (v, d) = by_integer_grad(x, k);
        assert_eq!(v, by_integer(x, k), "k = {k}");
        check(|p| by_integer(p[0], k), &[x], &[d]);
    }
}

#[derive(Clone, Copy)]
enum Activation {
    Identity,
    Tanh,
    Leaky(f64),
    Scaled { factor: f64, shift: f64 },
}

#[differentiate(wrt(x))]
fn activate(x: &[f64], act: Activation) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        // As a statement, with a value-less arm.
        match act {
            Activation::Identity => s += x[i],
            Activation::Tanh => {
                s += x[i].tanh();
            }
            Activation::Leaky(slope) if x[i] < 0.0 => s += slope * x[i],
            Activation::Leaky(_) => s += x[i],
            Activation::Scaled { factor, shift } => s += factor * x[i] + shift,
        }
    }
    s
}

#[test]
fn enums_with_data_as_statements() {
    let x = [0.3, -1.2, 2.0];
    for act in [
        Activation::Identity,
        Activation::Tanh,
        Activation::Leaky(0.1),
        Activation::Scaled {
            factor: 3.0,
            shift: 1.0,
        },
    ] {
        let (v, g) = activate_grad(&x, act);
        assert_eq!(v, activate(&x, act));
        check(|p| activate(p, act), &x, &g);
    }
}

#[differentiate]
fn by_bool(x: f64, y: f64, flip: bool) -> f64 {
    let t = x * y;
    (match flip {
        true => t.cos(),
        false => t.sin(),
    }) + match (flip, x > y) {
        (true, true) => x,
        (_, false) => y,
        _ => unreachable!("covered above"),
    }
}

#[test]
fn bools_tuples_and_diverging_arms() {
    for flip in [true, false] {
        for (x, y) in [(0.5, 1.5), (2.0, -1.0)] {
            if !flip && x > y {
                continue;
            }
            let (v, (dx, dy)) = by_bool_grad(x, y, flip);
            assert_eq!(v, by_bool(x, y, flip));
            check(|p| by_bool(p[0], p[1], flip), &[x, y], &[dx, dy]);
        }
    }
}

/// A binding that reads an active value, in a guard and in the arm.
#[differentiate]
fn clip(x: f64) -> f64 {
    match x * 2.0 {
        v if v > 1.0 => v.ln() + 1.0,
        v if v < -1.0 => -(-v).ln() - 1.0,
        v => v,
    }
}

#[test]
fn bindings_of_active_scrutinees() {
    for x in [-2.0, -0.3, 0.2, 0.9] {
        let (v, d) = clip_grad(x);
        assert_eq!(v, clip(x));
        check(|p| clip(p[0]), &[x], &[d]);
    }
}

/// `return` and `continue` inside arms.
#[differentiate]
fn exits(x: &[f64], mode: i32) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        match i as i32 - mode {
            0 => continue,
            1 => return s + x[i] * 10.0,
            _ => s += x[i] * x[i],
        }
    }
    s
}

#[test]
fn exits_inside_arms() {
    let x = [0.5, -1.0, 2.0, 0.25];
    for mode in 0..5 {
        let (v, g) = exits_grad(&x, mode);
        assert_eq!(v, exits(&x, mode));
        check(|p| exits(p, mode), &x, &g);
    }
}
