//! Folder inputs are confined to the workspace: the container sees the repository at
//! `GITHUB_WORKSPACE` (`/github/workspace`), and reading or writing elsewhere would reach the
//! runner's own mounts (`/github/file_commands`, `/github/home`, the Docker socket).

use super::ActionError;
use std::path::{Component, Path, PathBuf};

/// A folder inside the workspace, absolute and as the workspace-relative path later steps use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspacePath {
    pub absolute: PathBuf,
    /// Relative to the workspace with `/` separators; `.` for the workspace itself.
    pub relative: String,
}

/// Resolves `input` (relative to the workspace, or absolute inside it) without letting `..` or a
/// symbolic link lead out of the workspace.
pub fn resolve(workspace: &Path, input: &str, what: &str) -> Result<WorkspacePath, ActionError> {
    let escapes = || {
        ActionError::usage(format!(
            "input `{what}` ({input:?}) leads outside the workspace; give a path inside the repository checkout"
        ))
    };
    let given = Path::new(input);
    let relative_part = if given.is_absolute() {
        let normal = normalize(given).ok_or_else(escapes)?;
        normal
            .strip_prefix(normalize(workspace).ok_or_else(escapes)?)
            .map_err(|_| escapes())?
            .to_owned()
    } else {
        given.to_owned()
    };
    let relative = normalize(&relative_part).ok_or_else(escapes)?;
    let absolute = workspace.join(&relative);

    // Links: the deepest part that exists must still be inside the real workspace.
    let real_workspace = workspace.canonicalize().map_err(|e| {
        ActionError::usage(format!(
            "the workspace {} is not readable: {e}",
            workspace.display()
        ))
    })?;
    if !crate::output::resolved(&absolute).starts_with(&real_workspace) {
        return Err(escapes());
    }

    let text: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Ok(WorkspacePath {
        absolute,
        relative: if text.is_empty() {
            ".".into()
        } else {
            text.join("/")
        },
    })
}

/// Removes `.` and resolves `..` lexically; `None` if `..` climbs above the start.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    let mut depth = 0usize;
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if depth == 0 {
                    return None;
                }
                out.pop();
                depth -= 1;
            }
            Component::Normal(part) => {
                out.push(part);
                depth += 1;
            }
            Component::RootDir | Component::Prefix(_) => out.push(component.as_os_str()),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_workspace() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path();
        std::fs::create_dir_all(ws.join("data/daily")).unwrap();
        let ok = resolve(ws, "./data/daily/../daily", "source").unwrap();
        assert_eq!(ok.relative, "data/daily");
        assert_eq!(ok.absolute, ws.join("data/daily"));
        assert_eq!(resolve(ws, ".", "source").unwrap().relative, ".");
        assert_eq!(
            resolve(ws, "out/new/deeper", "output-dir")
                .unwrap()
                .relative,
            "out/new/deeper"
        );
        let inside = ws.join("data").to_string_lossy().into_owned();
        assert_eq!(resolve(ws, &inside, "source").unwrap().relative, "data");

        for bad in ["../x", "data/../../x", "/etc", "/"] {
            let err = resolve(ws, bad, "output-dir").unwrap_err();
            assert!(
                err.message.contains("outside the workspace"),
                "{bad}: {err:?}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_link_out_of_the_workspace_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).unwrap();
        assert!(resolve(dir.path(), "link/out", "output-dir").is_err());
    }
}
