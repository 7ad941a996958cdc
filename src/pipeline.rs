//! `process`: a listing and its fetched bytes in, the series tree and a report out.
//!
//! Conversion runs on a rayon pool of `workers` threads pulling from the fetch iterator, so a
//! file is read (or downloaded) just before it is converted and memory stays at about
//! `workers x file size` however many files there are. Outcomes are sorted by file name at the
//! end, so nothing depends on which worker finished first.

use crate::convert::{
    self, ChartSymbols, ConvertOptions, DateRule, DroppedRows, SeriesKind, SeriesSymbols,
    Timeframe, write_symbol_info,
};
use crate::output::{Claim, Finished, Published, SeriesTree, WriteMode};
use crate::report::{
    self, Bytes, ChartFacts, FileReport, Outcome, Report, ReportWriter, Timings, Totals,
};
use crate::shard::Shard;
use crate::source::{Content, Fetched, LARGEST_CHART, ShardWork, too_large};
use rayon::iter::{ParallelBridge, ParallelIterator};
use std::cell::RefCell;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

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
    pub write_mode: WriteMode,
}

impl Job {
    pub fn series_dir(&self) -> PathBuf {
        series_dir(&self.output, self.convert.timeframe)
    }

    pub fn report_path(&self) -> PathBuf {
        self.output.join("report.json")
    }
}

/// `<output>/data/<timeframe>/`, the tree a run replaces whole.
pub fn series_dir(output: &Path, timeframe: Timeframe) -> PathBuf {
    output.join("data").join(timeframe.as_str())
}

/// Why a local input folder cannot be converted into `output`, if it cannot.
pub enum InputConflict {
    /// The output itself: its report.json would be read as a chart on the next run.
    SameFolder,
    /// The series tree (given) or a folder inside it: the charts would be deleted with it.
    InsideSeries(PathBuf),
}

/// The conflict between a local `input` and a run into `output`, links and `..` resolved; the
/// CLI and the action word it each in their own terms.
pub fn input_conflict(input: &Path, output: &Path, timeframe: Timeframe) -> Option<InputConflict> {
    let same = match (input.canonicalize(), output.canonicalize()) {
        (Ok(a), Ok(b)) => a == b || one_folder_by_identity(&a, &b),
        _ => input == output,
    };
    let series = series_dir(output, timeframe);
    if same {
        Some(InputConflict::SameFolder)
    } else if crate::output::is_within(input, &series) {
        Some(InputConflict::InsideSeries(series))
    } else {
        None
    }
}

/// Two paths to one folder that no link explains: a bind mount (`docker run -v drop:/in -v
/// drop:/out`) shows one folder at two places.
#[cfg(unix)]
fn one_folder_by_identity(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn one_folder_by_identity(_: &Path, _: &Path) -> bool {
    false
}

/// Hears about progress; the CLI shows a bar or log lines, tests hear nothing.
pub trait Progress: Sync {
    fn start(&self, _files: u64) {}
    fn file_done(&self, _file: &FileReport) {}
    fn finish(&self) {}
}

pub struct Silent;
impl Progress for Silent {}

#[derive(Default)]
struct StageClock {
    /// Time the source took to hand over each chart: opening a local file (and announcing the
    /// next few), or the wait for a Drive download still under way.
    fetch: AtomicU64,
    read: AtomicU64,
    convert: AtomicU64,
    write: AtomicU64,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
}

impl StageClock {
    fn add(counter: &AtomicU64, since: Instant) {
        counter.fetch_add(since.elapsed().as_micros() as u64, Ordering::Relaxed);
    }
}

/// The source's charts, each handed over with the time it took added to `clock`: from Drive, a
/// run's wall time is mostly this wait, which no other stage shows.
struct Timed<'a, I> {
    items: I,
    clock: &'a AtomicU64,
}

impl<I: Iterator> Iterator for Timed<'_, I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        let asked = Instant::now();
        let item = self.items.next();
        StageClock::add(self.clock, asked);
        item
    }
}

/// A run stopped by the machine rather than by its output or any one file: its worker threads
/// could not start, or no file could be opened any more.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Halted(String);

/// A run whose report could not be put in place after its tree was, and whose tree could not
/// be put back either: the one failure after which something was published.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct StillPublished(String);

/// What a user reads when [`run`] returns `Err`: the output named, unless the output is not
/// what failed, and what was published (nothing, but for [`StillPublished`]).
pub fn failure_message(error: &anyhow::Error, output: &str) -> String {
    let mut message = match error.downcast_ref::<Halted>() {
        Some(halted) => halted.to_string(),
        None => format!("cannot write the output in {output}: {error:#}"),
    };
    // Too many open files met while setting up, before any chart could say what to do.
    let advice = error.chain().find_map(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .and_then(crate::os_error::out_of_descriptors)
    });
    if let Some(advice) = advice
        && !message.contains(advice)
    {
        message = format!("{message}: {advice}");
    }
    match error.downcast_ref::<StillPublished>() {
        Some(_) => message,
        None => format!("{message}; nothing was published"),
    }
}

/// What a run stopped by a signal only once every chart was converted says: it went on.
pub const LATE_STOP: &str =
    "a stop signal came once every chart was converted: the run finished and published them";

/// Converts the fetched charts of `listing` and publishes the tree. `Err` means the run could
/// not go on (see [`failure_message`]) and published nothing; per-file problems are outcomes in
/// the report.
pub fn run(
    job: &Job,
    work: ShardWork,
    progress: &dyn Progress,
    stop: &AtomicBool,
) -> anyhow::Result<Report> {
    crate::output::refuse_foreign_root(&job.output)?;
    // Before anything is written: a machine that cannot start the threads leaves nothing behind.
    let workers = job.workers.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .thread_name(|i| format!("convert-{i}"))
        .build()
        .map_err(|e| {
            let e = std::error::Error::source(&e).map_or(e.to_string(), ToString::to_string);
            Halted(match workers {
                1 => format!(
                    "could not start a worker thread ({e}): the system allows this run no more \
                     threads or memory"
                ),
                _ => format!(
                    "could not start {workers} worker threads ({e}): the system allows this run \
                     fewer threads or less memory; give fewer --workers"
                ),
            })
        })?;
    let claim = Claim::take(&job.output, &job.series_dir())?;
    let result = run_claimed(job, work, progress, stop, &claim, &pool);
    // Whatever the run wrote is in place or gone by now (a tree it could not remove has no lock
    // file left to keep it from the next run, which removes it).
    if let Err(e) = claim.release() {
        tracing::warn!(error = %e, "could not remove the run's lock file");
    }
    result
}

fn run_claimed(
    job: &Job,
    work: ShardWork,
    progress: &dyn Progress,
    stop: &AtomicBool,
    claim: &Claim,
    pool: &rayon::ThreadPool,
) -> anyhow::Result<Report> {
    let started = Instant::now();
    let files_total = work.files();
    let charts_total = work.charts;
    let ShardWork {
        skipped,
        unreadable,
        costs,
        label,
        fetched,
        ..
    } = work;
    tracing::info!(
        files = files_total,
        shard = %job.shard,
        workers = job.workers,
        timeframe = %job.convert.timeframe,
        "processing"
    );
    let tree = SeriesTree::create(claim, job.write_mode)?;
    progress.start(files_total as u64);

    let clock = StageClock::default();
    // Sized once: one compact outcome per file is all a run keeps, whatever the file count.
    let done: Mutex<Vec<FileReport>> = Mutex::new(Vec::with_capacity(files_total));
    // Why the run cannot go on, when the source says so (no file can be opened any more).
    let halted: OnceLock<String> = OnceLock::new();
    let fetched = Timed {
        items: fetched,
        clock: &clock.fetch,
    };
    pool.install(|| {
        fetched.par_bridge().for_each(|item| {
            if let Some(advice) = item.stops_the_run
                && let Err(reason) = &item.content
            {
                let _ = halted.set(format!(
                    "{}: {reason}: {advice}",
                    crate::report::one_line(&item.name),
                ));
            }
            let file = convert_one(job, &tree, item, &clock, stop);
            tracing::debug!(
                file = %crate::report::one_line(&file.name),
                outcome = ?file.outcome,
                reason = %crate::report::one_line(file.reason.as_deref().unwrap_or("")),
                "converted"
            );
            progress.file_done(&file);
            done.lock().expect("outcomes lock").push(file);
            if tree.broken().is_some() || halted.get().is_some() {
                // The charts not reached yet are neither converted nor downloaded.
                stop.store(true, Ordering::Relaxed);
            }
        })
    });
    let mut files = done.into_inner().expect("outcomes lock");
    // The output refused a series, or the machine would not open a chart: the run stops.
    let stopped = match (tree.broken(), halted.into_inner()) {
        (Some(reason), _) => Some(anyhow::anyhow!("{reason}")),
        (None, Some(reason)) => Some(Halted(reason).into()),
        (None, None) => None,
    };
    if let Some(error) = stopped {
        progress.finish();
        tree.discard();
        return Err(error);
    }

    let finalize = Instant::now();
    let not_converted = skipped
        .into_iter()
        .map(|(entry, reason)| (entry, Outcome::Skipped, reason))
        .chain(
            unreadable
                .into_iter()
                .map(|(entry, reason)| (entry, Outcome::Failed, reason)),
        );
    for (entry, outcome, reason) in not_converted {
        let mut file = FileReport::new(entry.name, outcome, Some(reason));
        file.bytes_in = entry.size;
        progress.file_done(&file);
        files.push(file);
    }
    // Every file is done: the bar goes before anything else is said on the terminal.
    progress.finish();
    sort_outcomes(&mut files);
    let collided_bytes = settle_collisions(&mut files, &tree);

    let interrupted = stop.load(Ordering::Relaxed);
    let mut totals = Totals {
        listed: costs.listed,
        retries: costs.retries,
        ..Totals::default()
    };
    let mut dropped = DroppedRows::default();
    let mut bars_not_at_midnight = 0;
    for file in &files {
        totals.files += 1;
        totals.retries += u64::from(file.retries);
        match file.outcome {
            Outcome::Ok => totals.ok += 1,
            Outcome::Failed => totals.failed += 1,
            Outcome::Skipped => totals.skipped += 1,
        }
        // The run's counts are of the charts it keeps: a chart failed as a collision keeps its
        // own counts in its entry, but none of its rows reach the tree.
        if let (Some(chart), Outcome::Ok) = (&file.chart, file.outcome) {
            dropped += chart.dropped();
            bars_not_at_midnight += u64::from(chart.bars_not_at_midnight());
            totals.series_files_written += SeriesKind::ALL.len() as u64;
            totals.rows_written += chart.rows().iter().map(|&n| u64::from(n)).sum::<u64>();
        }
    }
    let mut bytes_out = clock.bytes_out.load(Ordering::Relaxed) - collided_bytes;
    // A run in which every chart failed (the wrong folder, the wrong timeframe, an export format
    // that changed overnight), or proved to be no chart (bluedot's own report and symbol list
    // uploaded alone), would publish an empty tree over the last good one. Only a shard that
    // drew no chart at all publishes one: its charts are in the other shards' trees.
    let converted_nothing = totals.ok == 0 && (charts_total > 0 || totals.failed > 0);
    let publishing = if interrupted || converted_nothing {
        if interrupted {
            tracing::warn!("interrupted: discarding the staged tree");
        } else {
            // The summary says so; a warning here would say it twice.
            tracing::info!("no chart converted: keeping the series published before");
        }
        tree.discard();
        totals.series_files_written = 0;
        totals.rows_written = 0;
        bytes_out = 0;
        None
    } else {
        Some(tree)
    };
    let published = publishing.is_some();
    let no_longer_published = match &publishing {
        Some(tree) => no_longer_published(tree.published_before(), &files),
        None => Vec::new(),
    };
    let mut report = Report {
        report_version: report::REPORT_VERSION,
        generated_by: format!("bluedot {}", env!("CARGO_PKG_VERSION")),
        timeframe: job.convert.timeframe.to_string(),
        group: job.group.clone(),
        timezone: match &job.convert.date_rule {
            DateRule::NearestUtcMidnight => None,
            DateRule::Zone(zone) => zone.iana_name().map(str::to_owned),
        },
        timezone_database: match job.convert.date_rule {
            DateRule::NearestUtcMidnight => None,
            DateRule::Zone(_) => Some(convert::zone_database_release().to_owned()),
        },
        keep_holidays: job.convert.keep_holidays,
        shard_index: job.shard.index,
        shard_count: job.shard.count,
        source: label,
        totals,
        dropped_rows: report::dropped_map(&dropped),
        bars_not_at_midnight,
        interrupted,
        published,
        no_longer_published,
        files,
        timings_ms: Timings::default(),
        bytes: Bytes::default(),
        peak_rss_bytes: None,
    };
    // The report's outcomes are written on one core while the symbol list is written on the
    // other; the costs, known only then, close the report. Both are complete before either is
    // put in place, so that the report in place describes the tree in place.
    let report_path = job.report_path();
    let (mut publishing, mut finished, mut tree_failed) = (publishing, None, false);
    let report_written = crate::output::write_pending(claim, &report_path, |file| {
        let mut json = ReportWriter::new(&*file);
        let (tree, open) = pool.install(|| {
            rayon::join(
                || finish(publishing.take(), job, &report.files),
                || json.begin(&report),
            )
        });
        finished = tree.inspect_err(|_| tree_failed = true)?;
        bytes_out += finished.as_ref().map_or(0, Finished::list_size);
        let open = open?;
        let micros_to_ms = |c: &AtomicU64| c.load(Ordering::Relaxed) / 1000;
        report.timings_ms = Timings {
            list: costs.list.as_millis() as u64,
            fetch: micros_to_ms(&clock.fetch),
            read: micros_to_ms(&clock.read),
            convert: micros_to_ms(&clock.convert),
            write: micros_to_ms(&clock.write),
            finalize: finalize.elapsed().as_millis() as u64,
            wall: (started.elapsed() + costs.list).as_millis() as u64,
        };
        report.bytes = Bytes {
            input: clock.bytes_in.load(Ordering::Relaxed),
            output: bytes_out,
        };
        report.peak_rss_bytes = report::peak_rss_bytes();
        open.finish(&report)?;
        json.end()
    });
    let report_written = match report_written {
        Ok(pending) => pending,
        Err(e) => {
            // Unfinished if the report's file could not even be created.
            if let Some(tree) = publishing {
                tree.discard();
            }
            if let Some(tree) = finished {
                tree.discard();
            }
            return Err(match tree_failed {
                true => e,
                false => crate::os_error::in_context(e, report_path.display()),
            }
            .into());
        }
    };
    let swapping = crate::output::SwapInProgress::begin();
    let published = finished.map(Finished::publish).transpose()?;
    if let Err(e) = report_written.put_in_place() {
        let report = report_path.display();
        return Err(match published.map_or(Ok(()), Published::undo) {
            Ok(()) => anyhow::anyhow!("{report}: {e}"),
            Err(undo) if undo.run_tree_in_place => StillPublished(format!(
                "{report}: {e}; the new series stay published ({})",
                undo.error
            ))
            .into(),
            Err(undo) => anyhow::anyhow!(crate::output::not_put_back(
                &format!("{report}: {e}"),
                &undo.error,
                claim.target()
            )),
        });
    }
    drop(swapping);
    if let Some(published) = published {
        published.settle();
    }
    if stop.load(Ordering::Relaxed) && !report.interrupted {
        // Stopping then would only have thrown the whole run away; a second signal still ends it.
        tracing::warn!("{LATE_STOP}");
    }
    Ok(report)
}

/// Writes the symbol list of the ok charts into the run's tree, which is then ready to publish.
/// Nothing to publish (an interrupted run) is `None`.
/// The series symbols of the replaced tree that the run's tree does not have: the stocks whose
/// charts failed or were missing today, whose series the run removes.
fn no_longer_published(before: &[Box<str>], files: &[FileReport]) -> Vec<String> {
    if before.is_empty() {
        return Vec::new();
    }
    let mut now: Vec<String> = files
        .iter()
        .filter(|file| file.outcome == Outcome::Ok)
        .filter_map(FileReport::series_symbol)
        .collect();
    now.sort_unstable();
    before
        .iter()
        .filter(|symbol| now.binary_search_by(|s| s.as_str().cmp(symbol)).is_err())
        .map(|symbol| symbol.to_string())
        .collect()
}

fn finish<'c>(
    tree: Option<SeriesTree<'c>>,
    job: &Job,
    files: &[FileReport],
) -> std::io::Result<Option<Finished<'c>>> {
    let Some(tree) = tree else { return Ok(None) };
    let listed: Vec<&ChartSymbols> = files
        .iter()
        .filter(|f| f.outcome == Outcome::Ok)
        .filter_map(|f| f.chart.as_ref().map(|c| &c.symbols))
        .collect();
    let timeframe = job.convert.timeframe;
    tree.finish(&job.group, |file| {
        write_symbol_info(&listed, timeframe, file)
    })
    .map(Some)
}

fn convert_one(
    job: &Job,
    tree: &SeriesTree,
    item: Fetched,
    clock: &StageClock,
    stop: &AtomicBool,
) -> FileReport {
    // The listed name moves into the report: a run holds each name once, allocated together
    // when the folder was listed rather than among the workers' large buffers.
    let Fetched {
        name,
        content,
        retries,
        ..
    } = item;
    let mut file = FileReport::new(name, Outcome::Failed, None);
    file.retries = retries.try_into().unwrap_or(u16::MAX);
    let failed = |mut file: FileReport, reason: String| {
        file.reason = Some(crate::report::bounded_reason(reason).into());
        file
    };
    if stop.load(Ordering::Relaxed) {
        return failed(
            file,
            format!("not converted: {}", crate::report::NOT_REACHED),
        );
    }
    let content = match &content {
        Ok(content) => content,
        Err(reason) => return failed(file, reason.clone()),
    };
    let read = Instant::now();
    let converted = with_bytes(content, |bytes| {
        StageClock::add(&clock.read, read);
        clock
            .bytes_in
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        let converting = Instant::now();
        let result = convert::convert(&file.name, bytes, &job.convert);
        StageClock::add(&clock.convert, converting);
        // Not a chart, and bluedot's own: its report or symbol list uploaded beside the charts.
        let own = match &result {
            Err(convert::ConvertError::NoChart) => crate::source::written_by_bluedot(bytes),
            _ => None,
        };
        (bytes.len() as u64, result, own)
    });
    let chart = match converted {
        Err(reason) => return failed(file, reason),
        Ok((size, result, own)) => {
            file.bytes_in = Some(size);
            match (result, own) {
                (Ok(chart), _) => chart,
                (Err(_), Some(own)) => {
                    file.outcome = Outcome::Skipped;
                    file.reason = Some(own.into());
                    return file;
                }
                (Err(e), None) => return failed(file, e.to_string()),
            }
        }
    };
    file.chart = Some(ChartFacts::of(&chart));

    let writing = Instant::now();
    let files: Vec<(String, &[u8])> = chart
        .series
        .iter()
        .map(|s| (s.file_name(&chart.series_symbol), s.csv.as_slice()))
        .collect();
    let result = tree.write_chart(&files);
    StageClock::add(&clock.write, writing);
    match result {
        Ok(bytes) => {
            clock.bytes_out.fetch_add(bytes, Ordering::Relaxed);
            file.bytes_out = bytes.try_into().unwrap_or(u32::MAX);
            file.outcome = Outcome::Ok;
            file
        }
        Err(e) => failed(file, format!("cannot write series: {e}")),
    }
}

thread_local! {
    /// Each worker reads every file into the same buffer: memory stays at workers x the largest
    /// file, and no large block is freed between the small ones a run keeps per file (which
    /// would fragment the heap as the file count grows). Past `LARGEST_BUFFER_KEPT` it is given
    /// back after its chart; blocks that large are mappings of their own (`malloc.rs`), so that
    /// fragments nothing. Its whole length is initialised and usable; how much of it a file
    /// filled is returned by `read_whole`.
    static READ_BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Calls `use_bytes` with the content's bytes, reading a file into the worker's buffer; `Err`
/// is the reason the file could not be read.
fn with_bytes<R>(content: &Content, use_bytes: impl FnOnce(&[u8]) -> R) -> Result<R, String> {
    match content {
        Content::Bytes(bytes) => Ok(use_bytes(bytes)),
        Content::File(file) => READ_BUFFER.with_borrow_mut(|buffer| {
            let used = read_whole(file, buffer).map(|len| use_bytes(&buffer[..len]));
            // An unusually large chart's buffer is let go at once, not kept for the whole run.
            if buffer.len() > LARGEST_BUFFER_KEPT {
                *buffer = Vec::new();
            }
            used
        }),
    }
}

/// The most a worker's read buffer keeps between charts (exports are about 120 KB).
const LARGEST_BUFFER_KEPT: usize = 1024 * 1024;

/// Reads `file` from its start to its end into `buffer`, growing it when full; returns the
/// length read. Unlike `read_to_end`, it asks the file for nothing but its bytes: no size and no
/// position first, two system calls per chart saved, since the buffer is already large enough
/// after the first chart. Reads no more than one byte past [`LARGEST_CHART`].
fn read_whole(mut file: &std::fs::File, buffer: &mut Vec<u8>) -> Result<usize, String> {
    const FIRST_SIZE: usize = 64 * 1024;
    const LEAST_GROWTH: usize = 16 * 1024;
    // One byte past the limit tells a file at the limit from a larger one.
    let most = LARGEST_CHART as usize + 1;
    let mut len = 0;
    loop {
        if len == buffer.len() {
            if len >= most {
                return Err(too_large(file.metadata().ok().map(|m| m.len())));
            }
            // Growing zeroes, and so touches, the new part, which the worker then keeps for the
            // whole run: an eighth more at a time, not double, keeps it close to the largest
            // chart (doubling for one chart of 129 KB would hold 256 KB per worker).
            let grown = len + (len / 8).max(LEAST_GROWTH);
            buffer.resize(grown.max(FIRST_SIZE).min(most), 0);
        }
        match file.read(&mut buffer[len..]) {
            Ok(0) => return Ok(len),
            Ok(read) => len += read,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("cannot read: {e}")),
        }
    }
}

/// Outcomes in the report's order: by name, which is not always unique (Drive holds several
/// files of one name, the kept one and the ones skipped beside it, and the spelling of a name
/// that is not UTF-8 can match another's), so ties go by outcome, reason and size, never by
/// which worker finished first. Unstable, to need no scratch buffer: a tie on all four takes two
/// files whose names print alike and whose sizes match.
fn sort_outcomes(files: &mut [FileReport]) {
    files.sort_unstable_by(|a, b| {
        (&a.name, a.outcome, &a.reason, a.bytes_in)
            .cmp(&(&b.name, b.outcome, &b.reason, b.bytes_in))
    });
}

/// Every file of a colliding series symbol fails, naming all of them, and their series are
/// removed: one must never silently replace another. Settled once every file is written, so a
/// run keeps no per-symbol index while it converts; in the default staged mode colliding writes
/// land only in the staging tree and are gone before anything is published (per-file mode, the
/// bench's comparison, has already published them and removes them).
/// Returns the bytes the colliding charts had written.
fn settle_collisions(files: &mut [FileReport], tree: &SeriesTree) -> u64 {
    // Ok files, ordered by series symbol and then by name (files are sorted by name), so that
    // the files of one symbol stand together: a few bytes per file, where a map from symbol
    // strings cost over a hundred at the run's peak.
    let ok: Vec<usize> = (0..files.len())
        .filter(|&i| files[i].outcome == Outcome::Ok && files[i].chart.is_some())
        .collect();
    let symbols = SeriesSymbols::of(ok.iter().map(|&i| {
        let chart = files[i].chart.as_ref().expect("filtered on a chart");
        &chart.symbols
    }));
    let mut order: Vec<u32> = (0..ok.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| {
        let symbol = |at: u32| symbols.get(at as usize);
        symbol(a).cmp(symbol(b)).then(a.cmp(&b))
    });
    let collisions: Vec<Vec<usize>> = order
        .chunk_by(|&a, &b| symbols.get(a as usize) == symbols.get(b as usize))
        .filter(|same| same.len() > 1)
        .map(|same| same.iter().map(|&at| ok[at as usize]).collect())
        .collect();
    let mut removed_bytes = 0;
    for members in collisions {
        let symbol = files[members[0]].series_symbol().unwrap_or_default();
        let names: Vec<&str> = members.iter().map(|&i| &*files[i].name).collect();
        // Every member carries the reason, so naming them all would grow with the square of
        // their number: an export that stamped one symbol into every file fails thousands.
        let reason = if names.len() <= COLLIDING_NAMED {
            format!(
                "symbol collision: {} all map to series symbol {symbol}",
                names.join(", ")
            )
        } else {
            format!(
                "symbol collision: {} files map to series symbol {symbol}: {} and {} more",
                names.len(),
                names[..COLLIDING_NAMED].join(", "),
                names.len() - COLLIDING_NAMED
            )
        };
        if let Some(chart) = &files[members[0]].chart {
            let written: Vec<String> = chart.file_names().collect();
            tree.remove(written.iter().map(String::as_str));
        }
        for &i in &members {
            let file = &mut files[i];
            removed_bytes += u64::from(file.bytes_out);
            file.outcome = Outcome::Failed;
            file.reason = Some(reason.as_str().into());
        }
    }
    removed_bytes
}

/// How many of a collision's files its reason names.
const COLLIDING_NAMED: usize = 5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reused_buffer_holds_exactly_each_file_read_into_it() {
        let dir = tempfile::tempdir().unwrap();
        let large: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let sizes = [0, 1, 65_536, 65_537, 300_000, 17];
        let mut buffer = Vec::new();
        for size in sizes {
            let path = dir.path().join(format!("{size}.json"));
            std::fs::write(&path, &large[..size]).unwrap();
            let file = std::fs::File::open(&path).unwrap();
            let len = read_whole(&file, &mut buffer).unwrap();
            assert_eq!(&buffer[..len], &large[..size], "a file of {size} bytes");
        }
    }

    #[test]
    fn a_buffer_grown_for_an_unusually_large_chart_is_let_go() {
        let dir = tempfile::tempdir().unwrap();
        let read = |size: usize| {
            let path = dir.path().join(format!("{size}.json"));
            std::fs::write(&path, vec![b' '; size]).unwrap();
            let content = Content::File(std::fs::File::open(&path).unwrap());
            with_bytes(&content, |bytes| assert_eq!(bytes.len(), size)).unwrap();
            READ_BUFFER.with_borrow(Vec::capacity)
        };
        assert!(read(120_000) >= 120_000, "an export's buffer is kept");
        assert_eq!(read(2 * 1024 * 1024), 0);
        assert!(read(120_000) >= 120_000);
    }

    #[test]
    fn a_run_that_could_not_go_on_says_what_stopped_it_and_that_nothing_was_published() {
        let io = |e: std::io::Error| failure_message(&anyhow::Error::from(e), "out");
        assert_eq!(
            io(std::io::ErrorKind::StorageFull.into()),
            "cannot write the output in out: no storage space; nothing was published"
        );
        #[cfg(unix)]
        {
            let setting_up = io(std::io::Error::from_raw_os_error(libc::EMFILE));
            assert!(
                setting_up.starts_with("cannot write the output in out: Too many open files")
                    && setting_up.ends_with("or give fewer --workers; nothing was published"),
                "{setting_up}"
            );
        }
        let halted = Halted("could not start a worker thread (no)".into());
        assert_eq!(
            failure_message(&halted.into(), "out"),
            "could not start a worker thread (no); nothing was published"
        );
        // The one failure after which the new tree stays: never "nothing was published".
        let stayed = StillPublished("report.json: gone; the new series stay published (x)".into());
        assert_eq!(
            failure_message(&stayed.into(), "out"),
            "cannot write the output in out: report.json: gone; the new series stay published (x)"
        );
    }

    /// Drive lists two files of one name: the one used is converted by whichever worker, the
    /// other is skipped beside it. The report must not depend on which came first.
    #[test]
    fn files_of_one_name_are_reported_in_one_order_whatever_finished_first() {
        let entry = |name: &str, outcome, reason: Option<&str>, size| {
            let mut file = FileReport::new(name, outcome, reason.map(String::from));
            file.bytes_in = size;
            file
        };
        let files = [
            entry(
                "A_daily.json",
                Outcome::Skipped,
                Some("duplicate: ... this one is 2"),
                Some(9),
            ),
            entry("B_daily.json", Outcome::Ok, None, Some(5)),
            entry("A_daily.json", Outcome::Ok, None, Some(7)),
            entry(
                "A_daily.json",
                Outcome::Skipped,
                Some("duplicate: ... this one is 1"),
                Some(9),
            ),
            entry(
                "A_daily.json",
                Outcome::Failed,
                Some("invalid JSON"),
                Some(3),
            ),
            entry(
                "A_daily.json",
                Outcome::Failed,
                Some("invalid JSON"),
                Some(2),
            ),
        ];
        let shown = |files: &[FileReport]| {
            files
                .iter()
                .map(|f| format!("{} {:?} {:?} {:?}", f.name, f.outcome, f.reason, f.bytes_in))
                .collect::<Vec<_>>()
        };
        let mut first = files.to_vec();
        sort_outcomes(&mut first);
        let mut reversed: Vec<FileReport> = files.iter().rev().cloned().collect();
        sort_outcomes(&mut reversed);
        assert_eq!(shown(&first), shown(&reversed));
        let mut rotated = files.to_vec();
        rotated.rotate_left(2);
        sort_outcomes(&mut rotated);
        assert_eq!(shown(&first), shown(&rotated));
        assert_eq!(
            shown(&first)[..2],
            [
                "A_daily.json Ok None Some(7)",
                "A_daily.json Failed Some(\"invalid JSON\") Some(2)"
            ]
        );
    }
}
