//! Finding and listing the folder: pages, paths, shortcuts, resource keys, duplicates, shards.

use super::{
    DAY, Drive, ONE_AT_A_TIME, chart, command_from, converted_by_the_trigger_file, csvs, drive,
    name, outcomes, process,
};
use crate::harness::{WorkDir, bluedot, file_entry, file_reason, report, run};
use standins::{DriveStandin, Fault, Options, Target};

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
    // A shortcut to a file in the trash is left out, as the trashed file itself would be.
    let binned = standin.file(&elsewhere, "CCC_daily.json", chart("CCC", 3));
    standin.set_trashed(&binned);
    standin.shortcut(&real, "CCC_daily.json", &binned);
    // A newer folder whose name differs only in case is another folder: Drive may match it.
    let other_case = standin.folder(&standin.root(), "Daily");
    let other_day = standin.folder(&other_case, DAY);
    standin.file(&other_day, "ZZZ_daily.json", chart("ZZZ", 4));
    let d = Drive { standin, day: real };
    let work = WorkDir::new();

    let out = work.join("default-path");
    let output = process(&d, &out, &["--date", DAY], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("folders named"), "{stderr}");
    assert_eq!(outcomes(&report(&out)), (2, 0, 1));
    assert_eq!(
        file_entry(&report(&out), "CCC_daily.json")["reason"],
        "shortcut to a file in the trash"
    );

    let out = work.join("explicit-path");
    let output = process(
        &d,
        &out,
        &["--drive-path", "archive//2024-08-02-final/"],
        &[],
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(outcomes(&report(&out)), (2, 0, 1));
    let source = report(&out)["source"].as_str().unwrap().to_owned();
    assert!(source.ends_with("/archive/2024-08-02-final"), "{source}");

    let out = work.join("missing");
    let output = process(&d, &out, &["--drive-path", "archive/nope"], &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("\"archive/nope\" not found"), "{stderr}");
    assert!(!out.join("report.json").exists());
}

#[test]
fn a_root_given_as_a_shortcut_is_followed_to_a_folder_only() {
    let d = drive(10, 2);
    let work = WorkDir::new();
    let elsewhere = d.standin.folder(&d.standin.root(), "elsewhere");
    let to_root = d.standin.shortcut(&elsewhere, "drop", &d.standin.root());
    let out = work.join("through-shortcut");
    let mut through = command_from(&d, &to_root, &out, &["--date", DAY], &[]);
    let output = crate::harness::run_and_validate(&mut through, &out);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(outcomes(&report(&out)), (2, 0, 0));

    let file = d
        .standin
        .file(&elsewhere, "notes.pdf", b"%PDF-1.4".to_vec());
    let to_file = d.standin.shortcut(&elsewhere, "drop", &file);
    let out = work.join("to-a-file");
    let output = run(&mut command_from(&d, &to_file, &out, &["--date", DAY], &[]));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("root {to_file}: shortcut \"drop\" points to a ")),
        "{stderr}"
    );
    assert!(stderr.contains("not a folder"), "{stderr}");
    assert!(!stderr.contains("not found"), "{stderr}");
    assert!(!out.join("report.json").exists());
}

/// Items shared by link before 2021 carry resource keys, and Drive answers 404 to any request
/// naming one without its key in `X-Goog-Drive-Resource-Keys`: listing a keyed folder's
/// children, reading a keyed shortcut target, downloading a keyed file.
#[test]
fn resource_keys_go_with_every_request_that_names_a_keyed_item() {
    let standin = DriveStandin::start(Options {
        api_key: Some("AIza-test-key-0123456789".into()),
        ..Options::default()
    });
    let daily = standin.folder(&standin.root(), "daily");
    let archive = standin.folder(&standin.root(), "archive");
    let real = standin.folder(&archive, "2024-08-05-final");
    standin.set_resource_key(&real, "0-folderKey");
    // daily/2024-08-05 is a shortcut to the keyed folder.
    standin.shortcut(&daily, "2024-08-05", &real);
    let keyed = standin.file(&real, "AAA_daily.json", chart("AAA", 1));
    standin.set_resource_key(&keyed, "0-fileKey");
    let elsewhere = standin.folder(&archive, "misc");
    let target = standin.file(&elsewhere, "BBB_daily.json", chart("BBB", 2));
    standin.set_resource_key(&target, "0-targetKey");
    standin.shortcut(&real, "BBB_daily.json", &target);
    let triggers = standin.folder(&standin.root(), "triggers");
    standin.set_resource_key(&triggers, "0-triggersKey");
    let trigger = standin.file(&triggers, "daily_ready.txt", "2024-08-05\n");
    standin.set_resource_key(&trigger, "0-triggerKey");

    // The stand-in refuses what Drive refuses: the keyed folder's children without its key.
    let list = |key: &str| {
        use std::io::{BufRead, Write};
        let mut stream = std::net::TcpStream::connect(standin.addr()).unwrap();
        let q = format!("%27{real}%27%20in%20parents");
        write!(
            stream,
            "GET /drive/v3/files?q={q} HTTP/1.1\r\nHost: x\r\nx-goog-api-key: AIza-test-key-0123456789\r\n\
             {key}\r\n"
        )
        .unwrap();
        // The status line only: the stand-in keeps the connection open.
        let mut status = String::new();
        std::io::BufReader::new(stream)
            .read_line(&mut status)
            .unwrap();
        status.split(' ').nth(1).unwrap_or_default().to_owned()
    };
    assert_eq!(list(""), "404");
    let header = format!("X-Goog-Drive-Resource-Keys: {real}/0-folderKey\r\n");
    assert_eq!(list(&header), "200");

    let d = Drive { standin, day: real };
    let work = WorkDir::new();
    let out = work.join("out");
    let stderr = converted_by_the_trigger_file(&d, &out);
    assert!(stderr.contains("from the trigger file"), "{stderr}");
    assert_eq!(outcomes(&report(&out)), (2, 0, 0));
}

/// A folder uploaded twice holds every name twice: the log names twenty, then counts the rest
/// (each shard's log would otherwise repeat thousands).
#[test]
fn duplicate_names_beyond_twenty_are_counted_not_each_logged() {
    let d = drive(100, 0);
    for i in 0..25 {
        let symbol = format!("D{i:02}");
        for _ in 0..2 {
            d.standin
                .file(&d.day, &format!("{symbol}_daily.json"), chart(&symbol, 1));
        }
    }
    let work = WorkDir::new();
    let output = process(&d, &work.join("out"), &["--date", DAY], &[]);
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.matches(" files named ").count(), 20, "{stderr}");
    assert!(
        stderr.contains("... and 5 more names held by several files"),
        "{stderr}"
    );
    assert_eq!(outcomes(&report(&work.join("out"))), (25, 0, 25));
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
    assert!(reason.contains("a newer file"), "{reason}");

    // Equally new: one is used all the same, and neither is called newer.
    d.standin
        .set_modified_time(&old, "2024-08-02T09:00:00.000Z");
    let output = process(&d, &work.join("tie"), &["--date", DAY], &[]);
    assert_eq!(output.status.code(), Some(0));
    let tie = crate::harness::report(&work.join("tie"));
    let skipped = tie["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "DUP_daily.json" && f["outcome"] == "skipped")
        .unwrap()
        .clone();
    let reason = skipped["reason"].as_str().unwrap();
    assert!(reason.contains("modified at the same time"), "{reason}");
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
fn a_listing_restarts_once_and_only_for_a_refused_page_token() {
    // Refused again after the restart: the listing fails rather than start over for ever.
    let d = drive(3, 7);
    d.standin.inject(
        Target::List,
        [
            Fault::Pass,
            Fault::Pass,
            Fault::Pass,
            Fault::BadRequest,
            Fault::Pass,
            Fault::BadRequest,
        ],
    );
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(&d, &out, &["--date", DAY], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.matches("page token refused").count(), 1, "{stderr}");
    assert!(stderr.contains("400 badRequest"), "{stderr}");
    assert!(!out.join("data").exists(), "{stderr}");
    assert_eq!(d.standin.stats().list_calls, 6);

    // Any other refusal of a later page is final: it is not the page token Drive refused.
    let d = drive(3, 7);
    d.standin.inject(
        Target::List,
        [Fault::Pass, Fault::Pass, Fault::Pass, Fault::NotFound],
    );
    let out = work.join("not-found");
    let output = process(&d, &out, &["--date", DAY], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("page token refused"), "{stderr}");
    assert!(stderr.contains("404 notFound"), "{stderr}");
    assert_eq!(d.standin.stats().list_calls, 4);
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

#[test]
fn a_file_larger_than_a_chart_can_be_is_not_downloaded() {
    let d = drive(10, 3);
    let mut dump = chart("DUMP.IN", 9);
    dump.resize(32 * 1024 * 1024 + 1, b' ');
    d.standin.file(&d.day, "DUMP.IN_daily.json", dump);
    let work = WorkDir::new();
    let out = work.join("out");
    assert_eq!(
        process(&d, &out, &["--date", DAY], &[]).status.code(),
        Some(1)
    );
    let report = report(&out);
    assert_eq!(outcomes(&report), (3, 1, 0));
    let reason = file_reason(&report, "DUMP.IN_daily.json");
    assert!(
        reason.starts_with("too large for a chart export"),
        "{reason}"
    );
    assert_eq!(
        d.standin.stats().media_calls,
        3,
        "only the charts are downloaded"
    );
}

#[test]
fn a_folder_in_the_drop_is_recorded_and_named_when_it_holds_the_charts() {
    let d = drive(100, 2);
    let batch = d.standin.folder(&d.day, "batch");
    d.standin
        .file(&batch, "INNER_daily.json", chart("INNER", 1));
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(&d, &out, &["--date", DAY], &[]);
    assert_eq!(output.status.code(), Some(0));
    let report = report(&out);
    assert_eq!(outcomes(&report), (2, 0, 1));
    let batch_entry = file_entry(&report, "batch");
    assert_eq!(batch_entry["outcome"], "skipped");
    assert!(
        batch_entry["reason"]
            .as_str()
            .unwrap()
            .contains("not from sub-folders"),
        "{batch_entry}"
    );

    // Everything dropped as a folder: the refusal names it.
    let d = drive(100, 0);
    let batch = d.standin.folder(&d.day, "batch");
    d.standin
        .file(&batch, "INNER_daily.json", chart("INNER", 1));
    let output = process(&d, &work.join("none"), &["--date", DAY], &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("are not read: batch"), "{stderr}");
}

/// An output uploaded beside the charts (its report, its symbol list) is skipped as what it is,
/// as from a local folder, and does not fail the run.
#[test]
fn bluedots_own_files_in_the_drop_are_skipped() {
    let d = drive(100, 2);
    let work = WorkDir::new();
    let first = work.join("first");
    assert_eq!(
        process(&d, &first, &["--date", DAY], &[]).status.code(),
        Some(0)
    );
    let report_bytes = std::fs::read(first.join("report.json")).unwrap();
    d.standin.file(&d.day, "report.json", report_bytes);
    let list = std::fs::read(first.join("data/daily/symbol_info/bluedot.json")).unwrap();
    d.standin.file(&d.day, "bluedot.json", list);
    let out = work.join("out");
    assert_eq!(
        process(&d, &out, &["--date", DAY], &[]).status.code(),
        Some(0)
    );
    let second = report(&out);
    assert_eq!(outcomes(&second), (2, 0, 2));
    assert_eq!(
        file_entry(&second, "report.json")["reason"],
        "bluedot's own run report, not a chart export"
    );
    assert_eq!(
        file_entry(&second, "bluedot.json")["reason"],
        "a symbol list bluedot wrote (symbol_info), not a chart export"
    );

    // Uploaded alone, they are no charts at all: the series published before stay, and the
    // run does not pass for a success.
    let alone = drive(100, 0);
    let report_bytes = std::fs::read(first.join("report.json")).unwrap();
    alone.standin.file(&alone.day, "report.json", report_bytes);
    let before = csvs(&first);
    assert!(!before.is_empty());
    let output = process(&alone, &first, &["--date", DAY], &[]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(csvs(&first), before, "the published series are kept");
    let again = report(&first);
    assert_eq!(again["published"], false);
    assert_eq!(outcomes(&again), (0, 0, 1));
}

/// From Drive, a run mostly waits for downloads: the report and the job summary say so, in the
/// stage of its own that every run reports.
#[test]
fn the_wait_for_downloads_is_a_stage_of_the_report() {
    let d = drive(100, 3);
    for i in 0..3 {
        d.standin.inject(
            Target::Media(name(i)),
            [Fault::SlowBody(std::time::Duration::from_millis(400))],
        );
    }
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(&d, &out, &ONE_AT_A_TIME, &[]);
    assert_eq!(output.status.code(), Some(0));
    let timings = &report(&out)["timings_ms"];
    // Three stalls of 400 ms one after another; the stage cannot be shorter than most of them.
    let fetch = timings["fetch"].as_u64().unwrap();
    assert!(fetch >= 800, "{timings}");
    assert!(fetch <= timings["wall"].as_u64().unwrap(), "{timings}");
}
