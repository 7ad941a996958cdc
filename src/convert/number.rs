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
    if let Some(decimals) = write_short_decimal(value, out) {
        return decimals;
    }
    let start = out.len();
    let _ = write!(out, "{value}");
    out[start..]
        .iter()
        .position(|&byte| byte == b'.')
        .map_or(0, |dot| (out.len() - start - dot - 1) as u32)
}

const SHORT_PATH_SCALE: f64 = 10_000.0;

/// Prints `value` with the fewest decimals (up to four) that read back exactly.
///
/// Below 10^9 a double's spacing is under 1.2e-7, so at most one number with at most four
/// decimals reads back as `value`. If there is one, `value * 10^4` rounds to its digits (scaled
/// to four decimals) and `digits / 10^4`, one correctly rounded division of exact operands, reads
/// back as `value`; if that check fails there is none. Dropping the trailing zeros then gives
/// the shortest text, the one `Display` prints.
fn write_short_decimal(value: f64, out: &mut Vec<u8>) -> Option<u32> {
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
    // Right to left into a buffer: at most 9 integer digits, a point, 4 decimals and a sign.
    let mut text = [0u8; 16];
    let mut at = text.len();
    if decimals > 0 {
        at = write_digits(fraction.into(), decimals, &mut text, at);
        at -= 1;
        text[at] = b'.';
    }
    at = write_digits(whole, 1, &mut text, at);
    if value < 0.0 {
        at -= 1;
        text[at] = b'-';
    }
    out.extend_from_slice(&text[at..]);
    Some(decimals)
}

/// "00" to "99", for printing two digits per division.
const DIGIT_PAIRS: &[u8; 200] = b"\
    0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// Writes `n` with at least `min_digits` digits (zero-padded) to end just before `end`;
/// returns where it starts.
fn write_digits(mut n: u64, min_digits: u32, text: &mut [u8; 16], end: usize) -> usize {
    let mut at = end;
    let mut written = 0;
    while n >= 100 || written + 2 <= min_digits {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        at -= 2;
        text[at..at + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
        written += 2;
    }
    if n >= 10 {
        let pair = n as usize * 2;
        at -= 2;
        text[at..at + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else if n > 0 || written < min_digits {
        at -= 1;
        text[at] = b'0' + n as u8;
    }
    at
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
