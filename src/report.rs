//! `report.json`: every input file with its outcome, plus the run's totals and costs.
//!
//! The per-file part is deterministic (sorted by name, no clocks); `timings_ms`,
//! `peak_rss_bytes` and `generated_by` describe the run itself and naturally vary.

use crate::convert::DroppedRows;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const REPORT_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub report_version: u32,
    pub generated_by: String,
    pub timeframe: String,
    pub group: String,
    pub shard_index: u32,
    pub shard_count: u32,
    /// Where the files came from, with nothing secret in it (`local:<dir>`, `gdrive:<id>`).
    pub source: String,
    pub totals: Totals,
    pub dropped_rows: BTreeMap<String, u64>,
    pub timings_ms: Timings,
    pub bytes: Bytes,
    pub peak_rss_bytes: Option<u64>,
    /// True when a signal stopped the run before every file was converted.
    pub interrupted: bool,
    pub files: Vec<FileReport>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Totals {
    /// Files the source listed before sharding.
    pub listed: u64,
    /// Files in this shard: `ok + failed + skipped`.
    pub files: u64,
    pub ok: u64,
    pub failed: u64,
    pub skipped: u64,
    pub series_files_written: u64,
    pub rows_written: u64,
    pub retries: u64,
}

impl Totals {
    /// ok / (ok + failed); skipped files are not charts and do not count. 1.0 when nothing ran.
    pub fn success_rate(&self) -> f64 {
        let attempted = self.ok + self.failed;
        if attempted == 0 {
            1.0
        } else {
            self.ok as f64 / attempted as f64
        }
    }
}

/// Stage times. Stages overlap in a streaming pipeline: `read`, `convert` and `write` are summed
/// over all workers (CPU-side cost), `list`, `finalize` and `wall` are elapsed time.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Timings {
    pub list: u64,
    pub read: u64,
    pub convert: u64,
    pub write: u64,
    pub finalize: u64,
    pub wall: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Bytes {
    #[serde(rename = "in")]
    pub input: u64,
    #[serde(rename = "out")]
    pub output: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileReport {
    pub name: String,
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series_symbol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_in: Option<u64>,
    /// Rows per written series file name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub rows: BTreeMap<String, u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_date: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub dropped_rows: BTreeMap<String, u64>,
    #[serde(skip_serializing_if = "is_zero", default)]
    pub retries: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl FileReport {
    pub fn new(name: &str, outcome: Outcome, reason: Option<String>) -> FileReport {
        FileReport {
            name: name.to_owned(),
            outcome,
            reason,
            symbol: None,
            series_symbol: None,
            bytes_in: None,
            rows: BTreeMap::new(),
            first_date: None,
            last_date: None,
            dropped_rows: BTreeMap::new(),
            retries: 0,
        }
    }
}

pub fn dropped_map(dropped: &DroppedRows) -> BTreeMap<String, u64> {
    dropped
        .non_zero()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

impl Report {
    pub fn failures(&self) -> impl Iterator<Item = &FileReport> {
        self.files.iter().filter(|f| f.outcome == Outcome::Failed)
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("report serialises");
        bytes.push(b'\n');
        bytes
    }
}

/// Peak resident set size of this process (`VmHWM`), where the kernel reports it.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// How many failures the human summary names before pointing at report.json.
const SUMMARY_FAILURES: usize = 20;

impl Report {
    /// Files converted per second of wall time.
    pub fn files_per_second(&self) -> f64 {
        let secs = (self.timings_ms.wall as f64 / 1000.0).max(0.001);
        (self.totals.ok + self.totals.failed) as f64 / secs
    }

    /// The few lines a person reads on stderr after a run.
    pub fn human_summary(&self) -> String {
        let t = &self.totals;
        let secs = self.timings_ms.wall as f64 / 1000.0;
        let mut out = format!(
            "bluedot {} (shard {}/{}): {} files: {} ok, {} failed, {} skipped in {:.2} s ({:.0} files/s, {:.1} MB in, {:.1} MB out",
            self.timeframe,
            self.shard_index,
            self.shard_count,
            t.files,
            t.ok,
            t.failed,
            t.skipped,
            secs,
            self.files_per_second(),
            self.bytes.input as f64 / 1e6,
            self.bytes.output as f64 / 1e6,
        );
        if let Some(peak) = self.peak_rss_bytes {
            out.push_str(&format!(", peak memory {:.1} MB", peak as f64 / 1e6));
        }
        out.push_str(")\n");
        if self.interrupted {
            out.push_str("interrupted: nothing was published; files not reached are failed\n");
        }
        if !self.dropped_rows.is_empty() {
            let dropped: Vec<String> = self
                .dropped_rows
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            out.push_str(&format!("rows left out: {}\n", dropped.join(", ")));
        }
        for file in self.failures().take(SUMMARY_FAILURES) {
            out.push_str(&format!(
                "failed: {}: {}\n",
                file.name,
                file.reason.as_deref().unwrap_or("unknown")
            ));
        }
        if t.failed as usize > SUMMARY_FAILURES {
            out.push_str(&format!(
                "... and {} more failures, all listed in report.json\n",
                t.failed as usize - SUMMARY_FAILURES
            ));
        }
        out
    }
}
