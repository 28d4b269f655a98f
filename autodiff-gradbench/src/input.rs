//! Reading an eval's `input`, with errors that name the field at fault.

use serde_json::Value;

pub type Result<T> = std::result::Result<T, String>;

/// `input.name`.
pub fn field<'a>(input: &'a Value, name: &str) -> Result<&'a Value> {
    input
        .get(name)
        .ok_or_else(|| format!("input has no field `{name}`"))
}

pub fn number(input: &Value, name: &str) -> Result<f64> {
    field(input, name)?
        .as_f64()
        .ok_or_else(|| format!("`{name}` must be a number"))
}

pub fn count(input: &Value, name: &str) -> Result<usize> {
    field(input, name)?
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| format!("`{name}` must be a non-negative integer"))
}

fn numbers(v: &Value, what: &str) -> Result<Vec<f64>> {
    v.as_array()
        .and_then(|a| a.iter().map(Value::as_f64).collect::<Option<Vec<f64>>>())
        .ok_or_else(|| format!("`{what}` must be an array of numbers"))
}

/// `input.name` as an array of numbers.
pub fn vector(input: &Value, name: &str) -> Result<Vec<f64>> {
    numbers(field(input, name)?, name)
}

/// `input.name` as an array of rows of numbers, `rows × cols`.
pub fn matrix(input: &Value, name: &str, rows: usize, cols: usize) -> Result<Vec<Vec<f64>>> {
    let m = field(input, name)?
        .as_array()
        .ok_or_else(|| format!("`{name}` must be an array of rows"))?;
    expect_len(name, m.len(), rows)?;
    m.iter()
        .enumerate()
        .map(|(i, row)| {
            let row = numbers(row, &format!("{name}[{i}]"))?;
            expect_len(&format!("{name}[{i}]"), row.len(), cols)?;
            Ok(row)
        })
        .collect()
}

/// An error unless `got == want`.
pub fn expect_len(name: &str, got: usize, want: usize) -> Result<()> {
    if got == want {
        Ok(())
    } else {
        Err(format!("`{name}` has length {got}, expected {want}"))
    }
}

/// How often to evaluate: at least `min_runs` times and for at least
/// `min_seconds` in total (1 run, no minimum time when absent).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Runs {
    pub min_runs: usize,
    pub min_seconds: f64,
}

impl Runs {
    pub fn of(input: &Value) -> Result<Runs> {
        let min_runs = match input.get("min_runs") {
            None => 1,
            Some(_) => count(input, "min_runs")?.max(1),
        };
        let min_seconds = match input.get("min_seconds") {
            None => 0.0,
            Some(_) => number(input, "min_seconds")?,
        };
        Ok(Runs {
            min_runs,
            min_seconds,
        })
    }
}
