use autodiff::{differentiate, Differentiable};

#[derive(Differentiable, Clone)]
struct Affine {
    w: Vec<f64>,
    b: f64,
}

#[differentiate]
fn sum_of_squares(a: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..a.len() {
        s += a[i] * a[i];
    }
    s
}

#[differentiate(wrt(p))]
fn f(p: &Affine) -> f64 {
    let q = p;
    sum_of_squares(&q.w) + p.b
}

fn main() {}
