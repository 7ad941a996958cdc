//! Files another program holds open. On Windows a file cannot be renamed away, replaced or
//! removed while a program holds it without delete sharing (a spreadsheet with a CSV open does;
//! virus scanners and indexers do for a moment after a file is written), nor a folder renamed
//! while it holds such a file. Those refusals are waited out for a while, as npm's graceful-fs
//! and uv do, and then explained. No other system refuses these, so elsewhere nothing waits.

use std::io;
use std::path::Path;
use std::time::Duration;

/// How long a refused rename is retried: long enough for a scanner's look, short enough that a
/// file left open in a spreadsheet fails the run within seconds rather than hanging it.
const PATIENCE: Duration = Duration::from_secs(2);
const FIRST_WAIT: Duration = Duration::from_millis(10);
const LONGEST_WAIT: Duration = Duration::from_millis(250);

/// Renames `from` to `to`, waiting out another program's hold on a file. `held` is what the user
/// knows by name (the published folder, or the series file) should the hold outlast the wait.
pub fn rename(from: &Path, to: &Path, held: &Path) -> io::Result<()> {
    patiently(
        || std::fs::rename(from, to),
        refused_while_held,
        std::thread::sleep,
        held,
    )
    .map_err(|e| explain(e, held))
}

/// Calls `op` until it succeeds, fails otherwise than by a hold, or `PATIENCE` has been spent
/// waiting, each wait twice the last.
fn patiently<T>(
    mut op: impl FnMut() -> io::Result<T>,
    is_held: impl Fn(&io::Error) -> bool,
    mut sleep: impl FnMut(Duration),
    held: &Path,
) -> io::Result<T> {
    let (mut waited, mut wait) = (Duration::ZERO, FIRST_WAIT);
    loop {
        match op() {
            Err(e) if is_held(&e) && waited < PATIENCE => {
                tracing::debug!(path = %held.display(), error = %e, "held by another program; waiting");
                sleep(wait);
                waited += wait;
                wait = (wait * 2).min(LONGEST_WAIT);
            }
            result => return result,
        }
    }
}

/// Windows' answers to touching a file another program holds: access denied (replacing it,
/// or renaming the folder it is in), sharing violation, lock violation.
fn refused_while_held(e: &io::Error) -> bool {
    cfg!(windows) && matches!(e.raw_os_error(), Some(5 | 32 | 33))
}

fn explain(e: io::Error, held: &Path) -> io::Error {
    if !refused_while_held(&e) {
        return e;
    }
    io::Error::new(
        e.kind(),
        format!(
            "{e}; is a file in {} open in another program (a spreadsheet, a virus scanner)?",
            held.display()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn busy() -> io::Error {
        io::Error::other("held")
    }

    fn is_busy(e: &io::Error) -> bool {
        e.to_string() == "held"
    }

    #[test]
    fn a_hold_let_go_in_time_is_waited_out_with_growing_waits() {
        let calls = Cell::new(0);
        let mut waits = Vec::new();
        let result = patiently(
            || {
                calls.set(calls.get() + 1);
                if calls.get() < 5 { Err(busy()) } else { Ok(7) }
            },
            is_busy,
            |d| waits.push(d.as_millis()),
            Path::new("daily"),
        );
        assert_eq!(result.unwrap(), 7);
        assert_eq!(waits, [10, 20, 40, 80]);
    }

    #[test]
    fn a_hold_that_outlasts_the_patience_fails_after_about_two_seconds() {
        let mut waited = Duration::ZERO;
        let result: io::Result<()> =
            patiently(|| Err(busy()), is_busy, |d| waited += d, Path::new("daily"));
        assert!(is_busy(&result.unwrap_err()));
        assert!(
            waited >= PATIENCE && waited < PATIENCE + LONGEST_WAIT,
            "{waited:?}"
        );
    }

    #[test]
    fn other_errors_are_not_waited_on() {
        let calls = Cell::new(0);
        let result: io::Result<()> = patiently(
            || {
                calls.set(calls.get() + 1);
                Err(io::ErrorKind::NotFound.into())
            },
            is_busy,
            |_| panic!("no wait for a missing file"),
            Path::new("daily"),
        );
        assert_eq!(result.unwrap_err().kind(), io::ErrorKind::NotFound);
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn only_windows_refusals_count_as_holds() {
        let denied = io::Error::from_raw_os_error(5);
        assert_eq!(refused_while_held(&denied), cfg!(windows));
        let explained = explain(denied, Path::new("site/data/daily"));
        assert_eq!(
            explained.to_string().contains("open in another program"),
            cfg!(windows)
        );
    }
}
