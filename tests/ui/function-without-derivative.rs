use autodiff::differentiate;

fn helper(v: f64) -> f64 {
    v * 3.0
}

#[differentiate]
fn f(x: f64) -> f64 {
    helper(x) + helper(2.0)
}

fn main() {}
