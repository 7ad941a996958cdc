//! Replacing the published tree: the run's tree is swapped with it, and the tree it replaced
//! is removed once the run is complete, or put back if the run could not be completed after
//! all. What may be replaced at all is `replaceable.rs`'s to say.

use super::held;
use crate::folder::Folder;
use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// A published tree, and the tree it replaced, kept until the run is complete.
#[must_use = "the replaced tree stays on disk until settled"]
pub enum Published {
    /// Per-file mode: each chart replaced its series as it was written.
    InPlace,
    /// The two trees' names were swapped: the replaced one is under the staging name.
    Swapped { staging: PathBuf, target: PathBuf },
    /// The replaced tree (if there was one) was moved aside, then the new tree into place.
    MovedAside {
        staging: PathBuf,
        target: PathBuf,
        previous: Option<PathBuf>,
    },
}

impl Published {
    /// Removes the tree this one replaced. The new tree is in place by then, so a file that
    /// will not go (held open by another program on Windows) does not fail the run: the rest
    /// goes, and its hidden name, carrying this run's tag, is removed by the next run.
    pub fn settle(self) {
        let replaced = match self {
            Published::InPlace | Published::MovedAside { previous: None, .. } => return,
            Published::Swapped { staging, .. } => staging,
            Published::MovedAside {
                previous: Some(previous),
                ..
            } => previous,
        };
        if let Err(e) = remove_tree(&replaced) {
            tracing::warn!(
                path = %replaced.display(),
                error = %e,
                "the replaced series could not all be removed; the next run removes what is left"
            );
        }
    }

    /// Puts the replaced tree back and removes the run's own (the run could not be completed
    /// after all). Per-file mode has nothing to put back. The run's tree, once out of the way,
    /// is a leftover: one that will not go is the next run's to remove, as in [`Self::settle`].
    pub fn undo(self) -> Result<(), NotUndone> {
        let (staging, target) = match self {
            Published::InPlace => return Ok(()),
            Published::Swapped { staging, target } => {
                exchange(&staging, &target).map_err(NotUndone::in_place)?;
                (staging, target)
            }
            Published::MovedAside {
                staging,
                target,
                previous,
            } => {
                held::rename(&target, &staging, &target).map_err(NotUndone::in_place)?;
                if let Some(previous) = previous {
                    held::rename(&previous, &target, &target).map_err(|error| NotUndone {
                        error,
                        run_tree_in_place: false,
                    })?;
                }
                (staging, target)
            }
        };
        if let Err(e) = remove_tree(&staging) {
            tracing::warn!(
                path = %staging.display(),
                folder = %target.display(),
                error = %e,
                "the series of this run could not all be removed; the next run removes what is left"
            );
        }
        Ok(())
    }
}

/// A publish that could not be undone, and where that left the trees.
#[derive(Debug)]
pub struct NotUndone {
    pub error: io::Error,
    /// The run's tree is still the one in place. Otherwise neither is: the run's was moved out
    /// and the replaced one could not be moved back, which the next run of that timeframe does.
    pub run_tree_in_place: bool,
}

impl NotUndone {
    fn in_place(error: io::Error) -> NotUndone {
        NotUndone {
            error,
            run_tree_in_place: true,
        }
    }
}

/// What a run says when it moved the published tree aside and could not move it back: the
/// folder is empty of series until the next run of that timeframe puts them back.
pub fn not_put_back(error: &dyn std::fmt::Display, back: &io::Error, target: &Path) -> String {
    let now = match fs::symlink_metadata(target) {
        // Where locks do not work, another run may have published meanwhile.
        Ok(_) => format!(
            "{} holds what another run put there since",
            target.display()
        ),
        Err(_) => format!(
            "no series are at {} until the next run into it puts them back",
            target.display()
        ),
    };
    format!("{error}; and the last series could not be put back ({back}): {now}")
}

/// Publishes the tree at `staging` under `target`. Readers of `target` see the old tree or the
/// new one, never neither: the two names are swapped in one step where the system can (Linux's
/// `RENAME_EXCHANGE`). Elsewhere the old tree is first moved to `previous`.
pub(super) fn swap_into_place(
    staging: &Path,
    target: &Path,
    previous: &Path,
) -> io::Result<Published> {
    if exchange(staging, target).is_ok() {
        return Ok(Published::Swapped {
            staging: staging.to_owned(),
            target: target.to_owned(),
        });
    }
    // Nothing published yet, or a system or file system that cannot swap two names: the old
    // tree is moved aside first, so `target` is missing for a moment.
    let had_previous = match held::rename(target, previous, target) {
        Ok(()) => true,
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => return Err(unmovable(e, target)),
    };
    if let Err(e) = held::rename(staging, target, target) {
        let e = unmovable(e, target);
        if had_previous && let Err(back) = held::rename(previous, target, target) {
            return Err(io::Error::new(e.kind(), not_put_back(&e, &back, target)));
        }
        return Err(e);
    }
    Ok(Published::MovedAside {
        staging: staging.to_owned(),
        target: target.to_owned(),
        previous: had_previous.then(|| previous.to_owned()),
    })
}

/// `error` from moving `target`, explained where the file system refuses to rename a folder
/// within itself: overlayfs does (`EXDEV`) for a folder that sits in a lower layer, such as one
/// baked into a container image, and "Invalid cross-device link" names no cause or way out; a
/// mount point cannot be moved at all (`EBUSY`).
fn unmovable(error: io::Error, target: &Path) -> io::Error {
    if error.kind() == io::ErrorKind::ResourceBusy {
        // A mount point cannot be renamed, and "Device or resource busy" says neither where
        // nor why.
        return io::Error::new(
            error.kind(),
            format!(
                "{}: this folder cannot be renamed ({error}; a volume mounted on it is the usual \
                 cause), and a run publishes its tree by renaming it into this place; mount the \
                 volume at the output folder, or above it, instead",
                target.display()
            ),
        );
    }
    if error.kind() != io::ErrorKind::CrossesDevices {
        return crate::os_error::in_context(
            error,
            format_args!("cannot publish the tree at {}", target.display()),
        );
    }
    io::Error::new(
        error.kind(),
        format!(
            "{}: the file system cannot rename this folder ({error}; overlayfs does so for a \
             folder in a lower layer, such as a container image's); give --output a folder on a \
             volume, or one that is not in the image",
            target.display()
        ),
    )
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    Ok(renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE)?)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

/// Threads that remove a tree's files, at most. Where the file system trims each file's blocks
/// as it frees them (ext4 mounted with `discard`, as cloud images often are, and the work disk
/// here), removing a file mostly waits on the disk, and does so after the folder's lock is let
/// go, so removals overlap: the 4000 series of 1000 charts, written out to disk, took 480-610 ms
/// to remove from one thread, 190-230 from 4, 150-180 from 8 and 113-156 from 16. On tmpfs,
/// where removing is CPU alone, 16 threads took 27-29 ms against 32-33 for one.
const REMOVING_THREADS: usize = 16;

/// Removes a tree this program wrote (a previous run's series, or an abandoned staging folder):
/// the files directly inside it from several threads at once, then its folders one by one. Every
/// file is tried before the first error is returned.
pub(super) fn remove_tree(path: &Path) -> io::Result<()> {
    if fs::symlink_metadata(path)?.is_symlink() {
        // A published folder a user replaced by a link: the link goes, what it points to stays.
        return fs::remove_file(path);
    }
    let (mut files, mut folders) = (Vec::new(), Vec::new());
    for entry in fs::read_dir(path)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            folders.push(entry.path());
        } else {
            files.push(entry.file_name());
        }
    }
    if !files.is_empty() {
        let folder = Folder::open(path)?;
        let remove_all = |names: &[OsString]| -> io::Result<()> {
            let mut first_error = Ok(());
            for name in names {
                if let Err(e) = folder.remove_file(name) {
                    first_error = first_error.and(Err(e));
                }
            }
            first_error
        };
        // A few dozen files are not worth a thread each.
        let threads = (files.len() / 64).clamp(1, REMOVING_THREADS);
        let results: Vec<io::Result<()>> = std::thread::scope(|scope| {
            let chunks = files.chunks(files.len().div_ceil(threads));
            let handles: Vec<_> = chunks
                .map(|chunk| {
                    std::thread::Builder::new()
                        .spawn_scoped(scope, || remove_all(chunk))
                        .map_err(|_| chunk)
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| match handle {
                    Ok(thread) => thread.join().expect("removing files does not panic"),
                    // No thread to be had: this one removes the chunk itself.
                    Err(chunk) => remove_all(chunk),
                })
                .collect()
        });
        results.into_iter().collect::<io::Result<()>>()?;
    }
    for folder in folders {
        fs::remove_dir_all(folder)?;
    }
    fs::remove_dir(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_that_cannot_be_renamed_is_named_with_the_likely_cause() {
        let busy = unmovable(
            io::ErrorKind::ResourceBusy.into(),
            Path::new("out/data/daily"),
        )
        .to_string();
        assert!(
            busy.starts_with("out/data/daily: this folder cannot be renamed (")
                && busy.contains("a volume mounted on it is the usual cause), and a run")
                && busy.ends_with("mount the volume at the output folder, or above it, instead"),
            "{busy}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_the_file_system_cannot_rename_is_explained() {
        let exdev = io::Error::from_raw_os_error(18);
        let explained = unmovable(exdev, Path::new("out/data/daily")).to_string();
        assert!(
            explained.starts_with("out/data/daily: the file system cannot rename this folder"),
            "{explained}"
        );
        assert!(
            explained.contains("give --output a folder on a volume"),
            "{explained}"
        );
        let other = io::Error::from(io::ErrorKind::PermissionDenied);
        assert_eq!(
            unmovable(other, Path::new("x")).kind(),
            io::ErrorKind::PermissionDenied
        );
    }

    #[test]
    fn a_tree_is_removed_whole_from_several_threads_without_following_links() {
        let dir = tempfile::tempdir().unwrap();
        let kept = dir.path().join("kept.csv");
        fs::write(&kept, "not part of the tree").unwrap();
        let tree = dir.path().join(".daily.previous-1");
        fs::create_dir_all(tree.join("symbol_info")).unwrap();
        fs::write(tree.join("symbol_info/bluedot.json"), "{}").unwrap();
        // Enough files for several removing threads, each with its share.
        for i in 0..300 {
            fs::write(
                tree.join(format!("S{i}_PRICE_DATA.csv")),
                "20250101T,1,1,1,1,0\n",
            )
            .unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(&kept, tree.join("LINK_PRICE_DATA.csv")).unwrap();

        remove_tree(&tree).unwrap();

        assert!(!tree.exists());
        assert_eq!(fs::read_to_string(&kept).unwrap(), "not part of the tree");
        let missing = remove_tree(&tree).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    }

    #[cfg(unix)]
    #[test]
    fn a_published_folder_replaced_by_a_link_is_unlinked_not_emptied() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("charts");
        fs::create_dir(&elsewhere).unwrap();
        fs::write(elsewhere.join("A_PRICE_DATA.csv"), "theirs").unwrap();
        let target = dir.path().join("daily");
        std::os::unix::fs::symlink(&elsewhere, &target).unwrap();
        let staging = dir.path().join(".daily.staging-1");
        fs::create_dir(&staging).unwrap();
        fs::write(staging.join("A_PRICE_DATA.csv"), "ours").unwrap();

        swap_into_place(&staging, &target, &dir.path().join(".daily.previous-1"))
            .unwrap()
            .settle();

        assert_eq!(
            fs::read_to_string(target.join("A_PRICE_DATA.csv")).unwrap(),
            "ours"
        );
        assert!(!fs::symlink_metadata(&target).unwrap().is_symlink());
        assert_eq!(
            fs::read_to_string(elsewhere.join("A_PRICE_DATA.csv")).unwrap(),
            "theirs"
        );
        assert!(!staging.exists());
    }

    #[test]
    fn a_publish_undone_puts_the_replaced_tree_back() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("daily");
        let (staging, previous) = (dir.path().join(".s"), dir.path().join(".p"));
        let stage = |content: &str| {
            fs::create_dir(&staging).unwrap();
            fs::write(staging.join("A_PRICE_DATA.csv"), content).unwrap();
        };
        let names = || {
            let mut names: Vec<_> = fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            names.sort();
            names
        };
        // The first publish replaces nothing; undone, there is nothing again.
        stage("first");
        swap_into_place(&staging, &target, &previous)
            .unwrap()
            .undo()
            .unwrap();
        assert!(names().is_empty(), "{:?}", names());

        stage("first");
        swap_into_place(&staging, &target, &previous)
            .unwrap()
            .settle();
        stage("second");
        swap_into_place(&staging, &target, &previous)
            .unwrap()
            .undo()
            .unwrap();
        assert_eq!(names(), ["daily"]);
        assert_eq!(
            fs::read_to_string(target.join("A_PRICE_DATA.csv")).unwrap(),
            "first"
        );
    }

    #[test]
    fn an_undo_that_cannot_put_the_replaced_tree_back_says_neither_tree_is_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("daily");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("A_PRICE_DATA.csv"), "new").unwrap();
        let staging = dir.path().join(".s");
        // The replaced tree is gone from where it was moved aside (another process, a share).
        let undone = Published::MovedAside {
            staging: staging.clone(),
            target: target.clone(),
            previous: Some(dir.path().join(".p")),
        }
        .undo()
        .unwrap_err();
        assert!(!undone.run_tree_in_place);
        assert_eq!(undone.error.kind(), io::ErrorKind::NotFound);
        assert!(!target.exists());
        assert!(
            staging.join("A_PRICE_DATA.csv").exists(),
            "left for the next run"
        );
        let said = not_put_back(&"report.json: gone", &undone.error, &target);
        assert!(
            said.starts_with("report.json: gone; and the last series could not be put back (")
                && said.ends_with("daily until the next run into it puts them back"),
            "{said}"
        );
        // Unless another run published meanwhile (where locks do not work).
        fs::create_dir(&target).unwrap();
        let said = not_put_back(&"report.json: gone", &undone.error, &target);
        assert!(
            said.ends_with("daily holds what another run put there since"),
            "{said}"
        );
    }

    // Elsewhere the old tree is moved aside first, and `target` is missing for a moment.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_published_tree_is_never_missing_while_the_next_replaces_it() {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("daily");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("A_PRICE_DATA.csv"), "0").unwrap();
        let done = AtomicBool::new(false);
        let missing = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                while !done.load(Ordering::Relaxed) {
                    if !target.join("A_PRICE_DATA.csv").exists() {
                        missing.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
            for run in 1..=200 {
                let staging = dir.path().join(format!(".daily.staging-{run}"));
                fs::create_dir(&staging).unwrap();
                fs::write(staging.join("A_PRICE_DATA.csv"), run.to_string()).unwrap();
                let previous = dir.path().join(".daily.previous-1");
                swap_into_place(&staging, &target, &previous)
                    .unwrap()
                    .settle();
            }
            done.store(true, Ordering::Relaxed);
        });
        assert_eq!(missing.load(Ordering::Relaxed), 0);
        assert_eq!(
            fs::read_to_string(target.join("A_PRICE_DATA.csv")).unwrap(),
            "200"
        );
    }
}
