use autodiff::differentiate;

#[differentiate]
fn f(x: f64, out: &mut Vec<f64>) -> f64 {
    x * out.len() as f64
}

fn main() {}
