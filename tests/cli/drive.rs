//! `process --source gdrive:` against the in-process Drive stand-in: listing, paths, trigger
//! file, duplicates, every fault kind, token refresh, and that no secret ever leaks.

use crate::harness::{WorkDir, bluedot, file_entry, report, run, tree};
use standins::{DriveStandin, Fault, Options, Target};
use std::path::Path;
use std::process::Output;

const DAY: &str = "2024-08-02";

/// A small valid MarketSmith chart whose rows depend on `seed`.
fn chart(symbol: &str, seed: u64) -> Vec<u8> {
    let day_ms = 86_400_000u64;
    let start = 1_717_200_000_000u64 / day_ms * day_ms; // 2024-06-01 UTC midnight
    let prices: Vec<serde_json::Value> = (0..20)
        .map(|i| {
            let base = 100.0 + (seed % 50) as f64 + i as f64;
            serde_json::json!({
                "priceDate": start + i * day_ms, "open": base, "high": base + 2.0,
                "low": base - 1.0, "close": base + 1.0, "volume": 1000 + i * 10 + seed,
                "bc": 50 + (seed % 40), "rlst": 60 + (seed % 30)
            })
        })
        .collect();
    serde_json::json!({
        "responseHeader": {"error": false},
        "chart": {
            "prices": prices,
            "peripheralData": {"symbol": symbol, "name": format!("{symbol} Ltd")},
            "blueDotData": {"dates": [start + 5 * day_ms]}
        }
    })
    .to_string()
    .into_bytes()
}

fn name(i: usize) -> String {
    format!("S{i:04}.IN_daily.json")
}

struct Drive {
    standin: DriveStandin,
    day: String,
}

/// A stand-in with `root/daily/2024-08-02/` holding `charts` generated charts.
fn drive(page_size: usize, charts: usize) -> Drive {
    let standin = DriveStandin::start(Options {
        page_size,
        api_key: Some("AIzaSy-test-api-key-do-not-leak-1234".into()),
        ..Options::default()
    });
    let daily = standin.folder(&standin.root(), "daily");
    let day = standin.folder(&daily, DAY);
    for i in 0..charts {
        standin.file(&day, &name(i), chart(&format!("S{i:04}.IN"), i as u64));
    }
    Drive { standin, day }
}

/// The real binary against the stand-in, with service-account credentials unless `extra`
/// brings an API key. Waits are scaled down (test-only hooks).
fn process(drive: &Drive, out: &Path, extra: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = bluedot();
    cmd.arg("process")
        .arg("--source")
        .arg(format!("gdrive:{}", drive.standin.root()))
        .arg("--output")
        .arg(out)
        .arg("--timeframe")
        .arg("daily")
        .args(extra)
        .env("BLUEDOT_TEST_DRIVE_API_URL", drive.standin.api_url())
        .env("BLUEDOT_TEST_DRIVE_BACKOFF_SCALE", "0.01")
        .env("BLUEDOT_TEST_DRIVE_TIMEOUT_MS", "2500")
        .env("GOOGLE_CREDENTIALS", drive.standin.credentials_json())
        .env_remove("GOOGLE_API_KEY");
    for (key, value) in envs {
        cmd.env(key, value);
    }
    run(&mut cmd)
}

fn outcomes(report: &serde_json::Value) -> (u64, u64, u64) {
    let t = &report["totals"];
    (
        t["ok"].as_u64().unwrap(),
        t["failed"].as_u64().unwrap(),
        t["skipped"].as_u64().unwrap(),
    )
}

fn csvs(out: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    tree(&out.join("data/daily"))
}

#[test]
fn lists_every_page_then_downloads_and_converts() {
    let d = drive(7, 25);
    d.standin.google_doc(
        &d.day,
        "notes",
        "application/vnd.google-apps.document",
        "hi",
    );
    d.standin.file(&d.day, "readme.txt", "not a chart");
    let trashed = d
        .standin
        .file(&d.day, "TRASHED.IN_daily.json", chart("TRASHED.IN", 1));
    d.standin.set_trashed(&trashed);
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(&d, &out, &["--date", DAY], &[]);
    assert_eq!(output.status.code(), Some(0));
    let report = report(&out);
    assert_eq!(outcomes(&report), (25, 0, 2));
    assert_eq!(report["totals"]["listed"], 27);
    assert!(
        report["source"]
            .as_str()
            .unwrap()
            .ends_with("/daily/2024-08-02")
    );
    // 27 items at 7 a page: 4 pages, plus the two path lookups.
    let stats = d.standin.stats();
    assert!(stats.list_calls >= 6, "{stats:?}");
    assert_eq!(stats.token_grants, 1, "one token serves the whole run");
    assert_eq!(csvs(&out).len(), 25 * 4 + 1);
    let doc = file_entry(&report, "notes");
    assert_eq!(doc["outcome"], "skipped");
    assert!(
        doc["reason"].as_str().unwrap().contains("Google Docs"),
        "{doc}"
    );
    assert_eq!(file_entry(&report, "readme.txt")["outcome"], "skipped");
}

#[test]
fn converts_the_same_bytes_as_a_local_folder() {
    let d = drive(100, 12);
    let work = WorkDir::new();
    for i in 0..12 {
        work.write(
            &format!("in/{}", name(i)),
            chart(&format!("S{i:04}.IN"), i as u64),
        );
    }
    let from_drive = work.join("drive");
    assert_eq!(
        process(&d, &from_drive, &["--date", DAY], &[])
            .status
            .code(),
        Some(0)
    );
    let local = work.join("local");
    let output = crate::harness::process(&work.join("in"), &local, "daily", &[]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(csvs(&from_drive), csvs(&local));
}

#[test]
fn nested_path_through_a_shortcut_folder() {
    let standin = DriveStandin::start(Options {
        page_size: 3,
        ..Options::default()
    });
    let archive = standin.folder(&standin.root(), "archive");
    let real = standin.folder(&archive, "2024-08-02-final");
    standin.file(&real, "AAA_daily.json", chart("AAA", 1));
    let daily = standin.folder(&standin.root(), "daily");
    // daily/2024-08-02 is a shortcut to archive/2024-08-02-final.
    standin.shortcut(&daily, DAY, &real);
    // A shortcut to a file inside the folder is followed too.
    let elsewhere = standin.folder(&archive, "misc");
    let target = standin.file(&elsewhere, "BBB_daily.json", chart("BBB", 2));
    standin.shortcut(&real, "BBB_daily.json", &target);
    let d = Drive { standin, day: real };
    let work = WorkDir::new();

    let out = work.join("default-path");
    assert_eq!(
        process(&d, &out, &["--date", DAY], &[]).status.code(),
        Some(0)
    );
    assert_eq!(outcomes(&report(&out)), (2, 0, 0));

    let out = work.join("explicit-path");
    let output = process(&d, &out, &["--drive-path", "archive/2024-08-02-final"], &[]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(outcomes(&report(&out)), (2, 0, 0));

    let out = work.join("missing");
    let output = process(&d, &out, &["--drive-path", "archive/nope"], &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("\"archive/nope\" not found"), "{stderr}");
    assert!(!out.join("report.json").exists());
}

#[test]
fn trigger_file_decides_the_date() {
    let d = drive(100, 0);
    // The day the trigger does not name.
    d.standin.file(&d.day, "OLD_daily.json", chart("OLD", 3));
    // A second, newer "daily" folder holds the wanted day: the newest wins, with a warning.
    let newer_daily = d.standin.folder(&d.standin.root(), "daily");
    let wanted = d.standin.folder(&newer_daily, "2024-08-05");
    d.standin.file(&wanted, "NEW_daily.json", chart("NEW", 4));
    let triggers = d.standin.folder(&d.standin.root(), "triggers");
    d.standin
        .file(&triggers, "daily_ready.txt", "\u{feff}  2024-08-05 \r\n");
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(&d, &out, &[], &[]);
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("2 folders named \"daily\""), "{stderr}");
    assert!(stderr.contains("from the trigger file"), "{stderr}");
    let report = report(&out);
    assert!(
        report["source"]
            .as_str()
            .unwrap()
            .ends_with("daily/2024-08-05")
    );
    assert_eq!(file_entry(&report, "NEW_daily.json")["outcome"], "ok");
    assert_eq!(report["totals"]["files"], 1);

    // A trigger that does not hold a date stops the run before anything is written.
    let bad = d.standin.folder(&d.standin.root(), "triggers");
    d.standin.file(&bad, "daily_ready.txt", "tomorrow");
    let out = work.join("bad");
    let output = process(&d, &out, &[], &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("\"tomorrow\" is not a YYYY-MM-DD date"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn duplicate_names_newest_wins_and_docs_are_skipped() {
    let d = drive(100, 0);
    let old = d.standin.file(&d.day, "DUP_daily.json", chart("DUP", 1));
    let new = d.standin.file(&d.day, "DUP_daily.json", chart("DUP", 2));
    // Listed order must not matter: the older one is listed last.
    d.standin
        .set_modified_time(&old, "2024-08-01T09:00:00.000Z");
    d.standin
        .set_modified_time(&new, "2024-08-02T09:00:00.000Z");
    d.standin.google_doc(
        &d.day,
        "SHEET_daily.json",
        "application/vnd.google-apps.spreadsheet",
        "",
    );
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(&d, &out, &["--date", DAY], &[]);
    assert_eq!(output.status.code(), Some(0));
    let report = report(&out);
    assert_eq!(outcomes(&report), (1, 0, 2));
    let files = report["files"].as_array().unwrap();
    let dup: Vec<_> = files
        .iter()
        .filter(|f| f["name"] == "DUP_daily.json")
        .collect();
    assert_eq!(dup.len(), 2);
    let skipped = dup.iter().find(|f| f["outcome"] == "skipped").unwrap();
    let reason = skipped["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("duplicate") && reason.contains(&old),
        "{reason}"
    );
    let sheet = file_entry(&report, "SHEET_daily.json");
    assert_eq!(sheet["outcome"], "skipped");
    assert!(sheet["reason"].as_str().unwrap().contains("spreadsheet"));

    // The newer file's content was converted.
    let reference = WorkDir::new();
    reference.write("in/DUP_daily.json", chart("DUP", 2));
    let local = reference.join("out");
    crate::harness::process(&reference.join("in"), &local, "daily", &[]);
    assert_eq!(csvs(&out), csvs(&local));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("2 files named \"DUP_daily.json\""),
        "{stderr}"
    );
}

fn retries(report: &serde_json::Value, name: &str) -> u64 {
    file_entry(report, name)["retries"].as_u64().unwrap_or(0)
}

#[test]
fn every_retryable_fault_is_recovered_and_counted() {
    let retryable: Vec<Fault> = Fault::all_kinds()
        .into_iter()
        .filter(|f| f.is_retryable() && *f != Fault::ExpiredToken)
        .collect();
    let d = drive(5, retryable.len() + 3);
    for (i, fault) in retryable.iter().enumerate() {
        d.standin.inject(Target::Media(name(i)), [fault.clone()]);
    }
    // Listing, metadata and the token endpoint are retried too.
    d.standin
        .inject(Target::List, [Fault::ServerError(503), Fault::Reset]);
    d.standin.inject(Target::Token, [Fault::ServerError(500)]);
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(&d, &out, &["--date", DAY], &[]);
    assert_eq!(output.status.code(), Some(0));
    let report = report(&out);
    assert_eq!(outcomes(&report), (retryable.len() as u64 + 3, 0, 0));
    let mut per_file = 0;
    for (i, fault) in retryable.iter().enumerate() {
        let n = retries(&report, &name(i));
        assert!(n >= 1, "{fault:?} on {} was not retried", name(i));
        per_file += n;
    }
    // Each file fault costs exactly one retry; md5 mismatch also re-reads metadata.
    assert_eq!(per_file, retryable.len() as u64);
    let total = report["totals"]["retries"].as_u64().unwrap();
    assert!(
        total >= per_file + 3,
        "list and token retries are counted: {total}"
    );
    let out_clean = work.join("clean");
    let clean = drive(5, retryable.len() + 3);
    process(&clean, &out_clean, &["--date", DAY], &[]);
    assert_eq!(csvs(&out), csvs(&out_clean));
}

#[test]
fn permanent_errors_fail_with_drives_reason_without_retrying() {
    let d = drive(100, 5);
    d.standin
        .inject(Target::Media(name(0)), [Fault::InsufficientPermissions]);
    d.standin.inject(Target::Media(name(1)), [Fault::NotFound]);
    d.standin
        .inject(Target::Media(name(2)), [Fault::BadRequest]);
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(&d, &out, &["--date", DAY], &[]);
    assert_eq!(output.status.code(), Some(1));
    let report = report(&out);
    assert_eq!(outcomes(&report), (2, 3, 0));
    let reason = |i| {
        file_entry(&report, &name(i))["reason"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(
        reason(0).contains(
            "403 insufficientFilePermissions: The user does not have sufficient permissions"
        ),
        "{}",
        reason(0)
    );
    assert!(
        reason(1).contains("404 notFound: File not found"),
        "{}",
        reason(1)
    );
    assert!(reason(2).contains("400 badRequest"), "{}", reason(2));
    for i in 0..3 {
        assert_eq!(retries(&report, &name(i)), 0);
    }
    assert_eq!(
        d.standin.stats().media_calls,
        5,
        "no permanent error was retried"
    );
}

#[test]
fn md5_mismatch_rereads_metadata_and_retries_then_fails_for_good() {
    let d = drive(100, 3);
    d.standin.inject(Target::Media(name(0)), [Fault::WrongMd5]);
    d.standin
        .inject(Target::Media(name(1)), vec![Fault::WrongMd5; 30]);
    d.standin
        .inject(Target::Media(name(2)), [Fault::TruncatedBody]);
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(&d, &out, &["--date", DAY], &[]);
    assert_eq!(output.status.code(), Some(1));
    let report = report(&out);
    assert_eq!(file_entry(&report, &name(0))["outcome"], "ok");
    assert_eq!(retries(&report, &name(0)), 1);
    let persistent = file_entry(&report, &name(1));
    assert_eq!(persistent["outcome"], "failed");
    let reason = persistent["reason"].as_str().unwrap();
    assert!(
        reason.contains("md5 mismatch: Drive says") && reason.contains("gave up after 8 attempts"),
        "{reason}"
    );
    assert_eq!(retries(&report, &name(1)), 7);
    assert_eq!(file_entry(&report, &name(2))["outcome"], "ok");
    // The root lookup, then one metadata re-read per mismatch: 1 for the first file, 7 for
    // the second.
    assert_eq!(d.standin.stats().metadata_calls, 1 + 1 + 7);
}

#[test]
fn a_revoked_token_is_refreshed_once() {
    let d = drive(100, 4);
    d.standin
        .inject(Target::Media(name(0)), [Fault::ExpiredToken]);
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(
        &d,
        &out,
        &["--date", DAY, "--download-concurrency", "1"],
        &[],
    );
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
    let output = process(
        &d,
        &out,
        &["--date", DAY, "--download-concurrency", "1"],
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    let report = report(&out);
    let reason = file_entry(&report, &name(0))["reason"].as_str().unwrap();
    assert!(
        reason.contains("401 authError") && reason.contains("again after a fresh token"),
        "{reason}"
    );
    assert_eq!(file_entry(&report, &name(1))["outcome"], "ok");
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

    // API key mode, including transport errors (whose URLs carry key=).
    let key = "AIzaSy-test-api-key-do-not-leak-1234";
    let d = drive(4, 6);
    d.standin
        .inject(Target::Media(name(0)), [Fault::Reset, Fault::NotFound]);
    d.standin
        .inject(Target::Media(name(1)), vec![Fault::TruncatedBody; 10]);
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
        stderr.contains("401") && stderr.contains("API key"),
        "{stderr}"
    );
    assert!(!stderr.contains("AIzaWRONG"));

    // --help shows that the env var exists, never its value.
    let help = run(bluedot()
        .args(["process", "--help"])
        .env("GOOGLE_API_KEY", key));
    assert!(!String::from_utf8_lossy(&help.stdout).contains(key));
}

/// 300 files, a fifth of them with faults of every kind (some twice in a row): every file ends
/// ok or failed with a reason, retryable faults end ok, and ok files' CSVs are byte-identical to
/// a fault-free run.
#[test]
fn fault_soak_300_files() {
    let files = 300;
    let kinds = Fault::all_kinds();
    let d = drive(50, files);
    let mut expect_failed = std::collections::BTreeSet::new();
    for (n, i) in (0..files).filter(|i| i % 5 == 2).enumerate() {
        let fault = kinds[n % kinds.len()].clone();
        let mut faults = vec![fault.clone()];
        if n % 3 == 0 && fault.is_retryable() && fault != Fault::ExpiredToken {
            faults.push(kinds[(n + 1) % 6].clone());
        }
        if !fault.is_retryable() {
            expect_failed.insert(name(i));
        }
        d.standin.inject(Target::Media(name(i)), faults);
    }
    d.standin.inject(
        Target::List,
        [
            Fault::ServerError(503),
            Fault::TooManyRequests { retry_after: 1 },
        ],
    );
    d.standin
        .inject(Target::Token, [Fault::Reset, Fault::ServerError(503)]);
    let work = WorkDir::new();
    let out = work.join("faulty");
    let output = process(
        &d,
        &out,
        &["--date", DAY, "--download-concurrency", "32"],
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    let report = report(&out);
    let clean = drive(1000, files);
    let reference = work.join("clean");
    assert_eq!(
        process(&clean, &reference, &["--date", DAY], &[])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(report["totals"]["files"], files as u64);
    let reference_csvs = csvs(&reference);
    let faulty_csvs = csvs(&out);
    let mut ok = 0;
    for entry in report["files"].as_array().unwrap() {
        let file = entry["name"].as_str().unwrap();
        match entry["outcome"].as_str().unwrap() {
            "ok" => {
                ok += 1;
                assert!(!expect_failed.contains(file), "{file} should have failed");
                for series in entry["rows"].as_object().unwrap().keys() {
                    let got = faulty_csvs.get(series);
                    let want = reference_csvs.get(series);
                    assert!(got.is_some() && got == want, "{file}: {series} differs");
                }
            }
            "failed" => {
                assert!(expect_failed.contains(file), "{file} failed: {entry}");
                assert!(
                    entry["reason"].as_str().is_some_and(|r| r.len() > 10),
                    "{entry}"
                );
            }
            other => panic!("{file}: {other}"),
        }
    }
    assert_eq!(ok, files - expect_failed.len());
    assert!(report["totals"]["retries"].as_u64().unwrap() >= 50);
}

#[test]
fn a_refused_page_token_restarts_the_listing() {
    let d = drive(3, 7);
    // Calls 1-2 resolve daily/2024-08-02, call 3 is the first page; the second page's token
    // is refused.
    d.standin.inject(
        Target::List,
        [Fault::Pass, Fault::Pass, Fault::Pass, Fault::BadRequest],
    );
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(&d, &out, &["--date", DAY], &[]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(outcomes(&report(&out)), (7, 0, 0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("page token refused"), "{stderr}");
}

#[test]
fn weekly_trigger_written_as_a_google_doc_is_exported() {
    let standin = DriveStandin::start(Options::default());
    let weekly = standin.folder(&standin.root(), "weekly");
    let week = standin.folder(&weekly, "2024-W31");
    standin.file(&week, "WWW_weekly.json", chart("WWW", 5));
    let triggers = standin.folder(&standin.root(), "triggers");
    // Docs export text with a BOM; the stand-in adds it as Drive does.
    standin.google_doc(
        &triggers,
        "weekly_ready.txt",
        "application/vnd.google-apps.document",
        "2024-W31\n",
    );
    let work = WorkDir::new();
    let out = work.join("out");
    let mut cmd = bluedot();
    cmd.args(["process", "--timeframe", "weekly", "--source"])
        .arg(format!("gdrive:{}", standin.root()))
        .arg("--output")
        .arg(&out)
        .env("BLUEDOT_TEST_DRIVE_API_URL", standin.api_url())
        .env("GOOGLE_CREDENTIALS", standin.credentials_json());
    let output = run(&mut cmd);
    let report = report(&out);
    assert!(
        report["source"]
            .as_str()
            .unwrap()
            .ends_with("/weekly/2024-W31"),
        "{}",
        report["source"]
    );
    assert_eq!(report["totals"]["files"], 1);
    assert_eq!(
        file_entry(&report, "WWW_weekly.json")["outcome"],
        "ok",
        "{output:?}"
    );
}

#[test]
fn a_wrong_root_or_a_double_source_is_a_usage_error() {
    let d = drive(100, 1);
    let work = WorkDir::new();
    let out = work.join("out");
    let mut cmd = bluedot();
    cmd.args([
        "process",
        "--timeframe",
        "daily",
        "--source",
        "gdrive:noSuchFolder",
    ])
    .arg("--output")
    .arg(&out)
    .env("BLUEDOT_TEST_DRIVE_API_URL", d.standin.api_url())
    .env("GOOGLE_CREDENTIALS", d.standin.credentials_json());
    let output = run(&mut cmd);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("root folder noSuchFolder: 404 notFound")
            && stderr.contains("service account bluedot-test@"),
        "{stderr}"
    );
    assert!(!out.exists());

    let output = run(bluedot()
        .args([
            "process",
            "--timeframe",
            "daily",
            "--source",
            "gdrive:x",
            "--input",
        ])
        .arg(work.path())
        .arg("--output")
        .arg(&out));
    assert_eq!(output.status.code(), Some(2));
    let output = run(bluedot()
        .args(["process", "--timeframe", "daily", "--source", "gdrive:x"])
        .arg("--output")
        .arg(&out)
        .env_remove("GOOGLE_CREDENTIALS")
        .env_remove("GOOGLE_API_KEY"));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--google-credentials"), "{stderr}");
}

#[test]
fn shards_split_the_listing_and_download_only_their_files() {
    let d = drive(6, 20);
    let work = WorkDir::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut downloads_before = 0;
    for shard in ["0", "1"] {
        let out = work.join(shard);
        let args = ["--date", DAY, "--shard-index", shard, "--shard-count", "2"];
        assert_eq!(process(&d, &out, &args, &[]).status.code(), Some(0));
        let report = report(&out);
        assert_eq!(report["totals"]["listed"], 20);
        let files = report["files"].as_array().unwrap();
        for file in files {
            assert!(
                seen.insert(file["name"].as_str().unwrap().to_owned()),
                "{file} in both shards"
            );
        }
        let downloads = d.standin.stats().media_calls;
        assert_eq!(downloads - downloads_before, files.len() as u64);
        downloads_before = downloads;
    }
    assert_eq!(seen.len(), 20);
}
