//! `symbol_info/<group>.json`: the symbol list in TradingView's Pine Seeds form.
//!
//! A run may list tens of thousands of series, so the list is written straight from a few
//! bytes per chart ([`ChartSymbols`]) instead of being assembled as strings in memory first.

use super::{Converted, SeriesKind, SeriesName, Timeframe, symbol};
use serde::ser::{Serialize, SerializeStruct, Serializer};
use std::cmp::Ordering;
use std::fmt;
use std::io::{self, Write};

/// The longest `description` TradingView accepts.
pub const MAX_DESCRIPTION: usize = 128;

/// What the report and the symbol list keep of one converted chart: a run holds one per file,
/// so the series symbol is derived from the symbol rather than stored twice, and the symbol and
/// display name share one allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartSymbols {
    /// The symbol as found (`DIX.IN`), then the display name.
    text: Box<str>,
    symbol_len: u32,
    /// `log10(pricescale)` of each series, in [`SeriesKind::ALL`] order.
    pub pricescale_exponents: [u8; 4],
}

impl ChartSymbols {
    pub fn new(symbol: &str, display_name: &str, pricescale_exponents: [u8; 4]) -> ChartSymbols {
        ChartSymbols {
            text: [symbol, display_name].concat().into(),
            symbol_len: u32::try_from(symbol.len()).expect("a symbol under 4 GB"),
            pricescale_exponents,
        }
    }

    pub fn of(chart: &Converted) -> ChartSymbols {
        let mut exponents = [0u8; 4];
        for (slot, series) in exponents.iter_mut().zip(&chart.series) {
            *slot = series.pricescale_exponent;
        }
        ChartSymbols::new(&chart.symbol, &chart.display_name, exponents)
    }

    /// The symbol as found (`DIX.IN`).
    pub fn symbol(&self) -> &str {
        &self.text[..self.symbol_len as usize]
    }

    pub fn display_name(&self) -> &str {
        &self.text[self.symbol_len as usize..]
    }

    /// `DIX_IN` for `DIX.IN`.
    pub fn series_symbol(&self) -> String {
        symbol::series_symbol(self.symbol())
    }
}

/// Checks a `--group` value: it becomes a file name on a public site, in a repository that
/// users clone on every system.
pub fn validate_group(group: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&group.len())
        && group
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !ok {
        return Err(format!(
            "group {group:?} must be 1 to 64 characters of A-Z, a-z, 0-9, '_' or '-'"
        ));
    }
    // Windows gives these names to devices, whatever the extension: `CON.json` cannot be
    // written there, nor checked out of a clone of the published repository.
    let upper = group.to_ascii_uppercase();
    let device = matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (upper.len() == 4
            && (upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.as_bytes()[3].is_ascii_digit());
    if device {
        return Err(format!(
            "group {group:?} is the name of a device on Windows; choose another"
        ));
    }
    Ok(())
}

/// The series a symbol list names (its `symbol` array, sorted), or `None` if `json` is not a
/// list this program could have written: three arrays of one length, series names sorted, each
/// a series symbol (`A-Z`, `0-9`, `_`) with one of the four suffixes, no longer than
/// TradingView takes. A list made by hand (`{"symbol": ["SPX", "notes"]}`) must not pass for
/// one, since the files it names would be deleted with the tree.
pub fn listed_series(json: &[u8]) -> Option<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Listed {
        symbol: Vec<String>,
        description: Vec<serde::de::IgnoredAny>,
        // Up to 10^22 (`MAX_PRICESCALE_EXPONENT`): past any 64-bit integer.
        pricescale: Vec<u128>,
    }
    // An editor that saved the list (Notepad, PowerShell 5) may have put a byte-order mark first.
    let json = json.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(json);
    let listed: Listed = serde_json::from_slice(json).ok()?;
    let n = listed.symbol.len();
    let whole = listed.description.len() == n
        && listed.pricescale.len() == n
        && listed.symbol.iter().all(|name| is_series_name(name))
        && listed.symbol.is_sorted_by(|a, b| a < b);
    whole.then_some(listed.symbol)
}

/// Whether `name` could be a series this program names (`DIX_IN_PRICE_DATA`): a series symbol
/// (`A-Z`, `0-9`, `_`) with one of the four suffixes, no longer than TradingView takes.
pub fn is_series_name(name: &str) -> bool {
    name.len() <= symbol::MAX_SERIES_NAME
        && SeriesKind::ALL.iter().any(|kind| {
            name.strip_suffix(kind.suffix()).is_some_and(|symbol| {
                // The alphabet a run spells series symbols in, and no other.
                !symbol.is_empty() && symbol.chars().all(|c| symbol::series_char(c) == c)
            })
        })
}

/// Writes the list for `charts` (every chart whose four series were written), sorted by series
/// name so that the file does not depend on the order charts finished in.
pub fn write_symbol_info(
    charts: &[&ChartSymbols],
    timeframe: Timeframe,
    out: impl Write,
) -> io::Result<()> {
    // The series symbols are spelled once, end to end in one buffer, for the comparisons to
    // read; the charts are sorted, four bytes each, and their lines follow from that order.
    let series_symbols = SeriesSymbols::of(charts.iter().copied());
    let mut order: Vec<u32> = (0..charts.len() as u32).collect();
    // Ties (equal symbols cannot both be listed) fall back to the index, so the order is exact.
    order.sort_unstable_by(|&a, &b| {
        let prefix = |chart: u32| [series_symbols.get(chart as usize).as_bytes(), b"_"];
        compare_joined(prefix(a), prefix(b)).then(a.cmp(&b))
    });
    let list = SymbolList {
        charts,
        series_symbols: &series_symbols,
        order: &order,
        timeframe,
    };
    let mut out = io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, &list)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// A chart's kinds in the order of their suffixes, which is the order of its series names.
const KINDS_BY_SUFFIX: [SeriesKind; 4] = [
    SeriesKind::BcIndicator,
    SeriesKind::BlueDots,
    SeriesKind::PriceData,
    SeriesKind::RlstRating,
];

/// The lines (`chart * 4 + kind`) in series-name order, from the charts sorted by series symbol
/// followed by `_`. Every series name of a chart starts with that prefix, so the names of two
/// charts interleave only when one chart's prefix begins the other's (`A_` and `A_B_`): such
/// charts stand together after the shortest, and their lines are sorted as a group. Any other
/// chart gives its four lines in suffix order. No index of every line is ever built.
struct OrderedLines<'a> {
    order: &'a [u32],
    series_symbols: &'a SeriesSymbols,
    next_chart: usize,
    /// The current group's lines, last first.
    group: Vec<u32>,
}

impl<'a> OrderedLines<'a> {
    fn new(order: &'a [u32], series_symbols: &'a SeriesSymbols) -> OrderedLines<'a> {
        OrderedLines {
            order,
            series_symbols,
            next_chart: 0,
            group: Vec::new(),
        }
    }
}

/// A line's series name, as the symbol and the suffix it joins.
fn line_name(series_symbols: &SeriesSymbols, line: u32) -> [&[u8]; 2] {
    let (chart, kind) = split_line(line);
    [
        series_symbols.get(chart).as_bytes(),
        kind.suffix().as_bytes(),
    ]
}

impl Iterator for OrderedLines<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        if let Some(line) = self.group.pop() {
            return Some(line);
        }
        let first = *self.order.get(self.next_chart)?;
        let root = self.series_symbols.get(first as usize).as_bytes();
        let extends_root = |chart: u32| {
            let symbol = self.series_symbols.get(chart as usize).as_bytes();
            symbol.len() > root.len() && symbol.starts_with(root) && symbol[root.len()] == b'_'
        };
        let members = 1 + self.order[self.next_chart + 1..]
            .iter()
            .take_while(|&&chart| extends_root(chart))
            .count();
        let charts = &self.order[self.next_chart..self.next_chart + members];
        self.next_chart += members;
        let lines = charts
            .iter()
            .flat_map(|&chart| KINDS_BY_SUFFIX.map(|kind| chart * 4 + kind as u32));
        self.group.extend(lines);
        if members > 1 {
            let series_symbols = self.series_symbols;
            self.group.sort_unstable_by(|&a, &b| {
                compare_joined(line_name(series_symbols, a), line_name(series_symbols, b))
            });
        }
        self.group.reverse();
        self.group.pop()
    }
}

/// Compares `a[0] + a[1]` with `b[0] + b[1]` without joining them: the symbols' common length
/// in one slice comparison, then what remains of each.
fn compare_joined(a: [&[u8]; 2], b: [&[u8]; 2]) -> Ordering {
    let common = a[0].len().min(b[0].len());
    a[0][..common].cmp(&b[0][..common]).then_with(|| {
        let a_rest = a[0][common..].iter().chain(a[1]);
        a_rest.cmp(b[0][common..].iter().chain(b[1]))
    })
}

/// Every chart's series symbol, spelled once and end to end: a few bytes per chart, for the
/// end of a run to sort and compare charts by (`DIX_IN` for `DIX.IN`).
pub struct SeriesSymbols {
    text: String,
    /// Chart `i`'s symbol ends at `ends[i + 1]`.
    ends: Vec<u32>,
}

impl SeriesSymbols {
    pub fn of<'a>(charts: impl ExactSizeIterator<Item = &'a ChartSymbols>) -> SeriesSymbols {
        let mut text = String::with_capacity(charts.len() * 12);
        let mut ends = Vec::with_capacity(charts.len() + 1);
        ends.push(0);
        for chart in charts {
            text.extend(chart.symbol().chars().map(symbol::series_char));
            ends.push(u32::try_from(text.len()).expect("series symbols under 4 GB"));
        }
        SeriesSymbols { text, ends }
    }

    pub fn get(&self, chart: usize) -> &str {
        &self.text[self.ends[chart] as usize..self.ends[chart + 1] as usize]
    }
}

/// A line is `chart * 4 + series kind`.
fn split_line(line: u32) -> (usize, SeriesKind) {
    ((line / 4) as usize, SeriesKind::ALL[(line % 4) as usize])
}

/// The three parallel arrays, produced lazily line by line.
struct SymbolList<'a> {
    charts: &'a [&'a ChartSymbols],
    series_symbols: &'a SeriesSymbols,
    /// Charts in order of their series symbols.
    order: &'a [u32],
    timeframe: Timeframe,
}

impl SymbolList<'_> {
    fn each<T>(&self, f: impl Fn(usize, SeriesKind) -> T) -> impl Iterator<Item = T> {
        OrderedLines::new(self.order, self.series_symbols).map(move |line| {
            let (chart, kind) = split_line(line);
            f(chart, kind)
        })
    }
}

impl Serialize for SymbolList<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut list = serializer.serialize_struct("SymbolInfo", 3)?;
        list.serialize_field(
            "symbol",
            &Lazy(|| {
                self.each(|chart, kind| {
                    let series_symbol = self.series_symbols.get(chart);
                    Streamed(SeriesName {
                        series_symbol,
                        kind,
                    })
                })
            }),
        )?;
        list.serialize_field(
            "description",
            &Lazy(|| {
                self.each(|chart, kind| {
                    Streamed(Description {
                        name: self.charts[chart].display_name(),
                        kind,
                        timeframe: self.timeframe,
                    })
                })
            }),
        )?;
        list.serialize_field(
            "pricescale",
            &Lazy(|| {
                self.each(|chart, kind| {
                    let exponent = self.charts[chart].pricescale_exponents[kind as usize];
                    10u128.pow(u32::from(exponent))
                })
            }),
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

/// A string serialised from its `Display` form, written piece by piece into the output: no
/// string is built for it.
pub struct Streamed<T>(pub T);

impl<T: fmt::Display> Serialize for Streamed<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// `Dixon Technologies - blue dots (daily)`, with the name shortened to fit 128 characters:
/// control characters dropped, cut to the room the tail leaves, blanks trimmed from both ends.
struct Description<'a> {
    name: &'a str,
    kind: SeriesKind,
    timeframe: Timeframe,
}

impl fmt::Display for Description<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tail = [
            " - ",
            self.kind.description(),
            " (",
            self.timeframe.as_str(),
            ")",
        ];
        let room = MAX_DESCRIPTION
            - tail
                .iter()
                .map(|piece| piece.chars().count())
                .sum::<usize>();
        if self.name.chars().any(char::is_control) {
            let name: String = self
                .name
                .chars()
                .filter(|c| !c.is_control())
                .take(room)
                .collect();
            // Blanks the control characters stood before or after are no longer inside it.
            f.write_str(name.trim())?;
        } else {
            let cut = self
                .name
                .char_indices()
                .nth(room)
                .map_or(self.name.len(), |(at, _)| at);
            f.write_str(self.name[..cut].trim())?;
        }
        tail.iter().try_for_each(|piece| f.write_str(piece))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_cut_to_the_limit() {
        let long = "x".repeat(300);
        let d = Description {
            name: &long,
            kind: SeriesKind::BlueDots,
            timeframe: Timeframe::Daily,
        }
        .to_string();
        assert_eq!(d.chars().count(), MAX_DESCRIPTION);
        assert!(d.ends_with(" - blue dots (daily)"));
    }

    /// The description rule spelled out step by step, as a reference.
    fn reference_description(name: &str, kind: SeriesKind, timeframe: Timeframe) -> String {
        let tail = format!(" - {} ({timeframe})", kind.description());
        let room = MAX_DESCRIPTION - tail.chars().count();
        let name: String = name
            .chars()
            .filter(|c| !c.is_control())
            .take(room)
            .collect();
        format!("{}{tail}", name.trim())
    }

    #[test]
    fn a_list_made_by_hand_is_not_taken_for_a_runs() {
        let whole = r#"{"symbol": ["A_BC_INDICATOR", "A_PRICE_DATA"], "description": ["a", "b"], "pricescale": [100, 100]}"#;
        assert!(listed_series(whole.as_bytes()).is_some());
        // Saved again by an editor that puts a byte-order mark first, it is the run's still.
        assert!(listed_series(format!("\u{feff}{whole}").as_bytes()).is_some());
        for hand_made in [
            r#"{"symbol": ["SPX", "notes"]}"#,
            r#"{"symbol": ["SPX", "notes"], "description": ["", ""], "pricescale": [1, 1]}"#,
            r#"{"symbol": ["A_PRICE_DATA", "../x_PRICE_DATA"], "description": ["", ""], "pricescale": [1, 1]}"#,
            r#"{"symbol": ["A_PRICE_DATA", "A_BC_INDICATOR"], "description": ["", ""], "pricescale": [1, 1]}"#,
            r#"{"symbol": ["A_PRICE_DATA"], "description": [], "pricescale": [1]}"#,
            r#"{"symbol": ["A_PRICE_DATA", "A_PRICE_DATA"], "description": ["", ""], "pricescale": [1, 1]}"#,
        ] {
            assert_eq!(listed_series(hand_made.as_bytes()), None, "{hand_made}");
        }
    }

    proptest::proptest! {
        #[test]
        fn lines_come_in_series_name_order(
            symbols in proptest::collection::btree_set("[AB_]{1,5}", 0..24),
        ) {
            // Symbols made of A, B and _ are their own series symbols and often begin one
            // another with an `_` between (`A`, `A_B`, `A_B_A`): the groups whose lines mix.
            let charts: Vec<ChartSymbols> =
                symbols.iter().map(|s| ChartSymbols::new(s, s, [0; 4])).collect();
            let listed: Vec<&ChartSymbols> = charts.iter().rev().collect();
            let mut out = Vec::new();
            write_symbol_info(&listed, Timeframe::Daily, &mut out).unwrap();
            let list: serde_json::Value = serde_json::from_slice(&out).unwrap();
            let names: Vec<String> = list["symbol"]
                .as_array()
                .unwrap()
                .iter()
                .map(|name| name.as_str().unwrap().to_owned())
                .collect();
            let mut expected: Vec<String> = symbols
                .iter()
                .flat_map(|s| SeriesKind::ALL.map(|kind| format!("{s}{}", kind.suffix())))
                .collect();
            expected.sort();
            // What a run writes, a run reads back as its own.
            proptest::prop_assert_eq!(listed_series(&out), Some(expected.clone()));
            proptest::prop_assert_eq!(names, expected);
        }

        /// Names with and without control characters, multi-byte characters and spaces, short
        /// and past the limit.
        #[test]
        fn description_follows_the_rule(
            name in "[a-z \u{7f}\u{85}\n\u{e9}\u{4e2d}]{0,140}",
            kind in 0usize..4,
            weekly in proptest::bool::ANY,
        ) {
            let kind = SeriesKind::ALL[kind];
            let timeframe = if weekly { Timeframe::Weekly } else { Timeframe::Daily };
            let streamed = Description { name: &name, kind, timeframe }.to_string();
            proptest::prop_assert_eq!(streamed, reference_description(&name, kind, timeframe));
        }

        /// Symbols of letters and underscores against series suffixes: where one symbol is a
        /// prefix of the other the order is decided inside a suffix.
        #[test]
        fn joined_comparison_is_the_joined_names_comparison(
            a in "[AB_]{0,4}",
            b in "[AB_]{0,4}",
            kind_a in 0usize..4,
            kind_b in 0usize..4,
        ) {
            let suffix = |kind: usize| SeriesKind::ALL[kind].suffix().as_bytes();
            let joined = |symbol: &str, kind| [symbol.as_bytes(), suffix(kind)].concat();
            proptest::prop_assert_eq!(
                compare_joined([a.as_bytes(), suffix(kind_a)], [b.as_bytes(), suffix(kind_b)]),
                joined(&a, kind_a).cmp(&joined(&b, kind_b))
            );
        }
    }

    #[test]
    fn symbol_and_display_name_read_back_apart() {
        let chart = ChartSymbols::new("DIX.IN", "Dix Industries Ltd", [2, 0, 1, 0]);
        assert_eq!(chart.symbol(), "DIX.IN");
        assert_eq!(chart.display_name(), "Dix Industries Ltd");
        assert_eq!(chart.series_symbol(), "DIX_IN");
        let unnamed = ChartSymbols::new("A", "", [0; 4]);
        assert_eq!((unnamed.symbol(), unnamed.display_name()), ("A", ""));
    }

    #[test]
    fn lines_sort_by_full_series_name_across_charts() {
        let chart = |s: &str| ChartSymbols::new(s, s, [2, 0, 1, 0]);
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
