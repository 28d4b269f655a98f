//! Writes `$OUT_DIR/programs.rs`: `AUTODIFF_RANDOM_COUNT` random functions
//! (default 1000) generated from `AUTODIFF_RANDOM_SEED` (default 1).

#[path = "src/generator.rs"]
mod generator;

fn main() {
    println!("cargo:rerun-if-env-changed=AUTODIFF_RANDOM_SEED");
    println!("cargo:rerun-if-env-changed=AUTODIFF_RANDOM_COUNT");
    println!("cargo:rerun-if-changed=src/generator.rs");
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let seed = env("AUTODIFF_RANDOM_SEED", 1);
    let count = env("AUTODIFF_RANDOM_COUNT", 1000) as usize;
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("programs.rs");
    std::fs::write(out, generator::module(seed, count)).expect("write programs.rs");
}
