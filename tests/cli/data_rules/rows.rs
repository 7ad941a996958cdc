//! Rules 5 to 7: holidays, nulls, OHLC and volume.

use super::*;

// ---- Rule 5: holidays ----

/// A holiday with an `rlst`, which MarketSmith leaves null: only the holiday rule, not rule 6's
/// null `rlst`, can then keep it out of RLST_RATING.
fn rated_holiday(days: i64) -> Value {
    let mut r = holiday(days);
    r["rlst"] = json!(70);
    r
}

#[test]
fn rule_5_holidays_are_left_out_of_all_series_by_default() {
    let rows = vec![bar(0), rated_holiday(-1), bar(-2)];
    let (wd, _) = convert_rows(rows, &[]);
    for s in [
        "X_PRICE_DATA",
        "X_RLST_RATING",
        "X_BC_INDICATOR",
        "X_BLUE_DOTS",
    ] {
        assert!(!series(&wd, s).contains("20250731T"), "{s}");
    }
    assert_eq!(dropped(&wd, "X_daily.json", "holiday"), 1);

    // Spelled in another case, a holiday is still one: a copy of the day before must not be
    // published as a bar of its own.
    let mut lower = holiday(-1);
    lower["pdt"] = serde_json::json!("holiday");
    let mut upper = holiday(-3);
    upper["pdt"] = serde_json::json!("HOLIDAY");
    let (wd, _) = convert_rows(vec![bar(0), lower, bar(-2), upper, bar(-4)], &[]);
    assert!(!series(&wd, "X_PRICE_DATA").contains("20250731T"));
    assert!(!series(&wd, "X_PRICE_DATA").contains("20250729T"));
    assert_eq!(dropped(&wd, "X_daily.json", "holiday"), 2);
}

#[test]
fn rule_5_keep_holidays_keeps_them_in_price_data_only() {
    let rows = vec![bar(0), rated_holiday(-1), bar(-2)];
    let (wd, _) = convert_rows(rows, &["--keep-holidays"]);
    assert!(series(&wd, "X_PRICE_DATA").contains("20250731T,10,12,9,11,0\n"));
    assert_eq!(
        crate::harness::report(&wd.join("out"))["keep_holidays"],
        true
    );
    for s in ["X_RLST_RATING", "X_BC_INDICATOR", "X_BLUE_DOTS"] {
        assert!(!series(&wd, s).contains("20250731T"), "{s}");
    }
}

/// A holiday `--keep-holidays` cannot keep (its prices are not a bar) is in no series: it is
/// counted once, for its prices, so `holiday` still counts exactly the holidays kept.
#[test]
fn rule_5_keep_holidays_counts_a_holiday_it_cannot_keep_by_its_prices() {
    let mut unpriced = holiday(-1);
    unpriced["close"] = Value::Null;
    let rows = vec![bar(0), unpriced, holiday(-2), bar(-3)];
    let (wd, code) = convert_rows(rows, &["--keep-holidays"]);
    assert_eq!(code, 0);
    assert_eq!(
        series(&wd, "X_PRICE_DATA"),
        "20250729T,10,12,9,11,1000\n20250730T,10,12,9,11,0\n20250801T,10,12,9,11,1000\n"
    );
    assert_eq!(dropped(&wd, "X_daily.json", "holiday"), 1);
    assert_eq!(dropped(&wd, "X_daily.json", "null_price"), 1);
    // Not a trading bar: no trader's bar is missing.
    assert!(file_entry(&report(&wd), "X_daily.json")["newest_bar_left_out"].is_null());
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
    let (wd, _) = convert_rows(vec![no_rlst, no_bc], &[]);
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
    let (wd, code) = convert_rows(vec![bar(0), bad], &[]);
    assert_eq!(code, 0);
    assert_eq!(series(&wd, "X_PRICE_DATA"), "20250801T,10,12,9,11,1000\n");
    assert_eq!(dropped(&wd, "X_daily.json", "null_price"), 1);
}

/// JSON has no literal for infinity, but a number too large for a double (`1e999`) is one. As a
/// price it drops that bar, not the chart: the stock's other bars are still good. In `rlst` or
/// `bc` it drops that series' row, as a volume it is no volume (as `null`), as a date it drops
/// the row, and as a blue dot the dot.
#[test]
fn rule_6_non_finite_price_is_left_out_of_price_data_and_counted() {
    let set = |mut row: Value, key: &str, text: &str| {
        row[key] = json!(format!("<{text}>"));
        row
    };
    let rows = vec![
        bar(0),
        set(bar(-1), "open", "1e999"),
        set(bar(-2), "close", "-1e999"),
        set(bar(-3), "rlst", "1e999"),
        set(bar(-4), "bc", "-1E+400"),
        set(bar(-5), "volume", "1e999"),
        set(bar(-6), "priceDate", "1e999"),
    ];
    let dots = json!(["<1e999>", {"blueDotDate": "<-1e999>"}, {"blueDotDate": "2025-08-01"}]);
    let text = String::from_utf8(chart::chart(Some("X"), rows, dots)).unwrap();
    let text = text.replace("\"<", "").replace(">\"", "");
    assert!(text.contains("\"open\": 1e999"), "{text}");
    let (wd, code) = convert("X_daily.json", text.as_bytes(), &[]);
    assert_eq!(code, 0);
    let prices = series(&wd, "X_PRICE_DATA");
    assert_eq!(
        prices,
        "20250727T,10,12,9,11,0\n\
         20250728T,10,12,9,11,1000\n\
         20250729T,10,12,9,11,1000\n\
         20250801T,10,12,9,11,1000\n"
    );
    assert!(!series(&wd, "X_RLST_RATING").contains("20250729T"));
    assert!(!series(&wd, "X_BC_INDICATOR").contains("20250728T"));
    assert_eq!(
        series(&wd, "X_BLUE_DOTS").lines().last(),
        Some("20250801T,1,1,1,1,0")
    );
    for (reason, n) in [
        ("null_price", 2),
        ("null_rlst", 1),
        ("null_bc", 1),
        ("invalid_date", 1),
        ("invalid_blue_dot", 2),
    ] {
        assert_eq!(dropped(&wd, "X_daily.json", reason), n, "{reason}");
    }
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

/// A count says bars were left out, not which: the report dates each chart's newest, and the
/// summary warns, first for a chart that lost its latest bar (its series end a day early).
#[test]
fn rule_7_the_newest_bar_left_out_is_dated_and_warned_of() {
    let wd = WorkDir::new();
    let mut unpriced = bar(-3);
    unpriced["open"] = Value::Null;
    let latest_inverted = row(0, [10.0, 10.5, 9.0, 11.0], Some(1.0));
    let stale = vec![latest_inverted, bar(-1), unpriced, bar(-4)];
    wd.write(
        "in/CIX_daily.json",
        chart::chart(Some("CIX"), stale, json!([])),
    );
    let mut unpriced = bar(-2);
    unpriced["high"] = Value::Null;
    let gap = vec![bar(0), bar(-1), unpriced];
    wd.write(
        "in/BAX_daily.json",
        chart::chart(Some("BAX"), gap, json!([])),
    );
    let whole = vec![bar(0), bar(-1)];
    wd.write(
        "in/AAA_daily.json",
        chart::chart(Some("AAA"), whole, json!([])),
    );
    let out = harness::process(&wd.join("in"), &wd.join("out"), "daily", &[]);
    assert_eq!(out.status.code(), Some(0));

    let report = report(&wd);
    let entry = |name: &str| file_entry(&report, name)["newest_bar_left_out"].clone();
    assert_eq!(
        entry("CIX_daily.json"),
        json!({"date": "2025-08-01", "reason": "ohlc_violation"})
    );
    assert_eq!(
        entry("BAX_daily.json"),
        json!({"date": "2025-07-30", "reason": "null_price"})
    );
    assert!(entry("AAA_daily.json").is_null());

    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(
            "warning: bars left out of PRICE_DATA for their prices in 2 charts (the newest of each): \
             CIX_daily.json 2025-08-01 ohlc_violation, its latest trading bar (the latest trading bar written: 2025-07-31); \
             BAX_daily.json 2025-07-30 null_price\n"
        ),
        "{stderr}"
    );
}

// ---- Dropped rows, per file and in total ----

#[test]
fn dropped_rows_are_counted_per_file_and_in_total() {
    let mut repeated = bar(-2);
    repeated["close"] = json!(11.5);
    let mut unpriced = bar(-3);
    unpriced["close"] = Value::Null;
    let a = chart::chart(
        Some("A"),
        vec![bar(0), holiday(-1), bar(-2), repeated, unpriced],
        dot_objects(&["2025-08-05"]),
    );
    let mut unrated = bar(-2);
    unrated["rlst"] = Value::Null;
    let b = chart::chart(
        Some("B"),
        vec![
            bar(0),
            row(-1, [10.0, 8.0, 9.0, 11.0], Some(5.0)),
            unrated,
            holiday(-3),
            bar(-4),
        ],
        dot_objects(&["2025-02-30"]),
    );
    let wd = WorkDir::new();
    wd.write("in/A_daily.json", a);
    wd.write("in/B_daily.json", b);
    let out = harness::process(&wd.join("in"), &wd.join("out"), "daily", &[]);
    assert_eq!(out.status.code(), Some(0));
    let report = report(&wd);
    let a = &file_entry(&report, "A_daily.json")["dropped_rows"];
    let b = &file_entry(&report, "B_daily.json")["dropped_rows"];
    assert_eq!(
        *a,
        json!({"holiday": 1, "duplicate_date": 1, "null_price": 1, "blue_dots_outside_range": 1})
    );
    assert_eq!(
        *b,
        json!({"holiday": 1, "ohlc_violation": 1, "null_rlst": 1, "invalid_blue_dot": 1})
    );
    assert_eq!(
        report["dropped_rows"],
        json!({
            "holiday": 2, "duplicate_date": 1, "null_price": 1, "blue_dots_outside_range": 1,
            "ohlc_violation": 1, "null_rlst": 1, "invalid_blue_dot": 1,
        })
    );
}
