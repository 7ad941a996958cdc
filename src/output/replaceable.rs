//! What a run may replace: the published tree is checked for anything this program did not
//! write before it is replaced, and the output root for what a run must not write into.

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
    // A report whose first page the disk lost (zeroed, the rest kept) is not told by its keys.
    let damaged = match report.is_file() && starts_with_zero(&report).unwrap_or(false) {
        true => {
            ", or one the disk damaged (it begins with zero bytes, as a machine that stops soon \
             after a run may leave it: remove it if it is bluedot's)"
        }
        false => "",
    };
    Err(io::Error::other(format!(
        "{} is not a report bluedot wrote{damaged}, and a run writes its report there: move it \
         elsewhere first, or give --output a folder of its own",
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
        Some(Listed::Lost(list)) => match foreign(target, &|_| false)? {
            None => return Ok(Vec::new()),
            Some(_) => return Err(list_without_data(&list)),
        },
        None => None,
    };
    let Some(listed) = listed else {
        // Without the list, a run's series cannot be told from files named like them.
        return match foreign(target, &|_| false)? {
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
    match foreign(target, &ours)? {
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

/// What the one symbol list in `folder` (the tree's `symbol_info`) says: the series it names,
/// or that it holds no data; `None` without a list. Refused: anything there that is not a list
/// a run writes (named by `not_ours`), a list that cannot be read as one, and more than one
/// list, naming them all: which is the run's cannot be told.
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
        if entry.metadata()?.len() > LARGEST_LIST {
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

/// Whether the file at `path` begins with a zero byte, which no text file does.
fn starts_with_zero(path: &Path) -> io::Result<bool> {
    let mut first = [1u8];
    let read = io::Read::read(&mut fs::File::open(path)?, &mut first)?;
    Ok(read == 1 && first[0] == 0)
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

/// The entries of the series folder `folder` that are neither a file whose name is `ours`, nor
/// its `symbol_info` folder, nor what a file manager leaves. Those go with the tree; a user's
/// folder, charts or notes do not.
fn foreign(folder: &Path, ours: &dyn Fn(&str) -> bool) -> io::Result<Option<Foreign>> {
    let mut found: Option<Foreign> = None;
    for entry in fs::read_dir(folder)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let replaceable = if entry.file_type()?.is_dir() {
            name == "symbol_info"
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

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// A symbol list kept as a link to a pipe (a self-hosted runner's workspace) must neither
    /// hang the check nor count as the run's list.
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
}
