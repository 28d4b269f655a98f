//! `println!`, `eprintln!`, `assert!` and their kin inside a differentiated
//! function run in the forward sweep, as written, and do not change the
//! gradient.

mod common;
use autodiff::differentiate;
use common::check;

#[differentiate]
fn logged(x: &[f64], scale: f64) -> f64 {
    assert!(!x.is_empty(), "x is empty");
    assert_eq!(x.len() % 2, 1);
    debug_assert!(scale > 0.0, "scale = {scale}");
    let mut s = 0.0;
    for i in 0..x.len() {
        s += (x[i] * scale).sin();
        eprintln!("step {i}: s = {s:.3}, x[i] = {}", x[i]);
        debug_assert_ne!(s, f64::INFINITY);
    }
    println!("{} {s} {scale:?} {x:?} {total}", x.len(), total = s * 2.0);
    print!("{{literal braces}} ");
    eprint!("done ");
    s * scale
}

#[test]
fn effects_run_and_the_gradient_is_unchanged() {
    let x = [0.5, -1.0, 2.0];
    let (v, (gx, gs)) = logged_grad(&x, 1.5);
    assert_eq!(v, logged(&x, 1.5));
    let mut g = gx;
    g.push(gs);
    check(|p| logged(&p[..3], p[3]), &[0.5, -1.0, 2.0, 1.5], &g);
}

#[test]
#[should_panic(expected = "x is empty")]
fn a_failing_assertion_panics_in_the_gradient_too() {
    let _ = logged_grad(&[], 1.0);
}

#[differentiate]
fn asserts_in_branches(x: f64) -> f64 {
    if x > 0.0 {
        assert_ne!(x, 0.0);
        x.sqrt()
    } else {
        assert!(x <= 0.0, "{x} should not be positive");
        -x
    }
}

#[test]
fn effects_in_branches() {
    for x in [2.0, -3.0] {
        let (_, d) = asserts_in_branches_grad(x);
        check(|p| asserts_in_branches(p[0]), &[x], &[d]);
    }
}
