//! Tokens: refresh on 401, refused grants, and secrets that never reach any output.

use super::{DAY, ONE_AT_A_TIME, drive, drive_with, name, outcomes, process, retries};
use crate::harness::{WorkDir, bluedot, file_entry, report, run, tree};
use standins::{Fault, Options, Target};
use std::path::Path;
use std::process::Output;
use std::time::Duration;

#[test]
fn a_revoked_token_is_refreshed_once() {
    let d = drive(100, 4);
    d.standin
        .inject(Target::Media(name(0)), [Fault::ExpiredToken]);
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(&d, &out, &ONE_AT_A_TIME, &[]);
    assert_eq!(output.status.code(), Some(0));
    let first = report(&out);
    assert_eq!(outcomes(&first), (4, 0, 0));
    assert_eq!(retries(&first, &name(0)), 1);
    assert_eq!(d.standin.stats().token_grants, 2);
    assert!(d.standin.stats().token_rejections.is_empty());

    // A second 401 right after a fresh token is final, not a loop.
    let d = drive(100, 2);
    d.standin.inject(
        Target::Media(name(0)),
        [Fault::ExpiredToken, Fault::ExpiredToken],
    );
    let out = work.join("twice");
    let output = process(&d, &out, &ONE_AT_A_TIME, &[]);
    assert_eq!(output.status.code(), Some(1));
    let report = report(&out);
    let reason = file_entry(&report, &name(0))["reason"].as_str().unwrap();
    assert!(
        reason.contains("401 authError") && reason.contains("again after a fresh token"),
        "{reason}"
    );
    assert_eq!(file_entry(&report, &name(1))["outcome"], "ok");
}

/// A run can outlive a token (Google's last an hour): it is replaced before the stand-in stops
/// taking it, half-way through its life when that is sooner than five minutes before its end,
/// and not before every request.
#[test]
fn a_token_is_replaced_before_it_expires() {
    // 4-second tokens, replaced after 2 s. 43 requests one at a time, 100 ms each: about 4.5 s.
    let d = drive_with(
        Options {
            latency: Duration::from_millis(100),
            token_lifetime: Duration::from_secs(4),
            ..Options::default()
        },
        40,
    );
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(&d, &out, &ONE_AT_A_TIME, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let report = report(&out);
    assert_eq!(outcomes(&report), (40, 0, 0));
    let stats = d.standin.stats();
    assert_eq!(
        (stats.expired_tokens, stats.unauthorized),
        (0, 0),
        "{stats:?}"
    );
    // About one token per 2 s of run: 3 here, more on a slow host, and one per request (44)
    // if short tokens were renewed before every request.
    assert!((2..10).contains(&stats.token_grants), "{stats:?}");
    assert!((0..40).all(|i| retries(&report, &name(i)) == 0));
}

#[test]
fn a_key_the_token_endpoint_rejects_stops_the_run_clearly() {
    let d = drive(100, 1);
    // The right key under another account's name: the signature is fine, the issuer is not.
    let creds = d.standin.credentials_json().replace(
        standins::CLIENT_EMAIL,
        "someone-else@standin.iam.gserviceaccount.com",
    );
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(
        &d,
        &out,
        &["--date", DAY],
        &[("GOOGLE_CREDENTIALS", creds.as_str())],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot get an access token") && stderr.contains("invalid_grant"),
        "{stderr}"
    );
    assert_eq!(
        d.standin.stats().token_rejections.len(),
        1,
        "a refused grant is not retried"
    );
}

/// The token endpoint answers in OAuth's shape, and says by name which of its errors are worth
/// another try (GOOGLE-DRIVE.txt lines 64, 104): those are asked again, 400 or not, and the run
/// goes on; an `invalid_grant` (here Google's words for a deleted service account) is final.
#[test]
fn the_token_endpoint_is_asked_again_only_for_the_errors_it_names_passing() {
    let d = drive(100, 2);
    let oauth = |error: &str, description: &str| Fault::OAuth {
        status: 400,
        error: error.into(),
        description: description.into(),
    };
    d.standin.inject(
        Target::Token,
        [
            oauth("temporarily_unavailable", "The service is busy."),
            oauth("internal_failure", "Internal failure."),
            oauth("server_error", "Server error."),
        ],
    );
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(&d, &out, &["--date", DAY], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let first = report(&out);
    assert_eq!(outcomes(&first), (2, 0, 0));
    assert!(first["totals"]["retries"].as_u64().unwrap() >= 3, "{first}");
    assert_eq!(d.standin.stats().token_grants, 1);

    d.standin.inject(
        Target::Token,
        [oauth("invalid_grant", "Invalid grant: account not found")],
    );
    let output = process(&d, &work.join("refused"), &["--date", DAY], &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "cannot get an access token for service account {}: 400 invalid_grant: Invalid grant: account not found",
            standins::CLIENT_EMAIL
        )),
        "{stderr}"
    );
    assert_eq!(d.standin.stats().token_grants, 1, "not asked again");
}

/// Everything a run leaves behind: its output streams and every file it wrote.
fn everything(output: &Output, out: &Path) -> String {
    let mut all = String::from_utf8_lossy(&output.stdout).into_owned();
    all.push_str(&String::from_utf8_lossy(&output.stderr));
    for bytes in tree(out).values() {
        all.push_str(&String::from_utf8_lossy(bytes));
    }
    all
}

#[test]
fn key_material_tokens_and_api_keys_never_leak() {
    let pem_lines: Vec<&str> = standins::TEST_PRIVATE_KEY_PEM
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let d = drive(4, 6);
    d.standin
        .inject(Target::Media(name(0)), [Fault::ExpiredToken]);
    d.standin
        .inject(Target::Media(name(1)), [Fault::Reset, Fault::NotFound]);
    d.standin
        .inject(Target::Media(name(2)), [Fault::TruncatedBody]);
    let work = WorkDir::new();
    let out = work.join("sa");
    let output = process(&d, &out, &["--date", DAY], &[("RUST_LOG", "trace")]);
    assert_eq!(output.status.code(), Some(1));
    let all = everything(&output, &out);
    assert!(
        all.contains("TRACE") || all.contains("DEBUG"),
        "trace logging was on"
    );
    let tokens = d.standin.issued_tokens();
    assert_eq!(tokens.len(), 2);
    for secret in tokens
        .iter()
        .map(String::as_str)
        .chain(pem_lines.iter().copied())
    {
        assert!(!all.contains(secret), "leaked: {secret}");
    }
    assert!(!all.contains("ya29."));

    // API key mode, including transport errors. The key travels only in x-goog-api-key, never
    // in a URL: nothing may carry it, `key=` included.
    let key = "AIzaSy-test-api-key-do-not-leak-1234";
    let d = drive(4, 6);
    d.standin
        .inject(Target::Media(name(0)), [Fault::Reset, Fault::NotFound]);
    d.standin
        .inject(Target::Media(name(1)), vec![Fault::TruncatedBody; 16]);
    d.standin.inject(Target::List, [Fault::Reset]);
    let out = work.join("key");
    let output = process(
        &d,
        &out,
        &["--date", DAY],
        &[
            ("RUST_LOG", "trace"),
            ("GOOGLE_CREDENTIALS", ""),
            ("GOOGLE_API_KEY", key),
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let report = report(&out);
    assert_eq!(outcomes(&report), (4, 2, 0));
    let all = everything(&output, &out);
    assert!(
        all.contains("body interrupted"),
        "the transport error is reported"
    );
    assert!(
        !all.contains(key) && !all.contains("key="),
        "API key leaked"
    );
    let stats = d.standin.stats();
    assert!(stats.list_calls > 0 && stats.media_calls > 0);
    assert_eq!(stats.unauthorized, 0);
    assert_eq!(
        stats.keys_in_url, 0,
        "the key travels in x-goog-api-key only"
    );

    // A wrong API key fails the run without echoing it.
    let out = work.join("wrong-key");
    let output = process(
        &d,
        &out,
        &["--date", DAY],
        &[
            ("GOOGLE_CREDENTIALS", ""),
            ("GOOGLE_API_KEY", "AIzaWRONG-secret-key"),
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("400 badRequest: API key not valid"),
        "{stderr}"
    );
    assert!(!stderr.contains("AIzaWRONG"));

    // A value too short to be a key (a placeholder, a cut secret) could not be kept out of the
    // logs, and is refused before anything is sent.
    let output = process(
        &d,
        &work.join("short-key"),
        &["--date", DAY],
        &[("GOOGLE_CREDENTIALS", ""), ("GOOGLE_API_KEY", "AIza-x9")],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("Google API key is 7 characters long, too short to be one"),
        "{stderr}"
    );
    assert!(!stderr.contains("AIza-x9"), "{stderr}");

    // --help shows that the env var exists, never its value.
    let help = run(bluedot()
        .args(["process", "--help"])
        .env("GOOGLE_API_KEY", key));
    assert!(!String::from_utf8_lossy(&help.stdout).contains(key));
}

/// A server, or a proxy before it, may answer with a text quoting the request's credential. No
/// part of it may reach a log line (retries are logged at `info`), the report or the summary:
/// not after a second 401, not cut short at the length a Drive message is kept to, and not the
/// signed assertion the token endpoint was sent, which buys tokens until it expires.
#[test]
fn credentials_echoed_in_an_answer_are_never_repeated() {
    let quoted = |output: &Output, out: &Path, secret: &str| {
        let all = everything(output, out);
        // A 20-character piece is enough to see a secret was cut, not removed.
        let piece = &secret[..20];
        assert!(!all.contains(piece), "leaked {piece}: {all}");
        assert!(all.contains("Caller [redacted]"), "{all}");
        // And as logged in base64: 20 characters of the secret's own bits.
        let logged = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("Bearer {secret}"),
        );
        let piece = &logged[12..32];
        assert!(!all.contains(piece), "leaked {piece} (base64): {all}");
    };
    let work = WorkDir::new();
    let d = drive(4, 3);
    d.standin.inject(
        Target::Media(name(0)),
        [
            Fault::EchoCredentials(500),
            Fault::EchoCredentialsInBase64(500),
            Fault::EchoCredentials(401),
            Fault::EchoCredentials(401),
        ],
    );
    d.standin
        .inject(Target::Media(name(1)), [Fault::EchoCredentials(403)]);
    let out = work.join("token");
    let output = process(&d, &out, &["--date", DAY], &[("RUST_LOG", "info")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("again after a fresh token"));
    for token in d.standin.issued_tokens() {
        quoted(&output, &out, &token);
    }

    let key = "AIzaSy-test-api-key-do-not-leak-1234";
    d.standin.inject(
        Target::Media(name(2)),
        [
            Fault::EchoCredentials(503),
            Fault::EchoCredentialsInBase64(503),
            Fault::EchoCredentials(403),
        ],
    );
    let out = work.join("key");
    let env = [
        ("RUST_LOG", "info"),
        ("GOOGLE_CREDENTIALS", ""),
        ("GOOGLE_API_KEY", key),
    ];
    let output = process(&d, &out, &["--date", DAY], &env);
    assert_eq!(output.status.code(), Some(1));
    quoted(&output, &out, key);

    d.standin
        .inject(Target::Token, [Fault::EchoCredentials(400)]);
    let out = work.join("assertion");
    let output = process(&d, &out, &["--date", DAY], &[("RUST_LOG", "info")]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot get an access token"), "{stderr}");
    // Every signed JWT starts with the base64 of `{"`.
    assert!(!stderr.contains("eyJ"), "{stderr}");
    assert!(stderr.contains("Caller [redacted]"), "{stderr}");

    d.standin
        .inject(Target::Token, [Fault::EchoCredentialsInBase64(400)]);
    let out = work.join("assertion-in-base64");
    let output = process(&d, &out, &["--date", DAY], &[("RUST_LOG", "info")]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Caller logged as QmVhcmVyIG"), "{stderr}");
    // `Bearer eyJ` spells `QmVhcmVyIGV5S`: the assertion's own bits begin at `5S`.
    assert!(!stderr.contains("QmVhcmVyIGV5S"), "{stderr}");
    assert!(stderr.contains("[redacted]"), "{stderr}");
}

/// reqwest drops `Authorization` on a redirect to another host but not `x-goog-api-key`: a
/// download that Drive (or anything in between) redirects away from Google is not followed, and
/// the other host never hears from bluedot.
#[test]
fn a_redirect_away_from_google_is_not_followed() {
    let elsewhere = std::net::TcpListener::bind("127.0.0.2:0").unwrap();
    let address = elsewhere.local_addr().unwrap();
    elsewhere.set_nonblocking(true).unwrap();
    let d = drive(100, 3);
    d.standin.inject(
        Target::Media(name(0)),
        [Fault::Redirect(format!("http://{address}/elsewhere"))],
    );
    let work = WorkDir::new();
    let out = work.join("out");
    let key = "AIzaSy-test-api-key-do-not-leak-1234";
    let output = process(
        &d,
        &out,
        &["--date", DAY],
        &[("GOOGLE_CREDENTIALS", ""), ("GOOGLE_API_KEY", key)],
    );
    assert_eq!(output.status.code(), Some(1));
    let report = report(&out);
    assert_eq!(outcomes(&report), (2, 1, 0));
    let redirected = file_entry(&report, &name(0));
    let reason = redirected["reason"].as_str().unwrap();
    assert!(
        reason.contains("redirected to 127.0.0.2, not Google's: not followed"),
        "{reason}"
    );
    assert_eq!(retries(&report, &name(0)), 0, "a refused redirect is final");
    assert!(
        elsewhere.accept().is_err(),
        "the other host was never contacted"
    );
}

#[test]
fn an_api_key_beside_a_service_account_key_is_said_to_be_unused() {
    let d = drive(100, 2);
    let work = WorkDir::new();
    let out = work.join("out");
    let api_key = "AIzaUnusedKeyBesideTheServiceAccount";
    // An empty RUST_LOG, as a workflow sets it from an input not given, hides no warning.
    let env = [("GOOGLE_API_KEY", api_key), ("RUST_LOG", "")];
    let output = process(&d, &out, &["--date", DAY], &env);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(outcomes(&report(&out)), (2, 0, 0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("reading Drive as the service account, the API key is not used"),
        "{stderr}"
    );
    assert!(!stderr.contains(api_key), "{stderr}");
}

/// The API root is settable for tests only, and only to this machine: a variable set by an
/// earlier workflow step must not send the credentials elsewhere, in clear text.
#[test]
fn the_test_api_root_takes_only_this_machine() {
    let d = drive(100, 1);
    let work = WorkDir::new();
    let path = format!("{}/drive", d.standin.api_url().trim_end_matches('/'));
    let https = d.standin.api_url().replace("http://", "https://");
    for root in [
        "http://drive.example",
        "http://127.0.0.1.example:80",
        &path,
        &https,
        "http://127.0.0.1:0",
    ] {
        let out = work.join("out");
        let env = [("BLUEDOT_TEST_DRIVE_API_URL", root)];
        let output = process(&d, &out, &["--date", DAY], &env);
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("takes only http:// to a loopback address"),
            "{stderr}"
        );
        assert_eq!(d.standin.stats().token_grants, 0);
    }
    // Nor through a proxy from the environment, which would see every credential in clear; a
    // root given with a stray space is the same root.
    let out = work.join("proxied");
    let root = format!("{} ", d.standin.api_url());
    let env = [
        ("BLUEDOT_TEST_DRIVE_API_URL", root.as_str()),
        ("HTTP_PROXY", "http://127.0.0.1:9"),
        ("http_proxy", "http://127.0.0.1:9"),
        ("ALL_PROXY", "http://127.0.0.1:9"),
    ];
    let output = process(&d, &out, &["--date", DAY], &env);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}

/// A PEM given where the key goes starts with `-----`: it must not be taken for a flag, whose
/// error would quote it whole.
#[test]
fn a_pem_given_as_the_key_is_not_quoted() {
    let d = drive(100, 1);
    let work = WorkDir::new();
    let out = work.join("out");
    let mut cmd = super::command(&d, &out, &["--date", DAY], &[]);
    let output = run(cmd
        .arg("--google-credentials")
        .arg(standins::TEST_PRIVATE_KEY_PEM));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("neither service-account JSON"), "{stderr}");
    for line in standins::TEST_PRIVATE_KEY_PEM.lines() {
        assert!(!stderr.contains(line), "{stderr}");
    }
}
