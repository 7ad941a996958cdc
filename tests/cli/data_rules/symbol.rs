//! Symbols and the four series: where the name comes from and what is written.

use super::*;

// ---- Symbol ----

#[test]
fn symbol_comes_from_peripheral_data_symbol() {
    let (wd, code) = convert("whatever_daily.json", &chart::with_bars("DIX.IN", 1), &[]);
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
fn symbol_collision_fails_every_colliding_file_and_writes_none() {
    let wd = WorkDir::new();
    wd.write("in/a_daily.json", chart::with_bars("DIX.IN", 1));
    wd.write(
        "in/b_daily.json",
        chart::chart(Some("DIX_IN"), vec![bar(1), holiday(0)], json!([])),
    );
    wd.write("in/c_daily.json", chart::with_bars("OK", 1));
    wd.write(
        "in/d_daily.json",
        chart::chart(Some("dix-in"), vec![bar(2)], json!([])),
    );
    let out = harness::process(&wd.join("in"), &wd.join("out"), "daily", &[]);
    assert_eq!(out.status.code(), Some(1));
    for file in ["a_daily.json", "b_daily.json", "d_daily.json"] {
        let reason = failure_reason(&wd, file);
        assert!(
            reason.contains("collision")
                && reason.contains("a_daily.json, b_daily.json, d_daily.json")
                && reason.contains("DIX_IN"),
            "{reason}"
        );
    }
    let names: Vec<String> = harness::tree(&wd.join("out/data/daily"))
        .into_keys()
        .collect();
    assert!(names.iter().all(|n| !n.starts_with("DIX_IN")), "{names:?}");
    assert!(names.contains(&"OK_PRICE_DATA.csv".to_owned()));
    // A failed chart's rows were not left out of the tree, the whole chart was: its own entry
    // counts them, the run's total (what the tree lacks of the charts it holds) does not.
    assert_eq!(dropped(&wd, "b_daily.json", "holiday"), 1);
    assert_eq!(report(&wd)["dropped_rows"], json!({}));
}

#[test]
fn symbol_too_long_for_tradingview_fails() {
    let convert_symbol = |symbol: &str| {
        let chart = chart::chart(Some(symbol), vec![bar(0)], json!([]));
        convert("x_daily.json", &chart, &[])
    };
    // 29 characters and `_BC_INDICATOR` make 42, TradingView's limit: the longest that fits.
    let longest = "A".repeat(29);
    let (wd, code) = convert_symbol(&longest);
    assert_eq!(code, 0);
    let bc = series(&wd, &format!("{longest}_BC_INDICATOR"));
    assert_eq!(bc.lines().count(), 1);

    let long = "A".repeat(30);
    let (wd, code) = convert_symbol(&long);
    assert_eq!(code, 1);
    assert_eq!(
        failure_reason(&wd, "x_daily.json"),
        format!(
            "series symbol {long} is 30 characters; TradingView allows 29 before the series suffix"
        )
    );
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
