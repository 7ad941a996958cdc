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
    BlueDot, BlueDotData, Chart, ChartFile, DateValue, PeripheralData, PriceDateType, PriceRow,
    ResponseHeader, SourceText,
};
use crate::convert::number::trim_decimal;
use rows::RowLayout;

/// Not sure: let the serde path decide.
#[derive(Debug)]
struct Decline;

type Sure<T> = Result<T, Decline>;

/// Unknown values nested deeper than this are left to serde_json.
const MAX_SKIP_DEPTH: u32 = 64;

/// A key with its quotes, as the first `len` bytes of a little-endian `u128`: at most 16 bytes.
struct QuotedKey {
    text: u128,
    mask: u128,
    len: usize,
    quoted: &'static [u8],
}

impl QuotedKey {
    const fn new(quoted: &'static [u8]) -> QuotedKey {
        assert!(quoted.len() <= 16 && quoted[0] == b'"' && quoted[quoted.len() - 1] == b'"');
        let mut text = 0u128;
        let mut at = 0;
        while at < quoted.len() {
            text |= (quoted[at] as u128) << (8 * at);
            at += 1;
        }
        let mask = if quoted.len() == 16 {
            u128::MAX
        } else {
            (1u128 << (8 * quoted.len())) - 1
        };
        QuotedKey {
            text,
            mask,
            len: quoted.len(),
            quoted,
        }
    }

    fn unquoted(&self) -> &'static [u8] {
        &self.quoted[1..self.len - 1]
    }
}

/// A price row's keys in the order exports write them (and `row_value` numbers them).
const PRICE_ROW_KEYS: [QuotedKey; 9] = [
    QuotedKey::new(b"\"priceDate\""),
    QuotedKey::new(b"\"open\""),
    QuotedKey::new(b"\"high\""),
    QuotedKey::new(b"\"low\""),
    QuotedKey::new(b"\"close\""),
    QuotedKey::new(b"\"volume\""),
    QuotedKey::new(b"\"pdt\""),
    QuotedKey::new(b"\"bc\""),
    QuotedKey::new(b"\"rlst\""),
];

const TRADING_DATE: QuotedKey = QuotedKey::new(b"\"TradingDate\"");

/// Numbers kept with at most this many digits: their significand is below 2^53, so
/// `significand / 10^k` is one correctly rounded division, bit for bit what serde_json computes.
const MAX_DIGITS: u32 = 15;

/// ASCII bytes a string may hold as they are: not a quote, backslash or control character.
const PLAIN_TEXT: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0x20;
    while byte < 0x80 {
        table[byte] = byte != b'"' as usize && byte != b'\\' as usize;
        byte += 1;
    }
    table
};

const EIGHT_SPACES: u64 = u64::from_le_bytes(*b"        ");

const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// Appends the decimal digits at `pos` to `significand` (wrapping on overflow), moving `pos` past
/// them.
#[inline]
fn digits(bytes: &[u8], pos: &mut usize, mut significand: u64) -> u64 {
    while let Some(&byte @ b'0'..=b'9') = bytes.get(*pos) {
        significand = significand
            .wrapping_mul(10)
            .wrapping_add(u64::from(byte - b'0'));
        *pos += 1;
    }
    significand
}

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
    #[inline]
    fn peek(&self) -> Sure<u8> {
        self.bytes.get(self.pos).copied().ok_or(Decline)
    }

    #[inline]
    fn skip_whitespace(&mut self) {
        // Most calls find none: between a key and its colon, a value and its comma.
        if self.bytes.get(self.pos).is_none_or(|&byte| byte > b' ') {
            return;
        }
        let bytes = self.bytes;
        let mut pos = self.pos;
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = bytes.get(pos) {
            pos += 1;
            // Exports indent with runs of spaces: measure them eight bytes at a time.
            while let Some(chunk) = bytes.get(pos..pos + 8) {
                let other =
                    u64::from_le_bytes(chunk.try_into().expect("eight bytes")) ^ EIGHT_SPACES;
                if other != 0 {
                    pos += other.trailing_zeros() as usize / 8;
                    break;
                }
                pos += 8;
            }
        }
        self.pos = pos;
    }

    #[inline]
    fn eat(&mut self, byte: u8) -> Sure<()> {
        if self.peek()? != byte {
            return Err(Decline);
        }
        self.pos += 1;
        Ok(())
    }

    fn literal(&mut self, word: &[u8]) -> Sure<()> {
        if !self.bytes[self.pos..].starts_with(word) {
            return Err(Decline);
        }
        self.pos += word.len();
        Ok(())
    }

    /// `null` if it is next (consumed), otherwise nothing consumed.
    #[inline]
    fn null(&mut self) -> Sure<bool> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Calls `field` with each key, positioned at its value, which `field` must consume.
    #[inline]
    fn object(&mut self, mut field: impl FnMut(&mut Self, &[u8]) -> Sure<()>) -> Sure<()> {
        self.object_with_keys(|reader| reader.text(true), |reader, key| field(reader, key))
    }

    #[inline]
    fn object_with_keys<K>(
        &mut self,
        mut key: impl FnMut(&mut Self) -> Sure<K>,
        mut field: impl FnMut(&mut Self, K) -> Sure<()>,
    ) -> Sure<()> {
        self.eat(b'{')?;
        self.skip_whitespace();
        if self.peek()? == b'}' {
            self.pos += 1;
            return Ok(());
        }
        loop {
            let key = key(self)?;
            self.skip_whitespace();
            self.eat(b':')?;
            self.skip_whitespace();
            field(self, key)?;
            self.skip_whitespace();
            match self.peek()? {
                b',' => {
                    self.pos += 1;
                    self.skip_whitespace();
                }
                b'}' => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(Decline),
            }
        }
    }

    /// Like `object`, for objects whose keys are among `keys`, usually in that order: the
    /// key expected next is compared whole, quotes included, in one 16-byte comparison before
    /// the key is scanned and looked up. `field` gets the key's index in `keys`, or the key
    /// itself for any other.
    #[inline]
    fn object_in_order<const N: usize>(
        &mut self,
        keys: &[QuotedKey; N],
        mut field: impl FnMut(&mut Self, Result<usize, &[u8]>) -> Sure<()>,
    ) -> Sure<()> {
        let mut expected = 0;
        self.object_with_keys(
            |reader| {
                if let Some(window) = reader.bytes.get(reader.pos..reader.pos + 16) {
                    let window = u128::from_le_bytes(window.try_into().expect("sixteen bytes"));
                    let key = &keys[expected];
                    if window & key.mask == key.text {
                        reader.pos += key.len;
                        let index = expected;
                        expected = if index + 1 == N { 0 } else { index + 1 };
                        return Ok(Ok(index));
                    }
                }
                let key = reader.text(true)?;
                let found = keys.iter().position(|known| known.unquoted() == key);
                if let Some(index) = found {
                    expected = if index + 1 == N { 0 } else { index + 1 };
                }
                Ok(found.ok_or(key))
            },
            &mut field,
        )
    }

    #[inline]
    fn array(&mut self, mut element: impl FnMut(&mut Self) -> Sure<()>) -> Sure<()> {
        self.eat(b'[')?;
        self.skip_whitespace();
        if self.peek()? == b']' {
            self.pos += 1;
            return Ok(());
        }
        loop {
            element(self)?;
            self.skip_whitespace();
            match self.peek()? {
                b',' => {
                    self.pos += 1;
                    self.skip_whitespace();
                }
                b']' => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(Decline),
            }
        }
    }

    /// A string without escapes or control characters, as its raw bytes; with `utf8`, also
    /// checked to be UTF-8 (serde_json checks every string it keeps, not those it skips).
    #[inline]
    fn text(&mut self, utf8: bool) -> Sure<&'a [u8]> {
        self.eat(b'"')?;
        let bytes = self.bytes;
        let start = self.pos;
        let mut pos = start;
        let mut ascii = true;
        loop {
            let byte = *bytes.get(pos).ok_or(Decline)?;
            if PLAIN_TEXT[usize::from(byte)] {
                pos += 1;
                continue;
            }
            match byte {
                b'"' => break,
                0x80.. => ascii = false,
                _ => return Err(Decline),
            }
            pos += 1;
        }
        let text = &bytes[start..pos];
        self.pos = pos + 1;
        if utf8 && !ascii && std::str::from_utf8(text).is_err() {
            return Err(Decline);
        }
        Ok(text)
    }

    /// `pdt`'s text: nearly always `TradingDate`, compared whole before scanning.
    #[inline]
    fn pdt(&mut self) -> Sure<&'a [u8]> {
        if let Some(window) = self.bytes.get(self.pos..self.pos + 16) {
            let window = u128::from_le_bytes(window.try_into().expect("sixteen bytes"));
            if window & TRADING_DATE.mask == TRADING_DATE.text {
                self.pos += TRADING_DATE.len;
                return Ok(TRADING_DATE.unquoted());
            }
        }
        self.text(true)
    }

    fn string(&mut self) -> Sure<String> {
        let text = self.text(true)?;
        String::from_utf8(text.to_vec()).map_err(|_| Decline)
    }

    /// A number as serde_json reads it into an `f64`, when it is a plain one.
    #[inline(always)]
    fn number(&mut self) -> Sure<f64> {
        self.number_and_decimals().map(|(value, _)| value)
    }

    /// A number and how many digits its text has after the point.
    #[inline(always)]
    fn number_and_decimals(&mut self) -> Sure<(f64, usize)> {
        let bytes = self.bytes;
        let mut pos = self.pos;
        let negative = bytes.get(pos) == Some(&b'-');
        pos += usize::from(negative);
        let integer_start = pos;
        let mut significand = digits(bytes, &mut pos, 0);
        let integer_digits = pos - integer_start;
        if integer_digits == 0 || (integer_digits > 1 && bytes[integer_start] == b'0') {
            return Err(Decline);
        }
        let mut decimals = 0;
        if bytes.get(pos) == Some(&b'.') {
            pos += 1;
            let fraction_start = pos;
            significand = digits(bytes, &mut pos, significand);
            decimals = pos - fraction_start;
            if decimals == 0 {
                return Err(Decline);
            }
        }
        // Overflow in `digits` is harmless: such numbers are declined here.
        if integer_digits + decimals > MAX_DIGITS as usize {
            return Err(Decline);
        }
        if let Some(b'e' | b'E') = bytes.get(pos) {
            return Err(Decline);
        }
        self.pos = pos;
        let magnitude = significand as f64 / POW10[decimals];
        Ok((if negative { -magnitude } else { magnitude }, decimals))
    }

    fn optional_bool(&mut self) -> Sure<Option<bool>> {
        match self.peek()? {
            b'n' => self.literal(b"null").map(|()| None),
            b't' => self.literal(b"true").map(|()| Some(true)),
            b'f' => self.literal(b"false").map(|()| Some(false)),
            _ => Err(Decline),
        }
    }

    fn optional_string(&mut self) -> Sure<Option<String>> {
        if self.null()? {
            return Ok(None);
        }
        self.string().map(Some)
    }

    /// Any JSON value, checked only as far as serde_json checks a value it ignores.
    fn skip(&mut self, depth: u32) -> Sure<()> {
        if depth > MAX_SKIP_DEPTH {
            return Err(Decline);
        }
        match self.peek()? {
            b'{' => self.object(|reader, _| reader.skip(depth + 1)),
            b'[' => self.array(|reader| reader.skip(depth + 1)),
            b'"' => self.skip_string(),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.skip_number(),
        }
    }

    /// A string with any escapes but `\u` (whose checks differ between serde_json's paths).
    fn skip_string(&mut self) -> Sure<()> {
        self.eat(b'"')?;
        loop {
            let byte = self.peek()?;
            self.pos += 1;
            match byte {
                b'"' => return Ok(()),
                b'\\' => match self.peek()? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 1,
                    _ => return Err(Decline),
                },
                0..=0x1f => return Err(Decline),
                _ => {}
            }
        }
    }

    /// JSON's number grammar, exponents included, without computing the value.
    fn skip_number(&mut self) -> Sure<()> {
        if self.peek()? == b'-' {
            self.pos += 1;
        }
        let digits = |reader: &mut Self| {
            let start = reader.pos;
            while let Some(b'0'..=b'9') = reader.bytes.get(reader.pos) {
                reader.pos += 1;
            }
            reader.pos - start
        };
        let first = self.peek()?;
        let integer = digits(self);
        if integer == 0 || (first == b'0' && integer > 1) {
            return Err(Decline);
        }
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if digits(self) == 0 {
                return Err(Decline);
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.pos) {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.pos) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(Decline);
            }
        }
        Ok(())
    }

    fn chart_file(&mut self) -> Sure<ChartFile> {
        self.skip_whitespace();
        let mut file = ChartFile {
            response_header: None,
            chart: None,
        };
        let mut seen = 0;
        self.object(|reader, key| match key {
            b"responseHeader" => {
                first_sighting(&mut seen, 0)?;
                file.response_header = if reader.null()? {
                    None
                } else {
                    Some(reader.response_header()?)
                };
                Ok(())
            }
            b"chart" => {
                first_sighting(&mut seen, 1)?;
                file.chart = if reader.null()? {
                    None
                } else {
                    Some(reader.chart()?)
                };
                Ok(())
            }
            _ => reader.skip(1),
        })?;
        Ok(file)
    }

    /// Only a header that is not an error: error files are rare and their `errorCode` is kept
    /// as a `serde_json::Value`, which the serde path builds.
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
            b"prices" => {
                first_sighting(&mut seen, 0)?;
                if !reader.null()? {
                    chart.prices = Some(reader.price_rows()?);
                }
                Ok(())
            }
            b"peripheralData" => {
                first_sighting(&mut seen, 1)?;
                if !reader.null()? {
                    chart.peripheral_data = Some(reader.peripheral_data()?);
                }
                Ok(())
            }
            b"blueDotData" => {
                first_sighting(&mut seen, 2)?;
                if !reader.null()? {
                    chart.blue_dot_data = Some(reader.blue_dot_data()?);
                }
                Ok(())
            }
            _ => reader.skip(2),
        })?;
        Ok(chart)
    }

    /// One price row read key by key, and its layout for reading the next ones.
    fn price_row(&mut self) -> Sure<(PriceRow, Option<RowLayout<'a>>)> {
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
            values.push((value_start, reader.pos, key.ok()));
            Ok(())
        })?;
        let layout = RowLayout::of(self.bytes, start..self.pos, &values);
        Ok((row, layout))
    }

    /// The value of `PRICE_ROW_KEYS[index]` into its field of `row`, with its source text.
    #[inline]
    fn row_value(&mut self, row: &mut PriceRow, index: usize) -> Sure<()> {
        let (slot, text) = match index {
            0 => (&mut row.price_date, None),
            1 => (&mut row.open, Some(0)),
            2 => (&mut row.high, Some(1)),
            3 => (&mut row.low, Some(2)),
            4 => (&mut row.close, Some(3)),
            5 => (&mut row.volume, Some(4)),
            6 => {
                row.pdt = if self.null()? {
                    None
                } else {
                    Some(match self.pdt()? {
                        b"TradingDate" => PriceDateType::TradingDate,
                        b"Holiday" => PriceDateType::Holiday,
                        _ => PriceDateType::Other,
                    })
                };
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
        };
        let mut seen = 0;
        self.object(|reader, key| match key {
            b"symbol" => {
                first_sighting(&mut seen, 0)?;
                data.symbol = reader.optional_string()?;
                Ok(())
            }
            b"name" => {
                first_sighting(&mut seen, 1)?;
                data.name = reader.optional_string()?;
                Ok(())
            }
            _ => reader.skip(3),
        })?;
        Ok(data)
    }

    fn blue_dot_data(&mut self) -> Sure<BlueDotData> {
        let mut data = BlueDotData { dates: None };
        let mut seen = 0;
        self.object(|reader, key| match key {
            b"dates" => {
                first_sighting(&mut seen, 0)?;
                if !reader.null()? {
                    let mut dates = Vec::new();
                    reader.array(|reader| {
                        dates.push(reader.blue_dot()?);
                        Ok(())
                    })?;
                    data.dates = Some(dates);
                }
                Ok(())
            }
            _ => reader.skip(3),
        })?;
        Ok(data)
    }

    /// serde reads a blue dot as an untagged enum: it first buffers the whole entry, keeping
    /// every string and number in it, so here every value inside must be a plain one.
    fn blue_dot(&mut self) -> Sure<BlueDot> {
        match self.peek()? {
            b'{' => {}
            b'"' => return self.text(true).map(|_| unrecognised()),
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

mod rows;
#[cfg(test)]
mod tests;
