//! `cargo xtask docs`: the Markdown API reference in `docs/api`, generated from the spec, one
//! page per operation in the shape of the vendor's pages (request line, headers, parameters,
//! body variants with property tables, examples, responses) and an index. `--check` fails
//! when the committed pages are not what the spec generates, so a spec change cannot land
//! without its docs, and nobody edits the pages by hand. Without `--check` it also builds the
//! single-file HTML reference (`crate::browser`).

mod render;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Fail, listing the files, when the pages in the output directory are stale.
    #[arg(long)]
    pub check: bool,
    /// The spec to document.
    #[arg(long, default_value = "openapi/vbo-v4.yaml")]
    pub spec: PathBuf,
    /// Where the pages go.
    #[arg(long, default_value = "docs/api")]
    pub out: PathBuf,
    /// Do not build the HTML reference (target/docs/api.html, with Redocly's CLI from npm).
    /// `--check` never builds it: it is not committed.
    #[arg(long)]
    pub no_html: bool,
}

pub fn run(root: &Path, args: &Args) -> anyhow::Result<bool> {
    let spec = root.join(&args.spec);
    let out = root.join(&args.out);
    let text =
        std::fs::read_to_string(&spec).with_context(|| format!("reading {}", spec.display()))?;
    let name = spec.file_name().map_or_else(
        || args.spec.display().to_string(),
        |n| n.to_string_lossy().to_string(),
    );
    let pages =
        render::pages(&text, &name).with_context(|| format!("documenting {}", spec.display()))?;
    let stale = stale(&out, &pages)?;
    if args.check {
        if stale.is_empty() {
            say!(
                "{}: {} pages, up to date with {}",
                args.out.display(),
                pages.len(),
                args.spec.display()
            );
            return Ok(true);
        }
        say!(
            "{} is stale; run `cargo xtask docs` and commit the result:",
            args.out.display()
        );
        for (file, why) in &stale {
            say!("  {}: {why}", args.out.join(file).display());
        }
        return Ok(false);
    }
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    for (file, why) in &stale {
        let path = out.join(file);
        match pages.get(file) {
            Some(content) => std::fs::write(&path, content)
                .with_context(|| format!("writing {}", path.display()))?,
            None => std::fs::remove_file(&path)
                .with_context(|| format!("removing {}", path.display()))?,
        }
        say!("{}: {why}", args.out.join(file).display());
    }
    say!(
        "{}: {} pages from {} ({} written or removed)",
        args.out.display(),
        pages.len(),
        args.spec.display(),
        stale.len()
    );
    if !args.no_html {
        crate::browser::build_html(root, &args.spec, Path::new(crate::browser::HTML))?;
    }
    Ok(true)
}

/// The files of `out` that differ from `pages`, with why: changed, missing, or no longer
/// generated (only `.md` files count; anything else in the directory is left alone).
fn stale(
    out: &Path,
    pages: &BTreeMap<String, String>,
) -> anyhow::Result<Vec<(String, &'static str)>> {
    let mut stale = Vec::new();
    for (file, content) in pages {
        match std::fs::read_to_string(out.join(file)) {
            Ok(existing) if existing == *content => {}
            Ok(_) => stale.push((file.clone(), "changed")),
            Err(_) => stale.push((file.clone(), "missing")),
        }
    }
    if let Ok(entries) = std::fs::read_dir(out) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if name.ends_with(".md") && !pages.contains_key(&name) {
                stale.push((name, "no longer generated"));
            }
        }
    }
    stale.sort();
    Ok(stale)
}
