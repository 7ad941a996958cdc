//! A Google Drive v3 + OAuth token stand-in on 127.0.0.1, for tests and benchmarks.
//!
//! It speaks the parts of the protocol bluedot (and Google's Python client) use: `files.list`
//! with the `q` subset in [`query`] and small pages, `files.get` metadata, partial responses
//! (only the [`fields`] selected, as Drive sends them), `alt=media` downloads
//! (also under `/download/`, with `Range`), `export`, and a token endpoint that verifies the
//! JWT-bearer assertion's RS256 signature and claims. Faults are injected per target, at the
//! byte level where it matters (reset, truncated or stalled bodies), which is why the server is
//! a small hand-written HTTP/1.1 loop on tokio rather than a framework.

mod fields;
mod http;
mod query;
mod server;
#[cfg(test)]
mod tests;
mod token;

use md5::{Digest, Md5};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const FOLDER_MIME: &str = "application/vnd.google-apps.folder";
pub const SHORTCUT_MIME: &str = "application/vnd.google-apps.shortcut";
/// The test-only RSA key the stand-in's service account signs with (see README.md).
pub const TEST_PRIVATE_KEY_PEM: &str = include_str!("../TEST-ONLY-service-account-key.pem");
pub const CLIENT_EMAIL: &str = "bluedot-test@standin.iam.gserviceaccount.com";
pub const ROOT_ID: &str = "rootFolder0";

/// A fault served instead of (or while serving) one answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// No fault: the normal answer (to aim a later fault at a later request).
    Pass,
    /// 429 with `Retry-After: <seconds>`.
    TooManyRequests { retry_after: u64 },
    /// 403 with reason `rateLimitExceeded`.
    RateLimitExceeded,
    /// 403 with reason `userRateLimitExceeded`.
    UserRateLimitExceeded,
    /// 500 or 503 (or any status) with a backendError body.
    ServerError(u16),
    /// The connection is reset (RST) before any answer.
    Reset,
    /// Half the body, a stall of this long, then the rest.
    SlowBody(Duration),
    /// Full `Content-Length`, half the body, then the connection closes.
    TruncatedBody,
    /// The body with one byte changed (same size, different MD5).
    WrongMd5,
    /// 401 authError; the token presented is revoked (as if it had expired).
    ExpiredToken,
    /// 403 insufficientFilePermissions.
    InsufficientPermissions,
    /// 403 downloadQuotaExceeded: the file's own download cap, said to clear after about a day
    /// (GOOGLE-DRIVE.txt line 77), so not worth another try within a run.
    DownloadQuotaExceeded,
    /// 403 cannotDownloadAbusiveFile: Drive flags the file as malware or spam, and only its
    /// owner may download it (GOOGLE-DRIVE.txt line 56).
    CannotDownloadAbusiveFile,
    /// 404 notFound.
    NotFound,
    /// 400 badRequest.
    BadRequest,
    /// 302 to this URL (a host that is not Google's, for the secret-leak check).
    Redirect(String),
    /// `files.list` only: a page without its last file, marked `incompleteSearch: true`, as
    /// Drive answers when it could not search every drive.
    IncompleteSearch,
    /// `files.list` only: the page's `nextPageToken` leads to the page itself.
    RepeatPageToken,
    /// `files.list` only: a fresh `nextPageToken` every time, leading back to the first page.
    CycleToFirstPage,
    /// This status with an error text quoting the credential the request carried (its bearer
    /// token, API key, or at the token endpoint its signed assertion) after 280 characters of
    /// padding, so that a text cut at 300 characters would cut the credential, as a proxy
    /// that echoes requests answers. A 401 also revokes the token presented.
    EchoCredentials(u16),
    /// The same, the credential base64-encoded as a proxy logs a header
    /// (`Bearer <credential>`), with no padding before it.
    EchoCredentialsInBase64(u16),
    /// 403 with an error text of this many bytes, as a misbehaving proxy might answer.
    HugeErrorBody(usize),
    /// Downloads only: the file is replaced by these bytes just before this answer (a chart
    /// uploaded again while a run reads the folder), so this answer and every later one, its
    /// metadata's size and MD5 too, are the new file's.
    ReplacedBy(Vec<u8>),
    /// The token endpoint only (Drive never answers in this shape): this status with OAuth's
    /// `{"error": error, "error_description": description}`, e.g. 400 `invalid_grant`, or 400
    /// `temporarily_unavailable`, which is worth another try (GOOGLE-DRIVE.txt line 104).
    OAuth {
        status: u16,
        error: String,
        description: String,
    },
}

impl Fault {
    /// Every kind that applies to any request, for soak tests.
    pub fn all_kinds() -> Vec<Fault> {
        vec![
            Fault::TooManyRequests { retry_after: 1 },
            Fault::RateLimitExceeded,
            Fault::UserRateLimitExceeded,
            Fault::ServerError(500),
            Fault::ServerError(503),
            Fault::Reset,
            Fault::SlowBody(Duration::from_millis(4000)),
            Fault::TruncatedBody,
            Fault::WrongMd5,
            Fault::ExpiredToken,
            Fault::InsufficientPermissions,
            Fault::NotFound,
            Fault::BadRequest,
            Fault::DownloadQuotaExceeded,
        ]
    }

    /// Whether a client should try again after this fault at a Drive API target (`files.list`,
    /// `files.get`, downloads). The token endpoint's rules differ (GOOGLE-DRIVE.txt line 104):
    /// there a 403 is final, and an OAuth error retries by its status or its name, which is
    /// what this says of `OAuth`, the token endpoint's own fault.
    pub fn is_retryable(&self) -> bool {
        match self {
            Fault::EchoCredentials(status) | Fault::EchoCredentialsInBase64(status) => {
                matches!(status, 401 | 408 | 429 | 500..=599)
            }
            Fault::InsufficientPermissions
            | Fault::DownloadQuotaExceeded
            | Fault::CannotDownloadAbusiveFile
            | Fault::NotFound
            | Fault::BadRequest
            | Fault::HugeErrorBody(_)
            | Fault::Redirect(_) => false,
            Fault::OAuth { status, error, .. } => {
                matches!(status, 408 | 429 | 500..=599)
                    || matches!(
                        error.as_str(),
                        "internal_failure" | "server_error" | "temporarily_unavailable"
                    )
            }
            _ => true,
        }
    }
}

/// Where a fault applies: `Media(name)` downloads, `Metadata(name)` files.get, every
/// `files.list` call, or the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    Media(String),
    Metadata(String),
    List,
    Token,
}

#[derive(Debug, Clone)]
pub struct Item {
    pub id: String,
    pub name: String,
    pub mime_type: String,
    pub parent: Option<String>,
    pub content: Option<Vec<u8>>,
    pub modified_time: String,
    pub version: u64,
    pub trashed: bool,
    pub can_download: bool,
    pub shortcut_target: Option<String>,
    /// Set on older link-shared items: every request naming the item (its metadata, its bytes,
    /// a listing of its children) must carry `X-Goog-Drive-Resource-Keys: <id>/<key>`, or
    /// Drive answers 404 as if it did not exist.
    pub resource_key: Option<String>,
    /// The shared drive the item lives in (`None`: a My Drive item). Drive hides such an item
    /// from a request that does not say it supports shared drives: `files.get` and `alt=media`
    /// answer 404 without `supportsAllDrives=true`, and `files.list` leaves it out unless both
    /// that and `includeItemsFromAllDrives=true` are sent.
    pub drive_id: Option<String>,
}

impl Item {
    /// The file uploaded again: new bytes, a new version (and so a new size and MD5).
    pub fn replace_content(&mut self, content: Vec<u8>) {
        self.content = Some(content);
        self.version += 1;
    }

    pub fn md5(&self) -> Option<String> {
        self.content
            .as_ref()
            .filter(|_| !self.mime_type.starts_with("application/vnd.google-apps."))
            .map(|c| format!("{:x}", Md5::digest(c)))
    }
}

/// Counters a test can assert on.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub token_grants: u64,
    pub token_rejections: Vec<String>,
    pub list_calls: u64,
    pub metadata_calls: u64,
    pub media_calls: u64,
    pub faults_served: u64,
    pub unauthorized: u64,
    /// Requests refused (401, among `unauthorized`) for a token past its lifetime.
    pub expired_tokens: u64,
    /// Requests that carried the API key as `key=` in their URL instead of in `x-goog-api-key`.
    pub keys_in_url: u64,
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Largest page `files.list` returns, whatever `pageSize` asks.
    pub page_size: usize,
    /// Added before every answer.
    pub latency: Duration,
    /// Accepted in `x-goog-api-key` or as `key=`, as Drive accepts it; `None` refuses API keys.
    pub api_key: Option<String>,
    /// How long an access token is accepted, told to the client as `expires_in` (whole
    /// seconds). Google's last an hour: 3599 s.
    pub token_lifetime: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            page_size: 100,
            latency: Duration::ZERO,
            api_key: None,
            token_lifetime: Duration::from_secs(3599),
        }
    }
}

pub(crate) struct State {
    pub options: Options,
    pub token_uri: String,
    pub public_key: Vec<u8>,
    pub inner: Mutex<Inner>,
}

#[derive(Default)]
pub(crate) struct Inner {
    pub items: BTreeMap<String, Item>,
    /// Creation order, which listing follows.
    pub order: Vec<String>,
    pub faults: HashMap<Target, VecDeque<Fault>>,
    /// Tokens not revoked, with what each was granted.
    pub tokens: HashMap<String, Granted>,
    /// Every token ever handed out, revoked ones included.
    pub issued: Vec<String>,
    pub stats: Stats,
    pub next_id: u64,
}

/// What an access token buys, and until when.
pub(crate) struct Granted {
    pub scopes: Vec<String>,
    pub expires: std::time::Instant,
}

/// A running stand-in; it stops when dropped.
pub struct DriveStandin {
    addr: SocketAddr,
    state: Arc<State>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl DriveStandin {
    /// Starts on an ephemeral port of 127.0.0.1 (or `port`) with an empty root folder.
    pub fn start(options: Options) -> DriveStandin {
        DriveStandin::start_on(options, 0)
    }

    pub fn start_on(options: Options, port: u16) -> DriveStandin {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(State {
            options,
            token_uri: format!("http://{addr}/token"),
            public_key: token::public_key(TEST_PRIVATE_KEY_PEM),
            inner: Mutex::new(Inner::default()),
        });
        let (shutdown, stopped) = tokio::sync::oneshot::channel();
        let server_state = state.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("stand-in runtime");
            runtime.block_on(http::serve(listener, server_state, stopped));
        });
        let standin = DriveStandin {
            addr,
            state,
            shutdown: Some(shutdown),
            thread: Some(thread),
        };
        standin.insert(ROOT_ID.into(), "root", FOLDER_MIME, None, None, None);
        standin
    }

    /// Serves until the process is killed (the `drive-standin` binary).
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// The Drive API root, e.g. `http://127.0.0.1:PORT/`.
    pub fn api_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn root(&self) -> String {
        ROOT_ID.into()
    }

    /// A service-account key file whose `token_uri` is this stand-in.
    pub fn credentials_json(&self) -> String {
        serde_json::json!({
            "type": "service_account",
            "project_id": "bluedot-standin",
            "private_key_id": "standin-test-key-1",
            "private_key": TEST_PRIVATE_KEY_PEM,
            "client_email": CLIENT_EMAIL,
            "client_id": "100000000000000000001",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": self.state.token_uri,
            "universe_domain": "googleapis.com",
        })
        .to_string()
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.state.inner.lock().expect("stand-in state"))
    }

    fn insert(
        &self,
        id: String,
        name: &str,
        mime: &str,
        parent: Option<&str>,
        content: Option<Vec<u8>>,
        shortcut_target: Option<String>,
    ) -> String {
        self.with(|inner| {
            inner.next_id += 1;
            let n = inner.next_id;
            // What is created in a shared drive's folder belongs to that drive.
            let drive_id = parent
                .and_then(|parent| inner.items.get(parent))
                .and_then(|parent| parent.drive_id.clone());
            let id = if id.is_empty() {
                format!("id{n:06}x")
            } else {
                id
            };
            // Later items are newer, one second apart.
            let modified_time = format!(
                "2024-01-01T{:02}:{:02}:{:02}.000Z",
                (n / 3600) % 24,
                (n / 60) % 60,
                n % 60
            );
            inner.items.insert(
                id.clone(),
                Item {
                    id: id.clone(),
                    name: name.into(),
                    mime_type: mime.into(),
                    parent: parent.map(str::to_owned),
                    content,
                    modified_time,
                    version: n,
                    trashed: false,
                    can_download: true,
                    shortcut_target,
                    resource_key: None,
                    drive_id,
                },
            );
            inner.order.push(id.clone());
            id
        })
    }

    pub fn folder(&self, parent: &str, name: &str) -> String {
        self.insert(String::new(), name, FOLDER_MIME, Some(parent), None, None)
    }

    /// A stored (binary) file; its MIME type is guessed from the name as Drive would.
    pub fn file(&self, parent: &str, name: &str, content: impl Into<Vec<u8>>) -> String {
        let mime = if name.ends_with(".json") {
            "application/json"
        } else {
            "text/plain"
        };
        self.insert(
            String::new(),
            name,
            mime,
            Some(parent),
            Some(content.into()),
            None,
        )
    }

    /// A Google Docs editors file (`application/vnd.google-apps.document` etc.); `text` is what
    /// `export` returns.
    pub fn google_doc(&self, parent: &str, name: &str, mime: &str, text: &str) -> String {
        let exported = format!("\u{feff}{text}").into_bytes();
        self.insert(
            String::new(),
            name,
            mime,
            Some(parent),
            Some(exported),
            None,
        )
    }

    pub fn shortcut(&self, parent: &str, name: &str, target: &str) -> String {
        self.insert(
            String::new(),
            name,
            SHORTCUT_MIME,
            Some(parent),
            None,
            Some(target.into()),
        )
    }

    pub fn set_modified_time(&self, id: &str, time: &str) {
        self.with(|inner| inner.items.get_mut(id).expect("item").modified_time = time.into());
    }

    pub fn set_trashed(&self, id: &str) {
        self.with(|inner| inner.items.get_mut(id).expect("item").trashed = true);
    }

    /// Sets the file's `capabilities.canDownload`, as an owner who restricts downloading does;
    /// Drive then refuses its `alt=media`.
    pub fn set_can_download(&self, id: &str, can: bool) {
        self.with(|inner| inner.items.get_mut(id).expect("item").can_download = can);
    }

    /// Gives an item a resource key, as Drive did to items shared by link before 2021.
    pub fn set_resource_key(&self, id: &str, key: &str) {
        self.with(|inner| inner.items.get_mut(id).expect("item").resource_key = Some(key.into()));
    }

    /// Moves an item, and everything under it, into the shared drive `drive_id` (items created
    /// under it later belong to that drive too).
    pub fn put_in_shared_drive(&self, id: &str, drive_id: &str) {
        self.with(|inner| {
            let mut moved = vec![id.to_owned()];
            while let Some(id) = moved.pop() {
                let item = inner.items.get_mut(&id).expect("item");
                item.drive_id = Some(drive_id.into());
                moved.extend(
                    inner
                        .items
                        .values()
                        .filter(|child| child.parent.as_deref() == Some(id.as_str()))
                        .map(|child| child.id.clone()),
                );
            }
        });
    }

    /// Replaces a file's content (as an upload mid-run would).
    pub fn set_content(&self, id: &str, content: impl Into<Vec<u8>>) {
        self.with(|inner| {
            let item = inner.items.get_mut(id).expect("item");
            item.replace_content(content.into());
        });
    }

    /// Queues `faults` for the next requests to `target`, one per request, in order.
    pub fn inject(&self, target: Target, faults: impl IntoIterator<Item = Fault>) {
        self.with(|inner| inner.faults.entry(target).or_default().extend(faults));
    }

    pub fn stats(&self) -> Stats {
        self.with(|inner| inner.stats.clone())
    }

    /// Every access token handed out (for secret-leak checks).
    pub fn issued_tokens(&self) -> Vec<String> {
        self.with(|inner| inner.issued.clone())
    }

    /// Adds `dir`'s tree under `parent`: folders become folders, files become files.
    pub fn load_dir(&self, parent: &str, dir: &std::path::Path) -> std::io::Result<usize> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        let mut files = 0;
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type()?.is_dir() {
                let id = self.folder(parent, &name);
                files += self.load_dir(&id, &entry.path())?;
            } else {
                self.file(parent, &name, std::fs::read(entry.path())?);
                files += 1;
            }
        }
        Ok(files)
    }
}

impl Drop for DriveStandin {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
