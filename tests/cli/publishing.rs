//! What a run may replace, and the order in which its tree and its report take their places:
//! the report in place always describes the tree in place, and a run never deletes what it did
//! not write.

use crate::chart;
use crate::harness::{self, WorkDir};

/// `data` holds the published tree and nothing else: no staging folder, no lock file.
fn only_the_tree_in(data: &std::path::Path) {
    let left: Vec<_> = std::fs::read_dir(data)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["daily"], "no staging folder or lock file is left");
}

#[test]
fn a_run_never_deletes_what_it_did_not_write_in_its_output() {
    let wd = WorkDir::new();
    wd.write("in/A_daily.json", chart::with_bars("A", 2));
    let process = |input: &str| harness::process_command(&wd.join(input), &wd.join("out"), "daily");
    assert!(
        harness::run_and_validate(&mut process("in"), &wd.join("out"))
            .status
            .success()
    );
    let published = harness::tree(&wd.join("out/data/daily"));

    // Charts dropped into the folder a run replaces, or anywhere inside it, converted from there.
    for folder in ["out/data/daily", "out/data/daily/symbol_info"] {
        wd.write(&format!("{folder}/B_daily.json"), chart::with_bars("B", 2));
        let from_inside = harness::run(&mut process(folder));
        assert_eq!(from_inside.status.code(), Some(2), "{folder}");
        let stderr = String::from_utf8_lossy(&from_inside.stderr);
        assert!(stderr.contains("which each run replaces whole"), "{stderr}");
        assert!(wd.join(&format!("{folder}/B_daily.json")).is_file());
        std::fs::remove_file(wd.join(&format!("{folder}/B_daily.json"))).unwrap();
    }

    // What a user keeps in the tree: a folder, a note, a CSV of their own, an edited copy, a
    // series of their own named like the run's (none of them in the run's symbol list), a list
    // of their own beside the run's.
    for kept in [
        "incoming/C_daily.json",
        "notes.txt",
        "watchlist.csv",
        "A_PRICE_DATA (edited).csv",
        "SPX_PRICE_DATA.csv",
        "THIS_NAME_IS_FAR_TOO_LONG_FOR_TRADINGVIEW_PRICE_DATA.csv",
        "symbol_info/my.watchlist.json",
        "symbol_info/watchlist.json",
    ] {
        wd.write(&format!("out/data/daily/{kept}"), "kept");
        let stderr = refused_daily_run(&wd);
        assert!(stderr.contains("was not written by bluedot"), "{stderr}");
        assert_eq!(wd.read(&format!("out/data/daily/{kept}")), "kept");
        only_the_tree_in(&wd.join("out/data"));
        let path = wd.join(&format!("out/data/daily/{kept}"));
        std::fs::remove_file(&path).unwrap();
        let _ = std::fs::remove_dir(path.parent().unwrap());
    }
    assert!(harness::tree(&wd.join("out/data/daily")) == published);

    // Several of them: one run says how many, naming the first by name.
    for kept in ["notes.txt", "SPX_PRICE_DATA.csv", "mine/x.csv"] {
        wd.write(&format!("out/data/daily/{kept}"), "kept");
    }
    let stderr = refused_daily_run(&wd);
    assert!(
        stderr.contains("SPX_PRICE_DATA.csv and 2 more items were not written by bluedot"),
        "{stderr}"
    );
    std::fs::remove_dir_all(wd.join("out/data/daily/mine")).unwrap();
    for kept in ["notes.txt", "SPX_PRICE_DATA.csv"] {
        std::fs::remove_file(wd.join(&format!("out/data/daily/{kept}"))).unwrap();
    }

    // A report.json of the user's where the run writes its own; the published series folder
    // given for the output root, where a run would nest data/ and a report inside the tree.
    let report = wd.read("out/report.json");
    wd.write("out/report.json", "my notes");
    let stderr = refused_daily_run(&wd);
    assert!(stderr.contains("is not a report bluedot wrote"), "{stderr}");
    assert_eq!(wd.read("out/report.json"), "my notes");
    // A link there would be replaced by the run's file, what it points to left as it was.
    #[cfg(unix)]
    {
        std::fs::remove_file(wd.join("out/report.json")).unwrap();
        wd.write("elsewhere.json", &report);
        std::os::unix::fs::symlink(wd.join("elsewhere.json"), wd.join("out/report.json")).unwrap();
        let stderr = refused_daily_run(&wd);
        assert!(stderr.contains("report.json is a link"), "{stderr}");
        std::fs::remove_file(wd.join("out/report.json")).unwrap();
    }
    wd.write("out/report.json", report);
    // The published series folder given for the output root, a folder inside it, and the other
    // timeframe's folder beside it: each refused, nothing written there.
    for (output, timeframe, says) in [
        (
            "out/data/daily",
            "daily",
            "daily is a published series folder (",
        ),
        (
            "out/data/daily/x",
            "daily",
            "x is inside a published series folder (",
        ),
        (
            "out/data/weekly",
            "weekly",
            "weekly is in the data/ folder of a published series folder (",
        ),
        (
            "out/data",
            "daily",
            "data is the data/ folder of an output (",
        ),
    ] {
        let refused = harness::run(&mut harness::process_command(
            &wd.join("in"),
            &wd.join(output),
            timeframe,
        ));
        assert_eq!(refused.status.code(), Some(2), "{output}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains(says), "{stderr}");
    }
    assert!(!wd.join("out/data/daily/x").exists());
    assert!(!wd.join("out/data/weekly").exists());
    assert!(!wd.join("out/data/data").exists() && !wd.join("out/data/report.json").exists());
    assert!(harness::tree(&wd.join("out/data/daily")) == published);

    // Without them the run replaces its own tree as usual, with what file browsers leave in it.
    wd.write("out/data/daily/.DS_Store", "Finder");
    wd.write("out/data/daily/Thumbs.db", "Explorer");
    assert!(harness::run(&mut process("in")).status.success());

    // Nor does a list of the user's make the files it names a run's.
    let hand = WorkDir::new();
    hand.write("out/data/daily/SPX.csv", "20250801T,1,2,0.5,1.5,100\n");
    hand.write(
        "out/data/daily/symbol_info/mine.json",
        r#"{"symbol":["SPX"]}"#,
    );
    hand.write("in/A_daily.json", chart::with_bars("A", 2));
    refused_daily_run(&hand);
    assert!(hand.join("out/data/daily/SPX.csv").is_file());

    // A tree whose symbol list is gone holds series no run can be said to have written.
    let list = wd.join("out/data/daily/symbol_info/bluedot.json");
    let kept_list = std::fs::read(&list).unwrap();
    std::fs::remove_file(&list).unwrap();
    let stderr = refused_daily_run(&wd);
    assert!(stderr.contains("but no symbol list"), "{stderr}");
    assert!(wd.join("out/data/daily/A_PRICE_DATA.csv").is_file());
    std::fs::write(&list, &kept_list).unwrap();
    // Nor with a second list: the refusal names both, not the run's own as the one to move.
    let mine = wd.join("out/data/daily/symbol_info/mine.json");
    std::fs::write(&mine, &kept_list).unwrap();
    let stderr = refused_daily_run(&wd);
    assert!(
        stderr.contains("2 symbol lists (bluedot.json, mine.json)"),
        "{stderr}"
    );
    std::fs::remove_file(&mine).unwrap();

    // A link where the tree goes would become a folder, leaving what it points to behind.
    #[cfg(unix)]
    {
        std::fs::rename(wd.join("out/data/daily"), wd.join("elsewhere")).unwrap();
        std::os::unix::fs::symlink(wd.join("elsewhere"), wd.join("out/data/daily")).unwrap();
        let stderr = refused_daily_run(&wd);
        assert!(stderr.contains("is a link"), "{stderr}");
        assert!(
            std::fs::symlink_metadata(wd.join("out/data/daily"))
                .unwrap()
                .is_symlink()
        );
        std::fs::remove_file(wd.join("out/data/daily")).unwrap();
    }

    // A file where the tree goes is not moved aside either.
    let _ = std::fs::remove_dir_all(wd.join("out/data/daily"));
    wd.write("out/data/daily", "a file");
    refused_daily_run(&wd);
    assert_eq!(wd.read("out/data/daily"), "a file");
    // Nor one a level up, and the refusal names it.
    std::fs::remove_dir_all(wd.join("out/data")).unwrap();
    wd.write("out/data", "a file");
    let stderr = refused_daily_run(&wd);
    // Joined a part at a time: on Windows `out/data` would keep its `/`.
    let named = format!("{} is a file", wd.join("out").join("data").display());
    assert!(stderr.contains(&named), "{stderr}");
    assert_eq!(wd.read("out/data"), "a file");
    #[cfg(unix)]
    {
        std::fs::remove_file(wd.join("out/data")).unwrap();
        std::os::unix::fs::symlink(wd.join("nowhere"), wd.join("out/data")).unwrap();
        let stderr = refused_daily_run(&wd);
        assert!(stderr.contains("is a link to nothing"), "{stderr}");
    }
}

/// A run replaces the whole tree: the stocks whose charts failed or were missing today lose
/// their series. The run says which, on stderr and in the report.
#[test]
fn a_run_names_the_symbols_it_stopped_publishing() {
    let wd = WorkDir::new();
    for symbol in ["A", "B", "C"] {
        wd.write(
            &format!("in/{symbol}_daily.json"),
            chart::with_bars(symbol, 2),
        );
    }
    let process = || harness::process_command(&wd.join("in"), &wd.join("out"), "daily");
    let first = harness::run_and_validate(&mut process(), &wd.join("out"));
    assert!(first.status.success());
    assert_eq!(
        harness::report(&wd.join("out"))["no_longer_published"],
        serde_json::json!([])
    );

    wd.write("in/B_daily.json", "{\"chart\": ");
    std::fs::remove_file(wd.join("in/C_daily.json")).unwrap();
    let second = harness::run_and_validate(&mut process(), &wd.join("out"));
    assert_eq!(second.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains(
            "warning: 2 symbols published before are not in this run's tree, and their series \
             were removed (their charts failed or were not in the input): B, C\n"
        ),
        "{stderr}"
    );
    let report = harness::report(&wd.join("out"));
    assert_eq!(report["no_longer_published"], serde_json::json!(["B", "C"]));

    // Against the tree the second run published, nothing more is gone.
    let third = harness::run_and_validate(&mut process(), &wd.join("out"));
    assert!(!String::from_utf8_lossy(&third.stderr).contains("published before"));
    assert_eq!(
        harness::report(&wd.join("out"))["no_longer_published"],
        serde_json::json!([])
    );
}

#[test]
fn a_report_that_cannot_be_written_publishes_nothing() {
    let wd = WorkDir::new();
    wd.write("in/A_daily.json", chart::with_bars("A", 2));
    let process = || harness::process_command(&wd.join("in"), &wd.join("out"), "daily");
    assert!(
        harness::run_and_validate(&mut process(), &wd.join("out"))
            .status
            .success()
    );
    let yesterday = harness::tree(&wd.join("out/data/daily"));

    // Something (here a folder) that a file cannot replace where the report goes: refused
    // before anything is written.
    std::fs::remove_file(wd.join("out/report.json")).unwrap();
    wd.write("out/report.json/note", "");
    wd.write("in/B_daily.json", chart::with_bars("B", 3));
    let failed = harness::run(&mut process());

    assert_eq!(failed.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains("report.json is not a report bluedot wrote"),
        "{stderr}"
    );
    assert!(
        harness::tree(&wd.join("out/data/daily")) == yesterday,
        "the series the last report describes stay published"
    );
    only_the_tree_in(&wd.join("out/data"));
}

#[test]
fn charts_of_one_symbol_fail_with_a_reason_of_bounded_length_and_write_no_bytes() {
    let wd = WorkDir::new();
    // An export that stamped one symbol into every file.
    for i in 0..40 {
        wd.write(
            &format!("in/S{i:02}_daily.json"),
            chart::with_bars("SAME", 2),
        );
    }
    wd.write("in/OK_daily.json", chart::with_bars("OK", 2));
    let out = harness::process(&wd.join("in"), &wd.join("out"), "daily", &[]);
    assert_eq!(out.status.code(), Some(1));

    let report = harness::report(&wd.join("out"));
    let reason = harness::file_reason(&report, "S39_daily.json");
    assert_eq!(
        reason,
        "symbol collision: 40 files map to series symbol SAME: S00_daily.json, S01_daily.json, \
         S02_daily.json, S03_daily.json, S04_daily.json and 35 more"
    );
    let tree = harness::tree(&wd.join("out/data/daily"));
    assert!(
        !tree.keys().any(|name| name.starts_with("SAME_")),
        "{tree:?}"
    );
    let written: usize = tree.values().map(Vec::len).sum();
    assert_eq!(
        report["bytes"]["out"], written,
        "bytes out are what is there"
    );
}

// GNU `timeout` signals the program, then its whole process group: two signals at once. Windows
// has no such signal to send.
#[cfg(target_os = "linux")]
#[test]
fn two_stop_signals_at_once_are_one_request() {
    let wd = WorkDir::new();
    let generate = ["gen", "--no-pad", "--bars", "30", "--count", "3000"];
    let generated = harness::run(
        harness::bluedot()
            .args(generate)
            .args(["--timeframe", "daily", "--output"])
            .arg(wd.join("in")),
    );
    assert!(generated.status.success());
    let child = harness::process_command(&wd.join("in"), &wd.join("out"), "daily")
        .args(["--workers", "1"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    harness::wait_until_series_are_staged(&wd.join("out/data"));
    let pid = child.id().to_string();
    // Apart enough that the first is handled before the second comes, not merged with it.
    for pause in [0, 10] {
        std::thread::sleep(std::time::Duration::from_millis(pause));
        let kill = harness::run(std::process::Command::new("kill").args(["-TERM", &pid]));
        assert!(kill.status.success());
    }
    let out = child.wait_with_output().unwrap();

    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report = harness::report(&wd.join("out"));
    assert_eq!(report["interrupted"], true);
    assert_eq!(report["published"], false);
    assert_eq!(
        harness::hidden_entries(&wd.join("out")),
        Vec::<String>::new(),
        "nothing staged is left"
    );
}

/// Publishes chart A from `in` into `out`; returns the daily tree and the report.
fn publish_one_chart(wd: &WorkDir) -> (std::collections::BTreeMap<String, Vec<u8>>, String) {
    wd.write("in/A_daily.json", chart::with_bars("A", 2));
    let run = harness::process(&wd.join("in"), &wd.join("out"), "daily", &[]);
    assert!(run.status.success());
    (
        harness::tree(&wd.join("out/data/daily")),
        wd.read("out/report.json"),
    )
}

/// A weekly run of one chart into `out`, beside the daily tree. Not `harness::process`: its
/// check that nothing hidden is left would see what the test holds or planted for the daily run.
fn weekly_run_into_out(wd: &WorkDir) -> std::process::Output {
    wd.write(
        "weekly/W_weekly.json",
        chart::weekly_chart(Some("W"), vec![chart::bar(0)], serde_json::json!([])),
    );
    harness::run(&mut harness::process_command(
        &wd.join("weekly"),
        &wd.join("out"),
        "weekly",
    ))
}

/// A daily run from `in` into `out` that must be refused (exit 2); returns what it said. Not
/// `harness::process`, whose checks would fail on what the test planted to be refused.
fn refused_daily_run(wd: &WorkDir) -> String {
    let refused = harness::run(&mut harness::process_command(
        &wd.join("in"),
        &wd.join("out"),
        "daily",
    ));
    let stderr = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    stderr
}

/// Two runs into one timeframe's folder at once would each publish over the other: the last to
/// finish would win whatever its data (yesterday's drop, if it ran longer), and the series it
/// says it removed would be those of the tree it found. While one writes, another is refused
/// and leaves everything as it was; a run of the other timeframe goes ahead.
#[test]
fn a_second_run_into_the_same_timeframe_waits_for_none_and_changes_nothing() {
    let wd = WorkDir::new();
    let (published, report) = publish_one_chart(&wd);

    // What a run writing `data/daily` holds for as long as it runs.
    let writer = std::fs::File::create(wd.join("out/data/.daily.writer")).unwrap();
    writer.try_lock().unwrap();
    wd.write("in/B_daily.json", chart::with_bars("B", 2));
    // (Run without the harness's check for leftovers while this test holds the lock.)
    let stderr = refused_daily_run(&wd);
    assert!(
        stderr.contains("another bluedot run is writing")
            && stderr.contains("now; wait for it to finish"),
        "{stderr}"
    );
    assert_eq!(harness::tree(&wd.join("out/data/daily")), published);
    assert_eq!(wd.read("out/report.json"), report);

    let weekly = weekly_run_into_out(&wd);
    assert!(
        weekly.status.success(),
        "{}",
        String::from_utf8_lossy(&weekly.stderr)
    );

    drop(writer);
    let after = harness::process(&wd.join("in"), &wd.join("out"), "daily", &[]);
    assert!(
        after.status.success(),
        "{}",
        String::from_utf8_lossy(&after.stderr)
    );
    assert!(wd.join("out/data/daily/B_PRICE_DATA.csv").exists());
}

/// Where two names cannot be swapped in one step (NFS, SMB), a run moves the published tree
/// aside and then puts its own in place. Killed in between, it leaves no tree and the last one
/// under its hidden name; the next run puts that back, even one that publishes nothing.
#[test]
fn a_tree_moved_aside_by_a_run_killed_while_publishing_is_put_back() {
    let wd = WorkDir::new();
    let (published, report) = publish_one_chart(&wd);
    // What the dead run (no lock file left to hold) leaves: the tree moved aside, its own staged.
    let data = wd.join("out/data");
    std::fs::rename(data.join("daily"), data.join(".daily.previous-4242")).unwrap();
    wd.write(
        "out/data/.daily.staging-4242/B_PRICE_DATA.csv",
        "20250801T,1,1,1,1,0\n",
    );

    // A run of the other timeframe leaves it alone: only a daily run may put it back.
    let weekly = weekly_run_into_out(&wd);
    assert!(weekly.status.success());
    assert!(data.join(".daily.previous-4242/A_PRICE_DATA.csv").exists());

    // Today's drop fails whole: nothing is published, and the last tree is kept, not lost.
    wd.write("broken/A_daily.json", "{\"chart\": {");
    let out = harness::process(&wd.join("broken"), &wd.join("out"), "daily", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(harness::tree(&wd.join("out/data/daily")), published);
    assert_eq!(harness::report(&wd.join("out"))["published"], false);
    assert_ne!(wd.read("out/report.json"), report);
    let mut left: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    left.sort();
    assert_eq!(left, ["daily", "weekly"], "nothing hidden is left");
}

/// A run waits for the disk to have its symbol list only, so a machine that stops (a power cut,
/// a crash) soon after a run may keep the series and report it published empty or zero-filled.
/// The next run replaces them. A symbol list the disk lost all the same is refused, since which
/// files are the run's can no longer be told, with the way on, and nothing changes until the
/// user takes it.
#[test]
fn files_a_stopped_machine_kept_without_data_do_not_stop_later_runs() {
    let wd = WorkDir::new();
    let (published, _) = publish_one_chart(&wd);
    let daily = wd.join("out/data/daily");
    let lose_data = |path: &std::path::Path, zeros: usize| {
        std::fs::write(path, vec![0u8; zeros]).unwrap();
    };
    for zeros in [0, 70_000] {
        lose_data(&wd.join("out/report.json"), zeros);
        for name in published.keys().filter(|name| name.ends_with(".csv")) {
            lose_data(&daily.join(name), zeros);
        }
        let next = harness::process(&wd.join("in"), &wd.join("out"), "daily", &[]);
        let stderr = String::from_utf8_lossy(&next.stderr);
        assert!(next.status.success(), "{zeros} zero bytes: {stderr}");
        assert_eq!(harness::tree(&daily), published);
        assert_eq!(harness::report(&wd.join("out"))["published"], true);
    }

    // A report whose start the disk lost (zeroed, the rest kept) is no longer told by its keys:
    // refused, saying what it may be.
    let report = wd.read("out/report.json");
    let mut damaged = vec![0u8; 16];
    damaged.extend_from_slice(&report.as_bytes()[16..]);
    std::fs::write(wd.join("out/report.json"), damaged).unwrap();
    let stderr = refused_daily_run(&wd);
    assert!(
        stderr.contains("is not a report bluedot wrote, or one the disk damaged (it begins"),
        "{stderr}"
    );
    wd.write("out/report.json", report);

    lose_data(&daily.join("symbol_info/bluedot.json"), 0);
    let kept = harness::tree(&daily);
    let stderr = refused_daily_run(&wd);
    assert!(
        stderr.contains("bluedot.json holds no data")
            && stderr.contains("power cut")
            && stderr.contains("daily, and the next run writes it whole again"),
        "{stderr}"
    );
    assert_eq!(harness::tree(&daily), kept);
    only_the_tree_in(&wd.join("out/data"));

    // Kept in part (cut short, a page zeroed), it may be the user's or bluedot's: both ways out.
    std::fs::remove_dir_all(&daily).unwrap();
    assert!(
        harness::process(&wd.join("in"), &wd.join("out"), "daily", &[])
            .status
            .success()
    );
    let whole = wd.read("out/data/daily/symbol_info/bluedot.json");
    wd.write(
        "out/data/daily/symbol_info/bluedot.json",
        &whole[..whole.len() / 2],
    );
    let stderr = refused_daily_run(&wd);
    assert!(
        stderr.contains("bluedot.json was not written by bluedot, or was damaged since")
            && stderr.contains("move it elsewhere if it is yours, or remove")
            && stderr.contains("daily if all of it is bluedot's"),
        "{stderr}"
    );

    // A tree of nothing but a list without data (an empty shard's) loses nothing replaced.
    for name in published.keys().filter(|name| name.ends_with(".csv")) {
        std::fs::remove_file(daily.join(name)).unwrap();
    }
    lose_data(&daily.join("symbol_info/bluedot.json"), 4096);
    let after = harness::process(&wd.join("in"), &wd.join("out"), "daily", &[]);
    assert!(after.status.success());
    assert_eq!(harness::tree(&daily), published);
}

/// Per-file mode puts series in place as it goes: stopped, it leaves the tree as its symbol
/// list names it, the charts that list does not name removed, so that the next run takes the
/// tree for its own.
#[cfg(target_os = "linux")]
#[test]
fn an_interrupted_per_file_run_leaves_only_what_the_tree_lists() {
    let wd = WorkDir::new();
    for symbol in ["A", "B"] {
        wd.write(
            &format!("in/{symbol}_daily.json"),
            chart::with_bars(symbol, 2),
        );
    }
    let process = || {
        let mut cmd = harness::process_command(&wd.join("in"), &wd.join("out"), "daily");
        cmd.args(["--write-mode", "per-file", "--workers", "1"]);
        cmd
    };
    assert!(harness::run(&mut process()).status.success());
    // The series and the symbol_info folder.
    let listed_before = 2 * 4 + 1;
    let generated = harness::run(
        harness::bluedot()
            .args(["gen", "--no-pad", "--bars", "30", "--count", "3000"])
            .args(["--timeframe", "daily", "--output"])
            .arg(wd.join("in")),
    );
    assert!(generated.status.success());

    let child = process()
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Counted by name, never read: the run renames its temporary files away as it goes.
    let published = || {
        std::fs::read_dir(wd.join("out/data/daily"))
            .unwrap()
            .flatten()
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .count()
    };
    harness::wait_until("put 40 charts' series in place", || {
        published() >= listed_before + 40
    });
    let kill =
        harness::run(std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]));
    assert!(kill.status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report = harness::report(&wd.join("out"));
    assert_eq!(report["interrupted"], true);

    assert_eq!(published(), listed_before);
    harness::validate_output(&wd.join("out"));
    let staged = harness::process(&wd.join("in"), &wd.join("out"), "daily", &[]);
    assert!(staged.status.success());
}

/// A per-file run of another `--group` replaces the tree's list with its own, as a staged run
/// replacing the tree does: with two lists, every later run would be refused.
#[test]
fn a_per_file_run_of_another_group_leaves_one_list() {
    let wd = WorkDir::new();
    wd.write("in/A_daily.json", chart::with_bars("A", 2));
    for group in ["first", "second"] {
        let args = ["--write-mode", "per-file", "--group", group];
        let out = harness::process(&wd.join("in"), &wd.join("out"), "daily", &args);
        assert!(out.status.success(), "{group}");
    }
    let lists: Vec<_> = std::fs::read_dir(wd.join("out/data/daily/symbol_info"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(lists, ["second.json"]);
    let args = ["--group", "second"];
    let staged = harness::process(&wd.join("in"), &wd.join("out"), "daily", &args);
    assert!(staged.status.success());
}
