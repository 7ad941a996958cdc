//! Ticker symbols and company names, varied like real ones yet never colliding.
//!
//! Every symbol starts with a core of letter syllables that spells the file's index (a bijective
//! base-100 numeral), and every decoration (`.IN`, `&`, `-`, `.B`) comes after a separator. After
//! normalisation (non `[A-Z0-9_]` -> `_`) the text before the first `_` is still that core, so two
//! indices can never map to the same series symbol.

use super::rng::SplitMix64;

const CONSONANTS: &[u8; 20] = b"BCDFGHJKLMNPRSTVWXYZ";
const VOWELS: &[u8; 5] = b"AEIOU";

/// Where a chart trades; decides the stamp's time of day and the symbol's style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exchange {
    /// NSE: midnight IST is 18:30 UTC of the previous day.
    India,
    /// NYSE/Nasdaq: midnight New York time (04:00 UTC in summer, 05:00 UTC in winter).
    Us,
}

/// The unique letter core for `index`: 1..=100 -> one syllable, then two, and so on.
fn core(index: u64) -> String {
    let mut n = index + 1;
    let mut syllables = Vec::new();
    while n > 0 {
        let digit = ((n - 1) % 100) as usize;
        syllables.push([CONSONANTS[digit / 5], VOWELS[digit % 5]]);
        n = (n - 1) / 100;
    }
    // Short cores read as odd tickers; a fixed tail letter keeps the mapping injective.
    let mut text: String = syllables
        .iter()
        .rev()
        .flat_map(|s| s.iter().map(|&b| b as char))
        .collect();
    if text.len() == 2 {
        text.push('X');
    }
    text
}

pub struct Identity {
    pub symbol: String,
    pub name: String,
}

const COMPANY_WORDS: &[&str] = &[
    "Industries",
    "Technologies",
    "Holdings",
    "Pharma",
    "Motors",
    "Finance",
    "Energy",
    "Systems",
    "Textiles",
    "Chemicals",
    "Foods",
    "Logistics",
];

pub fn identity(index: u64, exchange: Exchange, rng: &mut SplitMix64) -> Identity {
    let core = core(index);
    let symbol = match (exchange, rng.below(6)) {
        (Exchange::India, 0) => format!("{core}&{}.IN", rng.pick(&["M", "CO", "J"])),
        (Exchange::India, 1) => format!("{core}-BE.IN"),
        (Exchange::India, _) => format!("{core}.IN"),
        (Exchange::Us, 0) => format!("{core}.B"),
        (Exchange::Us, 1) => format!("{core}-WS"),
        (Exchange::Us, _) => core.clone(),
    };
    let mut title = core.to_ascii_lowercase();
    title[..1].make_ascii_uppercase();
    let joiner = if symbol.contains('&') { " & " } else { " " };
    let name = format!("{title}{joiner}{}", rng.pick(COMPANY_WORDS));
    Identity { symbol, name }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::symbol::series_symbol;
    use std::collections::HashSet;

    #[test]
    fn series_symbols_are_unique_across_many_indices() {
        let mut seen = HashSet::new();
        for index in 0..20_000u64 {
            let exchange = if index.is_multiple_of(2) {
                Exchange::India
            } else {
                Exchange::Us
            };
            let mut rng = SplitMix64::new(index);
            let id = identity(index, exchange, &mut rng);
            assert!(
                seen.insert(series_symbol(&id.symbol)),
                "{} collides",
                id.symbol
            );
        }
    }
}
