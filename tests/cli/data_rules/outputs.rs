//! Rules 9 and 10, the symbol list, and per-file outcomes.

use super::*;

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
    wd.write("in/A_daily.json", chart::with_bars("A", 1));
    wd.write(
        "out/data/.daily.staging-999999/A_PRICE_DATA.csv",
        "half a fi",
    );
    // Yesterday's tree: a series and the symbol list naming it.
    wd.write("out/data/daily/OLD_PRICE_DATA.csv", "20250101T,1,1,1,1,0\n");
    wd.write(
        "out/data/daily/symbol_info/bluedot.json",
        r#"{"symbol": ["OLD_PRICE_DATA"], "description": ["Old - price data (daily)"], "pricescale": [1]}"#,
    );
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

#[test]
fn a_staging_folder_whose_run_is_alive_is_left_alone() {
    let wd = WorkDir::new();
    wd.write("in/A_daily.json", chart::with_bars("A", 1));
    // Another run writing into the same output: it holds its lock file while it stages.
    wd.write(
        "out/data/.daily.staging-7-3/B_PRICE_DATA.csv",
        "20250101T,1,",
    );
    let lock = wd.join("out/data/.lock-7-3");
    let held = std::fs::File::create(&lock).unwrap();
    held.lock().unwrap();

    // Not `harness::process`: its check that no hidden tree is left would see the other run's.
    let first = harness::run(&mut harness::process_command(
        &wd.join("in"),
        &wd.join("out"),
        "daily",
    ));
    assert!(first.status.success());
    assert!(wd.join("out/data/daily/A_PRICE_DATA.csv").exists());
    assert_eq!(
        wd.read("out/data/.daily.staging-7-3/B_PRICE_DATA.csv"),
        "20250101T,1,"
    );

    // Once that run is gone (its lock let go, its files left behind), the next run removes them.
    drop(held);
    assert!(
        harness::process(&wd.join("in"), &wd.join("out"), "daily", &[])
            .status
            .success()
    );
    let files: Vec<String> = harness::tree(&wd.join("out/data")).into_keys().collect();
    assert_eq!(files.len(), 5, "{files:?}");
    assert!(files.iter().all(|f| f.starts_with("daily/")), "{files:?}");
    assert!(!wd.join("out/data/.daily.staging-7-3").exists());
}

// Stops the run through /proc to see a still picture of what it left.
#[cfg(target_os = "linux")]
#[test]
fn a_run_killed_mid_write_leaves_nothing_the_next_run_does_not_remove() {
    let wd = WorkDir::new();
    let bars: Vec<Value> = (0..200).map(bar).collect();
    for i in 0..200 {
        let symbol = format!("S{i}");
        wd.write(
            &format!("in/{symbol}_daily.json"),
            chart::chart(Some(&symbol), bars.clone(), json!([])),
        );
    }
    for mode in ["staged", "per-file"] {
        let output = wd.join(&format!("out-{mode}"));
        let process = || {
            let mut cmd = harness::process_command(&wd.join("in"), &output, "daily");
            cmd.args(["--workers", "1", "--write-mode", mode]);
            cmd
        };
        // The first run publishes a tree, so the second is killed while replacing it.
        assert!(harness::run(&mut process()).status.success(), "{mode}");

        // Killed (SIGKILL: no chance to clean up) while something beside its lock file is there:
        // its staging tree, or a series' temporary file. Stopped first, so that what is seen is
        // still there when it dies; a run that ends before it is caught is run again.
        let unfinished = || {
            harness::hidden_entries(&output)
                .iter()
                .any(|e| !e.contains(".lock-"))
        };
        let signal = |pid: &str, name: &str| {
            let sent = std::process::Command::new("kill")
                .args([name, pid])
                .status()
                .unwrap();
            assert!(sent.success());
        };
        let caught = |child: &mut std::process::Child| {
            let pid = child.id().to_string();
            loop {
                if child.try_wait().unwrap().is_some() {
                    return false;
                }
                if unfinished() {
                    signal(&pid, "-STOP");
                    // The signal is only queued when `kill` returns.
                    let seen = loop {
                        let now = state(&pid);
                        if matches!(now, 'T' | 'Z') {
                            break now;
                        }
                        std::thread::yield_now();
                    };
                    if seen == 'Z' {
                        return false;
                    }
                    if unfinished() {
                        return true;
                    }
                    signal(&pid, "-CONT");
                }
            }
        };
        let mut child = (0..20)
            .find_map(|_| {
                let mut child = process()
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .unwrap();
                if caught(&mut child) {
                    Some(child)
                } else {
                    child.wait().unwrap();
                    None
                }
            })
            .unwrap_or_else(|| panic!("{mode}: never caught writing"));
        let pid = child.id().to_string();
        signal(&pid, "-KILL");
        child.wait().unwrap();
        assert!(unfinished(), "{mode}");

        assert!(harness::run(&mut process()).status.success(), "{mode}");
        assert_eq!(
            harness::hidden_entries(&output),
            Vec::<String>::new(),
            "{mode}"
        );
        harness::validate_output(&output);
        assert_eq!(harness::report(&output)["totals"]["ok"], 200, "{mode}");
    }
}

#[cfg(target_os = "linux")]
/// The state of the process `pid` (`T` stopped by a signal, `Z` exited), from `/proc/<pid>/stat`.
fn state(pid: &str) -> char {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The state follows the command name, which is in parentheses.
    stat.rsplit_once(") ")
        .and_then(|(_, rest)| rest.chars().next())
        .unwrap_or('?')
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
    wd.write("in/B_daily.json", chart::with_bars("AAPL", 1));
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

    // A company name with nothing to show (missing, blank, control characters only) gives
    // way to the symbol: a description is never a bare " - price data (daily)".
    // And what is left of a name once control characters are dropped is trimmed again.
    for (name, shown) in [
        (Value::Null, "DIX.IN"),
        (json!("  "), "DIX.IN"),
        (json!("\n\t\u{7f}"), "DIX.IN"),
        (json!("\u{1} Acme \u{2}"), "Acme"),
    ] {
        let mut file: Value = serde_json::from_slice(&chart::with_bars("DIX.IN", 1)).unwrap();
        file["chart"]["peripheralData"]["name"] = name.clone();
        let (wd, code) = convert(
            "DIX.IN_daily.json",
            &serde_json::to_vec(&file).unwrap(),
            &[],
        );
        assert_eq!(code, 0);
        let info: Value =
            serde_json::from_str(&wd.read("out/data/daily/symbol_info/bluedot.json")).unwrap();
        assert_eq!(
            info["description"][2],
            format!("{shown} - price data (daily)"),
            "{name}"
        );
    }
}

#[test]
fn symbol_info_group_name_must_be_a_safe_file_name() {
    let (_, code) = convert_rows(vec![bar(0)], &["--group", "../evil"]);
    assert_eq!(code, 2);
    // A device's name on Windows, where `symbol_info/con.json` could not be checked out.
    for device in ["con", "Nul", "COM1", "lpt9"] {
        let (wd, code) = convert_rows(vec![bar(0)], &["--group", device]);
        assert_eq!(code, 2, "--group {device}");
        assert!(!wd.join("out/data").exists());
    }
    let (_, code) = convert_rows(vec![bar(0)], &["--group", "console"]);
    assert_eq!(code, 0, "only the exact device names are refused");
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
    // A code no double holds is still the error's code, not a reason to call the JSON invalid.
    let bytes = br#"{"responseHeader":{"error":true,"errorCode":-1e999},"chart":null}"#;
    assert_eq!(
        failure(bytes),
        "responseHeader.error is true (errorCode: -1e999)"
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

/// Windows tools save "Unicode" text as UTF-16: the reason says so rather than "line 1 column 1".
#[test]
fn outcome_a_utf16_file_is_named_as_such() {
    let text = String::from_utf8(chart::with_bars("X", 1)).unwrap();
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for bytes in [[&[0xFF, 0xFE][..], &le].concat(), le, be] {
        assert_eq!(
            failure(&bytes),
            "UTF-16 text; a chart export is UTF-8 JSON (save the file as UTF-8)"
        );
    }
}

/// A chart re-saved in a legacy encoding (Latin-1, Windows-1252): the reason names the encoding
/// and the byte, where serde_json would say "invalid unicode code point".
#[test]
fn outcome_a_file_that_is_not_utf8_is_named_as_such() {
    let latin1 =
        b"{\"chart\": {\"peripheralData\": {\"name\": \"Soci\xE9t\xE9\"}, \"prices\": []}}";
    assert_eq!(
        failure(latin1),
        "not UTF-8 text: byte 0xE9 at line 1 column 44 (a chart export is UTF-8 JSON; save the file as UTF-8)"
    );
    // A JSON error before the stray byte is the one reported.
    let broken = b"{\"chart\": {,\"peripheralData\": {\"name\": \"Soci\xE9\"}}}";
    assert!(
        failure(broken).starts_with("invalid JSON at line 1 column 12: "),
        "{}",
        failure(broken)
    );
    // In a value bluedot skips, the byte is not read and the chart converts: its bars are whole.
    // So it does whichever way the file is laid out (fields in export order, or not).
    let bar = r#"{"priceDate": 1754020800000, "open": 10, "high": 12, "low": 9, "close": 11, "volume": 1000}"#;
    for layout in [
        format!(
            r#"{{"chart": {{"prices": [{bar}], "peripheralData": {{"symbol": "X", "exchangeName": "Société"}}}}}}"#
        ),
        format!(
            r#"{{"chart": {{"peripheralData": {{"exchangeName": "Société", "symbol": "X"}}, "prices": [{bar}]}}, "x": [{{"y": "é"}}]}}"#
        ),
    ] {
        let latin1: Vec<u8> = layout
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap())
            .collect();
        assert!(std::str::from_utf8(&latin1).is_err());
        let (wd, code) = convert("X_daily.json", &latin1, &[]);
        assert_eq!(code, 0, "{layout}");
        assert_eq!(series(&wd, "X_PRICE_DATA"), "20250801T,10,12,9,11,1000\n");
    }
    // So a skipped byte never stands for what fails the chart later: a type error is one, and a
    // byte that is read is named where it is.
    let skipped_then = |later: &[u8]| {
        let mut file = b"{\"source\": \"Soci\xE9t\xE9\",\n\"chart\": {\"prices\": [{".to_vec();
        file.extend_from_slice(later);
        file.extend_from_slice(b"}]}}");
        failure(&file)
    };
    assert_eq!(
        skipped_then(b"\"volume\": \"abc\""),
        "unexpected JSON structure at line 2 column 37: invalid type: string \"abc\", expected a number"
    );
    assert!(
        skipped_then(b"\"pdt\": \"Holi\xE9\"")
            .starts_with("not UTF-8 text: byte 0xE9 at line 2 column 35 "),
        "{}",
        skipped_then(b"\"pdt\": \"Holi\xE9\"")
    );
}

/// The 32 MiB limit bounds a file's bytes, not its entries: 11 million `{}` rows fit in 33 MB
/// and took 2 GB to read. A list longer than any chart's fails the file before it is read.
#[test]
fn outcome_a_list_longer_than_any_charts_fails_before_it_is_read() {
    let rows = |n: usize| vec!["{}"; n].join(",");
    let prices = failure(format!("{{\"chart\": {{\"prices\": [{}]}}}}", rows(100_001)).as_bytes());
    assert!(
        prices.ends_with("more than 100000 entries in one list; an export holds a few hundred"),
        "{prices}"
    );
    let dots = vec!["1"; 100_001].join(",");
    let bar = r#"{"priceDate": 1754020800000, "open": 1, "high": 1, "low": 1, "close": 1}"#;
    let file =
        format!("{{\"chart\": {{\"prices\": [{bar}], \"blueDotData\": {{\"dates\": [{dots}]}}}}}}");
    let dots = failure(file.as_bytes());
    assert!(dots.contains("more than 100000 entries"), "{dots}");
    // As many as the limit are read (these rows hold no bar, and say so).
    let at_limit =
        failure(format!("{{\"chart\": {{\"prices\": [{}]}}}}", rows(100_000)).as_bytes());
    assert!(
        at_limit.starts_with("no usable bars among 100000 rows"),
        "{at_limit}"
    );
}

#[test]
fn outcome_wrong_value_types_name_line_and_column() {
    let reason = failure(b"{\"chart\": {\"prices\": [{\"open\": \"ten\"}]}}");
    assert_eq!(
        reason,
        "unexpected JSON structure at line 1 column 36: invalid type: string \"ten\", expected a number"
    );
    // Wherever the field stands in its row, the position is the value's, not the row's end a
    // line later (exports end rows with `rlst`); so for a string that is no text at all.
    for (row, expected) in [
        (
            "{\n\"rlst\": \"abc\",\n\"open\": 1\n}",
            "line 2 column 13: invalid type: string \"abc\"",
        ),
        (
            "{\n\"open\": 1,\n\"rlst\": \"abc\"\n}",
            "line 3 column 13: invalid type: string \"abc\"",
        ),
        (
            "{\n\"open\": \"\\ud800\"\n}",
            "line 2 column 16: invalid type: a string that is not valid text",
        ),
        // An object or a list is placed at its opening bracket, whichever field it is in.
        (
            "{\"open\":\n{\"a\": 1}}",
            "line 2 column 1: invalid type: map",
        ),
    ] {
        let reason = failure(format!("{{\"chart\": {{\"prices\": [{row}]}}}}").as_bytes());
        assert_eq!(
            reason,
            format!("unexpected JSON structure at {expected}, expected a number")
        );
    }
    // A reason quotes the chart: a megabyte where a number goes is not quoted whole.
    let huge = format!(
        "{{\"chart\": {{\"prices\": [{{\"open\": \"{}\"}}]}}}}",
        "x".repeat(1 << 20)
    );
    let cut = failure(huge.as_bytes());
    assert!(cut.len() < 500, "{} bytes", cut.len());
    assert!(cut.ends_with("more characters)"), "{cut}");
    let pdt = failure(b"{\"chart\": {\"prices\": [{\"pdt\": 1}]}}");
    assert_eq!(
        pdt,
        "unexpected JSON structure at line 1 column 31: invalid type: integer `1`, expected a text such as \"TradingDate\""
    );
    let listed = failure(b"{\"chart\": {\"prices\": [{\"pdt\":\n  [\"Holiday\"]}]}}");
    assert_eq!(
        listed,
        "unexpected JSON structure at line 2 column 3: invalid type: sequence, expected a text such as \"TradingDate\""
    );
    let tagged = failure(b"{\"chart\": {\"prices\": [{\"pdt\": {\"Holiday\": null}}]}}");
    assert!(
        tagged.ends_with("invalid type: map, expected a text such as \"TradingDate\""),
        "{tagged}"
    );
    // An array where an object goes is not read by position: columns in another order would
    // turn closes into opens without a word.
    let row = failure(b"{\"chart\": {\"prices\": [[1753986600000, 100, 110, 90, 105, 1000]]}}");
    assert_eq!(
        row,
        "unexpected JSON structure at line 1 column 23: invalid type: sequence, expected an object"
    );
    // At its bracket, not after its first item, wherever the items stand.
    let split = failure(b"{\"chart\": {\"prices\": [  [\n1,\n2]]}}");
    assert!(
        split.starts_with("unexpected JSON structure at line 1 column 25: "),
        "{split}"
    );
    for document in [
        &b"[{\"error\": false}, {\"prices\": []}]"[..],
        b"{\"chart\": {\"prices\": [], \"blueDotData\": [[\"2025-08-01\"]]}}",
    ] {
        let reason = failure(document);
        assert!(
            reason.ends_with("invalid type: sequence, expected an object"),
            "{reason}"
        );
    }
    // An empty array is how PHP and others write an object without fields.
    let mut file: Value = serde_json::from_slice(&chart::with_bars("X", 1)).unwrap();
    file["chart"]["blueDotData"] = json!([]);
    file["chart"]["peripheralData"] = json!([]);
    let (wd, code) = convert("X_daily.json", &serde_json::to_vec(&file).unwrap(), &[]);
    assert_eq!(code, 0);
    assert!(series(&wd, "X_PRICE_DATA").starts_with("20250801T,"));
}

#[test]
fn outcome_chart_of_another_timeframe_is_failed() {
    // A weekly run given daily exports would publish daily bars as the weekly series.
    let with_periodicity = |symbol: &str, periodicity: Option<Value>| {
        let mut file: Value =
            serde_json::from_slice(&chart::chart(Some(symbol), vec![bar(0)], json!([]))).unwrap();
        match periodicity {
            Some(value) => file["chart"]["peripheralData"]["periodcity"] = value,
            None => {
                file["chart"]["peripheralData"]
                    .as_object_mut()
                    .unwrap()
                    .remove("periodcity");
            }
        }
        serde_json::to_vec_pretty(&file).unwrap()
    };
    let wd = WorkDir::new();
    let files = [
        ("DAILY_daily.json", Some(json!("Daily")), "failed"),
        ("NAMED_daily.json", None, "failed"),
        ("WEEKLY_weekly.json", Some(json!("Weekly")), "ok"),
        // The export's own word decides over its name.
        ("RENAMED_daily.json", Some(json!(" weekly ")), "ok"),
        ("PLAIN.json", None, "ok"),
        // Not a word for a timeframe: ignored like any field bluedot does not know.
        ("ODD.json", Some(json!(7)), "ok"),
        ("OTHER.json", Some(json!("Every bar")), "ok"),
        // Numbers no double holds, which an unknown field's value may hold too.
        ("HUGE.json", Some(json!("@1e999@")), "ok"),
        ("NESTED.json", Some(json!({"x": "@-1e999@"})), "ok"),
        // Text that names no character says nothing either: the file name decides.
        ("SURROGATE_daily.json", Some(json!("@lone@")), "failed"),
    ];
    for (i, (name, periodicity, _)) in files.iter().enumerate() {
        // Distinct symbols: the charts must not collide.
        let bytes = with_periodicity(&format!("S{i}"), periodicity.clone());
        let text = String::from_utf8(bytes).unwrap();
        let text = text
            .replace("\"@1e999@\"", "1e999")
            .replace("\"@-1e999@\"", "-1e999")
            .replace("@lone@", "\\ud800");
        wd.write(&format!("in/{name}"), text);
    }
    let out = harness::process(&wd.join("in"), &wd.join("out"), "weekly", &[]);
    assert_eq!(out.status.code(), Some(1));
    let report = harness::report(&wd.join("out"));
    for (name, _, outcome) in files {
        assert_eq!(file_entry(&report, name)["outcome"], outcome, "{name}");
    }
    assert_eq!(
        file_entry(&report, "DAILY_daily.json")["reason"],
        "timeframe mismatch: peripheralData.periodcity says Daily, but the run converts weekly charts"
    );
    for named in ["NAMED_daily.json", "SURROGATE_daily.json"] {
        assert_eq!(
            file_entry(&report, named)["reason"],
            "timeframe mismatch: the file name says daily, but the run converts weekly charts"
        );
    }
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
    let mut file: Value = serde_json::from_slice(&chart::with_bars("X", 1)).unwrap();
    file["newTopLevel"] = json!({"a": [1, 2, {"b": null}]});
    file["chart"]["prices"][0]["someNewMetric"] = json!("text");
    file["chart"]["patternsResponse"] = json!([{"x": 1}]);
    let (wd, code) = convert("X_daily.json", &serde_json::to_vec(&file).unwrap(), &[]);
    assert_eq!(code, 0);
    assert_eq!(series(&wd, "X_PRICE_DATA"), "20250801T,10,12,9,11,1000\n");
}
