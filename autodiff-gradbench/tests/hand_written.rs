//! The benchmarks' references are only worth comparing against if they are
//! right: each hand-written gradient and forward-mode peer in `benches/`
//! must agree with the generated gradient.

#[path = "../benches/common/peer.rs"]
mod peer;

#[path = "../benches/common/check.rs"]
mod check;

#[path = "../benches/hand/lse.rs"]
mod lse;

#[path = "../benches/hand/rosenbrock.rs"]
mod rosenbrock;

#[path = "../benches/hand/llsq.rs"]
mod llsq;

#[path = "../benches/hand/gmm.rs"]
mod gmm;

#[path = "../benches/hand/ode.rs"]
mod ode;

#[path = "../benches/hand/det.rs"]
mod det;

#[path = "../benches/hand/lstm.rs"]
mod lstm;
