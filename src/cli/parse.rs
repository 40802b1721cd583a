//! Parsers of argument values that clap does not have: sizes, seconds, item ids, the values of
//! the generated string enums. Each error names the rule, and none echoes an absurd value back.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

/// Refuses an item id that cannot be sent before the login, as a usage error (exit 2). A
/// parser of its own, because clap's default message quotes the value, and an absurd id can
/// be 100 kB long.
#[derive(Debug, Clone, Copy)]
pub struct ItemIdParser;

/// A folder id checked as the client checks it (`folderId`), as a usage error.
#[derive(Clone, Copy, Debug)]
pub struct FolderIdParser;

/// A path-segment id checked by `check` as `wire` (the spec's name) for the argument `label`.
fn segment_id(
    cmd: &clap::Command,
    value: &std::ffi::OsStr,
    label: &str,
    wire: &str,
    check: fn(&str, &str) -> Result<(), vbo365::Error>,
) -> Result<String, clap::Error> {
    use clap::error::ErrorKind;
    let refuse = |kind, rule: &str| {
        clap::Error::raw(kind, format!("invalid `{label}` ({wire}): {rule}\n")).with_cmd(cmd)
    };
    let text = value
        .to_str()
        .ok_or_else(|| refuse(ErrorKind::InvalidUtf8, "must be UTF-8"))?;
    check(wire, text)
        .map(|()| text.to_string())
        .map_err(|e| refuse(ErrorKind::ValueValidation, e.rule().unwrap_or("is refused")))
}

impl clap::builder::TypedValueParser for ItemIdParser {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        segment_id(cmd, value, "<ITEM>", "itemId", vbo365::check::item_id)
    }
}

impl clap::builder::TypedValueParser for FolderIdParser {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        segment_id(cmd, value, "<FOLDER>", "folderId", vbo365::check::folder_id)
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

/// A value of one of the generated string enums, whose `ALL` lists the variants and whose
/// `Display` is the wire name: on the command line each is its wire name in kebab case
/// (`USDefence` is `us-defence`), and the wire name itself is a hidden alias. `--help` and the
/// shell completions list the values, which come from the spec, not from a copy here.
#[derive(Clone)]
pub struct WireEnumParser<T: 'static> {
    /// (command-line name, wire name, value)
    values: Vec<(String, String, T)>,
}

impl<T: Copy + std::fmt::Display + Send + Sync + 'static> WireEnumParser<T> {
    pub fn new(all: impl IntoIterator<Item = T>) -> Self {
        let values = all
            .into_iter()
            .map(|value| {
                let wire = value.to_string();
                (kebab_case(&wire), wire, value)
            })
            .collect();
        Self { values }
    }

    fn possible(&self) -> impl Iterator<Item = PossibleValue> + '_ {
        self.values
            .iter()
            .map(|(name, wire, _)| PossibleValue::new(name.clone()).alias(wire.clone()))
    }
}

impl<T: Copy + std::fmt::Display + Send + Sync + 'static> TypedValueParser for WireEnumParser<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<T, clap::Error> {
        // clap's own parser for the error message (the valid values, a suggestion).
        let name = PossibleValuesParser::new(self.possible()).parse_ref(cmd, arg, value)?;
        self.values
            .iter()
            .find(|(cli, wire, _)| *cli == name || *wire == name)
            .map(|(_, _, value)| *value)
            .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidValue).with_cmd(cmd))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.possible()))
    }
}

/// `Worldwide` → `worldwide`, `USDefence` → `us-defence`: a hyphen before each word that
/// starts with a capital, an acronym being one word.
fn kebab_case(wire: &str) -> String {
    let chars: Vec<char> = wire.chars().collect();
    let mut out = String::with_capacity(wire.len() + 2);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let previous = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if previous.is_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_uppercase() && next_is_lower)
            {
                out.push('-');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_become_kebab_case() {
        assert_eq!(kebab_case("Worldwide"), "worldwide");
        assert_eq!(kebab_case("USDefence"), "us-defence");
        assert_eq!(kebab_case("USGovernment"), "us-government");
        assert_eq!(kebab_case("exportToPst"), "export-to-pst");
    }

    #[test]
    fn sizes_parse_with_binary_suffixes() {
        assert_eq!(parse_size("1073741824"), Ok(1 << 30));
        assert_eq!(parse_size("10GiB"), Ok(10 << 30));
        assert_eq!(parse_size("512 MiB"), Ok(512 << 20));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("1TB").is_err());
    }
}
