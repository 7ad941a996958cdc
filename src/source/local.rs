//! A folder on disk: `*.json` directly inside it (no recursion).

use super::{Content, Entry, Fetched, Listing, NotFetched};
use crate::folder::Folder;
use std::collections::VecDeque;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Lists `dir`. Sub-folders are not read (each is skipped, so that it is seen); files that are
/// not charts are skipped, and a `*.json` that cannot be read is listed as unreadable, to fail.
pub fn list(dir: &Path) -> std::io::Result<Listing> {
    let mut listing = Listing::default();
    let items = std::fs::read_dir(dir).map_err(|e| {
        // A chart given for its folder: say what to give instead.
        if std::fs::metadata(dir).is_ok_and(|meta| meta.is_file()) {
            std::io::Error::new(
                e.kind(),
                "it is a file; give the folder that holds the chart files (every *.json directly \
                 in it is converted)",
            )
        } else {
            e
        }
    })?;
    // A folder that can be listed but not entered (read without search permission) names its
    // charts and opens none: that is an input that cannot be read, not charts that failed.
    if let Err(e) = std::fs::metadata(dir.join("."))
        && e.kind() == std::io::ErrorKind::PermissionDenied
    {
        return Err(std::io::Error::new(
            e.kind(),
            format!("its files cannot be opened ({e}): it needs search (x) permission"),
        ));
    }
    for item in items {
        let item = item?;
        let name = item.file_name();
        let Some(utf8_name) = name.to_str() else {
            let entry = Entry {
                name: escaped(name.as_encoded_bytes()),
                size: None,
            };
            if std::fs::metadata(item.path()).is_ok_and(|meta| meta.is_dir()) {
                listing
                    .skipped
                    .push((entry, super::SUBFOLDER_SKIPPED.into()));
                continue;
            }
            let reason = "file name is not valid UTF-8";
            if is_json_name(&name.to_string_lossy()) {
                let reason = format!("cannot read: the {reason}; rename the file");
                listing.unreadable.push((entry, reason));
            } else {
                listing.skipped.push((entry, reason.into()));
            }
            continue;
        };
        let not_chart = not_a_chart(utf8_name);
        // The directory entry already says "regular file" on common file systems: a chart found
        // that way needs no stat of its own (its size is learnt when it is read), which keeps
        // a thousand system calls off the serial start of a run.
        if not_chart.is_none() && item.file_type().is_ok_and(|kind| kind.is_file()) {
            let entry = Entry {
                name: utf8_name.to_owned(),
                size: None,
            };
            add_file(&mut listing, dir, entry);
            continue;
        }
        let name = utf8_name.to_owned();
        // Follows symlinks: a linked chart is a chart.
        let meta = match std::fs::metadata(item.path()) {
            Ok(meta) => meta,
            Err(e) if not_chart.is_none() => {
                let link = item.file_type().is_ok_and(|kind| kind.is_symlink());
                let reason = if link && leads_in_a_circle(&e) {
                    format!("cannot read: a link that leads back to itself ({e})")
                } else if link {
                    format!("cannot read: a link to a file that is not there ({e})")
                } else {
                    format!("cannot read: {e}")
                };
                listing
                    .unreadable
                    .push((Entry { name, size: None }, reason));
                continue;
            }
            Err(_) => {
                let entry = Entry { name, size: None };
                listing
                    .skipped
                    .push((entry, "unreadable (broken link?)".into()));
                continue;
            }
        };
        if meta.is_dir() {
            // Sub-folders are not read, but recorded: charts dropped in one are not lost unseen.
            let entry = Entry { name, size: None };
            listing
                .skipped
                .push((entry, super::SUBFOLDER_SKIPPED.into()));
            continue;
        }
        let entry = Entry {
            name,
            size: Some(meta.len()),
        };
        match not_chart {
            Some(reason) => listing.skipped.push((entry, reason.into())),
            None if meta.is_file() => add_file(&mut listing, dir, entry),
            None => {
                let reason = format!("cannot read: {}", crate::folder::NOT_A_REGULAR_FILE);
                listing.unreadable.push((entry, reason));
            }
        }
    }
    listing.sort();
    Ok(listing)
}

/// Lists a `*.json` regular file of `dir`: a chart, or skipped if bluedot wrote it.
fn add_file(listing: &mut Listing, dir: &Path, entry: Entry) {
    match written_by_bluedot(dir, &entry.name) {
        Some(what) => listing.skipped.push((entry, what.into())),
        None => listing.charts.push(entry),
    }
}

/// What a `*.json` regular file in `dir` is, if bluedot wrote it: its run report, or a symbol
/// list in a `symbol_info` folder. Skipped at listing, a folder of them is found to hold no
/// chart before anything is converted (`--input` given bluedot's output). Only files with
/// those names or in that folder are opened; any other is told apart when it is converted.
fn written_by_bluedot(dir: &Path, name: &str) -> Option<&'static str> {
    if name != "report.json" && dir.file_name() != Some("symbol_info".as_ref()) {
        return None;
    }
    let mut bytes = Vec::new();
    let file = File::open(dir.join(name)).ok()?;
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, super::LARGEST_CHART),
        &mut bytes,
    )
    .ok()?;
    super::written_by_bluedot(&bytes)
}

/// `ELOOP`: links that lead to each other, never to a file (std names no kind for it).
fn leads_in_a_circle(error: &std::io::Error) -> bool {
    #[cfg(target_os = "linux")]
    return error.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error());
    #[cfg(not(target_os = "linux"))]
    return {
        let _ = error;
        false
    };
}

/// A file name that is not UTF-8, as the report shows it: its valid parts as they are, each
/// other byte as `\xNN`, so that two such names stay two names.
fn escaped(name: &[u8]) -> String {
    let mut text = String::new();
    for chunk in name.utf8_chunks() {
        text.push_str(chunk.valid());
        for byte in chunk.invalid() {
            text.push_str(&format!("\\x{byte:02X}"));
        }
    }
    text
}

/// For a folder without charts: the sub-folders that hold some, as the end of an error message
/// (`; charts are read from the folder itself, not its sub-folders: 2025-08-01 holds 8`), or
/// nothing. Where none does, their sub-folders are looked into (`--input examples/data`: the
/// charts are in `daily/2025-08-01`). Dated drop folders sort oldest first, so the last ones
/// are named.
pub fn subfolders_with_charts(dir: &Path) -> String {
    const NAMED: usize = 3;
    // A hint must not walk a home folder: past this many folders looked into, it gives up.
    const LOOKED_INTO: usize = 256;
    let mut budget = LOOKED_INTO;
    let mut charts_in = |folder: &Path| -> Option<usize> {
        budget = budget.checked_sub(1)?;
        Some(list(folder).ok()?.charts.len())
    };
    let level = subfolders(dir);
    let mut found: Vec<(String, usize)> = level
        .iter()
        .filter_map(|(name, path)| Some((name.clone(), charts_in(path)?)))
        .filter(|(_, charts)| *charts > 0)
        .collect();
    if found.is_empty() {
        found = level
            .iter()
            .flat_map(|(name, path)| {
                subfolders(path)
                    .into_iter()
                    .map(move |(inner, path)| (format!("{name}/{inner}"), path))
            })
            .filter_map(|(name, path)| Some((name, charts_in(&path)?)))
            .filter(|(_, charts)| *charts > 0)
            .collect();
    }
    if found.is_empty() {
        return String::new();
    }
    found.sort();
    let more = found.len().saturating_sub(NAMED);
    let named: Vec<String> = found[more..]
        .iter()
        .rev()
        .map(|(name, charts)| format!("{name} holds {charts}"))
        .collect();
    let mut text = format!(
        "; charts are read from the folder itself, not its sub-folders: {}",
        named.join(", ")
    );
    if more > 0 {
        text.push_str(&format!(", and {more} more"));
    }
    text
}

/// The folders in `dir` (links to folders too), with their names as printed, sorted by name.
fn subfolders(dir: &Path) -> Vec<(String, std::path::PathBuf)> {
    let Ok(items) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut folders: Vec<_> = items
        .filter_map(|item| {
            let path = item.ok()?.path();
            let name = crate::report::one_line(&path.file_name()?.to_string_lossy()).into_owned();
            path.is_dir().then_some((name, path))
        })
        .collect();
    folders.sort();
    folders
}

/// For a folder without charts that holds bluedot's output (`--input site`, `site/data/daily`
/// or `site/data`): what to give instead, as the end of an error message. Told by the files a
/// run writes (its report, symbol lists, series named as it names them) and by `symbol_info/`.
pub fn bluedot_output_hint(dir: &Path, listing: &Listing) -> Option<&'static str> {
    let own_file = listing.skipped.iter().any(|(entry, reason)| {
        reason == super::OWN_REPORT_SKIPPED
            || reason == super::OWN_SYMBOL_LIST_SKIPPED
            || entry
                .name
                .strip_suffix(".csv")
                .is_some_and(crate::convert::is_series_name)
    });
    let series_tree = |folder: &Path| folder.join("symbol_info").is_dir();
    let output =
        own_file || series_tree(dir) || subfolders(dir).iter().any(|(_, path)| series_tree(path));
    output.then_some(
        "; it holds bluedot's output (series, symbol lists or a run report), not chart exports: \
         --input is the folder of MarketSmith *.json files",
    )
}

/// Why a file named `name` is not a chart, if it is not: not `*.json`, or the metadata macOS
/// writes beside each file it copies to a foreign disk (`._AAPL_daily.json`, AppleDouble).
pub fn not_a_chart(name: &str) -> Option<&'static str> {
    if !is_json_name(name) {
        Some("not a .json file")
    } else if name.starts_with("._") {
        Some("macOS metadata (a `._` file beside the chart it describes), not a chart")
    } else {
        None
    }
}

pub fn is_json_name(name: &str) -> bool {
    name.len() > ".json".len()
        && name
            .get(name.len() - ".json".len()..)
            .is_some_and(|tail| tail.eq_ignore_ascii_case(".json"))
}

/// How many charts past the one a worker takes are already opened and announced to the kernel.
/// Measured with the bench input evicted from the page cache (1000 files, 2 workers): 305 ms
/// with none, 198 ms with 4, 156 ms with 8, 153 ms with 16; no change when it is all cached.
const READ_AHEAD: usize = 16;

/// The listing's charts, opened a few ahead of the workers that read them.
///
/// Opening a file and saying it will be needed starts the kernel reading it in the background,
/// so a worker finds its next chart in memory instead of waiting for the disk, whether the
/// folder was never read or the page cache let go of it since. Once `stop` is set no more are
/// opened: the rest come without content, each to be recorded as not converted, where opening
/// thousands on a network share would keep a stopped run going.
pub fn fetch(
    dir: &Path,
    charts: Vec<Entry>,
    stop: Arc<AtomicBool>,
) -> impl Iterator<Item = Fetched> + Send + use<> {
    ReadAhead {
        // A folder gone since it was listed fails each of its charts with the reason.
        folder: Folder::open(dir),
        charts: charts.into_iter(),
        opened: VecDeque::with_capacity(READ_AHEAD + 1),
        stop,
    }
}

struct ReadAhead {
    folder: std::io::Result<Folder>,
    charts: std::vec::IntoIter<Entry>,
    opened: VecDeque<(Entry, std::io::Result<File>)>,
    stop: Arc<AtomicBool>,
}

impl Iterator for ReadAhead {
    type Item = Fetched;

    fn next(&mut self) -> Option<Fetched> {
        if self.stop.load(Ordering::Relaxed) {
            // Those opened already are recorded too, their files closed unread.
            let entry = match self.opened.pop_front() {
                Some((entry, _)) => entry,
                None => self.charts.next()?,
            };
            return Some(Fetched {
                content: Err(NotFetched::Failed(format!(
                    "not read: {}",
                    crate::report::NOT_REACHED
                ))),
                name: entry.name,
                retries: 0,
                stops_the_run: None,
            });
        }
        while self.opened.len() <= READ_AHEAD {
            let Some(entry) = self.charts.next() else {
                break;
            };
            let file = match &self.folder {
                Ok(folder) => folder.open_file(&entry.name),
                // The same error for each chart, as the system said it: too many open files
                // stops the run here too.
                Err(e) => Err(match e.raw_os_error() {
                    Some(code) => std::io::Error::from_raw_os_error(code),
                    None => std::io::Error::new(e.kind(), e.to_string()),
                }),
            };
            if let Ok(file) = &file {
                will_need(file);
            }
            self.opened.push_back((entry, file));
        }
        let (entry, mut file) = self.opened.pop_front()?;
        // Opened ahead while the workers held files of their own: it may open now.
        if file
            .as_ref()
            .is_err_and(|e| crate::os_error::out_of_descriptors(e).is_some())
            && let Ok(folder) = &self.folder
        {
            file = folder.open_file(&entry.name);
        }
        let stops_the_run = file
            .as_ref()
            .err()
            .and_then(crate::os_error::out_of_descriptors);
        Some(Fetched {
            content: file
                .map(Content::File)
                .map_err(|e| NotFetched::Failed(format!("cannot read: {e}"))),
            name: entry.name,
            retries: 0,
            stops_the_run,
        })
    }
}

/// A hint only: a file system that ignores it is read as it would be anyway.
#[cfg(target_os = "linux")]
fn will_need(file: &File) {
    let _ = rustix::fs::fadvise(file, 0, None, rustix::fs::Advice::WillNeed);
}

#[cfg(not(target_os = "linux"))]
fn will_need(_file: &File) {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Linux lets a file name be any bytes; a chart whose name is not UTF-8, or a link to a
    /// chart that is not there, is listed to fail, not skipped: either may be a missing stock.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_json_that_cannot_be_read_is_listed_to_fail_and_other_files_to_be_skipped() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let path = |bytes: &[u8]| dir.path().join(OsStr::from_bytes(bytes));
        std::fs::write(path(b"OK_daily.json"), "{}").unwrap();
        std::fs::write(path(b"\xFF_daily.json"), "{}").unwrap();
        std::fs::write(path(b"\xFE_daily.json"), "{}").unwrap();
        std::fs::write(path(b"notes\xFF.txt"), "").unwrap();
        std::fs::create_dir(path(b"folder\xFF.json")).unwrap();
        std::os::unix::fs::symlink(path(b"gone.json"), path(b"GONE_daily.json")).unwrap();
        std::os::unix::fs::symlink(path(b"gone.txt"), path(b"gone-link.txt")).unwrap();
        std::os::unix::fs::symlink(path(b"LOOP_daily.json"), path(b"LOOP_daily.json")).unwrap();

        let listing = list(dir.path()).unwrap();
        let names = |files: &[(Entry, String)]| -> Vec<(String, String)> {
            files
                .iter()
                .map(|(entry, reason)| (entry.name.clone(), reason.clone()))
                .collect()
        };
        assert_eq!(listing.charts.len(), 1);
        assert_eq!(listing.charts[0].name, "OK_daily.json");
        let unreadable = names(&listing.unreadable);
        assert_eq!(unreadable.len(), 4, "{unreadable:?}");
        assert_eq!(unreadable[0].0, "GONE_daily.json");
        assert!(
            unreadable[0]
                .1
                .starts_with("cannot read: a link to a file that is not there ("),
            "{unreadable:?}"
        );
        assert_eq!(unreadable[1].0, "LOOP_daily.json");
        assert!(
            unreadable[1]
                .1
                .starts_with("cannot read: a link that leads back to itself ("),
            "{unreadable:?}"
        );
        let not_utf8 = "cannot read: the file name is not valid UTF-8; rename the file";
        assert_eq!(unreadable[2], ("\\xFE_daily.json".into(), not_utf8.into()));
        assert_eq!(unreadable[3], ("\\xFF_daily.json".into(), not_utf8.into()));
        assert_eq!(
            names(&listing.skipped),
            [
                // A folder is recorded whatever its name: charts dropped in it are not lost unseen.
                (
                    "folder\\xFF.json".to_owned(),
                    super::super::SUBFOLDER_SKIPPED.to_owned()
                ),
                (
                    "gone-link.txt".to_owned(),
                    "unreadable (broken link?)".to_owned()
                ),
                (
                    "notes\\xFF.txt".to_owned(),
                    "file name is not valid UTF-8".to_owned()
                ),
            ]
        );
    }

    /// The drop folder itself could not be opened for want of descriptors: every chart says
    /// so, and each stops the run, which must not publish a tree without them.
    #[cfg(unix)]
    #[test]
    fn a_folder_that_cannot_be_opened_for_want_of_descriptors_stops_the_run() {
        let charts = vec![
            Entry {
                name: "A_daily.json".into(),
                size: Some(1),
            },
            Entry {
                name: "B_daily.json".into(),
                size: Some(1),
            },
        ];
        let read_ahead = ReadAhead {
            folder: Err(std::io::Error::from_raw_os_error(libc::EMFILE)),
            charts: charts.into_iter(),
            opened: VecDeque::new(),
            stop: Arc::new(AtomicBool::new(false)),
        };
        let fetched: Vec<Fetched> = read_ahead.collect();
        assert_eq!(fetched.len(), 2);
        for chart in fetched {
            assert!(
                chart
                    .stops_the_run
                    .is_some_and(|advice| advice.contains("`ulimit -n`")),
                "{}",
                chart.name
            );
            let Err(NotFetched::Failed(reason)) = chart.content else {
                panic!("{} is not failed", chart.name);
            };
            assert!(
                reason.starts_with("cannot read: Too many open files"),
                "{reason}"
            );
        }
    }

    /// `count` charts, each holding its own name, listed; the one at `vanished` is not written.
    fn listed_charts(
        count: usize,
        vanished: Option<usize>,
    ) -> (tempfile::TempDir, Vec<String>, Vec<Entry>) {
        let dir = tempfile::tempdir().unwrap();
        let names: Vec<String> = (0..count).map(|i| format!("C{i:03}_daily.json")).collect();
        for (i, name) in names.iter().enumerate() {
            if Some(i) != vanished {
                std::fs::write(dir.path().join(name), name).unwrap();
            }
        }
        let charts = names
            .iter()
            .map(|name| Entry {
                name: name.clone(),
                size: None,
            })
            .collect();
        (dir, names, charts)
    }

    #[test]
    fn charts_come_in_listing_order_and_a_vanished_one_fails_alone() {
        let (dir, names, charts) = listed_charts(READ_AHEAD * 2 + 3, Some(5));
        let fetched: Vec<Fetched> = fetch(dir.path(), charts, Arc::default()).collect();
        assert_eq!(fetched.len(), names.len());
        for (i, (item, name)) in fetched.into_iter().zip(&names).enumerate() {
            assert_eq!(&item.name, name);
            match item.content {
                Ok(Content::File(mut file)) => {
                    let mut text = String::new();
                    std::io::Read::read_to_string(&mut file, &mut text).unwrap();
                    assert_eq!(&text, name, "each chart is its own file");
                }
                Ok(Content::Bytes(_)) => panic!("a local chart is read by its worker"),
                Err(NotFetched::Failed(reason)) => {
                    assert_eq!(i, 5, "only the removed chart fails: {reason}");
                    assert!(reason.starts_with("cannot read: "), "{reason}");
                }
                Err(skipped) => panic!("a local chart is never skipped: {skipped:?}"),
            }
        }
    }

    /// A chart swapped for a pipe, or a link to a device, after the listing fails alone: the
    /// open of a pipe would wait for a writer (and `/dev/ptmx` block a read) past any signal.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_chart_swapped_for_a_pipe_or_device_after_the_listing_fails_at_once() {
        let (dir, _, charts) = listed_charts(4, None);
        let path = |i: usize| dir.path().join(format!("C{i:03}_daily.json"));
        std::fs::remove_file(path(1)).unwrap();
        crate::testing::pipe_at(&path(1));
        std::fs::remove_file(path(2)).unwrap();
        std::os::unix::fs::symlink("/dev/zero", path(2)).unwrap();
        let reasons =
            crate::testing::within_seconds("a pipe or device blocked the charts", move || {
                let fetched = fetch(dir.path(), charts, Arc::default());
                fetched.map(|item| item.content.err()).collect::<Vec<_>>()
            });
        let failed = Some(NotFetched::Failed(
            "cannot read: not a regular file (a pipe, socket or device)".into(),
        ));
        assert_eq!(reasons, [None, failed.clone(), failed, None]);
    }

    #[test]
    fn once_stopped_the_charts_left_are_given_unread_each_to_be_recorded() {
        let (dir, names, charts) = listed_charts(READ_AHEAD * 3, None);
        let stop = Arc::new(AtomicBool::new(false));
        let mut fetched = fetch(dir.path(), charts, stop.clone());
        let first = fetched.next().unwrap();
        assert!(matches!(first.content, Ok(Content::File(_))));
        stop.store(true, Ordering::Relaxed);
        let rest: Vec<Fetched> = fetched.collect();
        let rest_names: Vec<&str> = rest.iter().map(|item| item.name.as_str()).collect();
        assert_eq!(rest_names, names[1..]);
        for item in rest {
            let reason = item.content.expect_err("not opened once stopped");
            assert_eq!(
                reason,
                NotFetched::Failed("not read: the run was interrupted".into())
            );
        }
    }
}
