//! Server text made safe to put in an error: a response body may carry tokens or passwords,
//! and an error ends up in logs, terminals and bug reports.

/// JSON keys whose values are secrets wherever they appear in a body.
const SECRET_KEYS: [&str; 6] = [
    "token",
    "password",
    "secret",
    "assertion",
    "certificate",
    "authorization",
];

/// In text from the token endpoint, a run of token characters this long is a credential...
const TOKEN_RUN: usize = 24;
/// ...and so is a shorter one that mixes letters and digits (`refresh-Ye93`), which words
/// and OAuth error codes (`invalid_grant`) do not.
const MIXED_RUN: usize = 8;

/// A serde error without the values it quotes. serde quotes the offending value (`invalid
/// type: string "3600"`), and that value may be a token; the category, the field and the
/// position stay.
pub(crate) fn serde_error(error: &serde_json::Error) -> String {
    let text = error.to_string();
    // `missing field `x`` quotes our schema's field name, not server data.
    if text.starts_with("missing field `") {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '"' || c == '`' {
            out.push(c);
            out.push('…');
            // Skip to the closing quote (serde escapes inner double quotes with `\`).
            let mut escaped = false;
            for inner in chars.by_ref() {
                if escaped {
                    escaped = false;
                } else if inner == '\\' {
                    escaped = true;
                } else if inner == c {
                    break;
                }
            }
            out.push(c);
        } else {
            out.push(c);
        }
    }
    out
}

/// An excerpt of a body with the values of secret-looking JSON keys removed, for bodies that
/// are not expected to hold credentials at all.
pub(crate) fn body_excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(120)]);
    let text: String = text.chars().filter(|c| !c.is_control()).collect();
    secret_values(&text)
}

/// Text from the token endpoint: any long run of token characters is replaced, because the
/// endpoint's whole purpose is to hand out credentials.
pub(crate) fn token_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let len = run.chars().count();
        let mixed =
            run.chars().any(|c| c.is_ascii_digit()) && run.chars().any(|c| c.is_ascii_alphabetic());
        if len >= TOKEN_RUN || (len >= MIXED_RUN && mixed) {
            out.push_str("[redacted]");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || "-_.~+/=".contains(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Replaces the string values of keys such as `access_token` or `password` with `…`.
fn secret_values(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = lower[search..].find('"') {
        let key_start = search + found + 1;
        let Some(key_len) = lower[key_start..].find('"') else {
            break;
        };
        let key = &lower[key_start..key_start + key_len];
        let after_key = key_start + key_len + 1;
        search = after_key;
        if !SECRET_KEYS.iter().any(|s| key.contains(s)) {
            continue;
        }
        let rest = &text[after_key..];
        let trimmed = rest.trim_start();
        let Some(value) = trimmed.strip_prefix(':') else {
            continue;
        };
        let value = value.trim_start();
        if !value.starts_with('"') {
            continue;
        }
        let value_start = text.len() - value.len() + 1;
        let value_end = text[value_start..]
            .find('"')
            .map_or(text.len(), |end| value_start + end);
        out.push_str(&text[copied..value_start]);
        out.push('…');
        copied = value_end;
        search = (value_end + 1).min(text.len());
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_errors_lose_their_values_but_keep_their_shape() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(unused)]
        struct T {
            expires_in: i64,
            token_type: String,
        }
        let e = serde_json::from_str::<T>(r#"{"expires_in":"SECRET-3600","token_type":"b"}"#)
            .unwrap_err();
        let text = serde_error(&e);
        assert!(!text.contains("SECRET"), "{text}");
        assert!(text.starts_with("invalid type: string"), "{text}");
        assert!(text.contains("line 1 column"), "{text}");
        let e = serde_json::from_str::<T>(r#"{"expires_in":1}"#).unwrap_err();
        assert!(serde_error(&e).contains("missing field `token_type`"));
    }

    #[test]
    fn excerpts_hide_secret_values() {
        let text = body_excerpt(br#"{"access_token": "eyJhbG.x.y", "Password":"p4ss", "n":"ok"}"#);
        assert_eq!(text, r#"{"access_token": "…", "Password":"…", "n":"ok"}"#);
        assert_eq!(body_excerpt(br#"{"token":"unterminated"#), r#"{"token":"…"#);
    }

    #[test]
    fn token_text_hides_long_runs() {
        assert_eq!(
            token_text("bad token eyJhbGciOiJIUzI1NiJ9.e30.abc for admin: invalid_grant"),
            "bad token [redacted] for admin: invalid_grant"
        );
        assert_eq!(token_text("refresh-Ye93 expired"), "[redacted] expired");
    }
}
