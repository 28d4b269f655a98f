use autodiff::differentiate;

#[differentiate]
struct Params {
    w: f64,
}

fn main() {}
