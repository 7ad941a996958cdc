//! Conversion CPU on one thread, with no disk involved: generated daily charts (the same as
//! `bench/convert.sh` converts) are held in memory and converted pass after pass. Prints the
//! fastest and the median pass, per file. The fastest pass is the figure to compare: on a
//! shared machine, neighbours only ever slow a pass down.
//!
//!   cargo bench --bench convert_cpu              # 200 files, 15 passes
//!   cargo bench --bench convert_cpu -- 500 30    # FILES PASSES
//!   cargo bench --bench convert_cpu -- 200 15 America/New_York   # dates in a zone
//!
//! To compare two builds, keep a copy of each binary (`target/release/deps/convert_cpu-*`) and
//! run them alternately, several times each: see bench/README.md.

use bluedot::convert::{ConvertOptions, DateRule, Timeframe, convert, named_zone};
use bluedot::synth::{Spec, generate};
use std::time::Instant;

fn main() {
    // `cargo bench` passes `--bench`; the numbers are the only arguments read.
    let numbers: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|arg| arg.parse().ok())
        .collect();
    let files = numbers.first().copied().unwrap_or(200).max(1);
    let passes = numbers.get(1).copied().unwrap_or(15).max(1);
    let zone = std::env::args().skip(1).find(|arg| arg.contains('/'));
    let date_rule = match &zone {
        Some(name) => DateRule::Zone(named_zone(name).expect("an IANA zone name")),
        None => DateRule::NearestUtcMidnight,
    };

    let spec = Spec {
        seed: 1,
        timeframe: Timeframe::Daily,
        last_date: chrono::NaiveDate::from_ymd_opt(2025, 8, 1).expect("a date"),
        bars: 308,
        pad: true,
    };
    let charts: Vec<_> = (0..files as u64).map(|i| generate(&spec, i)).collect();
    let bytes: usize = charts.iter().map(|chart| chart.bytes.len()).sum();
    let options = ConvertOptions {
        timeframe: Timeframe::Daily,
        date_rule,
        keep_holidays: false,
    };

    let mut per_file_us = Vec::with_capacity(passes);
    for _ in 0..passes {
        let started = Instant::now();
        for chart in &charts {
            let converted = convert(&chart.file_name, &chart.bytes, &options)
                .unwrap_or_else(|e| panic!("{}: {e}", chart.file_name));
            std::hint::black_box(converted);
        }
        per_file_us.push(started.elapsed().as_secs_f64() * 1e6 / files as f64);
    }
    per_file_us.sort_by(f64::total_cmp);
    let fastest = per_file_us[0];
    println!(
        "convert_cpu: {files} files ({:.1} MB), {passes} passes{}: fastest {fastest:.2} us/file \
         ({:.0} MB/s), median {:.2} us/file",
        bytes as f64 / 1e6,
        zone.map_or(String::new(), |name| format!(" in {name}")),
        bytes as f64 / files as f64 / fastest,
        per_file_us[passes / 2],
    );
}
