//! The conversion phase of a run: the pool's workers pull charts from the source as they go,
//! each read into the worker's own buffer, converted and written into the run's tree, leaving
//! one outcome per chart. Nothing here decides what is published.

use super::{Halted, Job, Progress};
use crate::convert;
use crate::output::SeriesTree;
use crate::report::{ChartFacts, FileReport, Outcome};
use crate::source::{Content, Fetched, LARGEST_CHART, NotFetched, too_large};
use rayon::iter::{ParallelBridge, ParallelIterator};
use std::cell::RefCell;
use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// What each stage cost, summed over the workers (microseconds), and the bytes read and written:
/// the report's `timings_ms` and `bytes`.
#[derive(Default)]
pub(super) struct StageClock {
    /// Time the source took to hand over each chart: opening a local file (and announcing the
    /// next few), or the wait for a Drive download still under way.
    pub fetch: AtomicU64,
    pub read: AtomicU64,
    pub convert: AtomicU64,
    pub write: AtomicU64,
    pub bytes_in: AtomicU64,
    pub bytes_out: AtomicU64,
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

/// What every worker of a run shares while converting.
pub(super) struct Conversion<'a> {
    pub job: &'a Job,
    /// Where each chart's series are written as soon as it is converted.
    pub tree: &'a SeriesTree<'a>,
    pub clock: &'a StageClock,
    /// Raised by a signal, or by the run itself once it cannot go on.
    pub stop: &'a AtomicBool,
}

impl Conversion<'_> {
    /// Converts every chart `fetched` yields on `pool`; returns one outcome per chart, in the
    /// order they finished. `Err` when the run cannot go on: the output refused a series, or the
    /// machine would not open a chart (the tree then holds only some of the charts, and the
    /// caller discards it). Either raises `stop`, so that the charts not reached yet are neither
    /// converted nor downloaded. `outcomes` is how many the run records in all, the files not
    /// converted too, so that the list is never regrown.
    pub fn convert_all(
        &self,
        fetched: Box<dyn Iterator<Item = Fetched> + Send>,
        outcomes: usize,
        progress: &dyn Progress,
        pool: &rayon::ThreadPool,
    ) -> anyhow::Result<Vec<FileReport>> {
        // Sized once: one compact outcome per file is all a run keeps, whatever the file count.
        let done: Mutex<Vec<FileReport>> = Mutex::new(Vec::with_capacity(outcomes));
        // Why the run cannot go on, when the source says so (no file can be opened any more).
        let halted: OnceLock<String> = OnceLock::new();
        let fetched = Timed {
            items: fetched,
            clock: &self.clock.fetch,
        };
        pool.install(|| {
            fetched.par_bridge().for_each(|item| {
                if let Some(advice) = item.stops_the_run
                    && let Err(not_fetched) = &item.content
                {
                    let _ = halted.set(format!(
                        "{}: {}: {advice}",
                        crate::report::one_line(&item.name),
                        not_fetched.reason(),
                    ));
                }
                let file = self.convert_one(item);
                tracing::debug!(
                    file = %crate::report::one_line(&file.name),
                    outcome = ?file.outcome,
                    reason = %crate::report::one_line(file.reason.as_deref().unwrap_or("")),
                    "converted"
                );
                progress.file_done(&file);
                done.lock().expect("outcomes lock").push(file);
                if self.tree.broken().is_some() || halted.get().is_some() {
                    self.stop.store(true, Ordering::Relaxed);
                }
            })
        });
        match (self.tree.broken(), halted.into_inner()) {
            (Some(reason), _) => Err(anyhow::anyhow!("{reason}")),
            (None, Some(reason)) => Err(Halted(reason).into()),
            (None, None) => Ok(done.into_inner().expect("outcomes lock")),
        }
    }

    fn convert_one(&self, item: Fetched) -> FileReport {
        let Conversion {
            job,
            tree,
            clock,
            stop,
        } = *self;
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
        let content = match content {
            Ok(content) => content,
            Err(NotFetched::Failed(reason)) => return failed(file, reason),
            Err(NotFetched::Skipped(reason)) => {
                file.outcome = Outcome::Skipped;
                file.reason = Some(crate::report::bounded_reason(reason).into());
                return file;
            }
        };
        let read = Instant::now();
        let converted = with_bytes(&content, |bytes| {
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
}
