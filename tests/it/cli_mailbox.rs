//! `vbo mailbox show`, `export-pst`, `restore` and `restore-to` end to end: one mailbox shown,
//! a whole mailbox exported to one PST and restored in one request each, and bad input
//! refused before anything is sent.

use vbo365::sim::SimConfig;

use super::cli::{failing, json_of, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mailbox_is_shown_exported_and_restored_whole() {
    let s = start(SimConfig::default()).await;
    let source = &s.sim.catalog().mailboxes[0];
    let mailbox = ["--session", &s.session, "--mailbox-id", &s.mailbox];

    let shown = s.json(&[&["mailbox", "show"][..], &mailbox].concat());
    assert_eq!(shown["email"], source.email);
    assert_eq!(shown["id"], s.mailbox);
    let table = s.table(&[&["mailbox", "show"][..], &mailbox].concat());
    assert!(
        table.starts_with("ID") && table.contains(&source.email),
        "{table}"
    );

    // The export goes into a directory as `<mailbox id>.pst`.
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().to_str().unwrap();
    let saved = s.json(&[&["mailbox", "export-pst"][..], &mailbox, &["--to", to]].concat());
    assert_eq!(saved["mailbox"], s.mailbox);
    assert_eq!(saved["action"], "exportToPst");
    assert_eq!(saved["result"], "saved");
    let path = dir.path().join(format!("{}.pst", s.mailbox));
    assert_eq!(saved["file"]["path"], path.to_str().unwrap());
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"!BDN"));
    assert_eq!(saved["file"]["bytes"], bytes.len());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file is left"
    );

    // Restore to the original location: every item, in its own folder.
    let restored = s.json(
        &[
            &["mailbox", "restore"][..],
            &mailbox,
            &["--device-code", "C6A9DB737"],
        ]
        .concat(),
    );
    assert_eq!(restored["result"], "restored", "{restored}");
    assert_eq!(
        restored["statistics"]["createdItemsCount"],
        source.items.len()
    );
    assert_eq!(
        s.sim.mailbox_contents(&source.email).unwrap().len(),
        source.items.len()
    );

    // Into another mailbox, under a folder, without the drafts.
    let restored = json_of(
        s.vbo()
            .env("VBO_EXCHANGE_PASSWORD", "paSSw0rd")
            .args(["-o", "json", "mailbox", "restore-to"])
            .args(mailbox)
            .args(["--mailbox", &s.other_email, "--exchange-user", "admin"])
            .args(["--folder", "From John", "--exclude-drafts"]),
    );
    let drafts = source
        .items
        .iter()
        .filter(|i| i.folder_path == "Drafts")
        .count();
    let statistics = &restored["statistics"];
    assert_eq!(statistics["createdItemsCount"], source.items.len() - drafts);
    assert_eq!(statistics["skippedItemsCount"], drafts);
    let copies = s.sim.mailbox_contents(&s.other_email).unwrap();
    assert!(
        copies.iter().all(|c| c.folder.starts_with("From John/")),
        "{copies:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_to_a_mailbox_action_is_refused_before_anything_is_sent() {
    let s = start(SimConfig::default()).await;
    let mailbox = ["--session", &s.session, "--mailbox-id", &s.mailbox];
    // Nothing listens here: a command that connected would fail with another code.
    let unreachable = || {
        let mut cmd = s.vbo();
        cmd.env("VBO_SERVER", "https://127.0.0.1:9");
        cmd
    };

    let (code, stderr) = failing(
        unreachable()
            .args(["mailbox", "restore-to"])
            .args(mailbox)
            .args(["--mailbox", "not an address", "--device-code", "C6A9DB737"]),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("restoreTo.mailbox"), "{stderr}");

    let (code, stderr) = failing(
        unreachable()
            .args(["mailbox", "export-pst"])
            .args(mailbox)
            .args(["--to", "/tmp/x.pst", "--split-at", "1MiB"]),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("exportToPst.pstSizeLimitBytes"), "{stderr}");

    // An existing file is not replaced without --force, and nothing is sent to find out.
    let file = tempfile::NamedTempFile::new().unwrap();
    let (code, stderr) = failing(
        unreachable()
            .args(["mailbox", "export-pst"])
            .args(mailbox)
            .args(["--to", file.path().to_str().unwrap()]),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");

    // A mailbox is exported or restored, not saved as MSG or sent.
    for action in ["save-msg", "send", "send-to"] {
        let (code, stderr) = failing(unreachable().args(["mailbox", action]).args(mailbox));
        assert_eq!(code, 2, "{action}: {stderr}");
        assert!(
            stderr.contains("unrecognized subcommand"),
            "{action}: {stderr}"
        );
    }
    assert!(
        s.sim
            .mailbox_contents(&s.other_email)
            .unwrap_or_default()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_and_an_organization_are_shown_and_a_folder_exported_and_restored() {
    let s = start(SimConfig::default()).await;
    let catalog = s.sim.catalog();
    let source = &catalog.mailboxes[0];
    let inbox = &source.folders[0];
    let folder = [
        "--session",
        &s.session,
        "--mailbox-id",
        &s.mailbox,
        inbox.id.as_str(),
    ];

    let org = s.json(&["org", "show", &catalog.organization_id.to_string()]);
    assert_eq!(org["name"], catalog.organization_name);
    assert!(org["firstBackuptime"].is_string() && org["lastBackuptime"].is_string());
    let table = s.table(&["org", "show", &catalog.organization_id.to_string()]);
    assert!(table.contains("FIRST BACKUP"), "{table}");

    let shown = s.json(&[&["folder", "show"][..], &folder].concat());
    assert_eq!(shown["name"], "Inbox");

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("inbox.pst");
    let saved = s.json(
        &[
            &["folder", "export-pst"][..],
            &folder,
            &["--to", out.to_str().unwrap()],
        ]
        .concat(),
    );
    assert_eq!(saved["folder"], inbox.id);
    assert!(std::fs::read(&out).unwrap().starts_with(b"!BDN"));

    let restored = s.json(
        &[
            &["folder", "restore"][..],
            &folder,
            &["--device-code", "C6A9DB737"],
        ]
        .concat(),
    );
    let in_inbox = source
        .items
        .iter()
        .filter(|i| i.folder_path.starts_with("Inbox"))
        .count();
    assert_eq!(
        restored["statistics"]["createdItemsCount"], in_inbox,
        "{restored}"
    );

    // A folder id that cannot be one path segment is refused before anything is sent.
    let (code, stderr) = failing(
        s.vbo()
            .env("VBO_SERVER", "https://127.0.0.1:9")
            .args(["folder", "export-pst", "--session", &s.session])
            .args(["--mailbox-id", &s.mailbox, "..", "--to", "x.pst"]),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("invalid `<FOLDER>` (folderId)"), "{stderr}");
}
