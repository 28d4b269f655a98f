use autodiff::differentiate;

#[differentiate]
fn nothing(x: f64) {
    let _ = x;
}

fn main() {}
