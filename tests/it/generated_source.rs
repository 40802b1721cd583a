//! The formatted source that progenitor generates from the spec, pinned so that a generator
//! upgrade or a spec change shows up as a reviewable diff.

#[test]
fn generated_client_source() {
    let source = include_str!(concat!(env!("OUT_DIR"), "/vbo_v4.rs"));
    insta::assert_snapshot!(source);
}
