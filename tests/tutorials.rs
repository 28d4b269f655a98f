//! The tutorials in `examples/` as tests: every number they print is checked
//! here against its closed form, and each example's `main` runs, so the
//! examples run in CI and write their figures to `target/plots/`.

#[allow(dead_code)]
#[path = "../examples/autograd_basics.rs"]
mod autograd_basics;

#[allow(dead_code)]
#[path = "../examples/calculus.rs"]
mod calculus;

#[allow(dead_code)]
#[path = "../examples/numerical_vs_automatic.rs"]
mod numerical_vs_automatic;

use autodiff::{Matrix, Vector};

const TOL: f64 = 1e-12;

/// `got` and `want` agree element by element within [`TOL`].
#[track_caller]
fn assert_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= TOL,
            "{what}: element {i} is {g}, want {w}\n got  {got:?}\n want {want:?}"
        );
    }
}

/// `f` applied to every element.
fn map(x: &[f64], f: impl Fn(f64) -> f64) -> Vec<f64> {
    x.iter().map(|&v| f(v)).collect()
}

/// The figure exists, is an SVG, and has its text drawn (no font needed).
#[track_caller]
fn assert_svg(name: &str, texts: &[&str]) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/plots")
        .join(name);
    let svg = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    assert!(svg.starts_with("<svg"), "{name} is not an SVG");
    let text = svg.replace("&apos;", "'").replace("&quot;", "\"");
    assert!(svg.contains("<polyline"), "{name} has no curves");
    for t in texts {
        assert!(text.contains(t), "{name} lacks the text {t:?}");
    }
}

mod basics {
    use super::*;
    use autograd_basics::*;

    #[test]
    fn square_on_301_points_has_derivative_2x() {
        let c = square_curve();
        assert_eq!(c.x.len(), 301);
        let grid: Vec<f64> = (0..301).map(|i| -3.0 + 0.02 * f64::from(i)).collect();
        assert_close(&c.x, &grid, "linspace(-3, 3, 301)");
        assert_eq!((c.x[0], c.x[300]), (-3.0, 3.0));
        assert_close(&c.y, &map(&c.x, |x| x * x), "x²");
        assert_close(&c.grad, &map(&c.x, |x| 2.0 * x), "d/dx x² = 2x");
    }

    #[test]
    fn sin_square_on_100_points_has_derivative_2x_cos_x2() {
        let c = sin_square_curve();
        assert_eq!(c.x.len(), 100);
        let grid: Vec<f64> = (0..100).map(|i| -3.0 + 6.0 * f64::from(i) / 99.0).collect();
        assert_close(&c.x, &grid, "linspace(-3, 3, 100)");
        assert_close(&c.y, &map(&c.x, |x| (x * x).sin()), "sin(x²)");
        assert_close(
            &c.grad,
            &map(&c.x, |x| 2.0 * x * (x * x).cos()),
            "d/dx sin(x²) = 2x·cos(x²)",
        );
    }

    #[test]
    fn the_sum_trick_is_a_vjp_a_general_seed_scales_each_derivative() {
        let x = Vector::linspace(-3.0, 3.0, 7);
        let seed = Vector::from(vec![1.0, -2.0, 0.5, 3.0, 0.0, 1.5, -1.0]);
        let mut grad = Vector::zeros(7);
        square_vjp(&x, &seed, &mut grad);
        let want: Vec<f64> = x
            .iter()
            .zip(seed.iter())
            .map(|(x, s)| s * 2.0 * x)
            .collect();
        assert_close(&grad, &want, "seed · 2x");
    }

    #[test]
    fn no_grad_stops_the_gradient() {
        let d = no_grad_demo();
        assert_close(&d.x, &[0.0, 1.0, 2.0, 3.0], "arange(4)");
        assert_close(&d.sum_of_squares, &map(&d.x, |x| 2.0 * x), "∇Σx²");
        assert_close(&d.sum_of_squares_no_grad, &[0.0; 4], "∇Σ no_grad(x²)");
        assert_close(&d.sum_of_cubes, &map(&d.x, |x| 3.0 * x * x), "∇Σx³");
        assert_close(
            &d.sum_of_cubes_no_grad,
            &map(&d.x, |x| x * x),
            "∇ no_grad(x²)·x",
        );
        // The values are the same with and without `no_grad!`.
        let x = Vector::arange(4);
        assert_eq!(sum_of_squares(&x), sum_of_squares_no_grad(&x));
        assert_eq!(sum_of_cubes(&x), sum_of_cubes_no_grad(&x));
        assert_eq!(sum_of_squares_no_grad_grad(&x).0, 14.0);
        assert_eq!(sum_of_cubes_no_grad_grad(&x).0, 36.0);
    }

    #[test]
    fn tensors_print_like_pytorch() {
        assert_eq!(tensor_head(&[0.0, 2.0, 4.0], 5), "tensor([0., 2., 4.])");
        assert_eq!(
            tensor_head(&Vector::linspace(-3.0, 3.0, 301), 3),
            "tensor([-3.0000, -2.9800, -2.9600, ...])"
        );
    }

    #[test]
    fn main_runs_and_draws_both_figures() {
        autograd_basics::main();
        assert_svg(
            "square_derivative.svg",
            &[
                "x² and its derivative",
                "f(x) = x²",
                "f'(x) = 2x (autodiff)",
            ],
        );
        assert_svg(
            "sin_x2_derivative.svg",
            &[
                "sin(x²) and its derivative",
                "f(x) = sin(x²)",
                "f'(x) = 2x·cos(x²) (autodiff)",
            ],
        );
    }
}

mod d2l_calculus {
    use super::*;
    use calculus::*;

    #[test]
    fn scalar_functions_of_a_vector() {
        let b = basics();
        let x = &b.x;
        assert_close(x, &[0.0, 1.0, 2.0, 3.0], "arange(4)");
        assert_eq!(b.y, 28.0, "2xᵀx at arange(4)");
        assert_close(&b.grad_two_x_dot_x, &[0.0, 4.0, 8.0, 12.0], "∇ 2xᵀx");
        assert_close(&b.grad_two_x_dot_x, &map(x, |x| 4.0 * x), "∇ 2xᵀx = 4x");
        assert_close(&b.grad_sum, &[1.0; 4], "∇ Σx");
        assert_close(
            &b.grad_square,
            &[0.0, 2.0, 4.0, 6.0],
            "(x*x).backward(ones)",
        );
        assert_close(&b.grad_cube, &[0.0, 3.0, 12.0, 27.0], "z = y*x");
        assert_close(&b.grad_cube, &map(x, |x| 3.0 * x * x), "z = y*x: 3x²");
        assert_close(
            &b.grad_cube_detached,
            &[0.0, 1.0, 4.0, 9.0],
            "u = detach(y)",
        );
        assert_close(&b.grad_cube_detached, &map(x, |x| x * x), "u = x²");
        // Detaching stops the gradient, not the value: z is still x³.
        assert_close(&cube_detached(x), &map(x, |x| x * x * x), "z = u * x");
        assert_close(&b.grad_sum_of_squares, &map(x, |x| 2.0 * x), "y.sum()");
    }

    #[test]
    fn gradients_accumulate_until_zeroed() {
        let [once, twice, zeroed] = accumulation();
        assert_close(&once, &[0.0, 4.0, 8.0, 12.0], "after one backward");
        assert_close(&twice, &[0.0, 8.0, 16.0, 24.0], "after two");
        assert_close(&zeroed, &[0.0; 4], "after zero_");
    }

    /// `Aᵀ`, written out with a loop.
    fn transpose(a: &Matrix) -> Matrix {
        let (m, n) = a.shape();
        let mut t = Matrix::zeros(n, m);
        for i in 0..m {
            for j in 0..n {
                t[(j, i)] = a[(i, j)];
            }
        }
        t
    }

    /// `(A + Aᵀ)x` for a square `A`, written out with loops.
    fn symmetric_product(a: &Matrix, x: &[f64]) -> Vec<f64> {
        let n = x.len();
        (0..n)
            .map(|i| (0..n).map(|j| (a[(i, j)] + a[(j, i)]) * x[j]).sum())
            .collect()
    }

    #[test]
    fn matrix_rules_on_the_3x3_example() {
        let (a, x) = example_matrix();
        assert_eq!(a.shape(), (3, 3));
        let r = matrix_rules();
        let (a_t, sym_x) = (transpose(&a), symmetric_product(&a, &x));
        assert_eq!(r.grad_a_x.shape(), (3, 3));
        assert_close(&r.grad_a_x[..], &a_t[..], "∇ₓ(Ax) = Aᵀ");
        assert_eq!(r.grad_x_a.shape(), (3, 3));
        assert_close(&r.grad_x_a[..], &a[..], "∇ₓ(xᵀA) = A");
        assert_close(&r.grad_x_a_x, &sym_x, "∇ₓ(xᵀAx) = (A + Aᵀ)x");
        assert_close(&r.grad_x_a_x, &[6.0, 2.5, 23.0], "(A + Aᵀ)x by hand");
        assert_close(&r.grad_norm_squared, &map(&x, |x| 2.0 * x), "∇ₓ‖x‖² = 2x");
    }

    #[test]
    fn jacobians_from_unit_seeds_on_a_non_square_matrix() {
        // A is 2×3: Ax has the 2×3 Jacobian A, xᵀA (x of length 2) has the
        // 3×2 Jacobian Aᵀ.
        let a = Matrix::from_rows(&[[1.0, -2.0, 0.5], [4.0, 0.0, -3.0]]);
        let x3 = Vector::from(vec![0.3, -1.0, 2.0]);
        let x2 = Vector::from(vec![-1.5, 2.0]);
        let j = jacobian(|e, row| drop(a_x_vjp(&a, &x3, e, row)), 2, 3);
        assert_eq!(j.shape(), (2, 3));
        assert_close(&j[..], &a[..], "J(Ax) = A");
        let j = jacobian(|e, row| drop(x_a_vjp(&a, &x2, e, row)), 3, 2);
        let a_t = transpose(&a);
        assert_eq!(j.shape(), (3, 2));
        assert_close(&j[..], &a_t[..], "J(xᵀA) = Aᵀ");
    }

    #[test]
    fn main_runs() {
        calculus::main();
    }
}

mod finite_differences {
    use super::*;
    use numerical_vs_automatic::*;

    #[test]
    fn autodiff_is_the_closed_form() {
        for x in [-2.0, -0.7, 0.0, 0.5, X0, 3.0] {
            let (v, d) = f_grad(x);
            assert_eq!(v, (x * x).sin());
            assert!((d - 2.0 * x * (x * x).cos()).abs() <= TOL, "f'({x}) = {d}");
            assert!((automatic(x) - df(x)).abs() <= TOL);
        }
    }

    #[test]
    fn the_double_double_reference_is_accurate() {
        // cos(π/3) = 1/2 to ~10⁻³⁰, π in double-double being
        // PI + sin(PI) (sin(π − δ) = δ to δ³).
        let pi = DoubleDouble {
            hi: std::f64::consts::PI,
            lo: std::f64::consts::PI.sin(),
        };
        let c = pi.div_f64(3.0).cos();
        assert!(
            c.error_of(0.5) <= 1e-29,
            "cos(π/3) − 1/2 = {:e}",
            c.error_of(0.5)
        );
        assert_eq!(
            DoubleDouble::from_f64(0.0).cos(),
            DoubleDouble::from_f64(1.0)
        );
        // It rounds to the f64 closed form within an ulp.
        let r = exact_derivative(X0);
        assert!((r.hi - df(X0)).abs() <= ulp(r.hi));
        assert!(r.lo.abs() <= ulp(r.hi) / 2.0);
    }

    #[test]
    fn autodiff_error_is_at_machine_precision() {
        let e = automatic_error(X0);
        assert!(e <= 1e-15, "AD error {e:e}");
        assert!(e <= 2.0 * ulp(df(X0)), "AD error {e:e} is more than 2 ulp");
    }

    #[test]
    fn the_table_has_h_from_1e_1_to_1e_15() {
        let steps = table_steps();
        assert_eq!(steps.len(), 15);
        for (k, h) in (1..=15).zip(&steps) {
            assert_eq!(*h, 10f64.powi(-k));
        }
    }

    #[test]
    fn forward_differences_err_by_h_f2_over_2_for_large_h() {
        // (f(x+h) − f(x))/h − f'(x) = h·f''(x)/2 + O(h²).
        for h in [1e-3, 1e-4, 1e-5] {
            let signed = (forward_difference(X0, h) - df(X0)) / h;
            let want = d2f(X0) / 2.0;
            assert!(
                (signed / want - 1.0).abs() < 1e-3,
                "h = {h:e}: error/h = {signed}, want f''/2 = {want}"
            );
        }
    }

    #[test]
    fn central_differences_err_by_h2_f3_over_6_for_large_h() {
        // (f(x+h) − f(x−h))/2h − f'(x) = h²·f'''(x)/6 + O(h⁴).
        for h in [1e-2, 1e-3] {
            let signed = (central_difference(X0, h) - df(X0)) / (h * h);
            let want = d3f(X0) / 6.0;
            assert!(
                (signed / want - 1.0).abs() < 1e-3,
                "h = {h:e}: error/h² = {signed}, want f'''/6 = {want}"
            );
        }
    }

    #[test]
    fn finite_differences_are_far_worse_than_autodiff() {
        let rows = errors(X0, &table_steps());
        let ad = automatic_error(X0).max(ulp(df(X0)));
        let fwd = best(&rows, |r| r.forward);
        let cen = best(&rows, |r| r.central);
        // The best forward difference is near √ε, the best central one
        // near ε^⅔: thousands to millions of times the AD error.
        assert!(fwd.forward > 1e5 * ad, "best forward {:e}", fwd.forward);
        assert!(cen.central > 1e2 * ad, "best central {:e}", cen.central);
        assert!((1e-10..=1e-6).contains(&fwd.h));
        assert!((1e-7..=1e-3).contains(&cen.h));
        // Round-off takes over for small h.
        let last = rows.last().unwrap();
        assert!(last.forward > 1e-3 && last.central > 1e-3);
    }

    #[test]
    fn main_runs_and_draws_the_error_figure() {
        numerical_vs_automatic::main();
        assert_svg(
            "fd_vs_ad_error.svg",
            &[
                "forward difference",
                "central difference",
                "autodiff",
                "step h",
            ],
        );
    }
}
