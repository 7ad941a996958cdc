//! JSON at the level of tokens, as far as the fast path reads it: whitespace, literals, text,
//! numbers, and objects and arrays walked with callbacks. Every check here mirrors what
//! serde_json requires of the same bytes, or is stricter (then the fast path declines).

use super::{Decline, Reader, Sure};

/// Unknown values nested deeper than this are left to serde_json.
pub(super) const MAX_SKIP_DEPTH: u32 = 64;

/// A string with its quotes (a key, or a value that nearly always has one text), as the first
/// `len` bytes of a little-endian `u128`: at most 16 bytes, compared in one operation.
pub(super) struct QuotedText {
    text: u128,
    mask: u128,
    len: usize,
    quoted: &'static [u8],
}

impl QuotedText {
    pub(super) const fn new(quoted: &'static [u8]) -> QuotedText {
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
        QuotedText {
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

/// Numbers kept with at most this many digits: their significand is below 2^53, so
/// `significand / 10^k` is one correctly rounded division, bit for bit what serde_json computes.
pub(super) const MAX_DIGITS: u32 = 15;

/// ASCII bytes a string may hold as they are: not a quote, backslash or control character.
pub(super) const PLAIN_TEXT: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0x20;
    while byte < 0x80 {
        table[byte] = byte != b'"' as usize && byte != b'\\' as usize;
        byte += 1;
    }
    table
};

pub(super) const EIGHT_SPACES: u64 = u64::from_le_bytes(*b"        ");

pub(super) const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// Appends the decimal digits at `pos` to `significand` (wrapping on overflow), moving `pos` past
/// them. Eight bytes are tested and summed at a time: how many digits a number has varies from
/// one value to the next, and a loop ending on a different byte each time is mispredicted.
#[inline]
fn digits(bytes: &[u8], pos: &mut usize, mut significand: u64) -> u64 {
    while let Some(chunk) = bytes.get(*pos..*pos + 8) {
        let offsets =
            u64::from_le_bytes(chunk.try_into().expect("eight bytes")).wrapping_sub(ASCII_ZEROS);
        // A byte's high bit is set from the first byte that is not a digit on: below '0' the
        // subtraction borrows, above '9' adding 0x76 reaches 0x80. Carries and borrows only
        // run upwards, so the digits before it are untouched.
        let not_digit = (offsets.wrapping_add(0x7676_7676_7676_7676) | offsets) & HIGH_BITS;
        let count = not_digit.trailing_zeros() / 8;
        if count == 0 {
            return significand;
        }
        // The run's digits moved to the top, zeros below them: an eight-digit number.
        let run = offsets << ((8 * (8 - count)) % 64);
        significand = significand
            .wrapping_mul(POW10_INT[count as usize])
            .wrapping_add(eight_digits(run));
        *pos += count as usize;
        if count < 8 {
            return significand;
        }
    }
    while let Some(&byte @ b'0'..=b'9') = bytes.get(*pos) {
        significand = significand
            .wrapping_mul(10)
            .wrapping_add(u64::from(byte - b'0'));
        *pos += 1;
    }
    significand
}

const ASCII_ZEROS: u64 = u64::from_le_bytes(*b"00000000");
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
const POW10_INT: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// The number whose eight digit values (0 to 9) are the bytes of `word`, the first digit in the
/// lowest byte: pairs, then fours, then all eight combined by multiplication.
#[inline(always)]
fn eight_digits(word: u64) -> u64 {
    let pairs = (word.wrapping_mul(10).wrapping_add(word >> 8)) & 0x00FF_00FF_00FF_00FF;
    let fours = (pairs.wrapping_mul(100).wrapping_add(pairs >> 16)) & 0x0000_FFFF_0000_FFFF;
    (fours.wrapping_mul(10_000).wrapping_add(fours >> 32)) & 0xFFFF_FFFF
}

impl<'a> Reader<'a> {
    #[inline]
    pub(super) fn peek(&self) -> Sure<u8> {
        self.bytes.get(self.pos).copied().ok_or(Decline)
    }

    #[inline]
    pub(super) fn skip_whitespace(&mut self) {
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
    pub(super) fn eat(&mut self, byte: u8) -> Sure<()> {
        if self.peek()? != byte {
            return Err(Decline);
        }
        self.pos += 1;
        Ok(())
    }

    pub(super) fn literal(&mut self, word: &[u8]) -> Sure<()> {
        if !self.bytes[self.pos..].starts_with(word) {
            return Err(Decline);
        }
        self.pos += word.len();
        Ok(())
    }

    /// `null` if it is next (consumed), otherwise nothing consumed.
    #[inline]
    pub(super) fn null(&mut self) -> Sure<bool> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Calls `field` with each key, positioned at its value, which `field` must consume.
    #[inline]
    pub(super) fn object(
        &mut self,
        mut field: impl FnMut(&mut Self, &[u8]) -> Sure<()>,
    ) -> Sure<()> {
        self.object_with_keys(|reader| reader.text(), |reader, key| field(reader, key))
    }

    #[inline]
    pub(super) fn object_with_keys<K>(
        &mut self,
        mut key: impl FnMut(&mut Self) -> Sure<K>,
        mut field: impl FnMut(&mut Self, K) -> Sure<()>,
    ) -> Sure<()> {
        self.separated(b'{', b'}', |reader| {
            let key = key(reader)?;
            reader.skip_whitespace();
            reader.eat(b':')?;
            reader.skip_whitespace();
            field(reader, key)
        })
    }

    /// `open`, items separated by commas, `close`: the body of an object or an array. A
    /// trailing comma declines, since the next item must then start with `close`.
    #[inline]
    fn separated(
        &mut self,
        open: u8,
        close: u8,
        mut item: impl FnMut(&mut Self) -> Sure<()>,
    ) -> Sure<()> {
        self.eat(open)?;
        self.skip_whitespace();
        if self.peek()? == close {
            self.pos += 1;
            return Ok(());
        }
        loop {
            item(self)?;
            self.skip_whitespace();
            match self.peek()? {
                b',' => {
                    self.pos += 1;
                    self.skip_whitespace();
                }
                byte if byte == close => {
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
    pub(super) fn object_in_order<const N: usize>(
        &mut self,
        keys: &[QuotedText; N],
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
                let key = reader.text()?;
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
    pub(super) fn array(&mut self, element: impl FnMut(&mut Self) -> Sure<()>) -> Sure<()> {
        self.separated(b'[', b']', element)
    }

    /// A string without escapes or control characters, as its raw bytes, checked to be UTF-8
    /// (serde_json checks every string it keeps; one this reader passes over goes by `skip`).
    #[inline]
    pub(super) fn text(&mut self) -> Sure<&'a [u8]> {
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
        if !ascii && std::str::from_utf8(text).is_err() {
            return Err(Decline);
        }
        Ok(text)
    }

    /// A string like `text`, compared whole with `expected` before it is scanned.
    #[inline]
    pub(super) fn text_expecting(&mut self, expected: &QuotedText) -> Sure<&'a [u8]> {
        if let Some(window) = self.bytes.get(self.pos..self.pos + 16) {
            let window = u128::from_le_bytes(window.try_into().expect("sixteen bytes"));
            if window & expected.mask == expected.text {
                self.pos += expected.len;
                return Ok(expected.unquoted());
            }
        }
        self.text()
    }

    pub(super) fn string(&mut self) -> Sure<String> {
        let text = self.text()?;
        String::from_utf8(text.to_vec()).map_err(|_| Decline)
    }

    /// A number as serde_json reads it into an `f64`, when it is a plain one.
    #[inline(always)]
    pub(super) fn number(&mut self) -> Sure<f64> {
        self.number_and_decimals().map(|(value, _)| value)
    }

    /// A number and how many digits its text has after the point.
    #[inline(always)]
    pub(super) fn number_and_decimals(&mut self) -> Sure<(f64, usize)> {
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
        // Below 2^53, so exact as an i64 too, whose conversion is one instruction on x86-64.
        let magnitude = significand as i64 as f64 / POW10[decimals];
        Ok((if negative { -magnitude } else { magnitude }, decimals))
    }

    pub(super) fn optional_bool(&mut self) -> Sure<Option<bool>> {
        match self.peek()? {
            b'n' => self.literal(b"null").map(|()| None),
            b't' => self.literal(b"true").map(|()| Some(true)),
            b'f' => self.literal(b"false").map(|()| Some(false)),
            _ => Err(Decline),
        }
    }

    /// `null` as `None`, anything else read by `value`: how serde reads an `Option` field.
    #[inline]
    pub(super) fn optional<T>(
        &mut self,
        value: impl FnOnce(&mut Self) -> Sure<T>,
    ) -> Sure<Option<T>> {
        if self.null()? {
            return Ok(None);
        }
        value(self).map(Some)
    }

    /// Any JSON value, checked only as far as serde_json checks a value it ignores.
    pub(super) fn skip(&mut self, depth: u32) -> Sure<()> {
        if depth > MAX_SKIP_DEPTH {
            return Err(Decline);
        }
        match self.peek()? {
            b'{' => self.object(|reader, _| reader.skip(depth + 1)),
            b'[' => self.skip_array(depth),
            b'"' => self.skip_string(),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.skip_number(),
        }
    }

    /// A string with any escapes but `\u` (whose checks differ between serde_json's paths).
    pub(super) fn skip_string(&mut self) -> Sure<()> {
        self.eat(b'"')?;
        loop {
            // Runs of plain bytes first, the way `text` scans them.
            while let Some(&byte) = self.bytes.get(self.pos)
                && PLAIN_TEXT[usize::from(byte)]
            {
                self.pos += 1;
            }
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
    pub(super) fn skip_number(&mut self) -> Sure<()> {
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
}
