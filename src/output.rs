//! Writing the series tree so that no reader ever sees half of it.
//!
//! Two strategies, chosen by measurement (`bench/convert.sh`):
//! - `Staged` (default): every file of the run goes into a fresh hidden directory next to the
//!   target, which takes the place of `data/<timeframe>` once the run is complete (on Linux
//!   the two names are swapped in one step, so a reader never finds the folder missing). One
//!   rename per run instead of one per file, and the published tree is always one whole run.
//! - `PerFile`: a chart's files are each written under a temporary name, then renamed into
//!   place once all are written. Once the run's symbol list is in place, the series of charts
//!   it did not write (failed or missing today) are removed, so that it leaves the tree a staged
//!   run would publish: a series on disk that its list does not name would be taken for a
//!   user's file, and every later run refused.
//!
//! A rename protects readers from a crashed process, which is the failure that happens on a
//! runner; power loss on an ephemeral runner loses the machine anyway. On a laptop, a machine
//! that stops within seconds of a run may keep what the run published empty or zero-filled, as
//! no series waits for the disk (an fsync of each would cost more than the conversion): the next
//! run replaces such files, `report.json` too (`replaceable::holds_no_data`). The staged tree's
//! symbol list alone is synced before the tree is published (half a millisecond), since it is
//! what tells the next run which files it may replace: one the disk lost would stop every run
//! until the user removed the tree.

mod claim;
mod held;
mod replace;
mod replaceable;

use crate::folder::Folder;
pub use claim::Claim;
pub use replace::{Published, not_put_back};
use replace::{remove_tree, swap_into_place};
use replaceable::holds_only_series;
pub use replaceable::{is_within, left_by_a_file_manager, refuse_foreign_root, resolved};
use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Mutex, OnceLock};

/// Set while a run puts its tree and its report in place, two renames that must not be parted:
/// a forced exit between them would leave a tree beside another run's report.
static SWAPPING: AtomicBool = AtomicBool::new(false);
/// The status of a forced exit asked for while [`SWAPPING`] (-1: none), taken once both renames
/// are done.
static EXIT_ASKED: AtomicI32 = AtomicI32::new(-1);

/// Exits the process at once with `code`, or, while a run is putting its tree and report in
/// place, right after. Async-signal-safe (atomics and `_exit` only), for a signal handler.
pub fn exit_unless_swapping(code: i32) {
    EXIT_ASKED.store(code, Ordering::SeqCst);
    if !SWAPPING.load(Ordering::SeqCst) {
        signal_hook::low_level::exit(code);
    }
}

/// Holds forced exits ([`exit_unless_swapping`]) off until dropped.
pub struct SwapInProgress(());

impl SwapInProgress {
    pub fn begin() -> SwapInProgress {
        SWAPPING.store(true, Ordering::SeqCst);
        SwapInProgress(())
    }
}

impl Drop for SwapInProgress {
    fn drop(&mut self) {
        SWAPPING.store(false, Ordering::SeqCst);
        let asked = EXIT_ASKED.load(Ordering::SeqCst);
        if asked >= 0 {
            signal_hook::low_level::exit(asked);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum WriteMode {
    #[default]
    Staged,
    PerFile,
}

/// `OUT/data/<timeframe>/` while a run writes it.
pub struct SeriesTree<'c> {
    /// The run's hold on its names, so that no other run removes what it writes.
    claim: &'c Claim,
    /// Where files go during the run (the staging directory, or the target itself).
    writing: Folder,
    mode: WriteMode,
    /// The first error writing the staging tree (a full disk, a quota, a read-only file system,
    /// a file size limit, too many open files, an I/O error): it is the output's, not the
    /// chart's, and the run must not publish a tree it could write only part of.
    broken: OnceLock<String>,
    /// The series symbols of the tree this run will replace, as its symbol list names them,
    /// sorted: what the run's tree no longer has is worth a word.
    published_before: Vec<Box<str>>,
    /// Per-file mode: the series files of the tree as the run found it, and those it put in
    /// place (`A_PRICE_DATA.csv`).
    in_place: Option<InPlace>,
}

struct InPlace {
    listed_before: Vec<String>,
    /// The symbol list the tree held (one at most, or the run was refused), which a run of
    /// another `--group` replaces with its own.
    lists_before: Vec<std::ffi::OsString>,
    written: Mutex<BTreeSet<String>>,
}

impl<'c> SeriesTree<'c> {
    /// Prepares the claim's target (for example `site/data/daily`) for a run.
    pub fn create(claim: &'c Claim, mode: WriteMode) -> io::Result<SeriesTree<'c>> {
        let published_before;
        let mut in_place = None;
        let writing = match mode {
            WriteMode::Staged => {
                published_before = series_symbols(holds_only_series(claim.target())?);
                let staging = claim.staging();
                fs::create_dir(&staging).map_err(|e| match e.kind() {
                    // The run's own leftovers were removed when it took its tag: what is there
                    // now (a link of that name) is not bluedot's to remove.
                    io::ErrorKind::AlreadyExists => io::Error::new(
                        e.kind(),
                        format!(
                            "{} is in the way of this run's staging folder and is not one \
                             bluedot left (a link?); remove it",
                            staging.display()
                        ),
                    ),
                    _ => e,
                })?;
                if let Err(e) = fs::create_dir(staging.join("symbol_info")) {
                    // Out of inodes, say: the next run would remove it, but this one knows.
                    let _ = fs::remove_dir(&staging);
                    return Err(e);
                }
                staging
            }
            WriteMode::PerFile => {
                // Files are replaced where they are, so one of the user's named like a series
                // would be as lost as in a replaced tree.
                let listed = holds_only_series(claim.target())?;
                published_before = series_symbols(listed.clone());
                let mut listed_before: Vec<String> =
                    listed.into_iter().map(|s| format!("{s}.csv")).collect();
                listed_before.sort_unstable();
                let lists_before = fs::read_dir(claim.target().join("symbol_info"))
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|entry| entry.file_name())
                    .filter(|name| name.to_string_lossy().ends_with(".json"))
                    .collect();
                in_place = Some(InPlace {
                    listed_before,
                    lists_before,
                    written: Mutex::default(),
                });
                fs::create_dir_all(claim.target().join("symbol_info"))?;
                claim.target().to_owned()
            }
        };
        let writing = match Folder::open(&writing) {
            Ok(folder) => folder,
            Err(e) => {
                if mode == WriteMode::Staged {
                    let _ = fs::remove_dir(writing.join("symbol_info"));
                    let _ = fs::remove_dir(&writing);
                }
                return Err(e);
            }
        };
        Ok(SeriesTree {
            claim,
            writing,
            mode,
            broken: OnceLock::new(),
            published_before,
            in_place,
        })
    }

    /// The series symbols of the published tree this run replaces.
    pub fn published_before(&self) -> &[Box<str>] {
        &self.published_before
    }

    /// Writes one chart's files: all of them, or (on error) none of them.
    pub fn write_chart(&self, files: &[(String, &[u8])]) -> io::Result<u64> {
        match self.mode {
            WriteMode::Staged => self.create_all(files),
            WriteMode::PerFile => {
                let written = self.replace_all(files)?;
                if let Some(in_place) = &self.in_place {
                    let mut names = in_place.written.lock().expect("no writer panics");
                    names.extend(files.iter().map(|(name, _)| name.clone()));
                }
                Ok(written)
            }
        }
    }

    /// Creates the files in the staging tree, which nobody reads until it is published.
    fn create_all(&self, files: &[(String, &[u8])]) -> io::Result<u64> {
        let mut written = 0u64;
        for (i, (name, bytes)) in files.iter().enumerate() {
            // How many of the chart's files exist when it fails: this one too once created.
            let created = match self.writing.create_file(name) {
                Ok(mut file) => file
                    .write_all(bytes)
                    .and_then(|()| crate::folder::close(file))
                    .map_err(|e| (e, i + 1)),
                Err(e) => Err((e, i)),
            };
            if let Err((e, made)) = created {
                self.remove(files[..made].iter().map(|(n, _)| n.as_str()));
                if !concerns_one_chart(&e) {
                    let _ = self.broken.set(crate::os_error::with_advice(&e));
                }
                return Err(e);
            }
            written += bytes.len() as u64;
        }
        Ok(written)
    }

    /// Replaces published files. Every file is written under its temporary name before any of
    /// them replaces its published one, so a failed write (a full disk) leaves the chart's
    /// published series as they were. Only a rename refused half-way (a file held open past the
    /// wait) removes the ones it had already replaced: a failed chart has nothing written.
    fn replace_all(&self, files: &[(String, &[u8])]) -> io::Result<u64> {
        let targets: Vec<_> = files
            .iter()
            .map(|(name, _)| self.writing.path().join(name))
            .collect();
        let mut temporaries = Vec::with_capacity(files.len());
        let mut written = 0u64;
        for ((_, bytes), target) in files.iter().zip(&targets) {
            let created = create_temporary(self.claim, target).and_then(|(temporary, mut file)| {
                temporaries.push(temporary);
                file.write_all(bytes)?;
                crate::folder::close(file)
            });
            if let Err(e) = created {
                remove_files(&temporaries);
                return Err(e);
            }
            written += bytes.len() as u64;
        }
        for (i, (temporary, target)) in temporaries.iter().zip(&targets).enumerate() {
            if let Err(e) = held::rename(temporary, target, target) {
                remove_files(&temporaries[i..]);
                self.remove(files[..i].iter().map(|(n, _)| n.as_str()));
                return Err(e);
            }
        }
        Ok(written)
    }

    /// Why the staging tree takes no more files, once a chart's could not be written for that
    /// reason: the run then has nothing it may publish.
    pub fn broken(&self) -> Option<&str> {
        self.broken.get().map(String::as_str)
    }

    pub fn remove<'a>(&self, names: impl IntoIterator<Item = &'a str>) {
        for name in names {
            let _ = self.writing.remove_file(OsStr::new(name));
            if let Some(in_place) = &self.in_place {
                in_place
                    .written
                    .lock()
                    .expect("no writer panics")
                    .remove(name);
            }
        }
    }

    /// Per-file mode: removes the series files of `which` side (what the tree held before and
    /// the run did not write, or the other way round). What cannot be removed (on Windows, a
    /// file another program holds) is named: its list will not name it, and the next run will
    /// refuse the tree until it is gone.
    fn remove_unmatched(&self, which: Unmatched) {
        let Some(in_place) = &self.in_place else {
            return;
        };
        let names: Vec<String> = {
            let written = in_place.written.lock().expect("no writer panics");
            match which {
                Unmatched::NotWrittenToday => in_place
                    .listed_before
                    .iter()
                    .filter(|name| !written.contains(*name))
                    .cloned()
                    .collect(),
                Unmatched::NotListedBefore => written
                    .iter()
                    .filter(|name| in_place.listed_before.binary_search(name).is_err())
                    .cloned()
                    .collect(),
            }
        };
        for name in &names {
            self.remove_or_warn(OsStr::new(name));
        }
    }

    /// Per-file mode: removes the list the tree held when it is not `own` (another `--group`'s),
    /// as a replaced tree would have taken it away.
    fn remove_other_list(&self, own: &OsStr) {
        let Some(in_place) = &self.in_place else {
            return;
        };
        for list in in_place.lists_before.iter().filter(|list| *list != own) {
            self.remove_or_warn(Path::new("symbol_info").join(list).as_os_str());
        }
    }

    fn remove_or_warn(&self, name: &OsStr) {
        match self.writing.remove_file(name) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => tracing::warn!(
                "cannot remove {}: {e}; the symbol list no longer names it, so the next run \
                 will refuse the tree until it is removed",
                self.writing.path().join(name).display()
            ),
            _ => {}
        }
    }

    /// Writes the symbol list with `write_list`, completing the run's tree, which is then ready
    /// to be published.
    pub fn finish(
        self,
        group: &str,
        write_list: impl FnOnce(&mut fs::File) -> io::Result<()>,
    ) -> io::Result<Finished<'c>> {
        let info = self
            .writing
            .path()
            .join("symbol_info")
            .join(format!("{group}.json"));
        let (list, list_size) = match self.mode {
            WriteMode::PerFile => {
                let written = write_pending(self.claim, &info, write_list).and_then(|list| {
                    let size = fs::metadata(&list.temporary)?.len();
                    Ok((list, size))
                });
                match written {
                    Ok((list, size)) => (Some(list), size),
                    Err(e) => {
                        // The tree must still be the one its old list names.
                        self.discard();
                        return Err(e);
                    }
                }
            }
            WriteMode::Staged => {
                let written = fs::File::create(&info).and_then(|mut file| {
                    write_list(&mut file)?;
                    // The one file a run waits for the disk to have: see the module's comment.
                    sync_where_possible(&file).map_err(|e| {
                        crate::os_error::in_context(
                            e,
                            format_args!("cannot sync {}", info.display()),
                        )
                    })?;
                    let size = file.metadata()?.len();
                    crate::folder::close(file)?;
                    Ok(size)
                });
                match written {
                    Ok(size) => (None, size),
                    Err(e) => {
                        // Removed now, not by the next run, since a full disk is the likeliest
                        // reason and the tree would keep it full.
                        self.discard();
                        return Err(e);
                    }
                }
            }
        };
        Ok(Finished {
            tree: self,
            list,
            list_size,
        })
    }

    /// Drops everything this run staged (an interrupted run publishes nothing). In per-file
    /// mode, the series of charts the tree's list does not name: those it names were replaced
    /// already, and stay.
    pub fn discard(self) {
        match self.mode {
            WriteMode::Staged => {
                let _ = remove_tree(self.writing.path());
            }
            WriteMode::PerFile => self.remove_unmatched(Unmatched::NotListedBefore),
        }
    }
}

/// Per-file mode's series files that its symbol list and the tree do not agree on.
#[derive(Clone, Copy)]
enum Unmatched {
    /// Named by the list the run found, not written by the run: its list will not name them.
    NotWrittenToday,
    /// Written by the run, not named by the list it found: that list stays when it publishes
    /// nothing.
    NotListedBefore,
}

/// A run's tree with every file written, not yet published.
pub struct Finished<'c> {
    tree: SeriesTree<'c>,
    /// Per-file mode: the symbol list, under its temporary name.
    list: Option<Pending>,
    list_size: u64,
}

impl Finished<'_> {
    pub fn list_size(&self) -> u64 {
        self.list_size
    }

    /// Makes the run's tree the published one. The tree it replaces stays on disk until
    /// [`Published::settle`], so that [`Published::undo`] can put it back.
    pub fn publish(self) -> io::Result<Published> {
        let Finished { tree, list, .. } = self;
        if let Some(list) = list {
            let own = list.path.file_name().unwrap_or_default().to_owned();
            if let Err(e) = list.put_in_place() {
                tree.discard();
                return Err(e);
            }
            tree.remove_unmatched(Unmatched::NotWrittenToday);
            tree.remove_other_list(&own);
            return Ok(Published::InPlace);
        }
        let (staging, target) = (tree.writing.path().to_owned(), tree.claim.target());
        // Again, for what was put there while the run converted.
        let published = holds_only_series(target)
            .and_then(|_| swap_into_place(&staging, target, &tree.claim.previous()));
        if published.is_err() {
            tree.discard();
        }
        published
    }

    /// Drops everything the run wrote, publishing nothing.
    pub fn discard(self) {
        self.tree.discard();
    }
}

/// The series symbols of a symbol list's series names (`DIX_IN_PRICE_DATA` is `DIX_IN`), sorted
/// and each once.
fn series_symbols(series: Vec<String>) -> Vec<Box<str>> {
    let mut symbols: Vec<Box<str>> = series
        .iter()
        .filter_map(|name| {
            crate::convert::SeriesKind::ALL
                .iter()
                .find_map(|kind| name.strip_suffix(kind.suffix()))
        })
        .map(Box::from)
        .collect();
    symbols.sort_unstable();
    symbols.dedup();
    symbols
}

/// Writes `path`'s content under a temporary sibling named for the run's claim, streamed by
/// `write` (a report listing tens of thousands of files never sits whole in memory), to be put
/// in place by a rename later.
pub fn write_pending(
    claim: &Claim,
    path: &Path,
    write: impl FnOnce(&mut fs::File) -> io::Result<()>,
) -> io::Result<Pending> {
    // Unique per call: two writers of one name (colliding symbols) never share a temporary.
    let (temporary, mut file) = create_temporary(claim, path)?;
    let pending = Pending {
        temporary,
        path: path.to_owned(),
        placed: false,
    };
    write(&mut file)?;
    crate::folder::close(file)?;
    Ok(pending)
}

/// A new file under a temporary name for `path`, never one already there. In a container
/// every run is process 1, so the names are foreseeable: one planted in the repository as a
/// link would otherwise be followed, and the report written wherever it points. A name that
/// is taken (a link, or a file of the user's) is left alone and the next one tried.
fn create_temporary(claim: &Claim, path: &Path) -> io::Result<(std::path::PathBuf, fs::File)> {
    const TRIES: usize = 64;
    let mut tries = 0;
    loop {
        let temporary = claim.temporary(path);
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)
        {
            Ok(file) => return Ok((temporary, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && tries < TRIES => tries += 1,
            Err(e) => return Err(e),
        }
    }
}

/// A file written in full under a temporary name; dropped before it is put in place, it is
/// removed.
pub struct Pending {
    temporary: std::path::PathBuf,
    path: std::path::PathBuf,
    placed: bool,
}

impl Pending {
    pub fn put_in_place(mut self) -> io::Result<()> {
        held::rename(&self.temporary, &self.path, &self.path)?;
        self.placed = true;
        Ok(())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.placed {
            let _ = fs::remove_file(&self.temporary);
        }
    }
}

/// Whether `e`, met writing a chart's series into the run's own staging folder, concerns that
/// chart alone. Series names are short and plain and the folder is the run's, so nothing about
/// one chart can make its files unwritable: an error is the output's (a full disk, too many
/// open files, an I/O error), and a run that went on would publish a tree without that chart,
/// removing its series. Only Windows refuses a name another program holds open (a virus
/// scanner reading the series of a chart that collides with this one), and that is this
/// chart's.
fn concerns_one_chart(e: &io::Error) -> bool {
    #[cfg(windows)]
    {
        const ERROR_SHARING_VIOLATION: i32 = 32;
        const ERROR_LOCK_VIOLATION: i32 = 33;
        matches!(
            e.raw_os_error(),
            Some(ERROR_SHARING_VIOLATION | ERROR_LOCK_VIOLATION)
        )
    }
    #[cfg(not(windows))]
    {
        let _ = e;
        false
    }
}

/// Waits for the disk to have `file`'s data. A file system that cannot sync at all (VirtualBox's
/// shared folders, some FUSE mounts) leaves the run as it would be without the sync; any other
/// error (the disk lost a write) is the output's.
fn sync_where_possible(file: &fs::File) -> io::Result<()> {
    match file.sync_data() {
        Err(e) if cannot_sync_at_all(&e) => Ok(()),
        synced => synced,
    }
}

/// `EINVAL`, `ENOTSUP`, `ENOSYS`: the file system does not sync, rather than failed to.
fn cannot_sync_at_all(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::InvalidInput | io::ErrorKind::Unsupported
    )
}

fn remove_files(paths: &[std::path::PathBuf]) {
    for path in paths {
        let _ = fs::remove_file(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn only_a_file_system_that_cannot_sync_at_all_is_let_off() {
        for code in [libc::EINVAL, libc::ENOTSUP, libc::EOPNOTSUPP, libc::ENOSYS] {
            assert!(
                cannot_sync_at_all(&io::Error::from_raw_os_error(code)),
                "{code}"
            );
        }
        for code in [
            libc::EIO,
            libc::ENOSPC,
            libc::EDQUOT,
            libc::EROFS,
            libc::EBADF,
        ] {
            assert!(
                !cannot_sync_at_all(&io::Error::from_raw_os_error(code)),
                "{code}"
            );
        }
    }

    /// In a container every run is process 1: a repository holding a link named as the
    /// report's temporary file must not have the report written where the link points.
    #[cfg(unix)]
    #[test]
    fn a_link_planted_at_a_temporary_name_is_neither_followed_nor_removed() {
        let out = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let victim = outside.path().join("victim.txt");
        fs::write(&victim, "theirs").unwrap();
        let pid = std::process::id();
        // More of them than a run tries names: past the first few, names are drawn at random.
        for n in 0..70 {
            let planted = out.path().join(format!(".report.json.tmp-{pid}-{n}"));
            std::os::unix::fs::symlink(&victim, planted).unwrap();
        }
        let claim = Claim::take(out.path(), &out.path().join("data/daily")).unwrap();
        let report = out.path().join("report.json");
        write_pending(&claim, &report, |file| file.write_all(b"{}"))
            .and_then(|pending| pending.put_in_place())
            .unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "theirs");
        assert_eq!(fs::read_to_string(&report).unwrap(), "{}");
        assert!(!report.is_symlink());
        let planted = out.path().join(format!(".report.json.tmp-{pid}-0"));
        assert!(planted.is_symlink(), "a link that is not bluedot's is left");
    }

    #[test]
    fn a_write_error_stops_the_run_unless_another_program_holds_the_name() {
        use io::ErrorKind::*;
        for kind in [
            StorageFull,
            QuotaExceeded,
            ReadOnlyFilesystem,
            FileTooLarge,
            PermissionDenied,
            NotFound,
            Other,
        ] {
            assert!(!concerns_one_chart(&kind.into()), "{kind:?}");
        }
        #[cfg(unix)]
        for (errno, name) in [(28, "ENOSPC"), (5, "EIO"), (12, "ENOMEM"), (24, "EMFILE")] {
            let e = io::Error::from_raw_os_error(errno);
            assert!(!concerns_one_chart(&e), "{name}");
        }
        #[cfg(windows)]
        {
            for (code, name) in [
                (112, "ERROR_DISK_FULL"),
                (39, "ERROR_HANDLE_DISK_FULL"),
                (19, "ERROR_WRITE_PROTECT"),
            ] {
                assert!(
                    !concerns_one_chart(&io::Error::from_raw_os_error(code)),
                    "{name}"
                );
            }
            // A virus scanner holding a colliding name: that chart's failure only.
            assert!(concerns_one_chart(&io::Error::from_raw_os_error(32)));
        }
    }
}
