//! End to end: the sessions recorded from GradBench's reference
//! implementation (`tests/sessions/*.jsonl`, each line a message and the
//! reference response) are fed through the `autodiff-gradbench` binary, and
//! every response is checked against the reference: ids, success, and every
//! number of every output to a relative 1e-8.

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

/// Runs the binary on `lines` and returns its response lines.
fn serve(lines: &[String]) -> Vec<Value> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_autodiff-gradbench"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the tool starts");
    {
        let mut stdin = child.stdin.take().expect("stdin");
        for l in lines {
            writeln!(stdin, "{l}").expect("write a message");
        }
    }
    let out = child.wait_with_output().expect("the tool exits");
    assert!(out.status.success(), "the tool exits cleanly");
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each response is one JSON line"))
        .collect()
}

/// Every number in `got` within `rel` of the one in `want` (relative to the
/// larger magnitude, with a floor at 1e-12 of the output's largest entry, so
/// values that are zero up to rounding compare equal).
fn close(got: &Value, want: &Value, scale: f64, path: &str) -> Result<(), String> {
    match (got, want) {
        (Value::Number(g), Value::Number(w)) => {
            let (g, w) = (
                g.as_f64().unwrap_or(f64::NAN),
                w.as_f64().unwrap_or(f64::NAN),
            );
            let tol = 1e-8 * g.abs().max(w.abs()) + 1e-12 * scale;
            if (g - w).abs() <= tol {
                Ok(())
            } else {
                Err(format!("{path}: {g} vs reference {w}"))
            }
        }
        (Value::Array(g), Value::Array(w)) => {
            if g.len() != w.len() {
                return Err(format!(
                    "{path}: length {} vs reference {}",
                    g.len(),
                    w.len()
                ));
            }
            g.iter()
                .zip(w)
                .enumerate()
                .try_for_each(|(i, (g, w))| close(g, w, scale, &format!("{path}[{i}]")))
        }
        (Value::Object(g), Value::Object(w)) => {
            let mut keys: Vec<_> = g.keys().collect();
            let mut want_keys: Vec<_> = w.keys().collect();
            keys.sort();
            want_keys.sort();
            if keys != want_keys {
                return Err(format!(
                    "{path}: fields {keys:?} vs reference {want_keys:?}"
                ));
            }
            w.iter()
                .try_for_each(|(k, w)| close(&g[k], w, scale, &format!("{path}.{k}")))
        }
        _ if got == want => Ok(()),
        _ => Err(format!("{path}: {got} vs reference {want}")),
    }
}

fn largest(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap_or(0.0).abs(),
        Value::Array(a) => a.iter().map(largest).fold(0.0, f64::max),
        Value::Object(o) => o.values().map(largest).fold(0.0, f64::max),
        _ => 0.0,
    }
}

/// The recorded `ode` gradients are those of the ODE's exact solution,
/// `y_{n−1}(2) = 2ⁿ/n!·Πxᵢ`, not of the Runge–Kutta solution the primal
/// computes (with one step of a five-element system the last element stays
/// 0, yet the reference gradient is not 0). So the tool's gradient is checked
/// against central differences of its own primal, which the session does
/// check against the reference.
fn ode_gradient(input: &Value, got: &Value, what: &str) {
    let x: Vec<f64> = serde_json::from_value(input["x"].clone()).expect("x");
    let s = input["s"].as_u64().expect("s") as usize;
    let n = x.len();
    let want: Vec<f64> = (0..n)
        .map(|i| {
            let h = 1e-6 * x[i].abs().max(1.0);
            let (mut a, mut b) = (x.clone(), x.clone());
            a[i] += h;
            b[i] -= h;
            let (ya, yb) = (
                autodiff_gradbench::evals::ode::solve(&a, s),
                autodiff_gradbench::evals::ode::solve(&b, s),
            );
            (ya[n - 1] - yb[n - 1]) / (2.0 * h)
        })
        .collect();
    let got: Vec<f64> = serde_json::from_value(got.clone()).expect("a gradient");
    assert_eq!(got.len(), n, "{what}: gradient length");
    let scale = want.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-6 * g.abs().max(w.abs()) + 1e-8 * scale,
            "{what}: component {i}: {g} vs central differences {w}"
        );
    }
}

fn replay(eval: &str) {
    let path = format!("{}/tests/sessions/{eval}.jsonl", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the session file");
    let records: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a session line"))
        .collect();
    let messages: Vec<String> = records.iter().map(|r| r["message"].to_string()).collect();
    let responses = serve(&messages);
    assert_eq!(responses.len(), records.len(), "one response per message");
    let mut evaluated = 0;
    for (record, got) in records.iter().zip(&responses) {
        let (message, want) = (&record["message"], &record["reference"]);
        assert_eq!(
            got["id"], message["id"],
            "the response carries the message's id"
        );
        match message["kind"].as_str() {
            Some("start") => assert_eq!(got["tool"], "autodiff"),
            Some("define") => assert_eq!(got["success"], true, "{eval}: define"),
            Some("evaluate") => {
                let what = format!("{eval}.{} (id {})", message["function"], message["id"]);
                assert_eq!(got["success"], true, "{what}: {}", got["error"]);
                let timings = got["timings"].as_array().expect("timings");
                let runs = timings.iter().filter(|t| t["name"] == "evaluate").count();
                assert!(runs >= 1, "{what}: at least one `evaluate` timing");
                if eval == "ode" && message["function"] == "gradient" {
                    ode_gradient(&message["input"], &got["output"], &what);
                } else {
                    let scale = largest(&want["output"]);
                    if let Err(e) = close(&got["output"], &want["output"], scale, "output") {
                        panic!("{what}: {e}");
                    }
                }
                evaluated += 1;
            }
            _ => {}
        }
    }
    assert!(evaluated > 0, "{eval}: the session evaluates something");
}

#[test]
fn hello() {
    replay("hello");
}

#[test]
fn lse() {
    replay("lse");
}

#[test]
fn llsq() {
    replay("llsq");
}

#[test]
fn gmm() {
    replay("gmm");
}

#[test]
fn ode() {
    replay("ode");
}

#[test]
fn det() {
    replay("det");
}

#[test]
fn lstm() {
    replay("lstm");
}

#[test]
fn the_binary_answers_errors_and_keeps_serving() {
    let lines = [
        r#"{"id": 0, "kind": "start"}"#,
        "{ this is not json",
        r#"{"id": 1, "kind": "define", "module": "fft"}"#,
        r#"{"id": 2, "kind": "evaluate", "module": "lse", "function": "primal", "input": {"x": []}}"#,
        r#"{"id": 3, "kind": "evaluate", "module": "hello", "function": "double", "input": 2.5}"#,
    ]
    .map(String::from);
    let r = serve(&lines);
    assert_eq!(r.len(), 5);
    assert_eq!(r[0]["tool"], "autodiff");
    assert_eq!(r[1]["success"], false);
    assert_eq!(
        (r[2]["id"].clone(), r[2]["success"].clone()),
        (1.into(), false.into())
    );
    assert_eq!(r[3]["success"], false);
    assert_eq!(r[4]["output"], 5.0);
}
