//! A folder on disk: `*.json` directly inside it (no recursion).

use super::{Content, Entry, Fetched, Listing};
use std::path::{Path, PathBuf};

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

pub fn is_json_name(name: &str) -> bool {
    name.len() > ".json".len()
        && name
            .get(name.len() - ".json".len()..)
            .is_some_and(|tail| tail.eq_ignore_ascii_case(".json"))
}

/// The listing's charts as paths for the workers to read.
pub fn fetch(dir: &Path, charts: Vec<Entry>) -> impl Iterator<Item = Fetched> + Send + use<> {
    let dir: PathBuf = dir.to_owned();
    charts.into_iter().map(move |entry| Fetched {
        content: Ok(Content::Path(dir.join(&entry.name))),
        name: entry.name,
        retries: 0,
    })
}
