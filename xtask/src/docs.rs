//! `cargo xtask docs`: the Markdown API reference in `docs/api`, generated from the specs, one
//! page per operation in the shape of the vendor's pages (request line, headers, parameters,
//! body variants with property tables, examples, responses) and an index, for every version:
//! `openapi/vbo-v4.yaml` in `docs/api/`, every other `openapi/vbo-v<N>.yaml` in
//! `docs/api/v<N>/`, and `docs/api/versions.md`, what differs between the versions
//! (`versions`). `--check` fails when the committed pages are not what the specs generate, so
//! a spec change cannot land without its docs, and nobody edits the pages by hand. Without
//! `--check` it also builds the single-file HTML reference of each version (`crate::browser`).

mod render;
mod versions;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Fail, listing the files, when the pages in the output directories are stale.
    #[arg(long)]
    pub check: bool,
    /// Document this spec only (default: every `openapi/vbo-v<N>.yaml`, and
    /// `docs/api/versions.md`).
    #[arg(long)]
    pub spec: Option<PathBuf>,
    /// With one spec: where its pages go (default: `docs/api` for v4, `docs/api/v<N>` for the
    /// others).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Do not build the HTML references (target/docs/api.html for v4, api-v<N>.html for the
    /// others, with Redocly's CLI from npm). `--check` never builds them: they are not
    /// committed.
    #[arg(long)]
    pub no_html: bool,
}

/// Where the pages of every version's spec live: v4's at the top, so that links to them from
/// before the other versions were documented keep working.
pub const DOCS: &str = "docs/api";
/// The version whose pages are at the top of [`DOCS`].
const TOP_VERSION: u32 = 4;
/// The page of differences between the versions, in [`DOCS`].
pub const VERSIONS_PAGE: &str = "versions.md";

/// One spec to document.
struct Target {
    spec: PathBuf,
    out: PathBuf,
    html: PathBuf,
    pages: BTreeMap<String, String>,
    /// Files of `out` that another target writes.
    others: Vec<&'static str>,
}

pub fn run(root: &Path, args: &Args) -> anyhow::Result<bool> {
    let targets = if args.spec.is_some() || args.out.is_some() {
        vec![one(root, args)?]
    } else {
        every(root)?
    };
    let mut fresh = true;
    for target in &targets {
        fresh &= write_or_check(root, target, args.check)?;
    }
    if !args.check && !args.no_html {
        for target in &targets {
            crate::browser::build_html(root, &target.spec, &target.html)?;
        }
    }
    Ok(fresh)
}

/// `--spec` and/or `--out`: one spec, without `versions.md`.
fn one(root: &Path, args: &Args) -> anyhow::Result<Target> {
    let spec = args
        .spec
        .clone()
        .unwrap_or_else(|| spec_file(TOP_VERSION).into());
    let number = spec
        .file_name()
        .and_then(|name| version_number(&name.to_string_lossy()));
    let out = match (&args.out, number) {
        (Some(out), _) => out.clone(),
        (None, Some(number)) => out_dir(number),
        (None, None) => bail!(
            "{}: not an openapi/vbo-v<N>.yaml, so --out must say where its pages go",
            spec.display()
        ),
    };
    let link = versions_link(&out);
    let pages = render_spec(root, &spec, link.as_deref())?;
    Ok(Target {
        html: number.map_or_else(|| crate::browser::HTML.into(), html_file),
        spec,
        others: if link.as_deref() == Some(VERSIONS_PAGE) {
            vec![VERSIONS_PAGE]
        } else {
            Vec::new()
        },
        out,
        pages,
    })
}

/// Every `openapi/vbo-v<N>.yaml`, and `versions.md` with v4's pages.
fn every(root: &Path) -> anyhow::Result<Vec<Target>> {
    let numbers = discover(root)?;
    if !numbers.contains(&TOP_VERSION) {
        bail!("openapi/{} is missing", spec_file_name(TOP_VERSION));
    }
    let mut targets = Vec::new();
    let mut specs = Vec::new();
    for &number in &numbers {
        let spec = PathBuf::from(spec_file(number));
        let out = out_dir(number);
        let pages = render_spec(root, &spec, versions_link(&out).as_deref())?;
        let text = std::fs::read_to_string(root.join(&spec))?;
        specs.push(versions::Version {
            number,
            spec_file: spec_file_name(number),
            dir: if number == TOP_VERSION {
                String::new()
            } else {
                format!("v{number}/")
            },
            doc: serde_norway::from_str(&text)
                .with_context(|| format!("reading {}", spec.display()))?,
        });
        targets.push(Target {
            spec,
            out,
            html: html_file(number),
            pages,
            others: Vec::new(),
        });
    }
    let page = versions::page(&specs).context("documenting the differences between versions")?;
    let top = targets
        .iter_mut()
        .find(|t| t.out == Path::new(DOCS))
        .context("the top version has a target")?;
    top.pages.insert(VERSIONS_PAGE.into(), page);
    Ok(targets)
}

use crate::specs::{discover, spec_file, spec_file_name, version_number};

fn out_dir(number: u32) -> PathBuf {
    if number == TOP_VERSION {
        DOCS.into()
    } else {
        Path::new(DOCS).join(format!("v{number}"))
    }
}

fn html_file(number: u32) -> PathBuf {
    if number == TOP_VERSION {
        crate::browser::HTML.into()
    } else {
        format!("target/docs/api-v{number}.html").into()
    }
}

/// The link from the index in `out` to `versions.md`, when `out` is in [`DOCS`].
fn versions_link(out: &Path) -> Option<String> {
    let below = out.strip_prefix(DOCS).ok()?;
    let up = "../".repeat(below.components().count());
    Some(format!("{up}{VERSIONS_PAGE}"))
}

fn render_spec(
    root: &Path,
    spec: &Path,
    versions_link: Option<&str>,
) -> anyhow::Result<BTreeMap<String, String>> {
    let path = root.join(spec);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let name = spec.file_name().map_or_else(
        || spec.display().to_string(),
        |n| n.to_string_lossy().to_string(),
    );
    render::pages(&text, &name, versions_link)
        .with_context(|| format!("documenting {}", spec.display()))
}

/// Writes the stale pages of `target`, or with `check` lists them; whether they were fresh.
fn write_or_check(root: &Path, target: &Target, check: bool) -> anyhow::Result<bool> {
    let out = root.join(&target.out);
    let shown = target.out.display();
    let stale = stale(&out, &target.pages, &target.others)?;
    let source = if target.pages.contains_key(VERSIONS_PAGE) {
        format!("{} ({VERSIONS_PAGE}: every spec)", target.spec.display())
    } else {
        target.spec.display().to_string()
    };
    if check {
        if stale.is_empty() {
            say!(
                "{shown}: {} pages, up to date with {source}",
                target.pages.len()
            );
            return Ok(true);
        }
        say!("{shown} is stale; run `cargo xtask docs` and commit the result:");
        for (file, why) in &stale {
            say!("  {}: {why}", target.out.join(file).display());
        }
        return Ok(false);
    }
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    for (file, why) in &stale {
        let path = out.join(file);
        match target.pages.get(file) {
            Some(content) => std::fs::write(&path, content)
                .with_context(|| format!("writing {}", path.display()))?,
            None => std::fs::remove_file(&path)
                .with_context(|| format!("removing {}", path.display()))?,
        }
        say!("{}: {why}", target.out.join(file).display());
    }
    say!(
        "{shown}: {} pages from {source} ({} written or removed)",
        target.pages.len(),
        stale.len()
    );
    Ok(true)
}

/// The files of `out` that differ from `pages`, with why: changed, missing, or no longer
/// generated (only `.md` files count, and not `others`; anything else in the directory, such
/// as the directories of the other versions, is left alone).
fn stale(
    out: &Path,
    pages: &BTreeMap<String, String>,
    others: &[&str],
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
            if name.ends_with(".md")
                && !pages.contains_key(&name)
                && !others.contains(&name.as_str())
            {
                stale.push((name, "no longer generated"));
            }
        }
    }
    stale.sort();
    Ok(stale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_named_by_their_spec_files() {
        assert_eq!(version_number("vbo-v4.yaml"), Some(4));
        assert_eq!(version_number("vbo-v12.yaml"), Some(12));
        for other in ["vbo-v.yaml", "vbo-v4.yml", "vbo-v4a.yaml", "other.yaml"] {
            assert_eq!(version_number(other), None, "{other}");
        }
        assert_eq!(out_dir(4), Path::new("docs/api"));
        assert_eq!(out_dir(6), Path::new("docs/api/v6"));
        assert_eq!(html_file(4), Path::new(crate::browser::HTML));
        assert_eq!(html_file(8), Path::new("target/docs/api-v8.html"));
    }

    #[test]
    fn each_index_links_to_the_versions_page_from_where_it_is() {
        assert_eq!(
            versions_link(Path::new("docs/api")).as_deref(),
            Some("versions.md")
        );
        assert_eq!(
            versions_link(Path::new("docs/api/v6")).as_deref(),
            Some("../versions.md")
        );
        assert_eq!(versions_link(Path::new("elsewhere")), None);
    }
}
