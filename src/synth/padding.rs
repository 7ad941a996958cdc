//! Fields the converter ignores, there to give generated files the size and parsing cost of real
//! exports (about 120 KB). Names and shapes follow MarketSmith's; the values are plausible noise.

use super::chart::Cents;
use super::rng::SplitMix64;
use serde::Serialize;

/// Extra per-bar fields of real exports. All are drawn; the first `shown` are written, so a
/// file's size can be tuned without changing any value.
pub struct PriceExtra {
    values: [(&'static str, Cents); 4],
    pub shown: usize,
}

impl Serialize for PriceExtra {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut fields = s.serialize_struct("PriceExtra", self.shown)?;
        for (name, value) in &self.values[..self.shown] {
            fields.serialize_field(name, value)?;
        }
        fields.end()
    }
}

pub fn price_extra(rng: &mut SplitMix64, close: Cents) -> PriceExtra {
    let near =
        |rng: &mut SplitMix64, bp: i64| Cents(close.0 + close.0 * rng.range(-bp, bp) / 10_000);
    PriceExtra {
        values: [
            ("rsLineValue", Cents(rng.range(1_000, 99_999))),
            ("percentChange", Cents(rng.range(-900, 900))),
            ("ma50", near(rng, 600)),
            ("ma200", near(rng, 1500)),
        ],
        shown: 4,
    }
}

/// The chart's ignored sections: all `null` in small files, filled in padded ones.
#[derive(Serialize)]
pub struct Padding {
    #[serde(rename = "corpEvents")]
    corp_events: Option<Vec<CorpEvent>>,
    #[serde(rename = "quarterlySalesAndEarnings")]
    quarterly_sales_and_earnings: Option<Vec<Quarter>>,
    #[serde(rename = "patternsResponse")]
    patterns_response: Option<PatternsResponse>,
    #[serde(rename = "lastCompletedPattern")]
    last_completed_pattern: Option<Pattern>,
    priceestimates: Option<PriceEstimates>,
}

#[derive(Serialize)]
struct CorpEvent {
    #[serde(rename = "eventDate")]
    event_date: i64,
    #[serde(rename = "eventType")]
    event_type: &'static str,
    value: Cents,
    description: String,
}

#[derive(Serialize)]
struct Quarter {
    #[serde(rename = "periodEndDate")]
    period_end_date: i64,
    #[serde(rename = "fiscalPeriod")]
    fiscal_period: String,
    sales: Cents,
    #[serde(rename = "salesPercentChange")]
    sales_percent_change: Cents,
    eps: Cents,
    #[serde(rename = "epsPercentChange")]
    eps_percent_change: Cents,
    #[serde(rename = "isEstimate")]
    is_estimate: bool,
}

#[derive(Serialize)]
struct PatternsResponse {
    #[serde(rename = "patternCount")]
    pattern_count: usize,
    patterns: Vec<Pattern>,
}

#[derive(Serialize)]
struct Pattern {
    #[serde(rename = "patternType")]
    pattern_type: &'static str,
    #[serde(rename = "baseStartDate")]
    base_start_date: i64,
    #[serde(rename = "baseEndDate")]
    base_end_date: i64,
    #[serde(rename = "pivotPrice")]
    pivot_price: Cents,
    #[serde(rename = "baseDepth")]
    base_depth: Cents,
    #[serde(rename = "baseLength")]
    base_length: u32,
    #[serde(rename = "baseStage")]
    base_stage: String,
    #[serde(rename = "isFailed")]
    is_failed: bool,
}

#[derive(Serialize)]
struct PriceEstimates {
    #[serde(rename = "targetHigh")]
    target_high: Cents,
    #[serde(rename = "targetLow")]
    target_low: Cents,
    #[serde(rename = "targetMean")]
    target_mean: Cents,
    #[serde(rename = "analystCount")]
    analyst_count: u32,
}

const DAY_MS: i64 = 86_400_000;
const PATTERN_TYPES: &[&str] = &["CupWithHandle", "DoubleBottom", "FlatBase", "AscendingBase"];

impl Padding {
    pub fn empty() -> Padding {
        Padding {
            corp_events: None,
            quarterly_sales_and_earnings: None,
            patterns_response: None,
            last_completed_pattern: None,
            priceestimates: None,
        }
    }

    /// `quarters` quarterly results and `patterns` past bases ending before `newest_ms`.
    pub fn filled(
        rng: &mut SplitMix64,
        newest_ms: i64,
        close: Cents,
        quarters: usize,
        patterns: usize,
    ) -> Padding {
        let events = (0..rng.range(0, 4))
            .map(|i| CorpEvent {
                event_date: newest_ms - rng.range(30, 900) * DAY_MS,
                event_type: if i % 2 == 0 { "Dividend" } else { "Split" },
                value: Cents(rng.range(50, 2_000)),
                description: format!("Corporate action {}", i + 1),
            })
            .collect();
        let quarters = (0..quarters)
            .map(|i| Quarter {
                period_end_date: newest_ms - (i as i64 * 91 + rng.range(0, 20)) * DAY_MS,
                fiscal_period: format!("Q{} FY{}", 4 - i % 4, 25 - (i / 4) as i64),
                sales: Cents(rng.range(1_000_000, 900_000_000)),
                sales_percent_change: Cents(rng.range(-3_000, 9_000)),
                eps: Cents(rng.range(-500, 9_000)),
                eps_percent_change: Cents(rng.range(-9_000, 20_000)),
                is_estimate: i < 2,
            })
            .collect();
        let pattern = |rng: &mut SplitMix64, i: usize| {
            let end = newest_ms - (i as i64 * 45 + rng.range(0, 30)) * DAY_MS;
            Pattern {
                pattern_type: rng.pick(PATTERN_TYPES),
                base_start_date: end - rng.range(25, 120) * DAY_MS,
                base_end_date: end,
                pivot_price: Cents(close.0 + close.0 * rng.range(-3_000, 1_000) / 10_000),
                base_depth: Cents(rng.range(500, 4_500)),
                base_length: rng.range(5, 60) as u32,
                base_stage: format!("{}{}", rng.range(1, 4), rng.pick(&["", "a", "b"])),
                is_failed: rng.chance(0.3),
            }
        };
        let patterns: Vec<Pattern> = (0..patterns).map(|i| pattern(rng, i)).collect();
        Padding {
            corp_events: Some(events),
            quarterly_sales_and_earnings: Some(quarters),
            last_completed_pattern: Some(pattern(rng, 0)),
            patterns_response: Some(PatternsResponse {
                pattern_count: patterns.len(),
                patterns,
            }),
            priceestimates: Some(PriceEstimates {
                target_high: Cents(close.0 * 13 / 10),
                target_low: Cents(close.0 * 8 / 10),
                target_mean: Cents(close.0 * 11 / 10),
                analyst_count: rng.range(1, 40) as u32,
            }),
        }
    }
}
