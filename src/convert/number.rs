//! Plain decimal numbers as TradingView reads them.

use std::fmt::Write;

/// The shortest decimal text that reads back as `value`, never with an exponent, never `-0`,
/// and integers without `.0`. Rust's `Display` for `f64` already prints the shortest round-trip
/// digits in positional notation; this pins the two cases it leaves open.
pub fn write_number(value: f64, out: &mut String) {
    debug_assert!(value.is_finite());
    if value == 0.0 {
        out.push('0');
    } else {
        let _ = write!(out, "{value}");
    }
}

/// Digits after the decimal point in `write_number`'s text.
pub fn decimals(value: f64) -> u32 {
    let mut text = String::new();
    write_number(value, &mut text);
    text.find('.')
        .map_or(0, |dot| (text.len() - dot - 1) as u32)
}

/// The largest exponent TradingView's `pricescale` accepts (10^22).
pub const MAX_PRICESCALE_EXPONENT: u32 = 22;

pub fn pricescale(max_decimals: u32) -> u128 {
    10u128.pow(max_decimals.min(MAX_PRICESCALE_EXPONENT))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: f64) -> String {
        let mut s = String::new();
        write_number(v, &mut s);
        s
    }

    #[test]
    fn shortest_round_trip_without_exponent() {
        assert_eq!(text(16848.0), "16848");
        assert_eq!(text(24565.35), "24565.35");
        assert_eq!(text(0.1), "0.1");
        assert_eq!(text(-0.0), "0");
        assert_eq!(text(1e21), "1000000000000000000000");
        assert_eq!(text(1.5e-7), "0.00000015");
        assert_eq!(text(0.1 + 0.2), "0.30000000000000004");
        for v in [
            16848.0,
            24565.35,
            0.1,
            1e21,
            1.5e-7,
            123456.789,
            0.30000000000000004,
        ] {
            assert_eq!(text(v).parse::<f64>().unwrap(), v);
        }
    }

    #[test]
    fn pricescale_covers_the_longest_fraction() {
        assert_eq!(decimals(16848.0), 0);
        assert_eq!(decimals(24565.35), 2);
        assert_eq!(pricescale(2), 100);
        assert_eq!(pricescale(40), 10u128.pow(22));
    }
}
