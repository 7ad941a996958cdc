//! The `process` command as a whole: mixed folders, exit codes, sharding, report.

use crate::chart::{self, bar};
use crate::harness::{self, WorkDir, file_entry};
use serde_json::json;

#[test]
fn bad_files_next_to_good_ones_are_reported_and_nothing_partial_is_left() {
    let wd = WorkDir::new();
    let good = chart::chart(Some("GOOD.IN"), vec![bar(0), bar(-1)], json!([]));
    wd.write("in/GOOD.IN_daily.json", &good);
    wd.write("in/ALSO_daily.json", chart::with_bars("ALSO", 1));
    wd.write("in/TRUNC_daily.json", &good[..good.len() / 2]);
    wd.write("in/EMPTY_daily.json", "");
    wd.write(
        "in/ERR_daily.json",
        r#"{"responseHeader":{"error":true,"errorCode":500},"chart":null}"#,
    );
    wd.write("in/notes.txt", "not a chart");
    let out = harness::process(&wd.join("in"), &wd.join("out"), "daily", &[]);
    assert_eq!(out.status.code(), Some(1), "some failed -> exit 1");

    let report = harness::report(&wd.join("out"));
    let expect = [
        ("GOOD.IN_daily.json", "ok", ""),
        ("ALSO_daily.json", "ok", ""),
        ("TRUNC_daily.json", "failed", "invalid JSON at line"),
        ("EMPTY_daily.json", "failed", "empty file"),
        (
            "ERR_daily.json",
            "failed",
            "responseHeader.error is true (errorCode: 500)",
        ),
        ("notes.txt", "skipped", "not a .json file"),
    ];
    for (name, outcome, reason) in expect {
        let entry = file_entry(&report, name);
        assert_eq!(entry["outcome"], outcome, "{entry}");
        assert!(
            entry["reason"].as_str().unwrap_or("").starts_with(reason),
            "{entry}"
        );
    }
    assert_eq!(report["totals"]["files"], 6);
    assert_eq!(
        (
            report["totals"]["ok"].as_u64(),
            report["totals"]["failed"].as_u64(),
            report["totals"]["skipped"].as_u64()
        ),
        (Some(2), Some(3), Some(1))
    );

    let files: Vec<String> = harness::tree(&wd.join("out")).into_keys().collect();
    let series: Vec<&String> = files.iter().filter(|f| f.ends_with(".csv")).collect();
    assert_eq!(
        series.len(),
        8,
        "only the two good charts wrote series: {files:?}"
    );
    assert!(
        series
            .iter()
            .all(|f| f.contains("GOOD_IN_") || f.contains("ALSO_"))
    );
    assert!(
        files
            .iter()
            .all(|f| !f.contains(".tmp") && !f.contains(".staging")),
        "{files:?}"
    );

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("2 ok, 3 failed, 1 skipped"), "{stderr}");
    assert!(
        stderr.contains("failed: TRUNC_daily.json: invalid JSON"),
        "{stderr}"
    );
}

#[test]
fn every_file_ok_exits_zero_and_reports_costs() {
    let wd = WorkDir::new();
    wd.write("in/A_daily.json", chart::with_bars("A", 1));
    let out = harness::process(&wd.join("in"), &wd.join("out"), "daily", &[]);
    assert_eq!(out.status.code(), Some(0));
    let report = harness::report(&wd.join("out"));
    for key in ["list", "read", "convert", "write", "finalize", "wall"] {
        assert!(report["timings_ms"][key].is_u64(), "timings_ms.{key}");
    }
    assert!(report["bytes"]["in"].as_u64().unwrap() > 100);
    assert!(report["bytes"]["out"].as_u64().unwrap() > 100);
    assert!(report["peak_rss_bytes"].as_u64().unwrap() > 1_000_000);
}

/// `bluedot process ... 2>&1 | head -1`: the reader of stderr may go before the run ends. The
/// run's status is still its own, not a panic's (101).
#[test]
fn a_reader_gone_from_stderr_or_stdout_does_not_change_the_status() {
    let wd = WorkDir::new();
    wd.write("in/A_daily.json", chart::with_bars("A", 1));
    // The pipe's reader is gone before the run starts: dropped after the spawn instead, a
    // busy machine could let the run write into the pipe first, and the write would succeed.
    let closed_pipe = |cmd: &mut std::process::Command, stdout: bool| {
        use std::process::Stdio;
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        if stdout {
            cmd.stdout(writer).stderr(Stdio::piped());
        } else {
            cmd.stdout(Stdio::null()).stderr(writer);
        }
        let output = cmd.output().unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    for stdout in [false, true] {
        let output = wd.join(&format!("out-{stdout}"));
        let mut process = harness::process_command(&wd.join("in"), &output, "daily");
        assert_eq!(
            closed_pipe(&mut process, stdout).0,
            Some(0),
            "stdout: {stdout}"
        );
        assert_eq!(harness::report(&output)["published"], true);
        harness::validate_output(&output);
    }

    // For `plan`, stdout carries the matrix: not written, the run failed, and says why.
    let mut plan = harness::bluedot();
    plan.arg("plan").arg("--input").arg(wd.join("in"));
    let (code, stderr) = closed_pipe(&mut plan, true);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot write the matrix to stdout"),
        "{stderr}"
    );
}

/// `run: bluedot process ...` in a workflow: the runner reads stderr too, and obeys `##[...]`
/// anywhere in a line. A file name holding it is shown, not obeyed.
#[test]
fn a_file_name_cannot_give_a_github_runner_a_command() {
    let wd = WorkDir::new();
    wd.write("in/x##[set-output name=status;]ok_daily.json", "[]");
    wd.write("in/A_daily.json", chart::with_bars("A", 1));
    let mut cmd = harness::process_command(&wd.join("in"), &wd.join("out"), "daily");
    let out = harness::run(cmd.env("RUST_LOG", "debug"));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("failed: x##\\[set-output"), "{stderr}");
    assert!(!stderr.contains("##["), "{stderr}");

    // Nor a value given to an option, quoted back in its error, however the line starts.
    let mut cmd = harness::process_command(&wd.join("in"), &wd.join("out"), "daily");
    let out = harness::run(cmd.args(["--timezone", "v\n\u{3000}::error::forged"]));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not an IANA time zone"), "{stderr}");
    for line in stderr.lines() {
        assert!(!line.trim_start().starts_with("::"), "{line:?}");
    }
}

#[test]
fn shards_split_the_folder_and_together_equal_the_whole() {
    let wd = WorkDir::new();
    for i in 0..40 {
        wd.write(
            &format!("in/S{i:02}_daily.json"),
            chart::chart(Some(&format!("S{i:02}")), vec![bar(0)], json!([])),
        );
    }
    wd.write("in/readme.md", "x");
    harness::process(&wd.join("in"), &wd.join("whole"), "daily", &[]);
    let whole = harness::tree(&wd.join("whole/data/daily"));
    let mut union = std::collections::BTreeMap::new();
    let mut reported = 0;
    for i in 0..3 {
        let out = wd.join(&format!("shard{i}"));
        let idx = i.to_string();
        harness::process(
            &wd.join("in"),
            &out,
            "daily",
            &["--shard-index", &idx, "--shard-count", "3"],
        );
        let report = harness::report(&out);
        assert_eq!(report["totals"]["listed"], 41);
        reported += report["totals"]["files"].as_u64().unwrap();
        for (name, bytes) in harness::tree(&out.join("data/daily")) {
            if !name.starts_with("symbol_info") {
                assert!(
                    union.insert(name.clone(), bytes).is_none(),
                    "{name} in two shards"
                );
            }
        }
    }
    assert_eq!(
        reported, 41,
        "every file, skipped ones included, reported by exactly one shard"
    );
    let whole_series: std::collections::BTreeMap<_, _> = whole
        .into_iter()
        .filter(|(n, _)| !n.starts_with("symbol_info"))
        .collect();
    assert_eq!(union, whole_series);
}

#[test]
fn usage_errors_exit_two() {
    let wd = WorkDir::new();
    let missing = harness::process(&wd.join("nope"), &wd.join("out"), "daily", &[]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot list input folder"));
    // A chart given where its folder goes: the message says what to give.
    wd.write("X_daily.json", chart::with_bars("X", 1));
    let file = harness::process(&wd.join("X_daily.json"), &wd.join("out"), "daily", &[]);
    assert_eq!(file.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&file.stderr)
            .contains("it is a file; give the folder that holds the chart files"),
        "{}",
        String::from_utf8_lossy(&file.stderr)
    );
    // A folder with a chart, so that no case below is refused only for having none.
    wd.write("in/ONE_daily.json", chart::with_bars("ONE", 1));
    let refused = |output: &str, timeframe: &str, extra: &[&str], says: &str| {
        let run = harness::process(&wd.join("in"), &wd.join(output), timeframe, extra);
        assert_eq!(run.status.code(), Some(2), "{extra:?}");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(stderr.contains(says), "{stderr}");
    };
    refused(
        "out",
        "daily",
        &["--shard-index", "3", "--shard-count", "3"],
        "shard index must be below the shard count 3, got 3",
    );
    // A matrix job that forgot its index would convert shard 0, and the rest go missing.
    let no_index = harness::process(
        &wd.join("in"),
        &wd.join("out"),
        "daily",
        &["--shard-count", "3"],
    );
    assert_eq!(no_index.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_index.stderr).contains("--shard-index"));
    // Drive's folder choice given with a local folder would be ignored without a word.
    for flag in ["--date", "--drive-path", "--download-concurrency"] {
        let value = if flag == "--download-concurrency" {
            "4"
        } else {
            "2025-08-01"
        };
        let drive_only = harness::process(&wd.join("in"), &wd.join("out"), "daily", &[flag, value]);
        assert_eq!(drive_only.status.code(), Some(2), "{flag}");
        let stderr = String::from_utf8_lossy(&drive_only.stderr);
        assert!(
            stderr.contains(&format!("{flag} applies to a Drive source")),
            "{stderr}"
        );
    }
    refused(
        "out",
        "monthly",
        &[],
        "invalid value 'monthly' for '--timeframe",
    );
    refused(
        "in/.",
        "daily",
        &[],
        "--input and --output are the same folder",
    );
    assert!(!wd.join("in/report.json").exists());
    assert!(!wd.join("out").exists(), "a refused run wrote nothing");
    // An output that cannot be a folder: the message says which.
    wd.write("in/notes.txt", "a file, not a folder");
    let unwritable = wd.join("in/notes.txt/out");
    let blocked = harness::process(&wd.join("in"), &unwritable, "daily", &[]);
    assert_eq!(blocked.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&blocked.stderr);
    assert!(
        stderr.contains(&format!(
            "cannot write the output in {}",
            unwritable.display()
        )),
        "{stderr}"
    );
}

#[test]
fn a_folder_without_charts_is_refused_and_the_last_output_kept() {
    let wd = WorkDir::new();
    wd.write(
        "drop/2025-08-01/KEPT_daily.json",
        chart::with_bars("KEPT", 1),
    );
    let first = harness::process(&wd.join("drop/2025-08-01"), &wd.join("out"), "daily", &[]);
    assert_eq!(first.status.code(), Some(0));
    let published = harness::tree(&wd.join("out"));

    // The drop's parent folder instead of the drop: converting nothing would publish an empty
    // tree in place of yesterday's.
    for i in 2..=5 {
        wd.write(
            &format!("drop/2025-08-0{i}/S{i}_daily.json"),
            chart::with_bars("S", 1),
        );
    }
    wd.write("drop/notes.txt", "not a chart");
    let out = harness::process(&wd.join("drop"), &wd.join("out"), "daily", &[]);
    assert_eq!(out.status.code(), Some(2), "a usage error");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "error: no chart files (*.json) in {} (1 other file there would be skipped); \
             charts are read from the folder itself, not its sub-folders: \
             2025-08-05 holds 1, 2025-08-04 holds 1, 2025-08-03 holds 1, and 2 more",
            wd.join("drop").display()
        )),
        "{stderr}"
    );
    assert_eq!(harness::tree(&wd.join("out")), published, "nothing touched");

    // The folder above the drops' folder (`--input examples/data`): the hint looks a level
    // further down.
    let out = harness::process(wd.path(), &wd.join("elsewhere"), "daily", &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "charts are read from the folder itself, not its sub-folders: \
             drop/2025-08-05 holds 1, drop/2025-08-04 holds 1, drop/2025-08-03 holds 1, and 2 more"
        ),
        "{stderr}"
    );

    std::fs::create_dir(wd.join("empty")).unwrap();
    let out = harness::process(&wd.join("empty"), &wd.join("out"), "daily", &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.trim_end().ends_with(&format!(
            "no chart files (*.json) in {}",
            wd.join("empty").display()
        )),
        "{stderr}"
    );
    assert_eq!(harness::tree(&wd.join("out")), published, "nothing touched");
}

/// `--input` given bluedot's own output, at any of its levels: its report and symbol lists are
/// skipped as what they are, never failed as charts, and the run says what to give instead.
#[test]
fn an_input_of_bluedots_own_output_is_refused_with_what_to_give() {
    let wd = WorkDir::new();
    wd.write("drop/ONE_daily.json", chart::with_bars("ONE", 1));
    let first = harness::process(&wd.join("drop"), &wd.join("site"), "daily", &[]);
    assert_eq!(first.status.code(), Some(0));
    for input in [
        "site",
        "site/data",
        "site/data/daily",
        "site/data/daily/symbol_info",
    ] {
        let out = harness::process(&wd.join(input), &wd.join("out"), "daily", &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{input}: {stderr}");
        assert!(
            stderr.contains(
                "it holds bluedot's output (series, symbol lists or a run report), not chart \
                 exports: --input is the folder of MarketSmith *.json files"
            ),
            "{input}: {stderr}"
        );
        assert!(!stderr.contains("symbol_info holds"), "{input}: {stderr}");
        assert!(!wd.join("out").exists(), "{input}");
    }

    // Beside charts, whatever their names, they are skipped and the charts convert; other JSON
    // that is no chart still fails, as it may be a broken export.
    std::fs::copy(wd.join("site/report.json"), wd.join("drop/report.json")).unwrap();
    std::fs::copy(wd.join("site/report.json"), wd.join("drop/old-run.json")).unwrap();
    std::fs::copy(
        wd.join("site/data/daily/symbol_info/bluedot.json"),
        wd.join("drop/bluedot.json"),
    )
    .unwrap();
    wd.write("drop/watchlist.json", r#"{"symbols": ["ONE"]}"#);
    let out = harness::process(&wd.join("drop"), &wd.join("out"), "daily", &[]);
    assert_eq!(out.status.code(), Some(1));
    let report = harness::report(&wd.join("out"));
    let entry = |name: &str| {
        let entry = harness::file_entry(&report, name);
        (entry["outcome"].clone(), entry["reason"].clone())
    };
    let own_report = (
        json!("skipped"),
        json!("bluedot's own run report, not a chart export"),
    );
    assert_eq!(entry("report.json"), own_report);
    assert_eq!(entry("old-run.json"), own_report);
    assert_eq!(
        entry("bluedot.json"),
        (
            json!("skipped"),
            json!("a symbol list bluedot wrote (symbol_info), not a chart export")
        )
    );
    assert_eq!(
        entry("watchlist.json"),
        (
            json!("failed"),
            json!("not a chart export: no \"chart\" object at the top level")
        )
    );
    assert_eq!(entry("ONE_daily.json").0, "ok");
}

#[test]
fn a_run_that_converts_no_chart_keeps_the_last_output() {
    let wd = WorkDir::new();
    wd.write(
        "weekly/W_weekly.json",
        chart::weekly_chart(Some("W"), vec![bar(0), bar(-7)], json!([])),
    );
    let first = harness::process(&wd.join("weekly"), &wd.join("out"), "weekly", &[]);
    assert_eq!(first.status.code(), Some(0));
    assert_eq!(harness::report(&wd.join("out"))["published"], true);
    let published = harness::tree(&wd.join("out/data"));

    // A daily drop given to a weekly run: every chart fails, and an empty tree must not replace
    // last week's series. The same for a drop of broken exports.
    wd.write("daily/D_daily.json", chart::with_bars("D", 1));
    wd.write("broken/B_weekly.json", "{\"chart\": {\"prices\": [");
    for drop in ["daily", "broken"] {
        let out = harness::process(&wd.join(drop), &wd.join("out"), "weekly", &[]);
        assert_eq!(out.status.code(), Some(1), "{drop}: failures");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(
                "no chart converted: nothing was published; any series published before are kept"
            ) && stderr.contains("weekly left as it was"),
            "{drop}: {stderr}"
        );
        let report = harness::report(&wd.join("out"));
        assert_eq!(report["published"], false, "{drop}");
        assert_eq!(report["totals"]["failed"], 1, "{drop}");
        assert_eq!(harness::tree(&wd.join("out/data")), published, "{drop}");
    }
    // Into a fresh output, there was nothing to leave as it was, and nothing is left but the
    // report: an empty `data/` would look like a tree published empty.
    for mode in ["staged", "per-file"] {
        let fresh = wd.join(&format!("fresh-{mode}"));
        let out = harness::process(
            &wd.join("broken"),
            &fresh,
            "weekly",
            &["--write-mode", mode],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("weekly not written"), "{mode}: {stderr}");
        let left: Vec<_> = std::fs::read_dir(&fresh)
            .unwrap()
            .map(|item| item.unwrap().file_name())
            .collect();
        assert_eq!(left, ["report.json"], "{mode}");
    }

    // One chart converting is a run to publish, failures and all.
    wd.write(
        "broken/W2_weekly.json",
        chart::weekly_chart(Some("W2"), vec![bar(0)], json!([])),
    );
    let out = harness::process(&wd.join("broken"), &wd.join("out"), "weekly", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(harness::report(&wd.join("out"))["published"], true);
    let now = harness::tree(&wd.join("out/data/weekly"));
    assert!(now.contains_key("W2_PRICE_DATA.csv") && !now.contains_key("W_PRICE_DATA.csv"));
}

// Links are made with Unix's call; elsewhere they need privileges.
#[cfg(unix)]
#[test]
fn listing_follows_links_to_charts_fails_what_cannot_be_read_and_skips_what_is_not_a_chart() {
    let wd = WorkDir::new();
    let linked = chart::with_bars("LINKED", 1);
    wd.write("elsewhere/LINKED_daily.json", &linked);
    wd.write("in/PLAIN_daily.json", chart::with_bars("PLAIN", 1));
    wd.write("in/notes.txt", "eleven byte");
    wd.write("in/nested.json/INNER_daily.json", &linked);
    // Charts dropped as a folder: not read, but not passed over without a word either.
    wd.write("in/batch/INNER_daily.json", &linked);
    std::os::unix::fs::symlink(
        wd.join("elsewhere/LINKED_daily.json"),
        wd.join("in/LINKED_daily.json"),
    )
    .unwrap();
    std::os::unix::fs::symlink(wd.join("gone.json"), wd.join("in/GONE_daily.json")).unwrap();
    // What macOS leaves beside each file it copies to a USB disk.
    wd.write("in/._PLAIN_daily.json", [0u8, 5, 22, 7]);
    let fifo =
        harness::run(std::process::Command::new("mkfifo").arg(wd.join("in/PIPE_daily.json")));
    assert!(fifo.status.success());

    let out = harness::process(&wd.join("in"), &wd.join("out"), "daily", &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a chart that cannot be read fails; skipped files are not failures"
    );

    let report = harness::report(&wd.join("out"));
    let names: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "._PLAIN_daily.json",
            "GONE_daily.json",
            "LINKED_daily.json",
            "PIPE_daily.json",
            "PLAIN_daily.json",
            "batch",
            "nested.json",
            "notes.txt"
        ],
    );
    let expect = [
        (
            "GONE_daily.json",
            "failed",
            "cannot read: a link to a file that is not there (No such file or directory (os error 2))",
        ),
        ("LINKED_daily.json", "ok", ""),
        (
            "PIPE_daily.json",
            "failed",
            "cannot read: not a regular file (a pipe, socket or device)",
        ),
        ("PLAIN_daily.json", "ok", ""),
        (
            "._PLAIN_daily.json",
            "skipped",
            "macOS metadata (a `._` file beside the chart it describes), not a chart",
        ),
        (
            "nested.json",
            "skipped",
            "a folder: charts are read from the files directly in the drop folder, not from sub-folders",
        ),
        (
            "batch",
            "skipped",
            "a folder: charts are read from the files directly in the drop folder, not from sub-folders",
        ),
        ("notes.txt", "skipped", "not a .json file"),
    ];
    for (name, outcome, reason) in expect {
        let entry = file_entry(&report, name);
        assert_eq!(entry["outcome"], outcome, "{entry}");
        assert_eq!(entry["reason"].as_str().unwrap_or(""), reason, "{entry}");
    }
    assert_eq!(file_entry(&report, "notes.txt")["bytes_in"], 11);
    assert_eq!(
        file_entry(&report, "LINKED_daily.json")["bytes_in"],
        linked.len()
    );
    let files = harness::tree(&wd.join("out"));
    assert!(files.contains_key("data/daily/LINKED_PRICE_DATA.csv"));
    assert!(!files.keys().any(|f| f.contains("INNER")), "{files:?}");
    harness::validate_output(&wd.join("out"));
}

#[test]
fn a_file_larger_than_a_chart_can_be_fails_alone() {
    let wd = WorkDir::new();
    // 32 MiB, the most a chart may hold, and a byte more: the same chart padded with spaces,
    // which JSON allows after the document.
    let limit = 32 * 1024 * 1024;
    let chart = chart::with_bars("A", 1);
    for (name, size) in [
        ("AT_LIMIT_daily.json", limit),
        ("OVER_daily.json", limit + 1),
    ] {
        let mut padded = chart.clone();
        padded.resize(size, b' ');
        wd.write(&format!("in/{name}"), padded);
    }
    wd.write("in/B_daily.json", chart::with_bars("B", 1));

    let out = harness::process(&wd.join("in"), &wd.join("out"), "daily", &[]);
    assert_eq!(out.status.code(), Some(1));
    let report = harness::report(&wd.join("out"));
    let over = file_entry(&report, "OVER_daily.json");
    assert_eq!(over["outcome"], "failed");
    assert_eq!(
        over["reason"],
        format!(
            "too large for a chart export: {} bytes, over the limit of {limit} bytes (32 MiB)",
            limit + 1
        )
    );
    assert_eq!(file_entry(&report, "AT_LIMIT_daily.json")["outcome"], "ok");
    assert_eq!(file_entry(&report, "B_daily.json")["outcome"], "ok");
}

/// The size limit is what bounds a chart's memory, so no shape within it may cost much more
/// than its bytes: a price row of two million unknown keys took 11 times its 30 MB to read.
#[test]
#[cfg(target_os = "linux")]
fn a_chart_of_millions_of_unknown_keys_takes_memory_about_its_size() {
    let wd = WorkDir::new();
    let keys: String = (0..2_000_000).map(|i| format!(",\"k{i}\":1")).collect();
    let row = format!(
        r#"{{"priceDate": {}, "open": 10, "high": 12, "low": 9, "close": 11, "volume": 5{keys}}}"#,
        chart::EDT_2025_08_01
    );
    let file =
        format!(r#"{{"chart": {{"peripheralData": {{"symbol": "K"}}, "prices": [{row}]}}}}"#);
    wd.write("in/K_daily.json", &file);
    let out = harness::process(
        &wd.join("in"),
        &wd.join("out"),
        "daily",
        &["--workers", "1"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        wd.read("out/data/daily/K_PRICE_DATA.csv"),
        "20250801T,10,12,9,11,5\n"
    );
    let peak = harness::report(&wd.join("out"))["peak_rss_bytes"]
        .as_u64()
        .unwrap();
    // The file is held once while read (the most any chart costs), plus the process itself.
    let bound = 2 * file.len() as u64 + 30_000_000;
    assert!(
        peak < bound,
        "peak {peak} bytes for a {}-byte chart",
        file.len()
    );
}
