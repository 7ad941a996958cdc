//! `process`: a listing and its fetched bytes in, the series tree and a report out.
//!
//! Conversion runs on a rayon pool of `workers` threads pulling from the fetch iterator, so a
//! file is read (or downloaded) just before it is converted and memory stays at about
//! `workers x file size` however many files there are. Outcomes are sorted by file name at the
//! end, so nothing depends on which worker finished first.

use crate::convert::{self, ConvertOptions, Converted, SymbolInfo, SymbolInfoEntry};
use crate::output::{SeriesTree, WriteMode};
use crate::report::{self, Bytes, FileReport, Outcome, Report, Timings, Totals};
use crate::shard::Shard;
use crate::source::{Content, Fetched, Listing};
use rayon::iter::{ParallelBridge, ParallelIterator};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Everything `process` needs to know besides the files themselves.
#[derive(Debug, Clone)]
pub struct Job {
    pub convert: ConvertOptions,
    /// Names `symbol_info/<group>.json`.
    pub group: String,
    /// The output root; series go to `<output>/data/<timeframe>/`, the report to `<output>/report.json`.
    pub output: PathBuf,
    pub workers: usize,
    pub shard: Shard,
    /// Describes the source in the report, without secrets.
    pub source_label: String,
    pub write_mode: WriteMode,
}

impl Job {
    pub fn series_dir(&self) -> PathBuf {
        self.output
            .join("data")
            .join(self.convert.timeframe.as_str())
    }

    pub fn report_path(&self) -> PathBuf {
        self.output.join("report.json")
    }
}

/// Checks a `--group` value: it becomes a file name on a public site.
pub fn validate_group(group: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&group.len())
        && group
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "group {group:?} must be 1 to 64 characters of A-Z, a-z, 0-9, '_' or '-'"
        ))
    }
}

/// Hears about progress; the CLI shows a bar or log lines, tests hear nothing.
pub trait Progress: Sync {
    fn start(&self, _files: u64) {}
    fn file_done(&self, _file: &FileReport) {}
    fn finish(&self) {}
}

pub struct Silent;
impl Progress for Silent {}

/// What the source stage cost, measured by the caller.
#[derive(Debug, Clone, Copy, Default)]
pub struct SourceCosts {
    /// Files listed before sharding.
    pub listed: u64,
    pub list: Duration,
}

#[derive(Default)]
struct StageClock {
    read: AtomicU64,
    convert: AtomicU64,
    write: AtomicU64,
    bytes_in: AtomicU64,
}

impl StageClock {
    fn add(counter: &AtomicU64, since: Instant) {
        counter.fetch_add(since.elapsed().as_micros() as u64, Ordering::Relaxed);
    }
}

/// One file's result before collisions are settled.
struct Done {
    report: FileReport,
    /// Series file names written and symbol-list lines, for `ok` files.
    written: Option<(Vec<String>, Vec<SymbolInfoEntry>, u64)>,
}

/// Converts the fetched charts of `listing` and publishes the tree. `Err` means the output could
/// not be written at all; per-file problems are outcomes in the report.
pub fn run(
    job: &Job,
    listing: Listing,
    costs: SourceCosts,
    fetched: impl Iterator<Item = Fetched> + Send,
    progress: &dyn Progress,
    stop: &AtomicBool,
) -> anyhow::Result<Report> {
    let started = Instant::now();
    tracing::info!(
        files = listing.len(),
        shard = %job.shard,
        workers = job.workers,
        timeframe = %job.convert.timeframe,
        "processing"
    );
    let tree = SeriesTree::create(&job.series_dir(), job.write_mode)?;
    progress.start(listing.len() as u64);

    let clock = StageClock::default();
    let claims: Mutex<HashMap<String, String>> = Mutex::new(HashMap::new());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(job.workers.max(1))
        .thread_name(|i| format!("convert-{i}"))
        .build()?;
    let mut done: Vec<Done> = pool.install(|| {
        fetched
            .par_bridge()
            .map(|item| {
                let done = convert_one(job, &tree, item, &claims, &clock, stop);
                tracing::debug!(
                    file = %done.report.name,
                    outcome = ?done.report.outcome,
                    reason = done.report.reason.as_deref().unwrap_or(""),
                    "converted"
                );
                progress.file_done(&done.report);
                done
            })
            .collect()
    });

    let finalize = Instant::now();
    for (entry, reason) in &listing.skipped {
        let mut file = FileReport::new(&entry.name, Outcome::Skipped, Some(reason.clone()));
        file.bytes_in = entry.size;
        progress.file_done(&file);
        done.push(Done {
            report: file,
            written: None,
        });
    }
    done.sort_by(|a, b| a.report.name.cmp(&b.report.name));
    settle_collisions(&mut done, &tree);

    let interrupted = stop.load(Ordering::Relaxed);
    let mut symbol_list = Vec::new();
    let mut totals = Totals {
        listed: costs.listed,
        ..Totals::default()
    };
    let mut dropped: BTreeMap<String, u64> = BTreeMap::new();
    let mut bytes_out = 0;
    for d in &mut done {
        let file = &d.report;
        totals.files += 1;
        totals.retries += u64::from(file.retries);
        match file.outcome {
            Outcome::Ok => totals.ok += 1,
            Outcome::Failed => totals.failed += 1,
            Outcome::Skipped => totals.skipped += 1,
        }
        for (reason, n) in &file.dropped_rows {
            *dropped.entry(reason.clone()).or_default() += n;
        }
        if let Some((names, entries, bytes)) = d.written.take() {
            totals.series_files_written += names.len() as u64;
            totals.rows_written += file.rows.values().sum::<u64>();
            bytes_out += bytes;
            symbol_list.extend(entries);
        }
    }
    let symbol_info = SymbolInfo::new(symbol_list).to_json();
    if interrupted {
        tracing::warn!("interrupted: discarding the staged tree");
        tree.discard();
        totals.series_files_written = 0;
        totals.rows_written = 0;
        bytes_out = 0;
    } else {
        bytes_out += symbol_info.len() as u64;
        tree.publish(&job.group, &symbol_info)?;
    }
    progress.finish();

    let micros_to_ms = |c: &AtomicU64| c.load(Ordering::Relaxed) / 1000;
    let report = Report {
        report_version: report::REPORT_VERSION,
        generated_by: format!("bluedot {}", env!("CARGO_PKG_VERSION")),
        timeframe: job.convert.timeframe.to_string(),
        group: job.group.clone(),
        shard_index: job.shard.index,
        shard_count: job.shard.count,
        source: job.source_label.clone(),
        totals,
        dropped_rows: dropped,
        timings_ms: Timings {
            list: costs.list.as_millis() as u64,
            read: micros_to_ms(&clock.read),
            convert: micros_to_ms(&clock.convert),
            write: micros_to_ms(&clock.write),
            finalize: finalize.elapsed().as_millis() as u64,
            wall: (started.elapsed() + costs.list).as_millis() as u64,
        },
        bytes: Bytes {
            input: clock.bytes_in.load(Ordering::Relaxed),
            output: bytes_out,
        },
        peak_rss_bytes: report::peak_rss_bytes(),
        interrupted,
        files: done.into_iter().map(|d| d.report).collect(),
    };
    crate::output::write_atomic(&job.report_path(), &report.to_json())?;
    Ok(report)
}

fn convert_one(
    job: &Job,
    tree: &SeriesTree,
    item: Fetched,
    claims: &Mutex<HashMap<String, String>>,
    clock: &StageClock,
    stop: &AtomicBool,
) -> Done {
    let failed = |reason: String| Done {
        report: {
            let mut f = FileReport::new(&item.name, Outcome::Failed, Some(reason));
            f.retries = item.retries;
            f
        },
        written: None,
    };
    if stop.load(Ordering::Relaxed) {
        return failed("not converted: the run was interrupted".into());
    }
    let read = Instant::now();
    let bytes = match &item.content {
        Err(reason) => return failed(reason.clone()),
        Ok(Content::Path(path)) => match std::fs::read(path) {
            Ok(bytes) => std::borrow::Cow::Owned(bytes),
            Err(e) => return failed(format!("cannot read: {e}")),
        },
        Ok(Content::Bytes(bytes)) => std::borrow::Cow::Borrowed(bytes.as_slice()),
    };
    StageClock::add(&clock.read, read);
    clock
        .bytes_in
        .fetch_add(bytes.len() as u64, Ordering::Relaxed);

    let converting = Instant::now();
    let result = convert::convert(&item.name, &bytes, &job.convert);
    StageClock::add(&clock.convert, converting);
    let chart = match result {
        Ok(chart) => chart,
        Err(e) => {
            let mut done = failed(e.to_string());
            done.report.bytes_in = Some(bytes.len() as u64);
            return done;
        }
    };

    let mut report = ok_report(&item, &chart, bytes.len() as u64);
    let first_claim = {
        let mut claims = claims.lock().expect("claims lock");
        match claims.get(&chart.series_symbol) {
            Some(_) => false,
            None => {
                claims.insert(chart.series_symbol.clone(), item.name.clone());
                true
            }
        }
    };
    if !first_claim {
        // The claimant is failed too in `settle_collisions`; nothing of this file is written.
        report.outcome = Outcome::Failed;
        report.reason = Some(collision_mark(&chart.series_symbol));
        return Done {
            report,
            written: None,
        };
    }

    let writing = Instant::now();
    let files: Vec<(String, &[u8])> = chart
        .series
        .iter()
        .map(|s| (s.file_name(&chart.series_symbol), s.csv.as_slice()))
        .collect();
    let result = tree.write_chart(&files);
    StageClock::add(&clock.write, writing);
    match result {
        Ok(bytes) => Done {
            written: Some((
                files.into_iter().map(|(n, _)| n).collect(),
                SymbolInfoEntry::for_chart(&chart, job.convert.timeframe),
                bytes,
            )),
            report,
        },
        Err(e) => {
            report.outcome = Outcome::Failed;
            report.reason = Some(format!("cannot write series: {e}"));
            report.rows.clear();
            Done {
                report,
                written: None,
            }
        }
    }
}

fn ok_report(item: &Fetched, chart: &Converted, bytes_in: u64) -> FileReport {
    let mut report = FileReport::new(&item.name, Outcome::Ok, None);
    report.symbol = Some(chart.symbol.clone());
    report.series_symbol = Some(chart.series_symbol.clone());
    report.bytes_in = Some(bytes_in);
    report.retries = item.retries;
    report.rows = chart
        .series
        .iter()
        .map(|s| (s.file_name(&chart.series_symbol), s.rows as u64))
        .collect();
    report.first_date = Some(chart.first_date.to_string());
    report.last_date = Some(chart.last_date.to_string());
    report.dropped_rows = report::dropped_map(&chart.dropped);
    report
}

const COLLISION: &str = "symbol collision";

fn collision_mark(series_symbol: &str) -> String {
    format!("{COLLISION}: {series_symbol}")
}

/// Every file of a colliding series symbol fails, naming all of them, whichever came first:
/// one must never silently replace another.
fn settle_collisions(done: &mut [Done], tree: &SeriesTree) {
    let mut by_symbol: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, d) in done.iter().enumerate() {
        let converted = d.written.is_some()
            || d.report
                .reason
                .as_deref()
                .is_some_and(|r| r.starts_with(COLLISION));
        if let (true, Some(symbol)) = (converted, &d.report.series_symbol) {
            by_symbol.entry(symbol.clone()).or_default().push(i);
        }
    }
    for (symbol, members) in by_symbol.into_iter().filter(|(_, m)| m.len() > 1) {
        let names: Vec<&str> = members
            .iter()
            .map(|&i| done[i].report.name.as_str())
            .collect();
        let reason = format!(
            "{COLLISION}: {} all map to series symbol {symbol}",
            names.join(", ")
        );
        for &i in &members {
            let d = &mut done[i];
            if let Some((written, _, _)) = d.written.take() {
                tree.remove(written.iter().map(String::as_str));
            }
            d.report.outcome = Outcome::Failed;
            d.report.reason = Some(reason.clone());
            d.report.rows.clear();
        }
    }
}
