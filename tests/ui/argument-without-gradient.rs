use autodiff::differentiate;

// `%` has no derivative rule, so `g` is differentiable in `x` only.
#[differentiate(wrt(x))]
fn g(x: f64, y: f64) -> f64 {
    x * (y % 2.0)
}

#[differentiate]
fn f(a: f64) -> f64 {
    g(a, a * 3.0)
}

fn main() {}
