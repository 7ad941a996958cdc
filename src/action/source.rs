//! The `source` input: a folder in the workspace, or (once the Drive source lands) `gdrive:<id>`.
//!
//! Everything the action knows about sources goes through [`open`], so adding Drive means
//! filling in its branch there (and dropping [`drive_inputs_unavailable`]).

use super::ActionError;
use super::inputs::Inputs;
use super::paths::{self, WorkspacePath};
use crate::pipeline::SourceCosts;
use crate::source::{self, Entry, Fetched, Listing};
use std::path::Path;
use std::time::Instant;

const DRIVE_PENDING: &str = "arrives with the Google Drive source (`gdrive:<folderId>`), which this version does not include yet; use a folder in the workspace as `source`";

#[derive(Debug, Clone)]
pub enum SourceSpec {
    Local(WorkspacePath),
    Drive { folder_id: String },
}

impl SourceSpec {
    /// How the source appears in the report and summary; never holds a secret.
    pub fn label(&self) -> String {
        match self {
            SourceSpec::Local(dir) => format!("local:{}", dir.relative),
            SourceSpec::Drive { folder_id } => format!("gdrive:{folder_id}"),
        }
    }

    /// Where annotations may point for a file of this source (workspace-relative).
    pub fn annotation_path(&self, file_name: &str) -> Option<String> {
        match self {
            SourceSpec::Local(dir) if dir.relative == "." => Some(file_name.to_owned()),
            SourceSpec::Local(dir) => Some(format!("{}/{file_name}", dir.relative)),
            SourceSpec::Drive { .. } => None,
        }
    }
}

pub fn parse(inputs: &Inputs, workspace: &Path) -> Result<SourceSpec, ActionError> {
    let text = inputs.get("source").ok_or_else(|| {
        ActionError::usage(
            "input `source` is required: the folder of chart files, relative to the workspace",
        )
    })?;
    if let Some(folder_id) = text.strip_prefix("gdrive:") {
        return Ok(SourceSpec::Drive {
            folder_id: folder_id.to_owned(),
        });
    }
    Ok(SourceSpec::Local(paths::resolve(
        workspace, text, "source",
    )?))
}

/// A listed source, ready to hand its charts to the pipeline.
pub struct Opened {
    pub listing: Listing,
    pub costs: SourceCosts,
    fetcher: Fetcher,
}

enum Fetcher {
    Local(std::path::PathBuf),
}

impl Opened {
    pub fn fetch(&self, charts: Vec<Entry>) -> Box<dyn Iterator<Item = Fetched> + Send> {
        match &self.fetcher {
            Fetcher::Local(dir) => Box::new(source::local::fetch(dir, charts)),
        }
    }
}

/// Lists the source. The one place a new kind of source is wired in.
pub fn open(spec: &SourceSpec, inputs: &Inputs) -> Result<Opened, ActionError> {
    drive_inputs_unavailable(inputs)?;
    match spec {
        SourceSpec::Local(dir) => {
            let started = Instant::now();
            let listing = source::local::list(&dir.absolute).map_err(|e| {
                ActionError::usage(format!(
                    "cannot list the source folder `{}` in the workspace: {e}",
                    dir.relative
                ))
            })?;
            Ok(Opened {
                costs: SourceCosts {
                    listed: listing.len() as u64,
                    list: started.elapsed(),
                },
                listing,
                fetcher: Fetcher::Local(dir.absolute.clone()),
            })
        }
        SourceSpec::Drive { .. } => Err(ActionError::usage(format!(
            "source `gdrive:...` {DRIVE_PENDING}"
        ))),
    }
}

/// Drive credentials are declared in `action.yml` already; until Drive lands, using them is an
/// error rather than being silently ignored.
fn drive_inputs_unavailable(inputs: &Inputs) -> Result<(), ActionError> {
    for name in ["google-credentials", "google-api-key"] {
        if inputs.is_given(name) {
            return Err(ActionError::usage(format!(
                "input `{name}` {DRIVE_PENDING}"
            )));
        }
    }
    Ok(())
}
