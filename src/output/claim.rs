//! Telling what a live run is writing from what a dead run left behind.
//!
//! A run takes a *claim* before it writes anything: a lock file `data/.lock-<tag>`, created new and
//! held locked (`flock` on Unix) until the run has written its report. Everything unfinished the
//! run writes carries the tag: its staging tree `data/.<base>.staging-<tag>`, the tree it replaces
//! while that is removed (`data/.<base>.previous-<tag>`), and temporary files
//! `.<name>.tmp-<tag>-<n>` (the report in the output folder, and in per-file mode each series in
//! `data/<base>`). The lock file is created before any of them and removed after all of them. The
//! system lets go of a lock when its holder dies, however it dies, so a lock file another run can
//! lock belongs to a dead run, and so does a tree without a lock file. Tags are unique within
//! `data/`, whatever the timeframe, since runs of every timeframe share the output folder.
//!
//! Process ids alone cannot tell this: `/proc` exists only on Linux, a container sees only its own
//! processes, and a dead run's id is soon another process's.
//!
//! Taking, holding and giving up a claim is here; what dead runs left is found and removed in
//! `abandoned.rs`.

use std::fs::{self, File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

mod abandoned;
use abandoned::remove_abandoned;

const LOCK_MARK: &str = ".lock-";
const STAGING_MARK: &str = ".staging-";
const PREVIOUS_MARK: &str = ".previous-";
const TEMPORARY_MARK: &str = ".tmp-";
const WRITER_MARK: &str = ".writer";

/// A run's hold on its tag. Dropped without [`Claim::release`] (a panic), it leaves what the
/// run wrote for the next run to remove, as a killed run does.
pub struct Claim {
    places: Places,
    tag: String,
    next_temporary: AtomicU64,
    /// The folders of `target` and above that did not exist before the run, deepest first:
    /// left empty (nothing converted into a fresh output), they go with the claim.
    made: Vec<PathBuf>,
    /// Held open: closing it lets go of the lock.
    _lock: File,
    /// `data/.<base>.writer`, held locked for the whole run: one run at a time writes a
    /// timeframe's tree.
    writer: File,
}

/// Where a run into `target` (`OUT/data/<base>`) writes: its trees beside `target` in `data/`,
/// with every run's lock file; its temporary files in the output root (`report.json`), in
/// `target` and in its `symbol_info`.
struct Places {
    root: PathBuf,
    target: PathBuf,
    data: PathBuf,
    base: String,
}

impl Places {
    fn new(root: &Path, target: &Path) -> Places {
        Places {
            root: root.to_owned(),
            target: target.to_owned(),
            data: target.parent().expect("target has a parent").to_owned(),
            base: target
                .file_name()
                .expect("target has a name")
                .to_string_lossy()
                .into_owned(),
        }
    }

    fn lock(&self, tag: &str) -> PathBuf {
        self.data.join(format!("{LOCK_MARK}{tag}"))
    }

    fn writer(&self) -> PathBuf {
        self.data.join(format!(".{}{WRITER_MARK}", self.base))
    }

    fn tree(&self, mark: &str, tag: &str) -> PathBuf {
        self.data.join(format!(".{}{mark}{tag}", self.base))
    }
}

/// A file standing where `folder` or a folder above it must be, named in the error a user sees
/// (the system's own says only "File exists" or "Not a directory").
fn file_in_the_way(folder: &Path) -> Option<io::Error> {
    // A link counts by what it points to; one pointing nowhere is in the way too.
    let file = folder
        .ancestors()
        .find(|path| path.symlink_metadata().is_ok() && !path.is_dir())?;
    let what = if file.exists() {
        "a file"
    } else {
        "a link to nothing"
    };
    Some(io::Error::other(format!(
        "{} is {what}, where bluedot needs a folder: move it elsewhere first",
        file.display()
    )))
}

impl Claim {
    /// Removes what dead runs into `target` left behind, then takes a tag no live run holds: the
    /// process id, then the id with a counter (two containers sharing a folder can both be
    /// process 1). `root` is the output folder holding `target` and the report.
    pub fn take(root: &Path, target: &Path) -> io::Result<Claim> {
        let places = Places::new(root, target);
        let made = [
            places.target.join("symbol_info"),
            places.target.clone(),
            places.data.clone(),
        ]
        .into_iter()
        .filter(|folder| fs::symlink_metadata(folder).is_err())
        .collect();
        let make_data = || {
            fs::create_dir_all(&places.data).map_err(|e| file_in_the_way(&places.data).unwrap_or(e))
        };
        make_data()?;
        let writer = hold_writer(&places, make_data)?;
        // Housekeeping: what cannot go now (a file another program holds open on Windows)
        // stays under its hidden name, and the next run tries again.
        if let Err(e) = remove_abandoned(&places) {
            tracing::warn!(
                folder = %places.data.display(),
                error = %e,
                "could not remove all that earlier runs left unfinished (hidden names in this folder); the next run tries again"
            );
        }
        match take_tag(&places, make_data) {
            Ok((tag, lock)) => Ok(Claim {
                places,
                tag,
                next_temporary: AtomicU64::new(0),
                made,
                _lock: lock,
                writer,
            }),
            Err(e) => {
                // Out of inodes, say: nothing of this run's is left for the next one to find.
                let _ = fs::remove_file(places.writer());
                Err(e)
            }
        }
    }

    pub fn target(&self) -> &Path {
        &self.places.target
    }

    pub fn staging(&self) -> PathBuf {
        self.places.tree(STAGING_MARK, &self.tag)
    }

    pub fn previous(&self) -> PathBuf {
        self.places.tree(PREVIOUS_MARK, &self.tag)
    }

    /// A fresh name beside `path` to write it under before renaming it into place.
    pub fn temporary(&self, path: &Path) -> PathBuf {
        let folder = path.parent().expect("a file has a folder");
        let places = &self.places;
        debug_assert!(
            folder == places.root
                || folder == places.target
                || folder == places.target.join("symbol_info"),
            "{} is not where this run's temporary files are looked for",
            folder.display()
        );
        let n = self.next_temporary.fetch_add(1, Ordering::Relaxed);
        // Counted names are foreseeable, and a repository may hold them all (in a container
        // every run is process 1): past the first few, the number is drawn at random.
        let n = match n {
            0..16 => n,
            _ => {
                std::hash::BuildHasher::hash_one(&std::collections::hash_map::RandomState::new(), n)
            }
        };
        let name = path
            .file_name()
            .expect("a file has a name")
            .to_string_lossy();
        folder.join(format!(".{name}{TEMPORARY_MARK}{}-{n}", self.tag))
    }

    /// Gives the tag up; the run's trees and temporary files must be gone by now. The folders the
    /// run made go too if nothing is in them: a run that published nothing into a fresh output
    /// leaves its report alone, not an empty `data/`.
    pub fn release(self) -> io::Result<()> {
        let Claim {
            places,
            tag,
            made,
            _lock: lock,
            writer,
            ..
        } = self;
        remove_if_present(fs::remove_file(places.lock(&tag)))?;
        // Removed while still locked, so that a run which opened it meanwhile finds, once it
        // holds the lock, that the name is another file's or nobody's, and opens it again.
        let _ = fs::remove_file(places.writer());
        // On Windows a removed file held open stays in its folder until it is closed.
        drop(lock);
        drop(writer);
        for folder in &made {
            // One that holds something (a published tree, another run's lock) is kept, and so
            // is every folder above it.
            let _ = fs::remove_dir(folder);
        }
        Ok(())
    }
}

/// A tag no live run holds, with its lock file created new and locked: the process id, then the
/// id with a counter (two containers sharing a folder can both be process 1).
fn take_tag(places: &Places, make_data: impl Fn() -> io::Result<()>) -> io::Result<(String, File)> {
    let pid = std::process::id();
    for attempt in 0..64 {
        let tag = match attempt {
            0 => pid.to_string(),
            n => format!("{pid}-{n}"),
        };
        // In a container every run is process 1: a name of this tag's taken by something
        // that is not a run's (a link kept in the repository) is stepped over, not refused.
        let taken = |path: PathBuf| fs::symlink_metadata(path).is_ok();
        if taken(places.tree(STAGING_MARK, &tag)) || taken(places.tree(PREVIOUS_MARK, &tag)) {
            continue;
        }
        let path = places.lock(&tag);
        let file = match File::options().write(true).create_new(true).open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            // A run that made `data/` and found nothing to keep in it removed it just now.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                make_data()?;
                continue;
            }
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                return Err(may_not_create(places, &path, e));
            }
            Err(e) => return Err(e),
        };
        match file.try_lock() {
            Ok(()) => {}
            // A run cleaning up found the file before it was locked, and will remove it.
            Err(TryLockError::WouldBlock) => continue,
            // A file system without locks: the claim stands on the name alone, and other
            // runs, unable to lock it either, leave its files alone.
            Err(TryLockError::Error(_)) => {}
        }
        // A run cleaning up may have removed the name between its creation and the lock;
        // then the lock guards nothing.
        if still_named(&file, &path) {
            return Ok((tag, file));
        }
    }
    Err(io::Error::other(format!(
        "could not claim a staging folder in {}: 64 names in use",
        places.data.display()
    )))
}

/// Locks `data/.<base>.writer`, or says that another run holds it. Two runs into one
/// timeframe's folder would each publish over the other: the last to finish would win
/// (yesterday's drop over today's, if it ran longer), the series it reports removed would be
/// those of the tree it found, not of the tree it replaced, and two first runs would race to
/// put a tree in place.
fn hold_writer(places: &Places, make_data: impl Fn() -> io::Result<()>) -> io::Result<File> {
    let path = places.writer();
    let in_the_way = |what: &dyn std::fmt::Display| {
        io::Error::other(format!(
            "{} is in the way of this run's lock file and is not one bluedot left ({what}); \
             remove it",
            path.display()
        ))
    };
    let mut options = File::options();
    options.write(true).create(true).truncate(false);
    // Left by another account's run (one under sudo, killed), it may be read-only to this one;
    // a lock needs no more than reading.
    let mut reading = File::options();
    reading.read(true);
    // A link is not followed, and a pipe (a repository can hold either under this name) is not
    // waited on for a reader.
    #[cfg(unix)]
    for options in [&mut options, &mut reading] {
        std::os::unix::fs::OpenOptionsExt::custom_flags(
            options,
            libc::O_NOFOLLOW | libc::O_NONBLOCK,
        );
    }
    for _ in 0..64 {
        let opened = match options.open(&path) {
            Err(denied) if denied.kind() == io::ErrorKind::PermissionDenied => {
                match reading.open(&path) {
                    // Not there: the refusal was to create it, in a folder this account may
                    // not write.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        return Err(may_not_create(places, &path, denied));
                    }
                    Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                        return Err(io::Error::new(
                            e.kind(),
                            format!(
                                "cannot open {}: {e}: it is the lock file of a run of another \
                                 account (one under sudo, killed), which this account may not \
                                 read; if no bluedot run is writing {} now, remove it",
                                path.display(),
                                places.target.display()
                            ),
                        ));
                    }
                    opened => opened,
                }
            }
            opened => opened,
        };
        let file = match opened {
            Ok(file) => file,
            // A run that made `data/` and found nothing to keep in it removed it just now.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                make_data()?;
                continue;
            }
            Err(e) if fs::symlink_metadata(&path).is_ok_and(|meta| !meta.is_file()) => {
                return Err(in_the_way(&e));
            }
            Err(e) => {
                return Err(crate::os_error::in_context(
                    e,
                    format_args!("cannot open {}", path.display()),
                ));
            }
        };
        if !file.metadata()?.is_file() {
            return Err(in_the_way(&"not a file"));
        }
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(io::Error::new(
                    io::ErrorKind::ResourceBusy,
                    format!(
                        "another bluedot run is writing {} now; wait for it to finish (two runs \
                         into one folder would each replace the other's series)",
                        places.target.display()
                    ),
                ));
            }
            Err(TryLockError::Error(e)) => {
                let left = places.tree(STAGING_MARK, "*");
                tracing::warn!(
                    lock = %path.display(),
                    error = %e,
                    "could not lock this run's lock file (a file system that does not lock files, as NFS without its lock service?): another run into this folder at the same time would not be refused, and what killed runs left in it cannot be told from a live run's, so it stays: remove {} and {} while no run is writing",
                    left.display(),
                    places.lock("*").display(),
                );
                return Ok(file);
            }
        }
        // The run that held it removed the name before letting go: this file is nobody's.
        if still_named(&file, &path) {
            return Ok(file);
        }
    }
    Err(io::Error::other(format!(
        "could not lock {}: its name keeps changing",
        path.display()
    )))
}

/// This account may not create `path`, a run's file in `data/`: the folder is another
/// account's (one a run under sudo made is root's), which the output given does not say.
fn may_not_create(places: &Places, path: &Path, denied: io::Error) -> io::Error {
    io::Error::new(
        denied.kind(),
        format!(
            "cannot create {}: {denied}: this account may not write in {} (another account's, \
             root's after a run under sudo?)",
            path.display(),
            places.data.display()
        ),
    )
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

    fn names(folder: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    /// In a container every run is process 1, so a repository can hold names a run takes: a
    /// lock that is a link to a pipe must not hang the sweep, a link at the staging folder's
    /// name must not stop every run, and neither is removed.
    #[cfg(target_os = "linux")]
    #[test]
    fn names_of_a_runs_kept_in_the_repository_are_stepped_over() {
        let out = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let data = out.path().join("data");
        fs::create_dir_all(&data).unwrap();
        let pipe = outside.path().join("pipe");
        crate::testing::pipe_at(&pipe);
        std::os::unix::fs::symlink(&pipe, data.join(".lock-7")).unwrap();
        let pid = std::process::id();
        std::os::unix::fs::symlink(outside.path(), data.join(format!(".daily.staging-{pid}")))
            .unwrap();
        let root = out.path().to_owned();
        let staging = crate::testing::within_seconds("the sweep waited on a pipe", move || {
            Claim::take(&root, &root.join("data/daily")).map(|c| c.staging())
        })
        .unwrap();
        assert_eq!(staging, data.join(format!(".daily.staging-{pid}-1")));
        assert!(data.join(".lock-7").is_symlink());
        assert!(data.join(format!(".daily.staging-{pid}")).is_symlink());

        // The one name a timeframe's runs share cannot be stepped over: it is named instead.
        fs::remove_file(data.join(".daily.writer")).unwrap(); // the run above left it
        std::os::unix::fs::symlink(&pipe, data.join(".daily.writer")).unwrap();
        let root = out.path().to_owned();
        let refused =
            crate::testing::within_seconds("the writer lock waited on a pipe", move || {
                Claim::take(&root, &root.join("data/daily")).map(|_| ())
            })
            .unwrap_err();
        assert!(
            refused
                .to_string()
                .contains(".daily.writer is in the way of this run's lock file"),
            "{refused}"
        );
        assert!(data.join(".daily.writer").is_symlink());
    }

    #[test]
    fn a_live_runs_files_are_kept_and_a_dead_runs_removed() {
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("data/daily");
        // A live run of another timeframe: one of the same one would have been refused.
        let live = Claim::take(out.path(), &out.path().join("data/weekly")).unwrap();
        tree(&live.staging());
        tree(&live.previous());
        let live_report = live.temporary(&out.path().join("report.json"));
        fs::write(&live_report, "{\"files\": [").unwrap();
        let dead = Claim::take(out.path(), &target).unwrap();
        assert_ne!(live.staging(), dead.staging());
        tree(&dead.staging());
        tree(&target);
        let dead_series = dead.temporary(&target.join("B_PRICE_DATA.csv"));
        fs::write(&dead_series, "20250101T,1,").unwrap();
        fs::write(dead.temporary(&out.path().join("report.json")), "{").unwrap();
        let dead_staging = dead.staging();
        drop(dead); // what dying does to its locks

        let next = Claim::take(out.path(), &target).unwrap();

        assert!(live.staging().join("A_PRICE_DATA.csv").exists());
        assert!(live.previous().join("A_PRICE_DATA.csv").exists());
        assert!(live_report.exists());
        assert!(!dead_series.exists());
        assert_eq!(names(&target), ["A_PRICE_DATA.csv", "symbol_info"]);
        let pid = std::process::id();
        assert_eq!(
            names(out.path()),
            [format!(".report.json.tmp-{pid}-0"), "data".into()]
        );
        // The dead run's tag is free again, and is the one the next run took.
        assert_eq!(next.staging(), dead_staging);
        assert_eq!(
            names(&out.path().join("data")),
            [
                ".daily.writer".to_owned(),
                format!(".lock-{pid}"),
                format!(".lock-{pid}-1"),
                format!(".weekly.previous-{pid}"),
                format!(".weekly.staging-{pid}"),
                ".weekly.writer".into(),
                "daily".into()
            ]
        );
        drop(next);
    }

    /// Two runs into one timeframe would each publish over the other, the last to finish
    /// winning whatever its data; the second is refused while the first writes.
    #[test]
    fn one_run_at_a_time_writes_a_timeframe() {
        let out = tempfile::tempdir().unwrap();
        let daily = out.path().join("data/daily");
        let first = Claim::take(out.path(), &daily).unwrap();
        let refused = Claim::take(out.path(), &daily).map(|_| ()).unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::ResourceBusy);
        assert!(
            refused.to_string().starts_with(&format!(
                "another bluedot run is writing {} now; wait for it to finish",
                daily.display()
            )),
            "{refused}"
        );
        let weekly = Claim::take(out.path(), &out.path().join("data/weekly")).unwrap();
        first.release().unwrap();
        let next = Claim::take(out.path(), &daily).unwrap();
        next.release().unwrap();
        weekly.release().unwrap();
        // Nothing of any run is left; `data/` stays, made while another run held it.
        assert!(names(&out.path().join("data")).is_empty());
    }

    #[test]
    fn trees_and_reports_without_a_lock_file_are_abandoned_whatever_their_timeframe() {
        let out = tempfile::tempdir().unwrap();
        let data = out.path().join("data");
        tree(&data.join(".daily.staging-77"));
        tree(&data.join(".daily.previous-78"));
        tree(&data.join(".weekly.staging-77"));
        tree(&data.join("daily"));
        fs::write(out.path().join(".report.json.tmp-77-0"), "{").unwrap();
        fs::write(out.path().join("notes.tmp-77-0"), "mine").unwrap();
        // A weekly run writing into the same output at the same time.
        let weekly = Claim::take(out.path(), &data.join("weekly")).unwrap();
        tree(&weekly.staging());
        let weekly_report = weekly.temporary(&out.path().join("report.json"));
        fs::write(&weekly_report, "{").unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        tree(elsewhere.path());
        #[cfg(unix)]
        std::os::unix::fs::symlink(elsewhere.path(), data.join(".daily.staging-79")).unwrap();

        let daily = Claim::take(out.path(), &data.join("daily")).unwrap();
        daily.release().unwrap();

        let pid = std::process::id();
        let mut kept = vec![
            format!(".lock-{pid}"),
            format!(".weekly.staging-{pid}"),
            ".weekly.writer".into(),
            "daily".into(),
        ];
        if cfg!(unix) {
            kept.insert(0, ".daily.staging-79".into());
        }
        assert_eq!(names(&data), kept);
        assert!(weekly.staging().join("A_PRICE_DATA.csv").exists());
        assert_eq!(
            names(out.path()),
            [
                format!(".report.json.tmp-{pid}-0"),
                "data".into(),
                "notes.tmp-77-0".into()
            ]
        );
        assert!(elsewhere.path().join("A_PRICE_DATA.csv").exists());
    }

    #[test]
    fn a_released_claim_leaves_nothing_and_its_tag_is_taken_again() {
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("data/daily");
        let claim = Claim::take(out.path(), &target).unwrap();
        let staging = claim.staging();
        claim.release().unwrap();
        // The claim made `data/` and left nothing in it, so that went too.
        assert!(names(out.path()).is_empty());
        let again = Claim::take(out.path(), &target).unwrap();
        assert_eq!(again.staging(), staging);
        // A folder there before the run is the user's, empty or not.
        again.release().unwrap();
        fs::create_dir(out.path().join("data")).unwrap();
        let claim = Claim::take(out.path(), &target).unwrap();
        claim.release().unwrap();
        assert_eq!(names(out.path()), ["data"]);
    }
}
