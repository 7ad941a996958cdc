//! One test per rule of DATA.md, each named after the rule it pins, through the real binary.

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

// ---- Symbol ----

#[test]
fn symbol_comes_from_peripheral_data_symbol() {
    let (wd, code) = convert(
        "whatever_daily.json",
        &chart::chart(Some("DIX.IN"), vec![bar(0)], json!([])),
        &[],
    );
    assert_eq!(code, 0);
    assert!(wd.join("out/data/daily/DIX_IN_PRICE_DATA.csv").exists());
    assert_eq!(
        file_entry(&report(&wd), "whatever_daily.json")["symbol"],
        "DIX.IN"
    );
}

#[test]
fn symbol_from_file_name_removes_only_the_trailing_timeframe() {
    let (wd, code) = convert(
        "M_M_daily.json",
        &chart::chart(None, vec![bar(0)], json!([])),
        &[],
    );
    assert_eq!(code, 0);
    assert!(wd.join("out/data/daily/M_M_PRICE_DATA.csv").exists());
}

#[test]
fn series_symbol_is_upper_cased_with_other_characters_replaced() {
    let (wd, _) = convert(
        "x_daily.json",
        &chart::chart(Some("m&m.in"), vec![bar(0)], json!([])),
        &[],
    );
    let names: Vec<String> = harness::tree(&wd.join("out/data/daily"))
        .into_keys()
        .collect();
    assert!(
        names.contains(&"M_M_IN_BLUE_DOTS.csv".to_owned()),
        "{names:?}"
    );
}

#[test]
fn symbol_collision_fails_both_files_and_writes_neither() {
    let wd = WorkDir::new();
    wd.write(
        "in/a_daily.json",
        chart::chart(Some("DIX.IN"), vec![bar(0)], json!([])),
    );
    wd.write(
        "in/b_daily.json",
        chart::chart(Some("DIX_IN"), vec![bar(1)], json!([])),
    );
    wd.write(
        "in/c_daily.json",
        chart::chart(Some("OK"), vec![bar(0)], json!([])),
    );
    let out = harness::process(&wd.join("in"), &wd.join("out"), "daily", &[]);
    assert_eq!(out.status.code(), Some(1));
    for file in ["a_daily.json", "b_daily.json"] {
        let reason = failure_reason(&wd, file);
        assert!(
            reason.contains("collision")
                && reason.contains("a_daily.json")
                && reason.contains("b_daily.json"),
            "{reason}"
        );
    }
    let names: Vec<String> = harness::tree(&wd.join("out/data/daily"))
        .into_keys()
        .collect();
    assert!(names.iter().all(|n| !n.starts_with("DIX_IN")), "{names:?}");
    assert!(names.contains(&"OK_PRICE_DATA.csv".to_owned()));
}

#[test]
fn symbol_too_long_for_tradingview_fails() {
    let long = "A".repeat(31);
    let (wd, code) = convert(
        "x_daily.json",
        &chart::chart(Some(&long), vec![bar(0)], json!([])),
        &[],
    );
    assert_eq!(code, 1);
    assert!(failure_reason(&wd, "x_daily.json").contains("characters"));
}

// ---- Output: four series ----

#[test]
fn four_series_per_symbol_with_single_value_series() {
    let rows = vec![row(0, [16869.0, 17149.0, 16787.0, 16848.0], Some(341381.0))];
    let (wd, code) = convert(
        "DIX.IN_daily.json",
        &chart::chart(Some("DIX.IN"), rows, dot_objects(&["2025-08-01"])),
        &[],
    );
    assert_eq!(code, 0);
    assert_eq!(
        series(&wd, "DIX_IN_PRICE_DATA"),
        "20250801T,16869,17149,16787,16848,341381\n"
    );
    assert_eq!(
        series(&wd, "DIX_IN_RLST_RATING"),
        "20250801T,70,70,70,70,0\n"
    );
    assert_eq!(
        series(&wd, "DIX_IN_BC_INDICATOR"),
        "20250801T,100.5,100.5,100.5,100.5,0\n"
    );
    assert_eq!(series(&wd, "DIX_IN_BLUE_DOTS"), "20250801T,1,1,1,1,0\n");
}

// ---- Rule 1: dates ----

#[test]
fn rule_1_date_is_exchange_local_for_indian_and_us_stamps() {
    let mut us = bar(0);
    us["priceDate"] = json!(EDT_2025_08_01 - DAY_MS);
    let (wd, _) = convert(
        "IN_daily.json",
        &chart::chart(Some("IN"), vec![bar(0)], json!([])),
        &[],
    );
    assert!(series(&wd, "IN_PRICE_DATA").starts_with("20250801T,"));
    let (wd, _) = convert(
        "US_daily.json",
        &chart::chart(Some("US"), vec![us], json!([])),
        &[],
    );
    assert!(series(&wd, "US_PRICE_DATA").starts_with("20250731T,"));
}

#[test]
fn rule_1_timezone_option_overrides_the_date() {
    let bytes = chart::chart(Some("X"), vec![bar(0)], json!([]));
    let (wd, _) = convert("X_daily.json", &bytes, &["--timezone", "Asia/Kolkata"]);
    assert!(series(&wd, "X_PRICE_DATA").starts_with("20250801T,"));
    let (wd, _) = convert("X_daily.json", &bytes, &["--timezone", "UTC"]);
    assert!(series(&wd, "X_PRICE_DATA").starts_with("20250731T,"));
}

#[test]
fn rule_1_machine_time_zone_is_never_used() {
    let wd = WorkDir::new();
    wd.write(
        "in/X_daily.json",
        chart::chart(Some("X"), vec![bar(0), bar(-1)], json!([])),
    );
    for tz in ["Pacific/Kiritimati", "America/Adak", "UTC"] {
        let out = harness::run(
            harness::bluedot()
                .env("TZ", tz)
                .args(["process", "--timeframe", "daily", "--input"])
                .arg(wd.join("in"))
                .arg("--output")
                .arg(wd.join(&tz.replace('/', "_"))),
        );
        assert!(out.status.success());
        let csv = wd.read(&format!(
            "{}/data/daily/X_PRICE_DATA.csv",
            tz.replace('/', "_")
        ));
        assert!(
            csv.starts_with("20250731T,") && csv.contains("20250801T,"),
            "TZ={tz}: {csv}"
        );
    }
}

#[test]
fn rule_1_bad_timezone_is_a_usage_error() {
    let (_, code) = convert(
        "X_daily.json",
        &chart::chart(Some("X"), vec![bar(0)], json!([])),
        &["--timezone", "Mars/Olympus"],
    );
    assert_eq!(code, 2);
}

// ---- Rule 2: format ----

#[test]
fn rule_2_no_header_no_blank_lines_lf_endings() {
    let (wd, _) = convert(
        "X_daily.json",
        &chart::chart(Some("X"), vec![bar(0), bar(-1)], json!([])),
        &[],
    );
    let csv = series(&wd, "X_PRICE_DATA");
    assert_eq!(
        csv,
        "20250731T,10,12,9,11,1000\n20250801T,10,12,9,11,1000\n"
    );
}

// ---- Rule 3: order and duplicates ----

#[test]
fn rule_3_rows_ascending_from_newest_first_input() {
    let rows = vec![bar(0), bar(-1), bar(-4)];
    let (wd, _) = convert(
        "X_daily.json",
        &chart::chart(Some("X"), rows, json!([])),
        &[],
    );
    let csv = series(&wd, "X_PRICE_DATA");
    let dates: Vec<&str> = csv.lines().map(|l| &l[..9]).collect();
    assert_eq!(dates, ["20250728T", "20250731T", "20250801T"]);
}

#[test]
fn rule_3_unsorted_input_is_sorted() {
    let rows = vec![bar(-4), bar(0), bar(-2), bar(-1)];
    let (wd, _) = convert(
        "X_daily.json",
        &chart::chart(Some("X"), rows, json!([])),
        &[],
    );
    let csv = series(&wd, "X_PRICE_DATA");
    let dates: Vec<&str> = csv.lines().map(|l| &l[..9]).collect();
    assert_eq!(dates, ["20250728T", "20250730T", "20250731T", "20250801T"]);
}

#[test]
fn rule_3_duplicate_date_last_occurrence_in_file_order_wins_and_is_counted() {
    let first = row(0, [10.0, 12.0, 9.0, 11.0], Some(1.0));
    let last = row(0, [20.0, 22.0, 19.0, 21.0], Some(2.0));
    let (wd, _) = convert(
        "X_daily.json",
        &chart::chart(Some("X"), vec![first, last], json!([])),
        &[],
    );
    assert_eq!(series(&wd, "X_PRICE_DATA"), "20250801T,20,22,19,21,2\n");
    assert_eq!(dropped(&wd, "X_daily.json", "duplicate_date"), 1);
    assert_eq!(report(&wd)["dropped_rows"]["duplicate_date"], 1);
}

// ---- Rule 4: numbers ----

#[test]
fn rule_4_numbers_are_shortest_round_trip_without_exponent() {
    let rows = vec![
        row(0, [24565.35, 1e21, 0.1, 16848.0], Some(0.0)),
        row(-1, [1.5e-7, 2.0, 1.5e-7, 1.0], Some(341381.0)),
    ];
    let (wd, code) = convert(
        "X_daily.json",
        &chart::chart(Some("X"), rows, json!([])),
        &[],
    );
    assert_eq!(code, 0);
    assert_eq!(
        series(&wd, "X_PRICE_DATA"),
        "20250731T,0.00000015,2,0.00000015,1,341381\n20250801T,24565.35,1000000000000000000000,0.1,16848,0\n"
    );
    let raw = std::fs::read_to_string(wd.join("in/X_daily.json")).unwrap();
    assert!(
        raw.contains("1e21") || raw.contains("1e+21"),
        "the input really uses an exponent"
    );
}

#[test]
fn rule_4_pricescale_is_the_smallest_exact_power_of_ten() {
    let rows = vec![row(0, [10.25, 12.5, 9.125, 11.0], Some(1.0))];
    let (wd, _) = convert(
        "X_daily.json",
        &chart::chart(Some("X"), rows, json!([])),
        &[],
    );
    let info: Value =
        serde_json::from_str(&wd.read("out/data/daily/symbol_info/bluedot.json")).unwrap();
    let at = info["symbol"]
        .as_array()
        .unwrap()
        .iter()
        .position(|s| s == "X_PRICE_DATA")
        .unwrap();
    assert_eq!(info["pricescale"][at], 1000);
}

// ---- Rule 5: holidays ----

#[test]
fn rule_5_holidays_are_left_out_of_all_series_by_default() {
    let rows = vec![bar(0), holiday(-1), bar(-2)];
    let (wd, _) = convert(
        "X_daily.json",
        &chart::chart(Some("X"), rows, json!([])),
        &[],
    );
    for s in [
        "X_PRICE_DATA",
        "X_RLST_RATING",
        "X_BC_INDICATOR",
        "X_BLUE_DOTS",
    ] {
        assert!(!series(&wd, s).contains("20250731T"), "{s}");
    }
    assert_eq!(dropped(&wd, "X_daily.json", "holiday"), 1);
}

#[test]
fn rule_5_keep_holidays_keeps_them_in_price_data_only() {
    let rows = vec![bar(0), holiday(-1), bar(-2)];
    let (wd, _) = convert(
        "X_daily.json",
        &chart::chart(Some("X"), rows, json!([])),
        &["--keep-holidays"],
    );
    assert!(series(&wd, "X_PRICE_DATA").contains("20250731T,10,12,9,11,0\n"));
    for s in ["X_RLST_RATING", "X_BC_INDICATOR", "X_BLUE_DOTS"] {
        assert!(!series(&wd, s).contains("20250731T"), "{s}");
    }
}

// ---- Rule 6: nulls ----

#[test]
fn rule_6_null_volume_on_a_trading_day_is_zero() {
    let (wd, _) = convert(
        "X_daily.json",
        &chart::chart(
            Some("X"),
            vec![row(0, [1.0, 2.0, 1.0, 2.0], None)],
            json!([]),
        ),
        &[],
    );
    assert_eq!(series(&wd, "X_PRICE_DATA"), "20250801T,1,2,1,2,0\n");
}

#[test]
fn rule_6_null_rlst_or_bc_leaves_the_row_out_of_that_series_only() {
    let mut no_rlst = bar(0);
    no_rlst["rlst"] = Value::Null;
    let mut no_bc = bar(-1);
    no_bc["bc"] = Value::Null;
    let (wd, _) = convert(
        "X_daily.json",
        &chart::chart(Some("X"), vec![no_rlst, no_bc], json!([])),
        &[],
    );
    assert_eq!(series(&wd, "X_PRICE_DATA").lines().count(), 2);
    assert_eq!(series(&wd, "X_BLUE_DOTS").lines().count(), 2);
    assert_eq!(series(&wd, "X_RLST_RATING"), "20250731T,70,70,70,70,0\n");
    assert_eq!(
        series(&wd, "X_BC_INDICATOR"),
        "20250801T,100.5,100.5,100.5,100.5,0\n"
    );
    assert_eq!(dropped(&wd, "X_daily.json", "null_rlst"), 1);
    assert_eq!(dropped(&wd, "X_daily.json", "null_bc"), 1);
}

#[test]
fn rule_6_null_price_is_left_out_of_price_data_and_counted() {
    let mut bad = bar(-1);
    bad["close"] = Value::Null;
    let (wd, code) = convert(
        "X_daily.json",
        &chart::chart(Some("X"), vec![bar(0), bad], json!([])),
        &[],
    );
    assert_eq!(code, 0);
    assert_eq!(series(&wd, "X_PRICE_DATA"), "20250801T,10,12,9,11,1000\n");
    assert_eq!(dropped(&wd, "X_daily.json", "null_price"), 1);
}

// ---- Rule 7: OHLC and volume ----

#[test]
fn rule_7_ohlc_violation_is_reported_and_left_out_never_fixed() {
    let high_below_close = row(-1, [10.0, 10.5, 9.0, 11.0], Some(1.0));
    let low_above_open = row(-2, [10.0, 12.0, 10.5, 11.0], Some(1.0));
    let (wd, _) = convert(
        "X_daily.json",
        &chart::chart(
            Some("X"),
            vec![bar(0), high_below_close, low_above_open],
            json!([]),
        ),
        &[],
    );
    assert_eq!(series(&wd, "X_PRICE_DATA"), "20250801T,10,12,9,11,1000\n");
    assert_eq!(dropped(&wd, "X_daily.json", "ohlc_violation"), 2);
}

#[test]
fn rule_7_negative_volume_is_never_written() {
    let (wd, _) = convert(
        "X_daily.json",
        &chart::chart(
            Some("X"),
            vec![bar(0), row(-1, [1.0, 1.0, 1.0, 1.0], Some(-5.0))],
            json!([]),
        ),
        &[],
    );
    assert_eq!(series(&wd, "X_PRICE_DATA"), "20250801T,10,12,9,11,1000\n");
    assert_eq!(dropped(&wd, "X_daily.json", "negative_volume"), 1);
}

// ---- Rule 8: blue dots ----

fn blue_dots_for(rows: Vec<Value>, dots: Value) -> (WorkDir, String) {
    let (wd, code) = convert("X_daily.json", &chart::chart(Some("X"), rows, dots), &[]);
    assert_eq!(code, 0);
    let csv = series(&wd, "X_BLUE_DOTS");
    (wd, csv)
}

#[test]
fn rule_8_blue_dot_date_objects_light_their_bar() {
    let (_, csv) = blue_dots_for(vec![bar(0), bar(-1)], dot_objects(&["2025-07-31"]));
    assert_eq!(csv, "20250731T,1,1,1,1,0\n20250801T,0,0,0,0,0\n");
}

#[test]
fn rule_8_blue_dot_epoch_ms_are_local_midnights() {
    let (_, csv) = blue_dots_for(vec![bar(0), bar(-1)], json!([IST_2025_08_01]));
    assert_eq!(csv, "20250731T,0,0,0,0,0\n20250801T,1,1,1,1,0\n");
}

#[test]
fn rule_8_weekly_blue_dot_on_any_weekday_lights_that_weeks_friday_bar() {
    // Weekly bars on Fridays 2025-07-25 and 2025-08-01; dots on Mon 07-28 and Wed 07-30.
    let rows = vec![bar(0), bar(-7), bar(-14)];
    let wd = WorkDir::new();
    wd.write(
        "in/X_weekly.json",
        chart::chart(
            Some("X"),
            rows,
            dot_objects(&["2025-07-28", "2025-07-30", "2025-07-20"]),
        ),
    );
    let out = harness::process(&wd.join("in"), &wd.join("out"), "weekly", &[]);
    assert!(out.status.success());
    assert_eq!(
        wd.read("out/data/weekly/X_BLUE_DOTS.csv"),
        "20250718T,0,0,0,0,0\n20250725T,1,1,1,1,0\n20250801T,1,1,1,1,0\n"
    );
}

#[test]
fn rule_8_blue_dot_on_a_holiday_lights_the_next_trading_bar() {
    let (_, csv) = blue_dots_for(
        vec![bar(0), holiday(-1), bar(-2)],
        dot_objects(&["2025-07-31"]),
    );
    assert_eq!(csv, "20250730T,0,0,0,0,0\n20250801T,1,1,1,1,0\n");
}

#[test]
fn rule_8_first_bar_window_is_its_own_day() {
    let (wd, csv) = blue_dots_for(
        vec![bar(0), bar(-1)],
        dot_objects(&["2025-07-30", "2025-07-31"]),
    );
    assert_eq!(csv, "20250731T,1,1,1,1,0\n20250801T,0,0,0,0,0\n");
    assert_eq!(dropped(&wd, "X_daily.json", "blue_dots_outside_range"), 1);
}

#[test]
fn rule_8_blue_dots_outside_the_bars_are_counted_not_plotted() {
    let (wd, csv) = blue_dots_for(
        vec![bar(0)],
        dot_objects(&["2020-01-01", "2024-11-11", "2025-08-02"]),
    );
    assert_eq!(csv, "20250801T,0,0,0,0,0\n");
    assert_eq!(dropped(&wd, "X_daily.json", "blue_dots_outside_range"), 3);
}

#[test]
fn rule_8_blue_dots_missing_null_or_empty_give_all_zero() {
    for dots in [json!(null), json!([])] {
        let (_, csv) = blue_dots_for(vec![bar(0)], dots);
        assert_eq!(csv, "20250801T,0,0,0,0,0\n");
    }
    let mut file: Value =
        serde_json::from_slice(&chart::chart(Some("X"), vec![bar(0)], json!([]))).unwrap();
    file["chart"].as_object_mut().unwrap().remove("blueDotData");
    let (_, csv) = blue_dots_for_bytes(&serde_json::to_vec(&file).unwrap());
    assert_eq!(csv, "20250801T,0,0,0,0,0\n");
}

fn blue_dots_for_bytes(bytes: &[u8]) -> (WorkDir, String) {
    let (wd, code) = convert("X_daily.json", bytes, &[]);
    assert_eq!(code, 0);
    let csv = series(&wd, "X_BLUE_DOTS");
    (wd, csv)
}

#[test]
fn rule_8_one_row_per_trading_bar_of_price_data() {
    let mut bad = bar(-1);
    bad["open"] = Value::Null;
    let (_, csv) = blue_dots_for(vec![bar(0), bad, bar(-2)], dot_objects(&["2025-07-31"]));
    assert_eq!(csv, "20250730T,0,0,0,0,0\n20250801T,1,1,1,1,0\n");
}

// ---- Rules 9 and 10: determinism and atomic writes ----

#[test]
fn rule_9_same_input_gives_byte_identical_files() {
    let wd = WorkDir::new();
    for i in 0..12 {
        let rows = vec![
            bar(0),
            holiday(-1),
            bar(-2),
            row(-3, [1.25, 3.5, 1.0, 2.75], None),
        ];
        wd.write(
            &format!("in/S{i}_daily.json"),
            chart::chart(
                Some(&format!("S{i}.IN")),
                rows,
                dot_objects(&["2025-07-31"]),
            ),
        );
    }
    harness::process(&wd.join("in"), &wd.join("a"), "daily", &["--workers", "1"]);
    harness::process(&wd.join("in"), &wd.join("b"), "daily", &["--workers", "4"]);
    let (a, b) = (
        harness::tree(&wd.join("a/data")),
        harness::tree(&wd.join("b/data")),
    );
    assert_eq!(a.len(), 12 * 4 + 1);
    assert_eq!(a, b);
    let strip = |v: Value| {
        let mut v = v;
        for key in ["timings_ms", "peak_rss_bytes", "source"] {
            v.as_object_mut().unwrap().remove(key);
        }
        v
    };
    assert_eq!(
        strip(harness::report(&wd.join("a"))),
        strip(harness::report(&wd.join("b")))
    );
}

#[test]
fn rule_10_runs_leave_no_temporary_files_and_replace_the_tree_whole() {
    let wd = WorkDir::new();
    wd.write(
        "in/A_daily.json",
        chart::chart(Some("A"), vec![bar(0)], json!([])),
    );
    wd.write(
        "out/data/.daily.staging-999999/A_PRICE_DATA.csv",
        "half a fi",
    );
    wd.write("out/data/daily/OLD_PRICE_DATA.csv", "20250101T,1,1,1,1,0\n");
    let out = harness::process(&wd.join("in"), &wd.join("out"), "daily", &[]);
    assert!(out.status.success());
    let files: Vec<String> = harness::tree(&wd.join("out")).into_keys().collect();
    assert_eq!(
        files,
        [
            "data/daily/A_BC_INDICATOR.csv",
            "data/daily/A_BLUE_DOTS.csv",
            "data/daily/A_PRICE_DATA.csv",
            "data/daily/A_RLST_RATING.csv",
            "data/daily/symbol_info/bluedot.json",
            "report.json"
        ]
    );
}

// ---- symbol_info ----

#[test]
fn symbol_info_group_file_lists_every_series() {
    let wd = WorkDir::new();
    wd.write(
        "in/A_daily.json",
        chart::chart(
            Some("DIX.IN"),
            vec![row(0, [10.5, 12.0, 9.0, 11.0], Some(1.0))],
            json!([]),
        ),
    );
    wd.write(
        "in/B_daily.json",
        chart::chart(Some("AAPL"), vec![bar(0)], json!([])),
    );
    harness::process(
        &wd.join("in"),
        &wd.join("out"),
        "daily",
        &["--group", "largecap"],
    );
    let info: Value =
        serde_json::from_str(&wd.read("out/data/daily/symbol_info/largecap.json")).unwrap();
    assert_eq!(
        info["symbol"],
        json!([
            "AAPL_BC_INDICATOR",
            "AAPL_BLUE_DOTS",
            "AAPL_PRICE_DATA",
            "AAPL_RLST_RATING",
            "DIX_IN_BC_INDICATOR",
            "DIX_IN_BLUE_DOTS",
            "DIX_IN_PRICE_DATA",
            "DIX_IN_RLST_RATING"
        ])
    );
    assert_eq!(info["description"][5], "Test Company - blue dots (daily)");
    assert_eq!(info["pricescale"], json!([10, 1, 1, 1, 10, 1, 10, 1]));
}

#[test]
fn symbol_info_group_name_must_be_a_safe_file_name() {
    let (_, code) = convert(
        "A_daily.json",
        &chart::chart(Some("A"), vec![bar(0)], json!([])),
        &["--group", "../evil"],
    );
    assert_eq!(code, 2);
}

// ---- Per-file outcome ----

#[test]
fn outcome_response_header_error_is_failed_not_empty() {
    let bytes = br#"{"responseHeader":{"error":true,"errorCode":"E42"},"chart":null}"#;
    let reason = failure(bytes);
    assert!(
        reason.contains("responseHeader.error") && reason.contains("E42"),
        "{reason}"
    );
}

#[test]
fn outcome_invalid_json_names_line_and_column() {
    let reason = failure(b"{\n  \"chart\": {\n    \"prices\": [{},,]\n}}");
    assert!(
        reason.starts_with("invalid JSON at line 3 column 19"),
        "{reason}"
    );
}

#[test]
fn outcome_wrong_value_types_name_line_and_column() {
    let reason = failure(b"{\"chart\": {\"prices\": [{\"open\": \"ten\"}]}}");
    assert!(
        reason.starts_with("unexpected JSON structure at line 1 column"),
        "{reason}"
    );
}

#[test]
fn outcome_empty_prices_is_failed() {
    let reason = failure(&chart::chart(Some("X"), vec![], json!([])));
    assert_eq!(reason, "no prices");
}

#[test]
fn outcome_only_holidays_is_no_usable_bars() {
    let reason = failure(&chart::chart(Some("X"), vec![holiday(0)], json!([])));
    assert!(
        reason.starts_with("no usable bars among 1 rows (1 holiday)"),
        "{reason}"
    );
}

#[test]
fn unknown_fields_are_ignored() {
    let mut file: Value =
        serde_json::from_slice(&chart::chart(Some("X"), vec![bar(0)], json!([]))).unwrap();
    file["newTopLevel"] = json!({"a": [1, 2, {"b": null}]});
    file["chart"]["prices"][0]["someNewMetric"] = json!("text");
    file["chart"]["patternsResponse"] = json!([{"x": 1}]);
    let (wd, code) = convert("X_daily.json", &serde_json::to_vec(&file).unwrap(), &[]);
    assert_eq!(code, 0);
    assert_eq!(series(&wd, "X_PRICE_DATA"), "20250801T,10,12,9,11,1000\n");
}
