//! The harness of the `vbo` end-to-end tests (the `cli_*` modules): the real binary against
//! the embedded simulator over HTTPS, with the simulator's address, CA and account in its
//! environment.

use assert_cmd::Command;
use serde_json::Value;
use vbo365::sim::{RunningSimulator, SimConfig, Simulator};

pub struct Sim {
    pub sim: RunningSimulator,
    pub session: String,
    pub mailbox: String,
    pub other_email: String,
    pub item: String,
}

pub async fn start(config: SimConfig) -> Sim {
    let sim = Simulator::start(config)
        .await
        .expect("the simulator starts");
    let catalog = sim.catalog();
    let session = catalog
        .sessions
        .iter()
        .find(|s| s.ended.is_none())
        .expect("a working session")
        .id
        .to_string();
    let first = &catalog.mailboxes[0];
    let other = catalog
        .mailboxes
        .iter()
        .find(|m| !m.is_archive && m.id != first.id)
        .expect("a second mailbox");
    let item = first.items[0].id.clone();
    Sim {
        session,
        mailbox: first.id.to_string(),
        other_email: other.email.clone(),
        item,
        sim,
    }
}

impl Sim {
    /// `vbo` with the simulator's address, CA and account in its environment.
    pub fn vbo(&self) -> Command {
        let mut cmd = Command::cargo_bin("vbo").unwrap();
        for (key, _) in std::env::vars() {
            if key.starts_with("VBO_") {
                cmd.env_remove(key);
            }
        }
        // The fault servers and the simulator tests here speak v4; the matrix covers the rest.
        cmd.envs(self.env())
            .env("NO_COLOR", "1")
            .env("VBO_API_VERSION", "v4");
        cmd
    }

    /// The simulator's address, CA and account, as `vbo` reads them from the environment.
    pub fn env(&self) -> [(&'static str, String); 4] {
        [
            ("VBO_SERVER", self.sim.base_url().to_string()),
            (
                "VBO_CA_CERT",
                self.sim.ca_cert_path().unwrap().display().to_string(),
            ),
            ("VBO_USER", self.sim.username().to_string()),
            ("VBO_PASSWORD", self.sim.password().expose().to_string()),
        ]
    }

    pub fn item_args(&self) -> Vec<String> {
        vec![
            "--session".into(),
            self.session.clone(),
            "--mailbox-id".into(),
            self.mailbox.clone(),
            self.item.clone(),
        ]
    }

    pub fn json(&self, args: &[&str]) -> Value {
        json_of(self.vbo().args(["-o", "json"]).args(args))
    }

    pub fn table(&self, args: &[&str]) -> String {
        let output = self.vbo().args(args).output().unwrap();
        assert!(
            output.status.success(),
            "vbo {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }
}

/// Runs a `vbo -o json ...` command, checks that it succeeded and returns what it printed.
pub fn json_of(cmd: &mut Command) -> Value {
    let output = cmd.output().unwrap();
    assert!(
        output.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{cmd:?} printed no JSON ({e})"))
}

/// Runs `vbo` and returns (exit code, stderr).
pub fn failing(cmd: &mut Command) -> (i32, String) {
    let output = cmd.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}
