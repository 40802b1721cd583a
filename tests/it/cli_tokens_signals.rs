//! `vbo` against the embedded simulator: token files stay private and follow refreshes, and
//! SIGTERM during a download leaves nothing behind.

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use vbo365::sim::{RunningSimulator, SimConfig, Simulator};

fn vbo(sim: &RunningSimulator) -> Command {
    let mut cmd = Command::cargo_bin("vbo").unwrap();
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("VBO_")) {
        cmd.env_remove(key);
    }
    cmd.env("VBO_API_VERSION", "v4")
        .env("VBO_SERVER", sim.base_url())
        .env("VBO_CA_CERT", sim.ca_cert_path().unwrap())
        .env("VBO_USER", sim.username())
        .env("VBO_PASSWORD", sim.password().expose())
        .env("NO_COLOR", "1");
    cmd
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn run(cmd: &mut Command) {
    let output = cmd.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn save_token_replaces_an_existing_readable_file_with_a_private_one() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token.json");
    std::fs::write(&file, "old").unwrap();
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    run(vbo(&sim).arg("login").arg("--save-token").arg(&file));
    assert_eq!(mode(&file), 0o600, "only the owner may read the token");
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("access_token")
    );
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "no temporary file is left: {names:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_file_follows_each_refresh() {
    let sim = Simulator::start(SimConfig {
        token_lifetime: Duration::from_secs(3600),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token.json");
    run(vbo(&sim).arg("login").arg("--save-token").arg(&file));
    let mut saved = std::fs::read_to_string(&file).unwrap();
    // Each run starts after the last token expired; the simulator's refresh tokens are
    // single-use, so every run after the first needs the token the run before it saved.
    for _ in 0..3 {
        // The server drops the saved token, as when it expires (no waiting): the run is
        // answered 401, refreshes and retries.
        sim.expire_access_tokens();
        run(vbo(&sim)
            .env_remove("VBO_PASSWORD")
            .env_remove("VBO_USER")
            .arg("--token-file")
            .arg(&file)
            .args(["session", "list"]));
        let now = std::fs::read_to_string(&file).unwrap();
        assert_ne!(now, saved, "the refreshed token was saved");
        assert_eq!(mode(&file), 0o600);
        saved = now;
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_download_leaves_no_file() {
    let sim = Simulator::start(SimConfig {
        pst_size: 4 << 30,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let catalog = sim.catalog();
    let session = catalog
        .sessions
        .iter()
        .find(|s| s.ended.is_none())
        .unwrap()
        .id
        .to_string();
    let mailbox = &catalog.mailboxes[0];
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("big.pst");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("vbo"))
        .env("VBO_API_VERSION", "v4")
        .args(["item", "export-pst", "--session", &session, "--mailbox-id"])
        .arg(mailbox.id.to_string())
        .arg(&mailbox.items[0].id)
        .arg("--to")
        .arg(&target)
        .env("VBO_SERVER", sim.base_url())
        .env("VBO_CA_CERT", sim.ca_cert_path().unwrap())
        .env("VBO_USER", sim.username())
        .env("VBO_PASSWORD", sim.password().expose())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::fs::read_dir(dir.path()).unwrap().count() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the download never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(100));
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(143), "{stderr}");
    assert!(stderr.contains("terminated"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "nothing is left behind: {left:?}");
}
