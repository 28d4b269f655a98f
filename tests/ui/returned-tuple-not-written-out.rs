use autodiff::differentiate;

fn split(x: f64) -> (f64, f64) {
    (x, 2.0 * x)
}

#[differentiate]
fn f(x: f64) -> (f64, f64) {
    split(x)
}

fn main() {}
