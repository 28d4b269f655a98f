use autodiff::differentiate;

#[differentiate(pullback = scale_pullback)]
fn scale(x: &[f64], s: f64) -> f64 {
    x[0] * s
}

// Missing the buffer for `s`, and returns a value.
fn scale_pullback(x: &[f64], seed: f64, d_x: &mut [f64]) -> f64 {
    d_x[0] += seed;
    x[0]
}

fn main() {}
