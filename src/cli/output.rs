//! Printing results: aligned tables for people, stable JSON for scripts.
//!
//! The JSON of lists and objects is the API's own (the spec's schemas); the JSON of actions is
//! documented in `docs/cli.md` and pinned by the CLI tests.

use serde::Serialize;

use super::args::Format;
use super::failure::Failure;

/// Where results go, and how.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub format: Format,
    pub quiet: bool,
}

impl Output {
    /// Prints `value` as JSON, or the table `rows` under `headers`.
    pub fn show<T: Serialize + ?Sized>(
        &self,
        value: &T,
        headers: &[&str],
        rows: Vec<Vec<String>>,
    ) -> Result<(), Failure> {
        match self.format {
            Format::Json => self.json(value),
            Format::Table => {
                print!("{}", table(headers, &rows));
                Ok(())
            }
        }
    }

    /// Prints `value` as JSON, or `text` for people.
    pub fn show_text<T: Serialize + ?Sized>(&self, value: &T, text: &str) -> Result<(), Failure> {
        match self.format {
            Format::Json => self.json(value),
            Format::Table => {
                println!("{text}");
                Ok(())
            }
        }
    }

    fn json<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), Failure> {
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| Failure::internal(format!("cannot write JSON: {e}")))?;
        println!("{text}");
        Ok(())
    }

    /// A note for people on stderr, unless quiet or writing JSON.
    pub fn note(&self, text: &str) {
        if !self.quiet && self.format == Format::Table {
            eprintln!("{text}");
        }
    }
}

/// Left-aligned columns separated by two spaces; cells are cut to keep lines readable.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    const MAX_CELL: usize = 60;
    let cell = |text: &str| -> String {
        let one_line: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if one_line.chars().count() > MAX_CELL {
            one_line.chars().take(MAX_CELL - 1).chain(['…']).collect()
        } else {
            one_line
        }
    };
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| cell(c)).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, value) in widths.iter_mut().zip(row) {
            *width = (*width).max(value.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, (value, width)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(value);
            } else {
                text.push_str(&format!("{value:<width$}  "));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(headers.to_vec());
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

/// An optional value for a table cell.
/// A server time to the minute, as written (no offset is assumed for a time without one);
/// a value that is not a time, as the server sent it.
pub fn minutes(time: &vbo365::Timestamp) -> String {
    time.naive().map_or_else(
        || time.as_str().to_string(),
        |t| t.format("%Y-%m-%d %H:%M").to_string(),
    )
}

pub fn opt<T: ToString>(value: &Option<T>) -> String {
    value
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_else(|| "-".into())
}

/// A byte count for people.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_cut_long_cells() {
        let rows = vec![
            vec!["a".into(), "x".repeat(80)],
            vec!["long id".into(), "b".into()],
        ];
        let text = table(&["ID", "SUBJECT"], &rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "ID       SUBJECT");
        assert_eq!(lines[1], format!("a        {}…", "x".repeat(59)));
        assert_eq!(lines[2], "long id  b");
    }

    #[test]
    fn bytes_read_well() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(8 << 20), "8.0 MiB");
    }
}
