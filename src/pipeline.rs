//! `process`: a listing and its fetched bytes in, the series tree and a report out.
//!
//! Conversion runs on a rayon pool of `workers` threads pulling from the fetch iterator, so a
//! file is read (or downloaded) just before it is converted and memory stays at about
//! `workers x file size` however many files there are. Outcomes are sorted by file name at the
//! end, so nothing depends on which worker finished first.

mod outcomes;
mod worker;

use crate::convert::{self, ChartSymbols, ConvertOptions, DateRule, Timeframe, write_symbol_info};
use crate::output::{Claim, Finished, Published, SeriesTree, WriteMode};
use crate::report::{self, Bytes, FileReport, Outcome, Report, ReportWriter, Timings, Totals};
use crate::shard::Shard;
use crate::source::ShardWork;
use outcomes::{
    Tally, add_not_converted, no_longer_published, settle_collisions, sort_outcomes, tally,
};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;
use worker::{Conversion, StageClock};

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

/// Hears about progress: the command line and the action show a bar or log lines.
pub trait Progress: Sync {
    fn start(&self, _files: u64) {}
    fn file_done(&self, _file: &FileReport) {}
    fn finish(&self) {}
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

/// Converts the charts of `work` and publishes the tree. `Err` means the run could not go on
/// (see [`failure_message`]): it published nothing, but after [`StillPublished`]. Per-file
/// problems are outcomes in the report.
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
    let conversion = Conversion {
        job,
        tree: &tree,
        clock: &clock,
        stop,
    };
    let mut files = match conversion.convert_all(fetched, files_total, progress, pool) {
        Ok(files) => files,
        Err(error) => {
            progress.finish();
            tree.discard();
            return Err(error);
        }
    };
    // Read as soon as the workers are done: a signal after that is one that came once every
    // chart was converted, which the run finishes (see `LATE_STOP`).
    let interrupted = stop.load(Ordering::Relaxed);

    let finalize = Instant::now();
    add_not_converted(&mut files, skipped, unreadable, progress);
    // Every file is done: the bar goes before anything else is said on the terminal.
    progress.finish();
    sort_outcomes(&mut files);
    let collided_bytes = settle_collisions(&mut files, &tree);

    let source_totals = Totals {
        listed: costs.listed,
        retries: costs.retries,
        ..Totals::default()
    };
    let Tally {
        mut totals,
        dropped,
        bars_not_at_midnight,
    } = tally(&files, source_totals);
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
        totals,
        dropped_rows: report::dropped_map(&dropped),
        bars_not_at_midnight,
        interrupted,
        published,
        no_longer_published,
        files,
        ..report_of_job(job, label)
    };
    let costs_known = |report: &mut Report, list_size: u64| {
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
            output: bytes_out + list_size,
        };
        report.peak_rss_bytes = report::peak_rss_bytes();
    };
    publish_with_report(job, claim, pool, publishing, &mut report, costs_known)?;
    if report.published_despite_signal(stop.load(Ordering::Relaxed)) {
        // Stopping then would only have thrown the whole run away; a second signal still ends it.
        tracing::warn!("{LATE_STOP}");
    }
    Ok(report)
}

/// A report saying how `job` converts charts from `source`, with nothing yet of what it did.
fn report_of_job(job: &Job, source: String) -> Report {
    let zone = match &job.convert.date_rule {
        DateRule::NearestUtcMidnight => None,
        DateRule::Zone(zone) => Some(zone),
    };
    Report {
        report_version: report::REPORT_VERSION,
        generated_by: format!("bluedot {}", env!("CARGO_PKG_VERSION")),
        timeframe: job.convert.timeframe.to_string(),
        group: job.group.clone(),
        timezone: zone.and_then(|zone| zone.iana_name()).map(str::to_owned),
        timezone_database: zone.map(|_| convert::zone_database_release().to_owned()),
        keep_holidays: job.convert.keep_holidays,
        shard_index: job.shard.index,
        shard_count: job.shard.count,
        source,
        totals: Totals::default(),
        dropped_rows: Default::default(),
        bars_not_at_midnight: 0,
        interrupted: false,
        published: false,
        no_longer_published: Vec::new(),
        files: Vec::new(),
        timings_ms: Timings::default(),
        bytes: Bytes::default(),
        peak_rss_bytes: None,
    }
}

/// Writes the report while the symbol list finishes `tree` (`None`: nothing to publish), then
/// puts both in place. The report's outcomes are written on one core while the symbol list is
/// written on the other; `costs_known` then fills in the report's costs, known only once both
/// are done (the symbol list's size is its one argument). Both are complete before either is
/// put in place, so that the report in place describes the tree in place.
fn publish_with_report(
    job: &Job,
    claim: &Claim,
    pool: &rayon::ThreadPool,
    tree: Option<SeriesTree>,
    report: &mut Report,
    costs_known: impl FnOnce(&mut Report, u64),
) -> anyhow::Result<()> {
    let report_path = job.report_path();
    let (mut publishing, mut finished, mut tree_failed) = (tree, None, false);
    let report_written = crate::output::write_pending(claim, &report_path, |file| {
        let mut json = ReportWriter::new(&*file);
        let (tree, open) = pool.install(|| {
            rayon::join(
                || finish(publishing.take(), job, &report.files),
                || json.begin(report),
            )
        });
        finished = tree.inspect_err(|_| tree_failed = true)?;
        let open = open?;
        costs_known(report, finished.as_ref().map_or(0, Finished::list_size));
        open.finish(report)?;
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
    Ok(())
}

/// Writes the symbol list of the ok charts into the run's tree, which is then ready to publish.
/// Nothing to publish (an interrupted run) is `None`.
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
