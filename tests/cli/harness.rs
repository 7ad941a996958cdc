//! Shared test plumbing: a temp work dir per test and the real `bluedot` binary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The binary under test, built by cargo for this integration test.
pub fn bluedot() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bluedot"));
    // Keep the test independent of the developer's shell.
    for (key, _) in std::env::vars() {
        if key.starts_with("GITHUB_")
            || key.starts_with("INPUT_")
            || key.starts_with("RUNNER_")
            || key.starts_with("ACTIONS_")
            || key == "RUST_LOG"
        {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// A fresh directory removed when the test ends.
pub struct WorkDir {
    dir: tempfile::TempDir,
}

impl WorkDir {
    pub fn new() -> WorkDir {
        WorkDir {
            dir: tempfile::Builder::new()
                .prefix("bluedot-test-")
                .tempdir()
                .expect("temp dir"),
        }
    }

    #[allow(dead_code)] // used by some test modules only
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes `rel` (creating parent folders) and returns its path.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
    }
}

/// Runs and returns the output, printing it when the test fails so failures explain themselves.
pub fn run(cmd: &mut Command) -> Output {
    let out = output_of(cmd);
    eprintln!(
        "--- {:?}\nstatus: {}\nstdout:\n{}\nstderr:\n{}",
        cmd,
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `cmd.output()`, with the process created again when Windows could not create it. Under Wine
/// (the Windows build's tests in CI) creating one now and then fails with ERROR_INTERNAL_ERROR
/// (1359). Only creating is tried again, so nothing the test runs is run twice.
fn output_of(cmd: &mut Command) -> Output {
    const ERROR_INTERNAL_ERROR: i32 = 1359;
    // What `output()` gives a command that sets none of them, as `run`'s callers do not.
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut tries = 1;
    let child = loop {
        match cmd.spawn() {
            Ok(child) => break child,
            Err(e)
                if cfg!(windows) && e.raw_os_error() == Some(ERROR_INTERNAL_ERROR) && tries < 3 =>
            {
                eprintln!("--- {cmd:?}: process not created ({e}); trying again");
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
            Err(e) => panic!("run bluedot: {e:?}"),
        }
    };
    child.wait_with_output().expect("run bluedot")
}

/// `bluedot process --input IN --output OUT --timeframe TF`, to be given more arguments and run.
pub fn process_command(input: &Path, output: &Path, timeframe: &str) -> Command {
    let mut cmd = bluedot();
    cmd.arg("process")
        .arg("--input")
        .arg(input)
        .arg("--output")
        .arg(output)
        .arg("--timeframe")
        .arg(timeframe);
    cmd
}

/// `bluedot process --input IN --output OUT --timeframe TF` plus `extra`; then every series tree
/// it produced is checked against TradingView's rules.
pub fn process(input: &Path, output: &Path, timeframe: &str, extra: &[&str]) -> Output {
    run_and_validate(
        process_command(input, output, timeframe).args(extra),
        output,
    )
}

/// Runs `cmd`, a run that writes into `output`, then checks every series tree there against
/// TradingView's rules.
pub fn run_and_validate(cmd: &mut Command, output: &Path) -> Output {
    let out = run(cmd);
    validate_output(output);
    out
}

/// Validates every output root (a folder holding `report.json`) anywhere under `dir`.
pub fn validate_outputs_under(dir: &Path) {
    if dir.join("report.json").is_file() {
        validate_output(dir);
    }
    for entry in std::fs::read_dir(dir).into_iter().flatten() {
        let path = entry.unwrap().path();
        if path.is_dir() && !path.is_symlink() {
            validate_outputs_under(&path);
        }
    }
}

/// Validates every `data/<timeframe>` tree under an output root. The tree the last run
/// published is held to that run's options, as report.json gives them; a tree an earlier run
/// wrote, to what holds whatever its options were.
pub fn validate_output(output: &Path) {
    use crate::validator::Holidays;
    let last_run: Option<serde_json::Value> = std::fs::read(output.join("report.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    let data = output.join("data");
    if let Ok(entries) = std::fs::read_dir(&data) {
        for entry in entries {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                !name.starts_with('.'),
                "leftover temporary tree {}",
                path.display()
            );
            let holidays = match &last_run {
                Some(run)
                    if run["published"] == true
                        && run["timeframe"] == name.as_str()
                        && run["keep_holidays"] == false =>
                {
                    Holidays::LeftOut
                }
                _ => Holidays::MayBeKept,
            };
            crate::validator::validate_series_dir(&path, holidays);
        }
    }
}

/// Every file under `root` (relative path -> bytes), for comparing whole trees.
pub fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                // Spelled with `/` on every system, as the tests compare them.
                let rel: Vec<_> = path
                    .strip_prefix(root)
                    .unwrap()
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect();
                let rel = rel.join("/");
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    if root.exists() {
        walk(root, root, &mut out);
    }
    out
}

pub fn report(output: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(output.join("report.json")).expect("report.json"))
        .expect("report.json parses")
}

/// The reason report.json gives for the file `name`.
pub fn file_reason(report: &serde_json::Value, name: &str) -> String {
    file_entry(report, name)["reason"]
        .as_str()
        .unwrap_or_else(|| panic!("{name} has no reason"))
        .to_owned()
}

/// The report entry of one input file.
pub fn file_entry<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in report"))
}

/// Waits (a minute at most) until a run writing into the output root's `data` folder has
/// staged its first charts' series: a moment inside its conversion, to stop it at.
#[cfg(unix)]
pub fn wait_until_series_are_staged(data: &Path) {
    wait_until("conversion started", || {
        std::fs::read_dir(data).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| std::fs::read_dir(e.path()).is_ok_and(|mut files| files.nth(2).is_some()))
        })
    });
}

/// Waits (a minute at most) until `done`, which a live run makes true; fails naming `what`.
#[cfg(unix)]
pub fn wait_until(what: &str, done: impl Fn() -> bool) {
    let started = std::time::Instant::now();
    while !done() {
        assert!(started.elapsed().as_secs() < 60, "never {what}");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Every name under `dir` starting with a dot: staging trees, temporary files, lock files.
#[cfg(target_os = "linux")]
pub fn hidden_entries(dir: &std::path::Path) -> Vec<String> {
    let mut hidden = Vec::new();
    let mut folders = vec![dir.to_owned()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                hidden.push(
                    path.strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            } else if path.is_dir() {
                folders.push(path);
            }
        }
    }
    hidden
}

#[cfg(target_os = "linux")]
/// `cmd` with every file it writes limited to `bytes`: a write past that fails (`EFBIG`, once
/// bluedot catches the signal that would otherwise kill it without a word), as on a disk that
/// filled up.
pub fn with_file_size_limit(cmd: &mut Command, bytes: u64) -> &mut Command {
    with_limit(cmd, Limit::FileSize, bytes)
}

#[cfg(target_os = "linux")]
/// `cmd` allowed at most `files` open at once, its standard input and outputs counted.
pub fn with_open_files_limit(cmd: &mut Command, files: u64) -> &mut Command {
    with_limit(cmd, Limit::OpenFiles, files)
}

#[cfg(target_os = "linux")]
#[derive(Clone, Copy)]
enum Limit {
    FileSize,
    OpenFiles,
}

/// `cmd` started under `limit` (soft and hard alike), set in the child just before it runs the
/// program: a shell's `ulimit` in between would drop the environment variables whose names no
/// shell takes, such as the runner's `INPUT_GOOGLE-CREDENTIALS`.
#[cfg(target_os = "linux")]
fn with_limit(cmd: &mut Command, limit: Limit, value: u64) -> &mut Command {
    use std::os::unix::process::CommandExt;
    let bound = libc::rlimit {
        rlim_cur: value,
        rlim_max: value,
    };
    let set = move || {
        let resource = match limit {
            Limit::FileSize => libc::RLIMIT_FSIZE,
            Limit::OpenFiles => libc::RLIMIT_NOFILE,
        };
        // SAFETY: a plain system call on a value owned by the closure.
        match unsafe { libc::setrlimit(resource, &bound) } {
            0 => Ok(()),
            _ => Err(std::io::Error::last_os_error()),
        }
    };
    // SAFETY: `set` only makes one system call, which is async-signal-safe, between fork and
    // exec.
    unsafe { cmd.pre_exec(set) }
}
