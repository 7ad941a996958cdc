//! Helpers for the unit tests that stand a run before a hostile file system.

use std::path::Path;
use std::time::Duration;

/// Makes a named pipe at `path`: opening it to read waits for a writer, forever if none comes.
#[cfg(target_os = "linux")]
pub fn pipe_at(path: &Path) {
    let mode = rustix::fs::Mode::from_raw_mode(0o644);
    rustix::fs::mkfifoat(rustix::fs::CWD, path, mode).unwrap();
}

/// `work`'s result, or a failed test naming `what` if it takes more than ten seconds (it is
/// left blocked on its thread).
pub fn within_seconds<T: Send + 'static>(
    what: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(work());
    });
    finished
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("{what}"))
}
