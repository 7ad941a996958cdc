//! Plain decimal numbers as TradingView reads them.

use std::fmt::Write;

/// Writes the shortest decimal text that reads back as `value`, never with an exponent, never
/// `-0`, integers without `.0`; returns how many digits follow the decimal point.
///
/// Rust's `Display` for `f64` already prints exactly that; it is also the single largest cost of
/// a conversion, so prices (below 10^9 with at most four decimals, nearly all of them) take a
/// short path that prints the same text, and everything else falls back to `Display`.
pub fn write_number(value: f64, out: &mut String) -> u32 {
    debug_assert!(value.is_finite());
    if value == 0.0 {
        out.push('0');
        return 0;
    }
    if let Some(decimals) = write_short_decimal(value, out) {
        return decimals;
    }
    let start = out.len();
    let _ = write!(out, "{value}");
    out[start..]
        .find('.')
        .map_or(0, |dot| (out.len() - start - dot - 1) as u32)
}

const SHORT_PATH_SCALES: [f64; 5] = [1.0, 10.0, 100.0, 1_000.0, 10_000.0];

/// Prints `value` with the fewest decimals (up to four) that read back exactly.
///
/// Below 10^9 a double's spacing is under 1.2e-7, so at most one number with k <= 4 decimals
/// reads back as `value`, and the smallest such k is the shortest text `Display` would print.
/// `n / 10^k` with both exact is correctly rounded, i.e. equal to parsing the decimal text.
fn write_short_decimal(value: f64, out: &mut String) -> Option<u32> {
    let magnitude = value.abs();
    if magnitude >= 1e9 {
        return None;
    }
    for (decimals, scale) in SHORT_PATH_SCALES.iter().enumerate() {
        // Truncating `x + 0.5` rounds without a libm call; the exact check below decides.
        let digits = (magnitude * scale + 0.5) as u64;
        if digits as f64 / scale != magnitude {
            continue;
        }
        let unit = 10u64.pow(decimals as u32);
        if value < 0.0 {
            out.push('-');
        }
        let mut buffer = itoa::Buffer::new();
        out.push_str(buffer.format(digits / unit));
        if decimals > 0 {
            out.push('.');
            let fraction = buffer.format(digits % unit);
            out.extend(std::iter::repeat_n('0', decimals - fraction.len()));
            out.push_str(fraction);
        }
        return Some(decimals as u32);
    }
    None
}

/// The largest exponent TradingView's `pricescale` accepts (10^22).
pub const MAX_PRICESCALE_EXPONENT: u32 = 22;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text(v: f64) -> (String, u32) {
        let mut s = String::new();
        let decimals = write_number(v, &mut s);
        (s, decimals)
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
