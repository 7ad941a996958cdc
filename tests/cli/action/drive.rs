//! The action reading a Drive folder: the service-account key and every token it mints are
//! masked and never appear anywhere else, and the shard converts as on the command line.

use super::runner::{self, Runner};
use crate::drive::{self as standin, DAY};
use crate::harness::{report, run};

/// The action's command reading `drive`'s stand-in as its service account: its root as
/// `source`, the key as `google-credentials`, then `with`.
fn drive_command(
    runner: &Runner,
    drive: &standin::Drive,
    with: &[(&str, &str)],
) -> (
    std::process::Command,
    std::path::PathBuf,
    std::path::PathBuf,
) {
    let root = format!("gdrive:{}", drive.standin.root());
    let credentials = drive.standin.credentials_json();
    let mut inputs = vec![
        ("source", root.as_str()),
        ("google-credentials", &credentials),
    ];
    inputs.extend_from_slice(with);
    let (mut cmd, output_file, summary_file) = runner.command(&inputs);
    cmd.env("BLUEDOT_TEST_DRIVE_API_URL", drive.standin.api_url());
    (cmd, output_file, summary_file)
}

/// [`drive_command`] run to its end.
fn drive_step(runner: &Runner, drive: &standin::Drive, with: &[(&str, &str)]) -> runner::Step {
    let (mut cmd, output_file, summary_file) = drive_command(runner, drive, with);
    runner::collect(run(&mut cmd), &output_file, &summary_file)
}

#[test]
fn drive_source_converts_its_shard_and_masks_the_key_and_every_token() {
    let drive = standin::drive(4, 9);
    let runner = Runner::new();
    let root = format!("gdrive:{}", drive.standin.root());
    let credentials = drive.standin.credentials_json();
    let (mut cmd, output_file, summary_file) = drive_command(
        &runner,
        &drive,
        &[
            ("date", DAY),
            ("download-concurrency", "4"),
            ("output-dir", "out"),
        ],
    );
    cmd.env("BLUEDOT_TEST_DRIVE_BACKOFF_SCALE", "0.01")
        .env("RUST_LOG", "trace");
    let step = runner::collect(run(&mut cmd), &output_file, &summary_file);
    assert_eq!(step.code(), 0);
    let outputs = step.outputs();
    assert_eq!(outputs["files-ok"], "9");
    assert_eq!(outputs["status"], "ok");
    let report = report(&runner.workspace().join("out"));
    assert!(
        report["source"].as_str().unwrap().starts_with(&root),
        "{report}"
    );

    let key: serde_json::Value = serde_json::from_str(&credentials).unwrap();
    let pem = key["private_key"].as_str().unwrap();
    let key_lines: Vec<&str> = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(key_lines.len() > 10);
    let first_output = step
        .stdout
        .lines()
        .position(|l| !l.starts_with("::add-mask::"))
        .unwrap();
    let leading_masks: Vec<&str> = step.stdout.lines().take(first_output).collect();
    for line in &key_lines {
        assert!(
            leading_masks.contains(&format!("::add-mask::{line}").as_str()),
            "key line not masked first"
        );
    }
    let tokens = drive.standin.issued_tokens();
    assert!(!tokens.is_empty());
    for token in &tokens {
        assert!(
            step.stdout.contains(&format!("::add-mask::{token}\n")),
            "token not masked"
        );
    }
    let files = crate::harness::tree(runner.root());
    for secret in key_lines
        .iter()
        .copied()
        .chain(tokens.iter().map(String::as_str))
    {
        let printed = step
            .stdout
            .lines()
            .filter(|l| !l.starts_with("::add-mask::"));
        assert!(
            printed.clone().all(|l| !l.contains(secret)),
            "secret in stdout"
        );
        for (what, text) in [
            ("stderr", &step.stderr),
            ("summary", &step.summary),
            ("outputs", &step.output_file),
        ] {
            assert!(!text.contains(secret), "secret in {what}");
        }
        for (path, bytes) in &files {
            assert!(
                !String::from_utf8_lossy(bytes).contains(secret),
                "secret in {path}"
            );
        }
    }
}

// The runner's cancel: SIGINT, and a kill a few seconds later if the job is still there.
#[cfg(unix)]
#[test]
fn a_cancel_while_listing_drive_still_ends_with_outputs_and_a_summary() {
    let drive = standin::drive(1000, 3);
    let runner = Runner::new();
    for mode in ["plan", "process"] {
        let (mut cmd, output_file, summary_file) =
            drive_command(&runner, &drive, &[("mode", mode), ("date", DAY)]);
        let (output, took) =
            standin::interrupted_while_asking(&drive, standins::Target::List, &mut cmd);
        assert!(took.as_secs() < 5, "{mode} went on for {took:?}");
        let step = runner::collect(output, &output_file, &summary_file);
        assert_eq!(step.code(), 1, "{mode}");
        assert_eq!(step.outputs()["status"], "interrupted", "{mode}");
        if mode == "process" {
            assert_eq!(step.outputs()["success-rate"], "0.0000");
        }
        // Said as a run stopped while converting is: a warning, not an error.
        assert!(
            step.summary.contains("**Status: interrupted**"),
            "{}",
            step.summary
        );
        assert!(
            step.stdout.contains("::warning title=interrupted::")
                && !step.stdout.contains("::error"),
            "{}",
            step.stdout
        );
    }
}

/// A cancel while downloading, then an output that cannot take the report (here a file size
/// limit; a full disk alike): the run failed to write, which a workflow letting cancelled runs
/// pass must still see. Only a stop while listing is an interruption and nothing else.
#[cfg(target_os = "linux")]
#[test]
fn a_cancelled_run_whose_report_cannot_be_written_is_an_error() {
    let charts = 30;
    let drive = standin::drive(1000, charts);
    for i in 1..charts {
        let stall = standins::Fault::SlowBody(std::time::Duration::from_secs(30));
        drive
            .standin
            .inject(standins::Target::Media(standin::name(i)), vec![stall; 8]);
    }
    let runner = Runner::new();
    let (mut cmd, output_file, summary_file) = drive_command(
        &runner,
        &drive,
        &[("date", DAY), ("download-concurrency", "4")],
    );
    // Too small for a report of 30 files; the summary and the outputs fit.
    crate::harness::with_file_size_limit(&mut cmd, 2048);
    let target = standins::Target::Media(standin::name(0));
    let (output, _) = standin::interrupted_while_asking(&drive, target, &mut cmd);
    runner::collect(output, &output_file, &summary_file).assert_stopped_by_a_full_output();
}

#[test]
fn plan_on_drive_outputs_the_date_the_trigger_file_named() {
    let drive = standin::drive(1000, 3);
    let triggers = drive.standin.folder(&drive.standin.root(), "triggers");
    drive
        .standin
        .file(&triggers, "daily_ready.txt", format!("\u{feff}{DAY}\r\n"));
    let runner = Runner::new();
    let step = drive_step(&runner, &drive, &[("mode", "plan")]);
    assert_eq!(step.code(), 0);
    let outputs = step.outputs();
    assert_eq!(outputs["date"], DAY);
    assert_eq!(outputs["matrix"], r#"{"shard":[0]}"#);
    assert_eq!(outputs["files-total"], "3");
}

#[test]
fn an_api_key_given_beside_a_service_account_is_said_to_be_unused() {
    let drive = standin::drive(1000, 3);
    let runner = Runner::new();
    let api_key = "AIzaUnusedKeyBesideTheServiceAccount";
    let step = drive_step(
        &runner,
        &drive,
        &[("mode", "plan"), ("date", DAY), ("google-api-key", api_key)],
    );
    assert_eq!(step.code(), 0, "{}", step.stdout);
    assert_eq!(step.outputs()["files-total"], "3");
    let warnings = step.annotations("::warning");
    assert_eq!(
        warnings,
        [
            "::warning title=google-api-key not used::Both `google-credentials` and `google-api-key` are given: Drive is read as the service account, and the API key is not used."
        ]
    );
    let printed = step
        .stdout
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"));
    assert!(printed.clone().all(|l| !l.contains(api_key)));
}

/// Of two folders with one name on the drop's path, the newest is read: the other's charts are
/// not, so the job's annotations say which was chosen.
#[test]
fn a_second_folder_of_the_same_name_is_annotated() {
    let drive = standin::drive(1000, 2);
    let older_day = drive.standin.folder(&drive.standin.root(), "daily");
    let older = drive.standin.folder(&older_day, DAY);
    drive
        .standin
        .file(&older, "OLD_daily.json", standin::chart("OLD", 7));
    let runner = Runner::new();
    let step = drive_step(&runner, &drive, &[("date", DAY)]);
    assert_eq!(step.code(), 0);
    let chosen = step.annotations("::warning title=newest of one name::2 folders named");
    assert_eq!(chosen.len(), 1, "{}", step.stdout);
    assert!(chosen[0].contains("using the newest"), "{}", chosen[0]);

    // The plan, which decides the matrix from the same folder, says so too.
    let plan = drive_step(&runner, &drive, &[("mode", "plan"), ("date", DAY)]);
    assert_eq!(plan.code(), 0);
    assert!(
        plan.stdout
            .contains("::warning title=newest of one name::2 folders named"),
        "{}",
        plan.stdout
    );
}
