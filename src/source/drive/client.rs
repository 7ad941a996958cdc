//! One HTTP client for the token endpoint and Drive: authorisation, error reasons, and the retry
//! policy (exponential backoff with full jitter, `Retry-After` honoured, 401 refreshes once).
//!
//! URLs are never put into messages: in API-key mode they carry `key=`. Transport errors are
//! stripped of their URL with `without_url()`.

use super::auth::{AccessToken, DRIVE_READONLY_SCOPE, DriveAuth, Secret, TokenResponse};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// Called with each access token as it is minted, so a runner can mask it.
pub type TokenObserver = Arc<dyn Fn(&str) + Send + Sync>;

/// How often and how patiently a request is repeated.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts per operation, the first included.
    pub max_attempts: u32,
    /// The first backoff window; it doubles per attempt up to `cap`.
    pub base: Duration,
    pub cap: Duration,
    /// Longest `Retry-After` obeyed; a longer one is cut to this.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base: Duration::from_secs(1),
            cap: Duration::from_secs(32),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// Full jitter: a uniform wait in [0, min(cap, base * 2^n)], or the server's `Retry-After`.
    fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(after) = retry_after {
            return after.min(self.max_retry_after);
        }
        let window = self
            .base
            .saturating_mul(1u32 << retry.min(20))
            .min(self.cap);
        window.mul_f64(rand::random::<f64>())
    }

    /// Every wait multiplied by `factor` (tests only: keeps fault tests fast).
    pub fn scaled(mut self, factor: f64) -> RetryPolicy {
        self.base = self.base.mul_f64(factor);
        self.cap = self.cap.mul_f64(factor);
        self.max_retry_after = self.max_retry_after.mul_f64(factor);
        self
    }
}

/// Why one attempt did not succeed, and whether another may.
#[derive(Debug)]
pub enum AttemptError {
    Retry {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// 401: the token may have expired or been revoked.
    Unauthorized(String),
    /// 401 with a token another request had already replaced: retried with the current token
    /// at once, without spending this operation's one refresh.
    StaleToken(String),
    Fatal(String),
}

impl AttemptError {
    fn reason(&self) -> &str {
        match self {
            AttemptError::Retry { reason, .. }
            | AttemptError::Unauthorized(reason)
            | AttemptError::StaleToken(reason)
            | AttemptError::Fatal(reason) => reason,
        }
    }
}

/// Retries spent inside one attempt on the operation's behalf (minting the token it needed).
pub type Tally = Arc<AtomicU32>;

/// An operation's result and the retries it took.
pub struct Attempted<T> {
    pub result: Result<T, String>,
    pub retries: u32,
}

pub struct DriveClient {
    http: reqwest::Client,
    auth: DriveAuth,
    /// Ends with `/`, e.g. `https://www.googleapis.com/`.
    api_root: String,
    token: tokio::sync::Mutex<Option<AccessToken>>,
    on_token: Option<TokenObserver>,
    pub retry: RetryPolicy,
    /// The backoff is slept on; the factor only shrinks it in tests.
    backoff_scale: f64,
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
        let http = reqwest::Client::builder()
            .user_agent(concat!("bluedot/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(20).min(request_timeout))
            .read_timeout(request_timeout)
            .timeout(request_timeout * 4)
            .pool_max_idle_per_host(64)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {}", e.without_url()))?;
        let api_root = if api_root.ends_with('/') {
            api_root
        } else {
            format!("{api_root}/")
        };
        Ok(DriveClient {
            http,
            auth,
            api_root,
            token: tokio::sync::Mutex::new(None),
            on_token,
            retry: retry.scaled(backoff_scale),
            backoff_scale,
        })
    }

    pub fn auth(&self) -> &DriveAuth {
        &self.auth
    }

    /// Runs `op` until it succeeds, fails for good, or runs out of attempts. A 401 (the token
    /// was already dropped by [`Self::get`]) is retried once; a second 401 is final. `op` gets a
    /// tally to pass to `get`, so retries of a token request count for this operation.
    pub async fn retrying<T, F, Fut>(&self, what: &str, mut op: F) -> Attempted<T>
    where
        F: FnMut(Tally) -> Fut,
        Fut: std::future::Future<Output = Result<T, AttemptError>>,
    {
        let tally = Tally::default();
        let attempted = self.retrying_inner(what, || op(tally.clone())).await;
        Attempted {
            result: attempted.result,
            retries: attempted.retries + tally.load(Ordering::Relaxed),
        }
    }

    async fn retrying_inner<T, F, Fut>(&self, what: &str, mut op: F) -> Attempted<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, AttemptError>>,
    {
        let mut retries = 0;
        let mut refreshed = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let error = match op().await {
                Ok(value) => {
                    return Attempted {
                        result: Ok(value),
                        retries,
                    };
                }
                Err(error) => error,
            };
            match error {
                AttemptError::Fatal(reason) => {
                    return Attempted {
                        result: Err(reason),
                        retries,
                    };
                }
                AttemptError::StaleToken(reason) if attempt < self.retry.max_attempts => {
                    retries += 1;
                    tracing::info!("{what}: {reason}; retrying with the token already renewed");
                }
                AttemptError::StaleToken(reason) => {
                    return Attempted {
                        result: Err(format!("{reason} (gave up after {attempt} attempts)")),
                        retries,
                    };
                }
                AttemptError::Unauthorized(reason) => {
                    let can_refresh = matches!(self.auth, DriveAuth::ServiceAccount(_));
                    if refreshed || !can_refresh {
                        let detail = if refreshed {
                            " (again after a fresh token)"
                        } else {
                            ""
                        };
                        return Attempted {
                            result: Err(format!("{reason}{detail}; {}", self.auth.describe())),
                            retries,
                        };
                    }
                    refreshed = true;
                    retries += 1;
                    tracing::info!("{what}: {reason}; getting a fresh token");
                }
                AttemptError::Retry {
                    reason,
                    retry_after,
                } => {
                    if attempt >= self.retry.max_attempts {
                        return Attempted {
                            result: Err(format!("{reason} (gave up after {attempt} attempts)")),
                            retries,
                        };
                    }
                    let delay = self
                        .retry
                        .delay(retries, retry_after.map(|d| d.mul_f64(self.backoff_scale)));
                    retries += 1;
                    tracing::info!(
                        "{what}: {reason}; retry {retries} in {} ms",
                        delay.as_millis()
                    );
                    tokio::time::sleep(delay).await;
                }
            }
        }
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
            DriveAuth::ApiKey(key) => request = request.query(&[("key", key.expose())]),
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
        let body = response.bytes().await.unwrap_or_default();
        let error = classify(status.as_u16(), &body, retry_after);
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
        let token = minted.result.map_err(|reason| {
            AttemptError::Fatal(format!(
                "cannot get an access token for {}: {reason}",
                self.auth.describe()
            ))
        })?;
        if let Some(observer) = &self.on_token {
            observer(token.value.expose());
        }
        tracing::debug!("got an access token for {}", key.client_email);
        let value = token.value.clone();
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
        let body = response.bytes().await.map_err(transport_error)?;
        let parsed: Option<TokenResponse> = serde_json::from_slice(&body).ok();
        if (200..300).contains(&status) {
            return parsed.and_then(|r| r.into_token(received)).ok_or_else(|| {
                AttemptError::Fatal(format!(
                    "token endpoint answered {status} without an access_token"
                ))
            });
        }
        let (error, description) = parsed
            .map(|r| {
                (
                    r.error.unwrap_or_default(),
                    r.error_description.unwrap_or_default(),
                )
            })
            .unwrap_or_default();
        let reason = format!("{status} {error}: {description}");
        let transient = matches!(status, 408 | 429 | 500..=599)
            || matches!(
                error.as_str(),
                "internal_failure" | "server_error" | "temporarily_unavailable"
            );
        if transient {
            Err(AttemptError::Retry {
                reason,
                retry_after,
            })
        } else if error == "invalid_grant" && description.contains("short-lived") {
            Err(AttemptError::Fatal(format!(
                "{reason} (is this machine's clock right?)"
            )))
        } else {
            Err(AttemptError::Fatal(reason))
        }
    }
}

fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get(reqwest::header::RETRY_AFTER)?;
    let seconds: u64 = value.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds))
}

/// A transport failure (timeout, reset, truncated body) is worth another attempt.
pub fn transport_error(error: reqwest::Error) -> AttemptError {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "cannot connect"
    } else if error.is_body() || error.is_decode() {
        "body interrupted"
    } else {
        "transport error"
    };
    let error = error.without_url();
    let mut detail = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    AttemptError::Retry {
        reason: format!("{kind}: {detail}"),
        retry_after: None,
    }
}

/// Drive's reason for a non-2xx answer: `errors[0].reason`, else `status`, with `message`.
pub fn error_reason(status: u16, body: &[u8]) -> (String, String) {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let error = &json["error"];
    let reason = error["errors"][0]["reason"]
        .as_str()
        .or_else(|| error["status"].as_str())
        .unwrap_or("")
        .to_owned();
    let message = error["message"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| {
            String::from_utf8_lossy(&body[..body.len().min(200)])
                .trim()
                .to_owned()
        });
    let reason = if reason.is_empty() {
        format!("{status}")
    } else {
        format!("{status} {reason}")
    };
    (reason, message)
}

pub fn classify(status: u16, body: &[u8], retry_after: Option<Duration>) -> AttemptError {
    let (reason, message) = error_reason(status, body);
    let text = format!("{reason}: {message}");
    let rate_limited =
        reason.ends_with(" userRateLimitExceeded") || reason.ends_with(" rateLimitExceeded");
    match status {
        401 => AttemptError::Unauthorized(text),
        408 | 429 | 500..=599 => AttemptError::Retry {
            reason: text,
            retry_after,
        },
        403 if rate_limited => AttemptError::Retry {
            reason: text,
            retry_after,
        },
        _ => AttemptError::Fatal(text),
    }
}

impl std::fmt::Display for AttemptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.reason())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drive_reasons_decide_retry() {
        let body = |reason: &str| {
            format!(
                r#"{{"error":{{"code":403,"message":"m","errors":[{{"reason":"{reason}"}}]}}}}"#
            )
        };
        assert!(matches!(
            classify(403, body("rateLimitExceeded").as_bytes(), None),
            AttemptError::Retry { .. }
        ));
        assert!(matches!(
            classify(403, body("userRateLimitExceeded").as_bytes(), None),
            AttemptError::Retry { .. }
        ));
        let fatal = classify(403, body("insufficientFilePermissions").as_bytes(), None);
        assert_eq!(fatal.to_string(), "403 insufficientFilePermissions: m");
        assert!(matches!(fatal, AttemptError::Fatal(_)));
        assert!(matches!(classify(404, b"", None), AttemptError::Fatal(_)));
        assert!(matches!(classify(400, b"{}", None), AttemptError::Fatal(_)));
        assert!(matches!(
            classify(503, b"oops", None),
            AttemptError::Retry { .. }
        ));
        assert!(matches!(
            classify(429, b"", None),
            AttemptError::Retry { .. }
        ));
        assert!(matches!(
            classify(401, b"", None),
            AttemptError::Unauthorized(_)
        ));
    }

    #[test]
    fn reason_falls_back_to_status_then_message() {
        let (reason, message) = error_reason(
            400,
            br#"{"error":{"status":"INVALID_ARGUMENT","message":"bad q"}}"#,
        );
        assert_eq!(
            (reason.as_str(), message.as_str()),
            ("400 INVALID_ARGUMENT", "bad q")
        );
        let (reason, message) = error_reason(502, b"Bad Gateway");
        assert_eq!((reason.as_str(), message.as_str()), ("502", "Bad Gateway"));
    }

    #[test]
    fn backoff_is_capped_and_honours_retry_after() {
        let policy = RetryPolicy::default();
        for n in 0..30 {
            assert!(policy.delay(n, None) <= policy.cap);
        }
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(7200))),
            policy.max_retry_after
        );
    }
}
