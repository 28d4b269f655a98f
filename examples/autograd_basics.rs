//! Autograd basics, the way a PyTorch tutorial starts: differentiate an
//! element-wise function over a grid, plot it next to its derivative, and
//! switch gradients off with `no_grad!` and `detach`.
//!
//! ```sh
//! cargo run --example autograd_basics   # writes target/plots/square_derivative.svg
//!                                       # and target/plots/sin_x2_derivative.svg
//! ```
//!
//! In PyTorch:
//!
//! ```python
//! x = torch.linspace(-3, 3, 301, requires_grad=True)
//! y = x ** 2
//! y.backward(torch.ones_like(y))      # the same as y.sum().backward()
//! x.grad                              # 2x
//! ```
//!
//! Here `#[differentiate]` on `fn square(x: &Vector) -> Vector` writes
//! `square_vjp(x, seed, d_x)`, which adds `seedᵀ·∂y/∂x` into `d_x`. For an
//! element-wise function the Jacobian is diagonal, so the vector-Jacobian
//! product with a seed of ones is the derivative at every point at once:
//! `(1ᵀ·J)ᵢ = ∂yᵢ/∂xᵢ = y'(xᵢ)`. This is the "sum trick": it is the gradient
//! of `Σᵢ yᵢ`.

use autodiff::{detach, differentiate, no_grad, Vector};
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// y = x², element by element.
#[differentiate]
pub fn square(x: &Vector) -> Vector {
    x.powi(2)
}

/// y = sin(x²), element by element.
#[differentiate]
pub fn sin_square(x: &Vector) -> Vector {
    (x * x).sin()
}

/// Σ xᵢ², with the square tracked: the gradient is 2x.
#[differentiate]
pub fn sum_of_squares(x: &Vector) -> f64 {
    let y = x * x;
    y.sum()
}

/// The same computation with the square inside `no_grad!` (PyTorch's
/// `with torch.no_grad():`): `y` is a constant, so no gradient reaches `x`.
#[differentiate]
pub fn sum_of_squares_no_grad(x: &Vector) -> f64 {
    let y = no_grad! { x * x };
    y.sum()
}

/// Σ xᵢ²·xᵢ = Σ xᵢ³, all of it tracked: the gradient is 3x².
#[differentiate]
pub fn sum_of_cubes(x: &Vector) -> f64 {
    let y = x * x;
    y.dot(x)
}

/// The same with `x²` computed under `no_grad!`: only the last factor `x`
/// is tracked, so the gradient is `y = x²`.
#[differentiate]
pub fn sum_of_cubes_no_grad(x: &Vector) -> f64 {
    let y = no_grad! { x * x };
    y.dot(x)
}

/// A function sampled on a grid, with its derivative from autodiff.
pub struct Curve {
    /// The grid.
    pub x: Vector,
    /// The function's values.
    pub y: Vector,
    /// `x.grad` after `y.backward(ones)`: the derivative at each point.
    pub grad: Vector,
}

/// The derivative of an element-wise function at every point of `x`: its
/// vector-Jacobian product with a seed of ones, accumulated into a zeroed
/// buffer as PyTorch accumulates into `x.grad`.
pub fn elementwise_derivative(
    vjp: impl Fn(&Vector, &Vector, &mut Vector) -> Vector,
    x: Vector,
) -> Curve {
    let mut grad = Vector::zeros(x.len()); // x.grad, zeroed
    let seed = Vector::ones(x.len()); // torch.ones_like(y)
    let y = vjp(&x, &seed, &mut grad); // y.backward(seed)
    Curve { x, y, grad }
}

/// x² on 301 points of [−3, 3].
pub fn square_curve() -> Curve {
    elementwise_derivative(square_vjp, Vector::linspace(-3.0, 3.0, 301))
}

/// sin(x²) on 100 points of [−3, 3].
pub fn sin_square_curve() -> Curve {
    elementwise_derivative(sin_square_vjp, Vector::linspace(-3.0, 3.0, 100))
}

/// Gradients of the same computations with and without `no_grad!`, at
/// `x = arange(4)`.
pub struct NoGradDemo {
    /// The point.
    pub x: Vector,
    /// ∇ Σ x²: 2x.
    pub sum_of_squares: Vector,
    /// ∇ Σ x² with x² under `no_grad!`: zero.
    pub sum_of_squares_no_grad: Vector,
    /// ∇ Σ x³: 3x².
    pub sum_of_cubes: Vector,
    /// ∇ Σ x²·x with x² under `no_grad!`: x².
    pub sum_of_cubes_no_grad: Vector,
}

/// Runs the four functions at `x = arange(4)`.
pub fn no_grad_demo() -> NoGradDemo {
    let x = Vector::arange(4);
    NoGradDemo {
        sum_of_squares: sum_of_squares_grad(&x).1,
        sum_of_squares_no_grad: sum_of_squares_no_grad_grad(&x).1,
        sum_of_cubes: sum_of_cubes_grad(&x).1,
        sum_of_cubes_no_grad: sum_of_cubes_no_grad_grad(&x).1,
        x,
    }
}

/// The first `k` entries the way PyTorch prints a tensor: `0., 2.` when
/// every entry is an integer, four decimals otherwise.
pub fn tensor_head(v: &[f64], k: usize) -> String {
    let integers = v.iter().all(|x| x.fract() == 0.0);
    let items: Vec<String> = v
        .iter()
        .take(k)
        .map(|x| match integers {
            true => format!("{x:.0}."),
            false => format!("{x:.4}"),
        })
        .collect();
    let more = if v.len() > k { ", ..." } else { "" };
    format!("tensor([{}{more}])", items.join(", "))
}

/// The largest `|aᵢ − f(xᵢ)|`.
pub fn max_error(a: &[f64], x: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    assert_eq!(a.len(), x.len());
    a.iter()
        .zip(x)
        .map(|(a, &x)| (a - f(x)).abs())
        .fold(0.0, f64::max)
}

/// Where the figures go: `target/plots/` under the workspace.
pub fn plot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/plots");
    std::fs::create_dir_all(&dir).expect("cannot create target/plots");
    dir
}

/// Draws `f` and `f'` on one chart with a legend, as SVG.
pub fn plot_function_and_derivative(
    path: &Path,
    title: &str,
    (x, y, dy): (&[f64], &[f64], &[f64]),
    (f_label, df_label): (&str, &str),
) -> Result<(), Box<dyn std::error::Error>> {
    let (lo, hi) = y
        .iter()
        .chain(dy)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let pad = 0.05 * (hi - lo);
    let root = SVGBackend::new(path, (720, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(36)
        .y_label_area_size(48)
        .build_cartesian_2d(x[0]..x[x.len() - 1], (lo - pad)..(hi + pad))?;
    chart
        .configure_mesh()
        .x_desc("x")
        .light_line_style(WHITE)
        .draw()?;
    let points = |v: &[f64]| x.iter().copied().zip(v.iter().copied()).collect::<Vec<_>>();
    chart
        .draw_series(LineSeries::new(points(y), BLUE.stroke_width(2)))?
        .label(f_label)
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLUE.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(points(dy), RED.stroke_width(2)))?
        .label(df_label)
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RED.stroke_width(2)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperMiddle)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// Prints a curve, checks it against the closed forms, and plots it.
fn show(
    name: &str,
    curve: Curve,
    f: impl Fn(f64) -> f64,
    df: impl Fn(f64) -> f64,
    labels: (&str, &str),
    file: &str,
) -> PathBuf {
    let Curve { x, y, grad } = curve;
    let (value_err, grad_err) = (max_error(&y, &x, f), max_error(&grad, &x, df));
    println!("x      = {}   ({} points)", tensor_head(&x, 5), x.len());
    println!("y      = {}   y = {name}", tensor_head(&y, 5));
    println!(
        "x.grad = {}   max |x.grad − y'(x)| = {grad_err:.1e}",
        tensor_head(&grad, 5)
    );
    assert!(value_err <= 1e-12, "{name}: value off by {value_err}");
    assert!(grad_err <= 1e-12, "{name}: derivative off by {grad_err}");

    // PyTorch plots `y.detach()`: the values without their gradient. Here
    // `detach` is the identity outside a differentiated function; it marks
    // the values leaving autodiff for the plot.
    let (x, y, grad) = (detach(x), detach(y), detach(grad));
    let path = plot_dir().join(file);
    plot_function_and_derivative(
        &path,
        &format!("{name} and its derivative from autodiff"),
        (&x, &y, &grad),
        labels,
    )
    .expect("cannot draw the figure");
    println!("plot   → {}", path.display());
    path
}

/// Runs the tutorial.
pub fn main() {
    println!("== y = x² on linspace(-3, 3, 301); y.backward(ones) ==");
    show(
        "x²",
        square_curve(),
        |x| x * x,
        |x| 2.0 * x,
        ("f(x) = x²", "f'(x) = 2x (autodiff)"),
        "square_derivative.svg",
    );

    println!();
    println!("== y = sin(x²) on linspace(-3, 3, 100); y.backward(ones) ==");
    show(
        "sin(x²)",
        sin_square_curve(),
        |x| (x * x).sin(),
        |x| 2.0 * x * (x * x).cos(),
        ("f(x) = sin(x²)", "f'(x) = 2x·cos(x²) (autodiff)"),
        "sin_x2_derivative.svg",
    );

    println!();
    println!("== no_grad! at x = arange(4) ==");
    let d = no_grad_demo();
    println!("x = {:?}", d.x);
    let rows = [
        ("y = x * x", "y.sum()", &d.sum_of_squares),
        (
            "y = no_grad! { x * x }",
            "y.sum()",
            &d.sum_of_squares_no_grad,
        ),
        ("y = x * x", "y.dot(x)", &d.sum_of_cubes),
        (
            "y = no_grad! { x * x }",
            "y.dot(x)",
            &d.sum_of_cubes_no_grad,
        ),
    ];
    for (y, out, grad) in rows {
        let backward = format!("{out}.backward()");
        println!("{y:<24} {backward:<20} → x.grad = {grad:?}");
    }
    for (i, &x) in d.x.iter().enumerate() {
        assert_eq!(d.sum_of_squares[i], 2.0 * x);
        assert_eq!(d.sum_of_squares_no_grad[i], 0.0);
        assert_eq!(d.sum_of_cubes[i], 3.0 * x * x);
        assert_eq!(d.sum_of_cubes_no_grad[i], x * x);
    }
}
