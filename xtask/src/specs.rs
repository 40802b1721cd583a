//! The specs of `openapi/`: one `vbo-v<N>.yaml` per API version, found on disk so that a
//! version added is checked, documented and mocked without a list to update.

use std::path::Path;

use anyhow::Context;

/// The version numbers of `openapi/vbo-v<N>.yaml`, in order.
pub fn discover(root: &Path) -> anyhow::Result<Vec<u32>> {
    let dir = root.join("openapi");
    let mut numbers: Vec<u32> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .filter_map(|entry| version_number(&entry.file_name().to_string_lossy()))
        .collect();
    numbers.sort_unstable();
    Ok(numbers)
}

/// `4` of `vbo-v4.yaml`.
pub fn version_number(file_name: &str) -> Option<u32> {
    let digits = file_name.strip_prefix("vbo-v")?.strip_suffix(".yaml")?;
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

pub fn spec_file_name(number: u32) -> String {
    format!("vbo-v{number}.yaml")
}

pub fn spec_file(number: u32) -> String {
    format!("openapi/{}", spec_file_name(number))
}
