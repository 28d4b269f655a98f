use autodiff::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let label = format!("{x}");
    x * x + label.len() as f64
}

fn main() {}
