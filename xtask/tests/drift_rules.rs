//! Each drift rule has a fixture pair, `fixtures/drift/<rule>/{base,current}.yaml`, and the
//! expected classification in `expected.json`: the exact set of changes (rule, breaking or
//! not, JSON pointer) and the exit code. The command is run as CI runs it. A fixture whose
//! `expected.json` says `"upstream": true` is judged as ours (`base.yaml`) against a server's
//! document (`current.yaml`), where the direction of a change decides.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;
use support::xtask;

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/drift")
}

/// The changes of a report or an expectation, as comparable tuples.
fn changes(value: &Value) -> BTreeSet<(String, bool, String)> {
    value["changes"]
        .as_array()
        .expect("a list of changes")
        .iter()
        .map(|c| {
            (
                c["rule"].as_str().unwrap_or_default().to_string(),
                c["breaking"].as_bool().unwrap_or_default(),
                c["pointer"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn every_fixture_is_classified_as_expected() {
    let mut dirs: Vec<_> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 30, "only {} fixtures", dirs.len());
    let rules = listed_rules();
    let mut failures = Vec::new();
    for dir in &dirs {
        // `<rule>` or `<rule>--<variant>`; the unit tests of `drift::rule` parse it into a Rule.
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let rule = name
            .split_once("--")
            .map_or(name.as_str(), |(rule, _)| rule);
        assert!(
            rules.iter().any(|r| r == rule),
            "fixture {name}: {rule} is not a rule of `drift --list-rules`"
        );
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        // `"upstream": true`: base.yaml is ours, current.yaml the server's document.
        let (base, current) = (dir.join("base.yaml"), dir.join("current.yaml"));
        let (base, current) = (base.to_str().unwrap(), current.to_str().unwrap());
        let output = if expected["upstream"] == true {
            xtask(&[
                "drift",
                "--format",
                "json",
                "--spec",
                base,
                "--upstream",
                current,
            ])
        } else {
            xtask(&[
                "drift", "--format", "json", "--base", base, "--spec", current,
            ])
        };
        let report: Value = match serde_json::from_slice(&output.stdout) {
            Ok(report) => report,
            Err(e) => {
                failures.push(format!(
                    "{name}: no JSON report ({e}): {}",
                    String::from_utf8_lossy(&output.stderr)
                ));
                continue;
            }
        };
        let code = output.status.code();
        let want_code = expected["exit"].as_i64().map(|c| c as i32);
        if changes(&report) != changes(&expected) || code != want_code {
            failures.push(format!(
                "{name}: exit {code:?} (want {want_code:?})\n  got  {:?}\n  want {:?}",
                changes(&report),
                changes(&expected)
            ));
        }
        assert_eq!(report["exit"].as_i64().map(|c| c as i32), code, "{name}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The ids that `drift --list-rules` prints, one a line.
fn listed_rules() -> Vec<String> {
    let output = xtask(&["drift", "--list-rules"]);
    assert!(output.status.success());
    let listed = String::from_utf8(output.stdout).unwrap();
    // A rule per line; its upstream meaning follows on an indented line.
    let rules: Vec<String> = listed
        .lines()
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .map(String::from)
        .collect();
    assert!(rules.len() >= 20, "{listed}");
    rules
}

#[test]
fn every_rule_has_a_fixture_named_after_it() {
    for rule in listed_rules() {
        let rule = rule.as_str();
        assert!(
            fixtures().join(rule).join("expected.json").is_file(),
            "rule {rule} has no fixture"
        );
        let expected =
            std::fs::read_to_string(fixtures().join(rule).join("expected.json")).unwrap();
        assert!(
            expected.contains(&format!("\"rule\": \"{rule}\"")),
            "the fixture of {rule} does not expect it"
        );
    }
}

#[test]
fn the_readable_report_names_the_change_and_the_fix() {
    let dir = fixtures().join("response-enum-value-added");
    let output = xtask(&[
        "drift",
        "--base",
        dir.join("base.yaml").to_str().unwrap(),
        "--spec",
        dir.join("current.yaml").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("BREAKING   response-enum-value-added  createThing: response 201 application/json: state"),
        "{text}"
    );
    assert!(text.contains("enum value \"archived\" was added"), "{text}");
    assert!(text.contains("in createThing, getThing"), "{text}");
    assert!(
        text.contains("Breaking changes need a new major info.version"),
        "{text}"
    );
}

#[test]
fn a_document_that_cannot_be_read_exits_2() {
    let dir = fixtures().join("type-changed");
    let output = xtask(&[
        "drift",
        "--base",
        dir.join("no-such-file.yaml").to_str().unwrap(),
        "--spec",
        dir.join("current.yaml").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let output = xtask(&[
        "drift",
        "--base",
        dir.join("expected.json").to_str().unwrap(),
        "--spec",
        dir.join("current.yaml").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("not an OpenAPI document"),
        "{output:?}"
    );
}
