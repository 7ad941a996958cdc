//! What must never happen whatever the inputs hold: a secret printed or written anywhere, or a
//! file name or reason obeyed by the runner as a workflow command.

use super::charts_folder;
use super::runner::{Runner, Step};
use crate::harness::tree;

/// Fails the test if `secret` is anywhere but in `::add-mask::` lines that precede all other
/// output, or appears in stderr, the outputs, the summary or any file the run could write.
pub(super) fn assert_never_leaked(runner: &Runner, step: &Step, secret: &str) {
    let mut lines = step.stdout.lines();
    let mut in_masks = true;
    for line in lines.by_ref() {
        if line.starts_with("::add-mask::") {
            assert!(in_masks, "a mask line after other output: {line}");
        } else {
            in_masks = false;
            assert!(!line.contains(secret), "secret in stdout: {line}");
        }
    }
    for (what, text) in [
        ("stderr", &step.stderr),
        ("GITHUB_OUTPUT", &step.output_file),
        ("summary", &step.summary),
    ] {
        assert!(!text.contains(secret), "secret in {what}");
    }
    for (path, bytes) in tree(runner.root()) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(secret),
            "secret in written file {path}"
        );
    }
}

pub(super) fn mask_lines(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .take_while(|l| l.starts_with("::add-mask::"))
        .collect()
}

#[test]
fn a_secret_in_every_secret_input_is_masked_first_and_never_leaks() {
    let runner = Runner::new();
    let folder = charts_folder(&runner, 3);
    let secret = "s3cr3t-Value-0042";
    let credentials = format!(
        "{{\n  \"type\": \"service_account\",\n  \"private_key\": \"-----BEGIN PRIVATE KEY-----{secret}\"\n}}"
    );
    let slack = format!("https://hooks.slack.example/services/{secret}");
    let discord = format!("https://discord.example/api/webhooks/{secret}");
    let step = runner.step(&[
        ("source", folder),
        ("github-token", secret),
        ("google-credentials", &credentials),
        ("google-api-key", secret),
        ("slack-webhook", &slack),
        ("discord-webhook", &discord),
    ]);
    let masks = mask_lines(&step.stdout);
    for value in [secret, slack.as_str(), discord.as_str()] {
        assert!(
            masks.contains(&format!("::add-mask::{value}").as_str()),
            "{masks:?}"
        );
    }
    assert!(
        masks.contains(&"::add-mask::\"type\": \"service_account\","),
        "{masks:?}"
    );
    // A brace masked alone would make GitHub drop every job output holding one (the matrix).
    assert!(
        masks.iter().all(|m| m.len() >= "::add-mask::".len() + 8),
        "{masks:?}"
    );
    // Nor sent within the whole multi-line value: the runner masks each line of a mask.
    assert!(masks.iter().all(|m| !m.contains("%0A")), "{masks:?}");
    assert_never_leaked(&runner, &step, secret);

    // Inputs that arrive with later work stop the run clearly, without echoing their value.
    assert_eq!(step.code(), 2);
    assert_eq!(step.outputs()["status"], "error");
    assert!(step.stdout.contains("arrives with"), "{}", step.stdout);

    // Process runs normally when only the token is given, and the token stays hidden.
    let step = runner.step(&[("source", folder), ("github-token", secret)]);
    assert_eq!(step.code(), 0);
    assert_eq!(mask_lines(&step.stdout), [format!("::add-mask::{secret}")]);
    assert_never_leaked(&runner, &step, secret);
}

// Windows file names cannot hold `:` or line breaks, so these cannot be made there.
#[cfg(unix)]
#[test]
fn untrusted_file_names_cannot_issue_workflow_commands() {
    let runner = Runner::new();
    runner.write("in/::add-mask::x.json", "not json");
    runner.write("in/%0A::set-output name=status::ok.txt", "x");
    runner.write("in/line\n::add-mask::y\n##[add-mask]z_daily.json", "[]");
    // The runner obeys the older `##[` form anywhere in a line, not only at its start.
    runner.write("in/x##[set-output name=page-url;]y_daily.json", "[]");
    // The runner trims Unicode's white space before looking for `::`.
    runner.write("in/w\n\u{3000}::add-mask::w_daily.json", "[]");
    // File-level logs name every file: on stderr they must not become commands either.
    let (mut cmd, output_file, summary_file) = runner.command(&[("source", "in")]);
    let step = super::runner::collect(
        crate::harness::run(cmd.env("RUST_LOG", "debug")),
        &output_file,
        &summary_file,
    );
    // A name is one line wherever it is printed, its line breaks spelled.
    assert!(
        step.stderr
            .contains("file=line\\n::add-mask::y\\n##\\[add-mask]z_daily.json"),
        "{}",
        step.stderr
    );
    assert!(step.stderr.contains("x##\\[set-output"), "{}", step.stderr);
    for line in step.stderr.lines() {
        let line = line.trim_start();
        assert!(!line.starts_with("::") && !line.contains("##["), "{line}");
    }
    assert_eq!(step.code(), 1);
    // Outside stop-commands blocks, no line may start a command we did not write.
    let mut paused: Option<String> = None;
    for line in step.stdout.lines() {
        if let Some(token) = &paused {
            if line == format!("::{token}::") {
                paused = None;
            }
            continue;
        }
        if let Some(token) = line.strip_prefix("::stop-commands::") {
            paused = Some(token.to_owned());
            continue;
        }
        // The runner tries the `::` form first, so `##[` inside one of ours is only text; in
        // any other line it would be obeyed.
        assert!(line.starts_with("::") || !line.contains("##["), "{line}");
        if let Some(command) = line.strip_prefix("::") {
            let command = command.split([' ', ':']).next().unwrap();
            assert!(
                ["add-mask", "error", "warning", "group", "endgroup"].contains(&command),
                "{line}"
            );
            assert!(!line.contains("::add-mask::x"), "{line}");
            assert!(!line.starts_with("::add-mask::y"), "{line}");
        }
    }
    assert!(paused.is_none(), "a stop-commands block was never closed");
    assert_eq!(step.outputs()["status"], "some-failed");
}
