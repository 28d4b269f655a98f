use autodiff::differentiate;

struct Pair {
    a: f64,
}

#[differentiate(wrt(x))]
fn f(x: f64, p: &Pair) -> f64 {
    let q = p;
    q.a * x
}

fn main() {}
