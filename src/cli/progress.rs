//! Progress bars, only where a person watches: on a terminal, and not with `-q`.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use vbo365::Progress;

/// A byte progress bar for a download, or nothing when stderr is not a terminal.
pub fn download(enabled: bool, label: &str) -> Option<ProgressBar> {
    if !enabled || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar.set_message(label.to_string());
    Some(bar)
}

/// Feeds a download's progress to the bar.
pub fn update(bar: &Option<ProgressBar>, progress: Progress) {
    if let Some(bar) = bar {
        if let Some(total) = progress.total {
            bar.set_length(total);
        }
        bar.set_position(progress.done);
    }
}

/// An item counter for bulk runs, or nothing when stderr is not a terminal.
pub fn items(enabled: bool, total: usize) -> Option<ProgressBar> {
    if !enabled || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} items, ETA {eta}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_message("bulk");
    Some(bar)
}
