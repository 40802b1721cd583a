//! `vbo completions SHELL` and `vbo man --out DIR` (what `cargo xtask man` runs) cover the
//! whole command line: the expected subcommands come from walking the real binary's `--help`,
//! so a new subcommand is checked without editing this file. Bash really completes with the
//! script.

use std::collections::BTreeSet;
use std::process::Command;

fn vbo() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vbo"));
    // Nothing from the environment may be needed: no server, no account.
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap());
    command
}

/// What `vbo <path> --help` prints.
fn help(path: &[String]) -> String {
    let output = vbo().args(path).arg("--help").output().unwrap();
    assert!(
        output.status.success(),
        "vbo {} --help: {}",
        path.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The subcommands a help text lists under "Commands:", `help` left out.
fn listed_commands(help: &str) -> Vec<String> {
    let Some(section) = help.split("\nCommands:\n").nth(1) else {
        return Vec::new();
    };
    section
        .lines()
        .take_while(|line| !line.is_empty())
        // A name starts at the indent; a wrapped description is indented further.
        .filter(|line| line.starts_with("  ") && !line[2..].starts_with(' '))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// Every visible subcommand, as its path of names from `vbo` (`["item", "export-pst"]`).
fn subcommand_paths() -> Vec<Vec<String>> {
    fn walk(prefix: &[String], out: &mut Vec<Vec<String>>) {
        for name in listed_commands(&help(prefix)) {
            let mut path = prefix.to_vec();
            path.push(name);
            walk(&path, out);
            out.push(path);
        }
    }
    let mut out = Vec::new();
    walk(&[], &mut out);
    for expected in [
        &["item", "export-pst"][..],
        &["bulk", "send-to"],
        &["vex", "set"],
    ] {
        assert!(
            out.iter().any(|p| p == expected),
            "the walk finds nested subcommands ({expected:?}): {out:?}"
        );
    }
    out
}

/// The shells `vbo completions` takes, as its help lists them.
fn shells() -> Vec<String> {
    let help = help(&["completions".to_owned()]);
    let values = help
        .split("[possible values: ")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .unwrap_or_else(|| panic!("`vbo completions --help` lists no shells:\n{help}"));
    values.split(", ").map(str::to_owned).collect()
}

fn completions(shell: &str) -> String {
    let output = vbo().args(["completions", shell]).output().unwrap();
    assert!(
        output.status.success(),
        "vbo completions {shell}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn completions_of_every_shell_name_every_subcommand() {
    let shells = shells();
    assert_eq!(shells, ["bash", "zsh", "fish", "powershell"]);
    let paths = subcommand_paths();
    for shell in &shells {
        let script = completions(shell);
        assert!(
            script.len() > 1000,
            "{shell}: a script of {} bytes",
            script.len()
        );
        for path in &paths {
            let name = path.last().unwrap();
            assert!(
                script.contains(name.as_str()),
                "the {shell} script does not mention `vbo {}`",
                path.join(" ")
            );
        }
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let output = vbo().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}

#[test]
fn a_man_page_for_vbo_and_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man");
    let output = vbo().args(["man", "--out"]).arg(&out).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut expected: BTreeSet<String> = subcommand_paths()
        .iter()
        .map(|path| format!("vbo-{}", path.join("-")))
        .collect();
    expected.insert("vbo".to_owned());
    let written: BTreeSet<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    let expected_files: BTreeSet<String> = expected.iter().map(|n| format!("{n}.1")).collect();
    assert_eq!(
        written, expected_files,
        "one page per command, nothing else"
    );
    for name in &expected {
        let page = std::fs::read_to_string(out.join(format!("{name}.1"))).unwrap();
        // roff writes hyphens as `\-`.
        let text = page.replace("\\-", "-");
        assert!(
            text.contains(&format!(".TH {name} 1")),
            "{name}.1 has no title line"
        );
        assert!(
            text.contains(&format!(".SH NAME\n{name} - ")),
            "{name}.1 does not name {name}"
        );
    }
}

/// Sources the bash script in a bare bash and completes `vbo item exp` as bash would on Tab.
fn bash_completes(words: &[&str]) -> Vec<String> {
    let script = completions("bash");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vbo.bash");
    std::fs::write(&file, script).unwrap();
    let line = words.join(" ");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        r#"source "$1" || exit 9
spec=$(complete -p vbo) || exit 8
function=$(printf '%s\n' "$spec" | sed -E 's/.*-F ([^ ]+).*/\1/')
COMP_WORDS=({words})
COMP_CWORD={cword}
COMP_LINE='{line}'
COMP_POINT=${{#COMP_LINE}}
"$function" vbo "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}"
"#,
        words = quoted.join(" "),
        cword = words.len() - 1,
    );
    let output = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program, "bash"])
        .arg(&file)
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "bash: {:?}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completes_an_item_action() {
    let reply = bash_completes(&["vbo", "item", "exp"]);
    assert!(
        reply.iter().any(|w| w == "export-pst"),
        "COMPREPLY: {reply:?}"
    );
    assert!(
        !reply.iter().any(|w| w == "restore"),
        "COMPREPLY: {reply:?}"
    );
}

#[test]
fn bash_completes_the_options_of_an_action() {
    let reply = bash_completes(&["vbo", "item", "export-pst", "--spl"]);
    assert_eq!(reply, ["--split-at"]);
}
