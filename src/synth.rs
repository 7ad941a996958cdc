//! `bluedot gen`: deterministic synthetic MarketSmith chart files for tests, examples and the
//! benchmark.
//!
//! The same arguments give byte-identical files: every value comes from a SplitMix64 stream
//! derived from the seed and the file's index (no clocks, no thread-order effects), and file `i`
//! is the same whatever `--count` is. The files follow `spec/DATA.md`: newest bar first, daily
//! bars on weekdays with about 5% `Holiday` rows, weekly bars on Fridays, Indian (18:30 UTC) and
//! US (New York midnight) stamps, blue dots as date objects or epoch milliseconds, occasional null
//! volume and `rlst`, and (unless `--no-pad`) ignored sections bringing a file to about 120 KB.

mod calendar;
mod chart;
mod padding;
mod rng;
mod symbols;

use crate::convert::Timeframe;
use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub use chart::Spec;

#[derive(Debug, clap::Args)]
pub struct GenArgs {
    /// Folder to write the chart files into (created if missing; existing files are overwritten).
    #[arg(long, value_name = "DIR")]
    pub output: PathBuf,
    /// How many chart files to write.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub count: u64,
    #[arg(long, value_enum)]
    pub timeframe: Timeframe,
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Date of the newest bar (daily: the last weekday on or before it; weekly: its week's Friday).
    #[arg(long, value_name = "YYYY-MM-DD", default_value = "2025-08-01")]
    pub last_date: NaiveDate,
    /// Bars per chart [default: 308 daily, 115 weekly, as in real exports].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(2..=5_000))]
    pub bars: Option<u64>,
    /// Fill ignored sections up to about 120 KB per file, like real exports (the default).
    #[arg(long, overrides_with = "no_pad")]
    pub pad: bool,
    /// Leave ignored sections null: small files for examples and quick tests.
    #[arg(long, overrides_with = "pad")]
    pub no_pad: bool,
}

impl GenArgs {
    pub fn spec(&self) -> Spec {
        Spec {
            seed: self.seed,
            timeframe: self.timeframe,
            last_date: self.last_date,
            bars: self.bars.map_or(
                match self.timeframe {
                    Timeframe::Daily => 308,
                    Timeframe::Weekly => 115,
                },
                |n| n as usize,
            ),
            pad: !self.no_pad,
        }
    }
}

/// One generated chart file.
pub struct Generated {
    /// `<SYMBOL>_<timeframe>.json`.
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// Stream for the padding's own values, so sizing it never shifts the chart's.
const PADDING_STREAM: u64 = 2;

/// Chart `index` of the run described by `spec`.
pub fn generate(spec: &Spec, index: u64) -> Generated {
    let (identity, mut file) = chart::build(spec, index);
    if spec.pad {
        let mut rng = rng::SplitMix64::derive(spec.seed, PADDING_STREAM, index);
        let target = rng.range(115_000, 125_000) as usize;
        let quarters = rng.range(12, 40) as usize;
        let newest = &file.chart.prices[0];
        let (newest_ms, close) = (newest.price_date, newest.close);
        // Per-bar extras first, as many as fit in 95% of the target (daily bars alone weigh
        // about 100 KB), then whole sections fill the rest.
        let show = |file: &mut chart::ChartFile, shown: usize| {
            for price in &mut file.chart.prices {
                if let Some(extra) = &mut price.extra {
                    extra.shown = shown;
                }
            }
            to_pretty_json(file).len()
        };
        let (with_all, without) = (show(&mut file, 4), show(&mut file, 0));
        let per_field = (with_all - without).div_ceil(4).max(1);
        show(
            &mut file,
            ((target * 95 / 100).saturating_sub(without) / per_field).min(4),
        );
        let fill = |file: &mut chart::ChartFile, patterns: usize| {
            file.chart.padding =
                padding::Padding::filled(&mut rng.clone(), newest_ms, close, quarters, patterns);
            to_pretty_json(file).len()
        };
        // Pattern entries are near-constant in size: measure one, then fill up to the target.
        let (probe, without) = (16, fill(&mut file, 0));
        let per_pattern = (fill(&mut file, probe) - without).div_ceil(probe);
        fill(&mut file, target.saturating_sub(without) / per_pattern);
    }
    Generated {
        file_name: format!("{}_{}.json", identity.symbol, spec.timeframe),
        bytes: to_pretty_json(&file),
    }
}

/// MarketSmith's layout: pretty-printed with four-space indents.
fn to_pretty_json(value: &impl Serialize) -> Vec<u8> {
    let mut out = Vec::with_capacity(128 * 1024);
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    value
        .serialize(&mut serializer)
        .expect("serialising to memory cannot fail");
    out
}

/// Writes `count` charts into `output`; returns the bytes written.
pub fn write_all(spec: &Spec, count: u64, output: &Path) -> std::io::Result<u64> {
    std::fs::create_dir_all(output)?;
    (0..count)
        .into_par_iter()
        .map(|index| {
            let chart = generate(spec, index);
            std::fs::write(output.join(&chart.file_name), &chart.bytes)?;
            Ok(chart.bytes.len() as u64)
        })
        .sum()
}

pub fn main(args: GenArgs) -> ExitCode {
    match write_all(&args.spec(), args.count, &args.output) {
        Ok(bytes) => {
            eprintln_lossy!(
                "wrote {} {} chart files ({:.1} MB) to {}",
                args.count,
                args.timeframe,
                bytes as f64 / 1e6,
                args.output.display()
            );
            ExitCode::from(crate::cli::EXIT_OK)
        }
        Err(e) => {
            eprintln_lossy!("error: cannot write {}: {e}", args.output.display());
            ExitCode::from(crate::cli::EXIT_USAGE)
        }
    }
}
