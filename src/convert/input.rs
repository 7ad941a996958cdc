//! The MarketSmith chart JSON, as far as the converter reads it.
//!
//! Every field is optional and unknown fields are ignored: exports add and drop fields between
//! versions, and a missing field must become a per-row or per-file decision in `convert`, not a
//! parse error here.

mod fast_path;
mod numbers;

use super::number::ShortText;
use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, MapDeserializer};
use serde::de::{Deserializer, Error as _, MapAccess, SeqAccess, Unexpected, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// Reads a chart export: the fast path when it is sure, else serde_json, which also words errors.
pub fn parse(bytes: &[u8]) -> Result<ChartFile, ParseError> {
    if let Some(file) = fast_path::read(bytes) {
        return Ok(file);
    }
    numbers::forget_refused_value();
    serde_json::from_slice::<Object<ChartFile>>(bytes)
        .map(|Object(file)| file)
        .map_err(|error| ParseError {
            at: match error.classify() {
                serde_json::error::Category::Data => numbers::refused_value_at(bytes),
                _ => None,
            },
            error,
        })
}

/// Why a document could not be read.
pub struct ParseError {
    /// serde_json's words, and its position unless `at` is known.
    pub error: serde_json::Error,
    /// The offset of the byte to name for a value of the wrong type (see `numbers`), where
    /// serde_json's position would be the end of the object holding it.
    pub at: Option<usize>,
}

/// A `T` read from a JSON object only. Serde's derived structs also take an array, its items
/// given to the fields by position: a row exported as `[date, close, open, ...]` would be read
/// in the wrong order without a word, where it must fail. An empty array is an empty object:
/// PHP and others write `[]` for an object without fields.
struct Object<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectsOnly<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectsOnly<T> {
            type Value = Object<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Object<T>, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Object)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Object<T>, A::Error> {
                if let Some(first) = seq.next_element::<&'de serde_json::value::RawValue>()? {
                    numbers::refuse_list_holding(first.get());
                    return Err(A::Error::invalid_type(Unexpected::Seq, &self));
                }
                let empty = MapDeserializer::<_, A::Error>::new(std::iter::empty::<(&str, ())>());
                T::deserialize(empty).map(Object)
            }
        }
        deserializer.deserialize_any(ObjectsOnly(PhantomData))
    }
}

/// `deserialize_with` for an optional object (`null` or absent is `None`).
fn optional_object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    Option::<Object<T>>::deserialize(deserializer).map(|object| object.map(|Object(t)| t))
}

/// The most price rows, or blue dots, one chart is read with. An export holds a few hundred
/// (a century of daily bars is 25,000); the 32 MiB file limit bounds bytes, not entries, and
/// 11 million `{}` rows in 33 MB would take 2 GB to read, where every worker may hold one.
pub const MAX_LIST_ENTRIES: usize = 100_000;

/// A list of at most [`MAX_LIST_ENTRIES`] `T`s: one more fails the file, before it is read.
struct Capped<T>(Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Capped<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Entries<T> {
            type Value = Capped<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Capped<T>, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = seq.next_element::<T>()? {
                    if entries.len() == MAX_LIST_ENTRIES {
                        return Err(A::Error::custom(format!(
                            "more than {MAX_LIST_ENTRIES} entries in one list; an export holds a few hundred"
                        )));
                    }
                    entries.push(entry);
                }
                Ok(Capped(entries))
            }
        }
        deserializer.deserialize_seq(Entries(PhantomData))
    }
}

/// `deserialize_with` for an optional list of objects.
fn optional_objects<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Vec<T>>, D::Error> {
    Option::<Capped<Object<T>>>::deserialize(deserializer)
        .map(|list| list.map(|Capped(list)| list.into_iter().map(|Object(t)| t).collect()))
}

/// `deserialize_with` for an optional list.
fn optional_list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Vec<T>>, D::Error> {
    Option::<Capped<T>>::deserialize(deserializer).map(|list| list.map(|Capped(list)| list))
}

#[derive(Debug, Deserialize)]
pub struct ChartFile {
    #[serde(
        rename = "responseHeader",
        default,
        deserialize_with = "optional_object"
    )]
    pub response_header: Option<ResponseHeader>,
    #[serde(default, deserialize_with = "optional_object")]
    pub chart: Option<Chart>,
}

#[derive(Debug, Deserialize)]
pub struct ResponseHeader {
    #[serde(default)]
    pub error: Option<bool>,
    /// As compact JSON text (`"E42"` with its quotes, `42`).
    #[serde(
        rename = "errorCode",
        default,
        deserialize_with = "numbers::optional_json_text"
    )]
    pub error_code: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Chart {
    #[serde(default, deserialize_with = "optional_objects")]
    pub prices: Option<Vec<PriceRow>>,
    #[serde(
        rename = "peripheralData",
        default,
        deserialize_with = "optional_object"
    )]
    pub peripheral_data: Option<PeripheralData>,
    #[serde(rename = "blueDotData", default, deserialize_with = "optional_object")]
    pub blue_dot_data: Option<BlueDotData>,
}

#[derive(Debug, Deserialize)]
pub struct PriceRow {
    #[serde(
        rename = "priceDate",
        default,
        deserialize_with = "numbers::optional_number"
    )]
    pub price_date: Option<f64>,
    #[serde(default, deserialize_with = "numbers::optional_number")]
    pub open: Option<f64>,
    #[serde(default, deserialize_with = "numbers::optional_number")]
    pub high: Option<f64>,
    #[serde(default, deserialize_with = "numbers::optional_number")]
    pub low: Option<f64>,
    #[serde(default, deserialize_with = "numbers::optional_number")]
    pub close: Option<f64>,
    #[serde(default, deserialize_with = "numbers::optional_number")]
    pub volume: Option<f64>,
    #[serde(default)]
    pub pdt: Option<PriceDateType>,
    #[serde(default, deserialize_with = "numbers::optional_number")]
    pub bc: Option<f64>,
    #[serde(default, deserialize_with = "numbers::optional_number")]
    pub rlst: Option<f64>,
    /// Where the fast path found the numbers' text; never filled by serde.
    #[serde(skip)]
    pub texts: PriceTexts,
}

/// The source text of a row's open, high, low, close, volume, bc and rlst, in that order.
pub type PriceTexts = [SourceText; 7];

/// Where a number's shortest text stands in the file (see `number::trim_decimal`), when the
/// fast path read it there (`len` 0 when not): copying it is cheaper than printing the value,
/// and gives the same text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SourceText {
    pub start: u32,
    pub len: u8,
    pub decimals: u8,
}

impl SourceText {
    pub fn is_known(self) -> bool {
        self.len > 0
    }

    /// Appends the text; returns its decimals.
    #[inline]
    pub fn copy_to(self, file: &[u8], out: &mut Vec<u8>) -> u32 {
        match self.short_text(file) {
            Some(short) => super::number::append_prefix(out, &short.window, short.len),
            None => {
                let start = self.start as usize;
                out.extend_from_slice(&file[start..start + usize::from(self.len)]);
            }
        }
        u32::from(self.decimals)
    }

    /// The text as the start of a 16-byte window of the file, when it is that short and the
    /// file has 16 bytes from its start.
    #[inline]
    pub fn short_text(self, file: &[u8]) -> Option<ShortText> {
        let (start, len) = (self.start as usize, usize::from(self.len));
        if len > 16 {
            return None;
        }
        Some(ShortText {
            window: file.get(start..start + 16)?.try_into().ok()?,
            len,
            decimals: u32::from(self.decimals),
        })
    }
}

impl PriceRow {
    pub fn empty() -> PriceRow {
        PriceRow {
            price_date: None,
            open: None,
            high: None,
            low: None,
            close: None,
            volume: None,
            pdt: None,
            bc: None,
            rlst: None,
            texts: PriceTexts::default(),
        }
    }

    pub fn is_holiday(&self) -> bool {
        self.pdt == Some(PriceDateType::Holiday)
    }
}

/// `pdt`: read as a tag, not a string, so the 300 rows of a file allocate nothing for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceDateType {
    TradingDate,
    Holiday,
    /// Any other marker a future export may add: treated as a trading day, like `TradingDate`.
    Other,
}

impl PriceDateType {
    /// The tag a `pdt` text names; both readers go through this one rule.
    #[inline]
    pub fn of(text: &[u8]) -> PriceDateType {
        match text {
            b"TradingDate" => PriceDateType::TradingDate,
            // Any case: a copy of the day before must not pass for a bar of its own.
            text if text.eq_ignore_ascii_case(b"Holiday") => PriceDateType::Holiday,
            _ => PriceDateType::Other,
        }
    }
}

/// By hand, not derived: serde's derived enum reads a number in its place as broken JSON
/// ("expected value"), and `{"Holiday": null}` as `Holiday`. The tag is text, and anything
/// else is the wrong type.
impl<'de> Deserialize<'de> for PriceDateType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Tag;
        impl serde::de::Visitor<'_> for Tag {
            type Value = PriceDateType;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a text such as \"TradingDate\"")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<PriceDateType, E> {
                Ok(PriceDateType::of(text.as_bytes()))
            }
        }
        deserializer.deserialize_str(Tag)
    }
}

#[derive(Debug, Deserialize)]
pub struct PeripheralData {
    #[serde(default)]
    pub symbol: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// The bars' timeframe as the export states it (`"Daily"`, `"Weekly"`; MarketSmith's
    /// spelling of the key).
    #[serde(default)]
    pub periodcity: Option<Periodicity>,
}

/// `periodcity`: kept when it is text; any other value says nothing, nor does a string whose
/// escapes name no character (`"\ud800"`).
#[derive(Debug)]
pub enum Periodicity {
    Text(String),
    Unrecognised,
}

/// By hand rather than an untagged enum, which buffers the value with serde_json's numbers and
/// so fails the whole file on `1e999`, where an unknown field's number is only skipped.
impl<'de> Deserialize<'de> for Periodicity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <&'de serde_json::value::RawValue>::deserialize(deserializer)?.get();
        if !text.starts_with('"') {
            return Ok(Periodicity::Unrecognised);
        }
        // Its error would name a place inside the string as the document's (see `numbers.rs`).
        Ok(serde_json::from_str(text).map_or(Periodicity::Unrecognised, Periodicity::Text))
    }
}

impl PeripheralData {
    /// The timeframe the export states, when it is one of the words for a timeframe.
    pub fn stated_timeframe(&self) -> Option<&str> {
        const TIMEFRAMES: [&str; 6] = [
            "daily",
            "weekly",
            "monthly",
            "quarterly",
            "yearly",
            "annual",
        ];
        match &self.periodcity {
            Some(Periodicity::Text(text)) => {
                let text = text.trim();
                TIMEFRAMES
                    .iter()
                    .any(|word| text.eq_ignore_ascii_case(word))
                    .then_some(text)
            }
            _ => None,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct BlueDotData {
    #[serde(default, deserialize_with = "optional_list")]
    pub dates: Option<Vec<BlueDot>>,
}

/// Both forms seen in real exports, plus a catch-all so one odd entry is counted, not fatal
/// (read in `numbers`).
#[derive(Debug)]
pub enum BlueDot {
    EpochMillis(f64),
    Object { blue_dot_date: DateValue },
    Unrecognised(serde::de::IgnoredAny),
}

#[derive(Debug)]
pub enum DateValue {
    Text(String),
    EpochMillis(f64),
}
