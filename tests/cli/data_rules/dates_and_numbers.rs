//! Rules 1 to 4: exchange-local dates, the CSV format, order and duplicates, numbers.

use super::*;

// ---- Rule 1: dates ----

#[test]
fn rule_1_date_is_exchange_local_for_indian_and_us_stamps() {
    let mut us = bar(0);
    us["priceDate"] = json!(EDT_2025_08_01 - DAY_MS);
    let (wd, _) = convert("IN_daily.json", &chart::with_bars("IN", 1), &[]);
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
    let bytes = chart::with_bars("X", 1);
    let (wd, _) = convert("X_daily.json", &bytes, &["--timezone", "asia/kolkata"]);
    assert!(series(&wd, "X_PRICE_DATA").starts_with("20250801T,"));
    // The report says which dates the tree carries.
    let report = crate::harness::report(&wd.join("out"));
    assert_eq!(report["timezone"], "Asia/Kolkata");
    let release = report["timezone_database"].as_str().unwrap();
    assert!(
        release.len() == 5 && release[..4].parse::<u16>().is_ok_and(|year| year >= 2025),
        "{release}"
    );
    let (wd, _) = convert("X_daily.json", &bytes, &["--timezone", "UTC"]);
    assert!(series(&wd, "X_PRICE_DATA").starts_with("20250731T,"));
    let (wd, _) = convert("X_daily.json", &bytes, &[]);
    let report = crate::harness::report(&wd.join("out"));
    assert_eq!(report["timezone"], serde_json::Value::Null);
    assert_eq!(report["timezone_database"], serde_json::Value::Null);
    assert_eq!(report["bars_not_at_midnight"], serde_json::Value::Null);
}

/// An exchange stamps a bar at its own midnight (DATA.md), so stamps that are not midnight in
/// the zone given show it is not the exchange's: the bars are dated as the option says, and the
/// run warns, since their dates may be a day off.
#[test]
fn rule_1_a_timezone_that_is_not_the_exchanges_is_warned_about() {
    // Indian stamps, 18:30 UTC.
    let bytes = chart::with_bars("X", 3);
    let wd = WorkDir::new();
    wd.write("in/X_daily.json", &bytes);
    let run = |zone: &str| {
        let out = harness::process(
            &wd.join("in"),
            &wd.join("out"),
            "daily",
            &["--timezone", zone],
        );
        assert_eq!(out.status.code(), Some(0));
        let report = report(&wd);
        let file = file_entry(&report, "X_daily.json").clone();
        (String::from_utf8(out.stderr).unwrap(), report, file)
    };
    let (stderr, report, file) = run("America/New_York");
    assert!(
        stderr.contains(
            "warning: 3 bars in 1 chart are not stamped at midnight in America/New_York \
             (X_daily.json: 3 of them)"
        ),
        "{stderr}"
    );
    assert!(series(&wd, "X_PRICE_DATA").starts_with("20250729T,"));
    assert_eq!(report["bars_not_at_midnight"], 3);
    assert_eq!(file["bars_not_at_midnight"], 3);
    let (stderr, report, file) = run("Asia/Kolkata");
    assert!(!stderr.contains("warning"), "{stderr}");
    assert!(series(&wd, "X_PRICE_DATA").starts_with("20250730T,"));
    assert_eq!(report["bars_not_at_midnight"], 0);
    assert_eq!(file.get("bars_not_at_midnight"), None);
}

#[test]
fn rule_1_machine_time_zone_is_never_used() {
    let wd = WorkDir::new();
    wd.write(
        "in/X_daily.json",
        chart::chart(Some("X"), vec![bar(0), bar(-1)], json!([])),
    );
    for tz in ["Pacific/Kiritimati", "America/Adak", "UTC"] {
        let output = wd.join(&tz.replace('/', "_"));
        let mut cmd = harness::process_command(&wd.join("in"), &output, "daily");
        let out = harness::run_and_validate(cmd.env("TZ", tz), &output);
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
    let wd = WorkDir::new();
    wd.write("in/X_daily.json", chart::with_bars("X", 1));
    let out = harness::process(
        &wd.join("in"),
        &wd.join("out"),
        "daily",
        &["--timezone", "Mars/Olympus"],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("\"Mars/Olympus\" is not an IANA time zone name"),
        "{stderr}"
    );
    assert!(!wd.join("out").exists());
}

// ---- Rule 2: format ----

#[test]
fn rule_2_no_header_no_blank_lines_lf_endings() {
    let (wd, _) = convert_rows(vec![bar(0), bar(-1)], &[]);
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
    let (wd, _) = convert_rows(rows, &[]);
    let csv = series(&wd, "X_PRICE_DATA");
    let dates: Vec<&str> = csv.lines().map(|l| &l[..9]).collect();
    assert_eq!(dates, ["20250728T", "20250731T", "20250801T"]);
}

#[test]
fn rule_3_unsorted_input_is_sorted() {
    let rows = vec![bar(-4), bar(0), bar(-2), bar(-1)];
    let (wd, _) = convert_rows(rows, &[]);
    let csv = series(&wd, "X_PRICE_DATA");
    let dates: Vec<&str> = csv.lines().map(|l| &l[..9]).collect();
    assert_eq!(dates, ["20250728T", "20250730T", "20250731T", "20250801T"]);
}

#[test]
fn rule_3_duplicate_date_last_occurrence_in_file_order_wins_and_is_counted() {
    let first = row(0, [10.0, 12.0, 9.0, 11.0], Some(1.0));
    let last = row(0, [20.0, 22.0, 19.0, 21.0], Some(2.0));
    let (wd, _) = convert_rows(vec![first, last], &[]);
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
    let (wd, code) = convert_rows(rows, &[]);
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

/// Exporters that compute their prices write them at full precision, as JavaScript and Python
/// print a double (`1192.6000000000001`, `1.2345678901234568e-5`). Each is read as the double
/// it names, however many digits it has, so it prints back as written, and a high one unit in
/// the last place below the close is a violation, not a sound bar.
#[test]
fn rule_4_numbers_are_read_as_the_exact_double_however_many_digits() {
    let sound = row(
        0,
        [1192.6000000000001, 1192.6000000000001, 1192.6, 1192.6],
        Some(10.0),
    );
    let high_below_close = row(-1, [28991.06, 28991.059999999998, 28990.0, 28991.06], None);
    let tiny = row(
        -2,
        [1.2345678901234568e-5, 2.0, 1.2345678901234568e-5, 1.0],
        Some(15856.393333333333),
    );
    let chart = chart::chart(Some("X"), vec![sound, high_below_close, tiny], json!([]));
    // serde_json writes the small number out in full; a JavaScript exporter uses an exponent.
    let text = String::from_utf8(chart)
        .unwrap()
        .replace("0.000012345678901234568", "1.2345678901234568e-5");
    for number in [
        "1192.6000000000001",
        "28991.059999999998",
        "1.2345678901234568e-5",
        "15856.393333333333",
    ] {
        assert!(text.contains(number), "the input holds {number}");
    }
    let (wd, code) = convert("X_daily.json", text.as_bytes(), &[]);
    assert_eq!(code, 0);
    assert_eq!(
        series(&wd, "X_PRICE_DATA"),
        "20250730T,0.000012345678901234568,2,0.000012345678901234568,1,15856.393333333333\n\
         20250801T,1192.6000000000001,1192.6000000000001,1192.6,1192.6,10\n"
    );
    assert_eq!(dropped(&wd, "X_daily.json", "ohlc_violation"), 1);
}

/// A price of 21 decimals (exporters print prices under 0.001 in full) makes a pricescale of
/// 10^21, past any 64-bit integer: the list is still the run's own, and the next run replaces
/// the tree it names rather than refuse it as not bluedot's.
#[test]
fn rule_4_a_pricescale_past_64_bits_does_not_stop_the_next_run() {
    let tiny = row(-2, [1.2345678901234568e-5, 2.0, 1e-5, 1.0], None);
    let (wd, code) = convert_rows(vec![tiny], &[]);
    assert_eq!(code, 0);
    let list = wd.read("out/data/daily/symbol_info/bluedot.json");
    assert!(list.contains("1000000000000000000000"), "{list}");
    let again = harness::process(&wd.join("in"), &wd.join("out"), "daily", &[]);
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

#[test]
fn rule_4_a_price_past_22_decimals_keeps_its_digits_under_the_largest_pricescale() {
    // 23 decimals, as an exporter printing a double in full writes a price under a millionth,
    // and in exponent form, as others write it.
    let mut tiny = row(0, [2e-7, 3e-7, 0.0, 2e-7], Some(1.0));
    tiny["low"] = json!("<low>");
    for low in ["0.00000012345678901234568", "1.2345678901234568e-7"] {
        let text = String::from_utf8(chart::chart(Some("X"), vec![tiny.clone()], json!([])))
            .unwrap()
            .replace("\"<low>\"", low);
        assert!(text.contains(low));
        let (wd, code) = convert("X_daily.json", text.as_bytes(), &[]);
        assert_eq!(code, 0, "{low}");
        assert_eq!(
            series(&wd, "X_PRICE_DATA"),
            "20250801T,0.0000002,0.0000003,0.00000012345678901234568,0.0000002,1\n"
        );
        let list = wd.read("out/data/daily/symbol_info/bluedot.json");
        let largest = format!("1{}", "0".repeat(22));
        assert!(
            list.contains(&largest) && !list.contains(&format!("{largest}0")),
            "{list}"
        );
        let again = harness::process(&wd.join("in"), &wd.join("out"), "daily", &[]);
        assert_eq!(again.status.code(), Some(0), "{low}");
    }
}

#[test]
fn rule_4_pricescale_is_the_smallest_exact_power_of_ten() {
    let mut fractional = row(0, [10.25, 12.5, 9.125, 11.0], Some(1.0));
    // RLST is a score, its pricescale 1 whatever its text: TradingView shows it rounded.
    fractional["rlst"] = json!(70.5);
    let (wd, _) = convert_rows(vec![fractional], &[]);
    let info: Value =
        serde_json::from_str(&wd.read("out/data/daily/symbol_info/bluedot.json")).unwrap();
    let scale_of = |series: &str| {
        let at = info["symbol"]
            .as_array()
            .unwrap()
            .iter()
            .position(|s| s == series)
            .unwrap();
        info["pricescale"][at].clone()
    };
    assert_eq!(scale_of("X_PRICE_DATA"), 1000);
    assert_eq!(scale_of("X_BC_INDICATOR"), 10);
    assert_eq!(scale_of("X_RLST_RATING"), 1);
    assert_eq!(scale_of("X_BLUE_DOTS"), 1);
    assert_eq!(
        series(&wd, "X_RLST_RATING"),
        "20250801T,70.5,70.5,70.5,70.5,0\n"
    );
}
