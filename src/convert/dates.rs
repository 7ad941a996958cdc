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
        // Stamps are whole milliseconds; `floor` (a libm call on baseline x86-64) only for others.
        let whole = epoch_ms as i64;
        let ms = if whole as f64 == epoch_ms {
            whole
        } else {
            epoch_ms.floor() as i64
        };
        let date = match self {
            DateRule::NearestUtcMidnight => {
                let days = (ms + HALF_DAY_MS).div_euclid(DAY_MS);
                NaiveDate::from_num_days_from_ce_opt(
                    i32::try_from(days).ok()? + UNIX_EPOCH_DAYS_FROM_CE,
                )?
            }
            DateRule::Zone(tz) => DateTime::from_timestamp_millis(ms)?
                .with_timezone(&tz)
                .date_naive(),
        };
        (FIRST_WRITABLE..=LAST_WRITABLE)
            .contains(&date)
            .then_some(date)
    }
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Days from 0001-01-01 (day 1) to 1970-01-01.
const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// The dates the 9-character `YYYYMMDDT` form can hold.
const FIRST_WRITABLE: NaiveDate = NaiveDate::from_ymd_opt(1000, 1, 1).expect("a valid date");
const LAST_WRITABLE: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).expect("a valid date");

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
    let year = date.year() as usize;
    let pair = |n: usize| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
    let [c1, c2] = pair(year / 100);
    let [y1, y2] = pair(year % 100);
    let [m1, m2] = pair(date.month() as usize);
    let [d1, d2] = pair(date.day() as usize);
    [c1, c2, y1, y2, m1, m2, d1, d2, b'T']
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

    proptest::proptest! {
        /// Day arithmetic agrees with chrono's own timestamp conversion, whole or fractional
        /// milliseconds, before 1970 or after, at the writable range's edges or beyond them.
        #[test]
        fn nearest_midnight_matches_chrono(
            ms in -40_000_000_000_000i64..260_000_000_000_000,
            fraction in proptest::sample::select(vec![0.0, 0.25, 0.5, 0.999]),
        ) {
            let stamp = ms as f64 + fraction;
            let reference = DateTime::from_timestamp_millis(stamp.floor() as i64 + HALF_DAY_MS)
                .map(|t| t.date_naive())
                .filter(|d| {
                    use chrono::Datelike;
                    (1000..=9999).contains(&d.year())
                });
            proptest::prop_assert_eq!(DateRule::NearestUtcMidnight.local_date(stamp), reference);
            if let Some(date) = reference {
                let text = tradingview_date(date);
                proptest::prop_assert_eq!(
                    std::str::from_utf8(&text).unwrap(),
                    date.format("%Y%m%dT").to_string()
                );
            }
        }
    }

    #[test]
    fn tradingview_date_is_nine_characters() {
        let text = tradingview_date(NaiveDate::from_ymd_opt(2025, 8, 1).unwrap());
        assert_eq!(&text, b"20250801T");
    }
}
