//! Path parameters as exactly one URL segment each.
//!
//! The generated client calls [`encode_segment`] for every path parameter (rule 4 of the
//! generation view, `crates/codegen/src/view.rs`). progenitor-client's own encoder leaves `\`, `[`, `]`,
//! `^`, `|` and others as they are, and the URL parser then rewrites them: `\` becomes `/` in
//! an http(s) URL, so an id could climb out of its segment to another endpoint. Here every byte
//! that is not RFC 3986 unreserved is percent-encoded, except `+` and `=`, which item ids hold
//! and the v4 server reads literally (the crate guide, the simulator's data).
//!
//! Encoding cannot save `.` and `..`: the URL parser (and the server) treat them, and their
//! encoded spellings, as "this segment" and "the parent". [`check_segment`] refuses them and
//! control characters before anything is sent.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::Error;

/// Everything but letters, digits, the other RFC 3986 unreserved characters, `+` and `=`.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'+')
    .remove(b'=');

/// Percent-encodes `value` so that it is one path segment that decodes back to `value`.
pub fn encode_segment(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

/// Refuses a path parameter that no encoding keeps in its own segment of the request line the
/// spec names: `.` and `..` (removed or climbed by URL parsing), and control characters (CR,
/// LF, NUL: no server reads them back as they were meant).
pub fn check_segment(field: &str, value: &str) -> Result<(), Error> {
    if value == "." || value == ".." {
        return Err(Error::invalid(
            field,
            format!(
                "must not be {value:?}: URL parsing reads it as a relative path and would send \
                 the request to another endpoint"
            ),
        ));
    }
    if let Some((at, c)) = value.char_indices().find(|(_, c)| c.is_control()) {
        return Err(Error::invalid(
            field,
            format!(
                "must not contain control characters (U+{:04X} at byte {at})",
                u32::from(c)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unreserved_plus_and_equals_stay_literal() {
        assert_eq!(encode_segment("aZ9-._~+="), "aZ9-._~+=");
        assert_eq!(encode_segment("a/b\\c"), "a%2Fb%5Cc");
        assert_eq!(encode_segment("%2e%2e"), "%252e%252e");
        assert_eq!(
            encode_segment(";[]^|'!$&()*,:@"),
            "%3B%5B%5D%5E%7C%27%21%24%26%28%29%2A%2C%3A%40"
        );
        assert_eq!(encode_segment("é"), "%C3%A9");
    }

    #[test]
    fn dot_segments_and_control_characters_are_refused() {
        for bad in [".", "..", "a\nb", "\0", "\u{7f}", "\u{9f}"] {
            let error = check_segment("itemId", bad).unwrap_err();
            assert_eq!(error.field(), Some("itemId"));
        }
        for fine in ["...", ".a", "a.", "a/../b", "..\\x", "%2e%2e"] {
            check_segment("itemId", fine).unwrap();
        }
    }
}
