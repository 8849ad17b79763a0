//! Misuse of the macros: each case must fail to compile with the message in its `.stderr`
//! snapshot (regenerate with `TRYBUILD=overwrite cargo test -p agentcore-observability-macros --test ui`
//! and review the diff). One test function: trybuild builds all cases in one project.

#[test]
fn misuse_is_a_compile_error_that_says_what_to_write() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
