//! Exchange-local trading dates from MarketSmith's epoch-millisecond stamps.
//!
//! `priceDate` is local midnight of the exchange expressed in UTC milliseconds, so the UTC
//! calendar date is wrong for every exchange east of Greenwich (India: 18:30 UTC the day before).
//! The machine's own time zone is never consulted.

use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;

const HALF_DAY_MS: i64 = 12 * 60 * 60 * 1000;

/// How a stamp becomes a calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateRule {
    /// The UTC date of `stamp + 12 h`: the nearest UTC midnight. Exact for every exchange whose
    /// local midnight lies within 12 hours of UTC.
    #[default]
    NearestUtcMidnight,
    /// The calendar date of the stamp in this IANA zone.
    Zone(Tz),
}

impl DateRule {
    /// `None` for stamps that are not finite or fall outside years 1000..=9999, which could not
    /// be written in the 9-character `YYYYMMDDT` form.
    pub fn local_date(self, epoch_ms: f64) -> Option<NaiveDate> {
        if !epoch_ms.is_finite() || epoch_ms.abs() > 1e15 {
            return None;
        }
        let ms = epoch_ms.floor() as i64;
        let date = match self {
            DateRule::NearestUtcMidnight => {
                DateTime::from_timestamp_millis(ms.checked_add(HALF_DAY_MS)?)?.date_naive()
            }
            DateRule::Zone(tz) => DateTime::from_timestamp_millis(ms)?
                .with_timezone(&tz)
                .date_naive(),
        };
        use chrono::Datelike;
        (1000..=9999).contains(&date.year()).then_some(date)
    }
}

/// Parses the `blueDotDate` text form: a local calendar date `YYYY-MM-DD`.
pub fn parse_calendar_date(text: &str) -> Option<NaiveDate> {
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?;
    use chrono::Datelike;
    (1000..=9999).contains(&date.year()).then_some(date)
}

/// `YYYYMMDDT`, the date column TradingView's seed format requires.
pub fn tradingview_date(date: NaiveDate) -> [u8; 9] {
    use chrono::Datelike;
    // Years are 1000..=9999 by construction (see `DateRule::local_date`): exactly 8 digits.
    let mut packed = date.year() as u32 * 10_000 + date.month() * 100 + date.day();
    let mut text = *b"00000000T";
    for slot in text[..8].iter_mut().rev() {
        *slot = b'0' + (packed % 10) as u8;
        packed /= 10;
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indian_midnight_is_previous_utc_evening() {
        // 1753986600000 = 2025-07-31T18:30:00Z = 2025-08-01 00:00 IST
        let d = DateRule::NearestUtcMidnight
            .local_date(1753986600000.0)
            .unwrap();
        assert_eq!(d, NaiveDate::from_ymd_opt(2025, 8, 1).unwrap());
    }

    #[test]
    fn us_midnight_is_same_utc_morning() {
        // 2025-08-01T04:00:00Z = 2025-08-01 00:00 EDT
        let d = DateRule::NearestUtcMidnight
            .local_date(1754020800000.0)
            .unwrap();
        assert_eq!(d, NaiveDate::from_ymd_opt(2025, 8, 1).unwrap());
    }

    #[test]
    fn zone_override_uses_the_zone_not_the_machine() {
        let tz: Tz = "Asia/Kolkata".parse().unwrap();
        let d = DateRule::Zone(tz).local_date(1753986600000.0).unwrap();
        assert_eq!(d, NaiveDate::from_ymd_opt(2025, 8, 1).unwrap());
        let tz: Tz = "UTC".parse().unwrap();
        let d = DateRule::Zone(tz).local_date(1753986600000.0).unwrap();
        assert_eq!(d, NaiveDate::from_ymd_opt(2025, 7, 31).unwrap());
    }

    #[test]
    fn out_of_range_stamps_are_rejected() {
        assert!(DateRule::NearestUtcMidnight.local_date(f64::NAN).is_none());
        assert!(DateRule::NearestUtcMidnight.local_date(1e17).is_none());
        assert!(
            DateRule::NearestUtcMidnight
                .local_date(-62_000_000_000_000.0)
                .is_none()
        );
    }

    #[test]
    fn tradingview_date_is_nine_characters() {
        let text = tradingview_date(NaiveDate::from_ymd_opt(2025, 8, 1).unwrap());
        assert_eq!(&text, b"20250801T");
    }
}
