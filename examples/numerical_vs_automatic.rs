//! Why automatic differentiation: finite differences trade truncation error
//! against round-off and are never better than about √ε (forward) or ε^⅔
//! (central), while the derivative from `#[differentiate]` is exact to
//! rounding, whatever the step.
//!
//! ```sh
//! cargo run --example numerical_vs_automatic   # writes target/plots/fd_vs_ad_error.svg
//! ```
//!
//! For f(x) = sin(x²) at x₀ = 1.5 and h = 10⁻¹ … 10⁻¹⁵:
//!
//! - forward differences `(f(x+h) − f(x))/h` err by `h·f''/2` (truncation)
//!   plus about `ε·|f|/h` (round-off in `f(x+h) − f(x)`): the error falls
//!   like h down to h ≈ √ε ≈ 10⁻⁸, then rises again;
//! - central differences `(f(x+h) − f(x−h))/2h` err by `h²·f'''/6` plus
//!   about `ε·|f|/h`: they fall like h² down to h ≈ ε^⅓ ≈ 10⁻⁵, then rise;
//! - `f_grad` has no step: its error is that of evaluating `2x·cos(x²)` in
//!   floating point, an ulp or so (≈ 10⁻¹⁶).

use autodiff::differentiate;
use plotters::prelude::*;
use std::ops::{Add, Mul};
use std::path::{Path, PathBuf};

/// f(x) = sin(x²).
#[differentiate]
pub fn f(x: f64) -> f64 {
    (x * x).sin()
}

/// f'(x) = 2x·cos(x²), by hand.
pub fn df(x: f64) -> f64 {
    2.0 * x * (x * x).cos()
}

/// f''(x) = 2cos(x²) − 4x²·sin(x²).
pub fn d2f(x: f64) -> f64 {
    2.0 * (x * x).cos() - 4.0 * x * x * (x * x).sin()
}

/// f'''(x) = −12x·sin(x²) − 8x³·cos(x²).
pub fn d3f(x: f64) -> f64 {
    -12.0 * x * (x * x).sin() - 8.0 * x.powi(3) * (x * x).cos()
}

/// The point.
pub const X0: f64 = 1.5;

/// `(f(x+h) − f(x))/h`.
pub fn forward_difference(x: f64, h: f64) -> f64 {
    (f(x + h) - f(x)) / h
}

/// `(f(x+h) − f(x−h))/2h`.
pub fn central_difference(x: f64, h: f64) -> f64 {
    (f(x + h) - f(x - h)) / (2.0 * h)
}

/// The derivative from autodiff.
pub fn automatic(x: f64) -> f64 {
    f_grad(x).1
}

/// One row of the table: the absolute errors against `df` at one step.
#[derive(Clone, Copy, Debug)]
pub struct Row {
    /// The step.
    pub h: f64,
    /// |forward difference − f'(x₀)|.
    pub forward: f64,
    /// |central difference − f'(x₀)|.
    pub central: f64,
}

/// The errors at x₀ for the steps `h`.
pub fn errors(x: f64, steps: &[f64]) -> Vec<Row> {
    let exact = exact_derivative(x);
    steps
        .iter()
        .map(|&h| Row {
            h,
            forward: exact.error_of(forward_difference(x, h)),
            central: exact.error_of(central_difference(x, h)),
        })
        .collect()
}

/// |AD − f'(x₀)|, against the double-double f'(x₀).
pub fn automatic_error(x: f64) -> f64 {
    exact_derivative(x).error_of(automatic(x))
}

/// A double-double number `hi + lo` (|lo| ≤ ulp(hi)/2): about 32
/// significant digits, enough to measure an error of one ulp of an `f64`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DoubleDouble {
    /// The leading `f64`.
    pub hi: f64,
    /// What `hi` leaves out.
    pub lo: f64,
}

impl DoubleDouble {
    /// An `f64`, exactly.
    pub fn from_f64(x: f64) -> Self {
        DoubleDouble { hi: x, lo: 0.0 }
    }

    /// `a + b` exactly, renormalised, for |a| ≥ |b|.
    fn quick_two_sum(a: f64, b: f64) -> Self {
        let s = a + b;
        DoubleDouble {
            hi: s,
            lo: b - (s - a),
        }
    }

    /// `self / d` for an `f64` `d`.
    pub fn div_f64(self, d: f64) -> Self {
        let q1 = self.hi / d;
        let p = q1 * d;
        let p_err = q1.mul_add(d, -p);
        let q2 = ((self.hi - p) - p_err + self.lo) / d;
        Self::quick_two_sum(q1, q2)
    }

    /// `cos(self)` by its Taylor series `Σ (−1)ᵏ y²ᵏ/(2k)!` (for moderate
    /// arguments, |y| ≲ 4: no range reduction).
    pub fn cos(self) -> Self {
        let minus_y2 = self * self * Self::from_f64(-1.0);
        let (mut term, mut sum) = (Self::from_f64(1.0), Self::from_f64(1.0));
        for k in 1..=30 {
            let k = f64::from(k);
            term = (term * minus_y2).div_f64((2.0 * k - 1.0) * (2.0 * k));
            sum = sum + term;
        }
        sum
    }

    /// `|a − self|` for an `f64` `a`, rounded to an `f64`.
    pub fn error_of(self, a: f64) -> f64 {
        ((a - self.hi) - self.lo).abs()
    }
}

impl Add for DoubleDouble {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        let s = self.hi + o.hi;
        let v = s - self.hi;
        let e = (self.hi - (s - v)) + (o.hi - v);
        Self::quick_two_sum(s, e + self.lo + o.lo)
    }
}

impl Mul for DoubleDouble {
    type Output = Self;
    fn mul(self, o: Self) -> Self {
        let p = self.hi * o.hi;
        let e = self.hi.mul_add(o.hi, -p);
        Self::quick_two_sum(p, e + self.hi * o.lo + self.lo * o.hi)
    }
}

/// f'(x) = 2x·cos(x²) in double-double arithmetic: the reference every
/// error is measured against, good to ~10⁻³⁰, so that AD's own rounding
/// error shows.
pub fn exact_derivative(x: f64) -> DoubleDouble {
    let x = DoubleDouble::from_f64(x);
    (x * x).cos() * x * DoubleDouble::from_f64(2.0)
}

/// h = 10⁻¹, 10⁻², …, 10⁻¹⁵.
pub fn table_steps() -> Vec<f64> {
    (1..=15).map(|k| 10f64.powi(-k)).collect()
}

/// Four steps per decade from 10⁻¹ to 10⁻¹⁵, for the figure.
pub fn plot_steps() -> Vec<f64> {
    (4..=60).map(|k| 10f64.powf(-f64::from(k) / 4.0)).collect()
}

/// The smallest error of a column.
pub fn best(rows: &[Row], column: impl Fn(&Row) -> f64) -> Row {
    *rows
        .iter()
        .min_by(|a, b| column(a).total_cmp(&column(b)))
        .expect("no rows")
}

/// Where the figures go: `target/plots/` under the workspace.
pub fn plot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/plots");
    std::fs::create_dir_all(&dir).expect("cannot create target/plots");
    dir
}

/// The lowest error the log axis shows; an error of exactly zero, should a
/// difference quotient hit f'(x₀) to the last bit, is drawn there.
pub const FLOOR: f64 = 1e-18;

/// Error against h, log-log: forward and central differences, and AD as a
/// flat line.
pub fn plot_errors(path: &Path, rows: &[Row], ad: f64) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::new(path, (720, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let (h_lo, h_hi) = (rows[rows.len() - 1].h, rows[0].h);
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("Error of the derivative of sin(x²) at x = {X0}"),
            ("sans-serif", 20),
        )
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d((h_lo..h_hi).log_scale(), (FLOOR..10.0).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("step h")
        .y_desc("absolute error")
        .x_label_formatter(&|h| format!("{h:.0e}"))
        .y_label_formatter(&|e| format!("{e:.0e}"))
        .draw()?;
    let line = |column: fn(&Row) -> f64| {
        rows.iter()
            .map(move |r| (r.h, column(r).max(FLOOR)))
            .collect::<Vec<_>>()
    };
    let legend = |color: RGBColor| {
        move |(x, y): (i32, i32)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2))
    };
    chart
        .draw_series(LineSeries::new(line(|r| r.forward), BLUE.stroke_width(2)))?
        .label("forward difference (f(x+h) − f(x))/h")
        .legend(legend(BLUE));
    chart
        .draw_series(LineSeries::new(line(|r| r.central), RED.stroke_width(2)))?
        .label("central difference (f(x+h) − f(x−h))/2h")
        .legend(legend(RED));
    let ad = ad.max(FLOOR);
    chart
        .draw_series(LineSeries::new(
            [(h_lo, ad), (h_hi, ad)],
            GREEN.stroke_width(3),
        ))?
        .label("autodiff (no step)")
        .legend(legend(GREEN));
    chart
        .configure_series_labels()
        // Bottom left: below the round-off of small steps, above AD.
        .position(SeriesLabelPosition::Coordinate(80, 270))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// Runs the comparison.
pub fn main() {
    let exact = exact_derivative(X0);
    let ad = automatic(X0);
    let ad_error = automatic_error(X0);
    println!("f(x) = sin(x²) at x₀ = {X0}");
    println!(
        "f'(x₀) = 2x₀·cos(x₀²) = {:.17} {:+.3e}   (double-double)",
        exact.hi, exact.lo
    );
    println!("autodiff f_grad(x₀).1 = {ad:.17}   |error| = {ad_error:.1e}");
    let by_hand = df(X0);
    println!(
        "by hand, in f64        = {by_hand:.17}   |error| = {:.1e}",
        exact.error_of(by_hand)
    );
    println!();
    println!(
        "{:>7}  {:>15}  {:>15}  {:>15}",
        "h", "forward", "central", "autodiff"
    );
    let rows = errors(X0, &table_steps());
    for r in &rows {
        println!(
            "{:>7.0e}  {:>15.3e}  {:>15.3e}  {:>15.3e}",
            r.h, r.forward, r.central, ad_error
        );
    }
    let (fwd, cen) = (best(&rows, |r| r.forward), best(&rows, |r| r.central));
    println!();
    println!(
        "best forward difference: {:.1e} at h = {:.0e}",
        fwd.forward, fwd.h
    );
    println!(
        "best central difference: {:.1e} at h = {:.0e}",
        cen.central, cen.h
    );
    println!(
        "autodiff:                {ad_error:.1e} (one ulp of f'(x₀) is {:.1e})",
        ulp(exact.hi)
    );

    // AD is exact to rounding: within a few ulps of the closed form.
    assert!(ad_error <= 1e-15, "autodiff error {ad_error:e}");
    // The best a finite difference does is far worse: ~√ε and ~ε^⅔.
    assert!(fwd.forward > 1e-10 && fwd.forward > 1e5 * ad_error.max(ulp(exact.hi)));
    assert!(cen.central > 1e-13 && cen.central > 1e2 * ad_error.max(ulp(exact.hi)));
    // Truncation then round-off: the optimal steps are near √ε and ε^⅓.
    assert!(
        (1e-10..=1e-6).contains(&fwd.h),
        "forward optimum at {:e}",
        fwd.h
    );
    assert!(
        (1e-7..=1e-3).contains(&cen.h),
        "central optimum at {:e}",
        cen.h
    );
    let last = rows[rows.len() - 1];
    assert!(last.forward > 1e3 * fwd.forward && last.central > 1e3 * cen.central);

    let path = plot_dir().join("fd_vs_ad_error.svg");
    plot_errors(&path, &errors(X0, &plot_steps()), ad_error).expect("cannot draw the figure");
    println!("plot → {}", path.display());
}

/// The spacing of floats at `x`.
pub fn ulp(x: f64) -> f64 {
    let x = x.abs();
    f64::from_bits(x.to_bits() + 1) - x
}
