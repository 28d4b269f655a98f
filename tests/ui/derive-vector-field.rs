use autodiff::{differentiate, Differentiable, Matrix, Vector};

#[derive(Differentiable, Clone)]
struct Layer {
    b: Vector,
    w: autodiff::Matrix,
    scale: f64,
}

#[differentiate(wrt(l))]
fn f(l: &Layer) -> f64 {
    l.scale * 2.0
}

fn main() {
    let _ = Matrix::zeros(1, 1);
}
