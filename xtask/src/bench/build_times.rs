//! Build times: what a developer waits for after saving a file, and the generation step alone.

use std::path::Path;
use std::time::{Instant, SystemTime};

use anyhow::{Context, bail};

use super::proc::{Cmd, run, xtask_built};
use crate::codegen_check::codegen;

const SPEC: &str = "openapi/vbo-v4.yaml";

#[derive(Debug, Clone)]
pub struct BuildRow {
    pub what: String,
    pub command: String,
    pub secs: Vec<f64>,
    /// Runs that were not what they claim (a "no-op" build that compiled something because
    /// another process changed a file meanwhile, or a build that waited for another cargo's
    /// lock); they are left out of `secs`.
    pub discarded: usize,
}

/// Times a no-op `cargo build`, a `cargo build` after touching the spec, and the code
/// generation alone (in this process, the very function `build.rs` runs, and as
/// `cargo xtask generate`).
pub fn measure(root: &Path, runs: usize) -> anyhow::Result<Vec<BuildRow>> {
    let build = Cmd::new("cargo").arg("build").current_dir(root);
    println!("bench: warming up `cargo build`");
    run(&build)?;

    let mut noop = BuildRow {
        what: "no-op rebuild".into(),
        command: build.shown(),
        secs: Vec::new(),
        discarded: 0,
    };
    // Up to twice the runs, as a concurrent edit in a shared tree turns a run into a real build.
    for _ in 0..runs * 2 {
        if noop.secs.len() == runs {
            break;
        }
        let r = run(&build)?;
        if r.stderr.contains("Compiling") || waited_for_lock(&r.stderr) {
            noop.discarded += 1;
        } else {
            noop.secs.push(r.wall.as_secs_f64());
        }
    }

    let spec = root.join(SPEC);
    let mut touched = BuildRow {
        what: format!("rebuild after touching {SPEC}"),
        command: format!("touch {SPEC} && {}", build.shown()),
        secs: Vec::new(),
        discarded: 0,
    };
    let wanted = runs.min(3);
    for _ in 0..wanted * 2 {
        if touched.secs.len() == wanted {
            break;
        }
        println!(
            "bench: `cargo build` after touching the spec, {}/{wanted}",
            touched.secs.len() + 1
        );
        touch(&spec)?;
        let r = run(&build)?;
        if !r.stderr.contains("Compiling vbo365") {
            bail!(
                "touching {SPEC} did not rebuild vbo365; cargo said: {}",
                r.stderr.trim()
            );
        }
        if waited_for_lock(&r.stderr) {
            touched.discarded += 1;
        } else {
            touched.secs.push(r.wall.as_secs_f64());
        }
    }

    let text =
        std::fs::read_to_string(&spec).with_context(|| format!("reading {}", spec.display()))?;
    let mut generation = BuildRow {
        what: "generation step alone (`codegen::generate` of crates/codegen, in process)".into(),
        command: format!("(in xtask) codegen::generate(<text of {SPEC}>)"),
        secs: Vec::new(),
        discarded: 0,
    };
    for _ in 0..runs {
        let started = Instant::now();
        let source = codegen::generate(&text).map_err(anyhow::Error::msg)?;
        generation.secs.push(started.elapsed().as_secs_f64());
        std::hint::black_box(source);
    }

    let generate = Cmd::new("cargo")
        .args(["xtask", "generate"])
        .current_dir(root);
    run(&generate)?;
    let mut generate_row = BuildRow {
        what: "generation step as a command".into(),
        command: generate.shown(),
        secs: Vec::new(),
        discarded: 0,
    };
    for _ in 0..runs * 2 {
        if generate_row.secs.len() == runs {
            break;
        }
        let before = xtask_built();
        let secs = run(&generate)?.wall.as_secs_f64();
        if xtask_built() == before {
            generate_row.secs.push(secs);
        } else {
            generate_row.discarded += 1;
        }
    }
    // Leave the tree built, so that whoever builds next does not pay for the touch.
    run(&build)?;
    Ok(vec![noop, touched, generation, generate_row])
}

/// Whether cargo waited for another cargo (someone's build or test in the shared tree): such
/// a run times the other build, not this one.
fn waited_for_lock(stderr: &str) -> bool {
    stderr.contains("Blocking waiting for file lock")
}

/// Sets the file's modification time to now, as `touch` does, without changing it.
fn touch(path: &Path) -> anyhow::Result<()> {
    std::fs::File::options()
        .append(true)
        .open(path)
        .and_then(|f| f.set_modified(SystemTime::now()))
        .with_context(|| format!("touching {}", path.display()))
}
