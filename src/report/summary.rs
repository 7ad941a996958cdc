//! What a person reads of a run: the few lines on stderr, and the warnings the action repeats.

use super::{Outcome, Report};

/// The shortest run whose rate is worth giving.
const MEASURABLE_WALL_MS: u64 = 100;

/// How many failures the human summary names before pointing at report.json.
const SUMMARY_FAILURES: usize = 20;

/// How many skipped files the human summary names before pointing at report.json.
const SUMMARY_SKIPPED: usize = 10;

/// The longest a warning naming files gets before it counts the rest: an annotation shows
/// 4,000 characters, and its count must not be the part cut.
const WARNING_CHARS: usize = 2_000;

/// A chart with trading bars left out for their prices: see [`Report::bars_left_out`].
pub struct BarsLeftOut<'a> {
    pub file: &'a str,
    /// `2025-08-01 ohlc_violation`, and whether it was the latest trading bar.
    pub bar: String,
    pub latest: bool,
}

impl Report {
    /// Files converted per second of wall time; `None` where no rate can be told: a run of a
    /// few milliseconds (whole milliseconds would make it anything up to twice the truth), or
    /// an interrupted run (its files not reached count as failed, but took no time).
    pub fn files_per_second(&self) -> Option<f64> {
        if self.interrupted || self.timings_ms.wall < MEASURABLE_WALL_MS {
            return None;
        }
        let secs = self.timings_ms.wall as f64 / 1000.0;
        Some((self.totals.ok + self.totals.failed) as f64 / secs)
    }

    /// [`Self::files_per_second`] as shown: `2.5 files/s` below ten (a slow Drive run's 0.4
    /// would read 0), whole above.
    pub fn files_per_second_text(&self) -> Option<String> {
        self.files_per_second().map(|rate| match rate < 10.0 {
            true => format!("{rate:.1} files/s"),
            false => format!("{rate:.0} files/s"),
        })
    }

    /// The warning for bars not at midnight in the run's zone, when there are any: the dates of
    /// a zone that is not the exchange's may be a day off, and nothing else would say so.
    pub fn midnight_warning(&self) -> Option<String> {
        let zone = self.timezone.as_deref()?;
        if self.bars_not_at_midnight == 0 {
            return None;
        }
        let mut charts = self.files.iter().filter_map(|file| {
            if file.outcome != Outcome::Ok {
                return None;
            }
            let bars = file.chart.as_ref()?.bars_not_at_midnight();
            (bars > 0).then_some((file, bars))
        });
        let (first, first_bars) = charts.next()?;
        let charts = 1 + charts.count();
        Some(format!(
            "{} bar{} in {charts} chart{} {} not stamped at midnight in {zone} ({}: {first_bars} of them), \
             as an exchange in that zone stamps its bars: their dates may be a day off. Is {zone} \
             the exchange's zone? Without --timezone, a bar takes the date of the nearest UTC midnight",
            self.bars_not_at_midnight,
            if self.bars_not_at_midnight == 1 {
                ""
            } else {
                "s"
            },
            if charts == 1 { "" } else { "s" },
            if self.bars_not_at_midnight == 1 {
                "is"
            } else {
                "are"
            },
            one_line(&first.name),
        ))
    }

    /// The charts converted with trading bars left out of PRICE_DATA for their prices, each
    /// with its newest such bar (`file 2025-08-01 ohlc_violation`), those that lost their
    /// latest trading bar first (`, its latest trading bar (the latest trading bar written: 2025-07-31)`),
    /// the rest in the report's order. A count alone would not tell a trader which day a chart
    /// lacks, nor that it ends a day early.
    pub fn bars_left_out(&self) -> Vec<BarsLeftOut<'_>> {
        let mut charts: Vec<BarsLeftOut<'_>> = self
            .files
            .iter()
            .filter(|file| file.outcome == Outcome::Ok)
            .filter_map(|file| {
                let chart = file.chart.as_ref()?;
                let bar = chart.newest_bar_left_out?;
                // `last_date` is the latest trading bar written; with --keep-holidays a holiday
                // after it may still end PRICE_DATA.
                let latest = bar.date > chart.last_date;
                let mut text = format!("{} {}", bar.date, bar.reason.name());
                if latest {
                    text.push_str(&format!(
                        ", its latest trading bar (the latest trading bar written: {})",
                        chart.last_date
                    ));
                }
                Some(BarsLeftOut {
                    file: &file.name,
                    bar: text,
                    latest,
                })
            })
            .collect();
        charts.sort_by_key(|chart| !chart.latest);
        charts
    }

    /// [`Self::bars_left_out`] as one warning, when there are any: the charts named until the
    /// text would pass [`WARNING_CHARS`] (an annotation shows 4,000), then how many more.
    pub fn bars_left_out_warning(&self) -> Option<String> {
        let charts = self.bars_left_out();
        if charts.is_empty() {
            return None;
        }
        let mut text = format!(
            "bars left out of PRICE_DATA for their prices in {} chart{} (the newest of each): ",
            charts.len(),
            if charts.len() == 1 { "" } else { "s" },
        );
        let mut named = 0;
        for chart in &charts {
            let entry = format!(
                "{}{} {}",
                if named > 0 { "; " } else { "" },
                one_line(chart.file),
                chart.bar
            );
            if text.len() + entry.len() > WARNING_CHARS {
                break;
            }
            text.push_str(&entry);
            named += 1;
        }
        if named < charts.len() {
            text.push_str(&format!(
                "{}and {} more (report.json dates each)",
                if named > 0 { "; " } else { "" },
                charts.len() - named
            ));
        }
        Some(text)
    }

    /// The stocks whose series the run removed, when there are any (twenty named at most).
    pub fn no_longer_published_text(&self) -> Option<String> {
        let gone = &self.no_longer_published;
        let (shown, more) = match gone.len() {
            0 => return None,
            n if n > SUMMARY_FAILURES => (&gone[..SUMMARY_FAILURES], n - SUMMARY_FAILURES),
            _ => (&gone[..], 0),
        };
        let mut names = shown.join(", ");
        if more > 0 {
            names.push_str(&format!(" and {more} more (report.json lists them)"));
        }
        Some(format!(
            "{} symbol{} published before {} not in this run's tree, and their series were removed \
             (their charts failed or were not in the input): {names}",
            gone.len(),
            if gone.len() == 1 { "" } else { "s" },
            if gone.len() == 1 { "is" } else { "are" },
        ))
    }

    /// The few lines a person reads on stderr after a run.
    pub fn human_summary(&self) -> String {
        let t = &self.totals;
        let wall = self.timings_ms.wall;
        // A laptop's folder of a few charts takes milliseconds, which "0.00 s" would hide.
        let took = match wall {
            0 => "under 1 ms".to_owned(),
            1..1000 => format!("{wall} ms"),
            _ => format!("{:.2} s", wall as f64 / 1000.0),
        };
        let rate = self
            .files_per_second_text()
            .map_or(String::new(), |rate| format!("{rate}, "));
        // A shard is worth naming only where there are several.
        let shard = match self.shard_count {
            1 => String::new(),
            count => format!(" (shard {}/{count})", self.shard_index),
        };
        let mut out = format!(
            "bluedot {}{shard}: {} file{}: {} ok, {} failed, {} skipped in {took} ({rate}{:.1} MB in, {:.1} MB out",
            self.timeframe,
            t.files,
            if t.files == 1 { "" } else { "s" },
            t.ok,
            t.failed,
            t.skipped,
            self.bytes.input as f64 / 1e6,
            self.bytes.output as f64 / 1e6,
        );
        if let Some(peak) = self.peak_rss_bytes {
            out.push_str(&format!(", peak memory {:.1} MB", peak as f64 / 1e6));
        }
        out.push_str(")\n");
        if self.interrupted {
            out.push_str("interrupted: nothing was published; files not reached are failed\n");
        } else if !self.published {
            out.push_str(
                "no chart converted: nothing was published; any series published before are kept\n",
            );
        }
        // Blue dots are dates, not rows: most fall before the first bar of a chart's window, and
        // among rows left out they would read as data lost.
        let (dots, rows): (Vec<_>, Vec<_>) = self
            .dropped_rows
            .iter()
            .partition(|(reason, _)| reason.contains("blue_dot"));
        let counted = |counts: Vec<(&String, &u64)>| -> Vec<String> {
            let kept = |reason: &str| reason == "holiday" && self.keep_holidays;
            counts
                .into_iter()
                .map(|(reason, n)| match kept(reason) {
                    true => format!("{reason} {n} (kept in PRICE_DATA)"),
                    false => format!("{reason} {n}"),
                })
                .collect()
        };
        if !rows.is_empty() {
            out.push_str(&format!("rows left out: {}\n", counted(rows).join(", ")));
        }
        if !dots.is_empty() {
            out.push_str(&format!(
                "blue dots not plotted: {}\n",
                counted(dots).join(", ")
            ));
        }
        if let Some(warning) = self.midnight_warning() {
            out.push_str(&format!("warning: {warning}\n"));
        }
        if let Some(warning) = self.bars_left_out_warning() {
            out.push_str(&format!("warning: {warning}\n"));
        }
        let reached = self.failures_reached().count();
        for file in self.failures_reached().take(SUMMARY_FAILURES) {
            out.push_str(&format!(
                "failed: {}: {}\n",
                one_line(&file.name),
                one_line(file.reason.as_deref().unwrap_or("unknown"))
            ));
        }
        if reached > SUMMARY_FAILURES {
            out.push_str(&format!(
                "... and {} more failed, all listed in report.json\n",
                reached - SUMMARY_FAILURES
            ));
        }
        // A chart saved as `.json.txt`, zipped or moved into a sub-folder is skipped, and its
        // stock goes missing: name them, all but what file browsers leave everywhere.
        let mut skipped = self.files.iter().filter(|file| {
            file.outcome == Outcome::Skipped && !crate::output::left_by_a_file_manager(&file.name)
        });
        for file in skipped.by_ref().take(SUMMARY_SKIPPED) {
            out.push_str(&format!(
                "skipped: {}: {}\n",
                one_line(&file.name),
                one_line(file.reason.as_deref().unwrap_or("unknown"))
            ));
        }
        let more = skipped.count();
        if more > 0 {
            out.push_str(&format!(
                "... and {more} more skipped, all listed in report.json\n"
            ));
        }
        if let Some(gone) = self.no_longer_published_text() {
            out.push_str(&format!("warning: {gone}\n"));
        }
        let not_reached = self.failures().count() - reached;
        if not_reached > 0 {
            out.push_str(&format!(
                "{not_reached} not reached before the signal (failed in report.json)\n"
            ));
        }
        out
    }
}

/// `text` on one line, control characters spelled out (`\n`), for the summary and the logs. A
/// file name may hold a line break (Linux and Drive allow it), and a line of it starting with
/// `::` would be a command to a GitHub runner reading the output (`bluedot process` in a
/// workflow's `run:` step). Characters that do not show themselves are spelled out too
/// ([`is_unseen_format`]).
pub fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    let spelled = |c: char| c.is_control() || is_unseen_format(c);
    if !text.chars().any(spelled) {
        return text.into();
    }
    text.chars()
        .map(|c| {
            if spelled(c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

/// Characters that change how text shows without showing themselves, so a name holding one
/// looks like another name, or like something else: the bidirectional controls (UAX #9), which
/// reorder what follows (`evil\u{202e}nosj.txt` reads as `evil` + `txt.json`); the zero-width
/// and other invisible format characters (`AAPL\u{200b}.json` reads as `AAPL.json`, the file
/// a trader would then look for); and the line and paragraph separators, which some viewers
/// break lines at.
pub fn is_unseen_format(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}' // soft hyphen
            | '\u{061c}' // Arabic letter mark (bidi)
            | '\u{180e}' // Mongolian vowel separator
            | '\u{200b}'..='\u{200f}' // zero-width space, (non-)joiner, bidi marks
            | '\u{2028}'..='\u{202e}' // line/paragraph separators, bidi embeddings
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{206f}' // bidi isolates, deprecated format characters
            | '\u{feff}' // zero-width no-break space (a byte-order mark)
            | '\u{fff9}'..='\u{fffb}' // interlinear annotation
            | '\u{e0001}'
            | '\u{e0020}'..='\u{e007f}' // tags
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::report;
    use crate::report::{FileReport, NOT_REACHED};

    #[test]
    fn the_summary_gives_short_runs_in_milliseconds() {
        let mut report = report();
        let took = |report: &Report| {
            let summary = report.human_summary();
            let after = summary.split_once(" skipped in ").unwrap().1;
            after.split_once(" (").unwrap().0.to_owned()
        };
        report.timings_ms.wall = 0;
        assert_eq!(took(&report), "under 1 ms");
        report.timings_ms.wall = 3;
        assert_eq!(took(&report), "3 ms");
        report.timings_ms.wall = 999;
        assert_eq!(took(&report), "999 ms");
        report.timings_ms.wall = 12_345;
        assert_eq!(took(&report), "12.35 s");
    }

    #[test]
    fn a_rate_is_given_only_where_it_can_be_told() {
        let mut report = report();
        report.totals.ok = 8;
        let rate = |report: &Report| {
            let summary = report.human_summary();
            summary
                .contains("files/s")
                .then(|| report.files_per_second().unwrap())
        };
        report.timings_ms.wall = 1;
        assert_eq!(rate(&report), None, "8 charts in a millisecond or two");
        report.timings_ms.wall = 200;
        assert_eq!(rate(&report), Some(40.0));
        report.timings_ms.wall = 20_000;
        assert!(
            report.human_summary().contains("(0.4 files/s, "),
            "a slow run is not 0"
        );
        report.interrupted = true;
        assert_eq!(rate(&report), None, "most files were never reached");
    }

    /// A chart saved under another name is skipped, and its stock would go missing without a
    /// word on the terminal: skipped files are named, what file browsers leave is not.
    #[test]
    fn the_summary_names_skipped_files_but_not_clutter() {
        let mut report = report();
        for name in [
            "BOX_daily.json.txt",
            ".DS_Store",
            "._X_daily.json",
            "Thumbs.db",
        ] {
            let reason = Some("not a .json file".into());
            report
                .files
                .push(FileReport::new(name, Outcome::Skipped, reason));
        }
        let summary = report.human_summary();
        assert!(
            summary.contains("skipped: BOX_daily.json.txt: not a .json file\n"),
            "{summary}"
        );
        assert_eq!(summary.matches("skipped: ").count(), 1, "{summary}");
        for n in 0..12 {
            let reason = Some("not a .json file".into());
            report.files.push(FileReport::new(
                format!("{n}.zip"),
                Outcome::Skipped,
                reason,
            ));
        }
        let summary = report.human_summary();
        assert_eq!(summary.matches("\nskipped: ").count(), 10, "{summary}");
        assert!(
            summary.contains("... and 3 more skipped, all listed in report.json\n"),
            "{summary}"
        );
    }

    /// Charts that lost their latest trading bar come first; names are given while the warning
    /// stays short enough for an annotation, then counted; a chart that failed (its series
    /// never written) is not among them.
    #[test]
    fn the_bars_left_out_warning_puts_charts_ending_early_first() {
        use crate::convert::{BadBar, BarLeftOut, ChartSymbols};
        use crate::report::{ChartCounts, ChartFacts};
        let day = |d| chrono::NaiveDate::from_ymd_opt(2025, 7, d).unwrap();
        let chart = |left_out: u32| ChartFacts {
            symbols: ChartSymbols::new("S", "S", [0; 4]),
            first_date: day(1),
            last_date: day(30),
            newest_bar_left_out: Some(BarLeftOut {
                date: day(left_out),
                reason: BadBar::NegativeVolume,
            }),
            counts: ChartCounts::new([0; 15]),
        };
        let mut report = report();
        report.files.clear();
        let long = "L".repeat(100);
        for n in 0..25 {
            let mut file = FileReport::new(format!("{n:02}{long}_daily.json"), Outcome::Ok, None);
            // Two charts lost their bar of the 31st, after their last one of the 30th.
            file.chart = Some(chart(if n % 10 == 9 { 31 } else { 15 }));
            report.files.push(file);
        }
        let mut failed = FileReport::new("ZZ_daily.json", Outcome::Failed, Some("x".into()));
        failed.chart = Some(chart(31));
        report.files.push(failed);

        let warning = report.bars_left_out_warning().unwrap();
        let ending_early = ", its latest trading bar (the latest trading bar written: 2025-07-30)";
        assert!(
            warning.starts_with(&format!(
                "bars left out of PRICE_DATA for their prices in 25 charts (the newest of each): \
                 09{long}_daily.json 2025-07-31 negative_volume{ending_early}; \
                 19{long}_daily.json 2025-07-31 negative_volume{ending_early}; \
                 00{long}_daily.json 2025-07-15 negative_volume; "
            )),
            "{warning}"
        );
        let named = warning.matches("_daily.json").count();
        assert!((10..25).contains(&named), "{warning}");
        assert!(
            warning.ends_with(&format!(
                "; and {} more (report.json dates each)",
                25 - named
            )),
            "{warning}"
        );
        assert!(warning.len() <= WARNING_CHARS + 50, "{}", warning.len());
        assert!(!warning.contains("ZZ"), "{warning}");
        assert!(
            report
                .human_summary()
                .contains(&format!("\nwarning: {warning}\n"))
        );

        report.files.truncate(0);
        assert_eq!(report.bars_left_out_warning(), None);
    }

    /// Blue dots outside the bars are not rows lost, and holidays kept in PRICE_DATA are not
    /// left out of it: the summary says each as it is.
    #[test]
    fn the_summary_tells_rows_left_out_from_blue_dots_not_plotted() {
        let mut report = report();
        report.dropped_rows = [
            ("blue_dots_outside_range".to_owned(), 231),
            ("holiday".to_owned(), 24),
            ("null_rlst".to_owned(), 4),
        ]
        .into();
        let summary = report.human_summary();
        assert!(
            summary.contains("rows left out: holiday 24, null_rlst 4\n"),
            "{summary}"
        );
        assert!(
            summary.contains("blue dots not plotted: blue_dots_outside_range 231\n"),
            "{summary}"
        );
        report.keep_holidays = true;
        let summary = report.human_summary();
        assert!(
            summary.contains("rows left out: holiday 24 (kept in PRICE_DATA), null_rlst 4\n"),
            "{summary}"
        );
    }

    /// Run in a workflow's `run:` step, a line of a file name starting with `::` would be a
    /// command to the runner: every failure is one line, its breaks spelled out.
    #[test]
    fn the_summary_gives_each_failure_one_line() {
        let mut report = report();
        report.files[1].name = "X\n::add-mask::_daily.json".into();
        let summary = report.human_summary();
        assert!(
            summary.contains("failed: X\\n::add-mask::_daily.json: bad\\n\"x\"\n"),
            "{summary}"
        );
        assert!(
            !summary.lines().any(|line| line.starts_with("::")),
            "{summary}"
        );
    }

    #[test]
    fn an_interrupted_summary_names_real_failures_and_counts_the_charts_not_reached() {
        let mut report = report();
        report.interrupted = true;
        for i in 0..30 {
            let reason = format!("not converted: {NOT_REACHED}");
            let file =
                FileReport::new(format!("N{i:02}_daily.json"), Outcome::Failed, Some(reason));
            report.files.push(file);
        }
        report.totals.failed = 31;
        let summary = report.human_summary();
        let failed: Vec<&str> = summary
            .lines()
            .filter(|l| l.starts_with("failed: "))
            .collect();
        assert_eq!(failed, ["failed: BAD_daily.json: bad\\n\"x\""], "{summary}");
        assert!(summary.contains("\n30 not reached before the signal (failed in report.json)\n"));
        assert!(!summary.contains("more failed"), "{summary}");
    }

    #[test]
    fn a_name_cannot_reorder_what_is_shown_after_it() {
        let mut report = report();
        report.files[1].name = "evil\u{202e}nosj.txt".into();
        let summary = report.human_summary();
        assert!(
            summary.contains("failed: evil\\u{202e}nosj.txt: "),
            "{summary}"
        );
        assert!(!summary.contains('\u{202e}'), "{summary}");
    }

    #[test]
    fn a_name_cannot_pass_for_another_by_an_invisible_character() {
        let mut report = report();
        report.files[1].name = "AAPL\u{200b}_daily.json".into();
        let summary = report.human_summary();
        assert!(
            summary.contains("failed: AAPL\\u{200b}_daily.json: "),
            "{summary}"
        );
        for c in ['\u{feff}', '\u{2028}', '\u{ad}', '\u{e0041}'] {
            assert_eq!(
                one_line(&format!("A{c}B")),
                format!("A{}B", c.escape_default())
            );
        }
        assert_eq!(one_line("Société Générale"), "Société Générale");
    }
}
