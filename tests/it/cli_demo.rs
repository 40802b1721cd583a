//! `vbo demo`, the README's main job, end to end: the files it writes are the files it says,
//! its JSON report holds every step, and its summary names what it did.

use serde_json::Value;

use super::cli::json_of;
use crate::sim_pst::{assert_is, folder};
use crate::support::pst::read_pst;

#[test]
fn the_demo_writes_its_files_and_reports_every_step() {
    let dir = tempfile::tempdir().unwrap();
    let mut demo = assert_cmd::Command::cargo_bin("vbo").unwrap();
    let report: Value = json_of(demo.args(["-o", "json", "demo", "--out"]).arg(dir.path()));

    // Three files: the item as PST and MSG, and the whole mailbox as one PST.
    let files = report["files"].as_array().unwrap();
    let names: Vec<&str> = files
        .iter()
        .map(|f| f["path"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert_eq!(names, ["export.pst", "message.msg", "mailbox.pst"]);
    for file in files {
        let path = file["path"].as_str().unwrap();
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(file["bytes"], bytes.len(), "{path}");
        let magic: &[u8] = if path.ends_with(".msg") {
            &[0xD0, 0xCF, 0x11, 0xE0]
        } else {
            b"!BDN"
        };
        assert!(bytes.starts_with(magic), "{path}");
    }
    // The PSTs open in an independent reader and hold the simulator's data: the item in
    // export.pst, every item of the mailbox in mailbox.pst.
    let catalog = vbo365::sim::Catalog::generate_with(vbo365::sim::SimConfig::default().seed, 0);
    let mailbox = catalog
        .mailboxes
        .iter()
        .find(|m| report["mailbox"] == m.email)
        .unwrap();
    let item = mailbox
        .item(report["item"]["id"].as_str().unwrap())
        .unwrap();
    let export = read_pst(&dir.path().join("export.pst")).unwrap();
    let [message] = folder(&export.ipm_folders, &item.folder_path)
        .messages
        .as_slice()
    else {
        panic!("the item alone in its folder")
    };
    assert_is(message, item);
    let whole = read_pst(&dir.path().join("mailbox.pst")).unwrap();
    let exported: usize = whole.ipm_folders.iter().map(|f| f.messages.len()).sum();
    assert_eq!(exported, mailbox.items.len());
    for f in &mailbox.folders {
        let items = mailbox.items.iter().filter(|i| i.folder_path == f.path);
        for (message, item) in folder(&whole.ipm_folders, &f.path)
            .messages
            .iter()
            .zip(items)
        {
            assert_is(message, item);
        }
    }

    // Auto speaks the newest version the simulator serves.
    assert_eq!(
        report["api_version"],
        vbo365::ApiVersion::ALL.last().unwrap().to_string()
    );
    assert_restores_and_sends(&report);

    // The summary for people says the same, attachments included.
    let dir = tempfile::tempdir().unwrap();
    let output = assert_cmd::Command::cargo_bin("vbo")
        .unwrap()
        .args(["demo", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success());
    let summary = String::from_utf8(output.stdout).unwrap();
    assert!(summary.contains("mailbox.pst"), "{summary}");
    let outbox_lines: Vec<&str> = summary.lines().filter(|l| l.contains("outbox")).collect();
    assert_eq!(outbox_lines.len(), 2, "{summary}");
    assert!(
        outbox_lines.iter().all(|l| l.ends_with(".msg")),
        "{summary}"
    );
}

#[test]
fn the_demo_runs_the_whole_flow_on_every_version() {
    for version in vbo365::ApiVersion::ALL {
        let dir = tempfile::tempdir().unwrap();
        let mut demo = assert_cmd::Command::cargo_bin("vbo").unwrap();
        let report: Value = json_of(
            demo.args(["-o", "json", "demo", "--api-version"])
                .arg(version.to_string())
                .arg("--out")
                .arg(dir.path()),
        );
        assert_eq!(report["api_version"], version.to_string());
        let files = report["files"].as_array().unwrap();
        assert_eq!(files.len(), 3, "{version}");
        for file in files {
            let path = file["path"].as_str().unwrap();
            assert_eq!(
                std::fs::metadata(path).unwrap().len(),
                file["bytes"].as_u64().unwrap(),
                "{version}: {path}"
            );
        }
        assert_restores_and_sends(&report);
    }
}

/// Restores: one item restored (created up to v7; v8 counts it restored), then skipped when
/// repeated, then into the other mailbox; two sends, each with the item attached.
fn assert_restores_and_sends(report: &Value) {
    let restores = report["restores"].as_array().unwrap();
    assert_eq!(restores.len(), 3);
    let first = &restores[0]["statistics"];
    let restored = if first["restoredItemsCount"].is_null() {
        &first["createdItemsCount"]
    } else {
        &first["restoredItemsCount"]
    };
    assert_eq!(restored, 1, "{first}");
    assert_eq!(restores[1]["statistics"]["skippedItemsCount"], 1);
    assert_eq!(
        report["restored_into"]["items"].as_array().unwrap().len(),
        1
    );
    // Two sends, each with the item attached.
    let outbox = report["outbox"].as_array().unwrap();
    assert_eq!(outbox.len(), 2);
    assert!(
        outbox
            .iter()
            .all(|m| m["attachments"].as_array().unwrap().len() == 1)
    );
}
