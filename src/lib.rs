//! Compile-time reverse-mode automatic differentiation.
//!
//! Put `#[differentiate]` on an ordinary Rust function and the attribute
//! writes its gradient next to it, at compile time, as plain Rust: no tape
//! objects, no operator overloading, no nightly compiler. It is what
//! PyTorch's autograd does at run time, done once by the compiler.
//!
//! ```
//! use autodiff::differentiate;
//!
//! #[differentiate]
//! fn f(x: f64, y: f64) -> f64 {
//!     x * y + x.sin()
//! }
//!
//! let (value, (dx, dy)) = f_grad(2.0, 3.0);
//! assert_eq!(value, f(2.0, 3.0));
//! assert_eq!(dx, 3.0 + 2f64.cos());
//! assert_eq!(dy, 2.0);
//! ```
//!
//! # What is generated
//!
//! Next to `f`, with its visibility and generics:
//!
//! - `f_grad(<params>) -> (value, gradient)` for a scalar result. The
//!   gradient has one entry per differentiated parameter, in order: `f64`
//!   for an `f64`, `Vec<f64>` for a slice or `Vec`, `[f64; N]` for an array,
//!   `Vec<Vec<f64>>` for rows; a tuple when there are several.
//! - `f_vjp(<params>, seed, d_a, d_b, ...) -> value`: the vector-Jacobian
//!   product. It *adds* `seedᵀ·∂f/∂a` into the buffer `d_a`, like PyTorch's
//!   `.grad` and Enzyme's shadows, so the caller zeroes the buffers. The seed
//!   is an `f64` for a scalar result and a slice for a `Vec` result.
//!
//! `#[differentiate(wrt(w))]` differentiates with respect to the named
//! parameters only; the others are constants, as are integers, `bool`s and
//! any parameter without a float type.
//!
//! ```
//! use autodiff::differentiate;
//!
//! #[differentiate(wrt(w))]
//! fn loss(w: &[f64], xs: &[f64], ys: &[f64]) -> f64 {
//!     let mut total = 0.0;
//!     for i in 0..xs.len() {
//!         let r = w[0] * xs[i] + w[1] - ys[i];
//!         total += r * r;
//!     }
//!     total / xs.len() as f64
//! }
//!
//! let (l, g) = loss_grad(&[1.0, 0.0], &[1.0, 2.0], &[2.0, 3.0]);
//! assert_eq!(l, 1.0);
//! assert_eq!(g, vec![-3.0, -2.0]);
//!
//! // The same gradient through the vector-Jacobian product, accumulated.
//! let mut d_w = vec![0.0; 2];
//! loss_vjp(&[1.0, 0.0], &[1.0, 2.0], &[2.0, 3.0], 1.0, &mut d_w);
//! loss_vjp(&[1.0, 0.0], &[1.0, 2.0], &[2.0, 3.0], 1.0, &mut d_w);
//! assert_eq!(d_w, vec![-6.0, -4.0]);
//! ```
//!
//! # The language inside a differentiated function
//!
//! - `let`, `let mut`, shadowing, reassignment, `+= -= *= /=`; arithmetic on
//!   `f64`/`f32`; integer `as` casts (constants).
//! - The float methods `sin cos tan asin acos atan atan2 sinh cosh tanh asinh
//!   acosh atanh exp exp2 exp_m1 ln ln_1p log log2 log10 sqrt cbrt powi powf
//!   recip abs max min hypot mul_add clamp`, as methods or as `f64::sin(x)`;
//!   `floor ceil round trunc signum` have derivative zero.
//! - `if`/`else` as statements and expressions, `&& || !` and comparisons in
//!   conditions, early `return`.
//! - `for` over `a..b`, `a..=b`, `.rev()`, `.step_by(k)`; `while`; `loop`
//!   with `break` and `continue`.
//! - Slices, arrays and `Vec`s of floats: `x[i]`, `x[i][j]`, `.len()`, local
//!   buffers `vec![0.0; n]`, `[0.0; N]`, `Vec::with_capacity` + `push`,
//!   indexed and compound writes, returning them.
//! - [`detach`]`(x)`: no gradient flows through it.
//! - Calls to other `#[differentiate]` functions and to functions with a
//!   hand-written pullback (below).
//! - Iterator chains, `match`, tuples and struct parameters (below).
//! - `println!`, `eprintln!`, `print!`, `eprint!`, `assert!`, `assert_eq!`,
//!   `assert_ne!` and their `debug_` forms: they run in the forward sweep
//!   and are ignored by the reverse sweep.
//!
//! Anything else is a compile error pointing at the code, saying what to
//! write instead; every error of a function is reported at once:
//!
//! ```compile_fail
//! use autodiff::differentiate;
//!
//! #[differentiate]
//! fn f(x: f64) -> f64 {
//!     x.to_degrees() // error: the method `to_degrees` has no derivative rule ...
//! }
//! ```
//!
//! # Loops and tapes
//!
//! The reverse sweep walks loops backwards. Values it needs are recomputed
//! when their inputs have not changed since (the Rosenbrock loop below keeps
//! nothing), and saved on a tape only when a loop overwrites them (a running
//! product keeps each partial product):
//!
//! ```
//! use autodiff::differentiate;
//!
//! #[differentiate]
//! fn product(x: &[f64]) -> f64 {
//!     let mut p = 1.0;
//!     for i in 0..x.len() {
//!         p *= x[i];
//!     }
//!     p
//! }
//!
//! let (p, g) = product_grad(&[2.0, 3.0, 4.0]);
//! assert_eq!((p, g), (24.0, vec![12.0, 8.0, 6.0]));
//! ```
//!
//! A loop that carries nothing active from one iteration to the next but
//! sums it never reads is *replayed*: its reverse sweep runs the iterations
//! in forward order, each one's forward code then its reverse code, so the
//! constants it carries are recomputed rather than taped. Evaluating a
//! polynomial by running powers keeps nothing per iteration:
//!
//! ```
//! use autodiff::differentiate;
//!
//! #[differentiate(wrt(c))]
//! fn polynomial(c: &[f64], t: f64) -> f64 {
//!     let mut value = 0.0;
//!     let mut power = 1.0;
//!     for j in 0..c.len() {
//!         value += c[j] * power;
//!         power *= t;
//!     }
//!     value
//! }
//!
//! let (v, g) = polynomial_grad(&[1.0, 2.0, 3.0], 0.5);
//! assert_eq!((v, g), (2.75, vec![1.0, 0.5, 0.25]));
//! ```
//!
//! What the reverse sweep recomputes is cheap arithmetic. A result that
//! costs more to compute than to store, and that its derivative reads
//! (`exp`, `exp2`, `exp_m1`, `tan`, `tanh`, `cbrt`, `powf`, `log`, `hypot`),
//! is kept instead: inside a loop or a branch, the forward sweep stores it
//! (one value per iteration) and the reverse sweep reads it back. The
//! softmax gradient of a log-sum-exp computes each `exp` once:
//!
//! ```
//! use autodiff::differentiate;
//!
//! #[differentiate]
//! fn log_sum_exp(x: &[f64]) -> f64 {
//!     let mut sum = 0.0;
//!     for i in 0..x.len() {
//!         sum += x[i].exp();
//!     }
//!     sum.ln()
//! }
//!
//! let (_, g) = log_sum_exp_grad(&[0.0, 2.0_f64.ln()]);
//! assert!((g[0] - 1.0 / 3.0).abs() < 1e-15 && (g[1] - 2.0 / 3.0).abs() < 1e-15);
//! ```
//!
//! A loop outside other loops whose sums reach the result only through
//! copies, `+`, `−` and literal factors is *fused* with its reverse sweep:
//! the sums' adjoints are the seed times those factors, known before the
//! loop runs, so each iteration runs its reverse code right after its
//! forward code, in one pass over the data, as a gradient written by hand
//! would:
//!
//! ```
//! use autodiff::differentiate;
//!
//! #[differentiate]
//! fn half_squares(x: &[f64]) -> f64 {
//!     let mut s = 0.0;
//!     for i in 0..x.len() {
//!         s += x[i] * x[i];
//!     }
//!     0.5 * s
//! }
//!
//! let mut g = vec![0.0; 3];
//! let v = half_squares_vjp(&[1.0, -2.0, 3.0], 2.0, &mut g);
//! assert_eq!((v, g), (7.0, vec![2.0, -4.0, 6.0]));
//! ```
//!
//! A call in such a loop whose seed is known before it runs, because the
//! call is added to a sum (`total += c * g(..)`), runs *joint*: its pullback
//! returns the value and adds the gradient at once, keeping nothing. The
//! determinant by minors is then one pass at every level of its recursion,
//! and allocates only its minors and one adjoint per level:
//!
//! ```
//! use autodiff::differentiate;
//!
//! #[differentiate]
//! fn det(a: &[f64], n: usize) -> f64 {
//!     if n == 1 {
//!         return a[0];
//!     }
//!     let mut total = 0.0;
//!     let mut sign = 1.0;
//!     for c in 0..n {
//!         let mut minor = Vec::new();
//!         for r in 1..n {
//!             for k in 0..n {
//!                 if k != c {
//!                     minor.push(a[r * n + k]);
//!                 }
//!             }
//!         }
//!         total += sign * a[c] * det(&minor, n - 1);
//!         sign = -sign;
//!     }
//!     total
//! }
//!
//! // ∂det/∂A is the cofactor matrix: for [[1, 2], [3, 4]], [[4, −3], [−2, 1]].
//! let (value, g) = det_grad(&[1.0, 2.0, 3.0, 4.0], 2);
//! assert_eq!((value, g), (-2.0, vec![4.0, -3.0, -2.0, 1.0]));
//! ```
//!
//! A buffer declared before such a loop does not stop it being fused when
//! each iteration overwrites it whole before reading it (a loop over its
//! length assigning every element), nothing else in the loop writes it,
//! and nothing after the loop reads it: it is the iteration's scratch. The other calls of a fused iteration
//! keep what their reverse sweeps read until the iteration ends, so none
//! runs twice:
//!
//! ```
//! use autodiff::differentiate;
//!
//! #[differentiate]
//! fn log_sum_exp(v: &[f64]) -> f64 {
//!     let mut sum = 0.0;
//!     for i in 0..v.len() {
//!         sum += v[i].exp();
//!     }
//!     sum.ln()
//! }
//!
//! #[differentiate]
//! fn log_density(x: f64, mu: f64) -> f64 {
//!     -0.5 * (x - mu) * (x - mu)
//! }
//!
//! /// Σ over the points of ln Σ over the components of exp(−½(x − μ)²).
//! #[differentiate(wrt(mu))]
//! fn mixture(mu: &[f64], points: &[f64]) -> f64 {
//!     let k = mu.len();
//!     let mut beta = vec![0.0; k];
//!     let mut total = 0.0;
//!     for i in 0..points.len() {
//!         for c in 0..k {
//!             beta[c] = log_density(points[i], mu[c]);
//!         }
//!         total += log_sum_exp(&beta);
//!     }
//!     total
//! }
//!
//! // At the point 0, components at ±1 have weights ½ each, and
//! // ∂β_c/∂μ_c = x − μ_c = ∓1.
//! let (_, g) = mixture_grad(&[1.0, -1.0], &[0.0]);
//! assert!((g[0] + 0.5).abs() < 1e-15 && (g[1] - 0.5).abs() < 1e-15);
//! ```
//!
//! Reverse mode runs a loop's iterations last to first, since one may read
//! what an earlier one wrote. A loop whose iterations are independent (it
//! writes each element at the loop index or adds to a sum, and reads
//! nothing it writes) runs its reverse code first to last instead, like its
//! forward code, which measured faster than backwards; what it
//! tapes is turned over first so that it pops oldest first:
//!
//! ```
//! use autodiff::differentiate;
//!
//! #[differentiate]
//! fn shifted_product(x: &[f64], y: &[f64]) -> Vec<f64> {
//!     let mut z = vec![0.0; x.len()];
//!     for i in 1..x.len() {
//!         z[i] = x[i] * y[i - 1];
//!     }
//!     z
//! }
//!
//! let (mut d_x, mut d_y) = (vec![0.0; 3], vec![0.0; 3]);
//! let (x, y) = ([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]);
//! shifted_product_vjp(&x, &y, &[1.0, 1.0, 1.0], &mut d_x, &mut d_y);
//! assert_eq!((d_x, d_y), (vec![0.0, 4.0, 5.0], vec![2.0, 3.0, 0.0]));
//! ```
//!
//! A loop at the top of the function that creates buffers every iteration
//! (a time step's stages) is *checkpointed*, as
//! `jax.checkpoint` would do to its body: the forward sweep runs the plain
//! body and saves only the state the loop carries (what it assigns from
//! outside) before each iteration; the reverse sweep, last iteration first,
//! restores that state and runs the iteration's forward code and then its
//! reverse code, so nothing the iteration computes is taped (and at the end
//! the state from before the loop is back, for the code before it). The body runs
//! twice, so a loop whose body has an effect (a macro, a call of a function
//! that is not differentiated), pushes to a vector from outside, writes a
//! parameter or leaves early is taped instead, and so is one that calls a
//! differentiated function in an inner loop (a recurrent network's layers),
//! which the second run would tape again. Explicit Euler steps keep
//! one `y` per step:
//!
//! ```
//! use autodiff::differentiate;
//!
//! #[differentiate(wrt(x))]
//! fn decay(x: &[f64], steps: usize) -> f64 {
//!     let h = 1.0 / steps as f64;
//!     let mut y = vec![1.0; x.len()];
//!     for _ in 0..steps {
//!         let mut rate = vec![0.0; x.len()];
//!         for i in 0..x.len() {
//!             rate[i] = -x[i] * y[i];
//!         }
//!         for i in 0..x.len() {
//!             y[i] += h * rate[i];
//!         }
//!     }
//!     y[0] + y[1]
//! }
//!
//! // y = (1 − x/2)² after two steps of h = 1/2.
//! let (v, g) = decay_grad(&[1.0, 2.0], 2);
//! assert_eq!((v, g), (0.25, vec![-0.5, 0.0]));
//! ```
//!
//! # Calls between differentiated functions
//!
//! A differentiated function may call any other one — in the same module,
//! through a path, imported with `use`, recursively — with scalar, slice,
//! array and vector arguments and results, active and constant arguments
//! mixed. The callee's own `wrt` does not matter: every differentiated
//! function also gets a hidden pullback with respect to all its float
//! parameters, which callers run in their reverse sweep.
//!
//! ```
//! use autodiff::differentiate;
//!
//! mod geometry {
//!     use autodiff::differentiate;
//!
//!     #[differentiate(wrt(a))]
//!     pub fn dist(a: &[f64], b: &[f64]) -> f64 {
//!         let mut s = 0.0;
//!         for i in 0..a.len() {
//!             s += (a[i] - b[i]) * (a[i] - b[i]);
//!         }
//!         s.sqrt()
//!     }
//! }
//!
//! #[differentiate]
//! fn power(x: f64, n: u32) -> f64 {
//!     if n == 0 { 1.0 } else { x * power(x, n - 1) }
//! }
//!
//! #[differentiate]
//! fn f(p: &[f64], q: &[f64]) -> f64 {
//!     // `q` carries a gradient here, although `dist` is declared `wrt(a)`.
//!     geometry::dist(p, q) + power(p[0], 3)
//! }
//!
//! let (_, (dp, dq)) = f_grad(&[3.0, 0.0], &[0.0, 4.0]);
//! let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12);
//! assert!(close(&dp, &[0.6 + 27.0, -0.8]));
//! assert!(close(&dq, &[-0.6, 0.8]));
//! ```
//!
//! A call result used as a vector (`y[i]`, `&y`) is a vector; otherwise it
//! is a scalar unless its `let` has a type (`let y: Vec<f64> = g(x);`).
//! The forward sweep keeps what a call's pullback needs (its value when the
//! reverse sweep reads it, and for a callee that itself calls differentiated
//! functions, the callee's intermediate values in a boxed closure), so no
//! call is evaluated twice per level. At most 4 096 such closures are kept
//! alive at once per thread; past that, a call keeps nothing and its
//! pullback runs its forward sweep again, so a recursion that branches keeps
//! closures for its top levels only. A *leaf* callee (one that calls no
//! differentiated function) is checkpointed: its pullback runs its forward
//! sweep again, which costs one more evaluation of the leaf but keeps
//! nothing of it allocated until the reverse sweep. That second run is only
//! of what the leaf's reverse sweep reads: the caller already has the value,
//! so a leaf such as `z[i] = x[i] * y[i - 1]` returning `z` computes no `z`
//! again, and its reverse sweep reads the caller's seed as `z`'s adjoint.
//!
//! Calling a function defined in the same file without a derivative, on an
//! argument that carries a gradient, is a compile error on the call that
//! says how to fix it; a function from elsewhere without one fails to
//! resolve `name::pullback`.
//!
//! # Custom derivatives
//!
//! `#[differentiate(pullback = rule)]` puts a hand-written derivative on a
//! function whose body the macro should not read: foreign or `unsafe` code,
//! an iterative solver whose derivative is known, a formula that is
//! numerically better than the derivative of the code (JAX's `custom_vjp`,
//! Clad's custom derivatives, PyTorch's `autograd.Function`). The rule has
//! the signature the generated `f_vjp` would have with every float parameter
//! differentiated, and returns nothing: it *adds* `seedᵀ·∂f/∂p` into one
//! buffer per float parameter, in order. `f_grad`, `f_vjp` and calls from
//! other differentiated functions all use it.
//!
//! ```
//! use autodiff::differentiate;
//!
//! /// `√a` by Newton's method; the derivative comes from `y² = a`.
//! #[differentiate(pullback = newton_sqrt_pullback)]
//! fn newton_sqrt(a: f64) -> f64 {
//!     let mut y = a.max(1.0);
//!     for _ in 0..60 {
//!         y = 0.5 * (y + a / y);
//!     }
//!     y
//! }
//!
//! fn newton_sqrt_pullback(a: f64, seed: f64, d_a: &mut f64) {
//!     *d_a += seed / (2.0 * newton_sqrt(a));
//! }
//!
//! #[differentiate]
//! fn hypotenuse(x: f64, y: f64) -> f64 {
//!     newton_sqrt(x * x + y * y)
//! }
//!
//! let (h, (dx, dy)) = hypotenuse_grad(3.0, 4.0);
//! assert_eq!(h, 5.0);
//! assert!((dx - 0.6).abs() < 1e-15 && (dy - 0.8).abs() < 1e-15);
//! ```
//!
//! A rule whose signature does not match is a type error on its name in the
//! attribute.
//!
//! # Iterators, `match`, tuples and structs
//!
//! `for` over `x.iter()`, `&x` or `x`, with `.enumerate()`, `.zip(..)`,
//! `.rev()` and `.copied()`, becomes an index loop that reads each element
//! in place; `.sum()`, `.product()` and `.fold(init, f)` (after `.map(..)`
//! or not, over slices or ranges) become an accumulator loop, with the
//! closure's body inlined. A `match` on a constant (an integer, a `bool`, an
//! enum, a tuple) becomes an `if` chain; tuples are taken apart into one
//! variable per part. Other adaptors (`filter`, `collect`, ...) are compile
//! errors.
//!
//! `#[derive(Differentiable)]` makes a struct of floats, `Vec`s, arrays and
//! other such structs a parameter that `wrt` can name: its gradient is a
//! value of the same struct, with zeros in the float fields and the other
//! fields (sizes, flags) copied.
//!
//! ```
//! use autodiff::{differentiate, Differentiable};
//!
//! #[derive(Differentiable)]
//! struct Layer {
//!     w: Vec<f64>,
//!     b: f64,
//! }
//!
//! enum Activation {
//!     Identity,
//!     Leaky(f64),
//! }
//!
//! #[differentiate(wrt(layer))]
//! fn neuron(layer: &Layer, x: &[f64], act: &Activation) -> f64 {
//!     let z = layer.w.iter().zip(x).map(|(w, xi)| w * xi).sum::<f64>() + layer.b;
//!     let (pos, neg) = if z > 0.0 { (z, 0.0) } else { (0.0, z) };
//!     match act {
//!         Activation::Identity => z,
//!         Activation::Leaky(slope) => pos + slope * neg,
//!     }
//! }
//!
//! let layer = Layer { w: vec![1.0, -2.0], b: 0.5 };
//! let (y, g) = neuron_grad(&layer, &[1.0, 1.0], &Activation::Leaky(0.1));
//! assert_eq!(y, -0.05);
//! assert_eq!((g.w, g.b), (vec![0.1, 0.1], 0.1));
//! ```
//!
//! `examples/logistic_regression.rs` trains a model this way.
//!
//! # Several outputs: tuples and output parameters
//!
//! A function may return a tuple of floats, `Vec`s and arrays, and may write
//! its result into output parameters `out: &mut [T]` or `&mut [T; N]`, as
//! numerical code that avoids allocation does. Each output gets a seed:
//! `_vjp` takes one seed per part of the returned tuple, then one per output
//! parameter, as a tuple when there are several, and adds `Σₖ seedₖᵀ·∂outₖ/∂p`
//! into the buffers. `_grad` exists only for a single scalar output. An output
//! parameter is written by `_vjp` exactly as by the function; its initial
//! contents are constants (no gradient flows to them).
//!
//! ```
//! use autodiff::differentiate;
//!
//! /// Polar coordinates: two outputs.
//! #[differentiate]
//! fn polar(x: f64, y: f64) -> (f64, f64) {
//!     ((x * x + y * y).sqrt(), y.atan2(x))
//! }
//!
//! // Seeding the first output gives ∇r = (x/r, y/r).
//! let (mut dx, mut dy) = (0.0, 0.0);
//! let (r, _) = polar_vjp(3.0, 4.0, (1.0, 0.0), &mut dx, &mut dy);
//! assert_eq!(r, 5.0);
//! assert!((dx - 0.6).abs() < 1e-15 && (dy - 0.8).abs() < 1e-15);
//!
//! /// `out = a·x` without allocating; the seed is for `out`.
//! #[differentiate]
//! fn axpy_into(a: f64, x: &[f64], out: &mut [f64]) {
//!     for i in 0..x.len() {
//!         out[i] = a * x[i];
//!     }
//! }
//!
//! let (mut da, mut dxs, mut out) = (0.0, [0.0; 2], [0.0; 2]);
//! axpy_into_vjp(2.0, &[1.0, 3.0], &mut out, &[1.0, 1.0], &mut da, &mut dxs);
//! assert_eq!((out, da, dxs), ([2.0, 6.0], 4.0, [2.0, 2.0]));
//! ```
//!
//! A call to a function returning a tuple or taking an output parameter,
//! from inside another differentiated function, is a compile error for now.
//!
//! # Vectors and matrices, as in PyTorch
//!
//! [`Vector`] and [`Matrix`] let a function speak of whole vectors, the way
//! a PyTorch user writes `x * x`, `2 * x.dot(x)` or `torch.sin(x ** 2)`.
//! Operators work between vectors and with scalars on either side
//! (references or values: `&x * &x` or `x * x` of a parameter `x: &Vector`),
//! math methods apply element by element, `sum`, `dot`, `norm`, `mean`,
//! `max`, `min` reduce, and `a.matvec(&x)`, `x.vecmat(&a)`, `a.matmul(&b)`,
//! `a.transpose()` are the products. Each has its rule: the scalar rule of
//! `sin` lifted over the elements, the summed cotangent for a broadcast
//! scalar, `Aᵀȳ` for `Ax`. A `Vector` parameter has a `Vector` gradient; a
//! `Vector` result takes a `&Vector` seed.
//!
//! ```
//! use autodiff::{detach, differentiate, no_grad, Vector};
//!
//! #[differentiate]
//! fn f(x: &Vector) -> Vector {
//!     (x * x).sin()
//! }
//!
//! // The derivative of an element-wise function is its vector-Jacobian
//! // product with a seed of ones: PyTorch's `y.backward(torch.ones_like(y))`.
//! let x = Vector::linspace(-3.0, 3.0, 100);
//! let mut d_x = Vector::zeros(x.len());
//! f_vjp(&x, &Vector::ones(x.len()), &mut d_x);
//! for (xi, di) in x.iter().zip(d_x.iter()) {
//!     assert!((di - 2.0 * xi * (xi * xi).cos()).abs() < 1e-12);
//! }
//!
//! // `detach` and `no_grad!` stop the gradient, as `.detach()` and
//! // `torch.no_grad()` do.
//! #[differentiate]
//! fn g(x: &Vector) -> f64 {
//!     let u = detach(x * x);
//!     let scale = no_grad! { x.sum() };
//!     (u * x).sum() + scale
//! }
//! let (_, d) = g_grad(&Vector::arange(4));
//! assert_eq!(d, Vector::from(vec![0.0, 1.0, 4.0, 9.0]));
//!
//! // Gradients of a matrix and a vector at once: ∇ₓ(xᵀAx) = (A + Aᵀ)x and
//! // ∇_A = x xᵀ.
//! use autodiff::Matrix;
//! #[differentiate]
//! fn quadratic(x: &Vector, a: &Matrix) -> f64 {
//!     x.dot(&a.matvec(x))
//! }
//! let a = Matrix::from_rows(&[[1.0, 2.0], [0.0, 3.0]]);
//! let x = Vector::from(vec![1.0, -1.0]);
//! let (_, (dx, da)) = quadratic_grad(&x, &a);
//! assert_eq!(dx, Vector::from(vec![0.0, -4.0]));
//! assert_eq!(da, Matrix::from_rows(&[[1.0, -1.0], [-1.0, 1.0]]));
//! ```
//!
//! Shapes that do not fit (adding vectors of lengths 2 and 3, `matvec` with
//! the wrong length, a gradient buffer of the wrong shape) panic with a
//! message that gives both shapes.
//!
//! # Checking a gradient
//!
//! [`gradcheck`] checks a function's `_vjp`, generated or written by hand,
//! against central finite differences of the function, with the
//! dot-product test `⟨vjp(s), t⟩ = ⟨s, J·t⟩` in random directions `t`
//! (PyTorch's `gradcheck`, JAX's `check_grads`). [`GradCheck`] sets the
//! number of directions, the step and the tolerance, and checks functions
//! with vector results.
//!
//! ```
//! use autodiff::{differentiate, gradcheck};
//!
//! #[differentiate]
//! fn energy(x: &[f64]) -> f64 {
//!     x.iter().map(|v| v.sin() * v).sum()
//! }
//!
//! let report = gradcheck(energy, energy_vjp, &[0.3, -1.2, 2.0][..]);
//! assert!(report.passed(), "{report}");
//!
//! // A wrong derivative written by hand is caught.
//! let wrong = |x: &[f64], s: f64, d: &mut [f64]| {
//!     for i in 0..x.len() {
//!         d[i] += s * x[i].cos() * x[i]; // forgot the product rule
//!     }
//! };
//! assert!(!gradcheck(energy, wrong, &[0.3, -1.2, 2.0][..]).passed());
//! ```
//!
//! # Numerical behaviour
//!
//! Generated code follows IEEE arithmetic and never panics on a value:
//!
//! - NaN and infinities propagate through the forward and reverse sweeps
//!   (`exp(1000)` has value and derivative `inf`; a NaN element of a slice
//!   makes only its own gradient component NaN). An adjoint that overflows
//!   in the reverse sweep is `inf`, as in PyTorch and JAX.
//! - At non-smooth points: `abs` has derivative 0 at 0; `max` and `min` split
//!   the gradient evenly on a tie and ignore a NaN operand, as `f64::max`
//!   does; `clamp` passes the gradient to `x` on `[lo, hi]` and to the bound
//!   outside; `sqrt` and `cbrt` have derivative `+inf` at 0; `floor`,
//!   `ceil`, `round`, `trunc`, `signum` and comparisons have derivative 0.
//! - The chain rule is applied as written, as in PyTorch and JAX: at a
//!   singular point it can meet `inf − inf` and give NaN even where the
//!   function is constant (`(x - x).cbrt()`).
//! - Values that do not reach the result are not differentiated, so a
//!   singular derivative in unused code cannot reach a gradient.
//! - Empty slices give empty gradients; a loop that runs zero times
//!   contributes nothing.
//!
//! # How it works
//!
//! The macro lowers the body to an IR with structured control flow, finds the
//! *active* values (those that depend on a differentiated parameter), and
//! emits a forward sweep (the original computation, plus saving what later
//! statements overwrite) and a reverse sweep (the statements backwards, each
//! propagating its result's adjoint to its operands through a rule of
//! [`autodiff_runtime::rules`]). `cargo expand` shows both sweeps.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use autodiff_macros::{differentiate, Differentiable};
pub use autodiff_runtime::gradcheck::{gradcheck, GradCheck, Report};
pub use autodiff_runtime::{detach, no_grad, Adjoint, Differentiable, Matrix, Real, Tape, Vector};

/// What generated code calls. Not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use autodiff_runtime::buffers::{
        accumulate, add_scratch, check_len, check_rows, copy_in, pop_adjoint, renew, renew_splat,
        reset_like, zero_in, zero_like, ZeroLen,
    };
    pub use autodiff_runtime::calls::{
        as_buffer, buffer_or, keep_pullback, seed, AsBuffer, Kept, NoGradient,
    };
    pub use autodiff_runtime::rules;
    pub use autodiff_runtime::structs::Field;
    pub use autodiff_runtime::tensor::{check_shape, tensor_ref};
    pub use autodiff_runtime::{
        owned, snapshot, take, trip_count, Adjoint, ReplayTape, Slot, Tape,
    };
}
