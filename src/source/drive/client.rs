//! One HTTP client for the token endpoint and Drive: authorisation (token cache, refresh), and the
//! retry loop every operation runs in (see `retry.rs` for what is retried and how long it waits;
//! a 401 refreshes the token once).

use super::auth::{AccessToken, DRIVE_READONLY_SCOPE, DriveAuth, Secret, TokenResponse};
use super::outage::Outage;
use super::redact::{in_base64, without_secrets};
pub use super::retry::{AttemptError, RetryPolicy, transport_error};
use super::retry::{classify, error_reason, retry_after, shortened};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// Called with each access token as it is minted, so a runner can mask it.
pub type TokenObserver = Arc<dyn Fn(&str) + Send + Sync>;
/// Retries spent inside one attempt on the operation's behalf (minting the token it needed).
pub type Tally = Arc<AtomicU32>;

/// An operation's result and the retries it took.
pub struct Attempted<T> {
    pub result: Result<T, Failed>,
    pub retries: u32,
}

/// Why an operation failed, and how, where its callers act on the difference.
#[derive(Debug)]
pub struct Failed {
    pub reason: String,
    pub how: Failure,
}

/// How an operation came to fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// For good: asking again would be refused again.
    Final,
    /// Its attempts ran out on errors worth retrying (no answer, 5xx, 429, a body that did not
    /// match, a listing Drive said was incomplete): the same operation later may well succeed.
    RanOut,
    /// Drive withholds the file from everyone but its owner ([`AttemptError::Withheld`]): the
    /// reason is the file's, not a failure of the run's.
    Withheld,
    /// Drive refused the request itself (400, [`AttemptError::BadRequest`]): something the
    /// request carried is not accepted, such as a page token Drive no longer honours.
    BadRequest,
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl<T> Attempted<T> {
    fn ended(result: Result<T, String>, retries: u32) -> Attempted<T> {
        Attempted::failed_as(Failure::Final, result, retries)
    }

    fn ran_out(reason: String, retries: u32) -> Attempted<T> {
        Attempted::failed_as(Failure::RanOut, Err(reason), retries)
    }

    fn failed_as(how: Failure, result: Result<T, String>, retries: u32) -> Attempted<T> {
        Attempted {
            result: result.map_err(|reason| Failed { reason, how }),
            retries,
        }
    }
}

pub struct DriveClient {
    http: reqwest::Client,
    auth: DriveAuth,
    /// Ends with `/`, e.g. `https://www.googleapis.com/`.
    api_root: String,
    token: tokio::sync::Mutex<Option<AccessToken>>,
    /// The tokens minted latest in this run ([`KEPT_TOKENS`]), to be kept out of what it
    /// prints; the one a request carried is kept out of its answer in any case.
    minted: std::sync::Mutex<Vec<Secret>>,
    on_token: Option<TokenObserver>,
    pub retry: RetryPolicy,
    /// The backoff is slept on; the factor only shrinks it in tests.
    backoff_scale: f64,
    outage: Outage,
}

const MAX_REDIRECTS: usize = 5;

/// Minted tokens searched for in answers besides the one a request carried.
const KEPT_TOKENS: usize = 4;

/// The most of an error answer read for its reason (which quotes 300 characters of it): the
/// rest is left unread ([`body_up_to`]), so it is neither held nor searched for secrets. Cut
/// JSON reads as text, of which the first 200 bytes are quoted, far from the cut.
const MOST_ANSWER_READ: usize = 64 * 1024;

/// The most of a metadata or listing answer read: a page of 1,000 files is a few hundred KB.
/// Anything larger is not Drive's answer, and is not held whole in memory.
pub const MOST_LISTING_READ: usize = 16 * 1024 * 1024;

/// The body of `response`, read no further than `limit` bytes past which the rest is left
/// unread (the connection is dropped): a server, or anything in between, answering with a
/// body of gigabytes costs `limit` of memory, not its size. Whether more was left is returned.
pub async fn body_up_to(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = limit - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
}

/// Whether a request to `from` may follow a redirect to `to`. reqwest drops `Authorization` on
/// a redirect to another host, but not `x-goog-api-key`: only the same origin, or Google's own
/// hosts over https, get the request again.
fn may_follow(from: &reqwest::Url, to: &reqwest::Url) -> bool {
    let same_origin = from.scheme() == to.scheme()
        && from.host_str() == to.host_str()
        && from.port_or_known_default() == to.port_or_known_default();
    let google = to.scheme() == "https"
        && to.host_str().is_some_and(|host| {
            ["googleapis.com", "googleusercontent.com"]
                .iter()
                .any(|domain| host == *domain || host.ends_with(&format!(".{domain}")))
        });
    same_origin || google
}

impl DriveClient {
    pub fn new(
        auth: DriveAuth,
        api_root: String,
        retry: RetryPolicy,
        backoff_scale: f64,
        request_timeout: Duration,
        on_token: Option<TokenObserver>,
    ) -> Result<DriveClient, String> {
        let mut http = reqwest::Client::builder();
        if !api_root.starts_with("https://") {
            // A stand-in on this machine (the only http root allowed) is reached directly: a
            // proxy from the environment (HTTP_PROXY) would see every credential in clear.
            http = http.no_proxy();
        }
        let http = http
            .user_agent(concat!("bluedot/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(20).min(request_timeout))
            .read_timeout(request_timeout)
            .timeout(request_timeout * 4)
            .pool_max_idle_per_host(64)
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                let from = attempt.previous().first().cloned();
                if attempt.previous().len() > MAX_REDIRECTS {
                    attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
                } else if from.is_some_and(|from| may_follow(&from, attempt.url())) {
                    attempt.follow()
                } else {
                    let host = attempt.url().host_str().unwrap_or("?").to_owned();
                    attempt.error(format!(
                        "redirected to {host}, not Google's: not followed, so that the credentials \
                         do not go with it"
                    ))
                }
            }))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {}", e.without_url()))?;
        let api_root = if api_root.ends_with('/') {
            api_root
        } else {
            format!("{api_root}/")
        };
        let retry = retry.scaled(backoff_scale);
        Ok(DriveClient {
            http,
            auth,
            api_root,
            token: tokio::sync::Mutex::new(None),
            minted: std::sync::Mutex::default(),
            on_token,
            outage: Outage::new(retry.give_up_after),
            retry,
            backoff_scale,
        })
    }

    /// Why nothing more is asked of Drive, once it has failed every request for the outage
    /// window.
    pub fn outage(&self) -> Option<String> {
        self.outage.declared()
    }

    /// Runs `op` until it succeeds, fails for good, or runs out of attempts. A 401 (the token
    /// was already dropped by [`Self::get`]) is retried once; a second 401 is final. `op` gets a
    /// tally to pass to `get`, so retries of a token request count for this operation. Once
    /// Drive has not answered for the outage window, every operation fails without a request.
    pub async fn retrying<T, F, Fut>(&self, what: &str, mut op: F) -> Attempted<T>
    where
        F: FnMut(Tally) -> Fut,
        Fut: std::future::Future<Output = Result<T, AttemptError>>,
    {
        let tally = Tally::default();
        let attempted = self.retrying_inner(what, || op(tally.clone())).await;
        let result = match attempted.result {
            Ok(value) => Ok(value),
            Err(Failed { reason, how }) => Err(Failed {
                reason: self.redacted(reason).await,
                how,
            }),
        };
        Attempted {
            result,
            retries: attempted.retries + tally.load(Ordering::Relaxed),
        }
    }

    /// `reason` without any credential in it: a last net for texts not made from an answer
    /// (see [`Self::answer_without_secrets`], which cleans answers where they arrive).
    async fn redacted(&self, reason: String) -> String {
        self.without_known_secrets(&reason, &[])
    }

    /// An error answer's body with every credential of this client replaced, plus `sent` (the
    /// token or assertion the request carried): a server, or a proxy in front of it, may echo
    /// the request. Cleaned where it arrives, before it is cut short (a cut secret no longer
    /// matches) or logged with a retry.
    fn answer_without_secrets(&self, body: &[u8], sent: &[&str]) -> Vec<u8> {
        self.without_known_secrets(&String::from_utf8_lossy(body), sent)
            .into_bytes()
    }

    /// `text` without the credentials' secrets, any token this client minted (a refreshed
    /// one's predecessor included) and `also`. What travels in requests (a token, an API key,
    /// an assertion) may come back base64-encoded too, as a proxy logs a header or a body: those
    /// are also taken out in that form ([`in_base64`]).
    fn without_known_secrets(&self, text: &str, also: &[&str]) -> String {
        let minted = self
            .minted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let secrets = self.auth.secrets();
        let sent: Vec<&str> = match &self.auth {
            DriveAuth::ApiKey(key) => vec![key.expose()],
            // The key itself never leaves this machine: only what it signs does.
            DriveAuth::ServiceAccount(_) => Vec::new(),
        };
        let sent = sent
            .into_iter()
            .chain(minted.iter().map(Secret::expose))
            .chain(also.iter().copied());
        let encoded: Vec<String> = sent.clone().flat_map(in_base64).collect();
        let known = secrets.iter().map(String::as_str).chain(sent);
        without_secrets(text, known.chain(encoded.iter().map(String::as_str)))
    }

    async fn retrying_inner<T, F, Fut>(&self, what: &str, mut op: F) -> Attempted<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, AttemptError>>,
    {
        let mut retries = 0;
        let mut refreshed = false;
        let mut attempt = 0;
        // Answers Drive gave that were asked for again (`AttemptError::Incomplete`).
        let mut incomplete = 0;
        loop {
            if let Some(outage) = self.outage.declared() {
                return Attempted::ended(Err(outage), retries);
            }
            attempt += 1;
            let error = match op().await {
                Ok(value) => {
                    // Only a whole answer counts: Drive sending headers and then stalling every
                    // body is as down as Drive not answering at all.
                    self.outage.answered();
                    return Attempted::ended(Ok(value), retries);
                }
                Err(error) => error,
            };
            match error {
                AttemptError::Fatal(reason) => {
                    return Attempted::ended(Err(reason), retries);
                }
                AttemptError::Withheld(reason) => {
                    return Attempted::failed_as(Failure::Withheld, Err(reason), retries);
                }
                AttemptError::BadRequest(reason) => {
                    return Attempted::failed_as(Failure::BadRequest, Err(reason), retries);
                }
                AttemptError::StaleToken(reason) if attempt < self.retry.max_attempts => {
                    retries += 1;
                    tracing::info!("{what}: {reason}; retrying with the token already renewed");
                }
                AttemptError::StaleToken(reason) => {
                    return Attempted::ended(
                        Err(format!("{reason} (gave up after {attempt} attempts)")),
                        retries,
                    );
                }
                AttemptError::Unauthorized(reason) => {
                    let can_refresh = matches!(self.auth, DriveAuth::ServiceAccount(_));
                    if refreshed || !can_refresh {
                        let detail = if refreshed {
                            " (again after a fresh token)"
                        } else {
                            ""
                        };
                        return Attempted::ended(
                            Err(format!("{reason}{detail}; {}", self.auth.describe())),
                            retries,
                        );
                    }
                    refreshed = true;
                    retries += 1;
                    tracing::info!("{what}: {reason}; getting a fresh token");
                }
                AttemptError::Retry {
                    reason,
                    retry_after,
                } => {
                    let now = Instant::now();
                    if let Some(outage) = self.outage.failed(&reason, now) {
                        return Attempted::ended(Err(outage), retries);
                    }
                    if let Some(notice) = self.outage.notice(&reason, now) {
                        tracing::warn!("{}", crate::report::one_line(&notice));
                    }
                    if attempt >= self.retry.max_attempts {
                        let gave_up = format!("{reason} (gave up after {attempt} attempts)");
                        return Attempted::ran_out(gave_up, retries);
                    }
                    let retry_after = retry_after.map(|d| d.mul_f64(self.backoff_scale));
                    self.back_off(what, &reason, &mut retries, retry_after)
                        .await;
                }
                AttemptError::Incomplete {
                    reported,
                    consequence,
                } => {
                    // Drive is answering: an outage is Drive not answering at all.
                    self.outage.answered();
                    incomplete += 1;
                    if attempt >= self.retry.max_attempts {
                        let how_often = match incomplete == attempt {
                            true => format!("{incomplete} times in a row"),
                            false => format!("{incomplete} times in {attempt} attempts"),
                        };
                        let gave_up =
                            format!("Drive reported {reported} {how_often}: {consequence}");
                        return Attempted::ran_out(gave_up, retries);
                    }
                    let reason = format!("Drive reported {reported}: {consequence}");
                    self.back_off(what, &reason, &mut retries, None).await;
                }
            }
        }
    }

    /// Waits before the next attempt (Drive's `Retry-After`, else the backoff), counting it as
    /// a retry, and says why in the log.
    async fn back_off(
        &self,
        what: &str,
        reason: &str,
        retries: &mut u32,
        retry_after: Option<Duration>,
    ) {
        let delay = self.retry.delay(*retries, retry_after);
        *retries += 1;
        tracing::info!(
            "{what}: {reason}; retry {} in {} ms",
            *retries,
            delay.as_millis()
        );
        tokio::time::sleep(delay).await;
    }

    /// `GET <api_root><path>` with authorisation; non-2xx answers become [`AttemptError`]s
    /// carrying Drive's reason.
    pub async fn get(
        &self,
        path: &str,
        query: &[(&str, &str)],
        resource_key: Option<(&str, &str)>,
        tally: &Tally,
    ) -> Result<reqwest::Response, AttemptError> {
        let url = format!("{}{path}", self.api_root);
        let mut request = self.http.get(&url).query(query);
        let mut used_token = None;
        match &self.auth {
            DriveAuth::ApiKey(key) => {
                // In a header, not as `key=` in the URL, where proxies, access logs and error
                // messages would carry it.
                let mut value =
                    reqwest::header::HeaderValue::from_str(key.expose()).map_err(|_| {
                        AttemptError::Fatal("the Google API key is not valid text".into())
                    })?;
                value.set_sensitive(true);
                request = request.header("x-goog-api-key", value);
            }
            DriveAuth::ServiceAccount(_) => {
                let token = self.bearer(tally).await?;
                request = request.bearer_auth(token.expose());
                used_token = Some(token);
            }
        }
        if let Some((id, key)) = resource_key {
            request = request.header("X-Goog-Drive-Resource-Keys", format!("{id}/{key}"));
        }
        let response = request.send().await.map_err(transport_error)?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let retry_after = retry_after(&response);
        let body = body_up_to(response, MOST_ANSWER_READ)
            .await
            .map_or_else(|_| Vec::new(), |(body, _)| body);
        let sent = used_token.as_ref().map_or("", Secret::expose);
        let body = self.answer_without_secrets(&body, &[sent]);
        let error = classify(status.as_u16(), &body, retry_after);
        if !matches!(error, AttemptError::Retry { .. }) {
            self.outage.answered();
        }
        if let (AttemptError::Unauthorized(reason), Some(used)) = (&error, used_token) {
            // Only the token that was refused is dropped. If another request already dropped
            // or replaced it, this refusal says nothing new about the credentials.
            let mut cached = self.token.lock().await;
            if cached.as_ref().is_some_and(|t| t.value == used) {
                *cached = None;
            } else {
                return Err(AttemptError::StaleToken(reason.clone()));
            }
        }
        Err(error)
    }

    /// The cached token, or a fresh one. Minting is serialised so a burst of requests mints once.
    async fn bearer(&self, tally: &Tally) -> Result<Secret, AttemptError> {
        let DriveAuth::ServiceAccount(key) = &self.auth else {
            return Err(AttemptError::Fatal("no service account configured".into()));
        };
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref().filter(|t| Instant::now() < t.refresh_at) {
            return Ok(token.value.clone());
        }
        let minted = self
            .retrying_inner("token request", || async {
                let assertion = key
                    .assertion(DRIVE_READONLY_SCOPE, SystemTime::now())
                    .map_err(AttemptError::Fatal)?;
                self.request_token(&key.token_uri, &assertion).await
            })
            .await;
        tally.fetch_add(minted.retries, Ordering::Relaxed);
        let token = minted.result.map_err(|failed| {
            AttemptError::Fatal(format!(
                "cannot get an access token for {}: {failed}",
                self.auth.describe()
            ))
        })?;
        if let Some(observer) = &self.on_token {
            observer(token.value.expose());
        }
        tracing::debug!("got an access token for {}", key.client_email);
        let value = token.value.clone();
        let mut minted = self.minted.lock().unwrap_or_else(|e| e.into_inner());
        // The few latest: every answer is searched for each, and a run whose every request is
        // refused mints one per chart.
        if minted.len() == KEPT_TOKENS {
            minted.remove(0);
        }
        minted.push(value.clone());
        drop(minted);
        *cached = Some(token);
        Ok(value)
    }

    async fn request_token(
        &self,
        token_uri: &str,
        assertion: &str,
    ) -> Result<AccessToken, AttemptError> {
        let response = self
            .http
            .post(token_uri)
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion),
            ])
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status().as_u16();
        let retry_after = retry_after(&response);
        let received = Instant::now();
        // A token answer is a few hundred bytes, an error one a few lines.
        let (body, _) = body_up_to(response, MOST_ANSWER_READ)
            .await
            .map_err(transport_error)?;
        if (200..300).contains(&status) {
            self.outage.answered();
            let parsed: Option<TokenResponse> = serde_json::from_slice(&body).ok();
            return parsed.and_then(|r| r.into_token(received)).ok_or_else(|| {
                AttemptError::Fatal(format!(
                    "token endpoint answered {status} without a usable access_token"
                ))
            });
        }
        // The assertion is a credential in itself (it buys tokens until it expires).
        let body = self.answer_without_secrets(&body, &[assertion]);
        let parsed = serde_json::from_slice::<TokenResponse>(&body)
            .ok()
            .filter(|r| r.error.is_some());
        let (error, reason) = match parsed {
            Some(r) => {
                let error = r.error.unwrap_or_default();
                let description = shortened(r.error_description.as_deref().unwrap_or(""), 300);
                let reason = format!("{status} {error}: {description}");
                (error, reason.trim_end_matches([' ', ':']).to_owned())
            }
            // Not OAuth's shape (a proxy's page, Google's API error shape): read as Drive's.
            None => {
                let (status_and_reason, message) = error_reason(status, &body);
                (String::new(), format!("{status_and_reason}: {message}"))
            }
        };
        let transient = matches!(status, 408 | 429 | 500..=599)
            || matches!(
                error.as_str(),
                "internal_failure" | "server_error" | "temporarily_unavailable"
            );
        if transient {
            return Err(AttemptError::Retry {
                reason,
                retry_after,
            });
        }
        // Refused, but answered: the credentials are wrong, not the network.
        self.outage.answered();
        if error == "invalid_grant" && reason.contains("short-lived") {
            Err(AttemptError::Fatal(format!(
                "{reason} (is this machine's clock right?)"
            )))
        } else {
            Err(AttemptError::Fatal(reason))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client with API key `key`, for a Drive at an address nothing listens on: what it does
    /// with an answer is given to it, never asked of a server.
    fn client_of_nowhere(key: &str, policy: RetryPolicy) -> DriveClient {
        let auth = DriveAuth::api_key(key).unwrap();
        let nowhere = "http://127.0.0.1:9/".into();
        DriveClient::new(auth, nowhere, policy, 1.0, Duration::from_secs(1), None).unwrap()
    }

    #[test]
    fn an_error_text_that_quotes_the_key_is_written_without_it() {
        let key = "AIzaSy-echoed-by-a-proxy-0123456789";
        let client = client_of_nowhere(key, RetryPolicy::default());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let reason = runtime.block_on(client.redacted(format!("400 badRequest: bad key {key}.")));
        assert_eq!(reason, "400 badRequest: bad key [redacted].");
        // Broken by a line break or spaces, as an echo wrapped at a line's end.
        let wrapped = format!("403: {}\n  {}; é", &key[..10], &key[10..]);
        let reason = runtime.block_on(client.redacted(wrapped));
        assert_eq!(reason, "403: [redacted]; é");
        for gap in [
            "\u{b}", "\u{a0}", "\u{2028}", "\u{3000}", "\u{85}", "\u{200b}", "\\n", "-\r\n",
        ] {
            let broken = format!("<{}{gap}{}>", &key[..20], &key[20..]);
            let reason = runtime.block_on(client.redacted(broken));
            assert_eq!(reason, "<[redacted]>", "{gap:?}");
        }
        let far = format!("{} and some words {}", &key[..20], &key[20..]);
        assert_eq!(runtime.block_on(client.redacted(far.clone())), far);
    }

    /// A page Drive marks incomplete is asked for again, but Drive answered it: however long
    /// that goes on, it is no outage, and giving up says how often Drive reported it.
    #[test]
    fn an_incomplete_answer_is_asked_again_but_never_taken_for_an_outage() {
        let at_once = Duration::from_millis(1);
        let policy = RetryPolicy {
            max_attempts: 3,
            base: at_once,
            cap: at_once,
            max_retry_after: at_once,
            // Any failure to answer at all is an outage at once.
            give_up_after: Duration::ZERO,
        };
        let client = client_of_nowhere("AIzaSy-never-sent-0123456789", policy);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let incomplete = runtime.block_on(client.retrying_inner("files.list", || async {
            Err::<(), _>(AttemptError::Incomplete {
                reported: "an incomplete search".into(),
                consequence: "files may be missing".into(),
            })
        }));
        assert_eq!(
            incomplete.result.unwrap_err().reason,
            "Drive reported an incomplete search 3 times in a row: files may be missing"
        );
        assert_eq!(incomplete.retries, 2);
        assert_eq!(client.outage(), None);
        // A request Drive does not answer, by contrast, is an outage at once with this window.
        let unanswered = runtime.block_on(client.retrying_inner("files.list", || async {
            Err::<(), _>(AttemptError::Retry {
                reason: "503 backendError".into(),
                retry_after: None,
            })
        }));
        let reason = unanswered.result.unwrap_err().reason;
        assert!(
            reason.starts_with("Google Drive failed every request"),
            "{reason}"
        );
    }

    #[test]
    fn redirects_are_followed_within_the_origin_or_to_google_only() {
        let url = |text: &str| reqwest::Url::parse(text).unwrap();
        let drive = url("https://www.googleapis.com/drive/v3/files/x?alt=media");
        let follows = |to: &str| may_follow(&drive, &url(to));
        assert!(follows(
            "https://www.googleapis.com/download/drive/v3/files/x"
        ));
        assert!(follows(
            "https://doc-0k-4c-docs.googleusercontent.com/docs/x"
        ));
        assert!(follows("https://googleapis.com/x"));
        assert!(
            !follows("http://www.googleapis.com/x"),
            "no downgrade to http"
        );
        assert!(!follows("https://evil.example/x"));
        assert!(!follows("https://googleapis.com.evil.example/x"));
        assert!(!follows("https://notgoogleusercontent.com/x"));
        let standin = url("http://127.0.0.1:4000/drive/v3/files/x");
        assert!(may_follow(&standin, &url("http://127.0.0.1:4000/other")));
        assert!(!may_follow(&standin, &url("http://127.0.0.2:4000/other")));
        assert!(!may_follow(&standin, &url("http://127.0.0.1:4001/other")));
    }
}
