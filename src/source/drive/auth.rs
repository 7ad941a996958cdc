//! Credentials for Drive: a service-account key exchanged for an OAuth token (RS256 JWT-bearer,
//! signed with `ring`), or an API key sent in the `x-goog-api-key` header.
//!
//! Nothing in here prints a secret: [`Secret`] redacts itself in `Debug`, errors never quote the
//! key or the token, and the token endpoint's URL carries no secret.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Deserialize;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Read-only access to file content; `drive.metadata.readonly` could not download.
pub const DRIVE_READONLY_SCOPE: &str = "https://www.googleapis.com/auth/drive.readonly";
/// Fewer characters than this is no API key (Google's have 39).
const SHORTEST_API_KEY: usize = 20;
/// A token is replaced this long before Google says it expires, or half its lifetime before
/// if that is shorter: a token given for less than this would otherwise be replaced before
/// every request.
const REFRESH_EARLY: Duration = Duration::from_secs(5 * 60);
/// `iat` is back-dated so a runner whose clock runs a little fast is not refused.
const CLOCK_SKEW: u64 = 30;
/// Google accepts assertions valid for at most an hour.
const ASSERTION_LIFETIME: u64 = 3600;

/// A string that must never be printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    /// The value itself, for the request that needs it and for `::add-mask::`.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// How requests to Drive are authorised.
#[derive(Clone, Debug)]
pub enum DriveAuth {
    ServiceAccount(Arc<ServiceAccountKey>),
    /// Reads only what is shared with "anyone with the link".
    ApiKey(Secret),
}

/// The parts of a service-account key file the token exchange needs.
pub struct ServiceAccountKey {
    pub client_email: String,
    pub token_uri: String,
    pub private_key_id: Option<String>,
    key_pair: ring::signature::RsaKeyPair,
    /// Every form of the key that would reveal it if printed (see [`DriveAuth::secrets`]).
    secrets: Vec<Secret>,
}

impl fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountKey")
            .field("client_email", &self.client_email)
            .field("token_uri", &self.token_uri)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct KeyFile {
    #[serde(rename = "type")]
    kind: Option<String>,
    client_email: Option<String>,
    token_uri: Option<String>,
    private_key: Option<String>,
    private_key_id: Option<String>,
}

impl DriveAuth {
    /// The credential a Drive source uses: the service-account key when one is given, else the
    /// API key; `None` when neither is. Callers say so when both are given, since the key is
    /// then not used.
    pub fn chosen(
        credentials: Option<&str>,
        api_key: Option<&str>,
    ) -> Option<Result<DriveAuth, String>> {
        match (credentials, api_key) {
            (Some(credentials), _) => Some(DriveAuth::service_account(credentials)),
            (None, Some(key)) => Some(DriveAuth::api_key(key)),
            (None, None) => None,
        }
    }

    /// Parses service-account credentials given as raw JSON, base64 of the JSON, or a path to a
    /// JSON file. Error messages never quote the input, which may be the key itself.
    pub fn service_account(input: &str) -> Result<DriveAuth, String> {
        let trimmed = input.trim();
        let mut raw_forms = vec![Secret::new(trimmed)];
        let json: String = if trimmed.starts_with('{') {
            trimmed.to_owned()
        } else if let Some(decoded) = decode_base64_json(trimmed) {
            decoded
        } else {
            let path = std::path::Path::new(trimmed);
            match std::fs::read_to_string(path) {
                Ok(text) => {
                    // A path is not secret; its content is.
                    raw_forms = Vec::new();
                    match decode_base64_json(text.trim()) {
                        Some(decoded) if !text.trim().starts_with('{') => decoded,
                        _ => text,
                    }
                }
                Err(_) => {
                    return Err(
                        "Google credentials are neither service-account JSON, base64 of it, nor a readable file path"
                            .into(),
                    );
                }
            }
        };
        let key: KeyFile = serde_json::from_str(&json).map_err(|e| {
            format!(
                "Google credentials are not valid service-account JSON (line {}, column {})",
                e.line(),
                e.column()
            )
        })?;
        if let Some(kind) = key.kind.as_deref().filter(|k| *k != "service_account") {
            return Err(format!(
                "Google credentials have type {kind:?}; a service-account key (type \"service_account\") is required"
            ));
        }
        let missing = |field: &str| format!("Google service-account key has no {field}");
        let client_email = key.client_email.ok_or_else(|| missing("client_email"))?;
        let token_uri = key.token_uri.ok_or_else(|| missing("token_uri"))?;
        check_token_uri(&token_uri)?;
        let pem = key.private_key.ok_or_else(|| missing("private_key"))?;
        let der = pem_to_der(&pem).ok_or_else(|| {
            "Google service-account private_key is not a PEM \"PRIVATE KEY\" block".to_owned()
        })?;
        let key_pair = ring::signature::RsaKeyPair::from_pkcs8(&der).map_err(|e| {
            format!("Google service-account private_key is not a usable PKCS#8 RSA key ({e})")
        })?;

        let mut secrets = raw_forms;
        secrets.push(Secret::new(json.trim()));
        // As the key appears inside printed JSON: one line with `\n` escapes.
        secrets.push(Secret::new(
            serde_json::Value::from(pem.as_str()).to_string(),
        ));
        secrets.push(Secret::new(pem.trim()));
        secrets.push(Secret::new(STANDARD.encode(json.trim())));
        secrets.extend(key.private_key_id.clone().map(Secret::new));
        Ok(DriveAuth::ServiceAccount(Arc::new(ServiceAccountKey {
            client_email,
            token_uri,
            private_key_id: key.private_key_id,
            key_pair,
            secrets,
        })))
    }

    pub fn api_key(key: &str) -> Result<DriveAuth, String> {
        let key = key.trim();
        // It travels in an HTTP header, which holds visible ASCII only (as every key Google
        // issues is).
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_graphic()) {
            return Err(
                "Google API key is empty or holds a space, control or non-ASCII character".into(),
            );
        }
        // Google's keys are 39 characters. A short one is some other value, and a secret of a
        // few characters cannot be kept out of logs: masking it would blank those characters
        // wherever they appear, and they would still show through in other spellings.
        if key.len() < SHORTEST_API_KEY {
            return Err(format!(
                "Google API key is {} characters long, too short to be one (Google's are 39): check the value given",
                key.len()
            ));
        }
        Ok(DriveAuth::ApiKey(Secret::new(key)))
    }

    /// Strings to mask in runner logs (`::add-mask::`), one line each: the key material in every
    /// form it was given, or the API key. Tokens are reported as they are minted
    /// (`DriveConfig::on_token`).
    pub fn secrets(&self) -> Vec<String> {
        match self {
            DriveAuth::ServiceAccount(key) => {
                let mut lines: Vec<String> = Vec::new();
                // Runners mask line by line, so multi-line forms are masked per line; short or
                // public lines (`{`, PEM armour) would mask harmless text everywhere.
                for line in key.secrets.iter().flat_map(|s| s.expose().lines()) {
                    let line = line.trim();
                    if line.len() >= 16
                        && !line.starts_with("-----")
                        && !lines.iter().any(|l| l == line)
                    {
                        lines.push(line.to_owned());
                    }
                }
                lines
            }
            DriveAuth::ApiKey(key) => vec![key.expose().to_owned()],
        }
    }

    /// For error messages: which identity made a request that was refused.
    pub fn describe(&self) -> String {
        match self {
            DriveAuth::ServiceAccount(key) => format!("service account {}", key.client_email),
            DriveAuth::ApiKey(_) => {
                "API key (sees only files shared with anyone with the link)".into()
            }
        }
    }
}

fn decode_base64_json(text: &str) -> Option<String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = STANDARD
        .decode(&compact)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(&compact))
        .ok()?;
    let decoded = String::from_utf8(bytes).ok()?;
    decoded.trim_start().starts_with('{').then_some(decoded)
}

fn pem_to_der(pem: &str) -> Option<Vec<u8>> {
    let begin = "-----BEGIN PRIVATE KEY-----";
    let end = "-----END PRIVATE KEY-----";
    let start = pem.find(begin)? + begin.len();
    let stop = start + pem[start..].find(end)?;
    let body: String = pem[start..stop]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    STANDARD.decode(body).ok()
}

impl ServiceAccountKey {
    /// A signed JWT-bearer assertion for `scope`, valid from `now - skew` for an hour.
    pub fn assertion(&self, scope: &str, now: SystemTime) -> Result<String, String> {
        let now = now
            .duration_since(UNIX_EPOCH)
            .map_err(|_| "system clock is before 1970")?
            .as_secs();
        let iat = now.saturating_sub(CLOCK_SKEW);
        let mut header = serde_json::json!({ "alg": "RS256", "typ": "JWT" });
        if let Some(kid) = &self.private_key_id {
            header["kid"] = kid.clone().into();
        }
        let claims = serde_json::json!({
            "iss": self.client_email,
            "scope": scope,
            "aud": self.token_uri,
            "iat": iat,
            "exp": iat + ASSERTION_LIFETIME,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; self.key_pair.public().modulus_len()];
        self.key_pair
            .sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| "cannot sign the token request with the service-account key")?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }
}

/// An access token and when to stop using it.
#[derive(Clone, Debug)]
pub struct AccessToken {
    pub value: Secret,
    pub refresh_at: std::time::Instant,
}

/// The token endpoint's answer. `expires_in` arrives as a number or a string.
#[derive(Deserialize)]
pub struct TokenResponse {
    pub access_token: Option<String>,
    pub expires_in: Option<serde_json::Value>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

impl TokenResponse {
    pub fn into_token(self, received: std::time::Instant) -> Option<AccessToken> {
        let lifetime = match &self.expires_in {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
        .unwrap_or(3600);
        let lifetime = Duration::from_secs(lifetime);
        let usable = lifetime - REFRESH_EARLY.min(lifetime / 2);
        // A token is sent as `Authorization: Bearer <token>`: one that cannot be (a line break,
        // a control character) is no token, and would fail every request as a "transport error".
        let sendable = |t: &String| !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic());
        Some(AccessToken {
            value: Secret::new(self.access_token.filter(sendable)?),
            refresh_at: received + usable,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("ya29.very-secret");
        assert!(!format!("{secret:?}").contains("very-secret"));
        let auth = DriveAuth::api_key("AIzaSECRET-0123456789").unwrap();
        assert!(!format!("{auth:?}").contains("AIzaSECRET"));
        assert_eq!(auth.secrets(), vec!["AIzaSECRET-0123456789".to_owned()]);
    }

    #[test]
    fn an_api_key_must_fit_in_a_header() {
        assert!(DriveAuth::api_key(" AIzaSy-ok_Key-0123456789 \n").is_ok());
        for bad in ["", "AIza key", "AIza\u{7}key", "AIzaSy-clé"] {
            let err = DriveAuth::api_key(bad).unwrap_err();
            assert!(err.contains("API key is empty or holds"), "{err}");
        }
        let err = DriveAuth::api_key("AIza-k").unwrap_err();
        assert!(
            err.contains("API key is 6 characters long, too short"),
            "{err}"
        );
        assert!(!err.contains("AIza-k"), "{err}");
    }

    #[test]
    fn bad_credentials_do_not_echo_the_input() {
        let err = DriveAuth::service_account("{\"private_key\": \"TOPSECRET\"").unwrap_err();
        assert!(!err.contains("TOPSECRET"), "{err}");
        let err = DriveAuth::service_account("TOPSECRET-not-a-path").unwrap_err();
        assert!(!err.contains("TOPSECRET"), "{err}");
    }

    #[test]
    fn expires_in_as_string_or_number() {
        let now = std::time::Instant::now();
        for raw in [
            r#"{"access_token":"t","expires_in":"3599"}"#,
            r#"{"access_token":"t","expires_in":3599}"#,
        ] {
            let response: TokenResponse = serde_json::from_str(raw).unwrap();
            let token = response.into_token(now).unwrap();
            assert_eq!(token.refresh_at - now, Duration::from_secs(3599 - 300));
        }
    }

    #[test]
    fn a_short_lived_token_is_replaced_half_way_through_its_life() {
        let now = std::time::Instant::now();
        let usable_ms = [
            (600, 300_000),
            (400, 200_000),
            (60, 30_000),
            (1, 500),
            (0, 0),
        ];
        for (expires_in, usable_ms) in usable_ms {
            let raw = format!(r#"{{"access_token":"t","expires_in":{expires_in}}}"#);
            let response: TokenResponse = serde_json::from_str(&raw).unwrap();
            let token = response.into_token(now).unwrap();
            let usable = Duration::from_millis(usable_ms);
            assert_eq!(token.refresh_at - now, usable, "expires_in {expires_in}");
        }
    }
}

/// The token endpoint receives a signed assertion that buys tokens for up to an hour: it goes
/// over https only (Google's is `https://oauth2.googleapis.com/token`), or to a stand-in on this
/// machine. A key file edited to name another endpoint is refused before anything is sent.
fn check_token_uri(token_uri: &str) -> Result<(), String> {
    let url = reqwest::Url::parse(token_uri)
        .map_err(|_| "Google service-account key's token_uri is not a URL".to_owned())?;
    if url.scheme() == "https" || super::is_loopback_http(&url) {
        return Ok(());
    }
    Err(format!(
        "Google service-account key's token_uri ({}) is not https: the signed assertion would \
         travel unencrypted; Google's is https://oauth2.googleapis.com/token",
        url.origin().ascii_serialization()
    ))
}

#[cfg(test)]
mod key_tests {
    use super::*;

    const TEST_KEY: &str =
        include_str!("../../../tests/standins/TEST-ONLY-service-account-key.pem");

    fn key_json() -> String {
        serde_json::json!({
            "type": "service_account",
            "private_key_id": "abcdef0123456789abcdef",
            "private_key": TEST_KEY,
            "client_email": "x@y.iam.gserviceaccount.com",
            "token_uri": "https://oauth2.googleapis.com/token",
        })
        .to_string()
    }

    #[test]
    fn raw_base64_and_file_forms_parse_and_every_key_line_is_masked() {
        let json = key_json();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.json");
        std::fs::write(&path, &json).unwrap();
        for input in [
            json.clone(),
            STANDARD.encode(&json),
            path.display().to_string(),
        ] {
            let auth = DriveAuth::service_account(&input).unwrap();
            let secrets = auth.secrets();
            for line in TEST_KEY.lines().filter(|l| !l.starts_with("-----")) {
                assert!(secrets.iter().any(|s| s == line.trim()), "{line} unmasked");
            }
            assert!(secrets.iter().all(|s| s.len() >= 16));
            assert!(!format!("{auth:?}").contains(&TEST_KEY[40..80]));
        }
    }

    /// The assertion buys tokens: an endpoint reached in clear text, off this machine, is
    /// refused before anything is signed or sent.
    #[test]
    fn a_token_uri_without_https_off_this_machine_is_refused() {
        let with_uri = |uri: &str| key_json().replace("https://oauth2.googleapis.com/token", uri);
        for uri in [
            "http://192.0.2.2:8080/token",
            "http://oauth2.googleapis.com/token",
            "ftp://127.0.0.1/token",
            "not a url",
        ] {
            let refused = DriveAuth::service_account(&with_uri(uri)).unwrap_err();
            assert!(refused.contains("token_uri"), "{uri}: {refused}");
            assert!(!refused.contains(&TEST_KEY[40..80]), "{uri}: {refused}");
        }
        for uri in [
            "https://oauth2.googleapis.com/token",
            "http://127.0.0.1:4000/token",
            "http://[::1]:4000/token",
            "http://localhost/token",
        ] {
            assert!(DriveAuth::service_account(&with_uri(uri)).is_ok(), "{uri}");
        }
    }

    #[test]
    fn assertion_has_the_claims_google_requires() {
        let DriveAuth::ServiceAccount(key) = DriveAuth::service_account(&key_json()).unwrap()
        else {
            unreachable!()
        };
        let now = SystemTime::now();
        let jwt = key.assertion(DRIVE_READONLY_SCOPE, now).unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["kid"], "abcdef0123456789abcdef");
        assert_eq!(claims["aud"], "https://oauth2.googleapis.com/token");
        assert_eq!(claims["scope"], DRIVE_READONLY_SCOPE);
        let unix = now.duration_since(UNIX_EPOCH).unwrap().as_secs();
        let iat = claims["iat"].as_u64().unwrap();
        assert!(
            iat <= unix && unix - iat <= 60,
            "iat is back-dated for clock skew only a little"
        );
        assert_eq!(claims["exp"].as_u64().unwrap() - iat, 3600);
    }
}
