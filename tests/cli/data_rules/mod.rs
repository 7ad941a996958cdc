//! One test per rule of DATA.md, each named after the rule it pins, through the real binary.

mod blue_dots;
mod dates_and_numbers;
mod document;
mod outputs;
mod rows;
mod symbol;

use crate::chart::{self, DAY_MS, EDT_2025_08_01, IST_2025_08_01, bar, dot_objects, holiday, row};
use crate::harness::{self, WorkDir, file_entry};
use serde_json::{Value, json};

/// Converts one file and returns the work dir (input in `in/`, output in `out/`) and the exit code.
fn convert(file_name: &str, bytes: &[u8], extra: &[&str]) -> (WorkDir, i32) {
    let wd = WorkDir::new();
    wd.write(&format!("in/{file_name}"), bytes);
    let out = harness::process(&wd.join("in"), &wd.join("out"), "daily", extra);
    (wd, out.status.code().unwrap())
}

/// Converts `X_daily.json`, a chart of symbol `X` with these rows and no blue dots.
fn convert_rows(rows: Vec<Value>, extra: &[&str]) -> (WorkDir, i32) {
    convert(
        "X_daily.json",
        &chart::chart(Some("X"), rows, json!([])),
        extra,
    )
}

fn series(wd: &WorkDir, name: &str) -> String {
    wd.read(&format!("out/data/daily/{name}.csv"))
}

fn report(wd: &WorkDir) -> Value {
    harness::report(&wd.join("out"))
}

fn dropped(wd: &WorkDir, file: &str, reason: &str) -> u64 {
    file_entry(&report(wd), file)["dropped_rows"][reason]
        .as_u64()
        .unwrap_or(0)
}

/// Converts `X_daily.json` holding `bytes`, which must fail (exit 1); returns the reported reason.
fn failure(bytes: &[u8]) -> String {
    let (wd, code) = convert("X_daily.json", bytes, &[]);
    assert_eq!(code, 1);
    failure_reason(&wd, "X_daily.json")
}

fn failure_reason(wd: &WorkDir, file: &str) -> String {
    let r = report(wd);
    let entry = file_entry(&r, file);
    assert_eq!(entry["outcome"], "failed", "{entry}");
    entry["reason"].as_str().unwrap().to_owned()
}
