//! A folder opened once, whose files are then opened (or removed) by name.
//!
//! A run opens a thousand charts in one folder and creates four thousand series in another. On
//! Linux each of those opens is relative to the folder's handle, so the kernel looks up one name
//! instead of walking the whole path again (the output folder sits eight deep in the benchmark);
//! elsewhere names are joined to the folder's path.

use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

pub struct Folder {
    path: PathBuf,
    #[cfg(target_os = "linux")]
    handle: std::os::fd::OwnedFd,
}

impl Folder {
    /// Opens the existing folder at `path`.
    pub fn open(path: &Path) -> io::Result<Folder> {
        // Elsewhere nothing is opened here, so the path is checked as opening it would.
        #[cfg(not(target_os = "linux"))]
        if !std::fs::metadata(path)?.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{} is not a folder", path.display()),
            ));
        }
        Ok(Folder {
            #[cfg(target_os = "linux")]
            handle: {
                use rustix::fs::{Mode, OFlags};
                // O_PATH: a handle to look names up in, not to read the folder's entries.
                let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
                rustix::fs::open(path, flags, Mode::empty())?
            },
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens the file `name` (one path component) for reading, if it is a regular file. The
    /// listing checked that, but a name may be swapped between listing and opening: a pipe
    /// would block the open (and a device the read) past any stop signal, so the open does
    /// not wait for a writer, and what it opened is checked again.
    pub fn open_file(&self, name: &str) -> io::Result<File> {
        let file = self.open_at(name, Access::Read)?;
        let meta = file.metadata()?;
        if meta.is_dir() {
            // Listed as a file, then replaced by a folder.
            return Err(io::Error::other(A_FOLDER_NOW));
        }
        if !meta.is_file() {
            return Err(io::Error::other(NOT_A_REGULAR_FILE));
        }
        Ok(file)
    }

    /// Creates the file `name` (one path component), or empties it if it exists, for writing:
    /// what `File::create` does with the joined path.
    pub fn create_file(&self, name: &str) -> io::Result<File> {
        self.open_at(name, Access::Create)
    }

    /// Removes the file (or link) `name`, one path component.
    pub fn remove_file(&self, name: &OsStr) -> io::Result<()> {
        #[cfg(target_os = "linux")]
        {
            rustix::fs::unlinkat(&self.handle, name, rustix::fs::AtFlags::empty())?;
            Ok(())
        }
        #[cfg(not(target_os = "linux"))]
        std::fs::remove_file(self.path.join(name))
    }

    fn open_at(&self, name: &str, access: Access) -> io::Result<File> {
        debug_assert!(
            !name.contains('/'),
            "{name} is not a name inside the folder"
        );
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::{Mode, OFlags};
            let (flags, mode) = match access {
                // A pipe's open waits for a writer unless told not to; a regular file's reads
                // ignore the flag.
                Access::Read => (OFlags::RDONLY | OFlags::NONBLOCK, Mode::empty()),
                Access::Create => (
                    OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC,
                    Mode::from_raw_mode(0o666),
                ),
            };
            let file = rustix::fs::openat(&self.handle, name, flags | OFlags::CLOEXEC, mode)?;
            Ok(file.into())
        }
        #[cfg(not(target_os = "linux"))]
        match access {
            Access::Read => File::open(self.path.join(name)),
            Access::Create => File::create(self.path.join(name)),
        }
    }
}

/// Closes `file`, returning what closing it reports. std's drop ignores it, yet network file
/// systems (NFS, SMB) send written data on close and only then learn of a full disk or a quota:
/// a file closed with an error may hold nothing.
pub fn close(file: File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::fd::IntoRawFd as _;
        let fd = file.into_raw_fd();
        // SAFETY: `fd` was just taken from the `File`, which no longer owns or closes it.
        if unsafe { libc::close(fd) } == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        // Interrupted, the descriptor is closed all the same (Linux, and POSIX 2024).
        if e.kind() == io::ErrorKind::Interrupted {
            return Ok(());
        }
        Err(e)
    }
    #[cfg(not(unix))]
    {
        drop(file);
        Ok(())
    }
}

/// Why a chart name that is not a regular file cannot be read.
pub const NOT_A_REGULAR_FILE: &str = "not a regular file (a pipe, socket or device)";
/// Why a chart that became a folder since it was listed cannot be read.
const A_FOLDER_NOW: &str = "a folder now, no longer a file";

#[derive(Clone, Copy)]
enum Access {
    Read,
    Create,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// A chart listed as a file and replaced by a folder before it is read (Windows will not
    /// open a folder as a file at all, and says so itself).
    #[cfg(unix)]
    #[test]
    fn a_folder_where_a_file_was_is_called_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("A_daily.json")).unwrap();
        let folder = Folder::open(dir.path()).unwrap();
        let e = folder.open_file("A_daily.json").unwrap_err();
        assert_eq!(e.to_string(), "a folder now, no longer a file");
    }

    #[test]
    fn files_are_created_read_and_emptied_by_name_inside_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let folder = Folder::open(dir.path()).unwrap();
        assert_eq!(folder.path(), dir.path());
        folder
            .create_file("a.csv")
            .unwrap()
            .write_all(b"longer text")
            .unwrap();
        folder
            .create_file("a.csv")
            .unwrap()
            .write_all(b"short")
            .unwrap();
        assert_eq!(std::fs::read(dir.path().join("a.csv")).unwrap(), b"short");
        let mut text = String::new();
        folder
            .open_file("a.csv")
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "short");
        let missing = folder.open_file("b.csv").unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
        folder.remove_file(OsStr::new("a.csv")).unwrap();
        assert!(!dir.path().join("a.csv").exists());
        let gone = folder.remove_file(OsStr::new("a.csv")).unwrap_err();
        assert_eq!(gone.kind(), io::ErrorKind::NotFound);
        assert!(
            Folder::open(&dir.path().join("a.csv")).is_err(),
            "not a folder"
        );
    }
}
