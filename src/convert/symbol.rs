//! Which symbol a chart belongs to, and the name its series files carry.

use super::{SeriesKind, Timeframe};

/// TradingView's limit on a Pine Seeds symbol, suffix included.
pub const MAX_SERIES_NAME: usize = 42;
/// The longest series symbol whose every series name fits: the longest suffix
/// (`_BC_INDICATOR`, 13) decides, so 29.
pub const MAX_SERIES_SYMBOL: usize = MAX_SERIES_NAME - longest_suffix();

const fn longest_suffix() -> usize {
    let mut longest = 0;
    let mut i = 0;
    while i < SeriesKind::ALL.len() {
        let len = SeriesKind::ALL[i].suffix().len();
        if len > longest {
            longest = len;
        }
        i += 1;
    }
    longest
}

/// `DIX.IN_daily.json` -> `DIX.IN`; `M_M_daily.json` -> `M_M` (only the trailing timeframe goes).
pub fn symbol_from_file_name(file_name: &str) -> &str {
    split_file_name(file_name).0
}

/// `AAPL_weekly.json` -> weekly; `AAPL.json` -> none.
pub fn timeframe_from_file_name(file_name: &str) -> Option<Timeframe> {
    split_file_name(file_name).1
}

/// The symbol part of a file name (`<SYMBOL>_<timeframe>.json`) and the timeframe it ends with,
/// if any (in any case).
fn split_file_name(file_name: &str) -> (&str, Option<Timeframe>) {
    let stem = strip_suffix_ignore_case(file_name, ".json").unwrap_or(file_name);
    Timeframe::ALL
        .into_iter()
        .find_map(|timeframe| {
            let symbol = strip_suffix_ignore_case(stem, timeframe.as_str())?.strip_suffix('_')?;
            (!symbol.is_empty()).then_some((symbol, Some(timeframe)))
        })
        .unwrap_or((stem, None))
}

/// Upper-cases and replaces every character outside `[A-Z0-9_]` with `_`: `DIX.IN` -> `DIX_IN`.
pub fn series_symbol(symbol: &str) -> String {
    symbol.chars().map(series_char).collect()
}

/// One character of [`series_symbol`]: always ASCII.
pub fn series_char(c: char) -> char {
    let c = c.to_ascii_uppercase();
    if c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' {
        c
    } else {
        '_'
    }
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let tail = text.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &text[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_timeframe_only_is_removed() {
        assert_eq!(symbol_from_file_name("M_M_daily.json"), "M_M");
        assert_eq!(symbol_from_file_name("DIX.IN_daily.json"), "DIX.IN");
        assert_eq!(symbol_from_file_name("AAPL_weekly.json"), "AAPL");
        assert_eq!(symbol_from_file_name("AAPL.json"), "AAPL");
        assert_eq!(symbol_from_file_name("_daily.json"), "_daily");
    }

    #[test]
    fn normalisation_maps_to_seed_alphabet() {
        assert_eq!(series_symbol("DIX.IN"), "DIX_IN");
        assert_eq!(series_symbol("m&m"), "M_M");
        assert_eq!(series_symbol("brk-b"), "BRK_B");
        assert_eq!(series_symbol("é1"), "_1");
    }

    #[test]
    fn every_series_name_of_the_longest_symbol_fits_and_one_uses_the_whole_limit() {
        let symbol = "A".repeat(MAX_SERIES_SYMBOL);
        let lengths: Vec<usize> = SeriesKind::ALL
            .iter()
            .map(|kind| format!("{symbol}{}", kind.suffix()).len())
            .collect();
        assert!(lengths.iter().all(|&len| len <= 42), "{lengths:?}");
        assert_eq!(lengths.iter().max(), Some(&42));
        assert_eq!(MAX_SERIES_SYMBOL, 29);
    }
}
