use autodiff::differentiate;

#[differentiate]
fn g(x: f64, y: f64) -> f64 {
    if (if x > 0.0 { x } else { y }) > 0.5 {
        x
    } else {
        y
    }
}

fn main() {}
