//! Progress for people: a bar on a terminal, a line every few seconds in a log.

use crate::pipeline::Progress;
use crate::report::{FileReport, Outcome};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const LOG_EVERY: Duration = Duration::from_secs(5);

pub enum ConsoleProgress {
    Bar(ProgressBar),
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
                    "{bar:40} {pos}/{len} files  {per_sec}  eta {eta}  {msg}",
                )
                .expect("static template"),
            );
            ConsoleProgress::Bar(bar)
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
            ConsoleProgress::Bar(bar) => bar.set_length(files),
            ConsoleProgress::Lines { total, .. } => total.store(files, Ordering::Relaxed),
        }
    }

    fn file_done(&self, file: &FileReport) {
        let is_failed = file.outcome == Outcome::Failed;
        match self {
            ConsoleProgress::Bar(bar) => {
                bar.inc(1);
                if is_failed {
                    bar.set_message("(some failed)");
                }
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
                    eprintln!("progress: {done}/{total} files, {failed} failed");
                }
            }
        }
    }

    fn finish(&self) {
        if let ConsoleProgress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
