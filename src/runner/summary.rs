//! The job summary: GitHub-flavoured Markdown appended to `GITHUB_STEP_SUMMARY`.
//!
//! The runner uploads nothing at all when a step's summary exceeds 1 MiB, so the renderer works
//! to a byte budget: the totals and costs always fit, then failure and skip rows are added whole
//! (one line each, so the cut falls on a line and UTF-8 boundary) while they fit, and a last line
//! counts what was cut. Every row is in `report.json` anyway.
//!
//! File names and reasons come from outside: they are HTML-escaped and stripped of Markdown
//! meaning so that a name cannot break the table, inject links or images, or forge a row.

use crate::report::{Outcome, Report};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

/// The runner's limit (`AttachmentSizeLimit`), exactly 1 MiB.
pub const RUNNER_LIMIT: usize = 1024 * 1024;
/// What we allow ourselves: comfortably below the limit.
pub const BUDGET: usize = RUNNER_LIMIT - 16 * 1024;
/// Longest text kept in one table cell, in characters.
const CELL_CHARS: usize = 300;
/// Room kept for the closing lines of each section.
const FOOTER_ROOM: usize = 1024;

const EMPTY_COMMENT_AT: &str = "<!-- -->@";

/// A table cell holding text we do not control.
pub fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (chars, c) in text.chars().enumerate() {
        if chars == CELL_CHARS {
            out.push('…');
            break;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '|' => out.push_str("&#124;"),
            // `.` and `:` as well: GitHub links `www.` and `https://` in plain text.
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '!' | '~' | '\'' | '$' | '.'
            | ':' => {
                let _ = write!(out, "&#{};", c as u32);
            }
            // It links e-mail addresses too, recognised after entities are decoded: an empty
            // comment splits the text before the `@`, and GitHub does not show it.
            '@' => out.push_str(EMPTY_COMMENT_AT),
            // Spelled out as on stderr (`\n`, `\u{1b}`): shown, a line break would end the
            // table, and as a blank two names differing only there would read the same; a
            // format character would hide itself or reorder the rest of the cell.
            c if c.is_control() || crate::report::is_unseen_format(c) => {
                let spelled = c.escape_default().to_string();
                let _ = write!(out, "&#92;{}", &spelled[1..]);
            }
            c => out.push(c),
        }
    }
    out
}

/// Heading and run context shown above the numbers.
pub struct Context<'a> {
    pub title: &'a str,
    /// Short lines under the title (status, gate, where the output is); written by us.
    pub notes: &'a [String],
}

pub fn process(report: &Report, context: &Context<'_>, budget: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## {}\n", context.title);
    for note in context.notes {
        let _ = writeln!(out, "{note}  ");
    }
    if !context.notes.is_empty() {
        out.push('\n');
    }
    totals_table(&mut out, report);
    stages_table(&mut out, report);
    dropped_table(&mut out, report);

    // Charts a signal kept the run from say nothing each: one line counts them.
    let failures: Vec<(&str, &str)> = report
        .failures_reached()
        .map(|f| (&*f.name, f.reason.as_deref().unwrap_or("unknown")))
        .collect();
    let not_reached = report.failures().count() - failures.len();
    if not_reached > 0 {
        let _ = writeln!(
            out,
            "{not_reached} of the files were not reached before the signal (each is `failed` in `report.json`).\n"
        );
    }
    let skipped: Vec<(&str, &str)> = report
        .files
        .iter()
        .filter(|f| f.outcome == Outcome::Skipped)
        .map(|f| (&*f.name, f.reason.as_deref().unwrap_or("")))
        .collect();
    let left_out = report.bars_left_out();
    let left_out: Vec<(&str, &str)> = left_out.iter().map(|c| (c.file, &*c.bar)).collect();
    // Failures matter more than bars left out, and those more than skips: each gets the
    // budget before the next, which keeps room for the line saying rows were not shown.
    let reserve = |later: &[&[(&str, &str)]]| {
        later.iter().filter(|rows| !rows.is_empty()).count() * FOOTER_ROOM
    };
    file_rows(
        &mut out,
        ("Failed files", "reason"),
        "failures",
        &failures,
        budget.saturating_sub(reserve(&[&left_out, &skipped])),
    );
    file_rows(
        &mut out,
        ("Bars left out for their prices", "newest bar left out"),
        "charts with bars left out",
        &left_out,
        budget.saturating_sub(reserve(&[&skipped])),
    );
    file_rows(
        &mut out,
        ("Skipped files", "reason"),
        "skipped files",
        &skipped,
        budget,
    );
    out
}

fn totals_table(out: &mut String, report: &Report) {
    let t = &report.totals;
    out.push_str("| files | count |\n|---|---:|\n");
    let rows: [(&str, String); 8] = [
        ("listed by the source (all shards)", t.listed.to_string()),
        ("in this shard", t.files.to_string()),
        ("ok", t.ok.to_string()),
        ("failed", t.failed.to_string()),
        ("skipped", t.skipped.to_string()),
        (
            "success rate (ok / (ok + failed))",
            report.success_percent_text(),
        ),
        ("series files written", t.series_files_written.to_string()),
        ("rows written", t.rows_written.to_string()),
    ];
    for (label, value) in rows {
        let _ = writeln!(out, "| {label} | {value} |");
    }
    if t.retries > 0 {
        let _ = writeln!(out, "| source retries | {} |", t.retries);
    }
    out.push('\n');
}

fn stages_table(out: &mut String, report: &Report) {
    let ms = &report.timings_ms;
    out.push_str("### Time and resources\n\n| stage | time |\n|---|---:|\n");
    let rows = [
        ("list the source", ms.list, ""),
        (
            "wait for the source",
            ms.fetch,
            " (opening files, downloads)",
        ),
        ("read files", ms.read, " (summed over workers)"),
        ("convert", ms.convert, " (summed over workers)"),
        ("write series", ms.write, " (summed over workers)"),
        ("finalize (symbol list, report)", ms.finalize, ""),
        ("wall clock", ms.wall, ""),
    ];
    for (stage, millis, note) in rows {
        let _ = writeln!(out, "| {stage}{note} | {millis} ms |");
    }
    if let Some(rate) = report.files_per_second_text() {
        let secs = ms.wall as f64 / 1000.0;
        let _ = writeln!(
            out,
            "| throughput | {rate}, {:.1} MB/s in |",
            report.bytes.input as f64 / 1e6 / secs
        );
    }
    let _ = writeln!(
        out,
        "| bytes in / out | {:.1} MB / {:.1} MB |",
        report.bytes.input as f64 / 1e6,
        report.bytes.output as f64 / 1e6
    );
    let peak = report
        .peak_rss_bytes
        .map_or("not reported".to_owned(), |b| {
            format!("{:.1} MB", b as f64 / 1e6)
        });
    let _ = writeln!(out, "| peak memory | {peak} |\n");
}

fn dropped_table(out: &mut String, report: &Report) {
    if report.dropped_rows.is_empty() {
        return;
    }
    out.push_str("### Rows left out, by reason\n\n| reason | rows |\n|---|---:|\n");
    for (reason, rows) in &report.dropped_rows {
        // Holidays --keep-holidays kept are in PRICE_DATA, left out of the other three only.
        let kept = match reason.as_str() {
            "holiday" if report.keep_holidays => " (kept in PRICE_DATA)",
            _ => "",
        };
        let _ = writeln!(out, "| {} | {rows} |", cell(&format!("{reason}{kept}")));
    }
    out.push('\n');
}

/// A table of files, headed `(heading, what the second column says)`, as many rows as
/// `budget` holds, then how many were not shown.
fn file_rows(
    out: &mut String,
    (heading, column): (&str, &str),
    noun: &str,
    rows: &[(&str, &str)],
    budget: usize,
) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "### {heading} ({})\n\n| file | {column} |\n|---|---|",
        rows.len()
    );
    let mut shown = 0;
    for (name, reason) in rows {
        let row = format!("| {} | {} |\n", cell(name), cell(reason));
        if out.len() + row.len() + FOOTER_ROOM > budget {
            break;
        }
        out.push_str(&row);
        shown += 1;
    }
    out.push('\n');
    if shown < rows.len() {
        let _ = writeln!(
            out,
            "_{} more {noun} not shown here, to keep this summary under 1 MiB; every file is listed in `report.json`._\n",
            rows.len() - shown
        );
    }
}

/// A summary for runs that stopped before converting anything (bad input, nothing to do).
pub fn error(title: &str, message: &str) -> String {
    format!("## {title}\n\n**Error:** {}\n", cell(message))
}

/// Appends `text`, refusing to push the file past the runner's limit (it would then show nothing).
pub fn append(file: &Path, text: &str) -> anyhow::Result<()> {
    let existing = std::fs::metadata(file).map_or(0, |m| m.len() as usize);
    anyhow::ensure!(
        existing + text.len() < RUNNER_LIMIT,
        "the job summary would exceed 1 MiB ({} + {} bytes)",
        existing,
        text.len()
    );
    let mut handle = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(file)?;
    handle.write_all(text.as_bytes())?;
    Ok(())
}

/// What the summary may still use, given what this step already wrote to the file. The runner
/// gives each step a fresh, empty file, so no other step's text can be in it: counting what is
/// there only guards against this step having written some already.
pub fn remaining_budget(file: &Path) -> usize {
    let existing = std::fs::metadata(file).map_or(0, |m| m.len() as usize);
    BUDGET.saturating_sub(existing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{FileReport, Totals};

    fn report_with_failures(n: usize, reason: &str) -> Report {
        let files: Vec<FileReport> = (0..n)
            .map(|i| {
                FileReport::new(
                    format!("SYM{i:05}.IN_daily.json"),
                    Outcome::Failed,
                    Some(reason.into()),
                )
            })
            .collect();
        Report {
            report_version: 1,
            generated_by: "test".into(),
            timeframe: "daily".into(),
            group: "g".into(),
            timezone: None,
            timezone_database: None,
            keep_holidays: false,
            shard_index: 0,
            shard_count: 1,
            source: "local:x".into(),
            totals: Totals {
                files: n as u64,
                failed: n as u64,
                ..Totals::default()
            },
            dropped_rows: [("holiday".to_owned(), 3)].into(),
            bars_not_at_midnight: 0,
            no_longer_published: Vec::new(),
            timings_ms: Default::default(),
            bytes: Default::default(),
            peak_rss_bytes: Some(5_000_000),
            interrupted: false,
            published: true,
            files,
        }
    }

    #[test]
    fn cells_cannot_break_the_table_or_inject_markup() {
        let text = cell("a|b\n| x | y |<img src=x>[l](http://e)`c`*@");
        assert!(!text.contains('|') && !text.contains('\n'));
        assert!(!text.replace(EMPTY_COMMENT_AT, "").contains(['<', '@']));
        assert!(!text.contains('[') && !text.contains('`') && !text.contains('*'));
        assert_eq!(cell(&"é".repeat(400)).chars().count(), CELL_CHARS + 1);
    }

    /// What GitHub's Markdown (cmark-gfm's autolink extension) links without any markup.
    #[test]
    fn cells_hold_no_text_github_would_make_a_link() {
        let text = cell("www.evil.example login https://evil.example/x support@evil.example");
        assert!(!text.contains("www.") && !text.contains("://"), "{text}");
        assert_eq!(
            text.matches('@').count(),
            text.matches(EMPTY_COMMENT_AT).count()
        );
    }

    #[test]
    fn cells_hold_no_character_that_reorders_the_text_after_it() {
        let text = cell("evil\u{202e}nosj.txt");
        assert_eq!(text, "evil&#92;u{202e}nosj&#46;txt");
        assert_eq!(cell("AAPL\u{200b}"), "AAPL&#92;u{200b}");
    }

    /// Names that differ only in a control character stay different in the summary, spelled as
    /// on stderr.
    #[test]
    fn cells_spell_control_characters_out() {
        assert_eq!(cell("a\nb"), "a&#92;nb");
        assert_eq!(cell("a\r\tb\u{1b}"), "a&#92;r&#92;tb&#92;u{1b}");
        assert_ne!(cell("a\nY"), cell("a Y"));
    }

    #[test]
    fn a_huge_failure_list_is_cut_below_the_budget_with_a_count() {
        let report = report_with_failures(20_000, &"ü broken ".repeat(30));
        let context = Context {
            title: "t",
            notes: &[],
        };
        let text = process(&report, &context, BUDGET);
        assert!(text.len() <= BUDGET, "{}", text.len());
        let shown = text.lines().filter(|l| l.starts_with("| SYM")).count();
        assert!(shown > 100);
        assert!(
            text.contains(&format!("_{} more failures not shown", 20_000 - shown)),
            "{}",
            &text[text.len() - 300..]
        );
    }

    #[test]
    fn a_small_run_shows_every_failure_and_the_tables() {
        let report = report_with_failures(3, "bad json");
        let text = process(
            &report,
            &Context {
                title: "t",
                notes: &["status: some failed".into()],
            },
            BUDGET,
        );
        assert!(text.contains("| failed | 3 |"));
        assert!(text.contains("| holiday | 3 |"));
        assert!(text.contains("| peak memory | 5.0 MB |"));
        assert_eq!(text.lines().filter(|l| l.starts_with("| SYM")).count(), 3);
        assert!(!text.contains("more failures"));
    }
}
