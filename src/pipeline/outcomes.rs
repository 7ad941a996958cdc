//! What a run makes of its outcomes once every chart is done: their order in the report, the
//! collisions settled, the run's totals, and the stocks it no longer publishes.

use super::Progress;
use crate::convert::{DroppedRows, SeriesKind, SeriesSymbols};
use crate::output::SeriesTree;
use crate::report::{FileReport, Outcome, Totals};
use crate::source::Entry;

/// Records the files of the shard that were never converted: skipped (not charts, a Drive
/// folder's duplicates), and charts that could not be read at all (failed).
pub(super) fn add_not_converted(
    files: &mut Vec<FileReport>,
    skipped: Vec<(Entry, String)>,
    unreadable: Vec<(Entry, String)>,
    progress: &dyn Progress,
) {
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
}

/// Outcomes in the report's order: by name, which is not always unique (Drive holds several
/// files of one name, the kept one and the ones skipped beside it, and the spelling of a name
/// that is not UTF-8 can match another's), so ties go by outcome, reason and size, never by
/// which worker finished first. Unstable, to need no scratch buffer: a tie on all four takes two
/// files whose names print alike and whose sizes match.
pub(super) fn sort_outcomes(files: &mut [FileReport]) {
    files.sort_unstable_by(|a, b| {
        (&a.name, a.outcome, &a.reason, a.bytes_in)
            .cmp(&(&b.name, b.outcome, &b.reason, b.bytes_in))
    });
}

/// Every file of a colliding series symbol fails, naming up to [`COLLIDING_NAMED`] of them, and
/// their series are removed: one must never silently replace another. Settled once every file
/// is written, so a run keeps no per-symbol index while it converts; in the default staged mode
/// colliding writes land only in the staging tree and are gone before anything is published
/// (per-file mode, the bench's comparison, has already published them and removes them).
/// Returns the bytes the colliding charts had written.
pub(super) fn settle_collisions(files: &mut [FileReport], tree: &SeriesTree) -> u64 {
    // Converted files, ordered by series symbol and then by name (files are sorted by name), so
    // that the files of one symbol stand together: a few bytes per file, where a map from
    // symbol strings cost over a hundred at the run's peak. A chart whose writing failed counts
    // too: the collision is the inputs', whatever was written (and on Windows, where a chart can
    // fail alone when another program holds one of its names open, the failed chart may have
    // removed names the other had written).
    let converted: Vec<usize> = (0..files.len())
        .filter(|&i| files[i].chart.is_some())
        .collect();
    let symbols = SeriesSymbols::of(converted.iter().map(|&i| {
        let chart = files[i].chart.as_ref().expect("filtered on a chart");
        &chart.symbols
    }));
    let mut order: Vec<u32> = (0..converted.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| {
        let symbol = |at: u32| symbols.get(at as usize);
        symbol(a).cmp(symbol(b)).then(a.cmp(&b))
    });
    let collisions: Vec<Vec<usize>> = order
        .chunk_by(|&a, &b| symbols.get(a as usize) == symbols.get(b as usize))
        .filter(|same| same.len() > 1)
        .map(|same| same.iter().map(|&at| converted[at as usize]).collect())
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
            // A write that failed is said too: it may be a disk filling up.
            let own = match (file.outcome, file.reason.take()) {
                (Outcome::Failed, Some(failed)) => {
                    crate::report::bounded_reason(format!("{reason}; {failed}"))
                }
                _ => reason.clone(),
            };
            file.outcome = Outcome::Failed;
            file.reason = Some(own.into());
        }
    }
    removed_bytes
}

/// How many of a collision's files its reason names.
const COLLIDING_NAMED: usize = 5;

/// The series symbols of the replaced tree that the run's tree does not have: the stocks whose
/// charts failed or were missing today, whose series the run removes.
pub(super) fn no_longer_published(before: &[Box<str>], files: &[FileReport]) -> Vec<String> {
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

/// The run's counts, from its outcomes.
pub(super) struct Tally {
    pub totals: Totals,
    pub dropped: DroppedRows,
    pub bars_not_at_midnight: u64,
}

/// Counts every outcome into `totals`, which holds the source's own counts already.
pub(super) fn tally(files: &[FileReport], mut totals: Totals) -> Tally {
    let mut dropped = DroppedRows::default();
    let mut bars_not_at_midnight = 0;
    for file in files {
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
    Tally {
        totals,
        dropped,
        bars_not_at_midnight,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
