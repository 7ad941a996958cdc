//! The command line: parses arguments and wires a source, the pipeline and the console together.

use crate::convert::{ConvertOptions, DateRule, Timeframe};
use crate::output::WriteMode;
use crate::pipeline::{self, InputConflict, Job};
use crate::progress::ConsoleProgress;
use crate::shard::Shard;
use crate::source::{self, Opened};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Exit status: every file ok.
pub const EXIT_OK: u8 = 0;
/// Exit status: some files failed (the others were still written), or the run published nothing
/// because it was interrupted or converted no chart.
pub const EXIT_SOME_FAILED: u8 = 1;
/// Exit status: the command could not run as asked (usage, configuration, unreadable input), or
/// the run could not go on (its output failed, its threads could not start).
pub const EXIT_USAGE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "bluedot",
    version,
    about = "MarketSmith chart JSON -> TradingView seed CSV series"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert every chart JSON file of a folder into CSV series, symbol list and report.
    #[command(
        after_help = "Exit status: 0 every file converted; 1 some files failed (the rest \
        are written; report.json names each failure), or the run was interrupted or converted \
        no chart (nothing published); 2 the run could not go as asked (an option, the input, the output), nothing \
        published; 130 a second stop signal more than a second after the first (no report; \
        what was staged is left for the next run to remove)."
    )]
    Process(ProcessArgs),
    /// Count the chart files of a folder and print the job matrix JSON (`{"shard":[0,1,...]}`).
    Plan(crate::plan::PlanArgs),
    /// Write deterministic synthetic chart files (tests, examples, benchmark).
    #[command(hide = true)]
    Gen(crate::synth::GenArgs),
}

/// Where the charts come from: a local folder, or a Drive folder.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Folder holding the chart files (`*.json` directly inside it).
    #[arg(
        long,
        value_name = "DIR",
        required_unless_present = "source",
        conflicts_with = "source"
    )]
    pub input: Option<PathBuf>,
    #[command(flatten)]
    pub drive: source::drive::args::DriveArgs,
}

impl SourceArgs {
    /// Lists the source once; errors are for people and never hold secrets. Setting `stop`
    /// ends a Drive listing early.
    pub fn open(
        &self,
        timeframe: Timeframe,
        stop: Option<&Arc<AtomicBool>>,
    ) -> Result<Opened, String> {
        if let Some(config) = self.drive.config(timeframe) {
            let mut config = config?;
            config.stop = stop.cloned();
            return Opened::drive(config);
        }
        let input = self
            .input
            .as_ref()
            .ok_or("give --input DIR or --source gdrive:ID")?;
        if let Some(flag) = self.drive.drive_only_flags().first() {
            return Err(format!(
                "{flag} applies to a Drive source (--source gdrive:ID) only; --input {} is read as it is, one drop's folder",
                input.display()
            ));
        }
        Opened::local(input, format!("local:{}", input.display())).map_err(|e| {
            format!(
                "cannot list input folder {}: {}",
                input.display(),
                crate::os_error::with_advice(&e)
            )
        })
    }
}

#[derive(Debug, Args)]
pub struct ProcessArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Output root: series in OUTPUT/data/<timeframe>/, the run report in OUTPUT/report.json.
    #[arg(long, value_name = "DIR")]
    pub output: PathBuf,
    /// The charts' timeframe, which names the output folder (a chart of another fails)
    #[arg(long, value_enum)]
    pub timeframe: Timeframe,
    /// Conversion threads, 1 to 256 [default: available cores].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub workers: Option<u32>,
    #[command(flatten)]
    pub shard: ShardArgs,
    /// IANA time zone of the charts' exchange, whose local date a bar carries (e.g. Asia/Kolkata,
    /// any case; the machine's own zone is never used; bars not stamped at midnight in it are
    /// warned about) [default: the date of the nearest UTC midnight, exact for exchanges within
    /// 12 hours of UTC].
    #[arg(long, value_name = "TZ", value_parser = parse_timezone)]
    pub timezone: Option<jiff::tz::TimeZone>,
    /// Keep holiday rows in PRICE_DATA (they never enter the other series).
    #[arg(long)]
    pub keep_holidays: bool,
    /// Name of the symbol list: data/<timeframe>/symbol_info/<NAME>.json (1 to 64 of A-Z, a-z,
    /// 0-9, '_', '-'; not a Windows device name such as con).
    #[arg(long, value_name = "NAME", default_value = "bluedot", value_parser = parse_group)]
    pub group: String,
    /// How files reach their final names (measured in bench/convert.sh).
    #[arg(long, value_enum, default_value_t = WriteMode::Staged, hide = true)]
    pub write_mode: WriteMode,
}

#[derive(Debug, Args, Clone, Copy)]
pub struct ShardArgs {
    /// This job's shard, 0-based; files are split by a stable hash of their names. Given
    /// with --shard-count, or not at all (then the one shard, 0 of 1, is every file).
    #[arg(
        long,
        value_name = "I",
        default_value_t = 0,
        hide_default_value = true,
        requires = "shard_count"
    )]
    pub shard_index: u32,
    /// How many shards the files are split into (1 to 256). Given without --shard-index it is
    /// refused: every job of a matrix would quietly convert shard 0, and the rest go missing.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "shard_index")]
    pub shard_count: u32,
}

impl ShardArgs {
    pub fn shard(self) -> Result<Shard, String> {
        Shard::new(self.shard_index, self.shard_count)
    }
}

fn parse_timezone(text: &str) -> Result<jiff::tz::TimeZone, String> {
    crate::convert::named_zone(text)
        .ok_or_else(|| format!("{text:?} is not an IANA time zone name such as Asia/Kolkata"))
}

fn parse_group(text: &str) -> Result<String, String> {
    crate::convert::validate_group(text).map(|()| text.to_owned())
}

pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Set by the first stop signal. The stop flag alone cannot say a run was interrupted: a run
/// raises it too when its output or the machine stops it, to convert nothing more.
static SIGNALLED: AtomicBool = AtomicBool::new(false);

/// Whether a stop signal came (SIGINT, SIGTERM): the run was interrupted, whatever else failed.
pub fn stopped_by_signal() -> bool {
    SIGNALLED.load(Ordering::SeqCst)
}

/// How long after the first stop signal another is the same request again, not a second one.
const SAME_REQUEST: std::time::Duration = std::time::Duration::from_secs(1);

/// Installs SIGINT/SIGTERM handlers that ask the run to stop. A second signal at least
/// [`SAME_REQUEST`] after the first (a second Ctrl-C) exits at once with 130, leaving what the
/// run staged for the next run to remove; one sooner is the first one again, as when GNU
/// `timeout` signals the program and then its whole process group.
pub fn stop_flag() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let since = std::time::Instant::now();
    // Said before the forced exit, so a run that just warned "discarding the staged tree" is
    // not taken to have done so. A progress bar may hold the line: start a new one.
    let on_terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let forced_exit_message: &'static [u8] = if on_terminal {
        b"\nsecond stop signal: exiting now (130), leaving what this run staged for the next run to remove\n"
    } else {
        b"second stop signal: exiting now (130), leaving what this run staged for the next run to remove\n"
    };
    // Milliseconds after `since` plus one when the first signal came; 0 before it.
    let first_signal = Arc::new(AtomicU64::new(0));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let (stop, first_signal) = (stop.clone(), first_signal.clone());
        let on_signal = move || {
            let now = since.elapsed().as_millis() as u64 + 1;
            match first_signal.compare_exchange(0, now, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => {
                    SIGNALLED.store(true, Ordering::SeqCst);
                    stop.store(true, Ordering::SeqCst);
                }
                Err(first) if now - first >= SAME_REQUEST.as_millis() as u64 => {
                    write_to_stderr_in_handler(forced_exit_message);
                    crate::output::exit_unless_swapping(130)
                }
                Err(_) => {}
            }
        };
        // SAFETY: the handler only reads the monotonic clock (`clock_gettime`), updates atomics,
        // may `write` to stderr and may call `_exit`, all of which are async-signal-safe.
        let _ = unsafe { signal_hook::low_level::register(signal, on_signal) };
    }
    stop
}

/// A write past the file size limit (`ulimit -f`) raises SIGXFSZ, which by default kills the
/// process without a word, leaving its staging behind. Caught, the write fails with `EFBIG`
/// instead, and the run stops as on a full disk: exit 2, the published tree kept, a message.
pub fn survive_file_size_limit() {
    #[cfg(unix)]
    {
        let ignored = Arc::new(AtomicBool::new(false));
        let _ = signal_hook::flag::register(signal_hook::consts::SIGXFSZ, ignored);
    }
}

/// Raises the soft limit on open files to the hard one (at most 65,536), as Go's runtime does
/// for every program. A run holds its workers' files, the charts opened ahead and its folders
/// at once, and macOS starts programs with 256, which `--workers 256` outgrows: a run out of
/// descriptors can only stop and publish nothing.
pub fn raise_open_file_limit() {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: both calls only read or write the struct given, which outlives them.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return;
            }
            let wanted = limit.rlim_max.min(65_536);
            if limit.rlim_cur >= wanted {
                return;
            }
            limit.rlim_cur = wanted;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                // macOS refuses more than its `OPEN_MAX` whatever the hard limit says.
                limit.rlim_cur = wanted.min(10_240);
                let _ = libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
            }
        }
    }
}

/// One `write(2)` on stderr, without std's lock (which a signal may have interrupted holding)
/// or any allocation; nothing where that cannot be had.
fn write_to_stderr_in_handler(message: &[u8]) {
    #[cfg(unix)]
    {
        use std::io::Write as _;
        use std::os::fd::FromRawFd as _;
        // SAFETY: fd 2 stays open for the process's life; `ManuallyDrop` never closes it.
        let stderr = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(2) });
        let _ = (&*stderr).write(message);
    }
    #[cfg(not(unix))]
    let _ = message;
}

pub fn main() -> ExitCode {
    init_tracing(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout as clap prints them; errors quote the values given
            // (a path, a time zone), so they take the command-safe way to stderr.
            if !e.use_stderr() {
                let _ = e.print();
            } else {
                eprint_lossy!("{}", e.render());
            }
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(EXIT_USAGE));
        }
    };
    match cli.command {
        Command::Process(args) => process(args),
        Command::Plan(args) => crate::plan::cli(args),
        Command::Gen(args) => crate::synth::main(args),
    }
}

/// `RUST_LOG`'s filter, or warnings and errors. An empty `RUST_LOG` counts as unset: workflows
/// set it from an input that is empty unless given, and an empty filter would hide warnings.
pub fn log_filter() -> tracing_subscriber::EnvFilter {
    match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => {
            tracing_subscriber::EnvFilter::try_new(directives)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"))
        }
        _ => tracing_subscriber::EnvFilter::new("warn"),
    }
}

/// Logs to stderr at [`log_filter`]'s level, every line through `Neutralized`: a workflow's
/// `run: bluedot ...` step, like the action, has its stderr read by the runner, which must not
/// take a logged file name for a command. Colours only for a terminal.
pub fn init_tracing(ansi: bool) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(log_filter())
        .with_writer(|| crate::runner::commands::Neutralized::new(std::io::stderr()))
        .with_ansi(ansi)
        .try_init();
}

fn usage_error(message: impl std::fmt::Display) -> ExitCode {
    // Messages may quote what a server answered: one line, control characters spelled out.
    eprintln_lossy!("error: {}", crate::report::one_line(&message.to_string()));
    ExitCode::from(EXIT_USAGE)
}

fn process(args: ProcessArgs) -> ExitCode {
    let shard = match args.shard.shard() {
        Ok(shard) => shard,
        Err(e) => return usage_error(e),
    };
    if let Some(input) = &args.source.input {
        match pipeline::input_conflict(input, &args.output, args.timeframe) {
            Some(InputConflict::SameFolder) => {
                return usage_error(format_args!(
                    "--input and --output are the same folder ({}); report.json would be read as a chart on the next run",
                    input.display()
                ));
            }
            Some(InputConflict::InsideSeries(series_dir)) => {
                return usage_error(format_args!(
                    "--input {} is inside {}, which each run replaces whole: the charts would be deleted with it",
                    input.display(),
                    series_dir.display()
                ));
            }
            None => {}
        }
    }
    let job = Job {
        convert: ConvertOptions {
            timeframe: args.timeframe,
            date_rule: args
                .timezone
                .map_or(DateRule::NearestUtcMidnight, DateRule::Zone),
            keep_holidays: args.keep_holidays,
        },
        group: args.group,
        output: args.output,
        workers: args.workers.map_or_else(default_workers, |n| n as usize),
        shard,
        write_mode: args.write_mode,
    };
    let stop = stop_flag();
    let opened = match args.source.open(args.timeframe, Some(&stop)) {
        Ok(opened) => opened,
        Err(e) if stopped_by_signal() => {
            eprintln_lossy!("interrupted: {e}; nothing was converted, and the output is as it was");
            return ExitCode::from(EXIT_SOME_FAILED);
        }
        Err(e) => return usage_error(e),
    };
    if let Err(e) = opened.require_charts() {
        return usage_error(e);
    }
    let work = opened.into_shard(job.shard, &stop);
    let progress = ConsoleProgress::for_stderr();
    match pipeline::run(&job, work, &progress, &stop) {
        Ok(report) => {
            eprint_lossy!("{}", report.human_summary());
            if report.published {
                eprintln_lossy!(
                    "output: {} ({} series files), report: {}",
                    job.series_dir().display(),
                    report.totals.series_files_written,
                    job.report_path().display()
                );
            } else {
                let state = match job.series_dir().is_dir() {
                    true => "left as it was",
                    false => "not written",
                };
                eprintln_lossy!(
                    "output: {} {state}, report: {}",
                    job.series_dir().display(),
                    job.report_path().display()
                );
            }
            // Nothing published (every chart failed, or proved no chart) is not a success
            // even without a failure: the series are yesterday's.
            if report.totals.failed > 0 || report.interrupted || !report.published {
                ExitCode::from(EXIT_SOME_FAILED)
            } else {
                ExitCode::from(EXIT_OK)
            }
        }
        Err(e) => usage_error(pipeline::failure_message(
            &e,
            &job.output.display().to_string(),
        )),
    }
}
