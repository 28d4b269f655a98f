use autodiff::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let mut s = x;
    match s {
        v => {
            s = 0.5;
            v * v + s
        }
    }
}

fn main() {}
