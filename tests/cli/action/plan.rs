//! `mode: plan` as the runner runs it, and `bluedot plan` on the command line.

use super::runner::Runner;
use super::symbol;
use crate::harness::{WorkDir, bluedot, run};

/// `count` tiny files named like charts; enough for `plan`, which only counts.
fn chart_names(runner: &Runner, dir: &str, count: usize) {
    for i in 0..count {
        runner.write(&format!("{dir}/{}_daily.json", symbol(i)), "{}");
    }
}

#[test]
fn plan_of_1000_files_is_four_shards() {
    let runner = Runner::new();
    chart_names(&runner, "in", 1000);
    let step = runner.step(&[("mode", "plan"), ("source", "in")]);
    assert_eq!(step.code(), 0);
    let outputs = step.outputs();
    assert_eq!(outputs["matrix"], r#"{"shard":[0,1,2,3]}"#);
    assert_eq!(outputs["shard-count"], "4");
    assert_eq!(outputs["files-total"], "1000");
    assert_eq!(outputs["status"], "ok");
    assert!(step.summary.contains("| chart files |"), "{}", step.summary);
}

#[test]
fn plan_of_2000_files_is_eight_shards_and_of_1_file_one() {
    let runner = Runner::new();
    chart_names(&runner, "big", 2000);
    chart_names(&runner, "one", 1);
    let step = runner.step(&[("mode", "plan"), ("source", "big")]);
    assert_eq!(step.outputs()["matrix"], r#"{"shard":[0,1,2,3,4,5,6,7]}"#);
    assert_eq!(step.outputs()["shard-count"], "8");
    let step = runner.step(&[("mode", "plan"), ("source", "./one/")]);
    assert_eq!(step.outputs()["matrix"], r#"{"shard":[0]}"#);
    assert_eq!(step.outputs()["shard-count"], "1");
    let step = runner.step(&[
        ("mode", "plan"),
        ("source", "big"),
        ("files-per-shard", "600"),
    ]);
    assert_eq!(step.outputs()["shard-count"], "4");

    // An input every process job would refuse fails the plan, not the matrix after it.
    let step = runner.step(&[("mode", "plan"), ("source", "one"), ("date", "garbage")]);
    assert_eq!(step.code(), 2);
    assert_eq!(step.outputs()["status"], "error");
    assert!(step.stdout.contains("input `date`"), "{}", step.stdout);
}

#[test]
fn plan_with_no_chart_files_stops_with_a_message() {
    let runner = Runner::new();
    runner.write("empty/readme.txt", "not a chart");
    let step = runner.step(&[("mode", "plan"), ("source", "empty")]);
    assert_eq!(step.code(), 2);
    let error = step
        .stdout
        .lines()
        .find(|l| l.starts_with("::error"))
        .expect("an error annotation");
    assert!(error.contains("no chart files"), "{error}");
    assert!(
        error.contains("1 other file there would be skipped"),
        "{error}"
    );
    assert_eq!(step.outputs()["status"], "error");
    assert!(!step.outputs().contains_key("matrix"));
    assert!(step.summary.contains("no chart files"));
}

#[test]
fn plan_on_the_command_line_prints_the_matrix() {
    let dir = WorkDir::new();
    for i in 0..501 {
        dir.write(&format!("in/{}_daily.json", symbol(i)), "{}");
    }
    dir.write("in/notes.txt", "x");
    let out = run(bluedot().args(["plan", "--input"]).arg(dir.join("in")));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "{\"shard\":[0,1,2]}\n"
    );
    let empty = dir.join("none");
    std::fs::create_dir(&empty).unwrap();
    let out = run(bluedot().args(["plan", "--input"]).arg(&empty));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no chart files"));
}
