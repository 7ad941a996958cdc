//! Price rows by their layout. Exports write every row with the same keys, order and spacing,
//! so once a row has been read key by key, the next ones are compared with its bytes between
//! values and only their values are read. A row that differs anywhere is read key by key.
//!
//! The bytes between values (whitespace, commas, quoted keys, colons, braces) tokenize the same
//! way wherever they occur, so a row matching the layout is read exactly as key by key.

use super::json::MAX_SKIP_DEPTH;
use super::{Decline, Reader, Sure};
use crate::convert::input::{PriceDateType, PriceRow};
use std::ops::Range;

/// A price row's layouts, learned from one row read key by key.
pub(super) struct PriceRowLayouts<'a> {
    /// With `pdt`'s usual `"TradingDate"` taken into the bytes around it, when the row had it:
    /// trading days then match with one comparison fewer and no `pdt` to read.
    trading_day: Option<RowLayout<'a>>,
    /// Every value read, for holidays and other `pdt`s.
    any_day: RowLayout<'a>,
}

impl<'a> PriceRowLayouts<'a> {
    /// `values` as `RowLayout::of` takes them; `trading_day_pdt` is the index of the `pdt` field
    /// when the row was read as a trading day (its value then is exactly `"TradingDate"`).
    pub(super) fn of(
        bytes: &'a [u8],
        row: Range<usize>,
        values: &[(usize, usize, Option<usize>)],
        trading_day_pdt: Option<usize>,
    ) -> Option<PriceRowLayouts<'a>> {
        let any_day = RowLayout::of(bytes, row.clone(), values)?;
        let trading_day = trading_day_pdt.and_then(|pdt| {
            let others: Vec<_> = values
                .iter()
                .copied()
                .filter(|&(_, _, field)| field != Some(pdt))
                .collect();
            RowLayout::of(bytes, row, &others)
        });
        Some(PriceRowLayouts {
            trading_day,
            any_day,
        })
    }
}

/// The most values a layout is learned from. An export's rows and the objects of its ignored
/// sections have a few dozen at most; a row of millions of unknown keys (a 32 MiB file allows
/// it) would take about 150 bytes per key to learn from, ten times the file, for a layout no
/// second row will match. Wider objects are read, or skipped, key by key, one at a time.
pub(super) const MAX_LAYOUT_VALUES: usize = 256;

/// Keeps one more value's span for learning a layout, up to one past [`MAX_LAYOUT_VALUES`],
/// which then says the object is too wide to learn from.
pub(super) fn note_value(
    values: &mut Vec<(usize, usize, Option<usize>)>,
    value: (usize, usize, Option<usize>),
) {
    if values.len() <= MAX_LAYOUT_VALUES {
        values.push(value);
    }
}

/// One row's bytes around its values.
pub(super) struct RowLayout<'a> {
    /// `gaps[i]` comes before value `i`; the last gap closes the row.
    gaps: Vec<&'a [u8]>,
    /// What each value is: an index into `PRICE_ROW_KEYS`, or `None` for an unknown field.
    fields: Vec<Option<usize>>,
}

impl<'a> RowLayout<'a> {
    /// The layout of the row at `row` in `bytes`, given each value's span and field.
    pub(super) fn of(
        bytes: &'a [u8],
        row: Range<usize>,
        values: &[(usize, usize, Option<usize>)],
    ) -> Option<RowLayout<'a>> {
        if values.is_empty() || values.len() > MAX_LAYOUT_VALUES {
            return None;
        }
        let mut gaps = Vec::with_capacity(values.len() + 1);
        let mut from = row.start;
        for &(start, end, _) in values {
            gaps.push(&bytes[from..start]);
            from = end;
        }
        gaps.push(&bytes[from..row.end]);
        Some(RowLayout {
            gaps,
            fields: values.iter().map(|&(_, _, field)| field).collect(),
        })
    }
}

impl<'a> Reader<'a> {
    /// The `prices` array.
    pub(super) fn price_rows(&mut self) -> Sure<Vec<PriceRow>> {
        let mut rows = Vec::with_capacity(320);
        let mut layout: Option<PriceRowLayouts<'a>> = None;
        self.array(|reader| {
            // serde words the refusal.
            if rows.len() == crate::convert::input::MAX_LIST_ENTRIES {
                return Err(Decline);
            }
            if let Some(known) = &layout {
                let start = reader.pos;
                // Read in place: a row is 200 bytes, and moving it into the vector is a copy.
                rows.push(PriceRow::empty());
                let row = rows.last_mut().expect("just pushed");
                if let Some(trading_day) = &known.trading_day {
                    if reader.row_in_layout(trading_day, row).is_some() {
                        row.pdt = Some(PriceDateType::TradingDate);
                        return Ok(());
                    }
                    *row = PriceRow::empty();
                    reader.pos = start;
                }
                if reader.row_in_layout(&known.any_day, row).is_some() {
                    return Ok(());
                }
                rows.pop();
                reader.pos = start;
            }
            let (row, learned) = reader.price_row()?;
            rows.push(row);
            if learned.is_some() {
                layout = learned;
            }
            Ok(())
        })?;
        Ok(rows)
    }

    /// Reads the row at the cursor into `row` (an empty one) if it has exactly `layout`'s bytes
    /// between its values and every value reads; otherwise `None`, leaving the cursor anywhere
    /// (the caller rewinds) and `row` partly filled (the caller drops it).
    fn row_in_layout(&mut self, layout: &RowLayout<'a>, row: &mut PriceRow) -> Option<()> {
        for (gap, field) in layout.gaps.iter().zip(&layout.fields) {
            self.gap(gap)?;
            match *field {
                Some(index) => self.row_value(row, index).ok()?,
                None => self.skip(4).ok()?,
            }
        }
        self.gap(layout.gaps.last()?)
    }

    /// An ignored array at `depth` (see `skip`). Exports fill the sections a chart does not use
    /// with arrays of objects of one shape, so these are skipped like price rows are read: the
    /// first object key by key, the next ones by its layout, only their values skipped.
    pub(super) fn skip_array(&mut self, depth: u32) -> Sure<()> {
        let element = depth + 1;
        let mut layout: Option<RowLayout<'a>> = None;
        self.array(|reader| {
            if let Some(known) = &layout {
                let start = reader.pos;
                if reader.skip_in_layout(known, element).is_some() {
                    return Ok(());
                }
                reader.pos = start;
            }
            if reader.peek()? != b'{' || element > MAX_SKIP_DEPTH {
                return reader.skip(element);
            }
            let start = reader.pos;
            let mut values = Vec::new();
            reader.object(|reader, _| {
                let value_start = reader.pos;
                reader.skip(element + 1)?;
                note_value(&mut values, (value_start, reader.pos, None));
                Ok(())
            })?;
            layout = RowLayout::of(reader.bytes, start..reader.pos, &values);
            Ok(())
        })
    }

    /// Skips the object at the cursor, an element at `depth`, if it has exactly `layout`'s bytes
    /// between its values and every value is valid; otherwise `None`, the cursor anywhere.
    fn skip_in_layout(&mut self, layout: &RowLayout<'a>, depth: u32) -> Option<()> {
        for gap in &layout.gaps[..layout.gaps.len() - 1] {
            self.gap(gap)?;
            self.skip(depth + 1).ok()?;
        }
        self.gap(layout.gaps.last()?)
    }

    #[inline]
    fn gap(&mut self, gap: &[u8]) -> Option<()> {
        if !self.bytes[self.pos..].starts_with(gap) {
            return None;
        }
        self.pos += gap.len();
        Some(())
    }
}
