//! `symbol_info/<group>.json`: the symbol list in TradingView's Pine Seeds form.
//!
//! A run may list tens of thousands of series, so the list is written straight from a few
//! bytes per chart ([`ChartSymbols`]) instead of being assembled as strings in memory first.

use super::{Converted, SeriesKind, Timeframe, symbol};
use serde::ser::{Serialize, SerializeStruct, Serializer};
use std::io::{self, Write};

/// The longest `description` TradingView accepts.
pub const MAX_DESCRIPTION: usize = 128;

/// What the report and the symbol list keep of one converted chart: a run holds one per file,
/// so the series symbol is derived from the symbol rather than stored twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartSymbols {
    /// The symbol as found (`DIX.IN`).
    pub symbol: Box<str>,
    pub display_name: Box<str>,
    /// `log10(pricescale)` of each series, in [`SeriesKind::ALL`] order.
    pub pricescale_exponents: [u8; 4],
}

impl ChartSymbols {
    pub fn of(chart: &Converted) -> ChartSymbols {
        let mut exponents = [0u8; 4];
        for (slot, series) in exponents.iter_mut().zip(&chart.series) {
            *slot = series.pricescale_exponent;
        }
        ChartSymbols {
            symbol: chart.symbol.as_str().into(),
            display_name: chart.display_name.as_str().into(),
            pricescale_exponents: exponents,
        }
    }

    /// `DIX_IN` for `DIX.IN`.
    pub fn series_symbol(&self) -> String {
        symbol::series_symbol(&self.symbol)
    }

    fn series_symbol_bytes(&self) -> impl Iterator<Item = u8> + '_ {
        self.symbol
            .chars()
            .map(symbol::series_char)
            .map(|c| c as u8)
    }

    fn series_name(&self, kind: SeriesKind) -> String {
        format!("{}{}", self.series_symbol(), kind.suffix())
    }
}

/// Writes the list for `charts` (every chart whose four series were written), sorted by series
/// name so that the file does not depend on the order charts finished in.
pub fn write_symbol_info(
    charts: &[&ChartSymbols],
    timeframe: Timeframe,
    out: impl Write,
) -> io::Result<()> {
    // One u32 per line (chart * 4 + series kind) keeps the index at 16 bytes per chart.
    let mut lines: Vec<u32> = (0..charts.len() as u32 * 4).collect();
    let name = |&line: &u32| {
        charts[(line / 4) as usize]
            .series_symbol_bytes()
            .chain(SeriesKind::ALL[(line % 4) as usize].suffix().bytes())
    };
    // Series names are unique, so the unstable sort (no scratch buffer) is exact.
    lines.sort_unstable_by(|a, b| name(a).cmp(name(b)));
    let list = SymbolList {
        charts,
        lines: &lines,
        timeframe,
    };
    let mut out = io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, &list)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The three parallel arrays, produced lazily line by line.
struct SymbolList<'a> {
    charts: &'a [&'a ChartSymbols],
    lines: &'a [u32],
    timeframe: Timeframe,
}

impl SymbolList<'_> {
    fn each<T>(
        &self,
        f: impl Fn(&ChartSymbols, SeriesKind, usize) -> T,
    ) -> impl Iterator<Item = T> {
        self.lines.iter().map(move |&line| {
            let kind = (line % 4) as usize;
            f(
                self.charts[(line / 4) as usize],
                SeriesKind::ALL[kind],
                kind,
            )
        })
    }
}

impl Serialize for SymbolList<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut list = serializer.serialize_struct("SymbolInfo", 3)?;
        list.serialize_field("symbol", &Lazy(|| self.each(|c, k, _| c.series_name(k))))?;
        list.serialize_field(
            "description",
            &Lazy(|| self.each(|c, k, _| describe(&c.display_name, k, self.timeframe))),
        )?;
        list.serialize_field(
            "pricescale",
            &Lazy(|| self.each(|c, _, i| 10u128.pow(u32::from(c.pricescale_exponents[i])))),
        )?;
        list.end()
    }
}

/// A sequence serialised straight from an iterator.
struct Lazy<F>(F);

impl<F, I> Serialize for Lazy<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
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

    #[test]
    fn lines_sort_by_full_series_name_across_charts() {
        let chart = |s: &str| ChartSymbols {
            symbol: s.into(),
            display_name: s.into(),
            pricescale_exponents: [2, 0, 1, 0],
        };
        let (a, ab) = (chart("A"), chart("A_B"));
        let mut out = Vec::new();
        write_symbol_info(&[&ab, &a], Timeframe::Daily, &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let names: Vec<&str> = v["symbol"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert_eq!(names[0], "A_BC_INDICATOR");
        assert_eq!(v["pricescale"][0], 10);
        assert_eq!(v["description"][0], "A - BC indicator (daily)");
    }
}
