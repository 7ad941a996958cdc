//! The command-line face of the Drive source: its flags and turning them into a [`DriveSource`].

use super::{DriveAuth, DriveConfig, DriveListing, DriveSource, parse_source};
use crate::convert::Timeframe;
use clap::Args;

#[derive(Debug, Args, Clone)]
pub struct DriveArgs {
    /// Read charts from Google Drive instead of --input: gdrive:<rootFolderId>.
    #[arg(long, value_name = "gdrive:ID")]
    pub source: Option<String>,
    /// Folder path below the Drive root [default: <timeframe>/<date>].
    #[arg(long, value_name = "PATH", requires = "source")]
    pub drive_path: Option<String>,
    /// Date to process: YYYY-MM-DD (daily) or YYYY-Www (weekly) [default: the content of
    /// triggers/<timeframe>_ready.txt on Drive, else today (UTC) or this ISO week].
    #[arg(long, value_name = "DATE", requires = "source")]
    pub date: Option<String>,
    /// Drive downloads in flight at once, 1 to 256 (`process`; `plan` downloads nothing)
    /// [default: 16].
    #[arg(long, value_name = "N", requires = "source",
          value_parser = clap::value_parser!(u32).range(1..=256))]
    pub download_concurrency: Option<u32>,
    /// Service-account key: JSON, base64 of it, or a path to the JSON file.
    #[arg(
        long,
        value_name = "KEY",
        env = "GOOGLE_CREDENTIALS",
        hide_env_values = true,
        // A PEM starts with `-----`: taken for a flag, clap would quote it whole in its error.
        allow_hyphen_values = true
    )]
    pub google_credentials: Option<String>,
    /// API key (reads only folders shared with anyone with the link).
    #[arg(
        long,
        value_name = "KEY",
        env = "GOOGLE_API_KEY",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub google_api_key: Option<String>,
}

impl DriveArgs {
    /// The flags given that choose or read a Drive folder (clap's `requires = "source"` is not
    /// enforced when `--input`, which conflicts with `--source`, is given).
    pub fn drive_only_flags(&self) -> Vec<&'static str> {
        [
            (self.drive_path.is_some(), "--drive-path"),
            (self.date.is_some(), "--date"),
            (
                self.download_concurrency.is_some(),
                "--download-concurrency",
            ),
        ]
        .into_iter()
        .filter_map(|(given, flag)| given.then_some(flag))
        .collect()
    }

    /// The configured source, or `None` when `--source` is not given.
    pub fn config(&self, timeframe: Timeframe) -> Option<Result<DriveConfig, String>> {
        let source = self.source.as_deref()?;
        Some(self.build(source, timeframe))
    }

    fn build(&self, source: &str, timeframe: Timeframe) -> Result<DriveConfig, String> {
        let root = parse_source(source)
            .unwrap_or_else(|| Err(format!("--source {source:?}: expected gdrive:<folder id>")))?;
        fn present(value: &Option<String>) -> Option<&str> {
            value.as_deref().filter(|s| !s.trim().is_empty())
        }
        let (credentials, api_key) = (
            present(&self.google_credentials),
            present(&self.google_api_key),
        );
        let auth = DriveAuth::chosen(credentials, api_key).ok_or(
            "gdrive: needs --google-credentials (or GOOGLE_CREDENTIALS) with a service-account key, or --google-api-key (or GOOGLE_API_KEY)",
        )??;
        if credentials.is_some() && api_key.is_some() {
            tracing::warn!(
                "both a service-account key and an API key are given (flags or GOOGLE_CREDENTIALS / GOOGLE_API_KEY); reading Drive as the service account, the API key is not used"
            );
        }
        let mut config = DriveConfig::new(root, timeframe, auth);
        config.drive_path = self.drive_path.clone();
        // Checked before anything asks Drive: a date that cannot be is the reason to give,
        // not whatever the network says first.
        config.date = match &self.date {
            Some(date) => Some(
                super::validate_date(timeframe, date.trim()).map_err(|e| format!("--date {e}"))?,
            ),
            None => None,
        };
        if let Some(concurrency) = self.download_concurrency {
            config.download_concurrency = concurrency as usize;
        }
        Ok(config)
    }
}

/// Opens and lists the source, logging the warnings the listing raised.
pub fn open_and_list(config: DriveConfig) -> Result<(DriveSource, DriveListing), String> {
    let source = DriveSource::new(config)?;
    // Warnings (duplicates) are already logged by the listing.
    let listed = source.list()?;
    let date = match &listed.date {
        Some((date, source)) => format!(", date {date}, {}", source.describe()),
        None => String::new(),
    };
    eprintln_lossy!(
        "drive: {} ({} charts, {} skipped{date})",
        listed.label(&source.config().root_folder_id),
        listed.listing.charts.len(),
        listed.listing.skipped.len(),
    );
    Ok((source, listed))
}
