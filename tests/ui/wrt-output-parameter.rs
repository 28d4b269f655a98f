use autodiff::differentiate;

#[differentiate(wrt(x, out))]
fn f(x: &[f64], out: &mut [f64]) {
    for i in 0..x.len() {
        out[i] = x[i] * x[i];
    }
}

fn main() {}
