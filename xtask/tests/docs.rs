//! `cargo xtask docs`: a spec change shows up in the pages without anyone editing them, and
//! `--check` names the stale files. (That the committed pages are current is a step of `cargo
//! xtask test`, `docs --check`.)

mod support;

use std::path::Path;

use support::xtask;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn spec() -> String {
    std::fs::read_to_string(root().join("openapi/vbo-v4.yaml")).unwrap()
}

fn docs(args: &[&str]) -> std::process::Output {
    let mut all = vec!["docs"];
    all.extend_from_slice(args);
    xtask(&all)
}

#[test]
fn a_spec_change_shows_up_in_the_pages() {
    let dir = tempfile::tempdir().unwrap();
    // The same file name as the committed spec: pages name the spec by its file name.
    let (spec_path, out) = (dir.path().join("vbo-v4.yaml"), dir.path().join("api"));
    // A new property with its description, a new enum value, a renamed summary.
    let changed = spec()
        .replacen(
            "        text:\n          type: string\n          description: Body of the message.\n",
            "        text:\n          type: string\n          description: Body of the message.\n        importance:\n          type: string\n          enum: [low, normal, high]\n          description: Importance flag of the message.\n",
            1,
        )
        .replacen(
            "x-extensible-enum: [Starting, Working, Stopping, Stopped]",
            "x-extensible-enum: [Starting, Working, Stopping, Stopped, Paused]",
            1,
        )
        .replacen(
            "summary: Get a restore session\n",
            "summary: Read one restore session\n",
            1,
        );
    assert_eq!(changed.matches("importance").count(), 1);
    assert!(changed.contains("Paused") && changed.contains("Read one restore session"));
    std::fs::write(&spec_path, &changed).unwrap();
    let spec_arg = spec_path.to_str().unwrap();
    let out_arg = out.to_str().unwrap();

    let written = docs(&["--no-html", "--spec", spec_arg, "--out", out_arg]);
    assert!(written.status.success(), "{written:?}");
    let action = std::fs::read_to_string(out.join("performMailboxItemAction.md")).unwrap();
    assert!(
        action.contains("| `sendtoDifferentaddress.importance` | string | no | Importance flag of the message. Values: `low`, `normal`, `high`. |"),
        "{action}"
    );
    let session = std::fs::read_to_string(out.join("getRestoreSession.md")).unwrap();
    assert!(session.contains("# Read one restore session"), "{session}");
    assert!(
        session.contains("`Starting`, `Working`, `Stopping`, `Stopped`, `Paused`"),
        "{session}"
    );
    let index = std::fs::read_to_string(out.join("README.md")).unwrap();
    assert!(index.contains("| Read one restore session |"), "{index}");

    // The pages just written are up to date with that spec...
    assert!(
        docs(&["--check", "--spec", spec_arg, "--out", out_arg])
            .status
            .success()
    );
    // ...and stale against the committed spec, file by file.
    let stale = docs(&["--check", "--out", out_arg]);
    assert_eq!(stale.status.code(), Some(1), "{stale:?}");
    let report = String::from_utf8_lossy(&stale.stdout);
    let mut changed: Vec<&str> = report
        .lines()
        .filter_map(|l| l.strip_suffix(": changed"))
        .filter_map(|l| l.rsplit('/').next())
        .collect();
    changed.sort();
    // Exactly the pages that show the changed parts: the session schema is in five of them.
    assert_eq!(
        changed,
        [
            "README.md",
            "exploreOrganization.md",
            "exploreTenantOrganization.md",
            "getRestoreSession.md",
            "listRestoreSessions.md",
            "performMailboxItemAction.md",
        ],
        "{report}"
    );
}

#[test]
fn a_removed_operation_leaves_no_page_behind() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("api");
    let out_arg = out.to_str().unwrap();
    assert!(docs(&["--no-html", "--out", out_arg]).status.success());
    std::fs::write(out.join("oldOperation.md"), "# gone\n").unwrap();
    std::fs::write(out.join("notes.txt"), "not a page\n").unwrap();
    let stale = docs(&["--check", "--out", out_arg]);
    assert_eq!(stale.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&stale.stdout).contains("oldOperation.md: no longer generated")
    );
    assert!(docs(&["--no-html", "--out", out_arg]).status.success());
    assert!(!out.join("oldOperation.md").exists());
    assert!(
        out.join("notes.txt").exists(),
        "only generated pages are managed"
    );
}
