//! Numbers as the serde path reads them, those beyond an `f64`'s range included.
//!
//! JSON has no literal for NaN or infinity: a number too large for a double (`1e999`) is the
//! only non-finite value a file can hold. serde_json refuses one outright ("number out of
//! range"), which would fail the whole chart where DATA.md rule 6 leaves out one bar: a price
//! that is not finite drops its row from PRICE_DATA, counted, and the stock's other bars stay.
//! So the numbers the converter keeps are taken as their raw text and read here, `1e999` as
//! infinity, which then takes the path every non-finite value takes in `series`.

use super::{BlueDot, DateValue, Object};
use serde::Deserialize;
use serde::de::{Deserializer, Error, IgnoredAny, Unexpected};
use serde_json::value::RawValue;
use std::cell::Cell;

thread_local! {
    /// Where to place the last value this module refused on this thread: see [`Refused`].
    /// serde_json places an error a `deserialize_with` function or a visitor returns where the
    /// enclosing object or list ends (a row's closing brace, a line late for its last field),
    /// and a function given only the value cannot say where it stands; the value's text,
    /// borrowed from the document, can.
    static REFUSED: Cell<Option<Refused>> = const { Cell::new(None) };
}

/// A refused value, by the address of text borrowed from the document.
#[derive(Clone, Copy)]
enum Refused {
    /// The byte to name: a map's or a list's opening bracket, any other value's last byte
    /// (where serde_json places its own).
    At(usize),
    /// The first item of a list refused where an object goes: the list's bracket is named.
    ListFrom(usize),
}

/// Forgets any value refused before: call before reading a document.
pub(super) fn forget_refused_value() {
    REFUSED.set(None);
}

/// Notes a list refused where an object goes, by its first item.
pub(super) fn refuse_list_holding(first_item: &str) {
    REFUSED.set(Some(Refused::ListFrom(first_item.as_ptr() as usize)));
}

/// The offset of the byte to name for the value refused while `document` was read, when one
/// was refused there.
pub(super) fn refused_value_at(document: &[u8]) -> Option<usize> {
    let refused = REFUSED.get()?;
    let (Refused::At(address) | Refused::ListFrom(address)) = refused;
    let offset = address.checked_sub(document.as_ptr() as usize)?;
    if offset >= document.len() {
        return None;
    }
    Some(match refused {
        Refused::At(_) => offset,
        // Only whitespace stands between a list's bracket and its first item.
        Refused::ListFrom(_) => document[..offset]
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .filter(|&bracket| document[bracket] == b'[')
            .unwrap_or(offset),
    })
}

/// `deserialize_with` for an optional number field (`null` or absent is `None`).
pub(super) fn optional_number<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<f64>, D::Error> {
    let text = <&'de RawValue>::deserialize(deserializer)?.get();
    if text == "null" {
        return Ok(None);
    }
    match number(text) {
        Some(value) => Ok(Some(value)),
        None => {
            let start = text.as_ptr() as usize;
            REFUSED.set(Some(Refused::At(match text.as_bytes()[0] {
                b'[' | b'{' => start,
                _ => start + text.len() - 1,
            })));
            let string;
            let unexpected = match text.as_bytes()[0] {
                // Not `map_err(custom)`: serde_json would take the position the inner error
                // names (`line 1 column 8`, inside the string) for the document's.
                b'"' => match serde_json::from_str::<String>(text) {
                    Ok(text) => {
                        string = text;
                        Unexpected::Str(&string)
                    }
                    Err(_) => Unexpected::Other("a string that is not valid text"),
                },
                b't' => Unexpected::Bool(true),
                b'f' => Unexpected::Bool(false),
                b'[' => Unexpected::Seq,
                _ => Unexpected::Map,
            };
            Err(D::Error::invalid_type(unexpected, &"a number"))
        }
    }
}

/// `deserialize_with` for `errorCode`, which may be any value: its compact JSON text, or its
/// own text when serde_json cannot hold it (a code of `1e999` still names its error).
pub(super) fn optional_json_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    let text = <&'de RawValue>::deserialize(deserializer)?.get();
    Ok(match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Null) => None,
        Ok(value) => Some(value.to_string()),
        Err(_) => Some(text.to_owned()),
    })
}

/// A JSON number's value as serde_json reads it, and infinite past a double's range, which is
/// the only valid number serde_json refuses; `None` for any other value. Read by serde_json,
/// not `str::parse`: the standard library stops counting an exponent past 65,536, so a text of
/// 655,360 digits and an exponent bringing it back (`0.000...1e655360`) would read as 0.
fn number(text: &str) -> Option<f64> {
    if !text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        return None;
    }
    Some(
        serde_json::from_str(text).unwrap_or(if text.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }),
    )
}

/// Both forms seen in real exports, and anything else as `Unrecognised` (counted, never fatal):
/// a number is epoch milliseconds; an object is read for its `blueDotDate`. By hand rather than
/// an untagged enum, which buffers the entry with serde_json's numbers and so fails on `1e999`,
/// and which would read an array by position.
impl<'de> Deserialize<'de> for BlueDot {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Entry {
            #[serde(rename = "blueDotDate", default, deserialize_with = "date_value")]
            blue_dot_date: Option<DateValue>,
        }
        let text = <&'de RawValue>::deserialize(deserializer)?.get();
        if let Some(ms) = number(text) {
            return Ok(BlueDot::EpochMillis(ms));
        }
        let entry = text
            .starts_with('{')
            .then(|| serde_json::from_str::<Object<Entry>>(text).ok())
            .flatten();
        Ok(match entry {
            Some(Object(Entry {
                blue_dot_date: Some(blue_dot_date),
            })) => BlueDot::Object { blue_dot_date },
            _ => BlueDot::Unrecognised(IgnoredAny),
        })
    }
}

/// A `blueDotDate`: text or epoch milliseconds; anything else is no date.
fn date_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<DateValue>, D::Error> {
    let text = <&'de RawValue>::deserialize(deserializer)?.get();
    if text.starts_with('"') {
        return serde_json::from_str(text)
            .map(|text| Some(DateValue::Text(text)))
            .map_err(D::Error::custom);
    }
    Ok(number(text).map(DateValue::EpochMillis))
}

#[cfg(test)]
mod tests {
    use super::number;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn reads_a_number_as_serde_json_does_or_as_infinite_past_its_range(
            integer in any::<i64>(),
            fraction in "[0-9]{0,20}",
            exponent in proptest::option::of(-400i32..400),
        ) {
            let mut text = integer.to_string();
            if !fraction.is_empty() {
                text = format!("{text}.{fraction}");
            }
            if let Some(exponent) = exponent {
                text = format!("{text}e{exponent}");
            }
            let ours = number(&text).unwrap();
            match serde_json::from_str::<f64>(&text) {
                Ok(theirs) => prop_assert_eq!(ours.to_bits(), theirs.to_bits(), "{}", text),
                Err(_) => prop_assert!(ours.is_infinite(), "{}", text),
            }
        }
    }

    /// Many digits and an exponent that brings them back to an ordinary value.
    #[test]
    fn a_long_text_is_read_as_the_number_it_names() {
        let tiny = format!("0.{}1e655360", "0".repeat(655_358));
        assert_eq!(number(&tiny), Some(10.0));
        let huge = format!("1{}e-699999", "0".repeat(700_000));
        assert_eq!(number(&huge), Some(10.0));
    }

    #[test]
    fn zero_keeps_its_sign_and_other_values_are_no_number() {
        for text in ["-0", "0", "-0.0", "-0e5", "18446744073709551616", "-1e999"] {
            let theirs = serde_json::from_str::<f64>(text).unwrap_or(f64::NEG_INFINITY);
            assert_eq!(number(text).unwrap().to_bits(), theirs.to_bits(), "{text}");
        }
        assert_eq!(number("\"1\""), None);
        assert_eq!(number("null"), None);
    }
}
