//! The action's inputs as the runner hands them over: `INPUT_<NAME>` with the name upper-cased and
//! dashes kept (`shard-index` arrives as `INPUT_SHARD-INDEX`). Values are trimmed as the toolkit's
//! `getInput` does; an empty value means "not given", and the defaults below match `action.yml`.

use super::ActionError;
use super::threshold::MinSuccessRate;
use crate::convert::Timeframe;
use crate::plan::{DEFAULT_FILES_PER_SHARD, MAX_FILES_PER_SHARD};
use crate::shard::Shard;
use std::collections::BTreeMap;

/// Every input `action.yml` declares.
pub const ALL: [&str; 20] = [
    "mode",
    "source",
    "timeframe",
    "date",
    "shard-index",
    "shard-count",
    "workers",
    "files-per-shard",
    "timezone",
    "keep-holidays",
    "group",
    "min-success-rate",
    "github-token",
    "google-credentials",
    "google-api-key",
    "drive-path",
    "download-concurrency",
    "slack-webhook",
    "discord-webhook",
    "output-dir",
];

/// Inputs whose values are masked before anything else is printed.
pub const SECRETS: [&str; 5] = [
    "github-token",
    "google-credentials",
    "google-api-key",
    "slack-webhook",
    "discord-webhook",
];

pub const DEFAULT_OUTPUT_DIR: &str = "bluedot-output";

/// The environment variable the runner sets for an input.
pub fn env_name(input: &str) -> String {
    format!("INPUT_{}", input.replace(' ', "_").to_uppercase())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Plan,
    Process,
    Merge,
    Health,
}

/// The raw values, exactly as received (secrets included; never print this).
pub struct Inputs {
    raw: BTreeMap<&'static str, String>,
}

impl Inputs {
    pub fn from_env() -> Inputs {
        Inputs::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Inputs {
        let raw = ALL
            .iter()
            .filter_map(|&name| lookup(&env_name(name)).map(|value| (name, value)))
            .collect();
        Inputs { raw }
    }

    /// Every secret value as received, for masking.
    pub fn secret_values(&self) -> Vec<&str> {
        SECRETS
            .iter()
            .filter_map(|name| self.raw.get(name).map(String::as_str))
            .collect()
    }

    /// The trimmed value, `None` when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.raw
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    pub fn is_given(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn mode(&self) -> Result<Mode, ActionError> {
        match self.get("mode").unwrap_or("process") {
            "plan" => Ok(Mode::Plan),
            "process" => Ok(Mode::Process),
            "merge" => Ok(Mode::Merge),
            "health" => Ok(Mode::Health),
            other => Err(invalid(
                "mode",
                other,
                "one of plan, process, merge, health",
            )),
        }
    }

    pub fn timeframe(&self) -> Result<Timeframe, ActionError> {
        match self.get("timeframe").unwrap_or("daily") {
            "daily" => Ok(Timeframe::Daily),
            "weekly" => Ok(Timeframe::Weekly),
            other => Err(invalid("timeframe", other, "daily or weekly")),
        }
    }

    pub fn shard(&self) -> Result<Shard, ActionError> {
        let count = self.number("shard-count", 1, 1, u64::from(Shard::MAX_COUNT))?;
        // Without its index, every job of a matrix would convert shard 0 and the other shards'
        // charts would go missing without an error. (action.yml gives shard-index no default
        // for this: the runner passes every declared default.)
        if count > 1 && !self.is_given("shard-index") {
            return Err(ActionError::usage(
                "shard-count is given without shard-index; pass the matrix's shard \
                 (shard-index: ${{ matrix.shard }})"
                    .to_owned(),
            ));
        }
        let index = self.number("shard-index", 0, 0, u64::from(Shard::MAX_COUNT) - 1)?;
        Shard::new(index as u32, count as u32).map_err(ActionError::usage)
    }

    pub fn workers(&self) -> Result<usize, ActionError> {
        let default = crate::cli::default_workers() as u64;
        Ok(self.number("workers", default, 1, 256)? as usize)
    }

    pub fn files_per_shard(&self) -> Result<u32, ActionError> {
        let n = self.number(
            "files-per-shard",
            u64::from(DEFAULT_FILES_PER_SHARD),
            1,
            u64::from(MAX_FILES_PER_SHARD),
        )?;
        Ok(n as u32)
    }

    /// Drive downloads in flight at once.
    pub fn download_concurrency(&self) -> Result<usize, ActionError> {
        Ok(self.number("download-concurrency", 16, 1, 256)? as usize)
    }

    pub fn timezone(&self) -> Result<Option<jiff::tz::TimeZone>, ActionError> {
        self.get("timezone")
            .map(|tz| {
                crate::convert::named_zone(tz).ok_or_else(|| {
                    invalid("timezone", tz, "an IANA time zone such as Asia/Kolkata")
                })
            })
            .transpose()
    }

    /// `true` or `false` in the spellings the toolkit's `getBooleanInput` takes (YAML 1.2's
    /// core schema); anything else is refused rather than read as `false`.
    pub fn keep_holidays(&self) -> Result<bool, ActionError> {
        match self.get("keep-holidays") {
            None | Some("false" | "False" | "FALSE") => Ok(false),
            Some("true" | "True" | "TRUE") => Ok(true),
            Some(other) => Err(invalid("keep-holidays", other, "true or false")),
        }
    }

    pub fn group(&self) -> Result<String, ActionError> {
        let group = self.get("group").unwrap_or("bluedot");
        crate::convert::validate_group(group)
            .map(|()| group.to_owned())
            .map_err(|e| ActionError::usage(format!("input `group`: {e}")))
    }

    /// `0.95` or `95%`; `None` when not given (then any failed file fails the step).
    pub fn min_success_rate(&self) -> Result<Option<MinSuccessRate>, ActionError> {
        let Some(text) = self.get("min-success-rate") else {
            return Ok(None);
        };
        match MinSuccessRate::parse(text) {
            Some(rate) => Ok(Some(rate)),
            None => Err(invalid(
                "min-success-rate",
                text,
                "a fraction from 0 to 1 (0.95) or a percentage (95%), with at most 12 decimal places",
            )),
        }
    }

    /// The trading date (`YYYY-MM-DD`, daily) or ISO week (`YYYY-Www`, weekly) of the drop,
    /// checked by the same rule as a Drive trigger file. A local `source` is already the folder
    /// of one drop, so the date only labels the run there; the Drive source uses it to find
    /// `<timeframe>/<date>`.
    pub fn date(&self) -> Result<Option<String>, ActionError> {
        let Some(text) = self.get("date") else {
            return Ok(None);
        };
        crate::source::drive::validate_date(self.timeframe()?, text)
            .map(Some)
            .map_err(|e| ActionError::usage(format!("input `date`: {e}")))
    }

    fn number(&self, name: &str, default: u64, min: u64, max: u64) -> Result<u64, ActionError> {
        let Some(text) = self.get(name) else {
            return Ok(default);
        };
        match text.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(invalid(
                name,
                text,
                &format!("a whole number from {min} to {max}"),
            )),
        }
    }
}

/// Never used for secret inputs: their values must not be echoed.
fn invalid(name: &str, value: &str, expected: &str) -> ActionError {
    debug_assert!(!SECRETS.contains(&name));
    // Quoted within reason: a value may be pages long.
    let shown: String = value.chars().take(100).collect();
    let cut = if shown.len() < value.len() { "..." } else { "" };
    ActionError::usage(format!(
        "input `{name}` is {shown:?}{cut}; expected {expected}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(pairs: &[(&str, &str)]) -> Inputs {
        let env: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (env_name(k), (*v).to_owned()))
            .collect();
        Inputs::from_lookup(|name| env.get(name).cloned())
    }

    #[test]
    fn names_keep_their_dashes() {
        assert_eq!(env_name("shard-index"), "INPUT_SHARD-INDEX");
        assert_eq!(env_name("github-token"), "INPUT_GITHUB-TOKEN");
    }

    #[test]
    fn every_input_is_declared_in_action_yml_and_nothing_else() {
        let yml = include_str!("../../action.yml");
        let section = yml
            .split("\ninputs:\n")
            .nth(1)
            .and_then(|rest| rest.split("\noutputs:\n").next())
            .expect("inputs section");
        let declared: Vec<&str> = section
            .lines()
            .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && l.ends_with(':'))
            .map(|l| l.trim().trim_end_matches(':'))
            .collect();
        let mut expected = ALL.to_vec();
        expected.sort_unstable();
        let mut declared_sorted = declared.clone();
        declared_sorted.sort_unstable();
        assert_eq!(declared_sorted, expected);
    }

    #[test]
    fn values_are_trimmed_validated_and_defaulted() {
        let i = inputs(&[
            ("shard-index", " 3 "),
            ("shard-count", "4"),
            ("min-success-rate", "95%"),
            ("date", "2025-08-01"),
            ("timezone", ""),
        ]);
        assert_eq!(i.shard().unwrap(), Shard { index: 3, count: 4 });
        assert_eq!(i.min_success_rate().unwrap(), MinSuccessRate::parse("0.95"));
        assert_eq!(i.date().unwrap().as_deref(), Some("2025-08-01"));
        assert_eq!(i.timezone().unwrap(), None);
        assert_eq!(i.mode().unwrap(), Mode::Process);
        assert_eq!(i.files_per_shard().unwrap(), 250);
        assert!(!i.keep_holidays().unwrap(), "not given: false");
        for (text, keep) in [("true", true), ("TRUE", true), (" False ", false)] {
            assert_eq!(
                inputs(&[("keep-holidays", text)]).keep_holidays().unwrap(),
                keep
            );
        }
        for text in ["yes", "1", "tru"] {
            assert!(inputs(&[("keep-holidays", text)]).keep_holidays().is_err());
        }

        let bad = inputs(&[
            ("shard-index", "4"),
            ("shard-count", "4"),
            ("min-success-rate", "1.5"),
            ("date", "2025-13-01"),
            ("mode", "deploy"),
            ("workers", "0"),
        ]);
        assert!(bad.shard().is_err());
        let alone = inputs(&[("shard-count", "1"), ("shard-index", "")]);
        assert_eq!(alone.shard().unwrap(), Shard { index: 0, count: 1 });
        let no_index = inputs(&[("shard-count", "4"), ("shard-index", " ")]);
        assert!(
            no_index
                .shard()
                .unwrap_err()
                .message
                .contains("shard-index"),
            "a matrix job without its index would convert shard 0 only"
        );
        assert!(bad.min_success_rate().is_err());
        assert!(bad.date().is_err());
        assert!(
            inputs(&[("date", "2025-W31")]).date().is_err(),
            "a week for a daily run"
        );
        assert!(bad.mode().is_err());
        assert!(bad.workers().is_err());
        assert_eq!(
            inputs(&[("timeframe", "weekly"), ("date", "2025-W31")])
                .date()
                .unwrap()
                .as_deref(),
            Some("2025-W31")
        );
    }
}
