//! Every `vbo` command on every API version, as one matrix: the same command lines with
//! `--api-version` against the simulator serving every version.

use serde_json::Value;
use vbo365::ApiVersion;
use vbo365::sim::SimConfig;

use super::cli::{Sim, start};

/// `vbo -o json --api-version <version> args...`.
fn json(s: &Sim, version: ApiVersion, args: &[&str]) -> Value {
    let version = version.to_string();
    s.json(&[&["--api-version", version.as_str()], args].concat())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_works_on_every_version() {
    for version in ApiVersion::ALL {
        let s = start(SimConfig::default()).await;
        let run = |args: &[&str]| json(&s, version, args);
        let dir = tempfile::tempdir().unwrap();
        let dir_arg = dir.path().to_str().unwrap();
        let item = |command: &[&str], extra: &[&str]| -> Value {
            let mut args: Vec<&str> = command.to_vec();
            args.extend(["--session", &s.session, "--mailbox-id", &s.mailbox, &s.item]);
            args.extend(extra);
            run(&args)
        };

        let organizations = run(&["org", "list"]);
        let organization = organizations[0]["id"].as_str().unwrap().to_string();
        assert_eq!(run(&["org", "show", &organization])["id"], organization);
        let created = run(&["session", "create", "--org", &organization]);
        assert_eq!(created["state"], "Working", "{version}: {created}");
        let sessions = run(&["session", "list"]);
        assert!(sessions.as_array().unwrap().len() >= 3, "{version}");
        assert_eq!(run(&["session", "show", &s.session])["state"], "Working");
        let mailboxes = run(&["mailbox", "list", "--session", &s.session]);
        assert_eq!(
            mailboxes.as_array().unwrap().len(),
            s.sim.catalog().mailboxes.len(),
            "{version}"
        );
        let mailbox = ["--session", s.session.as_str(), "--mailbox-id", &s.mailbox];
        assert_eq!(
            run(&[&["mailbox", "show"][..], &mailbox].concat())["id"],
            s.mailbox
        );
        let folders = run(&[&["folder", "list"][..], &mailbox].concat());
        let folder = folders[0]["id"].as_str().unwrap().to_string();
        let items = run(&[&["item", "list"][..], &mailbox, &["--folder", &folder]].concat());
        assert!(
            !items.as_array().unwrap().is_empty(),
            "{version}: in a folder"
        );
        let all = run(&[&["item", "list"][..], &mailbox].concat());
        assert_eq!(
            all.as_array().unwrap().len(),
            s.sim.catalog().mailboxes[0].items.len(),
            "{version}: every page"
        );
        assert_eq!(item(&["item", "show"], &[])["id"], s.item);

        assert_eq!(
            item(&["item", "export-pst"], &["--to", dir_arg])["file"]["kind"],
            "pst"
        );
        let msg = dir.path().join("item.msg");
        assert_eq!(
            item(&["item", "save-msg"], &["--to", msg.to_str().unwrap()])["file"]["kind"],
            "msg"
        );
        let restored = item(&["item", "restore"], &["--device-code", "C6A9DB737"]);
        assert_eq!(restored["result"], "restored", "{version}: {restored}");
        // The version really spoken shows in the counts: v8 does not tell created from merged.
        let count = if version == ApiVersion::V8 {
            "restoredItemsCount"
        } else {
            "createdItemsCount"
        };
        assert_eq!(restored["statistics"][count], 1, "{version}: {restored}");
        let pfx = dir.path().join("app.pfx");
        std::fs::write(&pfx, b"0\x82 a pfx file").unwrap();
        let mut with_certificate = vec![
            "--mailbox",
            s.other_email.as_str(),
            "--app-id",
            "8c6f3a4e-2b1d-4c5e-9f7a-1b2c3d4e5f60",
            "--app-cert",
            pfx.to_str().unwrap(),
        ];
        if version != ApiVersion::V4 {
            // From v6 on an application certificate needs the account it impersonates.
            with_certificate.extend([
                "--impersonate",
                "restore-admin@westsupport.onmicrosoft.com",
                "--office-region",
                "worldwide",
            ]);
        }
        let restore_to = s
            .vbo()
            .args(["-o", "json", "--api-version", &version.to_string()])
            .args([
                "item",
                "restore-to",
                "--session",
                &s.session,
                "--mailbox-id",
            ])
            .args([&s.mailbox, &s.item])
            .args(&with_certificate)
            .env("VBO_APP_CERT_PASSWORD", "pfx-pw")
            .output()
            .unwrap();
        assert!(
            restore_to.status.success(),
            "{version}: {}",
            String::from_utf8_lossy(&restore_to.stderr)
        );
        assert_eq!(s.sim.mailbox_contents(&s.other_email).unwrap().len(), 1);

        let set = run(&[
            "vex",
            "set",
            "--enable",
            "true",
            "--smtp-server",
            "smtp.example.com",
            "--from",
            "vbo@example.com",
        ]);
        assert_eq!(set["updated"], true, "{version}");
        assert_eq!(run(&["vex", "show"])["server"], "smtp.example.com");
        assert_eq!(item(&["item", "send"], &[])["result"], "sent");
        assert_eq!(
            item(&["item", "send-to"], &["--to", "auditor@example.com"])["result"],
            "sent"
        );
        assert_eq!(s.sim.outbox().len(), 2, "{version}");

        let whole = dir.path().join("mailbox.pst");
        let exported = run(&[
            &["mailbox", "export-pst"][..],
            &mailbox,
            &["--to", whole.to_str().unwrap()],
        ]
        .concat());
        assert_eq!(exported["file"]["kind"], "pst", "{version}");
        let folder_pst = dir.path().join("folder.pst");
        let exported = run(&[
            &["folder", "export-pst"][..],
            &mailbox,
            &["--to", folder_pst.to_str().unwrap(), &folder],
        ]
        .concat());
        assert_eq!(exported["file"]["kind"], "pst", "{version}");

        let ids = dir.path().join("ids.txt");
        let two = &s.sim.catalog().mailboxes[0].items[..2];
        std::fs::write(&ids, format!("{}\n{}\n", two[0].id, two[1].id)).unwrap();
        let msgs = dir.path().join("msgs");
        std::fs::create_dir(&msgs).unwrap();
        let bulk = run(&[
            &["bulk"][..],
            &mailbox,
            &[
                "--ids",
                ids.to_str().unwrap(),
                "save-msg",
                "--to",
                msgs.to_str().unwrap(),
            ],
        ]
        .concat());
        assert_eq!(
            (bulk["succeeded"].as_u64(), bulk["failed"].as_u64()),
            (Some(2), Some(0)),
            "{version}: {bulk}"
        );

        let code = run(&["device-code", "--session", &s.session]);
        assert!(code["userCode"].is_string(), "{version}: {code}");
        assert_eq!(run(&["session", "stop", &s.session])["state"], "Stopped");
    }
}
