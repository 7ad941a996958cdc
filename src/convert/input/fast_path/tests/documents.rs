//! Generated chart documents for the agreement tests: shaped like exports, then perturbed.

use proptest::prelude::*;

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

/// `open`, the items separated by commas with spacing around each, `close`.
fn separated<T>(
    open: u8,
    close: u8,
    items: &[T],
    spaces: &[&str],
    cursor: &mut usize,
    out: &mut Vec<u8>,
    mut item: impl FnMut(&T, &mut usize, &mut Vec<u8>),
) {
    out.push(open);
    for (i, each) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        space(spaces, cursor, out);
        item(each, cursor, out);
    }
    space(spaces, cursor, out);
    out.push(close);
}

fn render(node: &Node, spaces: &[&str], cursor: &mut usize, out: &mut Vec<u8>) {
    match node {
        Node::Object(fields) => separated(
            b'{',
            b'}',
            fields,
            spaces,
            cursor,
            out,
            |(key, value), cursor, out| {
                out.push(b'"');
                out.extend_from_slice(key);
                out.push(b'"');
                space(spaces, cursor, out);
                out.push(b':');
                space(spaces, cursor, out);
                render(value, spaces, cursor, out);
            },
        ),
        Node::Array(items) => separated(
            b'[',
            b']',
            items,
            spaces,
            cursor,
            out,
            |item, cursor, out| render(item, spaces, cursor, out),
        ),
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

/// The keys the reader knows besides a price row's (`PRICE_KEYS`).
const STRUCT_KEYS: &[&str] = &[
    "responseHeader",
    "chart",
    "error",
    "errorCode",
    "prices",
    "peripheralData",
    "blueDotData",
    "symbol",
    "name",
    "periodcity",
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
        2 => prop::sample::select(STRUCT_KEYS.iter().chain(PRICE_KEYS).copied().collect::<Vec<_>>())
            .prop_map(|k| k.as_bytes().to_vec()),
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
    let pdt = text_raw(noise).prop_map(Node::Text).boxed();
    let fields = PRICE_KEYS
        .iter()
        .map(|&name| {
            let value = if name == "pdt" {
                pdt.clone()
            } else {
                number_or_null.clone()
            };
            (name, mostly(value, noise))
        })
        .collect();
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
    // The fast path answers only for flat entries; serde reads the others.
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

/// An ignored array of objects sharing one set and order of keys, as exports fill the sections
/// a chart does not use, so that the fast path skips them by their layout.
fn objects_alike(noise: Noise) -> BoxedStrategy<Node> {
    prop::collection::vec(other_key(noise), 1..4)
        .prop_flat_map(move |keys| {
            let values: Vec<BoxedStrategy<Node>> = keys
                .iter()
                .map(|_| prop_oneof![3 => scalar(noise), 1 => any_node(noise)].boxed())
                .collect();
            prop::collection::vec(values, 1..6).prop_map(move |objects| {
                Node::Array(
                    objects
                        .into_iter()
                        .map(|values| Node::Object(keys.iter().cloned().zip(values).collect()))
                        .collect(),
                )
            })
        })
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
            (
                "periodcity",
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
    let chart = object_with(
        vec![
            ("prices", mostly(prices, noise)),
            ("peripheralData", mostly(peripheral, noise)),
            ("blueDotData", mostly(dots, noise)),
        ],
        prop_oneof![2 => any_node(noise), 1 => objects_alike(noise)].boxed(),
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
pub(super) fn document() -> impl Strategy<Value = Vec<u8>> {
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
