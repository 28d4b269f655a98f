#![allow(unused_assignments)]

use autodiff::differentiate;

#[differentiate]
fn f<'a>(x: &[f64], mut out: &'a mut [f64], spare: &'a mut [f64]) {
    out = spare;
    out[0] = x[0];
}

fn main() {}
