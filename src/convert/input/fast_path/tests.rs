//! The fast path against serde_json: wherever it answers, it must answer what serde_json does.
//!
//! Documents are generated in the chart's shape (so the fast path really answers), then
//! perturbed: wrong types, duplicate keys, escapes, odd numbers, unknown fields, whitespace, and
//! byte-level damage (truncation, insertion, deletion).

use super::super::ChartFile;
use super::read;
use proptest::prelude::*;

/// Debug text tells `-0.0` from `0.0` and every other pair of distinct doubles apart. Source
/// texts are the fast path's own addition and are checked separately.
fn fingerprint(file: &ChartFile) -> String {
    let text = format!("{file:?}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find(", texts: [") {
        out.push_str(&rest[..at]);
        let end = rest[at..]
            .find("] }")
            .expect("the texts array ends the row")
            + at
            + 1;
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Every number whose source text the fast path kept reprints as its value prints (zero is
/// always printed from the value).
fn check_source_texts(bytes: &[u8], file: &ChartFile) -> Result<(), TestCaseError> {
    use crate::convert::number::write_number;
    let rows = file
        .chart
        .as_ref()
        .and_then(|c| c.prices.as_deref())
        .unwrap_or(&[]);
    for row in rows {
        let values = [
            row.open, row.high, row.low, row.close, row.volume, row.bc, row.rlst,
        ];
        for (value, text) in values.iter().zip(row.texts) {
            if !text.is_known() {
                continue;
            }
            let value = value.expect("a text is kept only for a number");
            if value == 0.0 {
                continue;
            }
            let (mut copied, mut printed) = (Vec::new(), Vec::new());
            let decimals = (
                text.copy_to(bytes, &mut copied),
                write_number(value, &mut printed),
            );
            prop_assert_eq!(
                String::from_utf8_lossy(&copied),
                String::from_utf8_lossy(&printed)
            );
            prop_assert_eq!(decimals.0, decimals.1);
        }
    }
    Ok(())
}

fn serde_reading(bytes: &[u8]) -> Option<ChartFile> {
    serde_json::from_slice(bytes).ok()
}

fn assert_agrees(bytes: &[u8]) -> Result<bool, TestCaseError> {
    let Some(fast) = read(bytes) else {
        return Ok(false);
    };
    let Some(reference) = serde_reading(bytes) else {
        return Err(TestCaseError::fail(format!(
            "fast path accepted what serde_json rejects: {}",
            String::from_utf8_lossy(bytes)
        )));
    };
    prop_assert_eq!(
        fingerprint(&fast),
        fingerprint(&reference),
        "document: {}",
        String::from_utf8_lossy(bytes)
    );
    check_source_texts(bytes, &fast)?;
    Ok(true)
}

/// A JSON-like tree whose leaves are raw text, so that invalid JSON can be written too.
#[derive(Debug, Clone)]
enum Node {
    Object(Vec<(Vec<u8>, Node)>),
    Array(Vec<Node>),
    /// The bytes between the quotes, written as they are.
    Text(Vec<u8>),
    /// Numbers, literals and garbage.
    Bare(String),
}

fn space(spaces: &[&str], cursor: &mut usize, out: &mut Vec<u8>) {
    out.extend_from_slice(spaces[*cursor % spaces.len()].as_bytes());
    *cursor += 1;
}

fn render(node: &Node, spaces: &[&str], cursor: &mut usize, out: &mut Vec<u8>) {
    match node {
        Node::Object(fields) => {
            out.push(b'{');
            for (i, (key, value)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                space(spaces, cursor, out);
                out.push(b'"');
                out.extend_from_slice(key);
                out.push(b'"');
                space(spaces, cursor, out);
                out.push(b':');
                space(spaces, cursor, out);
                render(value, spaces, cursor, out);
            }
            space(spaces, cursor, out);
            out.push(b'}');
        }
        Node::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                space(spaces, cursor, out);
                render(item, spaces, cursor, out);
            }
            space(spaces, cursor, out);
            out.push(b']');
        }
        Node::Text(raw) => {
            out.push(b'"');
            out.extend_from_slice(raw);
            out.push(b'"');
        }
        Node::Bare(text) => out.extend_from_slice(text.as_bytes()),
    }
}

/// How far generators stray from the plain shape of exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Noise {
    /// Plain numbers and text only: the fast path answers for most such documents.
    Plain,
    /// Anything serde_json accepts: exponents, long numbers, escapes, error headers.
    Valid,
    /// Also invalid JSON, wrong types and repeated keys.
    Noisy,
}

fn number_text(noise: Noise) -> BoxedStrategy<String> {
    let plain = prop_oneof![
        4 => (0u64..100_000_000, 0u32..6, any::<bool>()).prop_map(|(n, k, negative)| {
            let sign = if negative && n % 7 == 0 { "-" } else { "" };
            if k == 0 { format!("{sign}{n}") } else { format!("{sign}{}.{:0width$}", n / 10u64.pow(k), n % 10u64.pow(k), width = k as usize) }
        }),
        2 => (1_600_000_000_000i64..1_800_000_000_000).prop_map(|ms| ms.to_string()),
    ];
    if noise == Noise::Plain {
        return plain.boxed();
    }
    let valid = prop_oneof![
        6 => plain,
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| format!("{f}")),
        1 => any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| format!("{f:e}")),
        1 => prop::sample::select(vec![
            "0", "-0", "-0.0", "0.0", "1e5", "1E+2", "2.5e-3", "12345678901234567890",
            "123456789012345", "1234567890123456", "0.000000000000001", "9007199254740993",
            "66.40", "-12.5", "1.0", "1e400",
        ]).prop_map(str::to_owned),
    ];
    if noise == Noise::Valid {
        return valid.boxed();
    }
    prop_oneof![
        4 => valid,
        1 => prop::sample::select(vec![
            "00", "01", "-01", "1.", ".5", "-", "+1", "0x10", "NaN", "Infinity", "1.5.2", "--1",
            "1e", "1e+",
        ]).prop_map(str::to_owned),
    ]
    .boxed()
}

fn text_raw(noise: Noise) -> BoxedStrategy<Vec<u8>> {
    let plain = prop_oneof![
        4 => prop::sample::select(vec![
            "TradingDate", "Holiday", "holiday", "2025-07-01", "2025-7-1", " 2025-07-01 ",
            "DIX.IN", "AAPL", "Reliance Industries", "", " ", "v2", "caf\u{e9}", "\u{1F4C8}",
        ]).prop_map(|s| s.as_bytes().to_vec()),
        2 => "[a-zA-Z0-9 ._-]{0,12}".prop_map(String::into_bytes),
    ];
    if noise == Noise::Plain {
        return plain.boxed();
    }
    let valid = prop_oneof![
        6 => plain,
        1 => prop::sample::select(vec![
            &b"a\\\"b"[..], b"\\\\", b"\\/", b"\\n", b"\\u0041BC", b"Holi\\u0064ay",
        ]).prop_map(<[u8]>::to_vec),
    ];
    if noise == Noise::Valid {
        return valid.boxed();
    }
    prop_oneof![
        4 => valid,
        1 => prop::sample::select(vec![&b"\\q"[..], b"\\", b"\x01", b"\t", b"\xff", b"\xc3", b"\xed\xa0\x80"])
            .prop_map(<[u8]>::to_vec),
    ]
    .boxed()
}

fn literal(noise: Noise) -> BoxedStrategy<String> {
    let valid = prop::sample::select(vec!["true", "false", "null"]).prop_map(str::to_owned);
    if noise < Noise::Noisy {
        return valid.boxed();
    }
    prop_oneof![
        3 => valid,
        1 => prop::sample::select(vec!["nul", "tru", "nulll", "True", "None", ""]).prop_map(str::to_owned),
    ]
    .boxed()
}

fn scalar(noise: Noise) -> BoxedStrategy<Node> {
    prop_oneof![
        3 => number_text(noise).prop_map(Node::Bare),
        2 => text_raw(noise).prop_map(Node::Text),
        2 => literal(noise).prop_map(Node::Bare),
    ]
    .boxed()
}

const KNOWN_KEYS: &[&str] = &[
    "responseHeader",
    "chart",
    "error",
    "errorCode",
    "prices",
    "peripheralData",
    "blueDotData",
    "priceDate",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "pdt",
    "bc",
    "rlst",
    "symbol",
    "name",
    "dates",
    "blueDotDate",
];

/// Keys of unknown fields (and, when noisy, known keys in odd places or spellings).
fn other_key(noise: Noise) -> BoxedStrategy<Vec<u8>> {
    let unknown = "[a-zA-Z]{1,10}".prop_map(String::into_bytes);
    if noise < Noise::Noisy {
        return unknown.boxed();
    }
    prop_oneof![
        2 => unknown,
        2 => prop::sample::select(KNOWN_KEYS).prop_map(|k| k.as_bytes().to_vec()),
        1 => prop::sample::select(vec![&b"op\\u0065n"[..], b"clo\\\"se", b"\xff", "pr\u{ed}ces".as_bytes()])
            .prop_map(<[u8]>::to_vec),
    ]
    .boxed()
}

/// Any value at all, nested a few levels.
fn any_node(noise: Noise) -> BoxedStrategy<Node> {
    scalar(noise)
        .prop_recursive(4, 32, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Node::Array),
                prop::collection::vec((other_key(noise), inner), 0..5).prop_map(Node::Object),
            ]
        })
        .boxed()
}

/// `shaped`, and when noisy sometimes anything else instead.
fn mostly(shaped: BoxedStrategy<Node>, noise: Noise) -> BoxedStrategy<Node> {
    if noise < Noise::Noisy {
        return shaped;
    }
    prop_oneof![8 => shaped, 1 => any_node(noise)].boxed()
}

/// An object with these fields (each present or missing, and when noisy sometimes repeated)
/// plus unknown ones, shuffled.
fn object_of(
    fields: Vec<(&'static str, BoxedStrategy<Node>)>,
    noise: Noise,
) -> BoxedStrategy<Node> {
    object_with(fields, any_node(noise), noise)
}

fn object_with(
    fields: Vec<(&'static str, BoxedStrategy<Node>)>,
    unknown_values: BoxedStrategy<Node>,
    noise: Noise,
) -> BoxedStrategy<Node> {
    let max_copies = if noise == Noise::Noisy { 2 } else { 1 };
    let known = fields
        .into_iter()
        .map(|(name, value)| {
            let copies = prop_oneof![1 => Just(0), 12 => Just(1), 1 => Just(max_copies)];
            copies
                .prop_flat_map(move |n| prop::collection::vec(value.clone(), n))
                .prop_map(move |values| {
                    values
                        .into_iter()
                        .map(|v| (name.as_bytes().to_vec(), v))
                        .collect::<Vec<_>>()
                })
                .boxed()
        })
        .collect::<Vec<_>>();
    (
        known,
        prop::collection::vec((other_key(noise), unknown_values), 0..3),
    )
        .prop_flat_map(|(known, unknown)| {
            let all: Vec<_> = known.into_iter().flatten().chain(unknown).collect();
            Just(all).prop_shuffle()
        })
        .prop_map(Node::Object)
        .boxed()
}

fn price_row(noise: Noise) -> BoxedStrategy<Node> {
    let number_or_null = prop_oneof![
        8 => number_text(noise).prop_map(Node::Bare),
        1 => Just(Node::Bare("null".into())),
    ]
    .boxed();
    let mut fields: Vec<(&'static str, BoxedStrategy<Node>)> = [
        "priceDate",
        "open",
        "high",
        "low",
        "close",
        "volume",
        "bc",
        "rlst",
    ]
    .into_iter()
    .map(|name| (name, mostly(number_or_null.clone(), noise)))
    .collect();
    fields.push((
        "pdt",
        mostly(text_raw(noise).prop_map(Node::Text).boxed(), noise),
    ));
    mostly(object_of(fields, noise), noise)
}

const PRICE_KEYS: &[&str] = &[
    "priceDate",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "pdt",
    "bc",
    "rlst",
];

/// Rows sharing one set and order of keys, as exports write them, so that the fast path reads
/// them by their layout (and must notice where a row's bytes differ).
fn rows_alike(noise: Noise) -> BoxedStrategy<Node> {
    let known = prop::sample::subsequence(PRICE_KEYS.to_vec(), 0..=PRICE_KEYS.len()).prop_shuffle();
    let unknown = prop::collection::vec(other_key(noise), 0..2);
    (known, unknown)
        .prop_flat_map(move |(known, unknown)| {
            let keys: Vec<Vec<u8>> = known
                .iter()
                .map(|k| k.as_bytes().to_vec())
                .chain(unknown)
                .collect();
            let value = |key: &[u8]| -> BoxedStrategy<Node> {
                if key == b"pdt" {
                    prop_oneof![
                        6 => text_raw(noise).prop_map(Node::Text),
                        1 => Just(Node::Bare("null".into())),
                    ]
                    .boxed()
                } else if PRICE_KEYS.iter().any(|k| k.as_bytes() == key) {
                    prop_oneof![
                        8 => number_text(noise).prop_map(Node::Bare),
                        1 => Just(Node::Bare("null".into())),
                    ]
                    .boxed()
                } else {
                    any_node(noise)
                }
            };
            let row_values: Vec<BoxedStrategy<Node>> = keys.iter().map(|k| value(k)).collect();
            prop::collection::vec(row_values, 1..8).prop_map(move |rows| {
                Node::Array(
                    rows.into_iter()
                        .map(|values| Node::Object(keys.iter().cloned().zip(values).collect()))
                        .collect(),
                )
            })
        })
        .boxed()
}

fn blue_dot(noise: Noise) -> BoxedStrategy<Node> {
    // serde buffers a whole entry, so the fast path answers only for flat ones.
    let flat = object_with(vec![("blueDotDate", scalar(noise))], scalar(noise), noise);
    if noise == Noise::Plain {
        return prop_oneof![3 => number_text(noise).prop_map(Node::Bare), 4 => flat].boxed();
    }
    prop_oneof![
        3 => number_text(noise).prop_map(Node::Bare),
        4 => flat,
        2 => object_of(vec![("blueDotDate", scalar(noise))], noise),
        1 => any_node(noise),
    ]
    .boxed()
}

fn chart_document(noise: Noise) -> BoxedStrategy<Node> {
    let (error, error_code) = if noise == Noise::Plain {
        let no = prop::sample::select(vec!["false", "null"]).prop_map(|s| Node::Bare(s.into()));
        (no.clone().boxed(), no.boxed())
    } else {
        (literal(noise).prop_map(Node::Bare).boxed(), scalar(noise))
    };
    let header = object_of(vec![("error", error), ("errorCode", error_code)], noise);
    let peripheral = object_of(
        vec![
            (
                "symbol",
                mostly(text_raw(noise).prop_map(Node::Text).boxed(), noise),
            ),
            (
                "name",
                mostly(text_raw(noise).prop_map(Node::Text).boxed(), noise),
            ),
        ],
        noise,
    );
    let dots = object_of(
        vec![(
            "dates",
            mostly(
                prop::collection::vec(blue_dot(noise), 0..6)
                    .prop_map(Node::Array)
                    .boxed(),
                noise,
            ),
        )],
        noise,
    );
    let prices = prop_oneof![
        prop::collection::vec(price_row(noise), 0..6).prop_map(Node::Array),
        rows_alike(noise),
    ]
    .boxed();
    let chart = object_of(
        vec![
            ("prices", mostly(prices, noise)),
            ("peripheralData", mostly(peripheral, noise)),
            ("blueDotData", mostly(dots, noise)),
        ],
        noise,
    );
    mostly(
        object_of(
            vec![
                ("responseHeader", mostly(header, noise)),
                ("chart", mostly(chart, noise)),
            ],
            noise,
        ),
        noise,
    )
}

fn spacing() -> impl Strategy<Value = Vec<&'static str>> {
    prop_oneof![
        prop::sample::select(vec!["", " ", "\n  ", "\t"]).prop_map(|s| vec![s]),
        Just(vec!["\n    ", " ", "\n        ", "\n"]),
        prop::collection::vec(
            prop::sample::select(vec!["", " ", "\n", "\t", "\r\n", "        "]),
            1..6
        ),
    ]
}

#[derive(Debug, Clone)]
enum Damage {
    None,
    Truncate(prop::sample::Index),
    Insert(prop::sample::Index, u8),
    Delete(prop::sample::Index),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        6 => Just(Damage::None),
        1 => any::<prop::sample::Index>().prop_map(Damage::Truncate),
        1 => (any::<prop::sample::Index>(), prop::sample::select(b"{}[],:\"\\0-.e n\xff".to_vec()))
            .prop_map(|(at, byte)| Damage::Insert(at, byte)),
        1 => any::<prop::sample::Index>().prop_map(Damage::Delete),
    ]
}

/// Plain, valid or noisy alike, then sometimes damaged at the byte level.
fn document() -> impl Strategy<Value = Vec<u8>> {
    let node = prop_oneof![
        chart_document(Noise::Plain),
        chart_document(Noise::Valid),
        chart_document(Noise::Noisy),
    ];
    (node, spacing(), damage(), any::<bool>()).prop_map(|(node, spaces, damage, trailing)| {
        let mut out = Vec::new();
        render(&node, &spaces, &mut 0, &mut out);
        if trailing {
            out.extend_from_slice(b" \n");
        }
        match damage {
            Damage::None => {}
            Damage::Truncate(at) => out.truncate(at.index(out.len() + 1)),
            Damage::Insert(at, byte) => out.insert(at.index(out.len() + 1), byte),
            Damage::Delete(at) if !out.is_empty() => {
                out.remove(at.index(out.len()));
            }
            Damage::Delete(_) => {}
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn agrees_with_serde_json_wherever_it_answers(bytes in document()) {
        assert_agrees(&bytes)?;
    }
}

/// The fast path must actually answer for exports as they come, or it is only a detour.
#[test]
fn answers_for_generated_exports() {
    for timeframe in [
        crate::convert::Timeframe::Daily,
        crate::convert::Timeframe::Weekly,
    ] {
        for pad in [true, false] {
            let spec = crate::synth::Spec {
                seed: 7,
                timeframe,
                last_date: chrono::NaiveDate::from_ymd_opt(2025, 8, 1).unwrap(),
                bars: 60,
                pad,
            };
            for index in 0..20 {
                let file = crate::synth::generate(&spec, index);
                let fast = read(&file.bytes).expect("the fast path answers for an export");
                let reference = serde_reading(&file.bytes).unwrap();
                assert_eq!(
                    fingerprint(&fast),
                    fingerprint(&reference),
                    "{}",
                    file.file_name
                );
            }
        }
    }
}

#[test]
fn declines_what_only_serde_json_can_judge() {
    let declined = [
        // An error header: serde_json keeps its errorCode as a JSON value.
        &br#"{"responseHeader":{"error":true,"errorCode":500},"chart":null}"#[..],
        // Escapes in text it would keep, exponents and long numbers.
        br#"{"chart":{"peripheralData":{"symbol":"D\u0049X"}}}"#,
        br#"{"chart":{"prices":[{"open":1e2}]}}"#,
        br#"{"chart":{"prices":[{"open":1234567890.1234567}]}}"#,
        // A repeated known key, which serde_json rejects.
        br#"{"chart":{"prices":[{"open":1,"open":2}]}}"#,
        // A struct written as an array, which serde accepts.
        br#"{"chart":[null,null,null]}"#,
        // A blue dot written as an array: serde reads `["2025-07-01"]` as a date object.
        br#"{"chart":{"blueDotData":{"dates":[["2025-07-01"]]}}}"#,
        // Not JSON at all: serde_json words the error.
        br#"{"chart":{"prices":[{"open":1,}]}}"#,
        br#"{"chart":{}} x"#,
        b"",
    ];
    for bytes in declined {
        assert!(read(bytes).is_none(), "{}", String::from_utf8_lossy(bytes));
    }
}

#[test]
fn reads_the_plain_shape() {
    let bytes = br#"{
        "responseHeader": {"error": false, "errorCode": null, "asOfDate": 1754057951328},
        "chart": {
            "prices": [
                {"priceDate": 1753986600000, "open": 66.4, "high": 66.75, "low": 65.45,
                 "close": 65.75, "volume": null, "pdt": "TradingDate", "bc": 16895.4, "rlst": -0},
                {"priceDate": 1753900200000, "pdt": "Holiday", "extra": [1, {"a": "\n\t"}]}
            ],
            "peripheralData": {"symbol": "DIX.IN", "name": "Divi's Laboratories"},
            "blueDotData": {"dates": [1753986600000, {"blueDotDate": "2025-07-01"}, "x", null]},
            "corpEvents": [{"eventDate": 1.5e12, "description": "Split 1:2 \/ \"bonus\""}]
        }
    }"#;
    assert!(read(bytes).is_some());
    assert!(assert_agrees(bytes).unwrap());
}

/// The property above is only as good as its documents: enough of them must get past the fast
/// path's declines, rows included, for agreement to mean anything.
#[test]
fn generated_documents_reach_the_fast_path() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut answered, mut rows) = (0, 0);
    for _ in 0..2000 {
        let bytes = document().new_tree(&mut runner).unwrap().current();
        if let Some(file) = read(&bytes) {
            answered += 1;
            rows += file.chart.and_then(|c| c.prices).map_or(0, |p| p.len());
        }
    }
    assert!(
        answered >= 200,
        "the fast path answered for {answered} of 2000 documents"
    );
    assert!(
        rows >= 200,
        "only {rows} price rows were read by the fast path"
    );
}

/// Rows after the first are read by its layout; any row that differs in spacing, keys or order
/// must still come out as serde_json reads it.
#[test]
fn rows_that_break_the_layout_are_read_key_by_key() {
    let bytes = br#"{"chart": {"prices": [
        {"priceDate": 1753986600000, "open": 66.4, "close": 65.75, "pdt": "TradingDate"},
        {"priceDate": 1753900200000, "open": 67.75, "close": 66.4, "pdt": "Holiday"},
        {"priceDate": 1753813800000, "open": null, "close": 67.3, "pdt": null},
        {"priceDate": 1753727400000,  "open": 66.45, "close": 66.05, "pdt": "TradingDate"},
        {"priceDate": 1753641000000, "close": 66.05, "pdt": "TradingDate"},
        {"priceDate": 1753554600000, "close": 66.05, "pdt": "TradingDate", "open": 1},
        {"priceDate": 1753468200000, "open": 2, "close": 3, "pdt": "TradingDate", "x": [1]},
        {"priceDate": 1753381800000, "open": 66.4, "close": 65.75, "pdt": "TradingDate"}
    ]}}"#;
    assert!(assert_agrees(bytes).unwrap());
    let rows = read(bytes).unwrap().chart.unwrap().prices.unwrap();
    assert_eq!(rows.len(), 8);
    assert_eq!(rows[5].open, Some(1.0));
    assert_eq!(rows[2].open, None);
}
