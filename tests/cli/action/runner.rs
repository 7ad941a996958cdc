//! A stand-in for GitHub's runner starting a Docker container action: the environment it sets,
//! the file-command files it creates per step, and its own rules for reading `GITHUB_OUTPUT`.
//! Facts: `shared/spec/GITHUB-PROTOCOLS.txt` §3 and §5.

use crate::harness::{WorkDir, bluedot, run};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// What `${{ github.token }}` evaluates to in these tests; a secret like any other.
pub const FAKE_GITHUB_TOKEN: &str = "ghs_FakeTokenThatMustNeverBePrinted0001";

/// The container's view: `/github/workspace`, `/github/file_commands`, `/github/runner_temp`,
/// `/github/home`, each a folder of one temp dir.
pub struct Runner {
    dir: WorkDir,
    steps: std::cell::Cell<u32>,
}

/// One step's result, read back the way the runner reads it.
pub struct Step {
    pub output: Output,
    pub stdout: String,
    pub stderr: String,
    /// `GITHUB_OUTPUT` exactly as written.
    pub output_file: String,
    pub summary: String,
}

impl Step {
    pub fn code(&self) -> i32 {
        self.output.status.code().expect("exited normally")
    }

    /// The step ended as a run whose output could not take what it wrote (a file size limit
    /// standing for a full disk): an error, exit 2, never said to be an interruption.
    #[cfg(target_os = "linux")]
    pub fn assert_stopped_by_a_full_output(&self) {
        assert_eq!(self.code(), 2, "{}", self.stdout);
        assert_eq!(self.outputs()["status"], "error");
        assert!(
            self.stdout.contains("File too large") && self.stdout.contains("nothing was published"),
            "{}",
            self.stdout
        );
        for said in [&self.stdout, &self.summary] {
            assert!(!said.contains("interrupted"), "{said}");
            assert!(!said.contains("nothing was converted"), "{said}");
        }
    }

    /// The workflow commands on stdout that start with `prefix` (`"::error"`,
    /// `"::warning title=bars left out::"`): the annotations the runner would show.
    pub fn annotations(&self, prefix: &str) -> Vec<&str> {
        self.stdout
            .lines()
            .filter(|l| l.starts_with(prefix))
            .collect()
    }

    /// The outputs, parsed with the runner's rules; panics with the runner's message if invalid,
    /// or if an output is not declared in `action.yml` (workflows could not read it).
    pub fn outputs(&self) -> BTreeMap<String, String> {
        let outputs = parse_output_file(&self.output_file)
            .unwrap_or_else(|e| panic!("GITHUB_OUTPUT is invalid: {e}\n{}", self.output_file));
        let declared = declared_outputs();
        for name in outputs.keys() {
            assert!(
                declared.contains(name),
                "output {name} is not in action.yml"
            );
        }
        outputs
    }
}

/// Every series tree the steps wrote into the workspace must pass the TradingView validator,
/// like every tree the other tests produce: checked here once more for the steps a test ran
/// itself ([`Runner::command`], [`collect`]). Skipped when the test is already failing.
impl Drop for Runner {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            crate::harness::validate_outputs_under(&self.workspace());
        }
    }
}

impl Runner {
    pub fn new() -> Runner {
        let dir = WorkDir::new();
        for sub in [
            "workspace",
            "file_commands",
            "runner_temp",
            "home",
            "workflow",
        ] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        Runner {
            dir,
            steps: std::cell::Cell::new(0),
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn workspace(&self) -> PathBuf {
        self.dir.join("workspace")
    }

    /// Writes a file in the workspace and returns its path.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        self.dir.write(&format!("workspace/{rel}"), bytes)
    }

    pub fn read(&self, rel: &str) -> String {
        self.dir.read(&format!("workspace/{rel}"))
    }

    /// The command the runner would start for a step with these `with:` inputs; returns it with
    /// the paths of the step's fresh output and summary files.
    pub fn command(&self, with: &[(&str, &str)]) -> (Command, PathBuf, PathBuf) {
        let step = self.steps.get() + 1;
        self.steps.set(step);
        let output_file = self
            .dir
            .join(&format!("file_commands/set_output_{step:08x}"));
        let summary_file = self
            .dir
            .join(&format!("file_commands/step_summary_{step:08x}"));
        std::fs::write(&output_file, "").unwrap();
        std::fs::write(&summary_file, "").unwrap();

        let mut cmd = bluedot();
        cmd.current_dir(self.workspace())
            .env("GITHUB_ACTIONS", "true")
            .env("CI", "true")
            .env("HOME", self.dir.join("home"))
            .env("GITHUB_WORKSPACE", self.workspace())
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_STEP_SUMMARY", &summary_file)
            .env("GITHUB_ENV", self.dir.join("file_commands/set_env"))
            .env("GITHUB_PATH", self.dir.join("file_commands/add_path"))
            .env("GITHUB_EVENT_PATH", self.dir.join("workflow/event.json"))
            .env("GITHUB_REPOSITORY", "trader/charts")
            .env("GITHUB_RUN_ID", "4242")
            .env("RUNNER_TEMP", self.dir.join("runner_temp"))
            .env("RUNNER_OS", "Linux")
            .env("ACTIONS_RUNTIME_TOKEN", "runtime-token-not-used-here");
        // The runner sets every declared input: the `with:` value, else the default (or empty).
        for (name, default) in declared_inputs() {
            let value = with
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(default, |(_, v)| (*v).to_owned());
            cmd.env(input_env_name(&name), value);
        }
        for (name, _) in with {
            assert!(
                declared_inputs().iter().any(|(n, _)| n == name),
                "{name} is not declared in action.yml"
            );
        }
        (cmd, output_file, summary_file)
    }

    /// Runs a step; then every series tree in the workspace must pass the TradingView
    /// validator, before a later step replaces it.
    pub fn step(&self, with: &[(&str, &str)]) -> Step {
        let (mut cmd, output_file, summary_file) = self.command(with);
        let output = run(&mut cmd);
        crate::harness::validate_outputs_under(&self.workspace());
        collect(output, &output_file, &summary_file)
    }
}

pub fn collect(output: Output, output_file: &Path, summary_file: &Path) -> Step {
    Step {
        stdout: String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8"),
        output_file: std::fs::read_to_string(output_file).unwrap(),
        summary: std::fs::read_to_string(summary_file).unwrap(),
        output,
    }
}

/// `INPUT_` + the name upper-cased, spaces to `_`, dashes kept (Handler.cs AddInputsToEnvironment).
pub fn input_env_name(name: &str) -> String {
    format!("INPUT_{}", name.replace(' ', "_").to_uppercase())
}

fn action_yml_section(name: &str) -> String {
    let yml = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml"))
        .expect("action.yml");
    let start = yml
        .find(&format!("\n{name}:\n"))
        .unwrap_or_else(|| panic!("no {name}: in action.yml"));
    let body = &yml[start + name.len() + 3..];
    // The section ends at the next top-level key.
    let end = body
        .find("\n\n")
        .filter(|&i| !body[i + 2..].starts_with(' '))
        .map_or(body.len(), |i| i + 1);
    body[..end].to_owned()
}

/// The output names `action.yml` declares.
pub fn declared_outputs() -> Vec<String> {
    action_yml_section("outputs")
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && l.ends_with(':'))
        .map(|l| l.trim().trim_end_matches(':').to_owned())
        .collect()
}

/// (name, default) of every input in the repository's `action.yml`, with `${{ github.token }}`
/// evaluated as the runner would.
pub fn declared_inputs() -> Vec<(String, String)> {
    let section = action_yml_section("inputs");
    let mut inputs: Vec<(String, String)> = Vec::new();
    for line in section.lines() {
        if line.starts_with("  ") && !line.starts_with("   ") && line.ends_with(':') {
            inputs.push((line.trim().trim_end_matches(':').to_owned(), String::new()));
        } else if let Some(default) = line.trim().strip_prefix("default:") {
            let default = default.trim().trim_matches('"');
            let value = if default == "${{ github.token }}" {
                FAKE_GITHUB_TOKEN.to_owned()
            } else {
                default.to_owned()
            };
            inputs.last_mut().expect("default after a name").1 = value;
        }
    }
    inputs
}

/// Reads a `GITHUB_OUTPUT` file like the runner (FileCommandManager.cs, EnvFileKeyValuePairs):
/// a line is `name=value` or `name<<DELIM` depending on which marker comes first; a heredoc
/// value runs to the first line that is exactly DELIM, every value line must end with a
/// newline, and the newline before DELIM is not part of the value.
pub fn parse_output_file(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut outputs = BTreeMap::new();
    let mut rest = text;
    while let Some((line, after)) = read_line(rest) {
        rest = after.unwrap_or("");
        if line.is_empty() {
            if after.is_none() {
                break;
            }
            continue;
        }
        let equals = line.find('=');
        let heredoc = line.find("<<");
        match (equals, heredoc) {
            (Some(e), h) if h.is_none_or(|h| e < h) => {
                let (name, value) = (&line[..e], &line[e + 1..]);
                if name.is_empty() {
                    return Err(format!("Invalid format '{line}'. Name must not be empty"));
                }
                outputs.insert(name.to_owned(), value.to_owned());
            }
            (_, Some(h)) => {
                let (name, delimiter) = (&line[..h], &line[h + 2..]);
                if name.is_empty() {
                    return Err(format!("Invalid format '{line}'. Name must not be empty"));
                }
                if delimiter.is_empty() {
                    return Err(format!(
                        "Invalid format '{line}'. Delimiter must not be empty"
                    ));
                }
                let mut value_lines: Vec<&str> = Vec::new();
                loop {
                    let Some((value_line, after)) = read_line(rest) else {
                        return Err(format!(
                            "Invalid value. Matching delimiter not found '{delimiter}'"
                        ));
                    };
                    if value_line == delimiter {
                        rest = after.unwrap_or("");
                        break;
                    }
                    if after.is_none() {
                        return Err("Invalid value. EOF marker missing new line.".into());
                    }
                    value_lines.push(value_line);
                    rest = after.unwrap();
                }
                outputs.insert(name.to_owned(), value_lines.join("\n"));
            }
            _ => return Err(format!("Invalid format '{line}'")),
        }
    }
    Ok(outputs)
}

/// The next line (without its `\n`) and what follows it; `None` after the text ends. The second
/// part is `None` when the line had no newline (the end of the file). A `\r` before the `\n`
/// stays in the line, as on the Linux runner that runs container actions (the runner ends lines
/// at `\r\n` on Windows only), so a delimiter written with `\r\n` is not found.
fn read_line(text: &str) -> Option<(&str, Option<&str>)> {
    if text.is_empty() {
        return None;
    }
    match text.find('\n') {
        Some(i) => Some((&text[..i], Some(&text[i + 1..]))),
        None => Some((text, None)),
    }
}

#[test]
fn action_yml_sections_are_read_whole() {
    let inputs: Vec<String> = declared_inputs().into_iter().map(|(n, _)| n).collect();
    assert_eq!(inputs.len(), 20, "{inputs:?}");
    assert_eq!(inputs.first().map(String::as_str), Some("mode"));
    assert_eq!(inputs.last().map(String::as_str), Some("output-dir"));
    let outputs = declared_outputs();
    assert_eq!(outputs.len(), 11, "{outputs:?}");
    assert!(outputs.contains(&"matrix".to_owned()) && outputs.contains(&"status".to_owned()));
}

#[test]
fn the_output_parser_follows_the_runners_rules() {
    let parsed = parse_output_file("a=1\nb<<EOF\nx=y\nz<<w\nEOF\nc=\n").unwrap();
    assert_eq!(parsed["a"], "1");
    assert_eq!(parsed["b"], "x=y\nz<<w");
    assert_eq!(parsed["c"], "");
    assert_eq!(parse_output_file("m<<D\nD\n").unwrap()["m"], "");
    assert_eq!(parse_output_file("k=v<<D\n").unwrap()["k"], "v<<D");
    assert!(
        parse_output_file("m<<D\nvalue\n")
            .unwrap_err()
            .contains("Matching delimiter not found")
    );
    assert!(
        parse_output_file("m<<D\nvalue")
            .unwrap_err()
            .contains("missing new line")
    );
    assert!(
        parse_output_file("novalue\n")
            .unwrap_err()
            .contains("Invalid format")
    );
    assert!(parse_output_file("=x\n").is_err());
    assert!(parse_output_file("m<<\n").is_err());
}
