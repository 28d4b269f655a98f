use autodiff::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    <f64>::sin(x) * 2.0
}

fn main() {}
