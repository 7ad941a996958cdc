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
        .env("BLUEDOT_TEST_DRIVE_TIMEOUT_MS", "1000")
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
    let weekly = standin.folder(&standin.root(), "daily");
    // daily/2024-08-02 is a shortcut to archive/2024-08-02-final.
    standin.shortcut(&weekly, DAY, &real);
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
    let _ = &d.day;
}

#[test]
fn trigger_file_decides_the_date() {
    let d = drive(100, 0);
    let daily = {
        // The decoy: today's folder must not be used when the trigger names another day.
        let stats_root = d.standin.root();
        let id = d.standin.folder(&stats_root, "elsewhere");
        d.standin.file(&id, "DECOY_daily.json", chart("DECOY", 9));
        id
    };
    let _ = daily;
    d.standin.file(&d.day, "OLD_daily.json", chart("OLD", 3));
    let later = d.standin.folder(&d.standin.root(), "daily");
    let _ = later; // A second "daily" folder, newer: the newest one wins with a warning.
    let wanted = d.standin.folder(&later, "2024-08-05");
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
