//! What dead runs left behind in `data/`, told from a live run's by their tags and locks, and
//! removed; a published tree a killed run had moved aside is put back instead.

use super::{LOCK_MARK, PREVIOUS_MARK, Places, STAGING_MARK, TEMPORARY_MARK, remove_if_present};
use std::ffi::{OsStr, OsString};
use std::fs::{self, File};
use std::io;
use std::path::Path;

/// Removes the trees, temporary files and lock files of dead runs into the same output folder,
/// whatever their timeframe. Those of live runs are left alone, and so are those whose lock
/// cannot be tested (a file system without locks). Another dead run's files are still removed
/// after one's could not all be (a dead run's lock file goes only after the rest of its files),
/// and the first error is returned; a published tree that cannot be put back stops it, since
/// the rest would take that tree for one to remove.
pub(super) fn remove_abandoned(places: &Places) -> io::Result<()> {
    let mut names = Vec::new();
    for item in fs::read_dir(&places.data)? {
        names.push(item?.file_name());
    }
    restore_moved_aside(places, &names)?;
    let tags_locked: Vec<&str> = names
        .iter()
        .filter_map(|n| n.to_str()?.strip_prefix(LOCK_MARK))
        .filter(|tag| is_tag(tag))
        .collect();
    let mut first_error = Ok(());
    for &tag in &tags_locked {
        let path = places.lock(tag);
        // A run's lock is a plain file. Anything else of that name (a link, a pipe, whose open
        // would wait for a writer forever) is not one, and is neither opened nor removed.
        if !fs::symlink_metadata(&path).is_ok_and(|meta| meta.is_file()) {
            continue;
        }
        let lock = match File::open(&path) {
            Ok(lock) => lock,
            // Its run finished since the folder was listed.
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => {
                first_error = first_error.and(Err(e));
                continue;
            }
        };
        if lock.try_lock().is_err() {
            continue;
        }
        // Everything else first: nothing of a run outlives its lock file.
        let removed = remove_dead_runs_files(places, &names, tag)
            .and_then(|()| remove_if_present(fs::remove_file(&path)));
        first_error = first_error.and(removed);
    }
    // A live run creates its lock file before anything else and removes it after the rest, so a
    // tree or report without one is abandoned. (Series in per-file mode are searched for only
    // under a dead lock's tag: a timeframe's folder holds thousands of files.)
    let unlocked = |tag: &str| !tags_locked.contains(&tag) && !places.lock(tag).exists();
    for name in &names {
        if tree_tag(name).is_some_and(unlocked) && !may_be_moved_aside(places, name) {
            first_error = first_error.and(remove_if_ours(&places.data.join(name)));
        }
    }
    first_error.and(remove_temporaries(&places.root, unlocked))
}

/// Where two names cannot be swapped in one step (NFS, SMB, many FUSE mounts), a run moves the
/// published tree aside, then its own into place. Killed in between, it leaves no tree at
/// `target` and the last one under its hidden name, which is put back rather than removed with
/// the rest of what the dead run left. Only this run's timeframe is looked at: it holds that
/// timeframe's writer lock, so no live run is between its two renames there.
fn restore_moved_aside(places: &Places, names: &[OsString]) -> io::Result<()> {
    if fs::symlink_metadata(&places.target).is_ok() {
        return Ok(());
    }
    let prefix = format!(".{}{PREVIOUS_MARK}", places.base);
    let newest = names
        .iter()
        .filter_map(|name| name.to_str())
        .filter(|name| name.strip_prefix(&prefix).is_some_and(is_tag))
        .map(|name| places.data.join(name))
        .filter_map(|tree| {
            let meta = fs::symlink_metadata(&tree)
                .ok()
                .filter(|meta| meta.is_dir())?;
            Some((meta.modified().ok(), tree))
        })
        .max();
    match newest {
        Some((_, tree)) => {
            tracing::warn!(
                tree = %places.target.display(),
                "put back the tree a run killed while publishing had moved aside"
            );
            fs::rename(&tree, &places.target).map_err(|e| {
                crate::os_error::in_context(
                    e,
                    format_args!(
                        "cannot put back the published tree {}, which a run killed while \
                         publishing left at {}",
                        places.target.display(),
                        tree.display()
                    ),
                )
            })
        }
        None => Ok(()),
    }
}

/// Whether `name` is another timeframe's tree moved aside with nothing in its place: a
/// published tree that only that timeframe's next run, holding its writer lock, may put back.
/// This run leaves it alone.
fn may_be_moved_aside(places: &Places, name: &OsStr) -> bool {
    let Some((base, tag)) = name
        .to_str()
        .and_then(|name| name.strip_prefix('.')?.split_once(PREVIOUS_MARK))
    else {
        return false;
    };
    is_tag(tag) && base != places.base && fs::symlink_metadata(places.data.join(base)).is_err()
}

/// The trees and temporary files of the dead run `tag`. Which timeframe it wrote is not known,
/// so every one is looked through.
fn remove_dead_runs_files(places: &Places, names: &[OsString], tag: &str) -> io::Result<()> {
    for name in names {
        if tree_tag(name).is_some_and(|t| t == tag) && !may_be_moved_aside(places, name) {
            remove_if_ours(&places.data.join(name))?;
        }
    }
    remove_temporaries(&places.root, |t| t == tag)?;
    for name in names {
        let folder = places.data.join(name);
        if !name.to_string_lossy().starts_with('.') && folder.is_dir() {
            remove_temporaries(&folder, |t| t == tag)?;
            remove_temporaries(&folder.join("symbol_info"), |t| t == tag)?;
        }
    }
    Ok(())
}

/// The tag in a tree's name `.<base>.staging-<tag>` or `.<base>.previous-<tag>`.
fn tree_tag(name: &OsStr) -> Option<&str> {
    let name = name.to_str()?.strip_prefix('.')?;
    [STAGING_MARK, PREVIOUS_MARK]
        .into_iter()
        .find_map(|mark| name.split_once(mark))
        .filter(|(base, tag)| !base.is_empty() && is_tag(tag))
        .map(|(_, tag)| tag)
}

/// Whether `text` is a tag a run takes (`<pid>` or `<pid>-<n>`): a name of the user's that
/// merely looks like a run's (`.daily.staging-backup`) is never taken for one's leftovers.
fn is_tag(text: &str) -> bool {
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    match text.split_once('-') {
        Some((pid, n)) => digits(pid) && digits(n),
        None => digits(text),
    }
}

/// Removes the files in `folder` named as temporary files of a tag `dead` says is dead.
fn remove_temporaries(folder: &Path, dead: impl Fn(&str) -> bool) -> io::Result<()> {
    let entries = match fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for item in entries {
        let item = item?;
        if let Some(tag) = temporary_tag(&item.file_name())
            && dead(tag)
            && item.file_type()?.is_file()
        {
            remove_if_present(fs::remove_file(item.path()))?;
        }
    }
    Ok(())
}

/// The tag in a temporary file's name `.<name>.tmp-<tag>-<n>`.
fn temporary_tag(name: &OsStr) -> Option<&str> {
    let name = name.to_str()?.strip_prefix('.')?;
    let (rest, n) = name.rsplit_once('-')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (_, tag) = rest.rsplit_once(TEMPORARY_MARK)?;
    is_tag(tag).then_some(tag)
}

/// Removes the tree at `path` if it is a folder: a link of that name, to wherever, is not a tree
/// this program wrote.
fn remove_if_ours(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => remove_if_present(crate::output::remove_tree(path)),
        Ok(_) => Ok(()),
        Err(e) => remove_if_present(Err(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_give_their_tag_and_nothing_else_does() {
        let tag = |name: &str| temporary_tag(OsStr::new(name)).map(str::to_owned);
        assert_eq!(tag(".A_PRICE_DATA.csv.tmp-12-0").as_deref(), Some("12"));
        assert_eq!(tag(".report.json.tmp-12-3-41").as_deref(), Some("12-3"));
        assert_eq!(tag(".A.tmp-X.csv.tmp-7-1").as_deref(), Some("7"));
        for name in [
            "A.csv.tmp-12-0",
            ".A.csv.tmp-12-",
            ".A.csv.tmp--0",
            ".A.csv.tmp-12",
            ".report.json.tmp-abc-0",
        ] {
            assert_eq!(tag(name), None, "{name}");
        }
        // A user's folder named like a run's staging tree is not one.
        let tree = |name: &str| tree_tag(OsStr::new(name)).map(str::to_owned);
        assert_eq!(tree(".daily.staging-12-3").as_deref(), Some("12-3"));
        for name in [".daily.staging-backup.2025-08-01", ".daily.staging-xyz.bak"] {
            assert_eq!(tree(name), None, "{name}");
        }
    }
}
