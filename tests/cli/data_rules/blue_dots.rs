//! Rule 8: blue dots, both forms, and the window rule.

use super::*;

// ---- Rule 8: blue dots ----

fn blue_dots_for_bytes(bytes: &[u8]) -> (WorkDir, String) {
    let (wd, code) = convert("X_daily.json", bytes, &[]);
    assert_eq!(code, 0);
    let csv = series(&wd, "X_BLUE_DOTS");
    (wd, csv)
}

fn blue_dots_for(rows: Vec<Value>, dots: Value) -> (WorkDir, String) {
    blue_dots_for_bytes(&chart::chart(Some("X"), rows, dots))
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

/// Converts a weekly chart of `weeks` Friday bars, the newest 2025-08-01, with these dots.
fn weekly_blue_dots_for(weeks: i64, dots: &[&str]) -> String {
    let rows = (0..weeks).map(|week| bar(-7 * week)).collect();
    let wd = WorkDir::new();
    wd.write(
        "in/X_weekly.json",
        chart::weekly_chart(Some("X"), rows, dot_objects(dots)),
    );
    let out = harness::process(&wd.join("in"), &wd.join("out"), "weekly", &[]);
    assert!(out.status.success());
    wd.read("out/data/weekly/X_BLUE_DOTS.csv")
}

#[test]
fn rule_8_weekly_blue_dot_on_any_weekday_lights_that_weeks_friday_bar() {
    // One dot in each week but the first and the last: Monday 06-23, Tuesday 07-01, Wednesday
    // 07-09, Thursday 07-17 and Friday 07-25, the bar's own day.
    let csv = weekly_blue_dots_for(
        7,
        &[
            "2025-06-23",
            "2025-07-01",
            "2025-07-09",
            "2025-07-17",
            "2025-07-25",
        ],
    );
    assert_eq!(
        csv,
        "20250620T,0,0,0,0,0\n20250627T,1,1,1,1,0\n20250704T,1,1,1,1,0\n\
         20250711T,1,1,1,1,0\n20250718T,1,1,1,1,0\n20250725T,1,1,1,1,0\n\
         20250801T,0,0,0,0,0\n"
    );
}

#[test]
fn rule_8_weekly_blue_dot_on_a_weekend_lights_the_next_friday_bar() {
    // Saturday 07-19 and Sunday 07-27: after the Friday of their ISO week, so the window rule
    // gives them the Friday after.
    let csv = weekly_blue_dots_for(3, &["2025-07-19", "2025-07-27"]);
    assert_eq!(
        csv,
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
    let mut file: Value = serde_json::from_slice(&chart::with_bars("X", 1)).unwrap();
    file["chart"].as_object_mut().unwrap().remove("blueDotData");
    let (_, csv) = blue_dots_for_bytes(&serde_json::to_vec(&file).unwrap());
    assert_eq!(csv, "20250801T,0,0,0,0,0\n");
}

#[test]
fn rule_8_one_row_per_trading_bar_of_price_data() {
    let mut bad = bar(-1);
    bad["open"] = Value::Null;
    let (_, csv) = blue_dots_for(vec![bar(0), bad, bar(-2)], dot_objects(&["2025-07-31"]));
    assert_eq!(csv, "20250730T,0,0,0,0,0\n20250801T,1,1,1,1,0\n");
}
