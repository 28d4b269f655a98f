//! `lstm`: ADBench's diagonal LSTM, a character model scored by its
//! log-likelihood.
//!
//! `l` layers of width `b` run over a sequence of `c` one-hot-like vectors,
//! each step predicting the next. `main_params` holds, per layer, a row of
//! weights and a row of biases, each four blocks of `b` (forget, ingate,
//! outgate, change); `extra_params` holds the input weights, output weights
//! and output biases; `state` holds, per layer, the hidden and cell rows.
//! `objective` is the negated mean log-likelihood; `jacobian` its gradient
//! with respect to `main_params` then `extra_params`, flattened row by row.

use super::{job, unknown, Job};
use crate::input::{field, matrix};
use autodiff::differentiate;
use serde_json::Value;

/// The logistic function, squashing a gate's input into (0, 1).
#[differentiate]
fn sigmoid(v: f64) -> f64 {
    1.0 / (1.0 + (-v).exp())
}

/// `log(Σ exp vᵢ + 2)`: ADBench's log-sum-exp, with its `+ 2`.
#[differentiate]
fn logsumexp(v: &[f64]) -> f64 {
    let mut sum = 0.0;
    for i in 0..v.len() {
        sum += v[i].exp();
    }
    (sum + 2.0).ln()
}

/// A layer's new cell state from its `input`, its previous `hidden` and
/// `cell` states, and its `weight` and `bias` rows.
#[differentiate]
fn next_cell(
    weight: &[f64],
    bias: &[f64],
    input: &[f64],
    hidden: &[f64],
    cell: &[f64],
) -> Vec<f64> {
    let b = cell.len();
    let mut next = vec![0.0; b];
    for j in 0..b {
        let forget = sigmoid(input[j] * weight[j] + bias[j]);
        let ingate = sigmoid(hidden[j] * weight[b + j] + bias[b + j]);
        let change = (hidden[j] * weight[3 * b + j] + bias[3 * b + j]).tanh();
        next[j] = cell[j] * forget + ingate * change;
    }
    next
}

/// A layer's new hidden state from its `input` and its new `cell` state.
#[differentiate]
fn next_hidden(weight: &[f64], bias: &[f64], input: &[f64], cell: &[f64]) -> Vec<f64> {
    let b = cell.len();
    let mut next = vec![0.0; b];
    for j in 0..b {
        let outgate = sigmoid(input[j] * weight[2 * b + j] + bias[2 * b + j]);
        next[j] = outgate * cell[j].tanh();
    }
    next
}

/// The negated mean log-likelihood of each `sequence[t + 1]` under the
/// model's prediction from `sequence[..=t]`.
#[differentiate(wrt(main_params, extra_params))]
pub fn objective(
    main_params: &[Vec<f64>],
    extra_params: &[Vec<f64>],
    state: &[Vec<f64>],
    sequence: &[Vec<f64>],
) -> f64 {
    let layers = main_params.len() / 2;
    let b = extra_params[0].len();
    // The state evolves over the sequence; the caller's stays as it was.
    let mut state = state.to_vec();
    let mut total = 0.0;
    let mut count = 0;
    for t in 0..sequence.len() - 1 {
        let mut v = vec![0.0; b];
        for j in 0..b {
            v[j] = sequence[t][j] * extra_params[0][j];
        }
        for i in 0..layers {
            // Layer i owns rows 2i and 2i + 1: its weights and biases in
            // `main_params`, its hidden and cell states in `state`.
            let (even, odd) = (2 * i, 2 * i + 1);
            state[odd] = next_cell(
                &main_params[even],
                &main_params[odd],
                &v,
                &state[even],
                &state[odd],
            );
            state[even] = next_hidden(&main_params[even], &main_params[odd], &v, &state[odd]);
            // The next layer's input is this layer's output.
            v = state[even].clone();
        }
        let mut prediction = vec![0.0; b];
        for j in 0..b {
            prediction[j] = v[j] * extra_params[1][j] + extra_params[2][j];
        }
        let lse = logsumexp(&prediction);
        for j in 0..b {
            total += sequence[t + 1][j] * (prediction[j] - lse);
        }
        count += b;
    }
    -total / count as f64
}

/// A parsed `lstm` input: `l` layers of width `b` over `c` steps.
pub struct Input {
    main_params: Vec<Vec<f64>>,
    extra_params: Vec<Vec<f64>>,
    state: Vec<Vec<f64>>,
    sequence: Vec<Vec<f64>>,
}

/// The number of rows of `input.name`, and the length of its first row.
fn shape(input: &Value, name: &str) -> Result<(usize, usize), String> {
    let rows = field(input, name)?
        .as_array()
        .ok_or_else(|| format!("`{name}` must be an array of rows"))?;
    let cols = rows.first().and_then(Value::as_array).map_or(0, Vec::len);
    Ok((rows.len(), cols))
}

fn parse(input: &Value) -> Result<Input, String> {
    // `l` and `b` come from `main_params`, `c` from `sequence`; `matrix`
    // then checks every row against them.
    let (rows, cols) = shape(input, "main_params")?;
    if rows == 0 || rows % 2 != 0 {
        return Err(format!(
            "`main_params` has {rows} rows, expected a positive even number (2 per layer)"
        ));
    }
    if cols == 0 || cols % 4 != 0 {
        return Err(format!(
            "`main_params[0]` has length {cols}, expected a positive multiple of 4 (4 gates)"
        ));
    }
    let (l, b) = (rows / 2, cols / 4);
    let (c, _) = shape(input, "sequence")?;
    // The objective predicts each element from the previous one.
    if c < 2 {
        return Err(format!("`sequence` has {c} rows, expected at least 2"));
    }
    Ok(Input {
        main_params: matrix(input, "main_params", 2 * l, 4 * b)?,
        extra_params: matrix(input, "extra_params", 3, b)?,
        state: matrix(input, "state", 2 * l, b)?,
        sequence: matrix(input, "sequence", c, b)?,
    })
}

fn value(i: &Input) -> f64 {
    objective(&i.main_params, &i.extra_params, &i.state, &i.sequence)
}

/// The gradient with respect to `main_params` and `extra_params`.
fn jacobian(i: &Input) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    objective_grad(&i.main_params, &i.extra_params, &i.state, &i.sequence).1
}

/// Both gradients flattened row by row, `main_params` first, as the eval
/// expects.
fn flatten((d_main, d_extra): &(Vec<Vec<f64>>, Vec<Vec<f64>>)) -> Value {
    d_main.iter().chain(d_extra).flatten().copied().collect()
}

pub fn prepare(function: &str, input: &Value) -> Result<Box<dyn Job>, String> {
    match function {
        "objective" => Ok(job(parse(input)?, value, |y| (*y).into())),
        "jacobian" => Ok(job(parse(input)?, jacobian, flatten)),
        _ => Err(unknown("lstm", function, &["objective", "jacobian"])),
    }
}
