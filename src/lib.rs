//! bluedot: MarketSmith chart JSON -> TradingView seed CSV series.
//!
//! `convert` is the pure core; `source` brings bytes in, `output` writes them out, `pipeline`
//! runs the two around the core, and `cli` is the command line. See ARCHITECTURE.md.

/// `eprint!`/`eprintln!` that cannot panic, and whose text a GitHub runner reading stderr shows
/// rather than obeys (names in it may hold `##[`: see [`runner::commands::Neutralized`]). A
/// run's stderr may be a pipe whose reader has gone (`bluedot process ... 2>&1 | head -1`) or a
/// full disk; std's macros would then panic, and a run that had published would exit 101
/// instead of its own status.
macro_rules! eprint_lossy {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stderr = $crate::runner::commands::Neutralized::new(std::io::stderr().lock());
        let _ = write!(stderr, $($arg)*);
    }};
}
macro_rules! eprintln_lossy {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stderr = $crate::runner::commands::Neutralized::new(std::io::stderr().lock());
        let _ = writeln!(stderr, $($arg)*);
    }};
}

pub mod action;
pub mod cli;
pub mod convert;
mod folder;
pub mod malloc;
pub mod os_error;
pub mod output;
pub mod pipeline;
pub mod plan;
pub mod progress;
pub mod report;
pub mod runner;
pub mod shard;
pub mod source;
pub mod synth;
#[cfg(all(test, target_os = "linux"))]
mod testing;
