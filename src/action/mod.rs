//! The GitHub Action: the same binary, started by the runner with no arguments.
//!
//! Order matters and is kept here: first the signal handlers, then `::add-mask::` for every
//! secret input (before any other byte is printed), then validation and the mode. Whatever
//! happens after the masks, the step ends with outputs (`status` at least) and a job summary.

mod inputs;
mod paths;
mod process;
mod source;
mod threshold;

use crate::cli::{EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE};
use crate::runner::commands::{Annotation, Console, Level};
use crate::runner::{outputs, summary};
use inputs::{Inputs, Mode};
use std::io::Stdout;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// A run that could not go on, with its exit status and a message free of secrets.
#[derive(Debug)]
pub struct ActionError {
    pub code: u8,
    pub message: String,
    /// A stop signal ended the listing of the source: the run never started, and is said to be
    /// interrupted. Any later failure is the run's own, signal or not.
    pub listing_stopped: bool,
}

impl ActionError {
    pub fn usage(message: impl Into<String>) -> ActionError {
        ActionError {
            code: EXIT_USAGE,
            message: message.into(),
            listing_stopped: false,
        }
    }

    /// Drive could not be listed: a stop signal, if one came, is why (it ends the listing).
    pub fn listing(message: impl Into<String>) -> ActionError {
        ActionError {
            listing_stopped: crate::cli::stopped_by_signal(),
            ..ActionError::usage(message)
        }
    }
}

/// True when the runner started us as a container action: no arguments (`action.yml` passes
/// none) and `GITHUB_ACTIONS=true`. With arguments, or outside a runner, it is the plain CLI.
pub fn invoked_by_runner() -> bool {
    std::env::args_os().len() == 1
        && std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true")
}

/// What the runner gave this step.
pub struct RunnerEnv {
    workspace: Option<PathBuf>,
    pub output_file: Option<PathBuf>,
    pub summary_file: Option<PathBuf>,
}

impl RunnerEnv {
    fn from_env() -> RunnerEnv {
        let path = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        RunnerEnv {
            workspace: path("GITHUB_WORKSPACE"),
            output_file: path("GITHUB_OUTPUT"),
            summary_file: path("GITHUB_STEP_SUMMARY"),
        }
    }

    /// The checkout (`/github/workspace` in the container), which every folder input is under.
    pub fn workspace(&self) -> Result<&Path, ActionError> {
        self.workspace.as_deref().ok_or_else(|| {
            ActionError::usage(
                "GITHUB_WORKSPACE is not set; run bluedot as a container action, or pass arguments for the CLI",
            )
        })
    }
}

/// What a mode hands back for the runner.
pub struct Finished {
    pub exit: u8,
    pub outputs: Vec<(&'static str, String)>,
    pub summary: String,
}

pub fn main() -> ExitCode {
    let stop = crate::cli::stop_flag();
    let inputs = Inputs::from_env();
    let mut console = Console::new(std::io::stdout());
    for secret in inputs.secret_values() {
        console.mask(secret);
        // The value as used (trimmed, like every input) too, when it differs.
        if secret.trim() != secret && !secret.contains('\n') {
            console.mask(secret.trim());
        }
    }
    for secret in source::derived_secrets(&inputs) {
        console.mask(&secret);
    }
    // The runner's log shows escape codes as text.
    crate::cli::init_tracing(false);

    let mode = inputs.mode();
    let title = match &mode {
        Ok(Mode::Plan) => "bluedot plan",
        Ok(Mode::Merge) => "bluedot merge",
        Ok(Mode::Health) => "bluedot health",
        Ok(Mode::Process) | Err(_) => "bluedot process",
    };
    let processing = matches!(mode, Ok(Mode::Process));
    let runner = RunnerEnv::from_env();
    let finished = match mode.and_then(|mode| run(mode, &inputs, &runner, &mut console, &stop)) {
        Ok(finished) => finished,
        Err(error) if error.listing_stopped => interrupted(&mut console, title, error, processing),
        Err(error) => failed(&mut console, title, error),
    };
    console.flush_annotations("every file is listed in report.json");
    let mut exit = finished.exit;
    if let Err(e) = deliver(&runner, &finished) {
        console.fatal(
            "bluedot",
            &format!(
                "cannot write the step's outputs or summary ({e:#}); the run itself ended as the \
                 log above says, and what it published stays published"
            ),
        );
        exit = exit.max(EXIT_USAGE);
    }
    ExitCode::from(exit)
}

fn run(
    mode: Mode,
    inputs: &Inputs,
    runner: &RunnerEnv,
    console: &mut Console<Stdout>,
    stop: &Arc<AtomicBool>,
) -> Result<Finished, ActionError> {
    not_yet_available(inputs, mode)?;
    match mode {
        Mode::Plan => plan(inputs, runner, console, stop),
        Mode::Process => process::run(inputs, runner, console, stop),
        Mode::Merge | Mode::Health => unreachable!("refused by not_yet_available"),
    }
}

/// Inputs and modes `action.yml` declares for later work: used now, they stop the run clearly.
fn not_yet_available(inputs: &Inputs, mode: Mode) -> Result<(), ActionError> {
    match mode {
        Mode::Merge => {
            return Err(ActionError::usage(
                "mode `merge` arrives with the merge-and-publish work (site build, Pages deployment); this version runs `plan` and `process`",
            ));
        }
        Mode::Health => {
            return Err(ActionError::usage(
                "mode `health` arrives with the health monitoring work; this version runs `plan` and `process`",
            ));
        }
        Mode::Plan | Mode::Process => {}
    }
    for name in ["slack-webhook", "discord-webhook"] {
        if inputs.is_given(name) {
            return Err(ActionError::usage(format!(
                "input `{name}` arrives with notifications in the `merge` and `health` modes; remove it from `with:` for now"
            )));
        }
    }
    Ok(())
}

fn plan(
    inputs: &Inputs,
    runner: &RunnerEnv,
    console: &mut Console<Stdout>,
    stop: &Arc<AtomicBool>,
) -> Result<Finished, ActionError> {
    let files_per_shard = inputs.files_per_shard()?;
    // Checked whatever the source, as every process job checks it: a typo that passed the plan
    // would fail the whole matrix after it.
    inputs.date()?;
    let spec = source::parse(inputs, runner.workspace()?)?;
    let opened = source::open(&spec, inputs, inputs.timeframe()?, console, stop)?;
    opened.require_charts().map_err(ActionError::usage)?;
    let plan = crate::plan::plan(&opened.listing, files_per_shard);
    let description = crate::plan::describe(&plan, files_per_shard);
    console.line(&format!("plan: {description}"));
    console.line(&format!("matrix: {}", plan.matrix_json()));
    let summary = format!(
        "## bluedot plan\n\n| source | chart files | skipped | files per shard | shards |\n|---|---:|---:|---:|---:|\n| {} | {} | {} | {files_per_shard} | {} |\n\n{}\n",
        summary::cell(&opened.label),
        plan.charts,
        plan.skipped,
        plan.shard_count,
        summary::cell(&description),
    );
    let mut outputs = vec![
        ("matrix", plan.matrix_json()),
        ("shard-count", plan.shard_count.to_string()),
        ("files-total", plan.charts.to_string()),
        ("status", "ok".into()),
    ];
    if let Some(date) = opened.date {
        outputs.push(("date", date));
    }
    Ok(Finished {
        exit: EXIT_OK,
        outputs,
        summary,
    })
}

fn failed(console: &mut Console<Stdout>, title: &str, error: ActionError) -> Finished {
    console.fatal(title, &error.message);
    Finished {
        exit: error.code,
        outputs: vec![("status", "error".into())],
        summary: summary::error(&format!("{title}: stopped"), &error.message),
    }
}

/// A signal stopped the run before it had a chart to convert (while listing Drive): said as a
/// run stopped while converting is (a warning, its status), and nothing written.
fn interrupted(
    console: &mut Console<Stdout>,
    title: &str,
    error: ActionError,
    processing: bool,
) -> Finished {
    let message = format!(
        "{}; nothing was converted, and the output is as it was",
        error.message
    );
    console.annotate(
        Level::Warning,
        Annotation {
            title: "interrupted".into(),
            message: message.clone(),
            file: None,
        },
    );
    let mut outputs = vec![("status", "interrupted".into())];
    if processing {
        // Published nothing, as a run stopped while converting, whose rate is 0.
        outputs.push(("success-rate", crate::report::unpublished_rate_text()));
    }
    Finished {
        exit: EXIT_SOME_FAILED,
        outputs,
        summary: format!(
            "## {title}: interrupted\n\n**Status: interrupted**: {}\n",
            summary::cell(&message)
        ),
    }
}

/// Appends the outputs and the summary; both files may be missing when run by hand.
fn deliver(runner: &RunnerEnv, finished: &Finished) -> anyhow::Result<()> {
    if let Some(file) = &runner.output_file {
        outputs::append(file, &finished.outputs)?;
    }
    if let Some(file) = &runner.summary_file {
        summary::append(file, &finished.summary)?;
    }
    Ok(())
}
