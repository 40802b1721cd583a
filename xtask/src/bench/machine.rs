//! What the figures were measured on: they mean little without the machine.

use std::path::Path;
use std::process::Command;

/// Facts about the machine and the tree, as shown at the top of the report.
#[derive(Debug, Clone)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory_gib: f64,
    pub kernel: String,
    pub rustc: String,
    pub curl: String,
    pub commit: String,
    pub load_at_start: String,
    /// `vm.dirty_background_ratio` and `vm.dirty_ratio`: how much of a write may sit in the
    /// page cache before the kernel writes it out, and before it throttles the writer.
    pub dirty_ratios: String,
    pub date: String,
}

impl Machine {
    /// Reads the facts; a fact that cannot be read is shown as `unknown` rather than failing
    /// the bench.
    pub fn read(root: &Path) -> Self {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        let cpu = cpu_model(&read("/proc/cpuinfo")).unwrap_or_else(|| "unknown".into());
        let memory_gib = mem_total_kib(&read("/proc/meminfo"))
            .map_or(f64::NAN, |kib| kib as f64 / (1u64 << 20) as f64);
        let kernel = read("/proc/sys/kernel/osrelease").trim().to_string();
        let commit = first_line(root, "git", &["rev-parse", "--short=12", "HEAD"]);
        let dirty = Command::new("git")
            .args(["status", "--porcelain", "--untracked-files=no"])
            .current_dir(root)
            .output()
            .is_ok_and(|o| !o.stdout.is_empty());
        Self {
            cpu,
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            memory_gib,
            kernel: if kernel.is_empty() {
                "unknown".into()
            } else {
                kernel
            },
            rustc: first_line(root, "rustc", &["--version"]),
            curl: first_line(root, "curl", &["--version"]),
            commit: if dirty {
                format!("{commit} (with uncommitted changes in the tree)")
            } else {
                commit
            },
            load_at_start: read("/proc/loadavg")
                .split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" "),
            dirty_ratios: format!(
                "dirty_background_ratio {} %, dirty_ratio {} %",
                read("/proc/sys/vm/dirty_background_ratio").trim(),
                read("/proc/sys/vm/dirty_ratio").trim()
            ),
            date: first_line(root, "date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        }
    }
}

fn first_line(root: &Path, program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .current_dir(root)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(str::to_string)
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The `model name` of the first processor in `/proc/cpuinfo`.
pub fn cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == "model name").then(|| value.trim().to_string())
    })
}

/// `MemTotal` in KiB from `/proc/meminfo`.
pub fn mem_total_kib(meminfo: &str) -> Option<u64> {
    let value = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))?;
    value.trim().strip_suffix("kB")?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_model_is_the_first_model_name() {
        let cpuinfo = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\n\nprocessor\t: 1\nmodel name\t: Other\n";
        assert_eq!(
            cpu_model(cpuinfo).as_deref(),
            Some("Intel(R) Xeon(R) Processor")
        );
        assert_eq!(cpu_model("processor\t: 0\n"), None);
    }

    #[test]
    fn memory_total_is_read_in_kib() {
        let meminfo = "MemTotal:       24624104 kB\nMemFree:        1 kB\n";
        assert_eq!(mem_total_kib(meminfo), Some(24_624_104));
        assert_eq!(mem_total_kib("MemFree: 1 kB\n"), None);
        assert_eq!(mem_total_kib("MemTotal: lots kB\n"), None);
    }
}
