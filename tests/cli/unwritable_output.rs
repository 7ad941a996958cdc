//! What a run does when its output cannot take what it writes (a full disk, simulated by a
//! file size limit): nothing published is lost.

use crate::chart::{self, bar};
use crate::harness::{self, WorkDir, file_entry};
use serde_json::json;

#[test]
fn a_run_that_cannot_write_its_output_publishes_nothing_and_leaves_nothing() {
    // Under a 16 KiB file size limit, as when the disk fills up during a run: one chart of 1000
    // bars, whose PRICE_DATA outgrows it...
    let long = (0..1000).map(|day| bar(-day)).collect::<Vec<_>>();
    fails_to_replace(20, |i| {
        if i == 10 {
            long.clone()
        } else {
            vec![bar(0), bar(-1)]
        }
    });
    // ...or, every series fitting, the symbol list of 300 charts at the end.
    fails_to_replace(300, |_| vec![bar(0), bar(-1)]);
}

/// Publishes `count` one-bar charts, then runs again on `today`'s bars for each under a 16 KiB
/// file size limit, which must fail the run (exit 2) and leave the output as it was.
fn fails_to_replace(count: usize, today: impl Fn(usize) -> Vec<serde_json::Value>) {
    let wd = WorkDir::new();
    let charts = |bars: &dyn Fn(usize) -> Vec<serde_json::Value>| {
        for i in 0..count {
            let symbol = format!("S{i:03}");
            let chart = chart::chart(Some(&symbol), bars(i), json!([]));
            wd.write(&format!("in/{symbol}_daily.json"), chart);
        }
    };
    charts(&|_| vec![bar(0)]);
    let process = || harness::process_command(&wd.join("in"), &wd.join("out"), "daily");
    let first = harness::run_and_validate(&mut process(), &wd.join("out"));
    assert!(first.status.success());
    let series = || harness::tree(&wd.join("out/data/daily"));
    let (yesterday, yesterday_report) = (series(), wd.read("out/report.json"));

    charts(&today);
    let limited = harness::run(harness::with_file_size_limit(&mut process(), 16 * 1024));

    assert_eq!(limited.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&limited.stderr);
    assert!(stderr.contains("File too large"), "{stderr}");
    assert!(stderr.contains("nothing was published"), "{stderr}");
    assert_eq!(
        harness::hidden_entries(&wd.join("out")),
        Vec::<String>::new(),
        "nothing staged is left"
    );
    assert!(
        series() == yesterday,
        "the last series are kept as they were"
    );
    assert_eq!(wd.read("out/report.json"), yesterday_report);
}

/// Too few open files allowed (`ulimit -n`, or macOS's 256 against `--workers 256`): charts
/// cannot be opened nor series created, through no fault of theirs. Publishing the few that
/// made it would remove every other stock's series.
#[test]
fn a_run_that_cannot_open_more_files_publishes_nothing() {
    let wd = WorkDir::new();
    for i in 0..60 {
        let symbol = format!("S{i:03}");
        let chart = chart::chart(Some(&symbol), vec![bar(0), bar(-1)], json!([]));
        wd.write(&format!("in/{symbol}_daily.json"), chart);
    }
    let process = || {
        let mut cmd = harness::process_command(&wd.join("in"), &wd.join("out"), "daily");
        cmd.args(["--workers", "2"]);
        cmd
    };
    let first = harness::run_and_validate(&mut process(), &wd.join("out"));
    assert!(first.status.success());
    let series = || harness::tree(&wd.join("out/data/daily"));
    let (yesterday, yesterday_report) = (series(), wd.read("out/report.json"));

    // While converting (16), and lower, while setting up: reading the last tree's symbol list
    // (7), its folder (6). Each says what to do.
    for limit in [16, 7, 6] {
        let limited = harness::run(harness::with_open_files_limit(&mut process(), limit));

        let stderr = String::from_utf8_lossy(&limited.stderr);
        assert_eq!(limited.status.code(), Some(2), "{limit}: {stderr}");
        assert!(stderr.contains("Too many open files"), "{stderr}");
        assert!(
            stderr.contains(
                "raise the limit (`ulimit -n`) or give fewer --workers; nothing was published"
            ),
            "{limit}: {stderr}"
        );
        assert!(
            series() == yesterday,
            "the last series are kept as they were"
        );
        assert_eq!(wd.read("out/report.json"), yesterday_report);
        assert_eq!(
            harness::hidden_entries(&wd.join("out")),
            Vec::<String>::new()
        );
    }
}

#[test]
fn a_run_out_of_room_stops_downloading() {
    let d = crate::drive::drive(10, 0);
    // Charts of 1000 bars, whose PRICE_DATA outgrows the 16 KiB limit: the first one written
    // stops the run.
    let long = (0..1000).map(|day| bar(-day)).collect::<Vec<_>>();
    for i in 0..40 {
        let symbol = format!("S{i:03}");
        let chart = chart::chart(Some(&symbol), long.clone(), json!([]));
        d.standin
            .file(&d.day, &format!("{symbol}_daily.json"), chart);
    }
    let wd = WorkDir::new();
    let args = [
        "--date",
        crate::drive::DAY,
        "--workers",
        "1",
        "--download-concurrency",
        "2",
    ];
    let mut command = crate::drive::command(&d, &wd.join("out"), &args, &[]);
    let limited = harness::run(harness::with_file_size_limit(&mut command, 16 * 1024));

    assert_eq!(limited.status.code(), Some(2));
    let downloads = d.standin.stats().media_calls;
    // Two in flight, two waiting and the one converted when the disk refused it, give or take
    // the one each worker had taken.
    assert!(downloads <= 10, "{downloads} of 40 charts downloaded");
    assert_eq!(
        harness::hidden_entries(&wd.join("out")),
        Vec::<String>::new()
    );
    assert!(!wd.join("out/data/daily").exists(), "nothing published");
}

#[test]
/// Per-file mode replaces series where they are; a chart whose write fails then has
/// yesterday's series until the run's symbol list is in place, and none after it, as a staged
/// run leaves it. Series its list does not name would be taken for a user's files by every
/// later run.
fn a_chart_whose_write_fails_in_per_file_mode_leaves_the_tree_a_staged_run_would() {
    let wd = WorkDir::new();
    let process = |extra: &[&str]| {
        let mut cmd = harness::process_command(&wd.join("in"), &wd.join("out"), "daily");
        cmd.args(["--write-mode", "per-file"]).args(extra);
        cmd
    };
    for symbol in ["A", "B"] {
        let one_bar = chart::chart(Some(symbol), vec![bar(0)], json!([]));
        wd.write(&format!("in/{symbol}_daily.json"), one_bar);
    }
    let first = harness::run_and_validate(&mut process(&[]), &wd.join("out"));
    assert!(first.status.success());
    let yesterday = harness::tree(&wd.join("out/data/daily"));

    // Today A has one bar with prices and 400 without: PRICE_DATA (written first) and RLST stay
    // small while BC_INDICATOR grows past the 16 KiB file size limit the run gets, so A's write
    // fails after two of its series are written.
    let mut rows = vec![bar(0)];
    for day in 1..=400 {
        let mut priceless = chart::row(-day, [0.0; 4], Some(1000.0));
        for price in ["open", "high", "low", "close"] {
            priceless[price] = serde_json::Value::Null;
        }
        priceless["bc"] = json!(123456.789012);
        rows.push(priceless);
    }
    wd.write("in/A_daily.json", chart::chart(Some("A"), rows, json!([])));
    let mut today = process(&["--workers", "1"]);
    let limited = harness::run(harness::with_file_size_limit(&mut today, 16 * 1024));

    assert_eq!(limited.status.code(), Some(1));
    let report = harness::report(&wd.join("out"));
    let reason = file_entry(&report, "A_daily.json")["reason"]
        .as_str()
        .unwrap();
    assert!(reason.starts_with("cannot write series"), "{reason}");
    assert_eq!(file_entry(&report, "B_daily.json")["outcome"], "ok");
    assert_eq!(report["no_longer_published"], json!(["A"]));
    let now = harness::tree(&wd.join("out/data/daily"));
    for series in ["PRICE_DATA", "RLST_RATING", "BC_INDICATOR", "BLUE_DOTS"] {
        assert!(
            yesterday.contains_key(&format!("A_{series}.csv")),
            "{series}"
        );
        assert!(!now.contains_key(&format!("A_{series}.csv")), "{series}");
        assert_eq!(
            now.get(&format!("B_{series}.csv")),
            yesterday.get(&format!("B_{series}.csv"))
        );
    }
    let hidden = harness::hidden_entries(&wd.join("out"));
    assert_eq!(hidden, Vec::<String>::new(), "no temporary file is left");
    harness::validate_output(&wd.join("out"));

    // The next run, in either mode, takes the tree for its own.
    let staged = harness::process(&wd.join("in"), &wd.join("out"), "daily", &[]);
    assert!(staged.status.success());
    assert!(harness::tree(&wd.join("out/data/daily")).contains_key("A_BC_INDICATOR.csv"));
    assert!(
        harness::run_and_validate(&mut process(&[]), &wd.join("out"))
            .status
            .success()
    );
}
