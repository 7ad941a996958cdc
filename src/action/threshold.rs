//! `min-success-rate`, held as the decimal it was written in. As a float, `95.2%` becomes
//! 0.9520000000000001, and 952 charts ok of 1000 (0.952) fell "below" the threshold it meets.

/// A fraction from 0 to 1, exactly `units / 10^scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinSuccessRate {
    units: u64,
    scale: u32,
}

/// Decimal places taken after the point: more than a threshold can mean, few enough that
/// `units * attempted` stays far inside `u128`.
const MOST_PLACES: usize = 12;

impl MinSuccessRate {
    /// `0.95`, `1`, `95%` or `95.5 %`; `None` for anything else or outside 0 to 1.
    pub fn parse(text: &str) -> Option<MinSuccessRate> {
        let (number, percent) = match text.trim().strip_suffix('%') {
            Some(number) => (number.trim(), true),
            None => (text.trim(), false),
        };
        let (whole, places) = number.split_once('.').unwrap_or((number, ""));
        let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && places.is_empty() || !digits(whole) || !digits(places) {
            return None;
        }
        // Zeros that change nothing (`00.50`) are not places or digits to count.
        let (whole, places) = (whole.trim_start_matches('0'), places.trim_end_matches('0'));
        if places.len() > MOST_PLACES || whole.len() > 3 {
            return None;
        }
        let units: u64 = match format!("{whole}{places}").as_str() {
            "" => 0,
            text => text.parse().ok()?,
        };
        let scale = places.len() as u32 + if percent { 2 } else { 0 };
        (units <= 10u64.pow(scale)).then_some(MinSuccessRate { units, scale })
    }

    /// Whether `ok` of `attempted` charts reach it, in integers. Nothing attempted reaches it.
    pub fn met_by(self, ok: u64, attempted: u64) -> bool {
        u128::from(ok) * 10u128.pow(self.scale) >= u128::from(self.units) * u128::from(attempted)
    }

    /// As a percentage, exactly as many places as it needs (`95.2 %`, `99.995 %`, `100 %`).
    pub fn percent_text(self) -> String {
        let (units, places) = self.percent();
        let divisor = 10u64.pow(places);
        let text = format!(
            "{}.{:0width$}",
            units / divisor,
            units % divisor,
            width = places as usize
        );
        format!("{} %", text.trim_end_matches('0').trim_end_matches('.'))
    }

    /// The places [`Self::percent_text`] shows: a rate shown with as many, cut, reads below the
    /// threshold exactly when it is below it.
    pub fn percent_places(self) -> u32 {
        let (mut units, mut places) = self.percent();
        while places > 0 && units % 10 == 0 {
            units /= 10;
            places -= 1;
        }
        places
    }

    /// The percentage as `units / 10^places`.
    fn percent(self) -> (u64, u32) {
        match self.scale.checked_sub(2) {
            Some(places) => (self.units, places),
            None => (self.units * 10u64.pow(2 - self.scale), 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(text: &str) -> MinSuccessRate {
        MinSuccessRate::parse(text).unwrap_or_else(|| panic!("{text}"))
    }

    #[test]
    fn a_threshold_is_met_exactly_as_written() {
        // As floats, 95.2 / 100 is above 952 / 1000.
        assert!(rate("95.2%").met_by(952, 1000));
        assert!(rate("0.952").met_by(952, 1000));
        assert!(!rate("95.2%").met_by(951, 1000));
        assert!(rate("0.9").met_by(9, 10));
        assert!(!rate("0.90001").met_by(9, 10));
        assert!(rate("100%").met_by(7, 7));
        assert!(!rate("1").met_by(20_000, 20_001));
        assert!(rate("0").met_by(0, 3));
        assert!(rate("1").met_by(0, 0), "nothing attempted, nothing failed");
    }

    #[test]
    fn a_threshold_is_shown_as_written() {
        assert_eq!(rate("95.2%").percent_text(), "95.2 %");
        assert_eq!(rate("0.952").percent_text(), "95.2 %");
        assert_eq!(rate("0.99995").percent_text(), "99.995 %");
        assert_eq!(rate("0.5000001").percent_text(), "50.00001 %");
        assert_eq!(rate("1").percent_text(), "100 %");
        assert_eq!(rate("0.95").percent_text(), "95 %");
        assert_eq!(rate("0").percent_text(), "0 %");
        assert_eq!(rate(" 95 % ").percent_places(), 0);
        assert_eq!(rate("0.99995").percent_places(), 3);
    }

    #[test]
    fn only_plain_fractions_and_percentages_from_0_to_1_are_thresholds() {
        for bad in [
            "",
            ".",
            "%",
            "1.5",
            "101%",
            "-0.5",
            "1e-9",
            "0x1",
            "0.9.5",
            "NaN",
            "inf",
            "1/2",
            "0.0000000000001",
            "95%%",
        ] {
            assert_eq!(MinSuccessRate::parse(bad), None, "{bad:?}");
        }
        assert_eq!(rate(".5"), rate("0.5"));
        assert_eq!(rate("00000.5"), rate("0.5"));
        assert_eq!(rate("0.6666666666660"), rate("0.666666666666"));
        assert_eq!(rate("100.000%").percent_text(), "100 %");
        assert_eq!(rate("0.0").percent_text(), "0 %");
        assert_eq!(rate("50%").percent_text(), rate("0.5").percent_text());
        assert!(rate("50%").met_by(1, 2) && !rate("50%").met_by(1, 3));
    }
}
