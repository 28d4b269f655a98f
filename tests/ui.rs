//! One compile-fail test per diagnostic: the message and its span.
#[test]
fn diagnostics() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
