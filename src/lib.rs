//! bluedot: MarketSmith chart JSON -> TradingView seed CSV series.
//!
//! `convert` is the pure core; `source` brings bytes in, `output` writes them out, `pipeline`
//! runs the two around the core, and `cli` is the command line. See ARCHITECTURE.md.

pub mod action;
pub mod cli;
pub mod convert;
mod folder;
pub mod malloc;
pub mod output;
pub mod pipeline;
pub mod plan;
pub mod progress;
pub mod report;
pub mod runner;
pub mod shard;
pub mod source;
pub mod synth;
