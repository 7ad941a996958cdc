//! A reader for the common shape of a chart export, several times faster than the serde path.
//!
//! It answers only when it is sure: it either returns exactly the `ChartFile` that
//! `serde_json::from_slice` would return, or it declines and the serde path decides (and words
//! any error). It declines on anything outside the plain shape of real exports: escapes in
//! strings it keeps, exponents or more than 15 digits in numbers it keeps, a responseHeader
//! flagged as an error, duplicate known keys, a struct written as an array, deep nesting. So
//! agreement needs only two things, both tested against serde_json in `tests`: everything it
//! accepts is valid JSON that serde_json accepts, and every value it keeps is the one serde_json
//! computes.

use super::{
    BlueDot, BlueDotData, Chart, ChartFile, DateValue, Periodicity, PeripheralData, PriceDateType,
    PriceRow, ResponseHeader, SourceText,
};
use crate::convert::number::trim_decimal;
use json::QuotedText;
use rows::PriceRowLayouts;

/// Not sure: let the serde path decide.
#[derive(Debug)]
struct Decline;

type Sure<T> = Result<T, Decline>;

/// A price row's keys in the order exports write them (and `row_value` numbers them).
const PRICE_ROW_KEYS: [QuotedText; 9] = [
    QuotedText::new(b"\"priceDate\""),
    QuotedText::new(b"\"open\""),
    QuotedText::new(b"\"high\""),
    QuotedText::new(b"\"low\""),
    QuotedText::new(b"\"close\""),
    QuotedText::new(b"\"volume\""),
    QuotedText::new(b"\"pdt\""),
    QuotedText::new(b"\"bc\""),
    QuotedText::new(b"\"rlst\""),
];

/// `pdt`'s index in `PRICE_ROW_KEYS`.
const PDT: usize = 6;

const TRADING_DATE: QuotedText = QuotedText::new(b"\"TradingDate\"");

/// `Some` exactly when sure; see the module docs.
pub fn read(bytes: &[u8]) -> Option<ChartFile> {
    let mut reader = Reader { bytes, pos: 0 };
    let file = reader.chart_file().ok()?;
    reader.skip_whitespace();
    (reader.pos == bytes.len()).then_some(file)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

/// Marks a known key as seen; a second sighting declines (serde reports a duplicate field).
fn first_sighting(seen: &mut u32, bit: u32) -> Sure<()> {
    if *seen & (1 << bit) != 0 {
        return Err(Decline);
    }
    *seen |= 1 << bit;
    Ok(())
}

impl<'a> Reader<'a> {
    /// A known field read as serde reads an `Option` field (`null` is `None`), declining on a
    /// second sighting: the arm every struct below has for its keys.
    fn option_field<T>(
        &mut self,
        seen: &mut u32,
        bit: u32,
        slot: &mut Option<T>,
        value: impl FnOnce(&mut Self) -> Sure<T>,
    ) -> Sure<()> {
        first_sighting(seen, bit)?;
        *slot = self.optional(value)?;
        Ok(())
    }

    /// `pdt`'s text: nearly always `TradingDate`, compared whole before scanning.
    #[inline]
    fn pdt(&mut self) -> Sure<&'a [u8]> {
        self.text_expecting(&TRADING_DATE)
    }

    fn chart_file(&mut self) -> Sure<ChartFile> {
        self.skip_whitespace();
        let mut file = ChartFile {
            response_header: None,
            chart: None,
        };
        let mut seen = 0;
        self.object(|reader, key| match key {
            b"responseHeader" => reader.option_field(
                &mut seen,
                0,
                &mut file.response_header,
                Self::response_header,
            ),
            b"chart" => reader.option_field(&mut seen, 1, &mut file.chart, Self::chart),
            _ => reader.skip(1),
        })?;
        Ok(file)
    }

    /// Only a header that is not an error: error files are rare and their `errorCode` is kept
    /// as JSON text, which the serde path builds.
    fn response_header(&mut self) -> Sure<ResponseHeader> {
        let mut header = ResponseHeader {
            error: None,
            error_code: None,
        };
        let mut seen = 0;
        self.object(|reader, key| match key {
            b"error" => {
                first_sighting(&mut seen, 0)?;
                header.error = reader.optional_bool()?;
                if header.error == Some(true) {
                    return Err(Decline);
                }
                Ok(())
            }
            b"errorCode" => {
                first_sighting(&mut seen, 1)?;
                if !reader.null()? {
                    return Err(Decline);
                }
                Ok(())
            }
            _ => reader.skip(2),
        })?;
        Ok(header)
    }

    fn chart(&mut self) -> Sure<Chart> {
        let mut chart = Chart {
            prices: None,
            peripheral_data: None,
            blue_dot_data: None,
        };
        let mut seen = 0;
        self.object(|reader, key| match key {
            b"prices" => reader.option_field(&mut seen, 0, &mut chart.prices, Self::price_rows),
            b"peripheralData" => reader.option_field(
                &mut seen,
                1,
                &mut chart.peripheral_data,
                Self::peripheral_data,
            ),
            b"blueDotData" => {
                reader.option_field(&mut seen, 2, &mut chart.blue_dot_data, Self::blue_dot_data)
            }
            _ => reader.skip(2),
        })?;
        Ok(chart)
    }

    /// One price row read key by key, and its layout for reading the next ones.
    fn price_row(&mut self) -> Sure<(PriceRow, Option<PriceRowLayouts<'a>>)> {
        let mut row = PriceRow::empty();
        let start = self.pos;
        let mut values: Vec<(usize, usize, Option<usize>)> =
            Vec::with_capacity(PRICE_ROW_KEYS.len());
        let mut seen = 0;
        self.object_in_order(&PRICE_ROW_KEYS, |reader, key| {
            let value_start = reader.pos;
            match key {
                Ok(index) => {
                    first_sighting(&mut seen, index as u32)?;
                    reader.row_value(&mut row, index)?;
                }
                Err(_) => reader.skip(4)?,
            }
            rows::note_value(&mut values, (value_start, reader.pos, key.ok()));
            Ok(())
        })?;
        // The reader keeps a pdt only as the exact text `"TradingDate"` (no escapes), so a
        // trading day's pdt bytes can be folded into the layout.
        let trading_day_pdt = (row.pdt == Some(PriceDateType::TradingDate)).then_some(PDT);
        let layout = PriceRowLayouts::of(self.bytes, start..self.pos, &values, trading_day_pdt);
        Ok((row, layout))
    }

    /// The value of `PRICE_ROW_KEYS[index]` into its field of `row`, with its source text.
    #[inline(always)]
    fn row_value(&mut self, row: &mut PriceRow, index: usize) -> Sure<()> {
        let (slot, text) = match index {
            0 => (&mut row.price_date, None),
            1 => (&mut row.open, Some(0)),
            2 => (&mut row.high, Some(1)),
            3 => (&mut row.low, Some(2)),
            4 => (&mut row.close, Some(3)),
            5 => (&mut row.volume, Some(4)),
            PDT => {
                row.pdt = self.optional(|reader| Ok(PriceDateType::of(reader.pdt()?)))?;
                return Ok(());
            }
            7 => (&mut row.bc, Some(5)),
            _ => (&mut row.rlst, Some(6)),
        };
        if self.null()? {
            *slot = None;
            return Ok(());
        }
        let start = self.pos;
        let (value, decimals) = self.number_and_decimals()?;
        *slot = Some(value);
        if let (Some(text), Ok(offset)) = (text, u32::try_from(start)) {
            // Trailing fractional zeros (and then a bare point) are not part of the shortest
            // text; see `number::trim_decimal`, which this computes from what `number` saw.
            let mut len = self.pos - start;
            let mut kept = decimals;
            while kept > 0 && self.bytes[start + len - 1] == b'0' {
                len -= 1;
                kept -= 1;
            }
            if decimals > 0 && kept == 0 {
                len -= 1;
            }
            debug_assert_eq!(
                trim_decimal(&self.bytes[start..self.pos]),
                (len, kept as u8)
            );
            // A kept number has at most a sign, 15 digits and a point: both fit.
            row.texts[text] = SourceText {
                start: offset,
                len: len as u8,
                decimals: kept as u8,
            };
        }
        Ok(())
    }

    fn peripheral_data(&mut self) -> Sure<PeripheralData> {
        let mut data = PeripheralData {
            symbol: None,
            name: None,
            periodcity: None,
        };
        let mut seen = 0;
        self.object(|reader, key| match key {
            b"symbol" => reader.option_field(&mut seen, 0, &mut data.symbol, Self::string),
            b"name" => reader.option_field(&mut seen, 1, &mut data.name, Self::string),
            // Text only; serde decides what any other value is.
            b"periodcity" => reader.option_field(&mut seen, 2, &mut data.periodcity, |reader| {
                reader.string().map(Periodicity::Text)
            }),
            _ => reader.skip(3),
        })?;
        Ok(data)
    }

    fn blue_dot_data(&mut self) -> Sure<BlueDotData> {
        let mut data = BlueDotData { dates: None };
        let mut seen = 0;
        self.object(|reader, key| match key {
            b"dates" => reader.option_field(&mut seen, 0, &mut data.dates, |reader| {
                let mut dates = Vec::new();
                reader.array(|reader| {
                    if dates.len() == crate::convert::input::MAX_LIST_ENTRIES {
                        return Err(Decline);
                    }
                    dates.push(reader.blue_dot()?);
                    Ok(())
                })?;
                Ok(dates)
            }),
            _ => reader.skip(3),
        })?;
        Ok(data)
    }

    /// Only the plain forms: an entry holding nested values or an array is declined, to keep
    /// this reader small, and serde reads it from its raw text (`numbers.rs`).
    fn blue_dot(&mut self) -> Sure<BlueDot> {
        match self.peek()? {
            b'{' => {}
            b'"' => return self.text().map(|_| unrecognised()),
            b'n' | b't' | b'f' => return self.plain_scalar().map(|_| unrecognised()),
            b'[' => return Err(Decline),
            _ => return self.number().map(BlueDot::EpochMillis),
        }
        let mut date = None;
        let mut seen = 0;
        self.object(|reader, key| {
            if key == b"blueDotDate" {
                first_sighting(&mut seen, 0)?;
            }
            let value = reader.plain_scalar()?;
            if key == b"blueDotDate" {
                date = value;
            }
            Ok(())
        })?;
        Ok(match date {
            Some(blue_dot_date) => BlueDot::Object { blue_dot_date },
            None => unrecognised(),
        })
    }

    /// A string, plain number, boolean or null inside a blue-dot entry: `Some` for the two
    /// forms a `blueDotDate` can take.
    fn plain_scalar(&mut self) -> Sure<Option<DateValue>> {
        match self.peek()? {
            b'"' => self.string().map(|text| Some(DateValue::Text(text))),
            b'n' => self.literal(b"null").map(|()| None),
            b't' => self.literal(b"true").map(|()| None),
            b'f' => self.literal(b"false").map(|()| None),
            b'{' | b'[' => Err(Decline),
            _ => self.number().map(|ms| Some(DateValue::EpochMillis(ms))),
        }
    }
}

fn unrecognised() -> BlueDot {
    BlueDot::Unrecognised(serde::de::IgnoredAny)
}

mod json;
mod rows;
#[cfg(test)]
mod tests;
