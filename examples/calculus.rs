//! The "automatic differentiation" section of Dive into Deep Learning
//! (d2l.ai, §2.5), with `#[differentiate]` in place of `requires_grad`:
//! gradients of scalar functions of a vector, `backward` with a seed for a
//! vector result, `detach`, gradients that accumulate until the buffer is
//! zeroed, and the matrix rules ∇ₓ(Ax) = Aᵀ, ∇ₓ(xᵀA) = A,
//! ∇ₓ(xᵀAx) = (A + Aᵀ)x, ∇ₓ‖x‖² = 2x.
//!
//! ```sh
//! cargo run --example calculus
//! ```
//!
//! `f_vjp(x, seed, &mut x_grad)` is PyTorch's `y.backward(seed)`: it adds
//! `seedᵀ·∂y/∂x` into `x_grad`, and `x_grad.fill(0.0)` is `x.grad.zero_()`.
//! Gradients are in d2l's layout: for a vector `y`, `(∇ₓy)ᵢⱼ = ∂yⱼ/∂xᵢ`,
//! the transpose of the Jacobian `Jᵢⱼ = ∂yᵢ/∂xⱼ`. One `_vjp` with the unit
//! seed `eᵢ` gives the row `eᵢᵀJ` of the Jacobian.

use autodiff::{detach, differentiate, Matrix, Vector};

/// y = 2xᵀx.
#[differentiate]
pub fn two_x_dot_x(x: &Vector) -> f64 {
    2.0 * x.dot(x)
}

/// y = Σ xᵢ.
#[differentiate]
pub fn sum(x: &Vector) -> f64 {
    x.sum()
}

/// y = x * x, element by element: a vector result, so `backward` needs a
/// seed.
#[differentiate]
pub fn square(x: &Vector) -> Vector {
    x * x
}

/// z = y * x with y = x * x, all of it tracked: ∂zᵢ/∂xᵢ = 3xᵢ².
#[differentiate]
pub fn cube(x: &Vector) -> Vector {
    let y = x * x;
    y * x
}

/// z = u * x with u = detach(y), y = x * x: `u` is a constant, so
/// `z.sum().backward()` gives `u`.
#[differentiate]
pub fn cube_detached(x: &Vector) -> Vector {
    let y = x * x;
    let u = detach(y);
    u * x
}

/// Σ yᵢ with y = x * x: `y` itself still carries its gradient, 2x.
#[differentiate]
pub fn sum_of_squares(x: &Vector) -> f64 {
    let y = x * x;
    y.sum()
}

/// Ax.
#[differentiate(wrt(x))]
pub fn a_x(a: &Matrix, x: &Vector) -> Vector {
    a.matvec(x)
}

/// xᵀA.
#[differentiate(wrt(x))]
pub fn x_a(a: &Matrix, x: &Vector) -> Vector {
    x.vecmat(a)
}

/// xᵀAx.
#[differentiate(wrt(x))]
pub fn x_a_x(a: &Matrix, x: &Vector) -> f64 {
    x.dot(&a.matvec(x))
}

/// ‖x‖².
#[differentiate]
pub fn norm_squared(x: &Vector) -> f64 {
    x.norm().powi(2)
}

/// The gradients of §2.5.1–2.5.3 at `x = arange(4)`, each from a zeroed
/// buffer.
pub struct Basics {
    /// `x = arange(4)`.
    pub x: Vector,
    /// 2xᵀx at x: 28.
    pub y: f64,
    /// ∇ 2xᵀx = 4x.
    pub grad_two_x_dot_x: Vector,
    /// ∇ Σ x = 1.
    pub grad_sum: Vector,
    /// (x * x).backward(ones): 2x.
    pub grad_square: Vector,
    /// (y * x).backward(ones) with y = x * x: 3x².
    pub grad_cube: Vector,
    /// (u * x).sum().backward() with u = y.detach(): u = x².
    pub grad_cube_detached: Vector,
    /// y.sum().backward(): 2x, y is still tracked.
    pub grad_sum_of_squares: Vector,
}

/// Runs §2.5.1–2.5.3, printing what PyTorch would print.
pub fn basics() -> Basics {
    let x = Vector::arange(4);
    let n = x.len();
    println!("x = torch.arange(4.0)              x      = {x:?}");

    // One gradient buffer, reused and zeroed as `x.grad` is.
    let mut x_grad = Vector::zeros(n);
    let y = two_x_dot_x_vjp(&x, 1.0, &mut x_grad);
    println!("y = 2 * torch.dot(x, x)            y      = {y:?}");
    println!("y.backward()                       x.grad = {x_grad:?}");
    let grad_two_x_dot_x = x_grad.clone();

    x_grad.fill(0.0); // x.grad.zero_()
    sum_vjp(&x, 1.0, &mut x_grad);
    println!("x.grad.zero_(); x.sum().backward() x.grad = {x_grad:?}");
    let grad_sum = x_grad.clone();

    x_grad.fill(0.0);
    square_vjp(&x, &Vector::ones(n), &mut x_grad);
    println!("(x * x).backward(torch.ones(4))    x.grad = {x_grad:?}");
    let grad_square = x_grad.clone();

    x_grad.fill(0.0);
    cube_vjp(&x, &Vector::ones(n), &mut x_grad);
    println!("z = y * x; z.sum().backward()      x.grad = {x_grad:?}");
    let grad_cube = x_grad.clone();

    x_grad.fill(0.0);
    cube_detached_vjp(&x, &Vector::ones(n), &mut x_grad);
    println!("u = y.detach(); z = u * x; z.sum().backward()");
    println!("                                   x.grad = {x_grad:?}   (= u)");
    let grad_cube_detached = x_grad.clone();

    x_grad.fill(0.0);
    sum_of_squares_vjp(&x, 1.0, &mut x_grad);
    println!("y.sum().backward()                 x.grad = {x_grad:?}   (= 2x)");
    let grad_sum_of_squares = x_grad.clone();

    Basics {
        x,
        y,
        grad_two_x_dot_x,
        grad_sum,
        grad_square,
        grad_cube,
        grad_cube_detached,
        grad_sum_of_squares,
    }
}

/// Gradients accumulate across `backward` calls until the buffer is
/// zeroed: `x.grad` after one call, after a second, and after
/// `x.grad.zero_()`, for y = 2xᵀx at `x = arange(4)`.
pub fn accumulation() -> [Vector; 3] {
    let x = Vector::arange(4);
    let mut x_grad = Vector::zeros(x.len());
    two_x_dot_x_vjp(&x, 1.0, &mut x_grad);
    let once = x_grad.clone();
    println!("y.backward()                       x.grad = {x_grad:?}");
    two_x_dot_x_vjp(&x, 1.0, &mut x_grad);
    let twice = x_grad.clone();
    println!("y.backward() again                 x.grad = {x_grad:?}   (accumulated)");
    x_grad.fill(0.0);
    println!("x.grad.zero_()                     x.grad = {x_grad:?}");
    [once, twice, x_grad]
}

/// The Jacobian of a vector function with `m` outputs: row `i` is
/// `eᵢᵀJ`, one `_vjp` call with the unit seed `eᵢ` into a zeroed buffer.
pub fn jacobian(vjp: impl Fn(&Vector, &mut Vector), m: usize, n: usize) -> Matrix {
    let mut j = Matrix::zeros(m, n);
    for i in 0..m {
        let mut e = Vector::zeros(m);
        e[i] = 1.0;
        let mut row = Vector::zeros(n);
        vjp(&e, &mut row);
        j[i].copy_from_slice(&row);
    }
    j
}

/// The 3×3 example of the matrix rules.
pub fn example_matrix() -> (Matrix, Vector) {
    let a = Matrix::from_rows(&[[1.0, 2.0, 0.0], [-1.0, 3.0, 4.0], [2.0, 0.5, 5.0]]);
    let x = Vector::from(vec![1.0, -2.0, 3.0]);
    (a, x)
}

/// The four matrix rules, from autodiff.
pub struct MatrixRules {
    /// ∇ₓ(Ax), the transpose of the Jacobian of Ax: Aᵀ.
    pub grad_a_x: Matrix,
    /// ∇ₓ(xᵀA): A.
    pub grad_x_a: Matrix,
    /// ∇ₓ(xᵀAx): (A + Aᵀ)x.
    pub grad_x_a_x: Vector,
    /// ∇ₓ‖x‖²: 2x.
    pub grad_norm_squared: Vector,
}

/// Computes the matrix rules on [`example_matrix`] with `_vjp`.
pub fn matrix_rules() -> MatrixRules {
    let (a, x) = example_matrix();
    let n = x.len();
    let j_a_x = jacobian(|e, row| drop(a_x_vjp(&a, &x, e, row)), n, n);
    let j_x_a = jacobian(|e, row| drop(x_a_vjp(&a, &x, e, row)), n, n);
    let mut grad_x_a_x = Vector::zeros(n);
    x_a_x_vjp(&a, &x, 1.0, &mut grad_x_a_x);
    let mut grad_norm_squared = Vector::zeros(n);
    norm_squared_vjp(&x, 1.0, &mut grad_norm_squared);
    MatrixRules {
        grad_a_x: j_a_x.transpose(),
        grad_x_a: j_x_a.transpose(),
        grad_x_a_x,
        grad_norm_squared,
    }
}

/// The largest `|aᵢ − bᵢ|`.
pub fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "shapes differ");
    a.iter()
        .zip(b)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

/// Runs the section.
pub fn main() {
    println!("== gradients of a scalar function of a vector (d2l 2.5.1-2.5.3) ==");
    let b = basics();
    let x = &b.x;
    let close = |got: &Vector, want: &dyn Fn(f64) -> f64, what: &str| {
        let want: Vector = x.iter().map(|&xi| want(xi)).collect();
        assert!(
            max_diff(got, &want) <= 1e-12,
            "{what}: got {got:?}, want {want:?}"
        );
    };
    assert_eq!(b.y, 28.0);
    close(&b.grad_two_x_dot_x, &|x| 4.0 * x, "∇ 2xᵀx");
    close(&b.grad_sum, &|_| 1.0, "∇ Σx");
    close(&b.grad_square, &|x| 2.0 * x, "x * x with seed ones");
    close(&b.grad_cube, &|x| 3.0 * x * x, "z = y * x");
    close(&b.grad_cube_detached, &|x| x * x, "z = detach(y) * x");
    close(&b.grad_sum_of_squares, &|x| 2.0 * x, "y.sum()");

    println!();
    println!("== gradients accumulate (d2l 2.5.1) ==");
    let [once, twice, zeroed] = accumulation();
    close(&once, &|x| 4.0 * x, "after one backward");
    close(&twice, &|x| 8.0 * x, "after two");
    close(&zeroed, &|_| 0.0, "after zero_");

    println!();
    println!("== matrix rules, Jacobians from _vjp with unit seeds ==");
    let (a, x) = example_matrix();
    let r = matrix_rules();
    let n = x.len();
    let mut a_t = Matrix::zeros(n, n);
    let mut sym_x = Vector::zeros(n);
    for i in 0..n {
        for j in 0..n {
            a_t[(i, j)] = a[(j, i)];
            sym_x[i] += (a[(i, j)] + a[(j, i)]) * x[j];
        }
    }
    let two_x: Vector = x.iter().map(|xi| 2.0 * xi).collect();
    println!("A = {a:?}");
    println!("x = {x:?}");
    let checks: [(&str, &[f64], &[f64]); 4] = [
        ("∇ₓ(Ax)   = Aᵀ       ", &r.grad_a_x[..], &a_t[..]),
        ("∇ₓ(xᵀA)  = A        ", &r.grad_x_a[..], &a[..]),
        ("∇ₓ(xᵀAx) = (A + Aᵀ)x", &r.grad_x_a_x, &sym_x),
        ("∇ₓ‖x‖²   = 2x       ", &r.grad_norm_squared, &two_x),
    ];
    let shown = [
        format!("{:?}", r.grad_a_x),
        format!("{:?}", r.grad_x_a),
        format!("{:?}", r.grad_x_a_x),
        format!("{:?}", r.grad_norm_squared),
    ];
    for ((rule, got, want), shown) in checks.into_iter().zip(shown) {
        let err = max_diff(got, want);
        println!("{rule}: {shown}   max error {err:.1e}");
        assert!(err <= 1e-12, "{rule}: off by {err}");
    }
}
