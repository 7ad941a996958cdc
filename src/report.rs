//! `report.json`: every input file with its outcome, plus the run's totals and costs.
//!
//! The per-file part is deterministic (sorted by name, no clocks); `timings_ms`,
//! `peak_rss_bytes` and `generated_by` describe the run itself and naturally vary.
//!
//! The run's costs (`timings_ms`, `bytes`, `peak_rss_bytes`) come last in the file: everything
//! before them is known once the charts are converted, so a run streams it into the report while
//! the symbol list is still being published, and appends the costs when that is done.

use crate::convert::{
    BarLeftOut, ChartSymbols, Converted, DroppedRows, SeriesKind, SeriesName, Streamed,
};
use chrono::NaiveDate;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use std::collections::BTreeMap;
use std::io::Write as _;

mod summary;

pub use summary::{BarsLeftOut, is_unseen_format, one_line};

pub const REPORT_VERSION: u32 = 1;

/// Serialized in field order, by hand (see [`ReportWriter`]).
#[derive(Debug, Clone)]
pub struct Report {
    pub report_version: u32,
    pub generated_by: String,
    pub timeframe: String,
    pub group: String,
    /// The `--timezone` whose local dates the bars carry; `None`: the nearest UTC midnight's.
    pub timezone: Option<String>,
    /// The built-in time-zone database's release, when `timezone` is set.
    pub timezone_database: Option<String>,
    pub keep_holidays: bool,
    pub shard_index: u32,
    pub shard_count: u32,
    /// Where the files came from, with nothing secret in it (`local:<dir>`, `gdrive:<id>`).
    pub source: String,
    pub totals: Totals,
    pub dropped_rows: BTreeMap<String, u64>,
    /// Price rows not stamped at midnight in `timezone`, over every chart: see
    /// [`Converted::bars_not_at_midnight`].
    pub bars_not_at_midnight: u64,
    /// True when a signal stopped the run before every file was converted.
    pub interrupted: bool,
    /// True when this run's series replaced `data/<timeframe>/`; false when it was interrupted
    /// or converted no chart at all, and the series published before are left as they were.
    pub published: bool,
    /// The series symbols of the tree this run replaced that its own tree lacks (their charts
    /// failed or were not in the input), sorted: the stocks the run stopped publishing.
    pub no_longer_published: Vec<String>,
    pub files: Vec<FileReport>,
    // The run's costs, known last.
    pub timings_ms: Timings,
    pub bytes: Bytes,
    pub peak_rss_bytes: Option<u64>,
}

impl Report {
    /// Every entry before the run's costs.
    fn serialize_outcomes<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("report_version", &self.report_version)?;
        map.serialize_entry("generated_by", &self.generated_by)?;
        map.serialize_entry("timeframe", &self.timeframe)?;
        map.serialize_entry("group", &self.group)?;
        map.serialize_entry("timezone", &self.timezone)?;
        map.serialize_entry("timezone_database", &self.timezone_database)?;
        map.serialize_entry("keep_holidays", &self.keep_holidays)?;
        map.serialize_entry("shard_index", &self.shard_index)?;
        map.serialize_entry("shard_count", &self.shard_count)?;
        map.serialize_entry("source", &self.source)?;
        map.serialize_entry("totals", &self.totals)?;
        map.serialize_entry("dropped_rows", &self.dropped_rows)?;
        // Counted only against a zone: without one, nothing was checked.
        let not_at_midnight = self.timezone.as_ref().map(|_| self.bars_not_at_midnight);
        map.serialize_entry("bars_not_at_midnight", &not_at_midnight)?;
        map.serialize_entry("interrupted", &self.interrupted)?;
        map.serialize_entry("published", &self.published)?;
        map.serialize_entry("no_longer_published", &self.no_longer_published)?;
        map.serialize_entry("files", &self.files)
    }

    fn serialize_costs<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        map.serialize_entry("timings_ms", &self.timings_ms)?;
        map.serialize_entry("bytes", &self.bytes)?;
        map.serialize_entry("peak_rss_bytes", &self.peak_rss_bytes)
    }
}

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.serialize_outcomes(&mut map)?;
        self.serialize_costs(&mut map)?;
        map.end()
    }
}

type PrettyJson<W> =
    serde_json::Serializer<std::io::BufWriter<W>, serde_json::ser::PrettyFormatter<'static>>;

/// Writes a report as pretty JSON in two parts: [`begin`](Self::begin) streams everything but
/// the run's costs, [`OpenReport::finish`] appends them. Streaming because a report can list tens
/// of thousands of files, and never holds them rendered in memory.
pub struct ReportWriter<W: std::io::Write> {
    json: PrettyJson<W>,
}

/// A report whose outcomes are written and whose costs are not yet.
pub struct OpenReport<'a, W: std::io::Write> {
    map: <&'a mut PrettyJson<W> as Serializer>::SerializeMap,
}

impl<W: std::io::Write> ReportWriter<W> {
    pub fn new(out: W) -> ReportWriter<W> {
        // Large enough that a thousand-file report goes out in a few writes.
        let out = std::io::BufWriter::with_capacity(256 * 1024, out);
        ReportWriter {
            json: serde_json::Serializer::pretty(out),
        }
    }

    pub fn begin(&mut self, report: &Report) -> std::io::Result<OpenReport<'_, W>> {
        let mut map = self.json.serialize_map(None)?;
        report.serialize_outcomes(&mut map)?;
        Ok(OpenReport { map })
    }

    /// Ends the file with a newline and flushes it; call after [`OpenReport::finish`].
    pub fn end(self) -> std::io::Result<()> {
        let mut out = self.json.into_inner();
        out.write_all(b"\n")?;
        out.flush()
    }
}

impl<W: std::io::Write> OpenReport<'_, W> {
    /// Appends `report`'s costs and closes the object. The outcomes already written are not
    /// looked at again: only the costs may have changed since [`ReportWriter::begin`].
    pub fn finish(mut self, report: &Report) -> std::io::Result<()> {
        report.serialize_costs(&mut self.map)?;
        SerializeMap::end(self.map)?;
        Ok(())
    }
}

#[derive(Debug, Clone, Default, Serialize)]
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
    /// ok / (ok + failed) (skipped files do not count: files that are not charts, duplicates,
    /// a chart Drive withholds; 1 when nothing ran) as a fraction with four places (`0.9999`),
    /// cut, never rounded up: a run with a failure must not read `1.0000`, which a later step
    /// may test for.
    pub fn success_rate_text(&self) -> String {
        rate_text(self.success_scaled(10_000))
    }

    /// The success rate in percent with two places (`99.99 %`), cut like
    /// [`Self::success_rate_text`].
    pub fn success_percent_text(&self) -> String {
        self.success_percent_cut(2)
    }

    /// The success rate in percent with `places` places (at least two), cut.
    pub fn success_percent_cut(&self, places: u32) -> String {
        let places = places.max(2);
        percent_text(self.success_scaled(100 * 10u128.pow(places)), places)
    }

    /// ok / (ok + failed) times `scale`, rounded down, in integers (a float product such as
    /// 0.29 * 10000 falls short of 2900); `scale` itself when nothing was attempted.
    fn success_scaled(&self, scale: u128) -> u128 {
        match u128::from(self.ok + self.failed) {
            0 => scale,
            attempted => u128::from(self.ok) * scale / attempted,
        }
    }
}

/// A rate from its ten-thousandths: `0.9999`.
fn rate_text(permyriad: u128) -> String {
    format!("{}.{:04}", permyriad / 10_000, permyriad % 10_000)
}

/// A percentage from its units of `10^-places` percent: `99.99 %`.
fn percent_text(scaled: u128, places: u32) -> String {
    let scale = 10u128.pow(places);
    format!(
        "{}.{:0width$} %",
        scaled / scale,
        scaled % scale,
        width = places as usize
    )
}

/// The success rate of a run that published nothing: see [`Report::success_rate_text`].
pub fn unpublished_rate_text() -> String {
    rate_text(0)
}

/// Stage times. Stages overlap in a streaming pipeline: `read`, `convert` and `write` are summed
/// over all workers (CPU-side cost), `list`, `finalize` and `wall` are elapsed time. `fetch` is
/// the time the source took to hand over the charts, one at a time (opening files; waiting for
/// downloads).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    pub list: u64,
    pub fetch: u64,
    pub read: u64,
    pub convert: u64,
    pub write: u64,
    pub finalize: u64,
    pub wall: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Bytes {
    #[serde(rename = "in")]
    pub input: u64,
    #[serde(rename = "out")]
    pub output: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Failed,
    Skipped,
}

/// One input file's outcome. Kept compact because a run holds one per file until the report is
/// written; the JSON form spells the facts out.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub name: Box<str>,
    pub outcome: Outcome,
    pub reason: Option<Box<str>>,
    pub bytes_in: Option<u64>,
    /// The bytes of the series written (0 for a file that wrote none); not in the report, which
    /// gives the run's total.
    pub bytes_out: u32,
    /// Saturates: past 65,535 retries of one file the count says nothing more.
    pub retries: u16,
    /// What the conversion found, for files that parsed into a chart. Inline rather than boxed:
    /// the outcomes are one allocation sized for the whole run, not one more per file.
    pub chart: Option<ChartFacts>,
}

// A run keeps one record per file; with the facts boxed and the counts 4 bytes wide a converted
// file took 160 bytes (the newest bar left out costs 8 of the 128).
const _: () = assert!(std::mem::size_of::<FileReport>() <= 128);

#[derive(Debug, Clone)]
pub struct ChartFacts {
    pub symbols: ChartSymbols,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    /// See [`Converted::newest_bar_left_out`].
    pub newest_bar_left_out: Option<BarLeftOut>,
    counts: ChartCounts,
}

/// Rows per series (in [`SeriesKind::ALL`] order), then dropped rows per reason (in
/// [`DroppedRows`] order), then the bars not at midnight in the run's zone.
type Counts = [u32; COUNTS];
const DROPPED_AT: usize = SeriesKind::ALL.len();
const NOT_AT_MIDNIGHT_AT: usize = DROPPED_AT + crate::convert::REASONS;
const COUNTS: usize = NOT_AT_MIDNIGHT_AT + 1;

/// A chart's counts in 2 bytes each while all of them fit, which they do for any chart under
/// 65,536 rows; a larger one keeps them at full width behind a box.
#[derive(Debug, Clone)]
enum ChartCounts {
    Narrow([u16; COUNTS]),
    Wide(Box<Counts>),
}

impl ChartCounts {
    fn new(counts: Counts) -> ChartCounts {
        if counts.iter().all(|&n| n <= u32::from(u16::MAX)) {
            ChartCounts::Narrow(counts.map(|n| n as u16))
        } else {
            ChartCounts::Wide(Box::new(counts))
        }
    }

    fn get(&self) -> Counts {
        match self {
            ChartCounts::Narrow(narrow) => narrow.map(u32::from),
            ChartCounts::Wide(wide) => **wide,
        }
    }
}

impl ChartFacts {
    pub fn of(chart: &Converted) -> ChartFacts {
        let mut counts: Counts = [0; COUNTS];
        for (slot, series) in counts.iter_mut().zip(&chart.series) {
            *slot = u32::try_from(series.rows).unwrap_or(u32::MAX);
        }
        counts[DROPPED_AT..NOT_AT_MIDNIGHT_AT].copy_from_slice(&chart.dropped.to_array());
        counts[NOT_AT_MIDNIGHT_AT] = chart.bars_not_at_midnight;
        ChartFacts {
            symbols: ChartSymbols::of(chart),
            first_date: chart.first_date,
            last_date: chart.last_date,
            newest_bar_left_out: chart.newest_bar_left_out,
            counts: ChartCounts::new(counts),
        }
    }

    /// Rows per series in [`SeriesKind::ALL`] order.
    pub fn rows(&self) -> [u32; 4] {
        let counts = self.counts.get();
        [counts[0], counts[1], counts[2], counts[3]]
    }

    pub fn dropped(&self) -> DroppedRows {
        let counts = self.counts.get();
        let mut dropped = [0; crate::convert::REASONS];
        dropped.copy_from_slice(&counts[DROPPED_AT..NOT_AT_MIDNIGHT_AT]);
        DroppedRows::from_array(dropped)
    }

    /// See [`Converted::bars_not_at_midnight`].
    pub fn bars_not_at_midnight(&self) -> u32 {
        self.counts.get()[NOT_AT_MIDNIGHT_AT]
    }

    /// The series file names of this chart.
    pub fn file_names(&self) -> impl Iterator<Item = String> {
        let series_symbol = self.symbols.series_symbol();
        SeriesKind::ALL.iter().map(move |&kind| {
            let series_symbol = &series_symbol;
            SeriesName {
                series_symbol,
                kind,
            }
            .file_name()
            .to_string()
        })
    }
}

impl FileReport {
    /// A chart failed only because a signal stopped the run before it (see [`NOT_REACHED`]).
    pub fn not_reached(&self) -> bool {
        self.outcome == Outcome::Failed
            && self
                .reason
                .as_deref()
                .is_some_and(|r| r.ends_with(NOT_REACHED))
    }

    pub fn new(name: impl Into<String>, outcome: Outcome, reason: Option<String>) -> FileReport {
        FileReport {
            name: name.into().into_boxed_str(),
            outcome,
            reason: reason.map(String::into_boxed_str),
            bytes_in: None,
            bytes_out: 0,
            retries: 0,
            chart: None,
        }
    }

    pub fn series_symbol(&self) -> Option<String> {
        self.chart.as_ref().map(|c| c.symbols.series_symbol())
    }
}

// A report lists every file, so its entries are written straight from the compact outcome:
// names and dates are streamed into the output, and no map or string is built per file.
impl Serialize for FileReport {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("name", &self.name)?;
        map.serialize_entry("outcome", &self.outcome)?;
        if let Some(reason) = &self.reason {
            map.serialize_entry("reason", reason)?;
        }
        let series_symbol = self.series_symbol();
        if let (Some(chart), Some(series_symbol)) = (&self.chart, &series_symbol) {
            map.serialize_entry("symbol", chart.symbols.symbol())?;
            map.serialize_entry("series_symbol", series_symbol)?;
        }
        if let Some(bytes) = self.bytes_in {
            map.serialize_entry("bytes_in", &bytes)?;
        }
        if let (Some(chart), Some(series_symbol), Outcome::Ok) =
            (&self.chart, &series_symbol, self.outcome)
        {
            let rows = RowsBySeriesFile {
                series_symbol,
                rows: chart.rows(),
            };
            map.serialize_entry("rows", &rows)?;
        }
        if let Some(chart) = &self.chart {
            map.serialize_entry("first_date", &IsoDate(chart.first_date))?;
            map.serialize_entry("last_date", &IsoDate(chart.last_date))?;
            let mut dropped = chart.dropped().non_zero();
            if !dropped.is_empty() {
                dropped.sort_unstable();
                map.serialize_entry("dropped_rows", &Entries(&dropped))?;
            }
            if let Some(bar) = &chart.newest_bar_left_out {
                map.serialize_entry("newest_bar_left_out", &LeftOut(bar))?;
            }
            let not_at_midnight = chart.bars_not_at_midnight();
            if not_at_midnight > 0 {
                map.serialize_entry("bars_not_at_midnight", &not_at_midnight)?;
            }
        }
        if self.retries > 0 {
            map.serialize_entry("retries", &self.retries)?;
        }
        map.end()
    }
}

/// `2025-08-01`, spelled digit by digit: chrono's `Display` goes through the formatting
/// machinery one character at a time, a measurable part of writing a large report.
struct IsoDate(NaiveDate);

impl Serialize for IsoDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use chrono::Datelike as _;
        let date = self.0;
        let Ok(year @ 0..=9999) = u16::try_from(date.year()) else {
            // Years a chart's rows cannot have (they are kept to 1000..=9999); chrono spells them.
            return serializer.collect_str(&date);
        };
        let mut text = *b"0000-00-00";
        let digits = |slot: &mut [u8], mut n: u16| {
            for byte in slot.iter_mut().rev() {
                *byte = b'0' + (n % 10) as u8;
                n /= 10;
            }
        };
        digits(&mut text[0..4], year);
        digits(&mut text[5..7], date.month() as u16);
        digits(&mut text[8..10], date.day() as u16);
        serializer.serialize_str(std::str::from_utf8(&text).expect("ASCII digits"))
    }
}

/// `{"date": "2025-08-01", "reason": "ohlc_violation"}`
struct LeftOut<'a>(&'a BarLeftOut);

impl Serialize for LeftOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("date", &IsoDate(self.0.date))?;
        map.serialize_entry("reason", self.0.reason.name())?;
        map.end()
    }
}

/// `{"DIX_IN_BC_INDICATOR.csv": 300, ...}`: rows written per series file, in name order.
struct RowsBySeriesFile<'a> {
    series_symbol: &'a str,
    /// In [`SeriesKind::ALL`] order.
    rows: [u32; 4],
}

impl Serialize for RowsBySeriesFile<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // The names share the series symbol, so their suffixes decide the order.
        let mut kinds = SeriesKind::ALL;
        kinds.sort_unstable_by_key(|kind| kind.suffix());
        let mut map = serializer.serialize_map(Some(kinds.len()))?;
        for kind in kinds {
            let name = SeriesName {
                series_symbol: self.series_symbol,
                kind,
            };
            map.serialize_entry(&Streamed(name.file_name()), &self.rows[kind as usize])?;
        }
        map.end()
    }
}

/// A map from pairs already in key order.
struct Entries<'a>(&'a [(&'static str, u64)]);

impl Serialize for Entries<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(key, value)| (key, value)))
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
    /// Whether a stop signal that came (`signalled`) came only once every chart was converted,
    /// and the run published them all the same (`pipeline::LATE_STOP` says so). A run that
    /// converted no chart published nothing, signal or not.
    pub fn published_despite_signal(&self, signalled: bool) -> bool {
        signalled && !self.interrupted && self.published
    }

    pub fn failures(&self) -> impl Iterator<Item = &FileReport> {
        self.files.iter().filter(|f| f.outcome == Outcome::Failed)
    }

    /// Failures other than charts a signal kept the run from reaching: those say nothing about
    /// the file, and one line counts them all.
    pub fn failures_reached(&self) -> impl Iterator<Item = &FileReport> {
        self.failures().filter(|f| !f.not_reached())
    }

    /// [`Totals::success_rate_text`], but 0 for a run that published nothing (stopped by a
    /// signal, or no chart converted): a later step testing the rate asks what reached the
    /// output. A shard that drew no chart publishes its empty tree, and reads 1.
    pub fn success_rate_text(&self) -> String {
        match self.published {
            true => self.totals.success_rate_text(),
            false => unpublished_rate_text(),
        }
    }

    /// [`Self::success_rate_text`] in percent with two places.
    pub fn success_percent_text(&self) -> String {
        match self.published {
            true => self.totals.success_percent_text(),
            false => percent_text(0, 2),
        }
    }
}

/// How the reason of a chart a stopped run never reached ends (`not converted: ...`).
pub const NOT_REACHED: &str = "the run was interrupted";

/// The most of a failure reason kept, in characters. Reasons quote what a chart holds (a
/// string where a number goes, a stated timeframe), which may be megabytes: whole, they would
/// make one log line, annotation and report entry that size.
pub const MAX_REASON_CHARS: usize = 400;

/// `reason` cut to [`MAX_REASON_CHARS`], saying how much was left out.
pub fn bounded_reason(reason: String) -> String {
    match reason.char_indices().nth(MAX_REASON_CHARS) {
        None => reason,
        Some((cut, _)) => {
            let left_out = reason[cut..].chars().count();
            format!("{}... ({left_out} more characters)", &reason[..cut])
        }
    }
}

/// Whether the file at `path` is a run's report, told by its first 1 KiB.
pub fn is_run_report(path: &std::path::Path) -> std::io::Result<bool> {
    let mut head = Vec::with_capacity(1024);
    std::io::Read::read_to_end(
        &mut std::io::Read::take(std::fs::File::open(path)?, 1024),
        &mut head,
    )?;
    Ok(opens_a_run_report(&head))
}

/// Whether `head`, the start of a file, opens a run's report: its version first, then its
/// maker. Read as JSON tokens, not bytes: a report checked out of Git for Windows has CRLF line
/// ends, and an editor may add a byte-order mark or indent it otherwise.
pub fn opens_a_run_report(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}');
    let mut tokens = text
        .split(|c: char| c.is_whitespace() || c == ':' || c == ',')
        .filter(|token| !token.is_empty());
    let opening = [tokens.next(), tokens.next()];
    let version = matches!(opening, [Some("{"), Some("\"report_version\"")])
        || opening[0] == Some("{\"report_version\"");
    version
        && tokens
            .skip_while(|&token| token != "\"generated_by\"")
            .nth(1)
            == Some("\"bluedot")
}

/// Peak resident set size of this process (`VmHWM`), where the kernel reports it.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn report() -> Report {
        let ok = FileReport::new("ABC.IN_daily.json", Outcome::Ok, None);
        let failed = FileReport::new("BAD_daily.json", Outcome::Failed, Some("bad\n\"x\"".into()));
        Report {
            report_version: REPORT_VERSION,
            generated_by: "bluedot test".into(),
            timeframe: "daily".into(),
            group: "g".into(),
            timezone: None,
            timezone_database: None,
            keep_holidays: false,
            shard_index: 1,
            shard_count: 4,
            source: "local:in".into(),
            totals: Totals::default(),
            dropped_rows: [("holiday".to_owned(), 3)].into(),
            bars_not_at_midnight: 0,
            no_longer_published: Vec::new(),
            interrupted: false,
            published: true,
            files: vec![ok, failed],
            timings_ms: Timings::default(),
            bytes: Bytes::default(),
            peak_rss_bytes: None,
        }
    }

    /// A report is told by its first two keys, however it is spaced: Git for Windows checks it
    /// out with CRLF line ends, an editor may add a byte-order mark or indent it otherwise.
    #[test]
    fn a_run_report_is_told_by_its_opening_keys_however_spaced() {
        let pretty = "{\n  \"report_version\": 1,\n  \"generated_by\": \"bluedot 0.1.0\",\n";
        for head in [
            pretty.to_owned(),
            pretty.replace('\n', "\r\n"),
            format!("\u{feff}{pretty}"),
            pretty.replace("  ", "\t"),
            "{\"report_version\":1,\"generated_by\":\"bluedot 0.1.0\",\"timeframe\"".to_owned(),
        ] {
            assert!(opens_a_run_report(head.as_bytes()), "{head:?}");
        }
        for head in [
            "",
            "my notes",
            "{\"generated_by\": \"bluedot 0.1.0\", \"report_version\": 1}",
            "{\"report_version\": 1, \"generated_by\": \"something else\"}",
            "[{\"report_version\": 1, \"generated_by\": \"bluedot 0.1.0\"}]",
        ] {
            assert!(!opens_a_run_report(head.as_bytes()), "{head:?}");
        }
    }

    #[test]
    fn dates_are_spelled_as_chrono_spells_them() {
        for (y, m, d) in [
            (2025, 8, 1),
            (1000, 1, 1),
            (9999, 12, 31),
            (987, 6, 5),
            (10000, 1, 2),
        ] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            let json = serde_json::to_string(&IsoDate(date)).unwrap();
            assert_eq!(json, format!("\"{date}\""));
        }
    }

    #[test]
    fn chart_counts_are_kept_exactly_however_large() {
        let small: Counts = [308, 300, 297, 308, 12, 0, 0, 1, 0, 0, 3, 2, 41, 0, 7];
        let mut large = small;
        large[0] = 65_536;
        large[14] = u32::MAX;
        for counts in [small, large] {
            assert_eq!(ChartCounts::new(counts).get(), counts);
        }
        assert!(matches!(ChartCounts::new(small), ChartCounts::Narrow(_)));
        assert!(matches!(ChartCounts::new(large), ChartCounts::Wide(_)));
    }

    #[test]
    fn a_report_written_in_two_parts_is_the_whole_report_with_its_costs_last() {
        let mut report = report();
        let mut out = Vec::new();
        let mut writer = ReportWriter::new(&mut out);
        let open = writer.begin(&report).unwrap();
        // The costs become known only after the outcomes are written.
        report.timings_ms.wall = 1234;
        report.bytes.output = 99;
        report.peak_rss_bytes = Some(5_000_000);
        open.finish(&report).unwrap();
        writer.end().unwrap();

        let text = String::from_utf8(out).unwrap();
        let whole = serde_json::to_string_pretty(&report).unwrap() + "\n";
        assert_eq!(text, whole);
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["timings_ms"]["wall"], 1234);
        assert_eq!(parsed["bytes"]["out"], 99);
        assert_eq!(parsed["files"][1]["reason"], "bad\n\"x\"");
        // Top-level keys are the ones indented by two spaces.
        let at = |key: &str| text.find(&format!("\n  \"{key}\": ")).unwrap();
        assert!(at("interrupted") < at("files") && at("files") < at("timings_ms"));
        assert!(at("timings_ms") < at("bytes") && at("bytes") < at("peak_rss_bytes"));
    }

    #[test]
    fn a_reason_quoting_megabytes_is_cut() {
        let long = format!("invalid type: string \"{}\"", "é".repeat(3_000_000));
        let cut = bounded_reason(long);
        // 22 characters before the string, 378 of it kept; the rest and the closing quote not.
        let tail = "... (2999623 more characters)";
        assert!(
            cut.ends_with(tail),
            "{}",
            cut.chars().rev().take(40).collect::<String>()
        );
        assert_eq!(cut.chars().count(), MAX_REASON_CHARS + tail.len());
        assert_eq!(bounded_reason("no prices".into()), "no prices");
    }

    #[test]
    fn a_run_with_a_failure_never_reads_as_complete() {
        let totals = |ok, failed| Totals {
            ok,
            failed,
            ..Totals::default()
        };
        let one_in_20001 = totals(20_000, 1);
        assert_eq!(one_in_20001.success_rate_text(), "0.9999");
        assert_eq!(one_in_20001.success_percent_text(), "99.99 %");
        // 0.29 * 10000 is 2899.9999999999995 in floats.
        assert_eq!(totals(29, 71).success_rate_text(), "0.2900");
        assert_eq!(totals(29, 71).success_percent_text(), "29.00 %");
        assert_eq!(totals(5, 0).success_rate_text(), "1.0000");
        assert_eq!(totals(0, 0).success_percent_text(), "100.00 %");
        assert_eq!(totals(0, 3).success_rate_text(), "0.0000");
        assert_eq!(one_in_20001.success_percent_cut(3), "99.995 %");
        assert_eq!(totals(2, 1).success_percent_cut(5), "66.66666 %");
    }
}
