use autodiff::differentiate;

#[differentiate]
fn sum_of_squares(a: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..a.len() {
        s += a[i] * a[i];
    }
    s
}

#[differentiate]
fn f(x: &[f64]) -> f64 {
    sum_of_squares(&x[1..3])
}

fn main() {}
