//! The comparison the hand-written references' tests share.

/// Every entry of `got` within relative 1e-10 of `want`.
pub fn assert_close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        assert!((a - b).abs() <= 1e-10 * b.abs(), "entry {i}: {a} vs {b}");
    }
}
