//! Builds chart JSON files for tests, row by row, in the shape of DATA.md.

use serde_json::{Value, json};

/// 2025-08-01 00:00 in India (18:30 UTC the day before), the stamp style of Indian exports.
pub const IST_2025_08_01: i64 = 1_753_986_600_000;
/// 2025-08-01 00:00 in New York (04:00 UTC), the stamp style of US exports.
pub const EDT_2025_08_01: i64 = 1_754_020_800_000;
pub const DAY_MS: i64 = 86_400_000;

/// A trading row `days` after 2025-08-01 (negative: before), Indian stamp.
pub fn row(days: i64, ohlc: [f64; 4], volume: Option<f64>) -> Value {
    json!({
        "priceDate": IST_2025_08_01 + days * DAY_MS,
        "open": ohlc[0], "high": ohlc[1], "low": ohlc[2], "close": ohlc[3],
        "volume": volume, "pdt": "TradingDate", "bc": 100.5, "rlst": 70
    })
}

/// A plain valid trading row: prices 10/12/9/11, volume 1000.
pub fn bar(days: i64) -> Value {
    row(days, [10.0, 12.0, 9.0, 11.0], Some(1000.0))
}

/// A holiday row as MarketSmith writes it: previous prices, null volume and rlst.
pub fn holiday(days: i64) -> Value {
    let mut r = bar(days);
    r["pdt"] = json!("Holiday");
    r["volume"] = Value::Null;
    r["rlst"] = Value::Null;
    r
}

/// A chart of `symbol` with `bars` daily bars, `bar(0)` the newest (a file most tests need only
/// to exist and convert).
pub fn with_bars(symbol: &str, bars: usize) -> Vec<u8> {
    let rows = (0..bars as i64).map(|day| bar(-day)).collect();
    chart(Some(symbol), rows, json!([]))
}

/// A complete chart file: `rows` in the given order (write them newest first, as real files do).
pub fn chart(symbol: Option<&str>, rows: Vec<Value>, blue_dots: Value) -> Vec<u8> {
    let mut peripheral = json!({ "name": "Test Company", "rsRating": 78, "periodcity": "Daily" });
    if let Some(symbol) = symbol {
        peripheral["symbol"] = json!(symbol);
    }
    let file = json!({
        "responseHeader": { "error": false, "errorCode": null, "asOfDate": 1754142710132i64 },
        "chart": {
            "prices": rows,
            "peripheralData": peripheral,
            "blueDotData": { "dates": blue_dots, "isRSBlueDotSatisfied": 0 },
            "corpEvents": null,
            "lastCompletedPattern": { "kind": "cup" }
        }
    });
    serde_json::to_vec_pretty(&file).unwrap()
}

/// [`chart`] as a weekly export states itself (`periodcity: "Weekly"`).
pub fn weekly_chart(symbol: Option<&str>, rows: Vec<Value>, blue_dots: Value) -> Vec<u8> {
    let mut file: Value = serde_json::from_slice(&chart(symbol, rows, blue_dots)).unwrap();
    file["chart"]["peripheralData"]["periodcity"] = json!("Weekly");
    serde_json::to_vec_pretty(&file).unwrap()
}

/// `{"blueDotDate": ...}` objects for the given dates.
pub fn dot_objects(dates: &[&str]) -> Value {
    Value::Array(dates.iter().map(|d| json!({ "blueDotDate": d })).collect())
}
