//! Compile errors of the handler attributes: each case in tests/ui/errors must fail to
//! compile with a message pointing at the offending token.

#[test]
fn macro_misuse_is_a_compile_error_with_a_span() {
    trybuild::TestCases::new().compile_fail("tests/ui/errors/*.rs");
}
