//! What a failed request means: Drive's error reason, whether to try again, and how long to wait
//! (exponential backoff with full jitter, `Retry-After` honoured, capped).
//!
//! Messages never contain a URL, which can carry ids and query text the user did not choose
//! to publish: transport errors are stripped of theirs with `without_url()`.

use std::time::Duration;

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
    /// How long every request may fail, with no answer in between, before Drive is taken to be
    /// unreachable and the run stops asking (`outage.rs`).
    pub give_up_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base: Duration::from_secs(1),
            cap: Duration::from_secs(32),
            max_retry_after: Duration::from_secs(120),
            give_up_after: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// Full jitter: a uniform wait in [0, min(cap, base * 2^n)], or the server's `Retry-After`.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(after) = retry_after {
            return after.min(self.max_retry_after);
        }
        let window = self
            .base
            .saturating_mul(1u32 << retry.min(20))
            .min(self.cap);
        window.mul_f64(rand::random::<f64>())
    }

    /// Every wait, and the outage window, multiplied by `factor` (tests only: keeps fault tests
    /// fast).
    pub fn scaled(mut self, factor: f64) -> RetryPolicy {
        self.base = self.base.mul_f64(factor);
        self.cap = self.cap.mul_f64(factor);
        self.max_retry_after = self.max_retry_after.mul_f64(factor);
        self.give_up_after = self.give_up_after.mul_f64(factor);
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
    /// 400: Drive refused the request itself. Final, as `Fatal` is, but a caller that sent
    /// something Drive may stop accepting (a page token) can start over without it.
    BadRequest(String),
    /// Drive holds the file but hands it to no one but its owner: final, and the file is no
    /// failure of the run's (see [`FLAGGED_ABUSIVE`]).
    Withheld(String),
    /// Drive answered, but with less than was asked (a page marked `incompleteSearch`): asked
    /// again, as a failure is, but never counted toward an outage, since Drive is answering.
    /// What Drive `reported`, and its `consequence`, are said with how often it did.
    Incomplete {
        reported: String,
        consequence: String,
    },
}

/// Drive's reason for a download of a file it flags as malware or spam. Only the file's owner,
/// or an organizer of its shared drive, may still download it (with `acknowledgeAbuse`), so a
/// run treats it as a permanent skip (GOOGLE-DRIVE.txt line 56).
const FLAGGED_ABUSIVE: &str = "cannotDownloadAbusiveFile";

impl AttemptError {
    pub fn reason(&self) -> &str {
        match self {
            AttemptError::Retry { reason, .. }
            | AttemptError::Unauthorized(reason)
            | AttemptError::StaleToken(reason)
            | AttemptError::Fatal(reason)
            | AttemptError::BadRequest(reason)
            | AttemptError::Withheld(reason) => reason,
            AttemptError::Incomplete { reported, .. } => reported,
        }
    }
}

pub fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get(reqwest::header::RETRY_AFTER)?;
    parse_retry_after(value.to_str().ok()?, chrono::Utc::now())
}

/// `Retry-After` is either a number of seconds or an HTTP date (RFC 9110, 10.2.3), such as
/// `Wed, 21 Oct 2015 07:28:00 GMT`. A date already past is no hint: the backoff applies then,
/// rather than retrying at once against a server whose clock runs ahead of ours.
fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    (at.to_utc() - now)
        .to_std()
        .ok()
        .filter(|wait| !wait.is_zero())
}

/// A transport failure (timeout, reset, truncated body) is worth another attempt; a redirect
/// refused (to a host that is not Google's) would be refused again.
pub fn transport_error(error: reqwest::Error) -> AttemptError {
    let redirect = error.is_redirect();
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
        // hyper's causes often repeat the error above them word for word.
        let text = cause.to_string();
        if !detail.ends_with(&text) {
            detail.push_str(": ");
            detail.push_str(&text);
        }
        source = cause.source();
    }
    if redirect {
        return AttemptError::Fatal(detail);
    }
    AttemptError::Retry {
        reason: format!("{kind}: {detail}"),
        retry_after: None,
    }
}

/// Drive's reason for a non-2xx answer: `errors[0].reason`, else `status`, with `message`.
pub fn error_reason(status: u16, body: &[u8]) -> (String, String) {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let json = parsed.clone().unwrap_or_default();
    let error = &json["error"];
    let reason = error["errors"][0]["reason"]
        .as_str()
        .or_else(|| error["status"].as_str())
        .unwrap_or("")
        .to_owned();
    let message = match (error["message"].as_str(), &parsed) {
        // Drive's own words, within reason: an answer may be any length.
        (Some(message), _) => shortened(message, 300),
        // JSON without a message (`{}`, `null`) says nothing worth quoting.
        (None, Some(_)) => String::new(),
        (None, None) => String::from_utf8_lossy(&body[..body.len().min(200)])
            .trim()
            .to_owned(),
    };
    // Shown on a terminal and in logs: control characters (a carriage return, colour codes)
    // would overwrite or restyle what is shown.
    let message = crate::report::one_line(&message).into_owned();
    // A proxy's or a bare server's answer may carry no text at all.
    let message = match message.is_empty() {
        false => message,
        true => match reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
        {
            Some(phrase) => format!("{phrase} (no error text in the answer)"),
            None => "no error text in the answer".to_owned(),
        },
    };
    let reason = if reason.is_empty() {
        format!("{status}")
    } else {
        format!("{status} {reason}")
    };
    (reason, message)
}

/// `text` cut to `most` characters, marked where it was cut.
pub fn shortened(text: &str, most: usize) -> String {
    match text.char_indices().nth(most) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

pub fn classify(status: u16, body: &[u8], retry_after: Option<Duration>) -> AttemptError {
    let (reason, message) = error_reason(status, body);
    let text = format!("{reason}: {message}");
    let rate_limited =
        reason.ends_with(" userRateLimitExceeded") || reason.ends_with(" rateLimitExceeded");
    let flagged = reason.ends_with(&format!(" {FLAGGED_ABUSIVE}"));
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
        403 if flagged => AttemptError::Withheld(format!(
            "Google Drive flags this file as malware or spam ({reason}): only its owner, or an \
             organizer of its shared drive, can download it"
        )),
        400 => AttemptError::BadRequest(text),
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

    /// Drive's words go to a terminal and a log: a carriage return or a colour code in them
    /// would overwrite or restyle what a trader reads.
    #[test]
    fn control_characters_in_an_answer_are_spelled_out() {
        let body = br#"{"error":{"message":"denied\r\u001b[32mok: nothing failed\u0007"}}"#;
        let (_, message) = error_reason(403, body);
        assert_eq!(message, "denied\\r\\u{1b}[32mok: nothing failed\\u{7}");
    }

    #[test]
    fn an_answer_without_text_still_gives_a_reason() {
        assert_eq!(
            error_reason(416, b""),
            (
                "416".into(),
                "Range Not Satisfiable (no error text in the answer)".into()
            )
        );
        assert_eq!(
            error_reason(599, b"  "),
            ("599".into(), "no error text in the answer".into())
        );
        for json in [
            &b"{}"[..],
            b"null",
            br#"{"error":{}}"#,
            br#"{"error":"not_found"}"#,
        ] {
            let (_, message) = error_reason(404, json);
            assert_eq!(message, "Not Found (no error text in the answer)");
        }
        let long = format!(r#"{{"error":{{"message":"{}"}}}}"#, "x".repeat(200_000));
        let (_, message) = error_reason(403, long.as_bytes());
        assert_eq!(message.chars().count(), 301);
    }

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
        for reason in ["downloadQuotaExceeded", "fileNotDownloadable"] {
            assert!(matches!(
                classify(403, body(reason).as_bytes(), None),
                AttemptError::Fatal(_)
            ));
        }
        assert!(matches!(
            classify(403, body("cannotDownloadAbusiveFile").as_bytes(), None),
            AttemptError::Withheld(_)
        ));
        assert!(matches!(classify(404, b"", None), AttemptError::Fatal(_)));
        assert!(matches!(
            classify(400, b"{}", None),
            AttemptError::BadRequest(_)
        ));
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
    fn retry_after_is_read_as_seconds_or_as_an_http_date() {
        let now = chrono::DateTime::parse_from_rfc3339("2015-10-21T07:27:00Z")
            .unwrap()
            .to_utc();
        let cases = [
            ("120", Some(120)),
            (" 0 ", Some(0)),
            ("Wed, 21 Oct 2015 07:28:00 GMT", Some(60)),
            ("Wed, 21 Oct 2015 07:27:00 GMT", None),
            ("Wed, 21 Oct 2015 07:00:00 GMT", None),
            ("-5", None),
            ("soon", None),
        ];
        for (value, seconds) in cases {
            assert_eq!(
                parse_retry_after(value, now),
                seconds.map(Duration::from_secs),
                "Retry-After: {value}"
            );
        }
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
