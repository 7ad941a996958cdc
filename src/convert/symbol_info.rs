//! `symbol_info/<group>.json`: the symbol list in TradingView's Pine Seeds form.

use super::{Converted, SeriesKind, Timeframe};
use serde::Serialize;

/// The longest `description` TradingView accepts.
pub const MAX_DESCRIPTION: usize = 128;

/// One series file's line in the symbol list.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SymbolInfoEntry {
    pub series_name: String,
    pub description: String,
    pub pricescale: u128,
}

impl SymbolInfoEntry {
    /// The four entries of a converted chart.
    pub fn for_chart(chart: &Converted, timeframe: Timeframe) -> Vec<SymbolInfoEntry> {
        chart
            .series
            .iter()
            .map(|series| SymbolInfoEntry {
                series_name: format!("{}{}", chart.series_symbol, series.kind.suffix()),
                description: describe(&chart.display_name, series.kind, timeframe),
                pricescale: series.pricescale,
            })
            .collect()
    }
}

/// Parallel arrays, as the format requires, sorted by series name so output is deterministic.
#[derive(Debug, Serialize)]
pub struct SymbolInfo {
    pub symbol: Vec<String>,
    pub description: Vec<String>,
    pub pricescale: Vec<u128>,
}

impl SymbolInfo {
    pub fn new(mut entries: Vec<SymbolInfoEntry>) -> Self {
        entries.sort();
        let mut info = SymbolInfo {
            symbol: Vec::with_capacity(entries.len()),
            description: Vec::with_capacity(entries.len()),
            pricescale: Vec::with_capacity(entries.len()),
        };
        for entry in entries {
            info.symbol.push(entry.series_name);
            info.description.push(entry.description);
            info.pricescale.push(entry.pricescale);
        }
        info
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("plain data serialises");
        bytes.push(b'\n');
        bytes
    }
}

/// `Dixon Technologies - blue dots (daily)`, with the name shortened to fit 128 characters.
fn describe(name: &str, kind: SeriesKind, timeframe: Timeframe) -> String {
    let tail = format!(" - {} ({timeframe})", kind.description());
    let room = MAX_DESCRIPTION - tail.chars().count();
    let name: String = name
        .chars()
        .filter(|c| !c.is_control())
        .take(room)
        .collect();
    format!("{}{tail}", name.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_cut_to_the_limit() {
        let long = "x".repeat(300);
        let d = describe(&long, SeriesKind::BlueDots, Timeframe::Daily);
        assert_eq!(d.chars().count(), MAX_DESCRIPTION);
        assert!(d.ends_with(" - blue dots (daily)"));
    }
}
