use autodiff::differentiate;

// Every problem of a function is reported in one build.
#[differentiate]
fn f(x: f64) -> f64 {
    let g = |v: f64| v;
    let y = x.to_radians();
    let _label = format!("{y}");
    g(x) + y
}

fn main() {
    // The companions still exist, so calls to them add no errors.
    let _ = f_grad(1.0);
}
