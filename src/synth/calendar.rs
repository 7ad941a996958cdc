//! Bar dates and exchange-local midnight stamps.

use super::rng::SplitMix64;
use super::symbols::Exchange;
use crate::convert::Timeframe;
use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Share of weekdays an exchange is closed. Real exchanges close on about 5% of weekdays.
const HOLIDAY_PER_MILLE: u64 = 50;

/// One bar's date and whether the exchange was closed (a `Holiday` row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarDate {
    pub date: NaiveDate,
    pub holiday: bool,
}

/// Whether `exchange` is closed on the weekday `date`. A pure function of the run's seed, so
/// every chart of one exchange shares its holidays, as real ones do.
pub fn is_holiday(seed: u64, exchange: Exchange, date: NaiveDate) -> bool {
    let stream = match exchange {
        Exchange::India => 11,
        Exchange::Us => 12,
    };
    let mut rng = SplitMix64::derive(seed, stream, date.num_days_from_ce() as u64);
    rng.below(1000) < HOLIDAY_PER_MILLE
}

/// The newest bar's date for `last_date`: the last weekday on or before it for daily bars, the
/// Friday of its week for weekly bars (the current week's bar carries its Friday).
pub fn newest_bar(last_date: NaiveDate, timeframe: Timeframe) -> NaiveDate {
    let weekday = last_date.weekday().num_days_from_monday();
    match timeframe {
        Timeframe::Daily => last_date - Days::new(u64::from(weekday.saturating_sub(4))),
        Timeframe::Weekly if weekday <= 4 => last_date + Days::new(u64::from(4 - weekday)),
        Timeframe::Weekly => last_date - Days::new(u64::from(weekday - 4)),
    }
}

/// `bars` dates, oldest first. The newest and oldest bars are always trading days: the newest
/// is the folder's date and the oldest has no earlier day whose prices a holiday could repeat.
pub fn bar_dates(
    seed: u64,
    exchange: Exchange,
    timeframe: Timeframe,
    last_date: NaiveDate,
    bars: usize,
) -> Vec<BarDate> {
    let mut dates = Vec::with_capacity(bars);
    let mut date = newest_bar(last_date, timeframe);
    while dates.len() < bars {
        dates.push(BarDate {
            date,
            holiday: timeframe == Timeframe::Daily
                && !dates.is_empty()
                && is_holiday(seed, exchange, date),
        });
        date = match timeframe {
            Timeframe::Daily if date.weekday() == Weekday::Mon => date - Days::new(3),
            Timeframe::Daily => date - Days::new(1),
            Timeframe::Weekly => date - Days::new(7),
        };
    }
    dates.reverse();
    if let Some(oldest) = dates.first_mut() {
        oldest.holiday = false;
    }
    dates
}

/// Epoch milliseconds of midnight at the start of `date` on `exchange`'s clock.
pub fn local_midnight_ms(exchange: Exchange, date: NaiveDate) -> i64 {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    match exchange {
        // IST has no daylight saving: always 18:30 UTC of the day before.
        Exchange::India => midnight.and_utc().timestamp_millis() - (5 * 60 + 30) * 60 * 1000,
        // New York's clocks change at 02:00, so midnight is never skipped nor repeated.
        Exchange::Us => {
            static NEW_YORK: std::sync::LazyLock<jiff::tz::TimeZone> =
                std::sync::LazyLock::new(|| {
                    crate::convert::named_zone("America/New_York").expect("a bundled zone")
                });
            NEW_YORK
                .to_ambiguous_timestamp(
                    jiff::civil::date(date.year() as i16, date.month() as i8, date.day() as i8)
                        .at(0, 0, 0, 0),
                )
                .unambiguous()
                .expect("midnight is unambiguous in New York")
                .as_millisecond()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn indian_midnight_is_1830_utc_the_day_before() {
        assert_eq!(
            local_midnight_ms(Exchange::India, day("2025-08-01")),
            1753986600000
        );
    }

    #[test]
    fn us_midnight_follows_new_york_daylight_saving() {
        // 2025-08-01 00:00 EDT = 04:00 UTC; 2025-01-02 00:00 EST = 05:00 UTC.
        assert_eq!(
            local_midnight_ms(Exchange::Us, day("2025-08-01")),
            1754020800000
        );
        assert_eq!(
            local_midnight_ms(Exchange::Us, day("2025-01-02")),
            1735794000000
        );
    }

    #[test]
    fn weekly_bars_fall_on_fridays_and_daily_bars_on_weekdays() {
        assert_eq!(
            newest_bar(day("2025-07-30"), Timeframe::Weekly),
            day("2025-08-01")
        );
        assert_eq!(
            newest_bar(day("2025-08-03"), Timeframe::Daily),
            day("2025-08-01")
        );
        for tf in Timeframe::ALL {
            let dates = bar_dates(7, Exchange::Us, tf, day("2025-08-01"), 300);
            assert_eq!(dates.len(), 300);
            assert_eq!(dates.last().unwrap().date, day("2025-08-01"));
            assert!(dates.windows(2).all(|w| w[0].date < w[1].date));
            for bar in &dates {
                let weekday = bar.date.weekday();
                match tf {
                    Timeframe::Daily => assert!(weekday.num_days_from_monday() < 5),
                    Timeframe::Weekly => assert_eq!(weekday, Weekday::Fri),
                }
            }
        }
    }
}
