//! `vbo` end to end, a download as the user sees it: the progress bar on a terminal (and not
//! in a pipe), and Ctrl-C, which leaves no file behind.

use std::path::Path;

use vbo365::sim::SimConfig;

use super::cli::{Sim, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_progress_bar_shows_on_a_terminal_and_not_in_a_pipe() {
    let s = start(SimConfig {
        pst_size: 64 << 20,
        ..SimConfig::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["item".to_string(), "export-pst".into()];
    args.extend(s.item_args());
    args.extend([
        "--to".into(),
        dir.path().join("piped.pst").to_string_lossy().to_string(),
    ]);

    let piped = s.vbo().args(&args).output().unwrap();
    assert!(piped.status.success());
    let stderr = String::from_utf8_lossy(&piped.stderr);
    assert!(!stderr.contains("ETA"), "no bar in a pipe: {stderr}");

    let tty_target = dir.path().join("tty.pst");
    let mut tty_args = args.clone();
    *tty_args.last_mut().unwrap() = tty_target.to_string_lossy().to_string();
    let screen = run_in_pty(&s, &tty_args);
    assert!(
        screen.contains("ETA") && screen.contains("MiB"),
        "a bar with bytes, rate and ETA: {screen}"
    );
    assert!(screen.contains("saved"), "{screen}");
    assert_eq!(std::fs::metadata(&tty_target).unwrap().len(), 64 << 20);

    let quiet = run_in_pty(
        &s,
        &[
            vec!["-q".to_string()],
            args_with_target(&args, &dir.path().join("quiet.pst")),
        ]
        .concat(),
    );
    assert!(!quiet.contains("ETA"), "-q turns the bar off: {quiet}");
}

fn args_with_target(args: &[String], target: &Path) -> Vec<String> {
    let mut args = args.to_vec();
    *args.last_mut().unwrap() = target.to_string_lossy().to_string();
    args
}

/// Runs `vbo` under a pseudo-terminal and returns everything it drew.
fn run_in_pty(s: &Sim, args: &[String]) -> String {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 160,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut command = CommandBuilder::new(assert_cmd::cargo::cargo_bin("vbo"));
    command.env("VBO_API_VERSION", "v4");
    command.args(args);
    for (key, value) in s.env() {
        command.env(key, value);
    }
    command.env("TERM", "xterm");
    let mut child = pty.slave.spawn_command(command).unwrap();
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().unwrap();
    let collector = std::thread::spawn(move || {
        let mut screen = Vec::new();
        let _ = std::io::Read::read_to_end(&mut reader, &mut screen);
        String::from_utf8_lossy(&screen).to_string()
    });
    let status = child.wait().unwrap();
    drop(pty.master);
    let screen = collector.join().unwrap();
    assert!(status.success(), "vbo under a terminal failed: {screen}");
    screen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_a_download_leaves_no_file() {
    let s = start(SimConfig {
        pst_size: 4 << 30,
        ..SimConfig::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("big.pst");
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("vbo"));
    command.env("VBO_API_VERSION", "v4");
    command
        .args(["item", "export-pst"])
        .args(s.item_args())
        .arg("--to")
        .arg(&target)
        .envs(s.env())
        .stderr(std::process::Stdio::piped());
    let child = command.spawn().unwrap();
    // Wait until the body is flowing into the temporary file.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::fs::read_dir(dir.path()).unwrap().count() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the download never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        left.is_empty(),
        "nothing is left behind, not even the temporary file: {left:?}"
    );
}
