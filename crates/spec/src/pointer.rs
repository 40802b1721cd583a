//! JSON pointers (RFC 6901) and their URI-fragment form, as `$ref`s spell them.

/// Escapes one key for a JSON pointer: `~` as `~0`, `/` as `~1`.
pub fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Unescapes one pointer segment: `~1` as `/`, then `~0` as `~` (in that order, per RFC 6901).
pub fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// The segments of a pointer (`/a/b~1c` is `["a", "b/c"]`); the empty pointer has none.
pub fn segments(pointer: &str) -> Vec<String> {
    pointer
        .strip_prefix('/')
        .map(|rest| rest.split('/').map(unescape).collect())
        .unwrap_or_default()
}

/// The pointer of a `$ref`'s URI fragment: `#/paths/~1a~1%7Bid%7D` is `/paths/~1a~1{id}`.
/// `None` for a reference outside the document (anything not starting with `#`).
pub fn from_fragment(reference: &str) -> Option<String> {
    let fragment = reference.strip_prefix('#')?;
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Appends one key to a pointer.
pub fn push(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", escape(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_escaping() {
        for key in ["/v4/token", "a~b", "~1", "~0/~", "application/json", ""] {
            assert_eq!(unescape(&escape(key)), key);
        }
        assert_eq!(escape("/v4/{id}"), "~1v4~1{id}");
        // `~01` is `~1` escaped, not `/`.
        assert_eq!(unescape("~01"), "~1");
    }

    #[test]
    fn fragments_are_percent_decoded() {
        assert_eq!(
            from_fragment("#/paths/~1a~1%7Bid%7D").as_deref(),
            Some("/paths/~1a~1{id}")
        );
        assert_eq!(from_fragment("#").as_deref(), Some(""));
        assert_eq!(from_fragment("other.yaml#/x"), None);
        assert_eq!(from_fragment("#/a%2").as_deref(), Some("/a%2"));
        assert_eq!(
            segments("/paths/~1v4~1token/post"),
            ["paths", "/v4/token", "post"]
        );
    }
}
