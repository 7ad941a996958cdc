//! The token endpoint: an RS256 JWT-bearer assertion signed by the test key, with the claims
//! Google requires, buys an access token.

use crate::http::{Reply, Request, parse_form};
use crate::server::{fault_reply, take_fault};
use crate::{Fault, Granted, State, Target};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::Rng;
use ring::signature::{KeyPair, RSA_PKCS1_2048_8192_SHA256, RsaKeyPair, UnparsedPublicKey};
use serde_json::json;
use std::time::{SystemTime, UNIX_EPOCH};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The DER public key of a PKCS#8 PEM private key.
pub fn public_key(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<String>()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = STANDARD.decode(body).expect("test key is base64");
    let pair = RsaKeyPair::from_pkcs8(&der).expect("test key is PKCS#8 RSA");
    pair.public_key().as_ref().to_vec()
}

/// `POST /token`: a JWT-bearer grant verified, then a fresh access token.
pub fn endpoint(state: &State, request: &Request) -> Reply {
    let fault = take_fault(state, Target::Token);
    let form = parse_form(&String::from_utf8_lossy(&request.body));
    let assertion = form.get("assertion").cloned().unwrap_or_default();
    if let Some(reply) = fault
        .as_ref()
        .and_then(|f| failure_reply(f).or_else(|| fault_reply(state, f, None, &assertion, "")))
    {
        return reply;
    }
    let refuse = |error: &str, description: String| {
        state
            .inner
            .lock()
            .expect("state")
            .stats
            .token_rejections
            .push(description.clone());
        Reply::oauth_error(400, error, &description)
    };
    let invalid = |description: String| refuse("invalid_grant", description);
    if form.get("grant_type").map(String::as_str) != Some(JWT_BEARER) {
        // RFC 6749, 5.2: a grant type the server does not support.
        return refuse(
            "unsupported_grant_type",
            format!("unsupported grant_type {:?}", form.get("grant_type")),
        );
    }
    let scope = match verify(
        &assertion,
        &state.public_key,
        &state.token_uri,
        crate::CLIENT_EMAIL,
        now(),
    ) {
        Ok(scope) => scope,
        Err(problem) => return invalid(problem),
    };
    let Some(scopes) = granted(&scope) else {
        // Google's answer to a scope it does not know, word for word (as quoted in
        // oneduo/laravel-recaptcha-enterprise#10).
        let description = "Invalid OAuth scope or ID token audience provided.";
        return refuse("invalid_scope", description.into());
    };
    let token = format!("ya29.standin-{:032x}", rand::rng().random::<u128>());
    let mut inner = state.inner.lock().expect("state");
    let lifetime = state.options.token_lifetime;
    let expires = std::time::Instant::now() + lifetime;
    inner
        .tokens
        .insert(token.clone(), Granted { scopes, expires });
    inner.issued.push(token.clone());
    inner.stats.token_grants += 1;
    Reply::json(
        200,
        json!({"access_token": token, "expires_in": lifetime.as_secs(), "token_type": "Bearer"}),
    )
}

/// The faults that stand for the endpoint failing, in its own error shape: a server error or
/// an overload, named as google-auth's retry rule names them (GOOGLE-DRIVE.txt line 104; which
/// name Google gives which status is not documented).
fn failure_reply(fault: &Fault) -> Option<Reply> {
    Some(match fault {
        Fault::ServerError(status) => {
            Reply::oauth_error(*status, "internal_failure", "Backend Error")
        }
        Fault::TooManyRequests { retry_after } => {
            let mut reply =
                Reply::oauth_error(429, "temporarily_unavailable", "Rate limit exceeded");
            reply
                .headers
                .push(("Retry-After".into(), retry_after.to_string()));
            reply
        }
        _ => return None,
    })
}

/// The Drive scopes a token may be granted (Drive v3's discovery document): each matched
/// exactly, as Google matches them, so a misspelt or invented one is refused.
pub const DRIVE_SCOPES: &[&str] = &[
    "https://www.googleapis.com/auth/drive",
    "https://www.googleapis.com/auth/drive.readonly",
    "https://www.googleapis.com/auth/drive.metadata.readonly",
    "https://www.googleapis.com/auth/drive.metadata",
    "https://www.googleapis.com/auth/drive.file",
];

/// The scopes that let a token download content: the metadata ones do not (GOOGLE-DRIVE.txt
/// line 108), and `drive.file` reaches only what the app itself created or opened, none of the
/// stand-in's files.
const CONTENT_SCOPES: &[&str] = &[
    "https://www.googleapis.com/auth/drive",
    "https://www.googleapis.com/auth/drive.readonly",
];

/// The scopes of a `scope` claim (space-separated), if every one is a Drive scope. Google
/// grants other services' scopes too; the stand-in serves Drive alone and refuses them.
fn granted(scope: &str) -> Option<Vec<String>> {
    let scopes: Vec<String> = scope
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let known = scopes.iter().all(|s| DRIVE_SCOPES.contains(&s.as_str()));
    (known && !scopes.is_empty()).then_some(scopes)
}

/// Whether a token of `scopes` may download a file's content (`alt=media`, export).
pub fn can_download(scopes: &[String]) -> bool {
    scopes.iter().any(|s| CONTENT_SCOPES.contains(&s.as_str()))
}

pub const GOOGLE_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The `scope` claim when `assertion` is a valid grant for `token_uri`; `Err` names the first
/// problem.
pub fn verify(
    assertion: &str,
    public_key: &[u8],
    token_uri: &str,
    client_email: &str,
    now: u64,
) -> Result<String, String> {
    let parts: Vec<&str> = assertion.split('.').collect();
    let [header, claims, signature] = parts.as_slice() else {
        return Err("assertion is not a three-part JWT".into());
    };
    let decode = |part: &str, what: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| format!("{what} is not base64url without padding"))
    };
    let header: serde_json::Value = serde_json::from_slice(&decode(header, "header")?)
        .map_err(|_| "header is not JSON".to_owned())?;
    if header["alg"] != "RS256" {
        return Err(format!("alg must be RS256, got {}", header["alg"]));
    }
    let signed = &assertion[..assertion.rfind('.').expect("three parts")];
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public_key)
        .verify(signed.as_bytes(), &decode(signature, "signature")?)
        .map_err(|_| "Invalid JWT Signature.".to_owned())?;
    let claims: serde_json::Value = serde_json::from_slice(&decode(claims, "claims")?)
        .map_err(|_| "claims are not JSON".to_owned())?;
    if claims["iss"] != client_email {
        return Err(format!("iss {} is not the service account", claims["iss"]));
    }
    // google-auth always signs for Google's canonical token URL, whatever token_uri says
    // (service_account.py: "aud": _GOOGLE_OAUTH2_TOKEN_ENDPOINT); Google accepts it, and so
    // does the stand-in. Anything else must be this endpoint's own URI.
    if claims["aud"] != token_uri && claims["aud"] != GOOGLE_TOKEN_URI {
        return Err(format!("aud {} is not the token URI", claims["aud"]));
    }
    let (Some(iat), Some(exp)) = (claims["iat"].as_u64(), claims["exp"].as_u64()) else {
        return Err("iat and exp must be integers".into());
    };
    if exp <= iat || exp - iat > 3600 {
        return Err("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values".into());
    }
    if iat > now + 60 || exp <= now {
        return Err("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.".into());
    }
    Ok(claims["scope"].as_str().unwrap_or("").to_owned())
}
