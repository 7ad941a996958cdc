//! The four series of one chart, built from its price rows and blue dots.

use super::dates::{self, Day, LocalDays};
use super::input::{BlueDot, DateValue, PriceRow, SourceText};
use super::number::{self, ShortText, write_number};
use super::{ConvertError, ConvertOptions, DroppedRows};
use chrono::NaiveDate;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SeriesKind {
    PriceData,
    RlstRating,
    BcIndicator,
    BlueDots,
}

impl SeriesKind {
    pub const ALL: [SeriesKind; 4] = [
        SeriesKind::PriceData,
        SeriesKind::RlstRating,
        SeriesKind::BcIndicator,
        SeriesKind::BlueDots,
    ];

    /// The suffix after the series symbol: `DIX_IN` + `_PRICE_DATA`.
    pub const fn suffix(self) -> &'static str {
        match self {
            SeriesKind::PriceData => "_PRICE_DATA",
            SeriesKind::RlstRating => "_RLST_RATING",
            SeriesKind::BcIndicator => "_BC_INDICATOR",
            SeriesKind::BlueDots => "_BLUE_DOTS",
        }
    }

    /// Words for the symbol list's `description`.
    pub fn description(self) -> &'static str {
        match self {
            SeriesKind::PriceData => "price data",
            SeriesKind::RlstRating => "RS line rating",
            SeriesKind::BcIndicator => "BC indicator",
            SeriesKind::BlueDots => "blue dots",
        }
    }
}

/// One rendered CSV series.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesFile {
    pub kind: SeriesKind,
    /// The complete file: `YYYYMMDDT,open,high,low,close,volume` rows, LF-terminated, no header.
    pub csv: Vec<u8>,
    pub rows: usize,
    /// `log10` of the smallest power of ten that shows every price of the series exactly.
    pub pricescale_exponent: u8,
}

impl SeriesFile {
    pub fn file_name(&self, series_symbol: &str) -> String {
        SeriesName {
            series_symbol,
            kind: self.kind,
        }
        .file_name()
        .to_string()
    }
}

/// A series' name as `symbol_info` lists it: `DIX_IN_PRICE_DATA`. The one place series names
/// and their file names are spelled.
#[derive(Debug, Clone, Copy)]
pub struct SeriesName<'a> {
    pub series_symbol: &'a str,
    pub kind: SeriesKind,
}

impl SeriesName<'_> {
    /// `DIX_IN_PRICE_DATA.csv`.
    pub fn file_name(self) -> impl fmt::Display {
        struct FileName<'a>(SeriesName<'a>);
        impl fmt::Display for FileName<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}.csv", self.0)
            }
        }
        FileName(self)
    }
}

impl fmt::Display for SeriesName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.series_symbol)?;
        f.write_str(self.kind.suffix())
    }
}

pub struct Built {
    pub series: Vec<SeriesFile>,
    pub dropped: DroppedRows,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    /// See [`Converted::bars_not_at_midnight`](super::Converted::bars_not_at_midnight).
    pub bars_not_at_midnight: u32,
    /// See [`Converted::newest_bar_left_out`](super::Converted::newest_bar_left_out).
    pub newest_bar_left_out: Option<BarLeftOut>,
}

/// Accumulates one series' text and its widest fraction.
struct SeriesWriter {
    kind: SeriesKind,
    text: Vec<u8>,
    rows: usize,
    max_decimals: u32,
    /// RLST and BLUE_DOTS are integral scores; DATA.md fixes their pricescale at 1.
    fixed_scale: bool,
}

impl SeriesWriter {
    fn new(kind: SeriesKind, expected_rows: usize) -> Self {
        let fixed_scale = matches!(kind, SeriesKind::RlstRating | SeriesKind::BlueDots);
        // Generous per-row guesses: growing a buffer copies it, a larger reservation costs nothing.
        let row_bytes = if kind == SeriesKind::PriceData {
            72
        } else {
            56
        };
        SeriesWriter {
            kind,
            text: Vec::with_capacity(expected_rows * row_bytes),
            rows: 0,
            max_decimals: 0,
            fixed_scale,
        }
    }

    /// Widens the series' pricescale to show a price with `decimals` digits after the point.
    fn widen_scale(&mut self, decimals: u32) {
        if !self.fixed_scale {
            self.max_decimals = self.max_decimals.max(decimals);
        }
    }

    /// Prints `value`, from its source text when the reader kept it.
    #[inline]
    fn number(&mut self, value: f64, text: SourceText, file: &[u8]) -> u32 {
        if text.is_known() && value != 0.0 {
            text.copy_to(file, &mut self.text)
        } else {
            write_number(value, &mut self.text)
        }
    }

    fn bar(&mut self, date: &[u8; 9], bar: &Bar, file: &[u8]) {
        self.text.extend_from_slice(date);
        for (price, text) in bar.ohlc.iter().zip(bar.ohlc_text) {
            self.text.push(b',');
            let decimals = self.number(*price, text, file);
            self.widen_scale(decimals);
        }
        self.text.push(b',');
        self.number(bar.volume, bar.volume_text, file);
        self.text.push(b'\n');
        self.rows += 1;
    }

    /// A bar whose open, high, low and close are all `value`, with no volume.
    fn single_value(&mut self, date: &[u8; 9], value: f64, text: SourceText, file: &[u8]) {
        if let Some(short) = short_text(value, text, file)
            && short.len < 16
        {
            // The usual short value: the row (at most 9 + 4 * 17 + 3 bytes) is written straight
            // into the series, each value as a 16-byte store overlapping the previous one's
            // tail, then cut to length. Nothing is assembled elsewhere and read back.
            let start = self.text.len();
            self.text.extend_from_slice(&[0; 9 + 4 * 17 + 3]);
            let row = &mut self.text[start..];
            row[..9].copy_from_slice(date);
            let mut len = 9;
            for _ in 0..4 {
                row[len] = b',';
                row[len + 1..len + 17].copy_from_slice(&short.window);
                len += 1 + short.len;
            }
            row[len..len + 3].copy_from_slice(b",0\n");
            self.text.truncate(start + len + 3);
            self.widen_scale(short.decimals);
            self.rows += 1;
            return;
        }
        self.text.extend_from_slice(date);
        self.text.push(b',');
        let start = self.text.len();
        let decimals = self.number(value, text, file);
        self.widen_scale(decimals);
        let end = self.text.len();
        for _ in 0..3 {
            self.text.push(b',');
            self.text.extend_from_within(start..end);
        }
        self.text.extend_from_slice(b",0\n");
        self.rows += 1;
    }

    /// A BLUE_DOTS row: 1 where a blue dot falls on the bar, else 0.
    fn blue_dot(&mut self, date: &[u8; 9], lit: bool) {
        self.text.extend_from_slice(date);
        self.text.extend_from_slice(if lit {
            b",1,1,1,1,0\n"
        } else {
            b",0,0,0,0,0\n"
        });
        self.rows += 1;
    }

    fn finish(self) -> SeriesFile {
        SeriesFile {
            kind: self.kind,
            csv: self.text,
            rows: self.rows,
            pricescale_exponent: self.max_decimals.min(number::MAX_PRICESCALE_EXPONENT) as u8,
        }
    }
}

/// What `SeriesWriter::number` prints, when it is at most 16 bytes.
#[inline]
fn short_text(value: f64, text: SourceText, file: &[u8]) -> Option<ShortText> {
    if text.is_known() && value != 0.0 {
        text.short_text(file)
    } else {
        number::short_decimal(value)
    }
}

/// `file` is the chart file's bytes, where the rows' source texts point.
pub fn build(
    prices: &[PriceRow],
    blue_dots: &[BlueDot],
    options: &ConvertOptions,
    file: &[u8],
) -> Result<Built, ConvertError> {
    let mut dropped = DroppedRows::default();

    // One row per local date, ascending; the later row in file order wins a tie. The sort is
    // stable, so equal dates stay in file order and the last of each run is the one kept.
    // Exports are newest first: the sort finds one descending run and reverses it.
    let mut days = options.date_rule.days();
    let mut by_date: Vec<(Day, &PriceRow)> = Vec::with_capacity(prices.len());
    for row in prices {
        match row.price_date.and_then(|ms| days.of_bar(ms)) {
            None => dropped.invalid_date += 1,
            Some(date) => by_date.push((date, row)),
        }
    }
    let bars_not_at_midnight = days.bars_not_at_midnight();
    by_date.sort_by_key(|&(date, _)| date);
    let before = by_date.len();
    by_date.dedup_by(|later, earlier| {
        let same = later.0 == earlier.0;
        if same {
            *earlier = *later;
        }
        same
    });
    dropped.duplicate_date += (before - by_date.len()) as u32;

    let mut price = SeriesWriter::new(SeriesKind::PriceData, by_date.len());
    let mut rlst = SeriesWriter::new(SeriesKind::RlstRating, by_date.len());
    let mut bc = SeriesWriter::new(SeriesKind::BcIndicator, by_date.len());
    // Days of the trading bars in PRICE_DATA, the rows BLUE_DOTS is defined over, and their text.
    let mut trading_bars: Vec<Day> = Vec::with_capacity(by_date.len());
    let mut trading_texts: Vec<[u8; 9]> = Vec::with_capacity(by_date.len());

    let mut newest_bar_left_out = None;
    for &(date, row) in &by_date {
        let holiday = row.is_holiday();
        if holiday && !options.keep_holidays {
            dropped.holiday += 1;
            continue;
        }
        let date_text = date.tradingview_text();
        match valid_bar(row) {
            Ok(bar) => {
                price.bar(&date_text, &bar, file);
                if !holiday {
                    trading_bars.push(date);
                    trading_texts.push(date_text);
                }
            }
            Err(reason) => {
                reason.count(&mut dropped);
                if holiday {
                    // A holiday `--keep-holidays` could not keep is in no series: counted once,
                    // for why, so `holiday` stays the count of holidays kept in PRICE_DATA.
                    continue;
                }
                // Rows go oldest first, so the last one noted is the newest.
                newest_bar_left_out = Some(BarLeftOut {
                    date: date.date(),
                    reason,
                });
            }
        }
        if holiday {
            // Kept holidays repeat the previous bar in PRICE_DATA only.
            dropped.holiday += 1;
            continue;
        }
        match row.rlst.filter(|v| v.is_finite()) {
            Some(v) => rlst.single_value(&date_text, v, row.texts[6], file),
            None => dropped.null_rlst += 1,
        }
        match row.bc.filter(|v| v.is_finite()) {
            Some(v) => bc.single_value(&date_text, v, row.texts[5], file),
            None => dropped.null_bc += 1,
        }
    }

    let (Some(&first_date), Some(&last_date)) = (trading_bars.first(), trading_bars.last()) else {
        return Err(no_usable_bars(prices.len(), &dropped));
    };

    let lit = light_blue_dots(&trading_bars, blue_dots, &mut days, &mut dropped);
    let mut dots = SeriesWriter::new(SeriesKind::BlueDots, trading_bars.len());
    for (date_text, &on) in trading_texts.iter().zip(&lit) {
        dots.blue_dot(date_text, on);
    }

    Ok(Built {
        series: vec![price.finish(), rlst.finish(), bc.finish(), dots.finish()],
        dropped,
        first_date: first_date.date(),
        last_date: last_date.date(),
        bars_not_at_midnight,
        newest_bar_left_out,
    })
}

/// Why a bar is left out of PRICE_DATA; named as its count in [`DroppedRows`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadBar {
    NullPrice,
    OhlcViolation,
    NegativeVolume,
}

/// A trading bar left out of PRICE_DATA for its prices: the trader's chart has no bar that day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarLeftOut {
    pub date: NaiveDate,
    pub reason: BadBar,
}

impl BadBar {
    /// The reason's name in the report, as in `dropped_rows`.
    pub fn name(self) -> &'static str {
        match self {
            BadBar::NullPrice => "null_price",
            BadBar::OhlcViolation => "ohlc_violation",
            BadBar::NegativeVolume => "negative_volume",
        }
    }

    fn count(self, dropped: &mut DroppedRows) {
        match self {
            BadBar::NullPrice => dropped.null_price += 1,
            BadBar::OhlcViolation => dropped.ohlc_violation += 1,
            BadBar::NegativeVolume => dropped.negative_volume += 1,
        }
    }
}

/// A PRICE_DATA bar, with the source text of its numbers where the reader kept it.
struct Bar {
    ohlc: [f64; 4],
    ohlc_text: [SourceText; 4],
    volume: f64,
    volume_text: SourceText,
}

/// A bar is written only as it came: an inconsistent one is reported, never "fixed".
fn valid_bar(row: &PriceRow) -> Result<Bar, BadBar> {
    let finite = |v: Option<f64>| v.filter(|v| v.is_finite()).ok_or(BadBar::NullPrice);
    let (open, high, low, close) = (
        finite(row.open)?,
        finite(row.high)?,
        finite(row.low)?,
        finite(row.close)?,
    );
    if low > open.min(close) || high < open.max(close) {
        return Err(BadBar::OhlcViolation);
    }
    // A null volume (holidays, some trading days) is a zero-volume bar.
    let volume = row.volume.filter(|v| v.is_finite()).unwrap_or(0.0);
    if volume < 0.0 {
        return Err(BadBar::NegativeVolume);
    }
    let [open_text, high_text, low_text, close_text, volume_text, ..] = row.texts;
    Ok(Bar {
        ohlc: [open, high, low, close],
        ohlc_text: [open_text, high_text, low_text, close_text],
        volume,
        // A null volume printed as 0 has no text (and none was kept).
        volume_text,
    })
}

/// Bar `i` is lit when some blue dot `d` has `bar[i-1] < d <= bar[i]`; the first bar's window is
/// its own date. The same rule places a Wednesday dot on its week's Friday bar and a holiday dot
/// on the next trading day.
fn light_blue_dots(
    bars: &[Day],
    blue_dots: &[BlueDot],
    days: &mut LocalDays,
    dropped: &mut DroppedRows,
) -> Vec<bool> {
    let mut lit = vec![false; bars.len()];
    let (first, last) = (bars[0], bars[bars.len() - 1]);
    for dot in blue_dots {
        let Some(date) = blue_dot_date(dot, days) else {
            dropped.invalid_blue_dot += 1;
            continue;
        };
        if date < first || date > last {
            dropped.blue_dots_outside_range += 1;
            continue;
        }
        // The first bar whose date is >= the dot's date.
        lit[bars.partition_point(|&bar| bar < date)] = true;
    }
    lit
}

fn blue_dot_date(dot: &BlueDot, days: &mut LocalDays) -> Option<Day> {
    match dot {
        BlueDot::EpochMillis(ms)
        | BlueDot::Object {
            blue_dot_date: DateValue::EpochMillis(ms),
        } => days.of(*ms),
        BlueDot::Object {
            blue_dot_date: DateValue::Text(text),
        } => dates::parse_calendar_date(text),
        BlueDot::Unrecognised(_) => None,
    }
}

fn no_usable_bars(rows: usize, dropped: &DroppedRows) -> ConvertError {
    let why = dropped
        .non_zero()
        .iter()
        .map(|(reason, n)| format!("{n} {reason}"))
        .collect::<Vec<_>>()
        .join(", ");
    ConvertError::NoUsableBars {
        rows,
        why: if why.is_empty() {
            "none are trading bars".to_owned()
        } else {
            why
        },
    }
}
