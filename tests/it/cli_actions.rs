//! `vbo` end to end, the six actions on one item (with the VEX settings the sends need) and
//! `vbo bulk` on many.

use serde_json::Value;
use vbo365::sim::SimConfig;

use super::cli::{failing, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_six_actions_and_the_vex_settings() {
    let s = start(SimConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let item = s.item_args();
    let with = |cmd: &[&str], extra: &[&str]| -> Vec<String> {
        cmd.iter()
            .map(|a| a.to_string())
            .chain(item.iter().cloned())
            .chain(extra.iter().map(|a| a.to_string()))
            .collect()
    };
    let json = |args: Vec<String>| s.json(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let table = |args: Vec<String>| s.table(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let dir_arg = dir.path().to_str().unwrap();

    let export = json(with(&["item", "export-pst"], &["--to", dir_arg]));
    assert_eq!(
        (export["result"].as_str(), export["file"]["kind"].as_str()),
        (Some("saved"), Some("pst"))
    );
    let path = export["file"]["path"].as_str().unwrap();
    assert_eq!(std::fs::read(path).unwrap()[..4], *b"!BDN");
    assert!(table(with(&["item", "export-pst"], &["--to", dir_arg])).starts_with("saved "));

    let msg_path = dir.path().join("item.msg");
    let msg = json(with(
        &["item", "save-msg"],
        &["--to", msg_path.to_str().unwrap()],
    ));
    assert_eq!(msg["file"]["kind"], "msg");
    assert_eq!(
        std::fs::read(&msg_path).unwrap()[..8],
        [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
    );
    // An existing file is not replaced without --force, and the refusal comes before sending.
    let (code, stderr) = failing(s.vbo().args(with(
        &["item", "save-msg"],
        &["--to", msg_path.to_str().unwrap()],
    )));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("already exists"), "{stderr}");
    assert!(
        table(with(
            &["item", "save-msg"],
            &["--to", msg_path.to_str().unwrap(), "--force"]
        ))
        .contains("msg")
    );

    let restore = json(with(&["item", "restore"], &["--device-code", "C6A9DB737"]));
    assert_eq!(restore["statistics"]["createdItemsCount"], 1);
    let again = s
        .vbo()
        .args(with(&["item", "restore"], &["--exchange-user", "jsmith"]))
        .env("VBO_EXCHANGE_PASSWORD", "paSSw0rd")
        .output()
        .unwrap();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(String::from_utf8_lossy(&again.stdout).contains("skipped 1"));

    let pfx = dir.path().join("app.pfx");
    std::fs::write(&pfx, b"0\x82 a pfx file").unwrap();
    let restore_to = s
        .vbo()
        .args(["-o", "json"])
        .args(with(
            &["item", "restore-to"],
            &[
                "--mailbox",
                &s.other_email,
                "--folder",
                "Recovered",
                "--mark-unread",
            ],
        ))
        .args([
            "--app-id",
            "8c6f3a4e-2b1d-4c5e-9f7a-1b2c3d4e5f60",
            "--app-cert",
            pfx.to_str().unwrap(),
        ])
        .env("VBO_APP_CERT_PASSWORD", "pfx-pw")
        .output()
        .unwrap();
    assert!(
        restore_to.status.success(),
        "{}",
        String::from_utf8_lossy(&restore_to.stderr)
    );
    let restore_to: Value = serde_json::from_slice(&restore_to.stdout).unwrap();
    assert_eq!(restore_to["statistics"]["createdItemsCount"], 1);
    let contents = s.sim.mailbox_contents(&s.other_email).unwrap();
    assert!(
        contents.iter().any(|r| r.folder == "Recovered" && r.unread),
        "{contents:?}"
    );

    // Sends fail clearly until the VEX settings are configured.
    let (code, stderr) = failing(s.vbo().args(with(&["item", "send"], &[])));
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("VEX") || stderr.contains("VEXEmailSettings"),
        "{stderr}"
    );
    let set = s.json(&[
        "vex",
        "set",
        "--enable",
        "true",
        "--smtp-server",
        "smtp.example.com",
        "--port",
        "587",
        "--use-ssl",
        "true",
        "--from",
        "vbo@example.com",
    ]);
    assert_eq!(set["updated"], true);
    assert_eq!(s.json(&["vex", "show"])["server"], "smtp.example.com");
    assert!(s.table(&["vex", "show"]).contains("smtp.example.com"));

    assert_eq!(json(with(&["item", "send"], &[]))["result"], "sent");
    let sent = table(with(
        &["item", "send-to"],
        &[
            "--from",
            "vbo@example.com",
            "--to",
            "auditor@example.com",
            "--subject",
            "For you",
        ],
    ));
    assert_eq!(sent.trim(), "sent");
    let outbox = s.sim.outbox();
    assert_eq!(outbox.len(), 2);
    assert_eq!(
        (outbox[1].to.as_str(), outbox[1].subject.as_str()),
        ("auditor@example.com", "For you")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_runs_report_every_item_and_fail_when_one_fails() {
    let s = start(SimConfig::default()).await;
    let items: Vec<String> = s.sim.catalog().mailboxes[0]
        .items
        .iter()
        .take(4)
        .map(|i| i.id.clone())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let ids_file = dir.path().join("ids.txt");
    std::fs::write(
        &ids_file,
        format!("# items to save\n{}\n\n", items.join("\n")),
    )
    .unwrap();
    let out_dir = dir.path().join("msgs");
    std::fs::create_dir(&out_dir).unwrap();
    let report = s.json(&[
        "bulk",
        "--session",
        &s.session,
        "--mailbox-id",
        &s.mailbox,
        "--ids",
        ids_file.to_str().unwrap(),
        "--concurrency",
        "3",
        "save-msg",
        "--to",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(
        (report["succeeded"].as_u64(), report["failed"].as_u64()),
        (Some(4), Some(0))
    );
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 4);

    // From stdin, with one unknown item, per item: every other item still runs, and the exit
    // code says 4xx.
    let output = s
        .vbo()
        .args([
            "bulk",
            "--session",
            &s.session,
            "--mailbox-id",
            &s.mailbox,
            "--ids",
            "-",
            "--per-item",
            "restore",
            "--device-code",
            "C6A9",
        ])
        .write_stdin(format!("{}\nno-such-item\n{}\n", items[0], items[1]))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = String::from_utf8_lossy(&output.stdout).to_string();
    assert_eq!(table.matches("restored").count(), 2, "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("no-such-item") && l.contains("FAILED")),
        "{table}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("1 of 3 items failed"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_exports_and_restores_go_in_one_request_for_all_items() {
    let s = start(SimConfig::default()).await;
    let items: Vec<String> = s.sim.catalog().mailboxes[0]
        .items
        .iter()
        .take(3)
        .map(|i| i.id.clone())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let ids_file = dir.path().join("ids.txt");
    std::fs::write(&ids_file, items.join("\n")).unwrap();
    let bulk = |action: &[&str]| {
        let mut args = vec![
            "bulk".to_string(),
            "--session".into(),
            s.session.clone(),
            "--mailbox-id".into(),
            s.mailbox.clone(),
            "--ids".into(),
            ids_file.display().to_string(),
        ];
        args.extend(action.iter().map(|a| a.to_string()));
        args
    };
    // One PST of the three items.
    let out_dir = dir.path().join("pst");
    std::fs::create_dir(&out_dir).unwrap();
    let args = bulk(&["export-pst", "--to", out_dir.to_str().unwrap()]);
    let report = s.json(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(report["succeeded"], 3, "{report}");
    let files: Vec<_> = std::fs::read_dir(&out_dir).unwrap().collect();
    assert_eq!(files.len(), 1, "one PST for all items");
    for entry in report["items"].as_array().unwrap() {
        assert_eq!(entry["items_in_request"], 3, "{entry}");
        assert_eq!(entry["file"]["kind"], report["items"][0]["file"]["kind"]);
    }
    assert_eq!(report["items"][0]["file"]["kind"], "pst");

    // One restore of the three; the statistics count them all.
    let args = bulk(&["restore", "--device-code", "C6A9"]);
    let report = s.json(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(report["succeeded"], 3, "{report}");
    assert_eq!(
        report["items"][0]["statistics"]["createdItemsCount"], 3,
        "{report}"
    );
    let email = &s.sim.catalog().mailboxes[0].email;
    assert_eq!(s.sim.mailbox_contents(email).unwrap().len(), 3);

    // An unknown item fails the one request: every item fails and nothing is restored.
    std::fs::write(&ids_file, format!("{}\nno-such-item\n", items[0])).unwrap();
    let args = bulk(&[
        "restore-to",
        "--mailbox",
        &s.other_email,
        "--device-code",
        "C6A9",
    ]);
    let output = s.vbo().args(&args).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = String::from_utf8_lossy(&output.stdout).to_string();
    assert_eq!(table.matches("FAILED").count(), 2, "{table}");
    assert!(
        s.sim
            .mailbox_contents(&s.other_email)
            .unwrap_or_default()
            .is_empty()
    );
}
