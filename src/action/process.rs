//! `mode: process`: the pipeline on this job's shard, reported the way the runner shows it.

use super::inputs::{DEFAULT_OUTPUT_DIR, Inputs};
use super::source::{self, SourceSpec};
use super::threshold::MinSuccessRate;
use super::{ActionError, Finished, RunnerEnv, paths};
use crate::cli::{EXIT_OK, EXIT_SOME_FAILED};
use crate::convert::{ConvertOptions, DateRule};
use crate::output::WriteMode;
use crate::pipeline::{self, InputConflict, Job};
use crate::progress::ConsoleProgress;
use crate::report::{Outcome, Report};
use crate::runner::commands::{Annotation, Console, Level};
use crate::runner::summary;
use std::io::Stdout;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

pub fn run(
    inputs: &Inputs,
    runner: &RunnerEnv,
    console: &mut Console<Stdout>,
    stop: &Arc<AtomicBool>,
) -> Result<Finished, ActionError> {
    let timeframe = inputs.timeframe()?;
    let shard = inputs.shard()?;
    let workers = inputs.workers()?;
    let timezone = inputs.timezone()?;
    let keep_holidays = inputs.keep_holidays()?;
    let group = inputs.group()?;
    let min_success_rate = inputs.min_success_rate()?;
    let date = inputs.date()?;
    let workspace = runner.workspace()?;
    let spec = source::parse(inputs, workspace)?;
    let output = paths::resolve(
        workspace,
        inputs.get("output-dir").unwrap_or(DEFAULT_OUTPUT_DIR),
        "output-dir",
    )?;
    // The series go into `data/<timeframe>` below it: a link on that way (`out/data` to
    // elsewhere) would carry them out of the workspace though `output-dir` itself is inside.
    let series = format!("{}/data/{timeframe}", output.relative);
    paths::resolve(workspace, &series, "output-dir").map_err(|_| {
        ActionError::usage(format!(
            "input `output-dir` ({:?}): the series folder {series} leads outside the workspace (a link on the way?); give a folder whose data/ is inside the repository checkout",
            output.relative
        ))
    })?;
    if let SourceSpec::Local(dir) = &spec {
        match pipeline::input_conflict(&dir.absolute, &output.absolute, timeframe) {
            Some(InputConflict::SameFolder) => {
                return Err(ActionError::usage(
                    "inputs `source` and `output-dir` name the same folder; the report would be read as a chart on the next run",
                ));
            }
            Some(InputConflict::InsideSeries(_)) => {
                return Err(ActionError::usage(format!(
                    "input `source` ({}) is inside `output-dir`'s data/{timeframe}, which each run replaces whole: the charts would be deleted with it",
                    dir.relative
                )));
            }
            None => {}
        }
    }

    let mut opened = source::open(&spec, inputs, timeframe, console, stop)?;
    opened.fail_charts_linked_outside(workspace);
    opened.require_charts().map_err(ActionError::usage)?;
    let listed = opened.costs.listed;
    let label = opened.label.clone();
    let work = opened.into_shard(shard, stop);

    let job = Job {
        convert: ConvertOptions {
            timeframe,
            date_rule: timezone.map_or(DateRule::NearestUtcMidnight, DateRule::Zone),
            keep_holidays,
        },
        group,
        output: output.absolute.clone(),
        workers,
        shard,
        write_mode: WriteMode::Staged,
    };
    console.group(&format!(
        "Converting {} of {} files (shard {shard}, {workers} workers)",
        work.files(),
        listed,
    ));
    let progress = ConsoleProgress::for_stderr();
    let result = pipeline::run(&job, work, &progress, stop);
    console.end_group();
    let report = result.map_err(|e| {
        ActionError::usage(crate::pipeline::failure_message(
            &e,
            &format!("`{}`", output.relative),
        ))
    })?;

    console.group("Run summary");
    console.untrusted(&report.human_summary());
    console.end_group();
    annotate(console, &report, &spec);

    let verdict = Verdict::of(&report, min_success_rate);
    let report_path = match output.relative.as_str() {
        "." => "report.json".to_owned(),
        folder => format!("{folder}/report.json"),
    };
    let mut notes = vec![
        format!("**Status: {}**: {}", verdict.status, verdict.explanation),
        format!(
            "Source {}, output {}, report {}",
            summary::cell(&label),
            summary::cell(&output.relative),
            summary::cell(&report_path)
        ),
    ];
    if let Some(date) = &date {
        notes.push(format!("Date {date}"));
    }
    if signalled_late(&report) {
        notes.push(format!("**Warning**: {}", crate::pipeline::LATE_STOP));
    }
    // Each begins with its count, which a cell cut short keeps.
    for warning in [report.midnight_warning(), report.no_longer_published_text()]
        .into_iter()
        .flatten()
    {
        notes.push(format!("**Warning**: {}", summary::cell(&warning)));
    }
    // Each chart is a row of its own table below, which a note would cut short.
    let left_out = report.bars_left_out();
    if !left_out.is_empty() {
        let latest = left_out.iter().filter(|chart| chart.latest).count();
        notes.push(format!(
            "**Warning**: {} chart{} lost trading bars to bad prices ({latest} of them their latest): see *Bars left out for their prices* below",
            left_out.len(),
            if left_out.len() == 1 { "" } else { "s" },
        ));
    }
    // A shard is worth naming only where there are several, as on stderr.
    let title = match shard.count {
        1 => format!("bluedot process: {timeframe}"),
        _ => format!("bluedot process: {timeframe}, shard {shard}"),
    };
    let budget = runner
        .summary_file
        .as_deref()
        .map_or(summary::BUDGET, summary::remaining_budget);
    let text = summary::process(
        &report,
        &summary::Context {
            title: &title,
            notes: &notes,
        },
        budget,
    );
    let t = &report.totals;
    Ok(Finished {
        exit: verdict.exit,
        outputs: vec![
            ("files-total", t.files.to_string()),
            ("files-ok", t.ok.to_string()),
            ("files-failed", t.failed.to_string()),
            ("success-rate", report.success_rate_text()),
            ("report-path", report_path),
            ("status", verdict.status.into()),
        ],
        summary: text,
    })
}

/// The step's result: `status` output, exit code and the sentence that explains them.
struct Verdict {
    status: &'static str,
    exit: u8,
    explanation: String,
}

impl Verdict {
    fn of(report: &Report, min_success_rate: Option<MinSuccessRate>) -> Verdict {
        let t = &report.totals;
        // The rate cut to the threshold's places (at least two): it reads below the threshold
        // exactly when it is.
        let rate = |min: MinSuccessRate| t.success_percent_cut(min.percent_places());
        if report.interrupted {
            return Verdict {
                status: "interrupted",
                exit: EXIT_SOME_FAILED,
                explanation:
                    "stopped by a signal; nothing was published, files not reached are failed"
                        .into(),
            };
        }
        let mut verdict = match min_success_rate {
            Some(min) if !min.met_by(t.ok, t.ok + t.failed) => Verdict {
                status: "below-min-success-rate",
                exit: EXIT_SOME_FAILED,
                explanation: format!(
                    "{} failed; success rate {} is below min-success-rate {}",
                    t.failed,
                    rate(min),
                    min.percent_text()
                ),
            },
            Some(min) if t.failed > 0 => Verdict {
                status: "some-failed",
                exit: EXIT_OK,
                explanation: format!(
                    "{} failed; success rate {} meets min-success-rate {}",
                    t.failed,
                    rate(min),
                    min.percent_text()
                ),
            },
            None if t.failed > 0 => Verdict {
                status: "some-failed",
                exit: EXIT_SOME_FAILED,
                explanation: format!(
                    "{} of {} files failed (set min-success-rate to tolerate some)",
                    t.failed,
                    t.ok + t.failed
                ),
            },
            // Charts were handed over, and each was skipped as it was read (bluedot's own report
            // and symbol list uploaded alone, a chart Drive withholds): nothing was published.
            _ if !report.published => Verdict {
                status: "some-failed",
                exit: EXIT_SOME_FAILED,
                explanation: "no file handed over could be converted: each was skipped (see the \
                              skipped files for why)"
                    .into(),
            },
            // A shard of a matrix may draw no chart at all: the others have them.
            _ if t.ok == 0 => Verdict {
                status: "ok",
                exit: EXIT_OK,
                explanation: "no chart fell to this shard".into(),
            },
            _ => Verdict {
                status: "ok",
                exit: EXIT_OK,
                explanation: format!("all {} chart files converted", t.ok),
            },
        };
        if !report.published {
            verdict
                .explanation
                .push_str("; no chart converted, so nothing was published");
        }
        verdict
    }
}

/// A stop signal came, and the run went on, its charts all converted by then.
fn signalled_late(report: &Report) -> bool {
    report.published_despite_signal(crate::cli::stopped_by_signal())
}

fn annotate(console: &mut Console<Stdout>, report: &Report, spec: &SourceSpec) {
    if signalled_late(report) {
        console.annotate(
            Level::Warning,
            Annotation {
                title: "stop signal".into(),
                message: crate::pipeline::LATE_STOP.into(),
                file: None,
            },
        );
    }
    if report.interrupted {
        console.annotate(
            Level::Warning,
            Annotation {
                title: "interrupted".into(),
                message: "The run was stopped by a signal: nothing was published; see the job summary for what was done.".into(),
                file: None,
            },
        );
    }
    let warnings = [
        ("series removed", report.no_longer_published_text()),
        ("dates may be a day off", report.midnight_warning()),
        ("bars left out", report.bars_left_out_warning()),
    ];
    for (title, message) in warnings {
        if let Some(message) = message {
            console.annotate(
                Level::Warning,
                Annotation {
                    title: title.into(),
                    message,
                    file: None,
                },
            );
        }
    }
    // Charts the signal kept the run from are said once, above.
    for file in report.files.iter().filter(|file| !file.not_reached()) {
        let level = match file.outcome {
            Outcome::Ok => continue,
            Outcome::Failed => Level::Error,
            Outcome::Skipped => Level::Warning,
        };
        let verb = if level == Level::Error {
            "failed"
        } else {
            "skipped"
        };
        console.annotate(
            level,
            Annotation {
                // Spelled as on stderr: a name may hold characters that hide or reorder.
                title: format!("{verb}: {}", crate::report::one_line(&file.name)),
                message: crate::report::one_line(file.reason.as_deref().unwrap_or_default())
                    .into_owned(),
                file: spec.annotation_path(&file.name),
            },
        );
    }
}
