//! One synthetic chart: the price walk, blue dots and the JSON document around them.

use super::calendar::{self, BarDate};
use super::padding::{self, Padding};
use super::rng::SplitMix64;
use super::symbols::{self, Exchange, Identity};
use crate::convert::Timeframe;
use chrono::{Datelike, Days, NaiveDate};
use serde::{Serialize, Serializer};

/// An amount in hundredths, written as an integer when whole (`16869`) and with up to two
/// decimals otherwise (`24565.35`, `0.5`), as MarketSmith's exports do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cents(pub i64);

impl Serialize for Cents {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 % 100 == 0 {
            s.serialize_i64(self.0 / 100)
        } else {
            // The nearest double to n/100 prints back as the same two decimals.
            s.serialize_f64(self.0 as f64 / 100.0)
        }
    }
}

#[derive(Serialize)]
pub struct ChartFile {
    #[serde(rename = "responseHeader")]
    pub response_header: ResponseHeader,
    pub chart: Chart,
}

#[derive(Serialize)]
pub struct ResponseHeader {
    pub error: bool,
    #[serde(rename = "errorCode")]
    pub error_code: Option<u32>,
    #[serde(rename = "asOfDate")]
    pub as_of_date: i64,
    #[serde(rename = "apiVersion")]
    pub api_version: &'static str,
}

#[derive(Serialize)]
pub struct Chart {
    pub prices: Vec<Price>,
    #[serde(rename = "peripheralData")]
    pub peripheral_data: PeripheralData,
    #[serde(rename = "blueDotData")]
    pub blue_dot_data: BlueDotData,
    #[serde(flatten)]
    pub padding: Padding,
}

#[derive(Serialize)]
pub struct Price {
    #[serde(rename = "priceDate")]
    pub price_date: i64,
    pub open: Cents,
    pub high: Cents,
    pub low: Cents,
    pub close: Cents,
    pub volume: Option<u64>,
    pub pdt: &'static str,
    pub bc: Cents,
    pub rlst: Option<u32>,
    #[serde(flatten)]
    pub extra: Option<padding::PriceExtra>,
}

#[derive(Serialize)]
pub struct PeripheralData {
    pub symbol: String,
    pub name: String,
    #[serde(rename = "rsRating")]
    pub rs_rating: u32,
    pub periodcity: &'static str,
    #[serde(rename = "instrumentType")]
    pub instrument_type: &'static str,
    #[serde(rename = "currencySymbol")]
    pub currency_symbol: &'static str,
    pub exchange: &'static str,
    #[serde(rename = "industryGroupRank")]
    pub industry_group_rank: u32,
}

#[derive(Serialize)]
pub struct BlueDotData {
    pub dates: Option<Vec<BlueDot>>,
    #[serde(rename = "isRSBlueDotSatisfied")]
    pub is_rs_blue_dot_satisfied: u8,
    #[serde(rename = "isASM")]
    pub is_asm: u8,
    #[serde(rename = "isGSM")]
    pub is_gsm: u8,
}

/// The two forms real exports use.
#[derive(Serialize)]
#[serde(untagged)]
pub enum BlueDot {
    Object {
        #[serde(rename = "blueDotDate")]
        blue_dot_date: String,
    },
    EpochMillis(i64),
}

/// What a run asks of every chart.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub seed: u64,
    pub timeframe: Timeframe,
    pub last_date: NaiveDate,
    pub bars: usize,
    pub pad: bool,
}

/// Stream numbers for `SplitMix64::derive`, one per independent use of the seed.
const CHART_STREAM: u64 = 1;

/// Builds chart `index` of a run. Exchange and blue-dot form rotate with the index, so any four
/// consecutive files cover every combination.
pub fn build(spec: &Spec, index: u64) -> (Identity, ChartFile) {
    let mut rng = SplitMix64::derive(spec.seed, CHART_STREAM, index);
    let exchange = if index.is_multiple_of(2) {
        Exchange::India
    } else {
        Exchange::Us
    };
    let dots_as_objects = (index / 2).is_multiple_of(2);
    let identity = symbols::identity(index, exchange, &mut rng);
    let dates = calendar::bar_dates(
        spec.seed,
        exchange,
        spec.timeframe,
        spec.last_date,
        spec.bars,
    );
    let prices = price_walk(&mut rng, exchange, spec.timeframe, &dates, spec.pad);
    let blue_dots = blue_dots(&mut rng, spec.seed, exchange, &dates, dots_as_objects);
    let newest = dates.last().expect("at least one bar").date;
    let rs_rating = prices.iter().rev().find_map(|p| p.rlst).unwrap_or(50);
    let chart = ChartFile {
        response_header: ResponseHeader {
            error: false,
            error_code: None,
            // The export ran the evening after the newest bar, local time.
            as_of_date: calendar::local_midnight_ms(exchange, newest)
                + rng.range(18 * 3600, 23 * 3600) * 1000
                + rng.range(0, 999),
            api_version: "v2",
        },
        chart: Chart {
            prices,
            peripheral_data: PeripheralData {
                symbol: identity.symbol.clone(),
                name: identity.name.clone(),
                rs_rating,
                periodcity: match spec.timeframe {
                    Timeframe::Daily => "Daily",
                    Timeframe::Weekly => "Weekly",
                },
                instrument_type: "Stock",
                currency_symbol: match exchange {
                    Exchange::India => "",
                    Exchange::Us => "$",
                },
                exchange: match exchange {
                    Exchange::India => "NSE",
                    Exchange::Us => rng.pick(&["NYSE", "NASDAQ"]),
                },
                industry_group_rank: rng.range(1, 197) as u32,
            },
            blue_dot_data: BlueDotData {
                dates: blue_dots,
                is_rs_blue_dot_satisfied: rng.below(2) as u8,
                is_asm: 0,
                is_gsm: 0,
            },
            padding: Padding::empty(),
        },
    };
    (identity, chart)
}

/// Prices oldest first in, newest first out. All arithmetic is on integers so the walk is the
/// same on every platform (no libm in the loop).
fn price_walk(
    rng: &mut SplitMix64,
    exchange: Exchange,
    timeframe: Timeframe,
    dates: &[BarDate],
    pad: bool,
) -> Vec<Price> {
    // Whole-rupee/dollar prices for expensive stocks, two decimals for the rest.
    let whole = rng.chance(0.35);
    let tick = if whole { 100 } else { rng.pick(&[1, 5]) };
    let mut close: i64 = if whole {
        rng.range(300, 30_000) * 100
    } else {
        rng.range(500, 80_000)
    };
    let mut bc: i64 = match exchange {
        Exchange::India => rng.range(1_500_000, 2_500_000),
        Exchange::Us => rng.range(400_000, 600_000),
    };
    let mut rlst = rng.range(5, 99);
    let base_volume = rng.range(20_000, 3_000_000);
    // Moves in basis points; weekly bars move about twice as far.
    let spread = match timeframe {
        Timeframe::Daily => 180,
        Timeframe::Weekly => 400,
    };
    let round = |v: i64| ((v + tick / 2) / tick * tick).max(tick);
    let mut out: Vec<Price> = Vec::with_capacity(dates.len());
    for bar in dates {
        let stamp = calendar::local_midnight_ms(exchange, bar.date);
        if bar.holiday {
            let previous = out.last().expect("the oldest bar is never a holiday");
            let repeat = Price {
                price_date: stamp,
                volume: None,
                pdt: "Holiday",
                rlst: None,
                extra: pad.then(|| padding::price_extra(rng, previous.close)),
                ..*previous
            };
            out.push(repeat);
            continue;
        }
        let step = |rng: &mut SplitMix64, bp: i64| (0..3).map(|_| rng.range(-bp, bp)).sum::<i64>();
        let open = round(close + close * step(rng, spread / 6) / 10_000);
        close = round(close + close * step(rng, spread) / 10_000);
        let high = open.max(close) + round(close * rng.range(0, spread) / 20_000) - tick;
        let low = (open.min(close) - round(close * rng.range(0, spread) / 20_000) + tick).max(tick);
        let low = low.min(open.min(close));
        bc = (bc + bc * step(rng, spread / 2) / 10_000).max(100);
        rlst = (rlst + rng.range(-4, 4)).clamp(1, 99);
        let volume = base_volume * rng.range(40, 250) / 100;
        out.push(Price {
            price_date: stamp,
            open: Cents(open),
            high: Cents(high.max(open.max(close))),
            low: Cents(low),
            close: Cents(close),
            volume: (!rng.chance(0.01)).then_some(volume as u64),
            pdt: "TradingDate",
            bc: Cents(bc),
            rlst: (!rng.chance(0.015)).then_some(rlst as u32),
            extra: pad.then(|| padding::price_extra(rng, Cents(close))),
        });
    }
    out.reverse();
    out
}

/// Blue dots spanning about three years before the first bar to the last one, so most fall
/// before the chart, plus some on weekends and exchange holidays.
fn blue_dots(
    rng: &mut SplitMix64,
    seed: u64,
    exchange: Exchange,
    dates: &[BarDate],
    as_objects: bool,
) -> Option<Vec<BlueDot>> {
    match rng.below(100) {
        0..=2 => return None,
        3..=6 => return Some(Vec::new()),
        _ => {}
    }
    let first = dates.first().expect("bars").date;
    let last = dates.last().expect("bars").date;
    let start = first - Days::new(3 * 365);
    let span = (last - start).num_days();
    let mut days: Vec<NaiveDate> = (0..rng.range(8, 40))
        .map(|_| start + Days::new(rng.range(0, span) as u64))
        .collect();
    // A few inside the chart on days without a bar: the next bar must light up.
    let chart_span = (last - first).num_days().max(1);
    for _ in 0..rng.range(1, 3) {
        let mut day = first + Days::new(rng.range(0, chart_span) as u64);
        while day.weekday().num_days_from_monday() < 5 && !calendar::is_holiday(seed, exchange, day)
        {
            day = day + Days::new(1);
        }
        if day <= last {
            days.push(day);
        }
    }
    days.sort();
    days.dedup();
    Some(
        days.into_iter()
            .map(|day| {
                if as_objects {
                    BlueDot::Object {
                        blue_dot_date: day.format("%Y-%m-%d").to_string(),
                    }
                } else {
                    BlueDot::EpochMillis(calendar::local_midnight_ms(exchange, day))
                }
            })
            .collect(),
    )
}
