//! An independent check of TradingView's rules on every series tree the tests produce.
//!
//! It re-reads the files from disk and knows nothing of the converter's code, so a bug in the
//! converter cannot hide in a shared helper.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const SUFFIXES: [&str; 4] = ["_PRICE_DATA", "_RLST_RATING", "_BC_INDICATOR", "_BLUE_DOTS"];

/// Whether the run that wrote a tree left holiday rows out, which decides how BLUE_DOTS and
/// PRICE_DATA compare: kept holidays are bars of PRICE_DATA only.
#[derive(Clone, Copy, PartialEq)]
pub enum Holidays {
    LeftOut,
    /// Kept, or not known (a tree an earlier run wrote).
    MayBeKept,
}

/// Panics with every rule broken under `series_dir` (`OUT/data/<timeframe>`).
pub fn validate_series_dir(series_dir: &Path, holidays: Holidays) {
    let mut problems = Vec::new();
    let mut csv_names = BTreeSet::new();
    let mut price_dates: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut dot_dates: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut decimals: BTreeMap<String, u32> = BTreeMap::new();
    for entry in std::fs::read_dir(series_dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() {
            if name != "symbol_info" {
                problems.push(format!("unexpected folder {name}"));
            }
            continue;
        }
        if name.matches('.').count() != 1 {
            problems.push(format!("{name}: a file name must hold exactly one dot"));
            continue;
        }
        let Some(series) = name.strip_suffix(".csv") else {
            problems.push(format!("{name}: not a .csv file"));
            continue;
        };
        if !SUFFIXES.iter().any(|s| series.ends_with(s)) {
            problems.push(format!("{name}: unknown series suffix"));
        }
        if !is_seed_symbol(series) {
            problems.push(format!("{name}: symbol must be [A-Z0-9_]{{1,42}}"));
        }
        let text = match std::fs::read(entry.path()).map(String::from_utf8) {
            Ok(Ok(text)) => text,
            _ => {
                problems.push(format!("{name}: not UTF-8"));
                continue;
            }
        };
        let (dates, max_decimals) = check_csv(&name, &text, &mut problems);
        decimals.insert(series.to_owned(), max_decimals);
        if let Some(sym) = series.strip_suffix("_PRICE_DATA") {
            price_dates.insert(sym.to_owned(), dates);
        } else if let Some(sym) = series.strip_suffix("_BLUE_DOTS") {
            dot_dates.insert(sym.to_owned(), dates);
        }
        csv_names.insert(series.to_owned());
    }
    for (sym, dots) in &dot_dates {
        match price_dates.get(sym) {
            None => problems.push(format!("{sym}: BLUE_DOTS without PRICE_DATA")),
            Some(prices) => {
                let bars: BTreeSet<_> = prices.iter().collect();
                if let Some(d) = dots.iter().find(|d| !bars.contains(d)) {
                    problems.push(format!("{sym}: BLUE_DOTS row {d} has no PRICE_DATA bar"));
                }
                if holidays == Holidays::LeftOut && dots != prices {
                    problems.push(format!(
                        "{sym}: BLUE_DOTS has {} rows for {} PRICE_DATA bars, want one per bar",
                        dots.len(),
                        prices.len()
                    ));
                }
            }
        }
    }
    let symbols: BTreeSet<&str> = csv_names
        .iter()
        .filter_map(|name| SUFFIXES.iter().find_map(|s| name.strip_suffix(s)))
        .collect();
    for symbol in symbols {
        let missing: Vec<&str> = SUFFIXES
            .iter()
            .filter(|s| !csv_names.contains(&format!("{symbol}{s}")))
            .copied()
            .collect();
        if !missing.is_empty() {
            problems.push(format!("{symbol}: no {} series", missing.join(", ")));
        }
    }
    check_symbol_info(series_dir, &csv_names, &decimals, &mut problems);
    assert!(
        problems.is_empty(),
        "TradingView rules broken in {}:\n{}",
        series_dir.display(),
        problems.join("\n")
    );
}

fn is_seed_symbol(s: &str) -> bool {
    (1..=42).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Checks one CSV; returns its dates and the longest fraction among its prices.
fn check_csv(name: &str, text: &str, problems: &mut Vec<String>) -> (Vec<String>, u32) {
    let mut dates = Vec::new();
    let mut max_decimals = 0;
    if !text.is_empty() && !text.ends_with('\n') {
        problems.push(format!("{name}: last line lacks LF"));
    }
    if text.contains(['\r', ' ', '"', '\t']) {
        problems.push(format!("{name}: CR, space, tab or quote present"));
    }
    let single_value = !name.ends_with("_PRICE_DATA.csv");
    let mut previous: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let at = format!("{name}:{}", i + 1);
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != 6 {
            problems.push(format!("{at}: {} fields, want 6", fields.len()));
            continue;
        }
        let date = fields[0];
        if !is_tv_date(date) {
            problems.push(format!("{at}: date {date:?} is not a real YYYYMMDDT date"));
        }
        if let Some(prev) = previous.as_deref().filter(|prev| *prev >= date) {
            problems.push(format!("{at}: date {date} not after {prev}"));
        }
        previous = Some(date.to_owned());
        dates.push(date.to_owned());
        let mut values = [0f64; 5];
        for (k, field) in fields[1..].iter().enumerate() {
            match plain_number(field) {
                // Rust prints a double as the shortest text that reads back as it, never with an
                // exponent: the text rule 4 asks for.
                Some(v) if *field != v.to_string() => problems.push(format!(
                    "{at}: {field:?} is not the shortest text of its value, {v}"
                )),
                Some(v) => values[k] = v,
                None => problems.push(format!("{at}: {field:?} is not a plain decimal number")),
            }
            if k < 4 {
                let d = field
                    .find('.')
                    .map_or(0, |dot| (field.len() - dot - 1) as u32);
                max_decimals = max_decimals.max(d);
            }
        }
        let [open, high, low, close, volume] = values;
        if low > open.min(close) || high < open.max(close) {
            problems.push(format!("{at}: OHLC rule broken"));
        }
        if volume < 0.0 {
            problems.push(format!("{at}: negative volume"));
        }
        if single_value && !(open == high && high == low && low == close && volume == 0.0) {
            problems.push(format!(
                "{at}: single-value series must repeat one value with volume 0"
            ));
        }
        if name.ends_with("_BLUE_DOTS.csv") && !(open == 0.0 || open == 1.0) {
            problems.push(format!("{at}: blue dot must be 0 or 1"));
        }
    }
    (dates, max_decimals)
}

/// A real date of years 1000-9999 (CONVERSION.md, rule 1), as `YYYYMMDDT`.
fn is_tv_date(s: &str) -> bool {
    s.len() == 9
        && s.ends_with('T')
        && s[..8].bytes().all(|b| b.is_ascii_digit())
        && !s.starts_with('0')
        && chrono::NaiveDate::parse_from_str(&s[..8], "%Y%m%d").is_ok()
}

/// `-?digits(.digits)?`, no exponent, no trailing dot or trailing fractional zero, no `-0`, finite.
fn plain_number(s: &str) -> Option<f64> {
    let body = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || (int.len() > 1 && int.starts_with('0')) {
        return None;
    }
    if frac.is_some_and(|f| !digits(f) || f.ends_with('0')) {
        return None;
    }
    if s == "-0" {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    v.is_finite().then_some(v)
}

fn check_symbol_info(
    series_dir: &Path,
    csv_names: &BTreeSet<String>,
    decimals: &BTreeMap<String, u32>,
    problems: &mut Vec<String>,
) {
    let info_dir = series_dir.join("symbol_info");
    let files: Vec<_> = std::fs::read_dir(&info_dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    if files.len() != 1 {
        problems.push(format!("symbol_info holds {} files, want 1", files.len()));
        return;
    }
    let list_name = files[0].file_name().unwrap().to_string_lossy();
    let group_ok = list_name.strip_suffix(".json").is_some_and(|group| {
        (1..=64).contains(&group.len())
            && group
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    });
    if !group_ok {
        problems.push(format!(
            "symbol_info/{list_name}: want <group>.json, the group 1-64 of A-Z a-z 0-9 _ -"
        ));
    }
    let raw = std::fs::read_to_string(&files[0]).unwrap();
    let info: serde_json::Value = match serde_json::from_str(&raw) {
        Ok(v) => v,
        Err(e) => return problems.push(format!("symbol_info is not JSON: {e}")),
    };
    let keys: Vec<&String> = info
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    if keys != ["description", "pricescale", "symbol"] {
        problems.push(format!("symbol_info keys are {keys:?}"));
        return;
    }
    let (Some(symbols), Some(descriptions)) =
        (info["symbol"].as_array(), info["description"].as_array())
    else {
        return problems.push("symbol_info: symbol and description must be arrays".into());
    };
    let scales = pricescale_texts(&raw);
    if symbols.len() != descriptions.len() || symbols.len() != scales.len() {
        problems.push("symbol_info arrays differ in length".into());
        return;
    }
    let listed: BTreeSet<String> = symbols
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    if listed.len() != symbols.len() {
        problems.push("symbol_info symbols are not unique".into());
    }
    if &listed != csv_names {
        problems.push(format!(
            "symbol_info lists {listed:?} but the CSV files are {csv_names:?}"
        ));
    }
    for ((symbol, description), scale) in symbols.iter().zip(descriptions).zip(scales) {
        let symbol = symbol.as_str().unwrap();
        if !is_seed_symbol(symbol) {
            problems.push(format!("symbol_info: bad symbol {symbol}"));
        }
        let description = description.as_str().unwrap_or("");
        if description.is_empty() || description.chars().count() > 128 {
            problems.push(format!("symbol_info: bad description for {symbol}"));
        }
        let scale_text = scale;
        let exponent = scale_text.len() as u32 - 1;
        let power_of_ten =
            scale_text.starts_with('1') && scale_text[1..].bytes().all(|b| b == b'0');
        if !power_of_ten || exponent > 22 {
            problems.push(format!("symbol_info: pricescale {scale_text} of {symbol}"));
        }
        let fixed = symbol.ends_with("_RLST_RATING") || symbol.ends_with("_BLUE_DOTS");
        if fixed && exponent != 0 {
            problems.push(format!("symbol_info: {symbol} must have pricescale 1"));
        }
        // TradingView's largest pricescale shows a price of more decimals rounded.
        let shown = decimals.get(symbol).copied().unwrap_or(0).min(22);
        if !fixed && shown != exponent {
            problems.push(format!(
                "symbol_info: pricescale {scale_text} of {symbol} is not the smallest exact one"
            ));
        }
    }
}

/// The `pricescale` entries as written. A power of ten past 10^19 is no `u64`: read into a
/// `serde_json::Value` it would become a float, printed back as `1e21`.
fn pricescale_texts(raw: &str) -> Vec<String> {
    let Some(start) = raw.find("\"pricescale\"") else {
        return Vec::new();
    };
    let rest = &raw[start..];
    let (Some(open), Some(close)) = (rest.find('['), rest.find(']')) else {
        return Vec::new();
    };
    rest[open + 1..close]
        .split(',')
        .map(|entry| entry.trim().to_owned())
        .filter(|entry| !entry.is_empty())
        .collect()
}

/// The validator itself must be able to fail: each broken tree below breaks one rule.
#[cfg(test)]
mod self_check {
    use super::{Holidays, validate_series_dir};
    use crate::harness::WorkDir;

    /// A sound tree of one symbol: two daily bars, a blue dot on the second.
    const GOOD: [(&str, &str); 5] = [
        (
            "A_PRICE_DATA.csv",
            "20250731T,1,2,1,2,5\n20250801T,1.5,2,1,2,0\n",
        ),
        ("A_RLST_RATING.csv", "20250731T,70,70,70,70,0\n"),
        ("A_BC_INDICATOR.csv", "20250801T,3.25,3.25,3.25,3.25,0\n"),
        (
            "A_BLUE_DOTS.csv",
            "20250731T,0,0,0,0,0\n20250801T,1,1,1,1,0\n",
        ),
        ("symbol_info/g.json", INFO),
    ];
    const INFO: &str = r#"{"symbol":["A_BC_INDICATOR","A_BLUE_DOTS","A_PRICE_DATA","A_RLST_RATING"],"description":["A - bc (daily)","A - blue dots (daily)","A - price data (daily)","A - rlst (daily)"],"pricescale":[100,1,10,1]}"#;

    /// The good tree with `changes` made: a file written, or removed when `None`.
    fn tree(changes: &[(&str, Option<&[u8]>)]) -> WorkDir {
        let wd = WorkDir::new();
        for (name, text) in GOOD {
            wd.write(&format!("d/{name}"), text);
        }
        for (name, bytes) in changes {
            match bytes {
                Some(bytes) => drop(wd.write(&format!("d/{name}"), bytes)),
                None => std::fs::remove_file(wd.join(&format!("d/{name}"))).unwrap(),
            }
        }
        wd
    }

    fn complaint(changes: &[(&str, Option<&[u8]>)], holidays: Holidays) -> String {
        let wd = tree(changes);
        let dir = wd.join("d");
        let panic = std::panic::catch_unwind(|| validate_series_dir(&dir, holidays))
            .expect_err("must fail");
        panic.downcast_ref::<String>().cloned().unwrap_or_default()
    }

    #[test]
    fn validator_accepts_a_good_tree() {
        let wd = tree(&[]);
        validate_series_dir(&wd.join("d"), Holidays::LeftOut);
    }

    #[test]
    fn validator_reads_a_pricescale_past_what_an_integer_holds() {
        let tiny = format!("0.{}1", "0".repeat(20));
        let wd = tree(&[
            (
                "A_PRICE_DATA.csv",
                Some(format!("20250731T,{tiny},2,{tiny},2,0\n20250801T,1,2,1,2,0\n").as_bytes()),
            ),
            (
                "symbol_info/g.json",
                Some(
                    INFO.replace("[100,1,10,1]", "[100,1,1000000000000000000000,1]")
                        .as_bytes(),
                ),
            ),
        ]);
        validate_series_dir(&wd.join("d"), Holidays::LeftOut);
    }

    #[test]
    fn validator_lets_kept_holidays_be_bars_without_a_blue_dot_row() {
        let one_dot: &[u8] = b"20250801T,1,1,1,1,0\n";
        let wd = tree(&[("A_BLUE_DOTS.csv", Some(one_dot))]);
        validate_series_dir(&wd.join("d"), Holidays::MayBeKept);
        let message = complaint(&[("A_BLUE_DOTS.csv", Some(one_dot))], Holidays::LeftOut);
        assert!(message.contains("want one per bar"), "{message}");
    }

    #[test]
    fn validator_rejects_each_broken_rule() {
        const PRICES: &str = "A_PRICE_DATA.csv";
        const LIST: &str = "symbol_info/g.json";
        let info = |from: &str, to: &str| INFO.replacen(from, to, 1).into_bytes();
        let cases: Vec<(&str, Option<Vec<u8>>, &str)> = vec![
            ("sub/x.csv", Some(vec![]), "unexpected folder sub"),
            ("A.B_PRICE_DATA.csv", Some(vec![]), "exactly one dot"),
            ("A_PRICE_DATA.txt", Some(vec![]), "not a .csv file"),
            ("A_VOLUME.csv", Some(vec![]), "unknown series suffix"),
            (
                "A-B_PRICE_DATA.csv",
                Some(vec![]),
                "A-B_PRICE_DATA.csv: symbol must be",
            ),
            (
                PRICES,
                Some(b"20250731T,1,2,1,2,\xff\n".to_vec()),
                "not UTF-8",
            ),
            (PRICES, None, "BLUE_DOTS without PRICE_DATA"),
            (
                "A_BLUE_DOTS.csv",
                Some(b"20250731T,0,0,0,0,0\n20250801T,1,1,1,1,0\n20250802T,0,0,0,0,0\n".to_vec()),
                "20250802T has no PRICE_DATA bar",
            ),
            ("A_RLST_RATING.csv", None, "A: no _RLST_RATING series"),
            (PRICES, Some(b"20250731T,1,2,1,2,5".to_vec()), "lacks LF"),
            (
                PRICES,
                Some(b"20250731T,1,2,1,2,5\r\n".to_vec()),
                "CR, space",
            ),
            (
                PRICES,
                Some(b"20250731T,1,2,1,2\n".to_vec()),
                "5 fields, want 6",
            ),
            (
                PRICES,
                Some(b"20250231T,1,2,1,2,0\n".to_vec()),
                "real YYYYMMDDT",
            ),
            (
                PRICES,
                Some(b"09990101T,1,2,1,2,0\n".to_vec()),
                "real YYYYMMDDT",
            ),
            (
                PRICES,
                Some(b"date,open,high,low,close,volume\n".to_vec()),
                "real YYYYMMDDT",
            ),
            (
                PRICES,
                Some(b"20250801T,1,2,1,2,0\n20250801T,1,2,1,2,0\n".to_vec()),
                "not after",
            ),
            (
                PRICES,
                Some(b"20250731T,1,2,1,2.0000000000000001,5\n".to_vec()),
                "not the shortest text of its value, 2",
            ),
            (
                PRICES,
                Some(b"20250731T,1e3,2,1,2,0\n".to_vec()),
                "plain decimal",
            ),
            (
                PRICES,
                Some(b"20250731T,1.0,2,1,2,0\n".to_vec()),
                "plain decimal",
            ),
            (
                PRICES,
                Some(b"20250731T,-0,2,1,2,0\n".to_vec()),
                "plain decimal",
            ),
            (PRICES, Some(b"20250731T,3,2,1,2,0\n".to_vec()), "OHLC"),
            (
                PRICES,
                Some(b"20250731T,1,2,1,2,-1\n".to_vec()),
                "negative volume",
            ),
            (
                "A_RLST_RATING.csv",
                Some(b"20250731T,70,71,70,70,0\n".to_vec()),
                "must repeat one value",
            ),
            (
                "A_BLUE_DOTS.csv",
                Some(b"20250731T,2,2,2,2,0\n20250801T,1,1,1,1,0\n".to_vec()),
                "must be 0 or 1",
            ),
            ("symbol_info/h.json", Some(INFO.into()), "holds 2 files"),
            (LIST, Some(b"{".to_vec()), "not JSON"),
            (LIST, Some(info("{", r#"{"type":"stock","#)), "keys are"),
            (LIST, Some(b"[]".to_vec()), "keys are"),
            (
                LIST,
                Some(info(
                    r#"["A_BC_INDICATOR","A_BLUE_DOTS","A_PRICE_DATA","A_RLST_RATING"]"#,
                    r#""A_PRICE_DATA""#,
                )),
                "must be arrays",
            ),
            (
                LIST,
                Some(info("[100,1,10,1]", "[100,1,10]")),
                "differ in length",
            ),
            (
                LIST,
                Some(info(r#""A_BLUE_DOTS""#, r#""A_BC_INDICATOR""#)),
                "not unique",
            ),
            (
                LIST,
                Some(info(r#""A_BLUE_DOTS""#, r#""B_BLUE_DOTS""#)),
                "CSV files are",
            ),
            (
                LIST,
                Some(info(r#""A_BLUE_DOTS""#, r#""a""#)),
                "bad symbol a",
            ),
            (
                LIST,
                Some(info(r#""A - blue dots (daily)""#, r#""""#)),
                "bad description for A_BLUE_DOTS",
            ),
            (
                LIST,
                Some(info("[100,1,10,1]", "[100,1,20,1]")),
                "pricescale 20 of A_PRICE_DATA",
            ),
            (
                LIST,
                Some(info("[100,", "[100000000000000000000000,")),
                "pricescale 100000000000000000000000 of A_BC_INDICATOR",
            ),
            (
                LIST,
                Some(info("[100,1,", "[100,10,")),
                "A_BLUE_DOTS must have pricescale 1",
            ),
            (
                LIST,
                Some(info("[100,1,10,", "[100,1,100,")),
                "of A_PRICE_DATA is not the smallest exact one",
            ),
        ];
        for (name, bytes, expected) in &cases {
            let message = complaint(&[(name, bytes.as_deref())], Holidays::LeftOut);
            assert!(
                message.contains(expected),
                "{name}: want {expected:?}, got {message}"
            );
        }
    }

    #[test]
    fn validator_wants_a_list_named_after_a_group() {
        let message = complaint(
            &[
                ("symbol_info/g.json", None),
                ("symbol_info/g.v1.json", Some(INFO.as_bytes())),
            ],
            Holidays::LeftOut,
        );
        assert!(message.contains("want <group>.json"), "{message}");
    }
}
