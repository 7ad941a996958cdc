//! Plain decimal numbers as TradingView reads them.

use std::io::Write;

/// Writes the shortest decimal text that reads back as `value`, never with an exponent, never
/// `-0`, integers without `.0`; returns how many digits follow the decimal point.
///
/// Rust's `Display` for `f64` already prints exactly that; it is also a large share of a
/// conversion's cost, so prices (below 10^9 with at most four decimals, nearly all of them) take
/// a short path that prints the same text, and everything else falls back to `Display`.
pub fn write_number(value: f64, out: &mut Vec<u8>) -> u32 {
    debug_assert!(value.is_finite());
    if value == 0.0 {
        out.push(b'0');
        return 0;
    }
    if let Some(short) = short_decimal(value) {
        append_prefix(out, &short.window, short.len);
        return short.decimals;
    }
    let start = out.len();
    let _ = write!(out, "{value}");
    out[start..]
        .iter()
        .position(|&byte| byte == b'.')
        .map_or(0, |dot| (out.len() - start - dot - 1) as u32)
}

/// The shortest form of a plain decimal's text (no exponent, at most 15 digits): how many of its
/// bytes remain without trailing fractional zeros (and then a bare point), and how many decimals.
///
/// Printed, that prefix is exactly what [`write_number`] prints for the value the text reads as,
/// zero apart (`-0.0` and `0` both print `0`): a decimal of at most 15 significant digits is the
/// only one that short reading as its double (`f64::DIGITS`), so its shortest round-trip text
/// is itself less the redundant zeros.
pub fn trim_decimal(text: &[u8]) -> (usize, u8) {
    let Some(dot) = text.iter().position(|&byte| byte == b'.') else {
        return (text.len(), 0);
    };
    let mut end = text.len();
    while text[end - 1] == b'0' {
        end -= 1;
    }
    if end == dot + 1 {
        return (dot, 0);
    }
    (end, (end - dot - 1) as u8)
}

const SHORT_PATH_SCALE: f64 = 10_000.0;

/// A number's text in the first `len` bytes of a 16-byte window, and its decimals: short texts
/// are moved around as one fixed-size block.
#[derive(Debug, Clone, Copy)]
pub struct ShortText {
    pub window: [u8; 16],
    pub len: usize,
    pub decimals: u32,
}

/// Prints `value` with the fewest decimals (up to four) that read back exactly.
///
/// Below 10^9 a double's spacing is under 1.2e-7, so at most one number with at most four
/// decimals reads back as `value`. If there is one, `value * 10^4` rounds to its digits (scaled
/// to four decimals) and `digits / 10^4`, one correctly rounded division of exact operands, reads
/// back as `value`; if that check fails there is none. Dropping the trailing zeros then gives
/// the shortest text, the one `Display` prints.
pub fn short_decimal(value: f64) -> Option<ShortText> {
    let magnitude = value.abs();
    if magnitude >= 1e9 {
        return None;
    }
    // Truncating `x + 0.5` rounds without a libm call; the exact check below decides.
    let digits = (magnitude * SHORT_PATH_SCALE + 0.5) as u64;
    if digits as f64 / SHORT_PATH_SCALE != magnitude {
        return None;
    }
    let (whole, fraction) = (digits / 10_000, (digits % 10_000) as u32);
    let (fraction, decimals) = match fraction {
        0 => (0, 0),
        f if f % 1000 == 0 => (f / 1000, 1),
        f if f % 100 == 0 => (f / 100, 2),
        f if f % 10 == 0 => (f / 10, 3),
        f => (f, 4),
    };
    // Left-aligned in a fixed buffer (at most a sign, 9 integer digits, a point, 4 decimals).
    let sign = usize::from(value < 0.0);
    let whole_digits = decimal_digits(whole);
    let fraction_len = if decimals > 0 {
        1 + decimals as usize
    } else {
        0
    };
    let len = sign + whole_digits + fraction_len;
    let mut text = [b'-'; 16];
    if decimals > 0 {
        write_digits(fraction.into(), &mut text[len - decimals as usize..len]);
        text[len - fraction_len] = b'.';
    }
    write_digits(whole, &mut text[sign..sign + whole_digits]);
    Some(ShortText {
        window: text,
        len,
        decimals,
    })
}

/// Appends `window[..len]` as one fixed-size copy and a truncation: for the short texts a
/// series is made of, cheaper than a variable-length copy (a library call).
#[inline]
pub fn append_prefix<const N: usize>(out: &mut Vec<u8>, window: &[u8; N], len: usize) {
    debug_assert!(len <= N);
    let end = out.len() + len;
    out.extend_from_slice(window);
    out.truncate(end);
}

/// How many digits `n` (below 10^9) prints with.
#[inline]
fn decimal_digits(n: u64) -> usize {
    match n {
        0..=9 => 1,
        10..=99 => 2,
        100..=999 => 3,
        1_000..=9_999 => 4,
        10_000..=99_999 => 5,
        100_000..=999_999 => 6,
        1_000_000..=9_999_999 => 7,
        10_000_000..=99_999_999 => 8,
        _ => 9,
    }
}

/// "00" to "99", for printing two digits per division.
const DIGIT_PAIRS: &[u8; 200] = b"\
    0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// Fills `slot` with the last `slot.len()` digits of `n`, zero-padded.
#[inline]
fn write_digits(mut n: u64, slot: &mut [u8]) {
    let mut end = slot.len();
    while end >= 2 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        slot[end - 2..end].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
        end -= 2;
    }
    if end == 1 {
        slot[0] = b'0' + (n % 10) as u8;
    }
}

/// The largest exponent TradingView's `pricescale` accepts (10^22).
pub const MAX_PRICESCALE_EXPONENT: u32 = 22;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text(v: f64) -> (String, u32) {
        let mut out = Vec::new();
        let decimals = write_number(v, &mut out);
        (String::from_utf8(out).unwrap(), decimals)
    }

    #[test]
    fn shortest_round_trip_without_exponent() {
        assert_eq!(text(16848.0), ("16848".into(), 0));
        assert_eq!(text(24565.35), ("24565.35".into(), 2));
        assert_eq!(text(0.1), ("0.1".into(), 1));
        assert_eq!(text(-0.0), ("0".into(), 0));
        assert_eq!(text(-12.5), ("-12.5".into(), 1));
        assert_eq!(text(1.005), ("1.005".into(), 3));
        assert_eq!(text(0.0001), ("0.0001".into(), 4));
        assert_eq!(text(1e21), ("1000000000000000000000".into(), 0));
        assert_eq!(text(1.5e-7), ("0.00000015".into(), 8));
        assert_eq!(text(0.1 + 0.2), ("0.30000000000000004".into(), 17));
    }

    fn display(v: f64) -> String {
        if v == 0.0 { "0".into() } else { format!("{v}") }
    }

    proptest! {
        /// Reprinting a plain decimal's text gives what printing its value gives.
        #[test]
        fn source_text_prints_like_the_value(
            significand in 0u64..1_000_000_000_000_000,
            decimals in 0usize..=15,
            trailing_zeros in 0usize..3,
            negative in any::<bool>(),
        ) {
            let digits = format!("{significand:0>width$}", width = decimals + 1);
            let (whole, fraction) = digits.split_at(digits.len() - decimals);
            let sign = if negative { "-" } else { "" };
            let mut source = format!("{sign}{whole}");
            if decimals > 0 {
                source += &format!(".{fraction}{}", "0".repeat(trailing_zeros));
            }
            let digits = source.bytes().filter(u8::is_ascii_digit).count();
            prop_assume!(digits <= 15);
            let (len, decimals) = trim_decimal(source.as_bytes());
            let value: f64 = source.parse().unwrap();
            let (printed, printed_decimals) = text(value);
            if value == 0.0 {
                prop_assert_eq!(printed, "0");
            } else {
                prop_assert_eq!(&source[..len], printed);
                prop_assert_eq!(u32::from(decimals), printed_decimals);
            }
        }

        /// The short path prints exactly what `Display` prints, for prices and for any double.
        #[test]
        fn short_path_matches_display(
            cents in -10_000_000_000i64..10_000_000_000,
            decimals in 0u32..6,
            bits in any::<u64>(),
        ) {
            let price = cents as f64 / 10f64.powi(decimals as i32);
            prop_assert_eq!(text(price).0, display(price));
            let any = f64::from_bits(bits);
            if any.is_finite() {
                let (printed, decimals) = text(any);
                prop_assert_eq!(&printed, &display(any));
                prop_assert_eq!(decimals as usize, printed.find('.').map_or(0, |d| printed.len() - d - 1));
            }
        }
    }
}
