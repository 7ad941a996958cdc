//! A folder on disk: `*.json` directly inside it (no recursion).

use super::{Content, Entry, Fetched, Listing};
use crate::folder::Folder;
use std::collections::VecDeque;
use std::fs::File;
use std::path::Path;

/// Lists `dir`. Sub-folders are not files and are not listed; other non-JSON files are skipped.
pub fn list(dir: &Path) -> std::io::Result<Listing> {
    let mut listing = Listing::default();
    for item in std::fs::read_dir(dir)? {
        let item = item?;
        let name = item.file_name();
        let json_name = name.to_str().is_some_and(is_json_name);
        // The directory entry already says "regular file" on common file systems: a chart found
        // that way needs no stat of its own (its size is learnt when it is read), which keeps
        // a thousand system calls off the serial start of a run.
        if json_name && item.file_type().is_ok_and(|kind| kind.is_file()) {
            let name = name.into_string().expect("checked to be UTF-8");
            listing.charts.push(Entry { name, size: None });
            continue;
        }
        let utf8 = name.to_str().is_some();
        let name = name.to_string_lossy().into_owned();
        // Follows symlinks: a linked chart is a chart.
        let Ok(meta) = std::fs::metadata(item.path()) else {
            let entry = Entry { name, size: None };
            listing
                .skipped
                .push((entry, "unreadable (broken link?)".into()));
            continue;
        };
        if meta.is_dir() {
            continue;
        }
        let entry = Entry {
            name,
            size: Some(meta.len()),
        };
        if !utf8 {
            listing
                .skipped
                .push((entry, "file name is not valid UTF-8".into()));
        } else if !meta.is_file() {
            listing.skipped.push((entry, "not a regular file".into()));
        } else if !json_name {
            listing.skipped.push((entry, "not a .json file".into()));
        } else {
            listing.charts.push(entry);
        }
    }
    listing.sort();
    Ok(listing)
}

/// For a folder without charts: the sub-folders that hold some, as the end of an error message
/// (`; charts are read from the folder itself, not its sub-folders: 2025-08-01 holds 8`), or
/// nothing. Dated drop folders sort oldest first, so the last ones are named.
pub fn subfolders_with_charts(dir: &Path) -> String {
    const NAMED: usize = 3;
    let Ok(items) = std::fs::read_dir(dir) else {
        return String::new();
    };
    let mut found: Vec<(String, usize)> = items
        .filter_map(|item| {
            let path = item.ok()?.path();
            let name = path.file_name()?.to_string_lossy().into_owned();
            let charts = list(&path).ok()?.charts.len();
            (charts > 0).then_some((name, charts))
        })
        .collect();
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
/// folder was never read or the page cache let go of it since.
pub fn fetch(dir: &Path, charts: Vec<Entry>) -> impl Iterator<Item = Fetched> + Send + use<> {
    ReadAhead {
        // A folder gone since it was listed fails each of its charts with the reason.
        folder: Folder::open(dir).map_err(|e| e.to_string()),
        charts: charts.into_iter(),
        opened: VecDeque::with_capacity(READ_AHEAD + 1),
    }
}

struct ReadAhead {
    folder: Result<Folder, String>,
    charts: std::vec::IntoIter<Entry>,
    opened: VecDeque<(Entry, Result<File, String>)>,
}

impl Iterator for ReadAhead {
    type Item = Fetched;

    fn next(&mut self) -> Option<Fetched> {
        while self.opened.len() <= READ_AHEAD {
            let Some(entry) = self.charts.next() else {
                break;
            };
            let file = match &self.folder {
                Ok(folder) => folder.open_file(&entry.name).map_err(|e| e.to_string()),
                Err(reason) => Err(reason.clone()),
            };
            if let Ok(file) = &file {
                will_need(file);
            }
            self.opened.push_back((entry, file));
        }
        let (entry, file) = self.opened.pop_front()?;
        Some(Fetched {
            content: file
                .map(Content::File)
                .map_err(|reason| format!("cannot read: {reason}")),
            name: entry.name,
            retries: 0,
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

    #[test]
    fn charts_come_in_listing_order_and_a_vanished_one_fails_alone() {
        let dir = tempfile::tempdir().unwrap();
        let names: Vec<String> = (0..READ_AHEAD * 2 + 3)
            .map(|i| format!("C{i:03}_daily.json"))
            .collect();
        for (i, name) in names.iter().enumerate() {
            if i != 5 {
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
        let fetched: Vec<Fetched> = fetch(dir.path(), charts).collect();
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
                Err(reason) => {
                    assert_eq!(i, 5, "only the removed chart fails: {reason}");
                    assert!(reason.starts_with("cannot read: "), "{reason}");
                }
            }
        }
    }
}
