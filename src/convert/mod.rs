//! The pure conversion core: chart JSON bytes + options -> four CSV series and their statistics.
//!
//! No I/O, no clocks, no environment: the same bytes and options always give the same output,
//! which is what makes re-runs byte-identical and the core testable in isolation.

mod dates;
mod input;
mod number;
mod series;
pub mod symbol;
mod symbol_info;

pub use dates::{DateRule, named_zone, zone_database_release};
pub use series::{BadBar, BarLeftOut, SeriesFile, SeriesKind, SeriesName};
pub use symbol_info::{
    ChartSymbols, SeriesSymbols, Streamed, is_series_name, listed_series, validate_group,
    write_symbol_info,
};

use chrono::NaiveDate;
use serde::Serialize;
use std::fmt;

/// What the caller decides; everything else comes from the file itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertOptions {
    pub timeframe: Timeframe,
    pub date_rule: DateRule,
    /// Keep `Holiday` rows in PRICE_DATA (they never enter the other three series).
    pub keep_holidays: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Timeframe {
    Daily,
    Weekly,
}

impl Timeframe {
    pub const ALL: [Timeframe; 2] = [Timeframe::Daily, Timeframe::Weekly];

    pub fn as_str(self) -> &'static str {
        match self {
            Timeframe::Daily => "daily",
            Timeframe::Weekly => "weekly",
        }
    }
}

impl fmt::Display for Timeframe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Rows left out of a series, by reason. Reported per file and summed over the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DroppedRows {
    /// `pdt: "Holiday"` rows left out (all four series, or three with `keep_holidays`).
    pub holiday: u32,
    /// A later row in file order carried the same local date; the later one was kept.
    pub duplicate_date: u32,
    /// `priceDate` missing, null, not finite (`1e999`), or outside years 1000..=9999 (one that is
    /// not a number at all fails the file).
    pub invalid_date: u32,
    /// open/high/low/close missing or not finite: left out of PRICE_DATA.
    pub null_price: u32,
    /// `low <= min(open, close)` or `high >= max(open, close)` does not hold: left out of PRICE_DATA.
    pub ohlc_violation: u32,
    /// Negative volume: left out of PRICE_DATA.
    pub negative_volume: u32,
    /// `rlst` missing on a trading bar: left out of RLST_RATING only.
    pub null_rlst: u32,
    /// `bc` missing on a trading bar: left out of BC_INDICATOR only.
    pub null_bc: u32,
    /// Blue-dot dates before the first or after the last trading bar: counted, not plotted.
    pub blue_dots_outside_range: u32,
    /// Blue-dot entries that are neither a `YYYY-MM-DD` date nor epoch milliseconds.
    pub invalid_blue_dot: u32,
}

/// How many reasons a row can be left out for.
pub const REASONS: usize = 10;

impl DroppedRows {
    /// Each reason's name in `report.json` (the field's), in declaration order.
    pub const NAMES: [&str; REASONS] = [
        "holiday",
        "duplicate_date",
        "invalid_date",
        "null_price",
        "ohlc_violation",
        "negative_volume",
        "null_rlst",
        "null_bc",
        "blue_dots_outside_range",
        "invalid_blue_dot",
    ];

    /// The counts in declaration order, the one place that lists the fields.
    fn counts_mut(&mut self) -> [&mut u32; REASONS] {
        [
            &mut self.holiday,
            &mut self.duplicate_date,
            &mut self.invalid_date,
            &mut self.null_price,
            &mut self.ohlc_violation,
            &mut self.negative_volume,
            &mut self.null_rlst,
            &mut self.null_bc,
            &mut self.blue_dots_outside_range,
            &mut self.invalid_blue_dot,
        ]
    }

    /// The counts in declaration order, for compact storage.
    pub fn to_array(mut self) -> [u32; REASONS] {
        self.counts_mut().map(|n| *n)
    }

    pub fn from_array(counts: [u32; REASONS]) -> DroppedRows {
        let mut dropped = DroppedRows::default();
        for (slot, n) in dropped.counts_mut().into_iter().zip(counts) {
            *slot = n;
        }
        dropped
    }

    /// `(reason, count)` for every non-zero reason, in declaration order.
    pub fn non_zero(&self) -> Vec<(&'static str, u64)> {
        Self::NAMES
            .into_iter()
            .zip((*self).to_array())
            .filter(|(_, n)| *n > 0)
            .map(|(reason, n)| (reason, u64::from(n)))
            .collect()
    }
}

impl std::ops::AddAssign for DroppedRows {
    fn add_assign(&mut self, mut other: Self) {
        for (total, n) in self.counts_mut().into_iter().zip(other.counts_mut()) {
            *total = total.saturating_add(*n);
        }
    }
}

/// A successfully converted chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Converted {
    /// The symbol as found (`peripheralData.symbol` or the file name).
    pub symbol: String,
    /// The normalised name used in file names: `DIX_IN`.
    pub series_symbol: String,
    /// `peripheralData.name`, else the symbol.
    pub display_name: String,
    /// PRICE_DATA, RLST_RATING, BC_INDICATOR, BLUE_DOTS, in that order.
    pub series: Vec<SeriesFile>,
    pub dropped: DroppedRows,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    /// Price rows whose stamp is not midnight in the `--timezone` zone (0 without one). An
    /// exchange stamps a bar at its own midnight (DATA.md), so such rows say the zone is not the
    /// exchange's and their dates may be a day off. They are still converted as the option
    /// says; the run warns.
    pub bars_not_at_midnight: u32,
    /// The newest trading bar left out of PRICE_DATA for its prices: the counts say how many,
    /// this says which day a trader's chart lacks (the newest matters most: a chart that lost
    /// it ends a bar early).
    pub newest_bar_left_out: Option<BarLeftOut>,
}

/// Why a file produced nothing. The `Display` text is what users read in the report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    #[error("empty file")]
    EmptyFile,
    /// Windows tools save "Unicode" text as UTF-16, which JSON readers take for garbage at
    /// its first byte: saying so points at the fix (save as UTF-8).
    #[error("UTF-16 text; a chart export is UTF-8 JSON (save the file as UTF-8)")]
    Utf16,
    /// A chart re-saved in a legacy encoding (Latin-1, Windows-1252): serde_json's words for it,
    /// "invalid unicode code point", point at JSON escapes instead of the encoding.
    #[error(
        "not UTF-8 text: byte 0x{byte:02X} at line {line} column {column} (a chart export is UTF-8 JSON; save the file as UTF-8)"
    )]
    NotUtf8 {
        line: usize,
        column: usize,
        byte: u8,
    },
    #[error("invalid JSON at line {line} column {column}: {message}")]
    InvalidJson {
        line: usize,
        column: usize,
        message: String,
    },
    /// Well-formed JSON whose values have the wrong types (a price that is text, a row that is
    /// not an object): the file is not a chart export we can trust.
    #[error("unexpected JSON structure at line {line} column {column}: {message}")]
    UnexpectedStructure {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("responseHeader.error is true (errorCode: {code})")]
    ResponseError { code: String },
    #[error("not a chart export: no \"chart\" object at the top level")]
    NoChart,
    /// The export's bars are not the run's timeframe: converted, they would replace the run's
    /// series with another timeframe's bars under the same names.
    #[error("timeframe mismatch: {stated_by} says {stated}, but the run converts {run} charts")]
    OtherTimeframe {
        stated_by: &'static str,
        stated: String,
        run: Timeframe,
    },
    #[error("no prices")]
    NoPrices,
    #[error("no usable bars among {rows} rows ({why})")]
    NoUsableBars { rows: usize, why: String },
    #[error("no symbol: peripheralData.symbol is missing and the file name gives none")]
    NoSymbol,
    #[error(
        "series symbol {series_symbol} is {len} characters; TradingView allows {max} before the series suffix",
        len = series_symbol.len(),
        max = symbol::MAX_SERIES_SYMBOL
    )]
    SymbolTooLong { series_symbol: String },
}

/// Converts one chart file. `file_name` gives the symbol when `peripheralData.symbol` is absent,
/// and the timeframe to check when `periodcity` does not state one.
pub fn convert(
    file_name: &str,
    bytes: &[u8],
    options: &ConvertOptions,
) -> Result<Converted, ConvertError> {
    // The rows keep offsets of their numbers' text: conversion reads the bytes parsing saw.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let file = parse(bytes)?;
    if file.response_header.as_ref().and_then(|h| h.error) == Some(true) {
        let code = file
            .response_header
            .and_then(|h| h.error_code)
            .unwrap_or_else(|| "none".to_owned());
        return Err(ConvertError::ResponseError { code });
    }
    let chart = file.chart.ok_or(ConvertError::NoChart)?;
    let peripheral = chart.peripheral_data.as_ref();
    check_timeframe(peripheral, file_name, options.timeframe)?;
    let symbol = peripheral
        .and_then(|p| p.symbol.as_deref())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| symbol::symbol_from_file_name(file_name))
        .to_owned();
    let series_symbol = symbol::series_symbol(&symbol);
    if series_symbol.is_empty() {
        return Err(ConvertError::NoSymbol);
    }
    if series_symbol.len() > symbol::MAX_SERIES_SYMBOL {
        return Err(ConvertError::SymbolTooLong { series_symbol });
    }
    // A name of blanks and control characters alone would show as nothing once those are
    // dropped (see `symbol_info::Description`).
    let display_name = peripheral
        .and_then(|p| p.name.as_deref())
        .map(str::trim)
        .filter(|s| s.chars().any(|c| !c.is_control() && !c.is_whitespace()))
        .unwrap_or(&symbol)
        .to_owned();
    let prices = chart.prices.unwrap_or_default();
    if prices.is_empty() {
        return Err(ConvertError::NoPrices);
    }
    let blue_dots = chart
        .blue_dot_data
        .and_then(|b| b.dates)
        .unwrap_or_default();
    let built = series::build(&prices, &blue_dots, options, bytes)?;
    Ok(Converted {
        symbol,
        series_symbol,
        display_name,
        series: built.series,
        dropped: built.dropped,
        first_date: built.first_date,
        last_date: built.last_date,
        bars_not_at_midnight: built.bars_not_at_midnight,
        newest_bar_left_out: built.newest_bar_left_out,
    })
}

/// The export's own word on its timeframe (`peripheralData.periodcity`) decides; without it,
/// the `_<timeframe>` its file name ends with. Neither stated: nothing to check.
fn check_timeframe(
    peripheral: Option<&input::PeripheralData>,
    file_name: &str,
    run: Timeframe,
) -> Result<(), ConvertError> {
    let (stated_by, stated) = match peripheral.and_then(input::PeripheralData::stated_timeframe) {
        Some(text) => ("peripheralData.periodcity", text),
        None => match symbol::timeframe_from_file_name(file_name) {
            Some(named) => ("the file name", named.as_str()),
            None => return Ok(()),
        },
    };
    if stated.eq_ignore_ascii_case(run.as_str()) {
        return Ok(());
    }
    Err(ConvertError::OtherTimeframe {
        stated_by,
        stated: stated.to_owned(),
        run,
    })
}

/// `bytes` without a byte-order mark.
fn parse(bytes: &[u8]) -> Result<input::ChartFile, ConvertError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ConvertError::EmptyFile);
    }
    // A UTF-16 byte-order mark, or JSON's first character (ASCII) beside a zero byte.
    let utf16 = bytes.starts_with(b"\xFF\xFE")
        || bytes.starts_with(b"\xFE\xFF")
        || matches!(bytes, [0, b, ..] | [b, 0, ..] if b.is_ascii_graphic() || b.is_ascii_whitespace());
    if utf16 {
        return Err(ConvertError::Utf16);
    }
    input::parse(bytes).map_err(|input::ParseError { error: e, at }| {
        let message = strip_position(&e.to_string());
        let serde_at = || offset_of(bytes, e.line(), e.column());
        // serde_json refuses a byte that is not UTF-8 only where it reads text, and says so in
        // words no user would read as "save the file as UTF-8".
        if message == "invalid unicode code point"
            && let Some(not_utf8) = not_utf8_at(bytes, at.unwrap_or_else(serde_at))
        {
            return not_utf8;
        }
        // serde_json places a map or a list of the wrong type at the byte before it (column 0
        // when it starts a line); a reader looks for the bracket, where `numbers` places them.
        let container = ["invalid type: map", "invalid type: sequence"]
            .iter()
            .any(|start| message.starts_with(start));
        let at = at.or_else(|| {
            if !container {
                return None;
            }
            let after = serde_at() + 1;
            let skip = bytes
                .get(after..)?
                .iter()
                .position(|b| !b.is_ascii_whitespace())?;
            matches!(bytes[after + skip], b'{' | b'[').then_some(after + skip)
        });
        let (line, column) = at.map_or((e.line(), e.column()), |at| line_and_column(bytes, at));
        if e.classify() == serde_json::error::Category::Data {
            ConvertError::UnexpectedStructure {
                line,
                column,
                message,
            }
        } else {
            ConvertError::InvalidJson {
                line,
                column,
                message,
            }
        }
    })
}

/// The last byte that is not UTF-8 at or before offset `at`, where serde_json stopped on one.
/// Bytes in values it skips are never checked, so earlier ones may be anywhere; serde_json
/// places the error at the value's first such byte, or after it when the text holds escapes.
fn not_utf8_at(bytes: &[u8], at: usize) -> Option<ConvertError> {
    let mut last = None;
    let mut from = 0;
    while let Err(e) = std::str::from_utf8(&bytes[from..]) {
        let bad = from + e.valid_up_to();
        if bad > at {
            break;
        }
        last = Some(bad);
        match e.error_len() {
            Some(len) => from = bad + len,
            None => break,
        }
    }
    let bad = last?;
    let (line, column) = line_and_column(bytes, bad);
    Some(ConvertError::NotUtf8 {
        line,
        column,
        byte: bytes[bad],
    })
}

/// The offset of the byte serde_json's `line` and `column` name: its last byte read, counted
/// from 1 (column 0: the line break before the line).
fn offset_of(bytes: &[u8], line: usize, column: usize) -> usize {
    let line_start = match line {
        0 | 1 => 0,
        _ => bytes
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'\n')
            .nth(line - 2)
            .map_or(bytes.len(), |(i, _)| i + 1),
    };
    (line_start + column)
        .saturating_sub(1)
        .min(bytes.len().saturating_sub(1))
}

/// The line and column of the byte at offset `at`, as serde_json counts them: from 1, in bytes.
fn line_and_column(bytes: &[u8], at: usize) -> (usize, usize) {
    let before = &bytes[..at];
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    (line, 1 + at - line_start)
}

/// serde_json appends " at line L column C"; the report states the position once, up front.
fn strip_position(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(cut) => &message[..cut],
        None => message,
    };
    // Serde names Rust's types; a person reading the report knows JSON's.
    message.replace("expected f64", "expected a number")
}

#[cfg(test)]
mod properties {
    //! Whatever rows a file holds, the series obey DATA.md's invariants.

    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    const DAY: i64 = 86_400_000;
    const IST_2025_08_01: i64 = 1_753_986_600_000;

    fn any_row() -> impl Strategy<Value = Value> {
        (
            0i64..60,
            prop::option::weighted(0.95, 1.0f64..500.0),
            0.0f64..1.0,
            0.0f64..1.0,
            prop::bool::weighted(0.1),
            prop::option::weighted(0.9, 0.0f64..1e6),
            prop::option::weighted(0.9, 1.0f64..99.0),
            prop::bool::weighted(0.1),
        )
            .prop_map(|(day, open, up, down, holiday, volume, rlst, broken)| {
                let open = open.map(|o| (o * 100.0).round() / 100.0);
                let high = open.map(|o| o + up * 10.0);
                let low = open.map(|o| if broken { o + 1.0 } else { o - down * 10.0 });
                json!({
                    "priceDate": IST_2025_08_01 - day * DAY,
                    "open": open, "high": high, "low": low, "close": open,
                    "volume": volume, "pdt": if holiday { "Holiday" } else { "TradingDate" },
                    "bc": rlst.map(|r| r * 1.5), "rlst": rlst.map(f64::round)
                })
            })
    }

    /// Row numbers are reprinted from their text, found by offsets: a byte-order mark in front
    /// of the file must not shift them.
    #[test]
    fn a_byte_order_mark_changes_nothing() {
        let file = br#"{"chart": {"peripheralData": {"symbol": "BOM"}, "prices": [
            {"priceDate": 1753986600000, "open": 66.4, "high": 66.75, "low": 65.45, "close": 65.75,
             "volume": 412718, "pdt": "TradingDate", "bc": 16895.4, "rlst": 30}]}}"#;
        let options = ConvertOptions {
            timeframe: Timeframe::Daily,
            date_rule: DateRule::NearestUtcMidnight,
            keep_holidays: false,
        };
        let plain = convert("BOM_daily.json", file, &options).unwrap();
        let marked = [&b"\xEF\xBB\xBF"[..], file].concat();
        assert_eq!(convert("BOM_daily.json", &marked, &options).unwrap(), plain);
        assert_eq!(
            String::from_utf8(plain.series[0].csv.clone()).unwrap(),
            "20250801T,66.4,66.75,65.45,65.75,412718\n"
        );
    }

    fn dates(csv: &[u8]) -> Vec<String> {
        String::from_utf8(csv.to_vec())
            .unwrap()
            .lines()
            .map(|l| l[..9].to_owned())
            .collect()
    }

    proptest! {
        #[test]
        fn series_are_sorted_unique_and_blue_dots_follow_price_bars(
            rows in prop::collection::vec(any_row(), 1..80),
            dots in prop::collection::vec(-10i64..70, 0..10),
            keep_holidays in any::<bool>(),
        ) {
            let dots: Vec<Value> = dots.iter().map(|d| json!(IST_2025_08_01 - d * DAY)).collect();
            let file = json!({"chart": {"prices": rows, "peripheralData": {"symbol": "P"},
                                        "blueDotData": {"dates": dots}}});
            let options = ConvertOptions {
                timeframe: Timeframe::Daily,
                date_rule: DateRule::NearestUtcMidnight,
                keep_holidays,
            };
            let bytes = serde_json::to_vec(&file).unwrap();
            match convert("P_daily.json", &bytes, &options) {
                Err(ConvertError::NoUsableBars { .. }) => {}
                Err(other) => prop_assert!(false, "unexpected failure {other}"),
                Ok(chart) => {
                    for series in &chart.series {
                        let d = dates(&series.csv);
                        prop_assert!(d.windows(2).all(|w| w[0] < w[1]), "{:?} not ascending", series.kind);
                        prop_assert_eq!(d.len(), series.rows);
                    }
                    let price = dates(&chart.series[0].csv);
                    let blue = dates(&chart.series[3].csv);
                    prop_assert!(blue.iter().all(|d| price.contains(d)));
                    if !keep_holidays {
                        prop_assert_eq!(&blue, &price);
                    }
                    let again = convert("P_daily.json", &bytes, &options).unwrap();
                    prop_assert_eq!(again, chart);
                }
            }
        }
    }
}

#[cfg(test)]
mod dropped_rows {
    use super::{DroppedRows, REASONS};

    /// report.json spells each reason by its field's name, which `NAMES` must give, in the order
    /// the counts are stored in.
    #[test]
    fn reason_names_are_the_fields_report_json_writes() {
        let counts: [u32; REASONS] = std::array::from_fn(|i| i as u32 + 1);
        let dropped = DroppedRows::from_array(counts);
        let json = serde_json::to_value(dropped).unwrap();
        let fields = json.as_object().unwrap();
        assert_eq!(fields.len(), REASONS);
        for (i, name) in DroppedRows::NAMES.iter().enumerate() {
            assert_eq!(fields[*name], i + 1, "{name}");
        }
        let named: Vec<&str> = dropped.non_zero().iter().map(|(name, _)| *name).collect();
        assert_eq!(named, DroppedRows::NAMES);
    }
}
