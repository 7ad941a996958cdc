//! Progress for people: a bar on a terminal, a line every few seconds in a log.

use crate::pipeline::Progress;
use crate::report::{FileReport, Outcome};
use indicatif::{ProgressBar, ProgressState, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const LOG_EVERY: Duration = Duration::from_secs(5);

pub enum ConsoleProgress {
    Bar {
        bar: ProgressBar,
        /// Counted and shown under one lock, so two failures at once cannot show the lower count last.
        failed: Mutex<u64>,
    },
    Lines {
        total: AtomicU64,
        done: AtomicU64,
        failed: AtomicU64,
        last: Mutex<Instant>,
    },
}

impl ConsoleProgress {
    pub fn for_stderr() -> ConsoleProgress {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} files  {rate}  eta {eta}  {msg}",
                )
                .expect("static template")
                .with_key(
                    "rate",
                    |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = w.write_str(&rate_text(state.per_sec()));
                    },
                ),
            );
            ConsoleProgress::Bar {
                bar,
                failed: Mutex::new(0),
            }
        } else {
            ConsoleProgress::Lines {
                total: AtomicU64::new(0),
                done: AtomicU64::new(0),
                failed: AtomicU64::new(0),
                last: Mutex::new(Instant::now()),
            }
        }
    }
}

impl Progress for ConsoleProgress {
    fn start(&self, files: u64) {
        match self {
            ConsoleProgress::Bar { bar, .. } => bar.set_length(files),
            ConsoleProgress::Lines { total, .. } => total.store(files, Ordering::Relaxed),
        }
    }

    fn file_done(&self, file: &FileReport) {
        let is_failed = file.outcome == Outcome::Failed;
        match self {
            ConsoleProgress::Bar { bar, failed } => {
                if is_failed {
                    let mut failed = failed.lock().expect("progress lock");
                    *failed += 1;
                    bar.set_message(format!("{failed} failed"));
                }
                bar.inc(1);
            }
            ConsoleProgress::Lines {
                total,
                done,
                failed,
                last,
            } => {
                let done = done.fetch_add(1, Ordering::Relaxed) + 1;
                let failed = failed.fetch_add(u64::from(is_failed), Ordering::Relaxed)
                    + u64::from(is_failed);
                let mut last = last.lock().expect("progress lock");
                if last.elapsed() >= LOG_EVERY {
                    *last = Instant::now();
                    let total = total.load(Ordering::Relaxed);
                    eprintln_lossy!("progress: {done}/{total} files, {failed} failed");
                }
            }
        }
    }

    fn finish(&self) {
        if let ConsoleProgress::Bar { bar, .. } = self {
            bar.finish_and_clear();
        }
    }
}

/// Whole files per second: indicatif's own `{per_sec}` shows four decimals (`1,095.0061/s`).
fn rate_text(per_sec: f64) -> String {
    if per_sec.is_finite() {
        format!("{per_sec:.0}/s")
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_whole_files_per_second() {
        assert_eq!(rate_text(1095.0061), "1095/s");
        assert_eq!(rate_text(0.4), "0/s");
        assert_eq!(rate_text(f64::INFINITY), "");
    }

    #[test]
    fn the_bar_counts_failed_files() {
        let progress = ConsoleProgress::Bar {
            bar: ProgressBar::hidden(),
            failed: Mutex::new(0),
        };
        progress.start(3);
        let file = |outcome| FileReport::new("A_daily.json", outcome, None);
        progress.file_done(&file(Outcome::Failed));
        progress.file_done(&file(Outcome::Ok));
        progress.file_done(&file(Outcome::Failed));
        let ConsoleProgress::Bar { bar, .. } = &progress else {
            unreachable!("built as a bar")
        };
        assert_eq!(bar.position(), 3);
        assert_eq!(bar.message(), "2 failed");
    }
}
