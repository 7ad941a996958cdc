//! Where chart files come from. A source lists names and hands over bytes; it never converts.
//!
//! The pipeline sees every source the same way: a [`Listing`] (what exists, including what will
//! be skipped) and an iterator of [`Fetched`] items (what arrived, or why not). Local folders
//! hand over files opened a little ahead, which the conversion workers read themselves; remote
//! sources download into memory ahead of the workers through a bounded queue.

pub mod drive;
pub mod local;
mod opened;

pub use opened::{Opened, ShardWork, SourceCosts};

use crate::shard::Shard;

/// A file the source found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The file name only, as it will appear in the report (`DIX.IN_daily.json`).
    pub name: String,
    pub size: Option<u64>,
}

/// Every file the source found, already split into charts to convert, files to skip and charts
/// that cannot be read.
#[derive(Debug, Default, Clone)]
pub struct Listing {
    pub charts: Vec<Entry>,
    /// Files that are not charts, with the reason (`not a .json file`).
    pub skipped: Vec<(Entry, String)>,
    /// Files named like charts that cannot be read at all (a link to nothing, a name that is not
    /// UTF-8), with the reason. Each may be a stock the run would otherwise miss, so each fails
    /// rather than being skipped.
    pub unreadable: Vec<(Entry, String)>,
}

impl Listing {
    /// Total files listed: charts, skipped and unreadable.
    pub fn len(&self) -> usize {
        self.charts.len() + self.skipped.len() + self.unreadable.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keeps this shard's files. Skipped and unreadable files are sharded too, so each is
    /// reported exactly once across the matrix.
    pub fn retain_shard(&mut self, shard: Shard) {
        self.charts.retain(|e| shard.contains(&e.name));
        self.skipped.retain(|(e, _)| shard.contains(&e.name));
        self.unreadable.retain(|(e, _)| shard.contains(&e.name));
    }

    /// Sorted by name so that everything downstream is order-independent of the source.
    pub fn sort(&mut self) {
        self.charts.sort_by(|a, b| a.name.cmp(&b.name));
        self.skipped.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        self.unreadable.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    }
}

/// The reason a sub-folder of the drop is skipped: the charts are the files directly in it.
pub const SUBFOLDER_SKIPPED: &str =
    "a folder: charts are read from the files directly in the drop folder, not from sub-folders";

/// The reasons bluedot's own files are skipped where charts are expected (`--input` given a
/// run's output, or an output uploaded beside the charts).
pub const OWN_REPORT_SKIPPED: &str = "bluedot's own run report, not a chart export";
pub const OWN_SYMBOL_LIST_SKIPPED: &str =
    "a symbol list bluedot wrote (symbol_info), not a chart export";

/// Why `bytes` are skipped, if bluedot wrote them: its run report or a symbol list.
pub fn written_by_bluedot(bytes: &[u8]) -> Option<&'static str> {
    // A report is told by its first keys; it may be megabytes long.
    if crate::report::opens_a_run_report(&bytes[..bytes.len().min(1024)]) {
        Some(OWN_REPORT_SKIPPED)
    } else if crate::convert::listed_series(bytes).is_some() {
        Some(OWN_SYMBOL_LIST_SKIPPED)
    } else {
        None
    }
}

/// The reason a shortcut to a folder in a Drive drop is skipped.
pub const SHORTCUT_TO_FOLDER_SKIPPED: &str = "shortcut to a folder: charts are read from the files directly in the drop folder, not from sub-folders";

/// The most a chart file may hold. An export is about 120 KB, and decades of daily bars stay
/// under 5 MB; a larger `.json` is something else (a data dump saved in the wrong folder), and
/// reading it whole would hold its size in memory, in every worker that met one, where failing
/// that one file costs nothing.
pub const LARGEST_CHART: u64 = 32 * 1024 * 1024;

/// The reason a file is not read: `size` bytes, or more than [`LARGEST_CHART`] if unknown.
pub fn too_large(size: Option<u64>) -> String {
    let limit = format!("{LARGEST_CHART} bytes ({} MiB)", LARGEST_CHART >> 20);
    match size {
        Some(size) => {
            format!("too large for a chart export: {size} bytes, over the limit of {limit}")
        }
        None => format!("too large for a chart export: over the limit of {limit}"),
    }
}

/// The bytes of one chart, or the open file to read them from.
#[derive(Debug)]
pub enum Content {
    /// Read by the conversion worker itself, so reading is as parallel as converting.
    File(std::fs::File),
    Bytes(Vec<u8>),
}

/// Why a chart's bytes were not handed over, which decides how it is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotFetched {
    /// It ends `failed` with this reason.
    Failed(String),
    /// It ends `skipped` with this reason: the source will not hand the file to this reader at
    /// all, so no rerun could convert it, and failing it would fail every run until the file's
    /// owner acts (a file Drive flags as malware or spam).
    Skipped(String),
}

impl NotFetched {
    pub fn reason(&self) -> &str {
        match self {
            NotFetched::Failed(reason) | NotFetched::Skipped(reason) => reason,
        }
    }
}

/// One chart handed to the conversion workers.
#[derive(Debug)]
pub struct Fetched {
    pub name: String,
    /// `Err` says why the file was not fetched, and whether it fails or is skipped.
    pub content: Result<Content, NotFetched>,
    /// Retries the source needed (reported per file and in total).
    pub retries: u32,
    /// The reason is the machine's, not the file's (no file can be opened), and this is what to
    /// do about it: a run that went on would publish a tree without this chart, removing its
    /// series.
    pub stops_the_run: Option<&'static str>,
}
