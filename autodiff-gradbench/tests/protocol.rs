//! The protocol's edges: errors are answered with `"success": false` and a
//! clear message, the server keeps serving, and `min_runs`/`min_seconds`
//! are honoured.

use autodiff_gradbench::Server;
use serde_json::{json, Value};

fn ask(server: &mut Server, message: Value) -> Value {
    server.respond(&message.to_string())
}

#[track_caller]
fn fails_with(response: &Value, id: i64, words: &str) {
    assert_eq!(response["id"], id);
    assert_eq!(response["success"], false, "{response}");
    let error = response["error"].as_str().expect("an error message");
    assert!(error.contains(words), "`{error}` should mention `{words}`");
}

#[test]
fn start_define_and_other_kinds() {
    let mut s = Server::default();
    assert_eq!(
        ask(&mut s, json!({"id": 0, "kind": "start", "eval": "lse"})),
        json!({"id": 0, "tool": "autodiff"})
    );
    for module in ["hello", "lse", "llsq", "gmm", "ode", "det", "lstm"] {
        let r = ask(&mut s, json!({"id": 1, "kind": "define", "module": module}));
        assert_eq!(r, json!({"id": 1, "success": true}));
    }
    fails_with(
        &ask(&mut s, json!({"id": 2, "kind": "define", "module": "ba"})),
        2,
        "`ba`",
    );
    let analysis = json!({"id": 3, "kind": "analysis", "of": 2, "valid": false, "error": "x"});
    assert_eq!(ask(&mut s, analysis), json!({"id": 3}));
    assert_eq!(
        ask(&mut s, json!({"id": 4, "kind": "end"})),
        json!({"id": 4})
    );
}

#[test]
fn errors_are_answered_and_serving_goes_on() {
    let mut s = Server::default();
    let r = s.respond("{not json");
    assert_eq!(r["success"], false);
    assert!(r["error"].as_str().unwrap().contains("malformed"));

    let eval = |id: i64, module: &str, function: &str, input: Value| json!({"id": id, "kind": "evaluate", "module": module, "function": function, "input": input});
    let cases = [
        (eval(1, "nope", "primal", json!({})), "`nope`"),
        (eval(2, "lse", "hessian", json!({"x": [1.0]})), "`hessian`"),
        (eval(3, "lse", "primal", json!({"y": [1.0]})), "`x`"),
        (
            eval(4, "lse", "primal", json!({"x": [1.0, "a"]})),
            "array of numbers",
        ),
        (
            eval(5, "det", "primal", json!({"A": [1.0, 2.0, 3.0], "ell": 2})),
            "length 3",
        ),
        (
            eval(6, "llsq", "gradient", json!({"x": [1.0], "n": -3})),
            "non-negative integer",
        ),
        (
            eval(7, "lse", "primal", json!({"x": [1.0], "min_runs": "many"})),
            "`min_runs`",
        ),
        (
            json!({"id": 8, "kind": "evaluate", "module": "lse", "input": {}}),
            "`function`",
        ),
    ];
    for (message, words) in cases {
        let id = message["id"].as_i64().unwrap();
        fails_with(&ask(&mut s, message), id, words);
    }
    // Still serving.
    let r = ask(&mut s, eval(9, "lse", "primal", json!({"x": [0.0, 0.0]})));
    assert_eq!(r["success"], true);
    assert!((r["output"].as_f64().unwrap() - 2f64.ln()).abs() < 1e-15);
}

#[test]
fn min_runs_and_min_seconds() {
    let mut s = Server::default();
    let evaluate = |input: Value| json!({"id": 1, "kind": "evaluate", "module": "lse", "function": "gradient", "input": input});
    let runs = |r: &Value| {
        let timings = r["timings"].as_array().unwrap();
        let evaluate: Vec<u64> = timings
            .iter()
            .filter(|t| t["name"] == "evaluate")
            .map(|t| t["nanoseconds"].as_u64().unwrap())
            .collect();
        assert_eq!(
            timings.iter().filter(|t| t["name"] == "prepare").count(),
            1,
            "one `prepare` timing"
        );
        evaluate
    };
    let r = ask(
        &mut s,
        evaluate(json!({"x": [1.0, 2.0], "min_runs": 7, "min_seconds": 0.0})),
    );
    assert_eq!(runs(&r).len(), 7);
    let r = ask(
        &mut s,
        evaluate(json!({"x": [1.0, 2.0], "min_runs": 1, "min_seconds": 0.02})),
    );
    let t = runs(&r);
    assert!(t.len() > 1);
    assert!(
        t.iter().sum::<u64>() >= 20_000_000,
        "ran for at least min_seconds"
    );
    let r = ask(&mut s, evaluate(json!({"x": [1.0, 2.0]})));
    assert_eq!(
        runs(&r).len(),
        1,
        "one run when the input does not ask for more"
    );
}
