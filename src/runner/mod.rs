//! The runner contract of a container action: what GitHub's runner gives the process and what it
//! reads back. Facts and sources: `shared/spec/GITHUB-PROTOCOLS.txt` §3 and §5.
//!
//! - [`commands`]: workflow commands on stdout (masks, annotations, groups, stop-commands).
//! - [`outputs`]: step outputs appended to `GITHUB_OUTPUT`.
//! - [`summary`]: the Markdown job summary appended to `GITHUB_STEP_SUMMARY`.
//!
//! Nothing here knows about charts beyond the run report it renders.

pub mod commands;
pub mod outputs;
pub mod summary;

use rand::Rng;

/// 128 random bits as 32 lowercase hex digits: unguessable by anyone who writes a file name or
/// a chart that we later echo.
pub(crate) fn random_token() -> String {
    format!("{:032x}", rand::rng().random::<u128>())
}
