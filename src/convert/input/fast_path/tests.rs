//! The fast path against serde_json: wherever it answers, it must answer what serde_json does.
//!
//! Documents are generated in the chart's shape (so the fast path really answers), then
//! perturbed: wrong types, duplicate keys, escapes, odd numbers, unknown fields, whitespace, and
//! byte-level damage (truncation, insertion, deletion).

use super::super::ChartFile;
use super::read;
use documents::document;
use proptest::prelude::*;

mod documents;

/// Debug text tells `-0.0` from `0.0` and every other pair of distinct doubles apart. Source
/// texts are the fast path's own addition and are checked separately.
fn fingerprint(file: &ChartFile) -> String {
    let text = format!("{file:?}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find(", texts: [") {
        out.push_str(&rest[..at]);
        let end = rest[at..]
            .find("] }")
            .expect("the texts array ends the row")
            + at
            + 1;
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Every number whose source text the fast path kept reprints as its value prints (zero is
/// always printed from the value).
fn check_source_texts(bytes: &[u8], file: &ChartFile) -> Result<(), TestCaseError> {
    use crate::convert::number::write_number;
    let rows = file
        .chart
        .as_ref()
        .and_then(|c| c.prices.as_deref())
        .unwrap_or(&[]);
    for row in rows {
        let values = [
            row.open, row.high, row.low, row.close, row.volume, row.bc, row.rlst,
        ];
        for (value, text) in values.iter().zip(row.texts) {
            if !text.is_known() {
                continue;
            }
            let value = value.expect("a text is kept only for a number");
            if value == 0.0 {
                continue;
            }
            let (mut copied, mut printed) = (Vec::new(), Vec::new());
            let decimals = (
                text.copy_to(bytes, &mut copied),
                write_number(value, &mut printed),
            );
            prop_assert_eq!(
                String::from_utf8_lossy(&copied),
                String::from_utf8_lossy(&printed)
            );
            prop_assert_eq!(decimals.0, decimals.1);
        }
    }
    Ok(())
}

fn serde_reading(bytes: &[u8]) -> Option<ChartFile> {
    serde_json::from_slice(bytes).ok()
}

fn assert_agrees(bytes: &[u8]) -> Result<bool, TestCaseError> {
    let Some(fast) = read(bytes) else {
        return Ok(false);
    };
    let Some(reference) = serde_reading(bytes) else {
        return Err(TestCaseError::fail(format!(
            "fast path accepted what serde_json rejects: {}",
            String::from_utf8_lossy(bytes)
        )));
    };
    prop_assert_eq!(
        fingerprint(&fast),
        fingerprint(&reference),
        "document: {}",
        String::from_utf8_lossy(bytes)
    );
    check_source_texts(bytes, &fast)?;
    Ok(true)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn agrees_with_serde_json_wherever_it_answers(bytes in document()) {
        assert_agrees(&bytes)?;
    }
}

/// The fast path must actually answer for exports as they come, or it is only a detour.
#[test]
fn answers_for_generated_exports() {
    for timeframe in [
        crate::convert::Timeframe::Daily,
        crate::convert::Timeframe::Weekly,
    ] {
        for pad in [true, false] {
            let spec = crate::synth::Spec {
                seed: 7,
                timeframe,
                last_date: chrono::NaiveDate::from_ymd_opt(2025, 8, 1).unwrap(),
                bars: 60,
                pad,
            };
            for index in 0..20 {
                let file = crate::synth::generate(&spec, index);
                let fast = read(&file.bytes).expect("the fast path answers for an export");
                let reference = serde_reading(&file.bytes).unwrap();
                assert_eq!(
                    fingerprint(&fast),
                    fingerprint(&reference),
                    "{}",
                    file.file_name
                );
            }
        }
    }
}

#[test]
fn declines_what_only_serde_json_can_judge() {
    let declined = [
        // An error header: serde_json keeps its errorCode as a JSON value.
        &br#"{"responseHeader":{"error":true,"errorCode":500},"chart":null}"#[..],
        // Escapes in text it would keep, exponents and long numbers.
        br#"{"chart":{"peripheralData":{"symbol":"D\u0049X"}}}"#,
        br#"{"chart":{"prices":[{"open":1e2}]}}"#,
        br#"{"chart":{"prices":[{"open":1234567890.1234567}]}}"#,
        // A repeated known key, which serde_json rejects.
        br#"{"chart":{"prices":[{"open":1,"open":2}]}}"#,
        // A struct written as an array, which serde refuses (`input::Object`).
        br#"{"chart":[null,null,null]}"#,
        // A blue dot written as an array, which serde counts as no date.
        br#"{"chart":{"blueDotData":{"dates":[["2025-07-01"]]}}}"#,
        // Not JSON at all: serde_json words the error.
        br#"{"chart":{"prices":[{"open":1,}]}}"#,
        br#"{"chart":{}} x"#,
        b"",
    ];
    for bytes in declined {
        assert!(read(bytes).is_none(), "{}", String::from_utf8_lossy(bytes));
    }
}

#[test]
fn reads_the_plain_shape() {
    let bytes = br#"{
        "responseHeader": {"error": false, "errorCode": null, "asOfDate": 1754057951328},
        "chart": {
            "prices": [
                {"priceDate": 1753986600000, "open": 66.4, "high": 66.75, "low": 65.45,
                 "close": 65.75, "volume": null, "pdt": "TradingDate", "bc": 16895.4, "rlst": -0},
                {"priceDate": 1753900200000, "pdt": "Holiday", "extra": [1, {"a": "\n\t"}]}
            ],
            "peripheralData": {"symbol": "DIX.IN", "name": "Divi's Laboratories"},
            "blueDotData": {"dates": [1753986600000, {"blueDotDate": "2025-07-01"}, "x", null]},
            "corpEvents": [{"eventDate": 1.5e12, "description": "Split 1:2 \/ \"bonus\""}]
        }
    }"#;
    assert!(read(bytes).is_some());
    assert!(assert_agrees(bytes).unwrap());
}

/// The property above is only as good as its documents: enough of them must get past the fast
/// path's declines, rows included, for agreement to mean anything.
#[test]
fn generated_documents_reach_the_fast_path() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut answered, mut rows) = (0, 0);
    for _ in 0..2000 {
        let bytes = document().new_tree(&mut runner).unwrap().current();
        if let Some(file) = read(&bytes) {
            answered += 1;
            rows += file.chart.and_then(|c| c.prices).map_or(0, |p| p.len());
        }
    }
    assert!(
        answered >= 200,
        "the fast path answered for {answered} of 2000 documents"
    );
    assert!(
        rows >= 200,
        "only {rows} price rows were read by the fast path"
    );
}

/// Rows after the first are read by its layout; any row that differs in spacing, keys or order
/// must still come out as serde_json reads it.
#[test]
fn rows_that_break_the_layout_are_read_key_by_key() {
    let bytes = br#"{"chart": {"prices": [
        {"priceDate": 1753986600000, "open": 66.4, "close": 65.75, "pdt": "TradingDate"},
        {"priceDate": 1753900200000, "open": 67.75, "close": 66.4, "pdt": "Holiday"},
        {"priceDate": 1753813800000, "open": null, "close": 67.3, "pdt": null},
        {"priceDate": 1753727400000,  "open": 66.45, "close": 66.05, "pdt": "TradingDate"},
        {"priceDate": 1753641000000, "close": 66.05, "pdt": "TradingDate"},
        {"priceDate": 1753554600000, "close": 66.05, "pdt": "TradingDate", "open": 1},
        {"priceDate": 1753468200000, "open": 2, "close": 3, "pdt": "TradingDate", "x": [1]},
        {"priceDate": 1753381800000, "open": 66.4, "close": 65.75, "pdt": "TradingDate"}
    ]}}"#;
    assert!(assert_agrees(bytes).unwrap());
    let rows = read(bytes).unwrap().chart.unwrap().prices.unwrap();
    assert_eq!(rows.len(), 8);
    assert_eq!(rows[5].open, Some(1.0));
    assert_eq!(rows[2].open, None);
}

/// Ignored arrays of objects are skipped by the first object's layout; an object that differs,
/// or holds anything serde_json rejects, must be judged as serde_json judges it.
#[test]
fn ignored_objects_are_skipped_by_layout_and_still_checked() {
    let document = |third: &str| {
        format!(
            r#"{{"chart": {{"prices": [{{"priceDate": 1753986600000, "close": 1}}],
            "patterns": [
                {{"type": "cup", "pivot": 12.5, "dates": [1, 2], "failed": false}},
                {{"type": "flat", "pivot": 9, "dates": [], "failed": null}},
                {third},
                {{"type": "cup", "pivot": 1e3, "dates": [{{"a": "b"}}], "failed": true}},
                {{"type": "cup",  "pivot": 12.5, "dates": [1, 2], "failed": false}},
                {{"failed": true, "type": "cup", "pivot": 12.5, "dates": [1, 2]}},
                [1, 2], "text", {{}}
            ]}}}}"#
        )
    };
    let fine = document(r#"{"type": "cup", "pivot": -0.5, "dates": {"x": 1}, "failed": true}"#);
    assert!(assert_agrees(fine.as_bytes()).unwrap());
    // Same layout, broken values: a control character, an escape the fast path leaves to
    // serde_json, a bare word, a number with a leading zero.
    for third in [
        "{\"type\": \"c\u{1}p\", \"pivot\": 1, \"dates\": [], \"failed\": true}",
        r#"{"type": "c\u0075p", "pivot": 1, "dates": [], "failed": true}"#,
        r#"{"type": "cup", "pivot": 1, "dates": [nul], "failed": true}"#,
        r#"{"type": "cup", "pivot": 01, "dates": [], "failed": true}"#,
    ] {
        let bytes = document(third);
        assert!(
            read(bytes.as_bytes()).is_none(),
            "fast path answered for {third}"
        );
    }
}
