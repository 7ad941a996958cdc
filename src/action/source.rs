//! The `source` input: a folder in the workspace, or `gdrive:<rootFolderId>`.
//!
//! Everything the action knows about sources goes through [`open`]; listing and fetching are the
//! shared [`Opened`] that the command line uses too.

use super::ActionError;
use super::inputs::Inputs;
use super::paths::{self, WorkspacePath};
use crate::convert::Timeframe;
use crate::runner::commands::{self, Annotation, Console, Level};
use crate::source::Opened;
use crate::source::drive::{self, DriveAuth, DriveConfig};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

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
            "input `source` is required: a folder of chart files relative to the workspace, or gdrive:<folderId>",
        )
    })?;
    if let Some(parsed) = drive::parse_source(text) {
        let folder_id = parsed.map_err(|e| ActionError::usage(format!("input `source`: {e}")))?;
        return Ok(SourceSpec::Drive {
            folder_id: folder_id.to_owned(),
        });
    }
    Ok(SourceSpec::Local(paths::resolve(
        workspace, text, "source",
    )?))
}

/// Lists the source. Drive key material and every access token are masked before use; setting
/// `stop` ends a Drive listing early.
pub fn open<W: Write>(
    spec: &SourceSpec,
    inputs: &Inputs,
    timeframe: Timeframe,
    console: &mut Console<W>,
    stop: &Arc<AtomicBool>,
) -> Result<Opened, ActionError> {
    match spec {
        SourceSpec::Local(dir) => {
            let drive_only = [
                "google-credentials",
                "google-api-key",
                "drive-path",
                "download-concurrency",
            ];
            for name in drive_only {
                if inputs.is_given(name) {
                    return Err(ActionError::usage(format!(
                        "input `{name}` applies to a gdrive:<folderId> source only; source is the workspace folder `{}`",
                        dir.relative
                    )));
                }
            }
            // A local listing never looks at the stop flag: its errors are its own.
            Opened::local(&dir.absolute, spec.label()).map_err(|e| {
                ActionError::usage(format!(
                    "cannot list the source folder `{}` in the workspace: {}",
                    dir.relative,
                    crate::os_error::with_advice(&e)
                ))
            })
        }
        SourceSpec::Drive { folder_id } => {
            let mut config = drive_config(folder_id, inputs, timeframe)?;
            if inputs.is_given("google-credentials") && inputs.is_given("google-api-key") {
                console.annotate(
                    Level::Warning,
                    Annotation {
                        title: "google-api-key not used".into(),
                        message: "Both `google-credentials` and `google-api-key` are given: Drive is read as the service account, and the API key is not used.".into(),
                        file: None,
                    },
                );
            }
            config.stop = Some(stop.clone());
            console.group(&format!("Listing Drive folder {folder_id}"));
            let opened = Opened::drive(config).map_err(ActionError::listing);
            console.end_group();
            let opened = opened?;
            // Which charts the run (or the plan) sees depends on it: said where a run is watched.
            for warning in opened.warnings() {
                console.annotate(
                    Level::Warning,
                    Annotation {
                        title: "newest of one name".into(),
                        message: warning.clone(),
                        file: None,
                    },
                );
            }
            Ok(opened)
        }
    }
}

/// Secrets that exist only once an input is decoded (a base64 key's JSON, the PEM lines of a
/// key): masked together with the raw inputs, before anything else is printed.
pub fn derived_secrets(inputs: &Inputs) -> Vec<String> {
    match DriveAuth::chosen(
        inputs.get("google-credentials"),
        inputs.get("google-api-key"),
    ) {
        Some(Ok(auth)) => auth.secrets(),
        _ => Vec::new(),
    }
}

fn drive_config(
    folder_id: &str,
    inputs: &Inputs,
    timeframe: Timeframe,
) -> Result<DriveConfig, ActionError> {
    let auth = DriveAuth::chosen(inputs.get("google-credentials"), inputs.get("google-api-key"))
        .unwrap_or_else(|| Err(
            "source gdrive: needs `google-credentials` (a service-account key, e.g. ${{ secrets.GOOGLE_CREDENTIALS }}) or `google-api-key`".to_owned(),
        ))
        .map_err(ActionError::usage)?;
    let mut config = DriveConfig::new(folder_id, timeframe, auth);
    config.date = inputs.date()?;
    config.drive_path = inputs.get("drive-path").map(str::to_owned);
    config.download_concurrency = inputs.download_concurrency()?;
    // Tokens are minted on the download runtime's threads; stdout is shared, one line per write.
    config.on_token = Some(Arc::new(|token: &str| {
        let mut out = std::io::stdout().lock();
        for line in commands::mask_lines(token) {
            let _ = writeln!(out, "{line}");
        }
        let _ = out.flush();
    }));
    Ok(config)
}
