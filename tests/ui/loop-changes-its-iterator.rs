use autodiff::differentiate;

#[differentiate]
fn f(m: &[Vec<f64>]) -> f64 {
    let mut k = 0;
    let mut s = 0.0;
    for &v in m[k].iter() {
        s += v * v;
        k = 1;
    }
    s + m[k][0]
}

fn main() {}
