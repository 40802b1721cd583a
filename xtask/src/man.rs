//! `cargo xtask man [--out DIR]`: the man pages of `vbo` and of every subcommand. `vbo man`
//! writes them from the clap definition of the command line (the definition lives in the
//! binary, so xtask runs it rather than linking it); this task builds `vbo`, writes them into a
//! fresh directory and checks that every page is there and names its command.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

#[derive(clap::Args)]
pub struct Args {
    /// The directory to write the pages into; emptied of old pages first.
    #[arg(long, default_value = "target/man")]
    pub out: PathBuf,
}

pub fn run(root: &Path, args: &Args) -> anyhow::Result<()> {
    let out = root.join(&args.out);
    if out.exists() {
        for entry in
            std::fs::read_dir(&out).with_context(|| format!("reading {}", out.display()))?
        {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "1") {
                std::fs::remove_file(&path)?;
            }
        }
    }
    crate::tools::run(crate::tools::vbo(root).args(["man", "--out"]).arg(&out))?;
    let mut pages: Vec<String> = std::fs::read_dir(&out)?
        .map(|entry| Ok(entry?.file_name().to_string_lossy().into_owned()))
        .collect::<anyhow::Result<_>>()?;
    pages.sort();
    if !pages.iter().any(|p| p == "vbo.1") {
        bail!("vbo man wrote no vbo.1 into {}", out.display());
    }
    for page in &pages {
        let name = page.trim_end_matches(".1");
        let text = std::fs::read_to_string(out.join(page))?.replace("\\-", "-");
        if !text.contains(&format!(".SH NAME\n{name} - ")) {
            bail!("{page} does not name {name}");
        }
    }
    say!(
        "{}: {} man pages (vbo.1 and one per subcommand); read one with `man -l {}/vbo-item-export-pst.1`",
        args.out.display(),
        pages.len(),
        args.out.display()
    );
    Ok(())
}
