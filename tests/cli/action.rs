//! The action as the runner runs it: `INPUT_*` with dashes, fresh `GITHUB_OUTPUT` and
//! `GITHUB_STEP_SUMMARY` files, the workspace, and the outputs read back with the runner's rules.

mod drive;
mod plan;
mod runner;
mod untrusted;

use crate::harness::{file_entry, process, report, run, tree};
use runner::{FAKE_GITHUB_TOKEN, Runner};
use std::path::Path;
use untrusted::{assert_never_leaked, mask_lines};

/// A minimal valid daily chart for `symbol`.
fn chart(symbol: &str) -> String {
    format!(
        r#"{{"chart":{{"prices":[{{"priceDate":1753986600000,"open":10,"high":11,"low":9,"close":10.5,"volume":100,"pdt":"TradingDate","bc":1.5,"rlst":50}}],"peripheralData":{{"symbol":"{symbol}","name":"Company {symbol}"}}}}}}"#
    )
}

/// A distinct letters-only symbol per index (symbols must not collide).
fn symbol(i: usize) -> String {
    let mut n = i;
    let mut s = String::new();
    for _ in 0..4 {
        s.push((b'A' + (n % 26) as u8) as char);
        n /= 26;
    }
    format!("{s}.IN")
}

/// `count` generated valid charts in `drop/`; returns the folder, relative to the workspace.
fn charts_folder(runner: &Runner, count: usize) -> &'static str {
    for i in 0..count {
        let s = symbol(i);
        runner.write(&format!("drop/{s}_daily.json"), chart(&s));
    }
    "drop"
}

/// The runner's output file cannot be written (a full disk, a path gone): the step fails, and
/// says that what it published stays published.
#[test]
fn an_unwritable_output_file_fails_the_step_saying_the_run_published() {
    let runner = Runner::new();
    let folder = charts_folder(&runner, 2);
    let (mut cmd, _, _) = runner.command(&[("source", folder)]);
    cmd.env("GITHUB_OUTPUT", runner.workspace().join("gone/output"));
    let out = crate::harness::run(&mut cmd);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("::error title=bluedot::cannot write the step's outputs or summary (")
            && stdout.contains(
                "the run itself ended as the log above says, and what it published stays published"
            ),
        "{stdout}"
    );
    assert_eq!(
        report(&runner.workspace().join("bluedot-output"))["published"],
        true
    );
}

/// A run its output stops part-way (a full disk; here a file size limit) is an error, as on the
/// command line, not an interruption: a workflow that lets a cancelled run pass must not let a
/// full disk pass with it.
#[cfg(target_os = "linux")]
#[test]
fn a_run_its_output_stops_is_an_error_not_an_interruption() {
    let runner = Runner::new();
    let folder = charts_folder(&runner, 40);
    // Its price series outgrows the limit while the others convert.
    runner.write(
        &format!("{folder}/LONG.IN_daily.json"),
        crate::chart::with_bars("LONG.IN", 1000),
    );
    let (mut cmd, output_file, summary_file) = runner.command(&[("source", folder)]);
    let limited = run(crate::harness::with_file_size_limit(&mut cmd, 16 * 1024));
    let step = runner::collect(limited, &output_file, &summary_file);
    step.assert_stopped_by_a_full_output();
    assert!(
        step.summary.contains("bluedot process: stopped"),
        "{}",
        step.summary
    );
}

#[test]
fn process_writes_outputs_summary_and_the_same_files_as_the_cli() {
    let runner = Runner::new();
    let folder = charts_folder(&runner, 12);
    runner.write(&format!("{folder}/BROKEN.IN_daily.json"), "{\"chart\": ");
    runner.write(&format!("{folder}/notes.txt"), "not a chart");
    let step = runner.step(&[
        ("source", folder),
        ("output-dir", "out/shard"),
        ("min-success-rate", "0.9"),
        ("date", "2025-08-01"),
    ]);
    assert_eq!(step.code(), 0, "12 of 13 ok meets 0.9");
    let outputs = step.outputs();
    assert_eq!(outputs["files-total"], "14");
    assert_eq!(outputs["files-ok"], "12");
    assert_eq!(outputs["files-failed"], "1");
    // 12 / 13 = 0.923076...: cut to four places, never rounded up.
    assert_eq!(outputs["success-rate"], "0.9230");
    assert_eq!(outputs["status"], "some-failed");
    assert_eq!(outputs["report-path"], "out/shard/report.json");

    let report = report(&runner.workspace().join("out/shard"));
    assert_eq!(report["totals"]["ok"], 12);
    assert_eq!(report["source"], "local:drop");
    assert_eq!(
        file_entry(&report, "BROKEN.IN_daily.json")["outcome"],
        "failed"
    );
    let symbols = runner.read("out/shard/data/daily/symbol_info/bluedot.json");
    assert!(symbols.contains("AAAA_IN"), "{symbols}");

    let summary = &step.summary;
    assert!(summary.len() < 1024 * 1024);
    assert!(summary.starts_with("## bluedot process: daily\n"));
    assert!(
        summary.contains("| files | count |\n|---|---:|\n"),
        "{summary}"
    );
    assert!(summary.contains("| ok | 12 |"));
    assert!(
        summary.contains(
            "### Failed files (1)\n\n| file | reason |\n|---|---|\n| BROKEN&#46;IN&#95;daily&#46;json |"
        ),
        "{summary}"
    );
    assert!(summary.contains("| notes&#46;txt | not a &#46;json file |"));
    assert!(summary.contains("| peak memory |"));
    assert!(summary.contains("| wall clock |"));
    // Every table row has as many cells as its header.
    for table in summary.split("\n\n").filter(|b| b.starts_with('|')) {
        let cells = |l: &str| l.matches('|').count();
        let width = cells(table.lines().next().unwrap());
        assert!(table.lines().all(|l| cells(l) == width), "{table}");
    }

    let errors = step.annotations("::error");
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with(
            "::error file=drop/BROKEN.IN_daily.json,title=failed%3A BROKEN.IN_daily.json::"
        ),
        "{}",
        errors[0]
    );
    assert!(step.stdout.contains("::warning file=drop/notes.txt,"));
    assert!(step.stdout.contains("::group::Converting 14 of 14 files"));
    assert_never_leaked(&runner, &step, FAKE_GITHUB_TOKEN);
    assert_eq!(
        mask_lines(&step.stdout),
        [format!("::add-mask::{FAKE_GITHUB_TOKEN}")]
    );

    // The action converts exactly as the plain CLI does.
    let cli_out = runner.root().join("cli-out");
    let out = process(&runner.workspace().join(folder), &cli_out, "daily", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        tree(&cli_out.join("data")),
        tree(&runner.workspace().join("out/shard/data"))
    );
}

#[test]
fn shards_split_the_files_and_the_gate_decides_the_exit() {
    let runner = Runner::new();
    let folder = charts_folder(&runner, 40);
    let mut ok = 0;
    for index in 0..4 {
        let step = runner.step(&[
            ("source", folder),
            ("shard-index", &index.to_string()),
            ("shard-count", "4"),
            ("output-dir", &format!("out-{index}")),
        ]);
        assert_eq!(step.code(), 0);
        ok += step.outputs()["files-ok"].parse::<u32>().unwrap();
        let title = format!("## bluedot process: daily, shard {index}/4\n");
        assert!(step.summary.starts_with(&title), "{}", step.summary);
    }
    assert_eq!(ok, 40, "every file in exactly one shard");

    // One chart over four shards: three draw none, and say so rather than "all 0 converted".
    runner.write("one/ONE.IN_daily.json", chart("ONE.IN"));
    let mut empty = 0;
    for index in 0..4 {
        let step = runner.step(&[
            ("source", "one"),
            ("shard-index", &index.to_string()),
            ("shard-count", "4"),
            ("output-dir", &format!("one-{index}")),
        ]);
        assert_eq!(step.code(), 0);
        if step.outputs()["files-ok"] == "0" {
            empty += 1;
            assert_eq!(step.outputs()["success-rate"], "1.0000");
            assert!(
                step.summary.contains("no chart fell to this shard"),
                "{}",
                step.summary
            );
        }
    }
    assert_eq!(empty, 3);

    runner.write(&format!("{folder}/BAD.IN_daily.json"), "[]");
    let strict = runner.step(&[("source", folder)]);
    assert_eq!(
        (strict.code(), strict.outputs()["status"].as_str()),
        (1, "some-failed")
    );
    let gated = runner.step(&[("source", folder), ("min-success-rate", "99%")]);
    assert_eq!(
        (gated.code(), gated.outputs()["status"].as_str()),
        (1, "below-min-success-rate")
    );
    // 40 of 41 is 97.56097... %: cut, never rounded up, and the threshold as given.
    assert!(
        gated
            .summary
            .contains("success rate 97.56 % is below min-success-rate 99 %"),
        "{}",
        gated.summary
    );
    assert_eq!(gated.outputs()["success-rate"], "0.9756");

    // A shard whose every chart failed publishes nothing, and says so.
    runner.write("bad-only/BAD.IN_daily.json", "[]");
    let failed = runner.step(&[("source", "bad-only"), ("min-success-rate", "0")]);
    assert_eq!(
        (failed.code(), failed.outputs()["status"].as_str()),
        (0, "some-failed")
    );
    assert!(
        failed
            .summary
            .contains("no chart converted, so nothing was published"),
        "{}",
        failed.summary
    );

    // A drop whose one chart proved to be none (a run's report saved under another name):
    // nothing failed, nothing converted, nothing published. It reads 0, not a perfect 1.
    let own_report = runner.read("one-0/report.json");
    runner.write("own/last_run.json", own_report);
    let none = runner.step(&[("source", "own"), ("min-success-rate", "0")]);
    assert_eq!(
        (none.code(), none.outputs()["status"].as_str()),
        (1, "some-failed")
    );
    assert_eq!(none.outputs()["files-failed"], "0");
    assert_eq!(none.outputs()["success-rate"], "0.0000");
    assert!(
        none.summary
            .contains("no file handed over could be converted: each was skipped"),
        "{}",
        none.summary
    );
    assert!(
        none.summary
            .contains("| success rate (ok / (ok + failed)) | 0.00 % |"),
        "{}",
        none.summary
    );
}

#[test]
fn thousands_of_failures_keep_the_summary_under_1_mib_and_annotations_at_10() {
    let runner = Runner::new();
    let long = "X".repeat(200);
    for i in 0..4000 {
        runner.write(&format!("bad/{long}{i:05}_daily.json"), "{\"chart\": nope");
    }
    let step = runner.step(&[("source", "bad")]);
    assert_eq!(step.code(), 1);
    assert_eq!(step.outputs()["files-failed"], "4000");
    assert!(
        step.summary.len() < 1024 * 1024,
        "{} bytes",
        step.summary.len()
    );
    let shown = step
        .summary
        .lines()
        .filter(|l| l.starts_with("| XXX"))
        .count();
    assert!((1000..4000).contains(&shown), "{shown} rows");
    assert!(
        step.summary.contains(&format!(
            "_{} more failures not shown here, to keep this summary under 1 MiB",
            4000 - shown
        )),
        "{}",
        &step.summary[step.summary.len() - 400..]
    );
    let errors = step.annotations("::error");
    assert_eq!(errors.len(), 10);
    assert!(
        errors[9].contains("3991 more errors are not shown as annotations"),
        "{}",
        errors[9]
    );
}

#[test]
fn folders_outside_the_workspace_and_unknown_modes_are_refused() {
    let runner = Runner::new();
    let folder = charts_folder(&runner, 1);
    runner.write("no-charts/notes.txt", "not a chart");
    for (with, expected) in [
        (vec![("source", "no-charts")], "no chart files (*.json) in"),
        (
            vec![("source", folder), ("output-dir", "../escape")],
            "outside the workspace",
        ),
        (vec![("source", "/etc")], "outside the workspace"),
        (
            vec![("source", folder), ("mode", "merge")],
            "mode `merge` arrives with",
        ),
        (
            vec![("source", folder), ("mode", "health")],
            "mode `health` arrives with",
        ),
        (
            vec![("source", "gdrive:1AbC")],
            "needs `google-credentials`",
        ),
        (
            vec![("source", folder), ("google-api-key", "k")],
            "applies to a gdrive:<folderId> source only",
        ),
        (
            vec![("source", folder), ("download-concurrency", "4")],
            "input `download-concurrency` applies to a gdrive:<folderId> source only",
        ),
        (
            vec![
                ("source", folder),
                ("shard-index", "4"),
                ("shard-count", "4"),
            ],
            "shard index",
        ),
        (
            // A matrix job that forgot its index: the runner passes shard-count with no index.
            vec![("source", folder), ("shard-count", "4")],
            "shard-count is given without shard-index",
        ),
        (
            vec![("source", folder), ("timezone", "Mars/Olympus")],
            "IANA",
        ),
        (vec![], "input `source` is required"),
    ] {
        let step = runner.step(&with);
        assert_eq!(step.code(), 2, "{with:?}");
        assert!(step.stdout.contains(expected), "{with:?}: {}", step.stdout);
        assert_eq!(step.outputs()["status"], "error");
    }
    assert!(!runner.root().join("escape").exists());

    // `output-dir` inside, but its `data` a link out of the workspace: the series would follow.
    #[cfg(unix)]
    {
        let elsewhere = runner.root().join("elsewhere");
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::create_dir_all(runner.workspace().join("linked")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, runner.workspace().join("linked/data")).unwrap();
        let step = runner.step(&[("source", folder), ("output-dir", "linked")]);
        assert_eq!(step.code(), 2);
        assert!(
            step.stdout.contains("outside the workspace"),
            "{}",
            step.stdout
        );
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    }

    // Without a workspace the step still ends with its status and summary.
    let (mut cmd, output_file, summary_file) = runner.command(&[("source", folder)]);
    let step = runner::collect(
        run(cmd.env_remove("GITHUB_WORKSPACE")),
        &output_file,
        &summary_file,
    );
    assert_eq!(step.code(), 2);
    assert_eq!(step.outputs()["status"], "error");
    assert!(
        step.summary.contains("GITHUB&#95;WORKSPACE is not set"),
        "{}",
        step.summary
    );
}

// The runner stops a container with SIGTERM; Windows has no such signal to send.
#[cfg(unix)]
#[test]
fn sigterm_stops_the_run_and_still_writes_the_summary() {
    let runner = Runner::new();
    let folder = charts_folder(&runner, 6000);
    let (mut cmd, output_file, summary_file) =
        runner.command(&[("source", folder), ("workers", "1")]);
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until series are being written, then stop it as the runner's `docker stop` would.
    let data = runner.workspace().join("bluedot-output/data");
    crate::harness::wait_until_series_are_staged(&data);
    let kill = run(std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]));
    assert!(kill.status.success());
    let step = runner::collect(
        child.wait_with_output().unwrap(),
        &output_file,
        &summary_file,
    );
    assert_eq!(step.code(), 1);
    assert_eq!(step.outputs()["status"], "interrupted");
    // Charts were converted, but none reached the output.
    assert_eq!(step.outputs()["success-rate"], "0.0000");
    assert!(step.summary.contains("interrupted"), "{}", step.summary);
    assert!(step.summary.contains("| in this shard | 6000 |"));
    // The charts not reached are one warning, not ten error annotations of the same reason.
    assert_eq!(step.annotations("::error"), Vec::<&str>::new());
    let warnings = step.annotations("::warning");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].starts_with("::warning title=interrupted::"));
    // Nor are they thousands of rows of the job summary.
    assert!(
        step.summary
            .contains("of the files were not reached before the signal"),
        "{}",
        step.summary
    );
    assert!(
        !step.summary.contains("### Failed files"),
        "{}",
        step.summary
    );
    let report = report(&runner.workspace().join("bluedot-output"));
    assert_eq!(report["interrupted"], true);
    // Nothing published, nothing staged, not even the folder that was made for them.
    assert!(
        !data.exists(),
        "{:?}",
        std::fs::read_dir(&data).map(|d| d.count())
    );
}

/// The repository's example drop (the data the self-test job in ci.yml uses) when it is there;
/// generated charts otherwise. Whatever the folder holds, outputs, summary and report agree.
#[test]
fn process_on_the_example_drop_agrees_with_its_report() {
    let runner = Runner::new();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/daily/2025-08-01");
    let folder = if examples.is_dir() {
        for entry in std::fs::read_dir(&examples).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                runner.write(&format!("examples/{name}"), std::fs::read(&path).unwrap());
            }
        }
        "examples"
    } else {
        charts_folder(&runner, 20)
    };
    let step = runner.step(&[("source", folder), ("timezone", "Asia/Kolkata")]);
    let outputs = step.outputs();
    let report = report(&runner.workspace().join("bluedot-output"));
    let totals = &report["totals"];
    assert!(totals["ok"].as_u64().unwrap() > 0);
    assert_eq!(outputs["files-total"], totals["files"].to_string());
    assert_eq!(outputs["files-ok"], totals["ok"].to_string());
    assert_eq!(outputs["files-failed"], totals["failed"].to_string());
    let failed = totals["failed"].as_u64().unwrap();
    assert_eq!(step.code(), if failed > 0 { 1 } else { 0 });
    assert!(step.summary.contains(&format!("| ok | {} |", totals["ok"])));
    assert!(step.summary.len() < 1024 * 1024);
    // The example drop mixes Indian and American charts: the American bars are not stamped at
    // midnight in Asia/Kolkata, which one annotation says.
    let warnings = step
        .annotations("::warning title=dates may be a day off::")
        .len();
    let off = report["bars_not_at_midnight"].as_u64().unwrap();
    assert_eq!(warnings, usize::from(off > 0), "{off}");
    assert_eq!(
        step.summary.contains("**Warning**: "),
        off > 0,
        "{}",
        step.summary
    );
}

/// A chart whose latest bar is left out for its prices ends a day early: the run still succeeds,
/// and one annotation and the job summary say which chart and which day.
#[test]
fn a_bar_left_out_is_annotated_with_its_chart_and_day() {
    let runner = Runner::new();
    let folder = charts_folder(&runner, 2);
    // The bar of 2025-08-01 has its high under its close; the one of 2025-07-31 after it (newest
    // first, as exports are) is sound.
    let older = r#"{"priceDate":1753900200000,"open":10,"high":11,"low":9,"close":10.5,"volume":100,"pdt":"TradingDate","bc":1.5,"rlst":50}"#;
    let two_bars = chart("LOST.IN")
        .replace(r#""high":11"#, r#""high":10.2"#)
        .replace("}],", &format!("}},{older}],"));
    runner.write(&format!("{folder}/LOST.IN_daily.json"), two_bars);
    let step = runner.step(&[("source", folder)]);
    assert_eq!(step.code(), 0);
    let annotations = step.annotations("::warning title=bars left out::");
    assert_eq!(annotations.len(), 1, "{}", step.stdout);
    assert!(
        annotations[0].contains(
            "LOST.IN_daily.json 2025-08-01 ohlc_violation, its latest trading bar (the latest trading bar written: 2025-07-31)"
        ),
        "{}",
        annotations[0]
    );
    assert!(
        step.summary.contains(
            "**Warning**: 1 chart lost trading bars to bad prices (1 of them their latest)"
        ),
        "{}",
        step.summary
    );
    assert!(
        step.summary.contains(
            "### Bars left out for their prices (1)\n\n| file | newest bar left out |\n|---|---|\n| LOST&#46;IN&#95;daily&#46;json | 2025-08-01 ohlc&#95;violation, its latest trading bar &#40;the latest trading bar written&#58; 2025-07-31&#41; |\n"
        ),
        "{}",
        step.summary
    );
}

/// `keep-holidays` is the CLI's `--keep-holidays`: a holiday row stays in PRICE_DATA, and a
/// value that is not a boolean is refused rather than read as `false`.
#[test]
fn keep_holidays_keeps_holiday_rows_in_price_data() {
    let runner = Runner::new();
    let holiday = r#"{"priceDate":1753900200000,"open":10,"high":11,"low":9,"close":10.5,"volume":null,"pdt":"Holiday","bc":1.5,"rlst":null}"#;
    let with_holiday = chart("HOL.IN").replace("}],", &format!("}},{holiday}],"));
    runner.write("drop/HOL.IN_daily.json", with_holiday);
    let price_data = || {
        std::fs::read_to_string(
            runner
                .workspace()
                .join("bluedot-output/data/daily/HOL_IN_PRICE_DATA.csv"),
        )
        .unwrap()
    };
    let kept = runner.step(&[("source", "drop"), ("keep-holidays", "true")]);
    assert_eq!(kept.code(), 0);
    assert!(price_data().starts_with("20250731T,10,11,9,10.5,0\n"));
    assert!(
        kept.summary
            .contains("| holiday &#40;kept in PRICE&#95;DATA&#41; | 1 |"),
        "{}",
        kept.summary
    );
    let left_out = runner.step(&[("source", "drop"), ("keep-holidays", "false")]);
    assert_eq!(left_out.code(), 0);
    assert_eq!(price_data(), "20250801T,10,11,9,10.5,100\n");
    let refused = runner.step(&[("source", "drop"), ("keep-holidays", "yes")]);
    assert_eq!(refused.code(), 2);
}

/// A chart in the source folder that is a link out of the workspace is not read: a link in a
/// pull request must not have the run read a file of the machine and quote it. A link inside
/// the workspace is a chart as any.
#[cfg(unix)]
#[test]
fn a_chart_linked_from_outside_the_workspace_is_not_read() {
    let runner = Runner::new();
    let folder = charts_folder(&runner, 1);
    let outside = runner.root().join("outside_daily.json");
    std::fs::write(&outside, chart("OUT.IN")).unwrap();
    let workspace = runner.workspace();
    std::os::unix::fs::symlink(&outside, workspace.join("drop/OUT.IN_daily.json")).unwrap();
    runner.write("kept/IN.IN_daily.json", chart("IN.IN"));
    std::os::unix::fs::symlink(
        workspace.join("kept/IN.IN_daily.json"),
        workspace.join("drop/IN.IN_daily.json"),
    )
    .unwrap();
    let step = runner.step(&[("source", folder)]);
    assert_eq!(step.code(), 1);
    let report = report(&workspace.join("bluedot-output"));
    let linked = file_entry(&report, "OUT.IN_daily.json");
    assert_eq!(linked["outcome"], "failed");
    assert_eq!(
        linked["reason"],
        "cannot read: a link to a file outside the workspace, which is not read"
    );
    assert_eq!(file_entry(&report, "IN.IN_daily.json")["outcome"], "ok");
    assert!(
        !workspace
            .join("bluedot-output/data/daily/OUT_IN_PRICE_DATA.csv")
            .exists()
    );
}

/// Stocks the run stopped publishing (their charts failed or were missing) are named where the
/// run is watched: the job summary, not only the log and report.json.
#[test]
fn series_no_longer_published_are_in_the_job_summary() {
    let runner = Runner::new();
    let folder = charts_folder(&runner, 3);
    assert_eq!(runner.step(&[("source", folder)]).code(), 0);
    std::fs::remove_file(runner.workspace().join("drop/AAAA.IN_daily.json")).unwrap();
    let step = runner.step(&[("source", folder)]);
    assert_eq!(step.code(), 0);
    assert!(
        step.summary
            .contains("**Warning**: 1 symbol published before is not in this run&#39;s tree"),
        "{}",
        step.summary
    );
    assert!(step.summary.contains("AAAA&#95;IN"), "{}", step.summary);
}
