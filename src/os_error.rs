//! Errors of the operating system as a user reads them: what was being done, the system's own
//! words, and, where the error is the machine's rather than the file's, what to do about it.

use std::fmt;
use std::io;

/// `error` said after `context` (`cannot open <path>: Too many open files (os error 24)`), its
/// kind kept and the system's code still found by [`out_of_descriptors`]: an `io::Error` made
/// from a message alone loses that code, and with it the advice.
pub fn in_context(error: io::Error, context: impl fmt::Display) -> io::Error {
    io::Error::new(
        error.kind(),
        InContext {
            context: context.to_string(),
            error,
        },
    )
}

#[derive(Debug)]
struct InContext {
    context: String,
    error: io::Error,
}

impl fmt::Display for InContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.context, self.error)
    }
}

// No `source`: the message already holds the error, and a chain printed whole would say it twice.
impl std::error::Error for InContext {}

/// The system's error under any [`in_context`] said around it.
fn underlying(mut error: &io::Error) -> &io::Error {
    while let Some(inner) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<InContext>())
    {
        error = &inner.error;
    }
    error
}

/// When `e` says this process (`EMFILE`, Windows' `ERROR_TOO_MANY_OPEN_FILES`) or the whole
/// system (`ENFILE`) holds all the open files it may, nothing about the file at hand: what to do.
pub fn out_of_descriptors(e: &io::Error) -> Option<&'static str> {
    const PROCESS: &str = "the system lets this run hold too few files open at once; raise the \
                           limit (`ulimit -n`) or give fewer --workers";
    let code = underlying(e).raw_os_error();
    #[cfg(unix)]
    return match code {
        Some(libc::EMFILE) => Some(PROCESS),
        Some(libc::ENFILE) => Some(
            "the system's table of open files is full (other programs hold them): try again \
             once they are closed, or raise the system's limit",
        ),
        _ => None,
    };
    #[cfg(windows)]
    return (code == Some(4)).then_some(PROCESS);
    #[cfg(not(any(unix, windows)))]
    return {
        let _ = (code, PROCESS);
        None
    };
}

/// `e` as a user reads it, with the way out where the error alone names none.
pub fn with_advice(e: &io::Error) -> String {
    match out_of_descriptors(e) {
        Some(advice) => format!("{e}: {advice}"),
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_many_open_files_says_what_to_do() {
        #[cfg(unix)]
        {
            let process = with_advice(&io::Error::from_raw_os_error(libc::EMFILE));
            assert!(process.contains("`ulimit -n`"), "{process}");
            // The whole system's table is full: this run's limit is not what to raise.
            let system = with_advice(&io::Error::from_raw_os_error(libc::ENFILE));
            assert!(
                system.contains("table of open files is full") && !system.contains("ulimit"),
                "{system}"
            );
        }
        #[cfg(windows)]
        assert!(with_advice(&io::Error::from_raw_os_error(4)).contains("`ulimit -n`"));
        let other = io::Error::from(io::ErrorKind::NotFound);
        assert_eq!(with_advice(&other), other.to_string());
    }

    #[cfg(unix)]
    #[test]
    fn the_advice_is_found_under_what_was_being_done() {
        let emfile = || io::Error::from_raw_os_error(libc::EMFILE);
        let said = in_context(in_context(emfile(), "cannot open a/b"), "setting up");
        assert_eq!(
            said.to_string(),
            format!("setting up: cannot open a/b: {}", emfile())
        );
        assert_eq!(out_of_descriptors(&said), out_of_descriptors(&emfile()));
        assert!(out_of_descriptors(&said).is_some_and(|advice| advice.contains("ulimit -n")));
        let plain = io::Error::other(format!("cannot open a/b: {}", emfile()));
        assert_eq!(out_of_descriptors(&plain), None);
        let other = in_context(io::Error::from_raw_os_error(libc::EIO), "cannot open a/b");
        assert_eq!(out_of_descriptors(&other), None);
    }
}
