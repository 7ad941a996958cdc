//! What a run may replace, and replacing it: the published tree is checked for anything this
//! program did not write, swapped with the run's tree, and the tree it replaced is removed once
//! the run is complete, or put back if the run could not be completed after all.

use super::held;
use crate::folder::Folder;
use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Whether `path` is `folder` or lies inside it, links and `..` resolved. A folder that does not
/// exist holds nothing.
pub fn is_within(path: &Path, folder: &Path) -> bool {
    match (path.canonicalize(), folder.canonicalize()) {
        (Ok(path), Ok(folder)) => path.starts_with(folder),
        _ => false,
    }
}

/// Refuses an output root a run must not write into: a published series folder given for its
/// root (`--output site/data/daily`), where the run would nest `data/` and a report inside the
/// tree; or a `report.json` there that is not a run's report, which the run would replace (one
/// without data, what a stopped machine may keep of a run's, holds nothing to lose).
pub fn refuse_foreign_root(root: &Path) -> io::Result<()> {
    // The root itself or a folder above it, links resolved (`site/data/daily/x`, a link to
    // `site/data/daily`): the next run into the right root would find the nested files.
    let resolved = resolved(root);
    // In `data/` beside a published tree (`site/data/weekly` next to `site/data/daily`) too,
    // and that `data/` itself (`site/data`), where the run would nest `data/data/`.
    let holds_a_tree = |data: &Path| {
        fs::read_dir(data)
            .ok()?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .find(|tree| tree.join("symbol_info").is_dir())
    };
    if resolved.file_name() == Some("data".as_ref())
        && let Some(tree) = holds_a_tree(&resolved)
    {
        return Err(io::Error::other(format!(
            "{} is the data/ folder of an output ({} holds a symbol list, symbol_info/), and \
             --output is the folder that holds data/ ({})",
            root.display(),
            tree.display(),
            resolved.parent().unwrap_or(Path::new("/")).display()
        )));
    }
    let published = resolved.ancestors().find_map(|folder| {
        let data = folder
            .parent()
            .filter(|p| p.file_name() == Some("data".as_ref()))?;
        if folder.join("symbol_info").is_dir() {
            return Some(folder.to_owned());
        }
        holds_a_tree(data)
    });
    if let Some(tree) = published {
        let data = tree.parent().unwrap_or(Path::new("/"));
        let above = data.parent().unwrap_or(Path::new("/"));
        let place = if tree == resolved {
            "a published series folder"
        } else if resolved.starts_with(&tree) {
            "inside a published series folder"
        } else {
            "in the data/ folder of a published series folder"
        };
        return Err(io::Error::other(format!(
            "{} is {place} ({} holds a symbol list, symbol_info/), and --output is the folder \
             that holds data/ ({})",
            root.display(),
            tree.display(),
            above.display()
        )));
    }
    let report = root.join("report.json");
    let ours = match fs::symlink_metadata(&report) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
        Ok(meta) if meta.is_symlink() => {
            return Err(io::Error::other(format!(
                "{} is a link, which a run would replace with its report, leaving what it points \
                 to as it was: remove the link, or give --output a folder of its own",
                report.display()
            )));
        }
        Ok(meta) if !meta.is_file() => false,
        Ok(_) => crate::report::is_run_report(&report)? || holds_no_data(&report)?,
    };
    if ours {
        return Ok(());
    }
    Err(io::Error::other(format!(
        "{} is not a report bluedot wrote, and a run writes its report there: move it elsewhere \
         first, or give --output a folder of its own",
        report.display()
    )))
}

/// `path` with links and `..` resolved as far as it exists, the rest appended as given: where
/// a path that is not there yet would lead once created.
pub fn resolved(path: &Path) -> PathBuf {
    let mut existing = path;
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return rest.iter().rev().fold(real, |path, part| path.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = if parent.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    parent
                };
            }
            _ => return path.to_owned(),
        }
    }
}

/// Refuses a published tree holding anything this program did not write there, since
/// publishing replaces the whole folder: charts kept in it (an `--input` pointing into the
/// output) or a user's own files would be deleted with it. What a run wrote is told by the
/// symbol list it wrote beside: a tree holds one, naming each of its series, so a series-named
/// file of the user's (`SPX_PRICE_DATA.csv` saved by hand) is as foreign as a note. Returns the
/// series the tree's list names, sorted (none without a tree or a list).
pub(super) fn holds_only_series(target: &Path) -> io::Result<Vec<String>> {
    match fs::symlink_metadata(target) {
        Ok(meta) if meta.is_dir() => {}
        // Replacing it would turn the link into a folder, and whatever reads the folder it
        // points to (a checkout, a synced folder) would silently stop getting new series.
        Ok(meta) if meta.is_symlink() => {
            return Err(io::Error::other(format!(
                "{} is a link, and a run replaces that folder whole: the link would become a folder and the folder it points to would get no new series; give --output a folder of its own, or remove the link",
                target.display()
            )));
        }
        Ok(_) => {
            return Err(io::Error::other(format!(
                "{} is a file, where bluedot publishes a folder of series: move it elsewhere first",
                target.display()
            )));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    }
    let not_ours = |path: &Path| {
        io::Error::other(format!(
            "{} was not written by bluedot, and a run replaces the whole of {}: move it elsewhere first (charts to convert belong in a folder of their own)",
            crate::report::one_line(&path.to_string_lossy()),
            target.display(),
        ))
    };
    let listed = match listed_series(&target.join("symbol_info"), &not_ours)? {
        Some(Listed::Series(series)) => Some(series),
        // Nothing but the list in the tree (an empty shard's): nothing is lost replacing it.
        Some(Listed::Lost(list)) => match foreign(target, &|_| false, Some("symbol_info"))? {
            None => return Ok(Vec::new()),
            Some(_) => return Err(list_without_data(&list)),
        },
        None => None,
    };
    let Some(listed) = listed else {
        // Without the list, a run's series cannot be told from files named like them.
        return match foreign(target, &|_| false, Some("symbol_info"))? {
            None => Ok(Vec::new()),
            Some(found) => Err(io::Error::other(format!(
                "{} holds {}{} but no symbol list (symbol_info/<group>.json) naming the series bluedot wrote there, so a run cannot tell them from files of yours, and it replaces the whole folder: move what you keep elsewhere, or remove the folder if all of it is bluedot's",
                target.display(),
                crate::report::one_line(&found.first.to_string_lossy()),
                found.and_more(),
            ))),
        };
    };
    let ours = |name: &str| {
        name.strip_suffix(".csv")
            .is_some_and(|stem| listed.binary_search_by(|s| s.as_str().cmp(stem)).is_ok())
    };
    match foreign(target, &ours, Some("symbol_info"))? {
        None => Ok(listed),
        Some(found) => Err(io::Error::other(format!(
            "{}{} {} not written by bluedot, and a run replaces the whole of {}: move {} elsewhere first (charts to convert belong in a folder of their own)",
            crate::report::one_line(&found.first.to_string_lossy()),
            found.and_more(),
            if found.others == 0 { "was" } else { "were" },
            target.display(),
            if found.others == 0 { "it" } else { "them" },
        ))),
    }
}

/// The series named by the one symbol list in `folder` (the tree's `symbol_info`), sorted, or
/// `None` without a list. Refused: anything there that is not a list a run writes (named by
/// `not_ours`), and more than one list, naming them all: which is the run's cannot be told.
fn listed_series(
    folder: &Path,
    not_ours: &dyn Fn(&Path) -> io::Error,
) -> io::Result<Option<Listed>> {
    let entries = match fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        // A file where the folder goes.
        Err(_) if folder.is_file() => return Err(not_ours(folder)),
        Err(e) => return Err(crate::os_error::in_context(e, folder.display())),
    };
    let mut lists: Vec<(String, Vec<String>)> = Vec::new();
    let mut lost: Option<PathBuf> = None;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_dir() {
            return Err(not_ours(&entry.path()));
        }
        if left_by_a_file_manager(&name) {
            continue;
        }
        let is_list_name = name
            .strip_suffix(".json")
            .is_some_and(|group| crate::convert::validate_group(group).is_ok());
        // A run writes its list as a plain file. A link there is not one, and is not followed:
        // to a pipe, reading it would wait forever.
        if !is_list_name || !entry.file_type()?.is_file() {
            return Err(not_ours(&entry.path()));
        }
        let mut bytes = Vec::new();
        fs::File::open(entry.path())
            .and_then(|file| {
                io::Read::read_to_end(&mut io::Read::take(file, LARGEST_LIST + 1), &mut bytes)
            })
            .map_err(|e| {
                crate::os_error::in_context(
                    e,
                    format_args!("cannot read {}", entry.path().display()),
                )
            })?;
        if bytes.len() as u64 > LARGEST_LIST {
            return Err(not_ours(&entry.path()));
        }
        match crate::convert::listed_series(&bytes) {
            Some(series) => lists.push((name, series)),
            // Alone, it may be an empty shard's whole tree: the caller looks.
            None if no_data(&bytes) && lists.is_empty() => lost = Some(entry.path()),
            None if no_data(&bytes) => return Err(list_without_data(&entry.path())),
            None => return Err(damaged_or_not_ours(&entry.path(), folder)),
        }
    }
    match (lists.len(), lost) {
        (0, None) => Ok(None),
        (0, Some(lost)) => Ok(Some(Listed::Lost(lost))),
        (_, Some(lost)) => Err(list_without_data(&lost)),
        (1, None) => {
            let (_, mut series) = lists.pop().expect("one list");
            series.sort_unstable();
            Ok(Some(Listed::Series(series)))
        }
        _ => {
            let mut names: Vec<String> = lists.into_iter().map(|(name, _)| name).collect();
            names.sort();
            Err(io::Error::other(format!(
                "{} holds {} symbol lists ({}) where a run writes one, so which series bluedot wrote cannot be told; move the ones you put there elsewhere first",
                folder.display(),
                names.len(),
                crate::report::one_line(&names.join(", ")),
            )))
        }
    }
}

/// What a tree's `symbol_info` says of the series in it.
enum Listed {
    /// The series its one list names, sorted.
    Series(Vec<String>),
    /// Its one list, which holds no data ([`no_data`]).
    Lost(PathBuf),
}

/// The most a symbol list of a run's may hold: about 300 bytes a chart, 1.2 KB with the longest
/// descriptions, so a hundred thousand charts' at least. A larger file is not one, and is not
/// read whole to find that out.
const LARGEST_LIST: u64 = 128 * 1024 * 1024;

/// A file named as a symbol list that cannot be read as one: a user's, or bluedot's cut short
/// or zeroed in part by a machine that stopped soon after a run. Either way the tree's series
/// cannot be told, and which way out applies only the user knows.
fn damaged_or_not_ours(list: &Path, folder: &Path) -> io::Error {
    let tree = folder.parent().unwrap_or(folder);
    io::Error::other(format!(
        "{} was not written by bluedot, or was damaged since (cut short or zeroed in part, as a machine that stops soon after a run may leave it), and a run replaces the whole of {}: move it elsewhere if it is yours, or remove {} if all of it is bluedot's, and the next run writes it whole again",
        crate::report::one_line(&list.to_string_lossy()),
        tree.display(),
        tree.display(),
    ))
}

/// Whether `bytes` hold no data: none, or only zero bytes. That is what a file renamed into place
/// can be after the machine stopped (a power cut, a crash) before the disk had its data, as no
/// run waits for the disk: ext4 tends to keep such a file empty, XFS zero-filled.
fn no_data(bytes: &[u8]) -> bool {
    bytes.iter().all(|&byte| byte == 0)
}

/// [`no_data`] for the file at `path`, read until its first byte of data. Replacing such a file
/// loses nothing, whoever wrote it.
fn holds_no_data(path: &Path) -> io::Result<bool> {
    let mut file = fs::File::open(path)?;
    let mut chunk = vec![0; 64 * 1024];
    loop {
        match io::Read::read(&mut file, &mut chunk) {
            Ok(0) => return Ok(true),
            Ok(read) if no_data(&chunk[..read]) => {}
            Ok(_) => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// A symbol list without data: which series are the run's cannot be told, and refusing the tree
/// is what keeps a user's files in it. Said as what most likely happened, with the way out.
fn list_without_data(list: &Path) -> io::Error {
    let tree = list.parent().and_then(Path::parent).unwrap_or(list);
    io::Error::other(format!(
        "{} holds no data (it is empty or all zero bytes): most likely the machine stopped (a power cut, a crash) before the disk had the run that wrote it, so which files in {} are bluedot's series cannot be told, and a run replaces the whole folder: if they all are, remove {}, and the next run writes it whole again",
        crate::report::one_line(&list.to_string_lossy()),
        tree.display(),
        tree.display(),
    ))
}

/// The entries of `folder` that are neither a file whose name is `ours`, nor the folder
/// `subfolder`, nor what a file manager leaves. Those go with the tree; a user's folder, charts
/// or notes do not.
fn foreign(
    folder: &Path,
    ours: &dyn Fn(&str) -> bool,
    subfolder: Option<&str>,
) -> io::Result<Option<Foreign>> {
    let mut found: Option<Foreign> = None;
    for entry in fs::read_dir(folder)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let replaceable = if entry.file_type()?.is_dir() {
            subfolder == Some(&*name)
        } else {
            ours(&name) || left_by_a_file_manager(&name)
        };
        if replaceable {
            continue;
        }
        // All of them counted and the first by name shown, so that one run says how many there
        // are (a user learnt of them one run at a time) and every run names the same.
        let path = entry.path();
        found = Some(match found {
            None => Foreign {
                first: path,
                others: 0,
            },
            Some(Foreign { first, others }) => Foreign {
                first: first.min(path),
                others: others + 1,
            },
        });
    }
    Ok(found)
}

/// What [`foreign`] found: the first by name, and how many more.
struct Foreign {
    first: PathBuf,
    others: usize,
}

impl Foreign {
    fn and_more(&self) -> String {
        match self.others {
            0 => String::new(),
            n => format!(" and {n} more item{}", if n == 1 { "" } else { "s" }),
        }
    }
}

/// A hidden file (a live run's temporary file, what macOS's Finder leaves: `.DS_Store`,
/// `._<name>`), or what Windows' Explorer leaves (`Thumbs.db`, `desktop.ini`).
pub fn left_by_a_file_manager(name: &str) -> bool {
    name.starts_with('.') || ["thumbs.db", "desktop.ini"].contains(&&*name.to_ascii_lowercase())
}

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
        return error;
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

    /// A symbol list kept as a link to a pipe (a self-hosted runner's workspace) must neither
    /// hang the check nor count as the run's list.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_symbol_list_that_is_a_link_is_not_read() {
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("daily");
        fs::create_dir_all(target.join("symbol_info")).unwrap();
        let pipe = out.path().join("pipe");
        crate::testing::pipe_at(&pipe);
        std::os::unix::fs::symlink(&pipe, target.join("symbol_info/bluedot.json")).unwrap();
        let refused = crate::testing::within_seconds("the check waited on a pipe", move || {
            holds_only_series(&target).map_err(|e| e.to_string())
        })
        .unwrap_err();
        assert!(
            refused.contains("bluedot.json was not written by bluedot"),
            "{refused}"
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
