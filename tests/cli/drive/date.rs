//! Which day's folder is read: `--date`, else the trigger file (plain text, or a Google Doc,
//! which is exported), and dates that cannot be.

use super::{chart, converted_by_the_trigger_file, drive, process};
use crate::harness::{WorkDir, bluedot, file_entry, report, run_and_validate};
use standins::{DriveStandin, Options};

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
    // An older trigger of the same name, naming another day: read not, but said.
    let older = d.standin.file(&triggers, "daily_ready.txt", "2024-08-02\n");
    d.standin
        .set_modified_time(&older, "2023-12-31T20:00:00.000Z");
    // A newer file whose name differs only in case is another file: Drive may match it.
    d.standin.file(&triggers, "Daily_Ready.txt", "2024-08-09\n");
    let work = WorkDir::new();
    let out = work.join("out");
    let stderr = converted_by_the_trigger_file(&d, &out);
    assert!(stderr.contains("2 folders named \"daily\""), "{stderr}");
    assert!(
        stderr.contains("2 trigger files named \"daily_ready.txt\"; using the newest"),
        "{stderr}"
    );
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
    let trigger = d.standin.file(&bad, "daily_ready.txt", "tomorrow");
    let out = work.join("bad");
    let output = process(&d, &out, &[], &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("\"tomorrow\" is not a YYYY-MM-DD date"),
        "{stderr}"
    );
    assert!(!out.exists());
    // A folder given by path needs no date: the trigger is not read, nor named.
    let given = work.join("given-path");
    let output = process(&d, &given, &["--drive-path", "daily/2024-08-05"], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("trigger"), "{stderr}");
    assert_eq!(crate::harness::report(&given)["totals"]["files"], 1);
    // Another file saved under the trigger's name is not quoted whole.
    let mut long = b"2024-08-05".to_vec();
    long.resize(1 << 20, b'x');
    d.standin.set_content(&trigger, long);
    let output = process(&d, &out, &[], &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.len() < 1000, "{} bytes of stderr", stderr.len());
    assert!(
        stderr.contains("holds more than 4096 bytes, not a date"),
        "{stderr}"
    );
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
    let output = run_and_validate(&mut cmd, &out);
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
fn a_date_that_cannot_be_is_refused_before_drive_is_asked() {
    let d = drive(100, 1);
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(&d, &out, &["--date", "2025-02-30"], &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--date \"2025-02-30\" is not a YYYY-MM-DD date"),
        "{stderr}"
    );
    let stats = d.standin.stats();
    assert_eq!((stats.list_calls, stats.token_grants), (0, 0));
}
