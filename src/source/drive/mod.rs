//! Google Drive as a source: `gdrive:<rootFolderId>` plus a path (default `<timeframe>/<date>`).
//!
//! The caller (CLI `process`/`plan`, or the action) uses it in three steps:
//! [`DriveSource::new`] (no network), [`DriveSource::list`] (resolve the folder, read the
//! trigger file, list every page), then [`DriveSource::fetch`] with the charts of its shard.
//! Everything runs on the source's own tokio runtime; the caller's threads only block.

pub mod args;
pub mod auth;
pub mod client;
pub mod download;
pub mod files;
pub mod listing;
mod outage;
mod redact;
pub mod retry;

pub use auth::{DriveAuth, Secret};
pub use client::{RetryPolicy, TokenObserver};
pub use listing::{DateSource, validate_date};

use crate::convert::Timeframe;
use crate::source::{Entry, Listing};
use client::DriveClient;
use files::ItemRef;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// `--source` prefix of a Drive folder.
pub const SCHEME: &str = "gdrive:";
pub const DEFAULT_API_ROOT: &str = "https://www.googleapis.com/";
pub const DEFAULT_CONCURRENCY: usize = 16;

/// Test hooks, read from the environment only by [`DriveConfig::new`]; undocumented for users.
/// They let tests point the client at a local stand-in and shrink waits.
const TEST_API_URL_VAR: &str = "BLUEDOT_TEST_DRIVE_API_URL";
const TEST_BACKOFF_SCALE_VAR: &str = "BLUEDOT_TEST_DRIVE_BACKOFF_SCALE";
const TEST_TIMEOUT_MS_VAR: &str = "BLUEDOT_TEST_DRIVE_TIMEOUT_MS";

/// `url` as a test stand-in's API root, normalised (`http://127.0.0.1:4000/`), if it is one:
/// plain http to this machine's loopback address, with no path, query or user.
fn stand_in_root(url: &str) -> Option<String> {
    let url = reqwest::Url::parse(url).ok()?;
    let bare = url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    let port = url.port_or_known_default().is_some_and(|port| port != 0);
    (is_loopback_http(&url) && bare && port).then(|| url.to_string())
}

/// Whether `url` is plain http to this machine's loopback address: the one place a credential
/// may travel unencrypted (a test's stand-in), since it never leaves the machine.
fn is_loopback_http(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let ip = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || ip
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    url.scheme() == "http" && loopback
}

/// The folder id in `gdrive:<id>`, if `source` names Drive.
pub fn parse_source(source: &str) -> Option<Result<&str, String>> {
    let id = source.strip_prefix(SCHEME)?;
    let valid = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    Some(if valid {
        Ok(id)
    } else {
        Err(format!(
            "{source:?}: expected gdrive:<folder id> (the id in the folder's Drive URL)"
        ))
    })
}

#[derive(Clone)]
pub struct DriveConfig {
    pub root_folder_id: String,
    /// Folders below the root, `/`-separated; default `<timeframe>/<date>`.
    pub drive_path: Option<String>,
    pub timeframe: Timeframe,
    /// `YYYY-MM-DD` or `YYYY-Www`; default: the trigger file, else today or this ISO week.
    pub date: Option<String>,
    pub auth: DriveAuth,
    pub download_concurrency: usize,
    /// Hears each access token as it is minted (e.g. to `::add-mask::` it).
    pub on_token: Option<TokenObserver>,
    /// Set by a stop signal: listing ends at once (downloads are given their own flag).
    pub stop: Option<Arc<AtomicBool>>,
    pub retry: RetryPolicy,
    pub request_timeout: Duration,
    api_root: String,
    backoff_scale: f64,
}

impl std::fmt::Debug for DriveConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DriveConfig")
            .field("root_folder_id", &self.root_folder_id)
            .field("drive_path", &self.drive_path)
            .field("timeframe", &self.timeframe)
            .field("date", &self.date)
            .field("auth", &self.auth)
            .field("download_concurrency", &self.download_concurrency)
            .finish_non_exhaustive()
    }
}

impl DriveConfig {
    pub fn new(root_folder_id: &str, timeframe: Timeframe, auth: DriveAuth) -> DriveConfig {
        let test_var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        DriveConfig {
            root_folder_id: root_folder_id.to_owned(),
            drive_path: None,
            timeframe,
            date: None,
            auth,
            download_concurrency: DEFAULT_CONCURRENCY,
            on_token: None,
            stop: None,
            retry: RetryPolicy::default(),
            request_timeout: test_var(TEST_TIMEOUT_MS_VAR)
                .and_then(|v| v.parse().ok())
                .map_or(Duration::from_secs(60), Duration::from_millis),
            api_root: test_var(TEST_API_URL_VAR).unwrap_or_else(|| DEFAULT_API_ROOT.into()),
            backoff_scale: test_var(TEST_BACKOFF_SCALE_VAR)
                .and_then(|v| v.parse().ok())
                .filter(|s: &f64| s.is_finite() && *s >= 0.0)
                .unwrap_or(1.0),
        }
    }
}

/// What [`DriveSource::list`] found.
#[derive(Debug, Clone)]
pub struct DriveListing {
    /// Charts and skipped files (Docs types, duplicates, non-JSON), before sharding; `Opened`
    /// takes it over once listed.
    pub listing: Listing,
    /// The folder path below the root that was listed, e.g. `daily/2024-08-02`.
    pub path: String,
    /// The date used in the path and where it came from; a given `drive_path` needs none, and
    /// has one only when `--date` labels it.
    pub date: Option<(String, DateSource)>,
    /// Folders (or trigger files) sharing a name, of which the newest was used: which charts
    /// the run saw depends on that choice, so it is said where a run is watched. Files sharing
    /// a name are not here: each one not used is in the report.
    pub warnings: Vec<String>,
    /// Retries spent resolving and listing.
    pub retries: u32,
    planned: listing::Plan,
}

impl DriveListing {
    /// `gdrive:<root>/<path>`, for the report (no secrets).
    pub fn label(&self, root_folder_id: &str) -> String {
        format!("{SCHEME}{root_folder_id}/{}", self.path)
    }
}

pub struct DriveSource {
    config: DriveConfig,
    runtime: Arc<tokio::runtime::Runtime>,
    client: Arc<DriveClient>,
}

/// Why a listing ended early.
pub const LISTING_INTERRUPTED: &str = "stopped by a signal while listing Google Drive";

/// `work`'s result, or `None` as soon as `stop` is set (looked at every 20 ms): a request
/// retrying through an outage could otherwise outlast the runner's patience (it kills a
/// cancelled job a few seconds after asking it to stop).
async fn until_stopped<T>(
    stop: &AtomicBool,
    work: impl std::future::Future<Output = T>,
) -> Option<T> {
    let stopped = async {
        while !stop.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::select! {
        done = work => Some(done),
        () = stopped => None,
    }
}

impl DriveSource {
    /// Builds the client and its runtime; nothing is sent yet.
    pub fn new(config: DriveConfig) -> Result<DriveSource, String> {
        let api_root = if config.api_root == DEFAULT_API_ROOT {
            DEFAULT_API_ROOT.to_owned()
        } else {
            // One variable set by an earlier workflow step must not send the credentials to
            // another host, in clear text.
            stand_in_root(&config.api_root).ok_or_else(|| {
                format!(
                    "{TEST_API_URL_VAR} is a test hook for a Drive stand-in on this machine, and \
                     takes only http:// to a loopback address (127.0.0.1, [::1], localhost), \
                     with a port or none, and no path"
                )
            })?
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("drive")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the download runtime: {e}"))?;
        let client = DriveClient::new(
            config.auth.clone(),
            api_root,
            config.retry.clone(),
            config.backoff_scale,
            config.request_timeout,
            config.on_token.clone(),
        )?;
        Ok(DriveSource {
            config,
            runtime: Arc::new(runtime),
            client: Arc::new(client),
        })
    }

    pub fn config(&self) -> &DriveConfig {
        &self.config
    }

    /// Strings to mask before anything is printed: key material (every line) or the API key.
    pub fn secrets(&self) -> Vec<String> {
        self.config.auth.secrets()
    }

    /// Resolves the folder (reading the trigger file for the date when none is given) and lists
    /// it completely. Standalone: `plan` can call it without downloading.
    pub fn list(&self) -> Result<DriveListing, String> {
        let client = &self.client;
        let config = &self.config;
        let context = |e: String| format!("{e} [{}]", config.auth.describe());
        let listing = async {
            let mut retries = 0;
            let mut warnings = Vec::new();
            let root = &config.root_folder_id;
            let root_item =
                files::get_metadata(client, &ItemRef::new(root, None), None, &mut retries)
                    .await
                    .map_err(|e| context(format!("root folder {root}: {e}")))?;
            // A shortcut's recorded target type may be stale: a shortcut to a file, taken on
            // trust, would be listed as an empty folder and reported "not found".
            let root_ref = listing::as_folder(client, &root_item, &mut retries)
                .await
                .map_err(|e| context(format!("root {root}: {e}")))?;
            // A folder given by path needs no date: its trigger file is not read, so a stale
            // or broken one cannot stop the run or label it with another day.
            let date = match (&config.date, &config.drive_path) {
                (Some(date), _) => Some((
                    listing::validate_date(config.timeframe, date.trim())?,
                    DateSource::Given,
                )),
                (None, Some(_)) => None,
                (None, None) => Some(
                    match listing::read_trigger(
                        client,
                        &root_ref,
                        config.timeframe,
                        &mut warnings,
                        &mut retries,
                    )
                    .await
                    .map_err(context)?
                    {
                        Some(date) => (date, DateSource::TriggerFile),
                        None => (listing::today(config.timeframe), DateSource::Today),
                    },
                ),
            };
            let path = match (&config.drive_path, &date) {
                // `daily//2025-07-31` names the folder `daily/2025-07-31`: labels say that.
                (Some(path), _) => path
                    .split('/')
                    .filter(|segment| !segment.is_empty())
                    .collect::<Vec<_>>()
                    .join("/"),
                (None, Some((date, _))) => format!("{}/{date}", config.timeframe.as_str()),
                (None, None) => unreachable!("a date is resolved when no path is given"),
            };
            let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
            let folder =
                listing::resolve_path(client, &root_ref, &segments, &mut warnings, &mut retries)
                    .await
                    .map_err(context)?
                    .ok_or_else(|| {
                        let because = match &date {
                            Some((date, source)) => {
                                format!(" (date {date}, {})", source.describe())
                            }
                            None => String::new(),
                        };
                        context(format!(
                            "folder {path:?} not found under {SCHEME}{root}{because}"
                        ))
                    })?;
            // Sub-folders are listed too, to be recorded as skipped: charts dropped as a folder
            // must not go unseen.
            let items = files::list_children(client, &folder, "", &mut retries)
                .await
                .map_err(context)?;
            let (found, planned) = listing::classify_items(client, items, &mut retries).await;
            tracing::info!(
                "listed {}: {} charts, {} skipped, {retries} retries",
                crate::report::one_line(&path),
                found.charts.len(),
                found.skipped.len()
            );
            Ok(DriveListing {
                listing: found,
                path,
                date,
                warnings,
                retries,
                planned,
            })
        };
        self.runtime.block_on(async {
            match &config.stop {
                None => listing.await,
                Some(stop) => until_stopped(stop, listing)
                    .await
                    .unwrap_or_else(|| Err(LISTING_INTERRUPTED.to_owned())),
            }
        })
    }

    /// Downloads `charts` (names from `listed`, usually after sharding) with
    /// `download_concurrency` requests in flight. Every chart comes out exactly once, with its
    /// bytes or the reason it could not be downloaded. Setting `stop` ends downloading early;
    /// the remaining files come out as interrupted.
    pub fn fetch(
        &self,
        listed: &DriveListing,
        charts: &[Entry],
        stop: Arc<AtomicBool>,
    ) -> download::Downloads {
        let work = charts
            .iter()
            .map(|entry| {
                let planned =
                    listed.planned.get(&entry.name).cloned().unwrap_or_else(|| {
                        Err("not in the Drive listing (internal error)".to_owned())
                    });
                (entry.name.clone(), planned)
            })
            .collect();
        download::start(
            self.runtime.clone(),
            self.client.clone(),
            work,
            self.config.download_concurrency,
            stop,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_syntax() {
        assert_eq!(parse_source("gdrive:1AbC_d-9"), Some(Ok("1AbC_d-9")));
        assert!(matches!(parse_source("gdrive:"), Some(Err(_))));
        assert!(matches!(parse_source("gdrive:a/b"), Some(Err(_))));
        assert_eq!(parse_source("/data/in"), None);
    }
}
