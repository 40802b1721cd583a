//! `vbo --help`, pinned: the top level, `item`, `item restore-to` and `bulk`.

use assert_cmd::Command;

#[test]
fn help_is_pinned() {
    for args in [
        vec!["--help"],
        vec!["item", "--help"],
        vec!["item", "restore-to", "--help"],
        vec!["bulk", "--help"],
    ] {
        let mut command = Command::cargo_bin("vbo").unwrap();
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("VBO_")) {
            command.env_remove(key);
        }
        let output = command
            .args(&args)
            .env("COLUMNS", "100")
            .env("VBO_SERVER", "https://not-shown:4443")
            .output()
            .unwrap();
        assert!(output.status.success());
        let help = String::from_utf8(output.stdout).unwrap();
        assert!(
            !help.contains("not-shown"),
            "help never prints the environment's values"
        );
        insta::assert_snapshot!(format!("help_{}", args.join("_").replace("--", "")), help);
    }
}
