//! Parsers of argument values that clap does not have: sizes, seconds, item ids. Each error
//! names the rule, and none echoes an absurd value back.

/// Refuses an item id that cannot be sent before the login, as a usage error (exit 2). A
/// parser of its own, because clap's default message quotes the value, and an absurd id can
/// be 100 kB long.
#[derive(Debug, Clone, Copy)]
pub struct ItemIdParser;

impl clap::builder::TypedValueParser for ItemIdParser {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        use clap::error::ErrorKind;
        let refuse = |kind, rule: &str| {
            clap::Error::raw(kind, format!("invalid `<ITEM>` (itemId): {rule}\n")).with_cmd(cmd)
        };
        let text = value
            .to_str()
            .ok_or_else(|| refuse(ErrorKind::InvalidUtf8, "must be UTF-8"))?;
        vbo365::validate::item_id("itemId", text)
            .map(|()| text.to_string())
            .map_err(|e| refuse(ErrorKind::ValueValidation, e.rule().unwrap_or("is refused")))
    }
}

/// Seconds as a whole number, 0 or more; negative numbers reach this parser (rather than being
/// taken for an unknown flag) so that the error names the rule.
pub fn parse_seconds(text: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number of seconds, 0 or more (0: no limit)"))
}

/// A byte count with an optional binary suffix: `1073741824`, `512MiB`, `10GiB`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, suffix) = text.split_at(split);
    let number: u64 = digits.parse().map_err(|_| {
        format!("`{text}` is not a size: use bytes or a number with KiB, MiB or GiB")
    })?;
    let unit: u64 = match suffix.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kib" | "k" => 1 << 10,
        "mib" | "m" => 1 << 20,
        "gib" | "g" => 1 << 30,
        other => return Err(format!("unknown size unit `{other}`: use KiB, MiB or GiB")),
    };
    number
        .checked_mul(unit)
        .ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_suffixes() {
        assert_eq!(parse_size("1073741824"), Ok(1 << 30));
        assert_eq!(parse_size("10GiB"), Ok(10 << 30));
        assert_eq!(parse_size("512 MiB"), Ok(512 << 20));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("1TB").is_err());
    }
}
