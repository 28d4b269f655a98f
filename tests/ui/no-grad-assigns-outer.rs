use autodiff::{differentiate, no_grad};

#[differentiate]
fn f(x: f64) -> f64 {
    let mut y = x;
    no_grad! {
        y = y * 2.0;
    }
    y * x
}

fn main() {}
