//! The signals that stop `vbo`: Ctrl-C, and SIGTERM and SIGHUP, which `timeout`, systemd and CI
//! cancels send. All three stop the work the same way, so that temporary files are removed
//! and `bulk` reports what already ran, instead of the process dying mid-write.

/// Which signal stopped the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
    Hangup,
}

impl Signal {
    /// 128 + the signal number, as shells report a process killed by it.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Interrupt => 130,
            Self::Terminate => 143,
            Self::Hangup => 129,
        }
    }

    /// What happened, for the error line.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Interrupt => "interrupted (Ctrl-C)",
            Self::Terminate => "terminated (SIGTERM)",
            Self::Hangup => "hung up (SIGHUP)",
        }
    }
}

/// Waits for the first of the three signals. The handlers are installed on the first poll and
/// stay for the life of the process.
#[cfg(unix)]
pub async fn wait() -> Signal {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        // Without the handlers the default action (exit) stays; Ctrl-C still works.
        let _ = tokio::signal::ctrl_c().await;
        return Signal::Interrupt;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => Signal::Interrupt,
        _ = term.recv() => Signal::Terminate,
        _ = hup.recv() => Signal::Hangup,
    }
}

#[cfg(not(unix))]
pub async fn wait() -> Signal {
    let _ = tokio::signal::ctrl_c().await;
    Signal::Interrupt
}
