//! `cargo xtask bench`: measures the client against curl and the physical limits, the cost of
//! small actions in HTTP requests, the build, and the CI gate, on the machine it runs on, and
//! writes the Markdown results file. Never part of `cargo xtask test`: timings on shared,
//! noisy cores are reported, not asserted.

mod actions;
mod build_times;
mod download;
mod gate;
mod machine;
mod proc;
mod proxy;
mod report;
mod sim;
mod stats;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};

/// Actions per `vbo bulk` run, by concurrency.
const ACTION_RUNS: [(usize, usize); 2] = [(1, 2000), (16, 5000)];

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Runs of each measurement (the report gives their median and range).
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Sizes of the downloads (suffixes MiB, GiB).
    #[arg(long, value_delimiter = ',', default_value = "1GiB,4GiB", value_parser = parse_size)]
    pub sizes: Vec<u64>,
    /// Only these parts (default: all).
    #[arg(long, value_delimiter = ',', value_enum)]
    pub only: Vec<Part>,
    /// Measure this `vbo` binary instead of building target/release/vbo (such as a scratch
    /// build with a suspected regression).
    #[arg(long, value_name = "BIN")]
    pub vbo: Option<PathBuf>,
    /// The results file.
    #[arg(long, default_value = "docs/bench.md")]
    pub out: PathBuf,
    /// Where downloads are written: a disk directory, and/or memory (/dev/shm).
    #[arg(long, value_delimiter = ',', value_enum, default_value = "disk,memory")]
    pub media: Vec<MediumKind>,
    /// Disk directory for the downloaded files (default: the system's temporary directory).
    #[arg(long, value_name = "DIR")]
    pub tmp: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediumKind {
    Disk,
    Memory,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Download,
    Actions,
    Build,
    Gate,
}

pub fn run(root: &Path, args: &Args) -> anyhow::Result<()> {
    if args.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let wanted = |part| args.only.is_empty() || args.only.contains(&part);
    let started = Instant::now();
    proc::ensure_programs()?;
    let machine = machine::Machine::read(root);
    let scratch = Scratch::new(args.tmp.as_deref())?;
    let mut notes = Vec::new();

    let needs_vbo = wanted(Part::Download) || wanted(Part::Actions);
    let vbo = match &args.vbo {
        Some(path) => path
            .canonicalize()
            .with_context(|| format!("--vbo {}", path.display()))?,
        None if needs_vbo => build_vbo(root)?,
        None => PathBuf::from("(not used)"),
    };

    let mut downloads = None;
    let mut actions = None;
    if needs_vbo {
        // One small simulator: the client's requests are captured and counted on it, and the
        // actions run against it.
        let sim = sim::SimProcess::start(&vbo, 1 << 20, &scratch.0)?;
        let target = sim::Target::discover(&vbo, &sim)?;
        let (captured, export_log) = download::capture(&vbo, &sim, &target, &scratch.0)?;
        if wanted(Part::Actions) {
            let mut result =
                actions::measure(&vbo, &sim, &target, args.runs, &ACTION_RUNS, &scratch.0)?;
            result.counts.insert(
                0,
                actions::count_row("`vbo item export-pst` (one PST)", 1, 1, &export_log)?,
            );
            actions = Some(result);
        }
        drop(sim);
        if wanted(Part::Download) {
            let largest = args.sizes.iter().copied().max().unwrap_or(0);
            let mut media = Vec::new();
            let mut memory_scratch = None;
            for kind in &args.media {
                match kind {
                    MediumKind::Disk => {
                        check_space(&scratch.0, largest)?;
                        media.push(download::Medium {
                            name: "disk",
                            dir: scratch.0.clone(),
                            fs: fs_type(&scratch.0),
                        });
                    }
                    MediumKind::Memory => match memory_dir(largest) {
                        Ok(dir) => {
                            media.push(download::Medium {
                                name: "memory",
                                dir: dir.0.clone(),
                                fs: fs_type(&dir.0),
                            });
                            memory_scratch = Some(dir);
                        }
                        Err(why) => notes.push(format!("No downloads to memory: {why:#}.")),
                    },
                }
            }
            let mut sizes = args.sizes.clone();
            sizes.sort_unstable();
            sizes.dedup();
            let mut results = Vec::new();
            for bytes in sizes {
                results.extend(download::measure(
                    &vbo, bytes, args.runs, &captured, &media, &scratch.0,
                )?);
            }
            drop(memory_scratch);
            downloads = Some(results);
        }
    }
    let build = if wanted(Part::Build) {
        Some(build_times::measure(root, args.runs)?)
    } else {
        None
    };
    let gate = if wanted(Part::Gate) {
        Some(gate::measure(root, args.runs)?)
    } else {
        None
    };
    if args.vbo.is_some() {
        notes.push(format!(
            "`vbo` was given with `--vbo {}`, not built from this tree.",
            vbo.display()
        ));
    }

    let results = report::Results {
        machine,
        runs: args.runs,
        total_secs: started.elapsed().as_secs_f64(),
        vbo: shown_path(root, &vbo),
        downloads,
        actions,
        build,
        gate,
        notes,
    };
    let markdown = report::render(&results);
    let out = root.join(&args.out);
    std::fs::write(&out, &markdown).with_context(|| format!("writing {}", out.display()))?;
    println!("{markdown}");
    println!("bench: wrote {}", out.display());
    Ok(())
}

/// Builds the release `vbo` that users run, and returns its path.
fn build_vbo(root: &Path) -> anyhow::Result<PathBuf> {
    println!("bench: building the release `vbo`");
    proc::run(
        &proc::Cmd::new("cargo")
            .args(["build", "--release", "--bin", "vbo"])
            .current_dir(root),
    )?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let vbo = target.join("release/vbo");
    if !vbo.is_file() {
        bail!("the release build left no {}", vbo.display());
    }
    Ok(vbo)
}

fn shown_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A temporary directory for the run's files, removed when the bench ends, even on error.
struct Scratch(PathBuf);

impl Scratch {
    fn new(parent: Option<&Path>) -> anyhow::Result<Self> {
        let parent = parent.map_or_else(std::env::temp_dir, Path::to_path_buf);
        let dir = parent.join(format!("vbo-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A directory on tmpfs for the downloads to memory, when there is room for two copies of the
/// largest one and memory to spare.
fn memory_dir(largest: u64) -> anyhow::Result<Scratch> {
    let shm = Path::new("/dev/shm");
    let fs = fs_type(shm);
    if fs != "tmpfs" {
        bail!("/dev/shm is not a tmpfs here ({fs})");
    }
    let meminfo = std::fs::read_to_string("/proc/meminfo").context("reading /proc/meminfo")?;
    let available =
        parse_mem_available_kib(&meminfo).context("no MemAvailable in /proc/meminfo")?;
    let needed = largest * 2 + (2 << 30);
    if available * 1024 < needed {
        bail!(
            "{} MiB of memory available, {} MiB needed",
            available >> 10,
            needed >> 20
        );
    }
    check_space(shm, largest)?;
    Scratch::new(Some(shm))
}

/// `MemAvailable` in KiB from `/proc/meminfo`.
fn parse_mem_available_kib(meminfo: &str) -> Option<u64> {
    let value = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemAvailable:"))?;
    value.trim().strip_suffix("kB")?.trim().parse().ok()
}

/// The file system type of `dir`, as `stat -f` names it.
fn fs_type(dir: &Path) -> String {
    proc::run(&proc::Cmd::new("stat").args(["-f", "-c", "%T"]).arg(dir))
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

/// The largest download needs room for two copies (the raw ceiling's source and one run's
/// file) and some slack.
fn check_space(dir: &Path, largest: u64) -> anyhow::Result<()> {
    let out = proc::run(&proc::Cmd::new("df").args(["-Pk"]).arg(dir))?;
    let available = parse_df_available_kib(&String::from_utf8_lossy(&out.stdout))
        .with_context(|| format!("reading the free space of {} from df", dir.display()))?
        * 1024;
    let needed = largest * 2 + (1 << 30);
    if available < needed {
        bail!(
            "{} has {} MiB free; the downloads need {} MiB. Pass --tmp DIR elsewhere or smaller --sizes",
            dir.display(),
            available >> 20,
            needed >> 20
        );
    }
    Ok(())
}

/// The `Available` column (KiB) of `df -Pk` for one path.
fn parse_df_available_kib(df: &str) -> anyhow::Result<u64> {
    let line = df.lines().nth(1).context("df printed no filesystem line")?;
    let field = line
        .split_whitespace()
        .nth(3)
        .with_context(|| format!("df line `{line}` has no Available column"))?;
    field
        .parse()
        .with_context(|| format!("df's Available `{field}` is not a number"))
}

/// A byte count with an optional binary suffix: `1073741824`, `512MiB`, `4GiB`.
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, suffix) = text.split_at(split);
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size: use bytes or a number with MiB or GiB"))?;
    let unit: u64 = match suffix.trim().to_ascii_lowercase().as_str() {
        "" => 1,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        other => return Err(format!("unknown size unit `{other}`: use KiB, MiB or GiB")),
    };
    let bytes = number
        .checked_mul(unit)
        .ok_or_else(|| format!("`{text}` is too large"))?;
    if bytes < 1 << 20 {
        return Err(format!(
            "`{text}` is too small to measure: use at least 1MiB"
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_suffixes() {
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("4gib"), Ok(4 << 30));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert!(parse_size("1TB").unwrap_err().contains("unit"));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("1KiB").unwrap_err().contains("too small"));
        assert!(
            parse_size("99999999999GiB")
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn available_memory_is_read_in_kib() {
        let meminfo = "MemTotal: 24 kB\nMemFree: 1 kB\nMemAvailable:   22705152 kB\n";
        assert_eq!(parse_mem_available_kib(meminfo), Some(22_705_152));
        assert_eq!(parse_mem_available_kib("MemTotal: 24 kB\n"), None);
    }

    #[test]
    fn free_space_is_read_from_df() {
        let df = "Filesystem     1024-blocks     Used Available Capacity Mounted on\n\
                  /dev/vda         263174212 30000000 66060288      32% /\n";
        assert_eq!(parse_df_available_kib(df).unwrap(), 66_060_288);
        assert!(parse_df_available_kib("Filesystem\n").is_err());
        assert!(parse_df_available_kib("h\n/dev/vda 1 2 x 3% /\n").is_err());
    }
}
