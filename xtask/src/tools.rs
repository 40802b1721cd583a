//! External checkers, installed on first use into `target/tools` from the package registries,
//! so that `cargo xtask test` works on a fresh machine and CI installs the same versions.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// Python packages of the checks, pinned.
pub const PYTHON_PACKAGES: &[&str] = &[
    "openapi-spec-validator==0.9.0",
    // `cargo xtask contract`: the contract run against the simulator, and an MSG reader.
    "schemathesis==4.32.5",
    "extract-msg==0.57.0",
];

/// The Python virtual environment with [`PYTHON_PACKAGES`] installed; created when missing.
pub fn python_env(root: &Path) -> anyhow::Result<PathBuf> {
    let venv = root.join("target/tools/venv");
    let stamp = venv.join("installed.txt");
    let wanted = PYTHON_PACKAGES.join("\n");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(venv);
    }
    let python = ["python3", "python"]
        .into_iter()
        .find(|p| {
            Command::new(p)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .context(
            "python3 is needed for the spec validator; install it (apt-get install python3-venv)",
        )?;
    run(Command::new(python).args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .args(PYTHON_PACKAGES))?;
    std::fs::write(&stamp, wanted)?;
    Ok(venv)
}

/// Runs a command, failing with its command line when it fails.
pub fn run(command: &mut Command) -> anyhow::Result<()> {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .with_context(|| format!("starting {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}

/// The npm packages of the checks, pinned with their whole tree in `xtask/tools/npm`
/// (`package.json` and `package-lock.json`): Stoplight Prism, Redocly's CLI, playwright-core.
const NPM_MANIFEST: &str = "xtask/tools/npm";

/// The `node_modules/.bin` directory of `target/tools/npm`, installed with `npm ci` from the
/// pinned lock file when missing or when the lock file changed.
pub fn npm_tools(root: &Path) -> anyhow::Result<PathBuf> {
    let dir = root.join("target/tools/npm");
    let manifest = root.join(NPM_MANIFEST);
    let lock = std::fs::read_to_string(manifest.join("package-lock.json"))
        .with_context(|| format!("reading {NPM_MANIFEST}/package-lock.json"))?;
    let stamp = dir.join("installed-lock.json");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(lock.as_str()) {
        return Ok(dir.join("node_modules/.bin"));
    }
    let npm_works = Command::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !npm_works {
        bail!(
            "npm is needed for Stoplight Prism, Redocly and Playwright; install Node.js and npm (apt-get install npm)"
        );
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(manifest.join(file), dir.join(file))
            .with_context(|| format!("copying {NPM_MANIFEST}/{file}"))?;
    }
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir))?;
    std::fs::write(&stamp, lock)?;
    Ok(dir.join("node_modules/.bin"))
}

/// Makes sure that `programs` (program, Debian package) are on the PATH, installing the
/// packages of those that are not with apt-get (as root, the usual case here and in CI).
pub fn ensure_debian(programs: &[(&str, &str)], who: &str) -> anyhow::Result<()> {
    let on_path = |program: &str| {
        Path::new(program).is_absolute() && Path::new(program).exists()
            || std::env::var_os("PATH").is_some_and(|path| {
                std::env::split_paths(&path).any(|dir| dir.join(program).is_file())
            })
    };
    let missing: Vec<&str> = programs
        .iter()
        .filter(|(program, _)| !on_path(program))
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!("{who}: installing {} with apt-get", missing.join(", "));
    let apt = |args: &[&str]| -> anyhow::Result<()> {
        let status = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .with_context(|| {
                format!(
                    "starting apt-get ({who} installs {} with it)",
                    missing.join(", ")
                )
            })?;
        if !status.success() {
            bail!(
                "apt-get {} failed ({status}); install {} by hand (as root)",
                args.join(" "),
                missing.join(" ")
            );
        }
        Ok(())
    };
    apt(&["update", "-qq"])?;
    let mut install = vec!["install", "-y", "-qq"];
    install.extend(&missing);
    apt(&install)
}

/// `cargo run` of this tree's `vbo`, ready for its arguments.
pub fn vbo(root: &Path) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root).args([
        "run",
        "--quiet",
        "--package",
        "vbo365",
        "--bin",
        "vbo",
        "--",
    ]);
    command
}
