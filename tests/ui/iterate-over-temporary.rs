use autodiff::differentiate;

fn twice(x: &[f64]) -> Vec<f64> {
    x.iter().map(|v| 2.0 * v).collect()
}

#[differentiate]
fn f(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in twice(x).iter() {
        s += v;
    }
    s
}

fn main() {}
