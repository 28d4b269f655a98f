use autodiff::differentiate;

#[differentiate]
fn f(x: f64) -> f64 {
    let mut s = x;
    let r = loop {
        s *= 2.0;
        if s > 10.0 {
            break s * 2.0;
        }
    };
    r
}

fn main() {}
