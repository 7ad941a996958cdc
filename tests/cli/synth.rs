//! `bluedot gen`: deterministic synthetic charts that look like real exports and convert cleanly.

use crate::harness::{WorkDir, bluedot, process, report, run, tree};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn gen_into(dir: &Path, timeframe: &str, count: u32, extra: &[&str]) {
    let out = run(bluedot()
        .arg("gen")
        .arg("--output")
        .arg(dir)
        .args(["--timeframe", timeframe, "--count", &count.to_string()])
        .args(extra));
    assert!(out.status.success(), "gen failed");
    // Every check of the files below would pass on none.
    assert_eq!(tree(dir).len(), count as usize, "gen wrote another count");
}

/// Every generated chart under `dir`, parsed: file name -> JSON.
fn charts(dir: &Path) -> BTreeMap<String, Value> {
    tree(dir)
        .into_iter()
        .map(|(name, bytes)| (name, serde_json::from_slice(&bytes).expect("valid JSON")))
        .collect()
}

fn prices(chart: &Value) -> &Vec<Value> {
    chart["chart"]["prices"].as_array().expect("prices array")
}

const DAY_MS: i64 = 86_400_000;

/// Milliseconds past UTC midnight of a stamp.
fn utc_time_of_day(stamp: i64) -> i64 {
    stamp.rem_euclid(DAY_MS)
}

/// The exchange-local date of a stamp, by the nearest-UTC-midnight rule, as days since 1970.
fn local_day(stamp: i64) -> i64 {
    (stamp + DAY_MS / 2).div_euclid(DAY_MS)
}

#[test]
fn gen_same_arguments_give_byte_identical_trees() {
    let work = WorkDir::new();
    for name in ["a", "b"] {
        gen_into(&work.join(name), "daily", 6, &["--seed", "42"]);
    }
    gen_into(&work.join("other_seed"), "daily", 6, &["--seed", "43"]);
    let first = tree(&work.join("a"));
    assert_eq!(first.len(), 6);
    assert_eq!(first, tree(&work.join("b")), "same seed, different bytes");
    assert_ne!(
        first,
        tree(&work.join("other_seed")),
        "the seed changes nothing"
    );
}

#[test]
fn gen_file_does_not_depend_on_count() {
    let work = WorkDir::new();
    gen_into(
        &work.join("few"),
        "weekly",
        3,
        &["--bars", "30", "--no-pad"],
    );
    gen_into(
        &work.join("more"),
        "weekly",
        9,
        &["--bars", "30", "--no-pad"],
    );
    let (few, more) = (tree(&work.join("few")), tree(&work.join("more")));
    for (name, bytes) in &few {
        assert_eq!(more.get(name), Some(bytes), "{name} changed with --count");
    }
}

#[test]
fn gen_default_files_weigh_about_120_kb_with_real_bar_counts() {
    let work = WorkDir::new();
    for (timeframe, bars) in [("daily", 308), ("weekly", 115)] {
        let dir = work.join(timeframe);
        gen_into(&dir, timeframe, 4, &[]);
        for (name, bytes) in tree(&dir) {
            assert!(
                name.ends_with(&format!("_{timeframe}.json")),
                "file name {name}"
            );
            let size = bytes.len();
            assert!((100_000..=140_000).contains(&size), "{name}: {size} bytes");
            assert!(
                bytes.starts_with(b"{\n    \"responseHeader\": {\n        \"error\": false"),
                "{name}: not pretty-printed with 4 spaces"
            );
            let chart: Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(prices(&chart).len(), bars, "{name}");
            assert_eq!(chart["responseHeader"]["errorCode"], Value::Null);
            assert!(chart["responseHeader"]["asOfDate"].is_i64());
            let peripheral = &chart["chart"]["peripheralData"];
            for key in ["symbol", "name", "rsRating", "periodcity", "instrumentType"] {
                assert!(!peripheral[key].is_null(), "{name}: peripheralData.{key}");
            }
        }
    }
}

#[test]
fn gen_bars_are_newest_first_on_weekdays_or_fridays_with_sound_ohlc() {
    let work = WorkDir::new();
    let mut holidays = 0;
    let mut daily_rows = 0;
    let mut decimals_seen = false;
    for timeframe in ["daily", "weekly"] {
        let dir = work.join(timeframe);
        gen_into(
            &dir,
            timeframe,
            8,
            &["--no-pad", "--last-date", "2025-08-03"],
        );
        for (name, chart) in charts(&dir) {
            let rows = prices(&chart);
            let days: Vec<i64> = rows
                .iter()
                .map(|r| local_day(r["priceDate"].as_i64().unwrap()))
                .collect();
            assert!(
                days.windows(2).all(|w| w[0] > w[1]),
                "{name}: not newest first"
            );
            // 2025-08-01, a Friday: the newest bar for a Sunday --last-date in both timeframes.
            assert_eq!(days[0], 20301, "{name}: newest bar");
            for (row, day) in rows.iter().zip(&days) {
                let weekday = (day + 3).rem_euclid(7); // 0 = Monday; 1970-01-01 was a Thursday
                match timeframe {
                    "daily" => assert!(weekday < 5, "{name}: weekend bar {row}"),
                    _ => assert_eq!(weekday, 4, "{name}: weekly bar not on a Friday {row}"),
                }
                let [open, high, low, close] =
                    ["open", "high", "low", "close"].map(|k| row[k].as_f64().unwrap());
                assert!(
                    low <= open.min(close) && high >= open.max(close),
                    "{name}: {row}"
                );
                assert!(row["bc"].is_f64() || row["bc"].is_i64(), "{name}: bc {row}");
                decimals_seen |= row["close"].is_f64();
            }
            for (i, row) in rows.iter().enumerate() {
                if row["pdt"] == "Holiday" {
                    holidays += 1;
                    assert_eq!(row["volume"], Value::Null, "{name}: holiday volume");
                    assert_eq!(row["rlst"], Value::Null, "{name}: holiday rlst");
                    let previous_day = &rows[i + 1];
                    for key in ["open", "high", "low", "close"] {
                        assert_eq!(row[key], previous_day[key], "{name}: holiday {key}");
                    }
                } else {
                    assert_eq!(row["pdt"], "TradingDate", "{name}");
                }
            }
            if timeframe == "daily" {
                daily_rows += rows.len();
            }
        }
    }
    let share = holidays as f64 / daily_rows as f64;
    assert!((0.02..=0.09).contains(&share), "holiday share {share}");
    assert!(decimals_seen, "no decimal prices at all");
}

#[test]
fn gen_mixes_blue_dot_forms_stamp_kinds_and_symbol_styles() {
    let work = WorkDir::new();
    gen_into(
        &work.path().join("in"),
        "daily",
        24,
        &["--no-pad", "--bars", "40"],
    );
    let mut forms = BTreeSet::new();
    let mut stamps = BTreeSet::new();
    let mut punctuation = BTreeSet::new();
    let mut before_first_bar = 0;
    for (name, chart) in charts(&work.join("in")) {
        let first_bar = prices(&chart).last().unwrap()["priceDate"]
            .as_i64()
            .unwrap();
        for row in prices(&chart) {
            stamps.insert(match utc_time_of_day(row["priceDate"].as_i64().unwrap()) {
                66_600_000 => "18:30 UTC (India)",
                14_400_000 | 18_000_000 => "04:00/05:00 UTC (New York)",
                other => panic!("{name}: stamp at {other} ms past UTC midnight"),
            });
        }
        let symbol = chart["chart"]["peripheralData"]["symbol"].as_str().unwrap();
        assert_eq!(name, format!("{symbol}_daily.json"));
        let indian_stamps = utc_time_of_day(first_bar) == 66_600_000;
        assert_eq!(symbol.ends_with(".IN"), indian_stamps, "{name}");
        punctuation.extend(symbol.chars().filter(|c| !c.is_ascii_alphanumeric()));
        for dot in chart["chart"]["blueDotData"]["dates"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let day = if let Some(text) = dot["blueDotDate"].as_str() {
                forms.insert("object");
                let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
                date.signed_duration_since(chrono::NaiveDate::default())
                    .num_days()
            } else {
                forms.insert("epoch-ms");
                local_day(dot.as_i64().expect("epoch ms"))
            };
            if day < local_day(first_bar) {
                before_first_bar += 1;
            }
        }
    }
    assert_eq!(forms.len(), 2, "blue-dot forms: {forms:?}");
    assert_eq!(stamps.len(), 2, "stamp kinds: {stamps:?}");
    assert!(
        before_first_bar > 24,
        "blue dots before the first bar: {before_first_bar}"
    );
    for c in ['.', '&', '-'] {
        assert!(
            punctuation.contains(&c),
            "no symbol with {c:?}: {punctuation:?}"
        );
    }
}

#[test]
fn gen_output_converts_with_exit_0_and_no_collision() {
    let work = WorkDir::new();
    for timeframe in ["daily", "weekly"] {
        let input = work.join(&format!("in_{timeframe}"));
        gen_into(&input, timeframe, 40, &["--bars", "25", "--no-pad"]);
        let output = work.join(&format!("out_{timeframe}"));
        let out = process(&input, &output, timeframe, &[]);
        assert_eq!(out.status.code(), Some(0), "{timeframe}");
        let report = report(&output);
        assert_eq!(report["totals"]["ok"], 40, "{timeframe}");
        assert_eq!(report["totals"]["series_files_written"], 160, "{timeframe}");
    }
}

#[test]
fn gen_padded_default_files_convert_with_exit_0() {
    let work = WorkDir::new();
    gen_into(&work.join("in"), "daily", 4, &[]);
    let out = process(&work.join("in"), &work.join("out"), "daily", &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(report(&work.join("out"))["totals"]["ok"], 4);
}

/// The committed examples are exactly what the commands in their README produce today.
#[test]
fn examples_equal_a_fresh_gen() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("examples/data/README.md")).unwrap();
    let commands: Vec<Vec<&str>> = readme
        .lines()
        .filter_map(|line| line.trim().strip_prefix("cargo run --release -- gen "))
        .map(|args| args.split_whitespace().collect())
        .collect();
    let mut committed_dirs = BTreeSet::new();
    let work = WorkDir::new();
    for (i, mut args) in commands.into_iter().enumerate() {
        let at = args.iter().position(|a| *a == "--output").unwrap() + 1;
        let committed = root.join(args[at]);
        committed_dirs.insert(args[at].to_owned());
        let fresh = work.join(&i.to_string());
        let fresh_text = fresh.to_string_lossy().into_owned();
        args[at] = &fresh_text;
        assert!(run(bluedot().arg("gen").args(&args)).status.success());
        let expected = tree(&fresh);
        assert!(!expected.is_empty());
        assert!(
            tree(&committed) == expected,
            "{} differs from a fresh `bluedot gen {}`",
            committed.display(),
            args.join(" ")
        );
    }
    let wanted = [
        "examples/data/daily/2025-08-01",
        "examples/data/weekly/2025-W31",
    ];
    assert_eq!(committed_dirs, wanted.map(str::to_owned).into());
}
