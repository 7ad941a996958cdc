//! Windows: series files another program holds open, as a spreadsheet showing a CSV does (read
//! and write sharing, no delete sharing). Run under Wine by `.ci/checks/windows.sh`. Wine refuses
//! to replace or remove a held file as Windows does; unlike Windows it lets a folder holding one
//! be renamed, so what these tests meet is the removal of the replaced tree and, in per-file
//! mode, the replacing of a file.

use crate::chart::{self, bar};
use crate::harness::{self, WorkDir};
use serde_json::json;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::os::windows::fs::OpenOptionsExt;
use std::path::Path;
use std::process::Stdio;

/// `FILE_SHARE_READ | FILE_SHARE_WRITE`: others may read and write it, not rename or remove it.
const SHARED_BUT_NOT_FOR_DELETING: u32 = 0x1 | 0x2;

fn hold(path: &Path) -> File {
    std::fs::OpenOptions::new()
        .read(true)
        .share_mode(SHARED_BUT_NOT_FOR_DELETING)
        .open(path)
        .unwrap()
}

/// Converts a one-bar `A_daily.json` in `mode`, then puts the next day's export (two bars) in
/// its place.
fn first_run(wd: &WorkDir, mode: &str) {
    wd.write("in/A_daily.json", chart::with_bars("A", 1));
    let out = harness::process(
        &wd.join("in"),
        &wd.join("out"),
        "daily",
        &["--write-mode", mode],
    );
    assert!(out.status.success());
    // The next day's export: one more bar.
    wd.write(
        "in/A_daily.json",
        chart::chart(Some("A"), vec![bar(0), bar(-1)], json!([])),
    );
}

#[test]
fn a_replaced_series_held_open_does_not_fail_the_run() {
    let wd = WorkDir::new();
    first_run(&wd, "staged");
    let held = hold(&wd.join("out/data/daily/A_PRICE_DATA.csv"));

    // Not `harness::process`, which would refuse the replaced tree's hidden remains.
    let second = harness::run(&mut harness::process_command(
        &wd.join("in"),
        &wd.join("out"),
        "daily",
    ));
    assert_eq!(second.status.code(), Some(0));
    assert_eq!(
        wd.read("out/data/daily/A_PRICE_DATA.csv").lines().count(),
        2,
        "today's tree is published"
    );
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("the next run removes what is left"),
        "{stderr}"
    );

    // Still held, the remains do not stop the next run either; let go, they are removed.
    let third = harness::run(&mut harness::process_command(
        &wd.join("in"),
        &wd.join("out"),
        "daily",
    ));
    assert_eq!(third.status.code(), Some(0));
    drop(held);
    let fourth = harness::process(&wd.join("in"), &wd.join("out"), "daily", &[]);
    assert!(fourth.status.success());
}

#[test]
fn a_series_held_for_a_moment_is_waited_for_in_per_file_mode() {
    let wd = WorkDir::new();
    first_run(&wd, "per-file");
    let held = hold(&wd.join("out/data/daily/A_PRICE_DATA.csv"));

    let mut child = harness::process_command(&wd.join("in"), &wd.join("out"), "daily")
        .args(["--write-mode", "per-file"])
        .env("RUST_LOG", "bluedot=debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Let go once the run says it is waiting, so that the wait is certain to have happened.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut log = String::new();
    while !log.contains("held by another program; waiting") {
        assert_ne!(
            stderr.read_line(&mut log).unwrap(),
            0,
            "never waited: {log}"
        );
    }
    drop(held);
    std::io::copy(&mut stderr, &mut std::io::sink()).unwrap();
    assert!(child.wait().unwrap().success(), "{log}");
    assert_eq!(
        wd.read("out/data/daily/A_PRICE_DATA.csv").lines().count(),
        2
    );
}

#[test]
fn a_series_held_past_the_wait_fails_its_chart_and_says_why() {
    let wd = WorkDir::new();
    first_run(&wd, "per-file");
    let _held = hold(&wd.join("out/data/daily/A_PRICE_DATA.csv"));

    let second = harness::run(
        harness::process_command(&wd.join("in"), &wd.join("out"), "daily")
            .args(["--write-mode", "per-file"]),
    );
    assert_eq!(second.status.code(), Some(1));
    let report = harness::report(&wd.join("out"));
    let reason = harness::file_reason(&report, "A_daily.json");
    assert!(reason.contains("open in another program"), "{reason}");
    assert_eq!(
        wd.read("out/data/daily/A_PRICE_DATA.csv").lines().count(),
        1,
        "the held file keeps yesterday's series"
    );
}
