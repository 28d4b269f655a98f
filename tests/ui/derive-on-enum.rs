use autodiff::Differentiable;

#[derive(Differentiable)]
enum Params {
    One(f64),
}

fn main() {}
