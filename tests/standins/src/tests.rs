//! The stand-in refuses what Drive refuses: requests sent over a plain socket, as any client
//! would send them, against the answers Drive gives.

use crate::{DriveStandin, Options};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};

const KEY: &str = "AIzaSy-standin-unit-test-key";

fn keyed_standin() -> DriveStandin {
    DriveStandin::start(Options {
        api_key: Some(KEY.into()),
        ..Options::default()
    })
}

/// `pairs` as a query string, every byte but letters and digits percent-encoded.
fn query(pairs: &[(&str, &str)]) -> String {
    let encode = |text: &str| {
        text.bytes()
            .map(|b| match b.is_ascii_alphanumeric() {
                true => (b as char).to_string(),
                false => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// One HTTP/1.1 request; the answer's status and body.
fn send(
    standin: &DriveStandin,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<u8>) {
    let mut stream = std::net::TcpStream::connect(standin.addr()).unwrap();
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status = line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut length = 0;
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap();
        }
    }
    // The stand-in keeps the connection open: the body is read by its length.
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    (status, body)
}

fn get(standin: &DriveStandin, target: &str, headers: &[(&str, &str)]) -> (u16, Vec<u8>) {
    send(standin, "GET", target, headers, b"")
}

fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap()
}

/// Drive's `errors[0].reason`.
fn reason(body: &[u8]) -> String {
    json(body)["error"]["errors"][0]["reason"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn a_shared_drives_items_are_hidden_from_requests_that_do_not_support_them() {
    let standin = keyed_standin();
    let key = [("x-goog-api-key", KEY)];
    let team = standin.folder(&standin.root(), "team");
    let chart = standin.file(&team, "A_daily.json", "{}");
    standin.put_in_shared_drive(&team, "0AteamDrive");
    // Created in the drive's folder, so in the drive.
    standin.file(&team, "B_daily.json", "{}");
    let mine = standin.file(&standin.root(), "MINE_daily.json", "{}");

    let listed = |parent: &str, flags: &[(&str, &str)]| {
        let q = format!("'{parent}' in parents and trashed = false");
        let mut pairs = vec![("q", q.as_str()), ("fields", "files(name,driveId)")];
        pairs.extend_from_slice(flags);
        let (status, body) = get(
            &standin,
            &format!("/drive/v3/files?{}", query(&pairs)),
            &key,
        );
        assert_eq!(status, 200);
        json(&body)["files"].clone()
    };
    let supports = ("supportsAllDrives", "true");
    let includes = ("includeItemsFromAllDrives", "true");
    for flags in [
        &[][..],
        &[supports],
        &[includes],
        &[supports, ("includeItemsFromAllDrives", "false")],
    ] {
        assert_eq!(listed(&team, flags), serde_json::json!([]), "{flags:?}");
    }
    assert_eq!(
        listed(&team, &[supports, includes]),
        serde_json::json!([
            {"name": "A_daily.json", "driveId": "0AteamDrive"},
            {"name": "B_daily.json", "driveId": "0AteamDrive"},
        ])
    );
    // Without the flags, a My Drive folder lists its own items and not the shared drive's.
    let root = standin.root();
    assert_eq!(
        listed(&root, &[]),
        serde_json::json!([{"name": "MINE_daily.json"}])
    );

    let file = |id: &str, pairs: &[(&str, &str)]| {
        get(
            &standin,
            &format!("/drive/v3/files/{id}?{}", query(pairs)),
            &key,
        )
    };
    for alt in ["json", "media"] {
        let (status, body) = file(&chart, &[("alt", alt), ("fields", "id,driveId")]);
        assert_eq!(
            (status, reason(&body).as_str()),
            (404, "notFound"),
            "alt={alt}"
        );
        let (status, _) = file(&chart, &[("alt", alt), ("fields", "id"), supports]);
        assert_eq!(status, 200, "alt={alt}");
        assert_eq!(file(&mine, &[("alt", alt), ("fields", "id")]).0, 200);
    }
    let (_, body) = file(&chart, &[("fields", "id,driveId"), supports]);
    assert_eq!(
        json(&body),
        serde_json::json!({"id": chart, "driveId": "0AteamDrive"})
    );
}

/// A JWT-bearer assertion for `scope`, signed with the test key as google-auth signs one.
fn assertion(standin: &DriveStandin, scope: &str) -> String {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let der: String = crate::TEST_PRIVATE_KEY_PEM
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    let key = ring::signature::RsaKeyPair::from_pkcs8(&STANDARD.decode(der).unwrap()).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = serde_json::json!({
        "iss": crate::CLIENT_EMAIL,
        "scope": scope,
        "aud": format!("http://{}/token", standin.addr()),
        "iat": now,
        "exp": now + 3600,
    });
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        signed.as_bytes(),
        &mut signature,
    )
    .unwrap();
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// The token endpoint's answer to a grant of `scope`.
fn token_for(standin: &DriveStandin, scope: &str) -> (u16, Value) {
    let jwt = assertion(standin, scope);
    let form = query(&[
        ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
        ("assertion", &jwt),
    ]);
    let content_type = [("Content-Type", "application/x-www-form-urlencoded")];
    let (status, body) = send(standin, "POST", "/token", &content_type, form.as_bytes());
    (status, json(&body))
}

const DRIVE: &str = "https://www.googleapis.com/auth/drive";

/// `Bearer <token>` for a token granted `scope`.
fn bearer(standin: &DriveStandin, scope: &str) -> String {
    let (status, token) = token_for(standin, scope);
    assert_eq!(status, 200, "{scope}: {token}");
    format!("Bearer {}", token["access_token"].as_str().unwrap())
}

/// A token's scopes decide what it may do: the metadata scopes list and read metadata but
/// download nothing (GOOGLE-DRIVE.txt line 108), and only scopes Drive has are granted.
#[test]
fn a_metadata_only_token_lists_but_cannot_download() {
    let standin = keyed_standin();
    let root = standin.root();
    let chart = standin.file(&root, "A_daily.json", "{}");
    let doc = standin.google_doc(&root, "notes", "application/vnd.google-apps.document", "hi");
    let in_root = format!("'{root}' in parents");
    let list = format!("/drive/v3/files?{}", query(&[("q", &in_root)]));
    let metadata = format!("/drive/v3/files/{chart}");
    let media = format!("/drive/v3/files/{chart}?alt=media");
    let export = format!("/drive/v3/files/{doc}/export?mimeType=text%2Fplain");
    // The status of a list, a files.get, a download and an export, with Drive's reason if any.
    let answers = |auth: (&str, &str)| {
        [&list, &metadata, &media, &export].map(|target| {
            let (status, body) = get(&standin, target, &[auth]);
            (
                status,
                if status == 200 {
                    String::new()
                } else {
                    reason(&body)
                },
            )
        })
    };
    let ok = || (200, String::new());
    let refused = || (403, "insufficientPermissions".to_owned());
    for scope in ["metadata.readonly", "metadata", "file"] {
        let token = bearer(&standin, &format!("{DRIVE}.{scope}"));
        assert_eq!(
            answers(("Authorization", &token)),
            [ok(), ok(), refused(), refused()],
            "drive.{scope}"
        );
    }
    let metadata_only = bearer(&standin, &format!("{DRIVE}.metadata.readonly"));
    let (_, body) = get(&standin, &media, &[("Authorization", &metadata_only)]);
    assert_eq!(
        json(&body)["error"]["message"],
        "Request had insufficient authentication scopes."
    );
    let readonly = format!("{DRIVE}.readonly");
    let both = format!("{DRIVE}.metadata.readonly {readonly}");
    for scope in [DRIVE, &readonly, &both] {
        let token = bearer(&standin, scope);
        assert_eq!(
            answers(("Authorization", &token)),
            [ok(), ok(), ok(), ok()],
            "{scope}"
        );
    }
    // An API key reads what anyone may: no scope applies to it.
    assert_eq!(answers(("x-goog-api-key", KEY)), [ok(), ok(), ok(), ok()]);

    // Scopes are matched whole: a longer or shorter name is no Drive scope, nor is none at all.
    let refusal = serde_json::json!({
        "error": "invalid_scope",
        "error_description": "Invalid OAuth scope or ID token audience provided."
    });
    let longer = format!("{readonly}.all");
    for scope in [&longer, "https://www.googleapis.com/auth/driv", ""] {
        assert_eq!(
            token_for(&standin, scope),
            (400, refusal.clone()),
            "{scope:?}"
        );
    }
}

/// The token endpoint's errors are OAuth's (GOOGLE-DRIVE.txt line 64), its own refusals and the
/// faults that stand for its failures alike: a client reading them as Drive's would miss their
/// names, which say whether to try again.
#[test]
fn the_token_endpoint_answers_errors_in_oauths_shape() {
    let standin = keyed_standin();
    let form = query(&[("grant_type", "password"), ("username", "someone")]);
    let (status, body) = send(&standin, "POST", "/token", &[], form.as_bytes());
    assert_eq!(status, 400);
    assert_eq!(json(&body)["error"], "unsupported_grant_type");
    standin.inject(
        crate::Target::Token,
        [
            crate::Fault::ServerError(503),
            crate::Fault::TooManyRequests { retry_after: 1 },
        ],
    );
    let scope = format!("{DRIVE}.readonly");
    for (status, error) in [(503, "internal_failure"), (429, "temporarily_unavailable")] {
        let (got, body) = token_for(&standin, &scope);
        assert_eq!(got, status);
        assert_eq!(body["error"], error, "{body}");
        assert!(body["error_description"].is_string(), "{body}");
    }
    assert_eq!(token_for(&standin, &scope).0, 200);
}
