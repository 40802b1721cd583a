//! End to end: `cargo xtask drift` with its default base, on spec changes made in a temporary
//! git repository — uncommitted on main, committed on main (as CI sees a fresh clone), on a
//! branch, with a major version bump, and in a shallow clone.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::xtask_in;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/drift")
            .join(name),
    )
    .unwrap()
}

struct Repo {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Repo {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir_all(root.join("openapi")).unwrap();
        let repo = Repo { _dir: dir, root };
        repo.git(&["init", "--quiet", "--initial-branch=main"]);
        repo.git(&["config", "user.email", "drift@example.com"]);
        repo.git(&["config", "user.name", "Drift Test"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    fn git(&self, args: &[&str]) -> String {
        let output = Command::new("git")
            .arg("-C")
            .arg(&self.root)
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "git {args:?}: {output:?}");
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    fn write_spec(&self, text: &str) {
        std::fs::write(self.root.join("openapi/spec.yaml"), text).unwrap();
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "--quiet", "-m", message]);
    }

    /// `cargo xtask drift --spec openapi/spec.yaml`, from the repository's root.
    fn drift(&self) -> Output {
        drift_in(&self.root)
    }
}

fn drift_in(root: &Path) -> Output {
    xtask_in(
        root,
        &[
            "drift",
            "--spec",
            root.join("openapi/spec.yaml").to_str().unwrap(),
        ],
    )
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).to_string()
}

const BASE: &str = "response-enum-value-added/base.yaml";
const BREAKING: &str = "response-enum-value-added/current.yaml";
const COMPATIBLE: &str = "property-added/current.yaml";

#[test]
fn on_main_uncommitted_then_committed_breaking_edits_fail() {
    let repo = Repo::new();
    repo.write_spec(&fixture(BASE));
    repo.commit("spec");

    // The spec's first version: nothing earlier to compare with.
    let first = repo.drift();
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    assert!(stdout(&first).contains("nothing to compare"), "{first:?}");

    // Uncommitted on main: compared with HEAD.
    repo.write_spec(&fixture(BREAKING));
    let uncommitted = repo.drift();
    assert_eq!(uncommitted.status.code(), Some(1), "{uncommitted:?}");
    let text = stdout(&uncommitted);
    assert!(text.contains("at HEAD"), "{text}");
    assert!(text.contains("response-enum-value-added"), "{text}");
    assert!(text.contains("enum value \"archived\" was added"), "{text}");

    // Committed on main, as CI sees a fresh clone: compared with the spec before that commit,
    // even after later commits that do not touch it.
    repo.commit("breaking spec change");
    std::fs::write(repo.root.join("README.md"), "unrelated\n").unwrap();
    repo.commit("unrelated change");
    let committed = repo.drift();
    assert_eq!(committed.status.code(), Some(1), "{committed:?}");
    let text = stdout(&committed);
    assert!(text.contains("before its last change"), "{text}");
    assert!(text.contains("enum value \"archived\" was added"), "{text}");

    // A fresh clone runs it the same way.
    let clone = repo._dir.path().join("clone");
    let status = Command::new("git")
        .args(["clone", "--quiet"])
        .arg(&repo.root)
        .arg(&clone)
        .status()
        .unwrap();
    assert!(status.success());
    let cloned = drift_in(&clone);
    assert_eq!(cloned.status.code(), Some(1), "{cloned:?}");
}

#[test]
fn a_major_version_bump_allows_a_breaking_change() {
    let repo = Repo::new();
    repo.write_spec(&fixture(BASE));
    repo.commit("spec");
    repo.write_spec(&fixture(BREAKING).replace("version: 1.0.0", "version: 2.0.0"));
    let bumped = repo.drift();
    assert_eq!(bumped.status.code(), Some(0), "{bumped:?}");
    let text = stdout(&bumped);
    assert!(text.contains("response-enum-value-added"), "{text}");
    assert!(text.contains("The major version changed"), "{text}");
    // A minor bump does not.
    repo.write_spec(&fixture(BREAKING).replace("version: 1.0.0", "version: 1.1.0"));
    assert_eq!(repo.drift().status.code(), Some(1));
}

#[test]
fn on_a_branch_the_base_is_the_merge_base_with_main() {
    let repo = Repo::new();
    repo.write_spec(&fixture(BASE));
    repo.commit("spec");
    repo.git(&["checkout", "--quiet", "-b", "feature"]);

    repo.write_spec(&fixture(COMPATIBLE));
    repo.commit("compatible change");
    let compatible = repo.drift();
    assert_eq!(compatible.status.code(), Some(0), "{compatible:?}");
    let text = stdout(&compatible);
    assert!(text.contains("merge-base with main"), "{text}");
    assert!(text.contains("property-added"), "{text}");

    // main moves on; the branch is still compared with where it left main.
    repo.git(&["checkout", "--quiet", "main"]);
    std::fs::write(repo.root.join("NOTES"), "main moved\n").unwrap();
    repo.commit("main moves");
    repo.git(&["checkout", "--quiet", "feature"]);
    repo.write_spec(&fixture(BREAKING));
    repo.commit("breaking change");
    let breaking = repo.drift();
    assert_eq!(breaking.status.code(), Some(1), "{breaking:?}");
    let text = stdout(&breaking);
    assert!(text.contains("merge-base with main"), "{text}");
    assert!(text.contains("response-enum-value-added"), "{text}");
}

#[test]
fn an_explicit_git_revision_is_a_base() {
    let repo = Repo::new();
    repo.write_spec(&fixture(BASE));
    repo.commit("spec");
    let first = repo.git(&["rev-parse", "HEAD"]);
    repo.write_spec(&fixture(BREAKING));
    repo.commit("breaking");
    let output = xtask_in(
        &repo.root,
        &[
            "drift",
            "--base",
            &first,
            "--spec",
            repo.root.join("openapi/spec.yaml").to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let missing = xtask_in(
        &repo.root,
        &[
            "drift",
            "--base",
            "no-such-branch",
            "--spec",
            repo.root.join("openapi/spec.yaml").to_str().unwrap(),
        ],
    );
    assert_eq!(missing.status.code(), Some(2), "{missing:?}");
}

#[test]
fn a_shallow_clone_cannot_run_and_says_why() {
    let repo = Repo::new();
    repo.write_spec(&fixture(BASE));
    repo.commit("spec");
    repo.write_spec(&fixture(BREAKING));
    repo.commit("breaking");
    let clone = repo._dir.path().join("shallow");
    let status = Command::new("git")
        .args(["clone", "--quiet", "--depth", "1"])
        .arg(format!("file://{}", repo.root.display()))
        .arg(&clone)
        .status()
        .unwrap();
    assert!(status.success());
    let output = drift_in(&clone);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("shallow clone"),
        "{output:?}"
    );
}
