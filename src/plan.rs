//! `plan`: how many matrix jobs a source needs, decided once before the matrix starts.
//!
//! Only charts count (`*.json`), readable or not (one that cannot be read takes its place in a
//! shard, which records it as failed): files the source will skip (not JSON) cost the process
//! jobs nothing worth a shard. A source without a single chart is refused before planning
//! (`Opened::require_charts`), as `process` refuses it. Shards are filled by a stable hash of the file name (see `shard`), so
//! each holds about, not exactly, `files-per-shard` files.

use crate::cli::{EXIT_OK, EXIT_USAGE, SourceArgs};
use crate::convert::Timeframe;
use crate::shard::Shard;
use crate::source::Listing;
use clap::Args;
use std::process::ExitCode;

pub const DEFAULT_FILES_PER_SHARD: u32 = 250;
pub const MAX_FILES_PER_SHARD: u32 = 1_000_000;

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Names the Drive folder `<timeframe>/<date>` (a local folder is already one drop).
    #[arg(long, value_enum, default_value_t = Timeframe::Daily)]
    pub timeframe: Timeframe,
    /// Target number of chart files per shard.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_FILES_PER_SHARD,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_FILES_PER_SHARD)))]
    pub files_per_shard: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Chart files the source listed, readable or not: the ones `process` records as converted
    /// or failed.
    pub charts: usize,
    /// Files the source listed but will skip; they do not count towards shards.
    pub skipped: usize,
    pub shard_count: u32,
    /// True when 256 shards still hold more than `files-per-shard` each.
    pub clamped: bool,
}

impl Plan {
    /// The value for `strategy.matrix` through `fromJSON`: `{"shard":[0,1,...,N-1]}`.
    pub fn matrix_json(&self) -> String {
        let shards: Vec<String> = (0..self.shard_count).map(|i| i.to_string()).collect();
        format!("{{\"shard\":[{}]}}", shards.join(","))
    }
}

/// `ceil(charts / files_per_shard)` clamped to `1..=256` (callers refuse a source without
/// charts first: [`crate::source::Opened::require_charts`]).
pub fn plan(listing: &Listing, files_per_shard: u32) -> Plan {
    // A chart that cannot be read still takes its place in a shard, which records it as failed.
    let charts = listing.charts.len() + listing.unreadable.len();
    let per_shard = files_per_shard.max(1) as usize;
    let wanted = charts.div_ceil(per_shard);
    let max = Shard::MAX_COUNT as usize;
    Plan {
        charts,
        skipped: listing.skipped.len(),
        shard_count: wanted.clamp(1, max) as u32,
        clamped: wanted > max,
    }
}

/// `bluedot plan`: the matrix JSON on stdout, a one-line explanation on stderr.
pub fn cli(args: PlanArgs) -> ExitCode {
    // No stop flag: a signal ends `plan` at once, and it has nothing to clean up.
    let opened = match args.source.open(args.timeframe, None) {
        Ok(opened) => opened,
        Err(e) => {
            eprintln_lossy!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if let Err(message) = opened.require_charts() {
        eprintln_lossy!("error: {message}");
        return ExitCode::from(EXIT_USAGE);
    }
    let plan = plan(&opened.listing, args.files_per_shard);
    // The matrix is what `plan` is for: if it cannot be written, the run failed.
    let written = {
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{}", plan.matrix_json()).and_then(|()| stdout.flush())
    };
    if let Err(e) = written {
        eprintln_lossy!("error: cannot write the matrix to stdout: {e}");
        return ExitCode::from(EXIT_USAGE);
    }
    eprintln_lossy!("{}", describe(&plan, args.files_per_shard));
    ExitCode::from(EXIT_OK)
}

pub fn describe(plan: &Plan, files_per_shard: u32) -> String {
    let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let mut text = format!(
        "{} -> {} of about {} (target {files_per_shard})",
        count(plan.charts, "chart file"),
        count(plan.shard_count as usize, "shard"),
        count(plan.charts.div_ceil(plan.shard_count as usize), "file"),
    );
    if plan.skipped > 0 {
        text.push_str(&format!(
            "; {} will be skipped",
            count(plan.skipped, "other file")
        ));
    }
    if plan.clamped {
        text.push_str(&format!(
            "; capped at {} shards, GitHub's matrix limit",
            Shard::MAX_COUNT
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Entry;

    fn listing(charts: usize, skipped: usize) -> Listing {
        let entry = |i: usize, ext: &str| Entry {
            name: format!("S{i}_daily.{ext}"),
            size: Some(1),
        };
        Listing {
            charts: (0..charts).map(|i| entry(i, "json")).collect(),
            skipped: (0..skipped)
                .map(|i| (entry(i, "txt"), "not a .json file".into()))
                .collect(),
            unreadable: Vec::new(),
        }
    }

    #[test]
    fn shard_count_is_the_ceiling_clamped_to_the_matrix_limit() {
        let count = |n, per| plan(&listing(n, 0), per).shard_count;
        assert_eq!(count(1000, 250), 4);
        assert_eq!(count(1001, 250), 5);
        assert_eq!(count(2000, 250), 8);
        assert_eq!(count(1, 250), 1);
        assert_eq!(count(250, 250), 1);
        let big = plan(&listing(100_000, 0), 10);
        assert_eq!((big.shard_count, big.clamped), (256, true));
    }

    #[test]
    fn skipped_files_do_not_count() {
        assert_eq!(plan(&listing(250, 900), 250).shard_count, 1);
    }

    #[test]
    fn unreadable_charts_count_since_a_shard_records_each() {
        let mut source = listing(250, 0);
        source.unreadable.push((
            Entry {
                name: "LOST_daily.json".into(),
                size: None,
            },
            "cannot read: a link to a file that is not there".into(),
        ));
        let plan = plan(&source, 250);
        assert_eq!((plan.charts, plan.shard_count), (251, 2));
    }

    #[test]
    fn matrix_json_lists_every_shard() {
        let p = plan(&listing(1000, 0), 250);
        assert_eq!(p.matrix_json(), r#"{"shard":[0,1,2,3]}"#);
    }
}
