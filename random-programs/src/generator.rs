//! A generator of random functions in the language `#[differentiate]`
//! supports, deterministic in its seed.
//!
//! Every function takes `x: &[f64]` (4 elements) and `a: f64` and returns an
//! `f64` or a `Vec<f64>` of 3 elements. The operations keep values finite on
//! `[-1, 1]` (`sqrt(1 + v²)`, `ln(1 + v²)`, `v / (1.5 + w²)`, ...), so every
//! program can be checked against finite differences.

/// SplitMix64: small, fast, and the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

struct Gen<'r> {
    rng: &'r mut Rng,
    /// Immutable scalars in scope.
    vars: Vec<String>,
    /// Mutable scalars in scope.
    muts: Vec<String>,
    /// Buffers of 3 (or more) floats, declared at the top level.
    bufs: Vec<String>,
    loop_vars: Vec<String>,
    depth: usize,
    loops: usize,
    /// The variables of `muts` declared before the top-level loop being
    /// generated: the state it carries.
    outer_muts: usize,
    counter: usize,
    vector: bool,
}

impl Gen<'_> {
    fn fresh(&mut self, p: &str) -> String {
        self.counter += 1;
        format!("{p}{}", self.counter)
    }

    fn lit(&mut self) -> String {
        format!("{:.2}_f64", self.rng.uniform(-2.0, 2.0))
    }

    fn atom(&mut self) -> String {
        let c = self.rng.unit();
        if c < 0.35 {
            let mut all = self.vars.clone();
            all.extend(self.muts.iter().cloned());
            all[self.rng.below(all.len())].clone()
        } else if c < 0.6 {
            if !self.loop_vars.is_empty() && self.rng.chance(0.6) {
                let i = self.loop_vars[self.rng.below(self.loop_vars.len())].clone();
                format!("x[{i} % 4]")
            } else {
                format!("x[{}]", self.rng.below(4))
            }
        } else if c < 0.72 && !self.bufs.is_empty() {
            let b = self.bufs[self.rng.below(self.bufs.len())].clone();
            format!("{b}[{}]", self.rng.below(3))
        } else {
            self.lit()
        }
    }

    fn expr(&mut self, d: usize) -> String {
        if d > 2 || self.rng.chance(0.3) {
            return self.atom();
        }
        let a = self.expr(d + 1);
        let b = self.expr(d + 1);
        // Methods smooth on all of ℝ (`abs` aside, whose kink has a finite
        // derivative); `cbrt`, singular at 0, gets its own case below.
        // `sinh`, `cosh` and `exp_m1` grow fast: chained, they overflow to
        // inf, where `0 · ∞` makes any AD tool's gradient NaN; they apply
        // to a bounded argument.
        let m = [
            "sin",
            "cos",
            "tanh",
            "atan",
            "asinh",
            "abs",
            "tanh().sinh",
            "tanh().cosh",
            "tanh().exp_m1",
        ][self.rng.below(9)];
        match self.rng.below(32) {
            0..=4 => format!("({a} + {b})"),
            5..=6 => format!("({a} - {b})"),
            7..=10 => format!("({a} * {b})"),
            11 => format!("({a} / (1.5 + {b} * {b}))"),
            12..=15 => format!("({a}).{m}()"),
            16 => format!("(1.0 + {a} * {a}).sqrt()"),
            17 => format!("(1.0 + {a} * {a}).ln()"),
            18 => format!("({a}).tanh().exp()"),
            19 => format!("({a}).powi({})", self.rng.below(4)),
            20 => format!("f64::atan2({a}, 1.5 + {b} * {b})"),
            21 => format!("detach({a}) * {b}"),
            22 => format!("({a}).hypot(1.0 + {b} * {b})"),
            23 => format!("({a}).max({b})"),
            24 => format!("f64::min({a}, {b})"),
            25 => format!("({a}).mul_add({b}, 0.5)"),
            26 => format!("({a}).clamp(-0.8, 0.8)"),
            27 => format!(
                "(2.0 + ({a}).tanh()).log({})",
                ["2.0", "10.0", "3.5"][self.rng.below(3)]
            ),
            28 => format!("(2.0 + ({a}).tanh()).powf({b}.tanh())"),
            29 => format!("(1.5 + ({a}).sin()).recip() + (1.5 + ({b}).tanh()).cbrt()"),
            30 => format!("((1.1 + ({a}).sin()).log2() + (1.1 + ({b}).cos()).log10()).exp2()"),
            _ => format!("-({a})"),
        }
    }

    fn cond(&mut self) -> String {
        if !self.loop_vars.is_empty() && self.rng.chance(0.4) {
            let i = self.loop_vars[self.rng.below(self.loop_vars.len())].clone();
            return format!("{i} % 2 == 0");
        }
        let e = self.expr(2);
        format!("{e} > {:.2}", self.rng.uniform(-0.5, 0.5))
    }

    fn block(&mut self, n: usize, out: &mut Vec<String>) {
        let saved = (self.vars.clone(), self.muts.clone());
        self.depth += 1;
        for _ in 0..n {
            self.stmt(out);
        }
        self.depth -= 1;
        (self.vars, self.muts) = saved;
    }

    /// A buffer of three floats; in a loop, also an element written and
    /// added to the state the loop carries (the case checkpointing is for).
    fn buffer(&mut self, out: &mut Vec<String>) {
        let ind = self.ind();
        let b = self.fresh("b");
        let decl = match self.rng.below(3) {
            0 => format!("{ind}let mut {b} = vec![0.0_f64; 3];"),
            1 => format!("{ind}let mut {b} = [0.5_f64; 3];"),
            _ => {
                let e = self.expr(1);
                format!("{ind}let mut {b} = Vec::with_capacity(3);\n{ind}for j in 0..3 {{\n{ind}    {b}.push({e} * (j as f64 + 1.0));\n{ind}}}")
            }
        };
        out.push(decl);
        self.bufs.push(b.clone());
        if self.depth == 1 && self.outer_muts > 0 {
            let e = self.expr(1);
            let m = self.muts[self.rng.below(self.outer_muts)].clone();
            let (k, j) = (self.rng.below(3), self.rng.below(3));
            out.push(format!("{ind}{b}[{k}] = ({e} + x[{j}]).sin();"));
            out.push(format!("{ind}{m} += ({b}[{j}] * {m}).sin();"));
        }
    }

    fn ind(&self) -> String {
        "    ".repeat(self.depth + 1)
    }

    fn result_expr(&mut self) -> String {
        if self.vector {
            let es: Vec<String> = (0..3).map(|_| self.expr(1)).collect();
            format!("vec![{}]", es.join(", "))
        } else {
            self.expr(1)
        }
    }

    fn stmt(&mut self, out: &mut Vec<String>) {
        let ind = self.ind();
        let c = self.rng.below(100);
        match c {
            0..=19 => {
                // A new name, or now and then the same name again (shadowing).
                let shadow = self.depth == 0 && !self.vars.is_empty() && self.rng.chance(0.2);
                let v = if shadow {
                    self.vars[self.rng.below(self.vars.len())].clone()
                } else {
                    self.fresh("v")
                };
                let e = self.expr(0);
                out.push(format!("{ind}let {v} = {e};"));
                if !shadow {
                    self.vars.push(v);
                }
            }
            20..=29 => {
                let m = self.fresh("m");
                let e = self.expr(0);
                out.push(format!("{ind}let mut {m} = {e};"));
                self.muts.push(m);
            }
            30..=47 if !self.muts.is_empty() => {
                let m = self.muts[self.rng.below(self.muts.len())].clone();
                let e = self.expr(0);
                // Inside a loop a carried value is updated many times: kept
                // bounded, it cannot square itself into an overflow (where
                // 0 · ∞ makes any AD tool's gradient NaN).
                let e = if self.loops > 0 {
                    format!("({e}).sin()")
                } else {
                    e
                };
                let s = match self.rng.below(5) {
                    0 => format!("{m} = {e};"),
                    1 => format!("{m} += {e};"),
                    2 => format!("{m} -= {e};"),
                    3 => format!("{m} *= ({e}).tanh();"),
                    _ => format!("{m} /= 1.5 + ({e}) * ({e});"),
                };
                out.push(format!("{ind}{s}"));
            }
            // At the top, or right in a top-level loop's body (which makes
            // the loop checkpointed unless it leaves early).
            48..=51
                if (self.depth == 0 || (self.depth == 1 && self.loops == 1))
                    && self.bufs.len() < 2 =>
            {
                self.buffer(out)
            }
            52..=59 if !self.bufs.is_empty() => {
                let b = self.bufs[self.rng.below(self.bufs.len())].clone();
                let k = if !self.loop_vars.is_empty() && self.rng.chance(0.5) {
                    format!(
                        "{} % 3",
                        self.loop_vars[self.rng.below(self.loop_vars.len())]
                    )
                } else {
                    self.rng.below(3).to_string()
                };
                let e = self.expr(0);
                let e = if self.loops > 0 {
                    format!("({e}).sin()")
                } else {
                    e
                };
                let op = if self.rng.chance(0.5) { "=" } else { "+=" };
                if self.rng.chance(0.3) {
                    // An element-wise map: each iteration writes its own
                    // element, and may read the buffer (then it is not one).
                    let j = self.fresh("j");
                    let other = &self.bufs[self.rng.below(self.bufs.len())];
                    let read = match self.rng.below(3) {
                        0 => format!(" + {other}[{j}]"),
                        1 => format!(" * {other}[2 - {j}]"),
                        _ => String::new(),
                    };
                    out.push(format!("{ind}for {j} in 0..3 {{"));
                    out.push(format!(
                        "{ind}    {b}[{j}] {op} ({e} + x[{j}]){read}.sin();"
                    ));
                    out.push(format!("{ind}}}"));
                } else {
                    out.push(format!("{ind}{b}[{k}] {op} {e};"));
                }
            }
            60..=71 if self.depth < 2 => {
                let cond = self.cond();
                out.push(format!("{ind}if {cond} {{"));
                let n = 1 + self.rng.below(2);
                let saved = (self.vars.clone(), self.muts.clone());
                self.depth += 1;
                for _ in 0..n {
                    self.stmt(out);
                }
                let inner = self.ind();
                if self.loops > 0 && self.rng.chance(0.25) {
                    out.push(format!(
                        "{inner}{}",
                        if self.rng.chance(0.5) {
                            "break;"
                        } else {
                            "continue;"
                        }
                    ));
                } else if self.rng.chance(0.1) {
                    let r = self.result_expr();
                    out.push(format!("{inner}return {r};"));
                }
                self.depth -= 1;
                (self.vars, self.muts) = saved;
                if self.rng.chance(0.6) {
                    out.push(format!("{ind}}} else {{"));
                    let n = 1 + self.rng.below(2);
                    self.block(n, out);
                }
                out.push(format!("{ind}}}"));
            }
            72..=85 if self.depth < 2 => {
                let i = self.fresh("i");
                let range = [
                    "0..x.len()",
                    "(0..x.len()).rev()",
                    "1..=3",
                    "(0..4).step_by(2)",
                    "0..2",
                    "(1..4).rev().step_by(2)",
                ][self.rng.below(6)];
                out.push(format!("{ind}for {i} in {range} {{"));
                self.loop_vars.push(i);
                self.loops += 1;
                let n = 1 + self.rng.below(3);
                let bufs = self.bufs.len();
                if self.depth == 0 {
                    self.outer_muts = self.muts.len();
                    if self.rng.chance(0.3) {
                        self.depth += 1;
                        self.buffer(out);
                        self.depth -= 1;
                    }
                }
                self.block(n, out);
                self.bufs.truncate(bufs);
                self.loops -= 1;
                self.loop_vars.pop();
                out.push(format!("{ind}}}"));
            }
            86..=92 if self.depth < 2 => {
                let k = self.fresh("k");
                let forever = self.rng.chance(0.4);
                out.push(format!("{ind}let mut {k} = 0;"));
                if forever {
                    out.push(format!("{ind}loop {{"));
                    out.push(format!(
                        "{ind}    if {k} >= 3 {{\n{ind}        break;\n{ind}    }}"
                    ));
                } else {
                    out.push(format!("{ind}while {k} < 3 {{"));
                }
                out.push(format!("{ind}    {k} += 1;"));
                self.loops += 1;
                let n = 1 + self.rng.below(2);
                let bufs = self.bufs.len();
                self.block(n, out);
                self.bufs.truncate(bufs);
                self.loops -= 1;
                out.push(format!("{ind}}}"));
            }
            _ => {
                let v = self.fresh("v");
                let e = self.expr(0);
                out.push(format!("{ind}let {v} = {e};"));
                self.vars.push(v);
            }
        }
    }
}

/// One random function named `name`, and whether it returns a vector.
pub fn program(rng: &mut Rng, name: &str) -> (String, bool) {
    let vector = rng.chance(0.25);
    let mut g = Gen {
        rng,
        vars: vec!["a".into()],
        muts: Vec::new(),
        bufs: Vec::new(),
        loop_vars: Vec::new(),
        depth: 0,
        loops: 0,
        outer_muts: 0,
        counter: 0,
        vector,
    };
    let mut body = Vec::new();
    let n = 3 + g.rng.below(6);
    for _ in 0..n {
        g.stmt(&mut body);
    }
    // The result reads every variable and buffer element, so every
    // statement matters.
    let mut terms: Vec<String> = g.vars.iter().chain(&g.muts).cloned().collect();
    for b in &g.bufs {
        terms.extend((0..3).map(|k| format!("{b}[{k}]")));
    }
    let terms: Vec<String> = terms
        .iter()
        .enumerate()
        .map(|(i, t)| {
            if i % 2 == 1 {
                format!("({t}).sin()")
            } else {
                t.clone()
            }
        })
        .collect();
    let sum = terms.join(" + ");
    let (ret, tail) = if vector {
        (
            "Vec<f64>",
            format!("    vec![{sum}, ({sum}).cos(), x[0] * a]"),
        )
    } else {
        ("f64", format!("    {sum}"))
    };
    let src = format!(
        "#[differentiate]\nfn {name}(x: &[f64], a: f64) -> {ret} {{\n{}\n{tail}\n}}\n",
        body.join("\n")
    );
    (src, vector)
}

/// The module of `count` programs from `seed`, with tables of their
/// primal, `_grad`, `_vjp` and companion `reverse` functions and their
/// sources.
pub fn module(seed: u64, count: usize) -> String {
    let mut rng = Rng::new(seed);
    let mut out = format!(
        "/// The seed these programs were generated from.\npub const SEED: u64 = {seed};\n\n"
    );
    let (mut scalar, mut vector) = (Vec::new(), Vec::new());
    for i in 0..count {
        let name = format!("p{i}");
        let (src, is_vector) = program(&mut rng, &name);
        out.push_str(&src);
        // The companion's `reverse`, which callers use: the sweeps without
        // the forward code only the value needs.
        let seed = if is_vector { "&[f64]" } else { "f64" };
        out.push_str(&format!(
            "fn {name}_reverse(x: &[f64], a: f64, seed: {seed}, d_x: &mut [f64], d_a: &mut f64) {{
    \
             {name}::reverse((), x, a, seed, Some(d_x), Some(d_a));
}}
"
        ));
        out.push('\n');
        if is_vector {
            vector.push(format!(
                "Vector {{ index: {i}, source: {src:?}, f: {name}, vjp: {name}_vjp, reverse: {name}_reverse }}"
            ));
        } else {
            scalar.push(format!("Scalar {{ index: {i}, source: {src:?}, f: {name}, grad: {name}_grad, vjp: {name}_vjp, reverse: {name}_reverse }}"));
        }
    }
    out.push_str(&format!(
        "pub static SCALAR: &[Scalar] = &[\n    {}\n];\n",
        scalar.join(",\n    ")
    ));
    out.push_str(&format!(
        "pub static VECTOR: &[Vector] = &[\n    {}\n];\n",
        vector.join(",\n    ")
    ));
    out
}
