//! The CLI reference, `docs/cli.md`, is true: its examples run, in order, against the
//! simulator, and they cover every command.

use std::path::Path;

use assert_cmd::Command;
use vbo365::sim::SimConfig;

use super::cli::start;

/// The `vbo` examples of `docs/cli.md`, in order: `vbo` lines of the block that follows the
/// sentence "Every example below is run".
fn documented_examples() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cli.md");
    let reference = std::fs::read_to_string(&path).unwrap();
    let after = reference
        .split("Every example below is run")
        .nth(1)
        .expect("the CLI examples of docs/cli.md");
    let block = after
        .split("```sh\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    block
        .lines()
        .map(|line| line.split("  #").next().unwrap().trim().to_string())
        .filter(|line| line.starts_with("vbo "))
        .collect()
}

/// Splits a shell line into words: blanks separate, double quotes group.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_examples_run_and_cover_every_command() {
    let s = start(SimConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("exports")).unwrap();
    let ids: Vec<String> = s.sim.catalog().mailboxes[0]
        .items
        .iter()
        .take(3)
        .map(|i| i.id.clone())
        .collect();
    std::fs::write(dir.path().join("ids.txt"), ids.join("\n")).unwrap();
    let vars = [
        ("$ORG", s.sim.catalog().organization_id.to_string()),
        ("$SESSION", s.session.clone()),
        ("$MAILBOX_ID", s.mailbox.clone()),
        (
            "$FOLDER",
            s.sim.catalog().mailboxes[0].folders[0].id.clone(),
        ),
        ("$ITEM", s.item.clone()),
        ("$OTHER_MAILBOX", s.other_email.clone()),
    ];
    let examples = documented_examples();
    assert!(examples.len() >= 20, "{examples:?}");
    for example in &examples {
        let mut line = example.clone();
        for (name, value) in &vars {
            line = line.replace(name, value);
        }
        let args = words(&line);
        let output = s
            .vbo()
            .current_dir(dir.path())
            .args(&args[1..])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "docs/cli.md example `{example}` failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert!(
        std::fs::read_dir(dir.path().join("exports"))
            .unwrap()
            .count()
            >= 4,
        "the exports landed"
    );

    let help = Command::cargo_bin("vbo")
        .unwrap()
        .arg("--help")
        .output()
        .unwrap()
        .stdout;
    let help = String::from_utf8(help).unwrap();
    let commands: Vec<&str> = help
        .split("Commands:")
        .nth(1)
        .unwrap()
        .split("\n\n")
        .next()
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| !["help", "sim", "demo"].contains(c))
        .collect();
    assert!(commands.len() >= 9, "{commands:?}");
    for command in commands {
        assert!(
            examples.iter().any(|e| words(e)
                .iter()
                .skip(1)
                .find(|w| !w.starts_with('-') && !w.ends_with(".json"))
                == Some(&command.to_string())),
            "no example in docs/cli.md runs `vbo {command}`"
        );
    }
}
