//! Telling a live run's staging folder from one a dead run left behind.
//!
//! A run that stages its tree first takes a *claim*: a lock file `.<base>.lock-<tag>` beside the
//! target, created new and held locked (`flock` on Unix) until the run has published or discarded
//! its tree. Its staging (`.<base>.staging-<tag>`) and previous (`.<base>.previous-<tag>`) trees
//! exist only while that file does: the file is created before them and removed after them. The
//! system lets go of a lock when its holder dies, however it dies, so a lock file that can be
//! locked by someone else belongs to a dead run, and so does a tree without a lock file.
//!
//! Process ids alone cannot tell this: `/proc` exists only on Linux, a container sees only its own
//! processes, and a dead run's id is soon another process's.

use std::fs::{self, File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

const LOCK_MARK: &str = ".lock-";
const STAGING_MARK: &str = ".staging-";
const PREVIOUS_MARK: &str = ".previous-";

/// A run's hold on its tag in a folder. Dropped without [`Claim::release`] (a panic), it leaves
/// its trees for the next run to remove, as a crash would.
pub struct Claim {
    parent: PathBuf,
    base: String,
    tag: String,
    /// Held open: closing it lets go of the lock.
    _lock: File,
}

impl Claim {
    /// Takes a tag no live run holds in `parent` for the target named `base`: the process id,
    /// then the id with a counter (two containers sharing a folder can both be process 1).
    pub fn take(parent: &Path, base: &str) -> io::Result<Claim> {
        let pid = std::process::id();
        for attempt in 0..64 {
            let tag = match attempt {
                0 => pid.to_string(),
                n => format!("{pid}-{n}"),
            };
            let path = lock_path(parent, base, &tag);
            let file = match File::options().write(true).create_new(true).open(&path) {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            };
            match file.try_lock() {
                Ok(()) => {}
                // A run cleaning up found the file before it was locked, and will remove it.
                Err(TryLockError::WouldBlock) => continue,
                // A file system without locks: the claim stands on the name alone, and other
                // runs, unable to lock it either, keep its trees.
                Err(TryLockError::Error(_)) => {}
            }
            // Locked, but a run cleaning up may have removed the name between its creation and
            // the lock; then the lock guards nothing.
            if still_named(&file, &path) {
                return Ok(Claim {
                    parent: parent.to_owned(),
                    base: base.to_owned(),
                    tag,
                    _lock: file,
                });
            }
        }
        Err(io::Error::other(format!(
            "could not claim a staging folder in {}: 64 names in use",
            parent.display()
        )))
    }

    pub fn staging(&self) -> PathBuf {
        tree_path(&self.parent, &self.base, STAGING_MARK, &self.tag)
    }

    pub fn previous(&self) -> PathBuf {
        tree_path(&self.parent, &self.base, PREVIOUS_MARK, &self.tag)
    }

    /// Gives the tag up; the run's trees must be gone by now.
    pub fn release(self) -> io::Result<()> {
        remove_if_present(fs::remove_file(lock_path(
            &self.parent,
            &self.base,
            &self.tag,
        )))
    }
}

/// Removes, with `remove_tree`, the staging and previous trees of dead runs in `parent` for the
/// target named `base`, and their lock files. Trees of live runs are left alone, and so are those
/// whose lock cannot be tested (a file system without locks).
pub fn remove_abandoned(
    parent: &Path,
    base: &str,
    remove_tree: impl Fn(&Path) -> io::Result<()>,
) -> io::Result<()> {
    let prefix = format!(".{base}");
    for item in fs::read_dir(parent)? {
        let name = item?.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        if let Some(tag) = rest.strip_prefix(LOCK_MARK) {
            let path = lock_path(parent, base, tag);
            let lock = match File::open(&path) {
                Ok(lock) => lock,
                // Its run finished since the folder was listed.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            if lock.try_lock().is_ok() {
                // Trees first: a tree never outlives its lock file.
                for mark in [STAGING_MARK, PREVIOUS_MARK] {
                    remove_if_ours(&tree_path(parent, base, mark, tag), &remove_tree)?;
                }
                remove_if_present(fs::remove_file(&path))?;
            }
        } else if let Some(tag) = rest
            .strip_prefix(STAGING_MARK)
            .or_else(|| rest.strip_prefix(PREVIOUS_MARK))
        {
            // A live run creates its lock file before its trees and removes it after them.
            if !lock_path(parent, base, tag).exists() {
                remove_if_ours(&parent.join(&name), &remove_tree)?;
            }
        }
    }
    Ok(())
}

fn lock_path(parent: &Path, base: &str, tag: &str) -> PathBuf {
    tree_path(parent, base, LOCK_MARK, tag)
}

fn tree_path(parent: &Path, base: &str, mark: &str, tag: &str) -> PathBuf {
    parent.join(format!(".{base}{mark}{tag}"))
}

/// Whether `path` still names the open `file`.
fn still_named(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), fs::metadata(path)) {
            (Ok(held), Ok(named)) => held.dev() == named.dev() && held.ino() == named.ino(),
            _ => false,
        }
    }
    // Elsewhere an open file cannot be removed from under its holder.
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

/// Removes the tree at `path` if it is a folder: a link of that name, to wherever, is not a tree
/// this program wrote.
fn remove_if_ours(path: &Path, remove_tree: impl Fn(&Path) -> io::Result<()>) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => remove_if_present(remove_tree(path)),
        Ok(_) => Ok(()),
        Err(e) => remove_if_present(Err(e)),
    }
}

/// Someone else (the run itself, or another run cleaning up) got there first: not an error.
fn remove_if_present(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(path: &Path) {
        fs::create_dir_all(path.join("symbol_info")).unwrap();
        fs::write(path.join("A_PRICE_DATA.csv"), "20250101T,1,1,1,1,0\n").unwrap();
    }

    fn remove(parent: &Path) {
        remove_abandoned(parent, "daily", |path| fs::remove_dir_all(path)).unwrap();
    }

    fn names(parent: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(parent)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_live_runs_trees_are_kept_and_a_dead_runs_removed() {
        let dir = tempfile::tempdir().unwrap();
        let live = Claim::take(dir.path(), "daily").unwrap();
        tree(&live.staging());
        tree(&live.previous());
        let dead = Claim::take(dir.path(), "daily").unwrap();
        assert_ne!(live.staging(), dead.staging());
        tree(&dead.staging());
        let dead_staging = dead.staging();
        drop(dead); // what dying does to its lock

        remove(dir.path());

        assert!(live.staging().join("A_PRICE_DATA.csv").exists());
        assert!(live.previous().join("A_PRICE_DATA.csv").exists());
        assert!(!dead_staging.exists());
        let pid = std::process::id();
        assert_eq!(
            names(dir.path()),
            [
                format!(".daily.lock-{pid}"),
                format!(".daily.previous-{pid}"),
                format!(".daily.staging-{pid}")
            ]
        );
    }

    #[test]
    fn a_tree_without_its_lock_file_is_abandoned_and_other_targets_are_not_touched() {
        let dir = tempfile::tempdir().unwrap();
        tree(&dir.path().join(".daily.staging-77"));
        tree(&dir.path().join(".daily.previous-78"));
        tree(&dir.path().join(".weekly.staging-77"));
        tree(&dir.path().join("daily"));
        let elsewhere = tempfile::tempdir().unwrap();
        tree(elsewhere.path());
        #[cfg(unix)]
        std::os::unix::fs::symlink(elsewhere.path(), dir.path().join(".daily.staging-79")).unwrap();

        remove(dir.path());

        let mut kept = vec![".weekly.staging-77", "daily"];
        if cfg!(unix) {
            kept.insert(0, ".daily.staging-79");
        }
        assert_eq!(names(dir.path()), kept);
        assert!(elsewhere.path().join("A_PRICE_DATA.csv").exists());
    }

    #[test]
    fn a_released_claim_leaves_nothing_and_its_tag_is_taken_again() {
        let dir = tempfile::tempdir().unwrap();
        let claim = Claim::take(dir.path(), "daily").unwrap();
        let staging = claim.staging();
        claim.release().unwrap();
        assert!(names(dir.path()).is_empty());
        let again = Claim::take(dir.path(), "daily").unwrap();
        assert_eq!(again.staging(), staging);
    }
}
