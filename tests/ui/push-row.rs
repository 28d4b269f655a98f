use autodiff::differentiate;

#[differentiate]
fn f(x: &[f64]) -> f64 {
    let mut m: Vec<Vec<f64>> = Vec::new();
    m.push(vec![x[0], x[1]]);
    m[0][0] * m[0][1]
}

fn main() {}
