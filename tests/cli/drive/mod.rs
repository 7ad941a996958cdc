//! `process --source gdrive:` against the in-process Drive stand-in: listing, paths, duplicates
//! (`listing`), the date and trigger file (`date`), every fault kind and the soak (`faults`),
//! token refresh and that no secret ever leaks (`auth`), what Drive hides or withholds
//! (`access`).

mod access;
mod auth;
mod date;
mod faults;
mod listing;

use crate::harness::{bluedot, file_entry, run, tree};
use standins::{DriveStandin, Options};
use std::path::Path;
use std::process::{Command, Output};

pub const DAY: &str = "2024-08-02";
/// The day's folder, downloaded one chart at a time: requests come in a known order.
pub const ONE_AT_A_TIME: [&str; 4] = ["--date", DAY, "--download-concurrency", "1"];

/// A small valid MarketSmith chart whose rows depend on `seed`.
pub fn chart(symbol: &str, seed: u64) -> Vec<u8> {
    let day_ms = 86_400_000u64;
    let start = 1_717_200_000_000u64 / day_ms * day_ms; // 2024-06-01 UTC midnight
    let prices: Vec<serde_json::Value> = (0..20)
        .map(|i| {
            let base = 100.0 + (seed % 50) as f64 + i as f64;
            serde_json::json!({
                "priceDate": start + i * day_ms, "open": base, "high": base + 2.0,
                "low": base - 1.0, "close": base + 1.0, "volume": 1000 + i * 10 + seed,
                "bc": 50 + (seed % 40), "rlst": 60 + (seed % 30)
            })
        })
        .collect();
    serde_json::json!({
        "responseHeader": {"error": false},
        "chart": {
            "prices": prices,
            "peripheralData": {"symbol": symbol, "name": format!("{symbol} Ltd")},
            "blueDotData": {"dates": [start + 5 * day_ms]}
        }
    })
    .to_string()
    .into_bytes()
}

pub fn name(i: usize) -> String {
    format!("S{i:04}.IN_daily.json")
}

pub struct Drive {
    pub standin: DriveStandin,
    pub day: String,
}

/// A stand-in with `root/daily/2024-08-02/` holding `charts` generated charts.
pub fn drive(page_size: usize, charts: usize) -> Drive {
    drive_with(
        Options {
            page_size,
            ..Options::default()
        },
        charts,
    )
}

/// [`drive`] on a stand-in started with `options`, and an API key it accepts.
pub fn drive_with(options: Options, charts: usize) -> Drive {
    let standin = DriveStandin::start(Options {
        api_key: Some("AIzaSy-test-api-key-do-not-leak-1234".into()),
        ..options
    });
    let daily = standin.folder(&standin.root(), "daily");
    let day = standin.folder(&daily, DAY);
    for i in 0..charts {
        standin.file(&day, &name(i), chart(&format!("S{i:04}.IN"), i as u64));
    }
    Drive { standin, day }
}

/// The real binary against the stand-in, with service-account credentials unless `extra`
/// brings an API key. Waits are scaled down (test-only hooks).
pub fn process(drive: &Drive, out: &Path, extra: &[&str], envs: &[(&str, &str)]) -> Output {
    let output = run(&mut command(drive, out, extra, envs));
    crate::harness::validate_output(out);
    output
}

/// [`process`] with no date, so the trigger file or today decides the folder; the run must
/// succeed. Returns its stderr.
pub fn converted_by_the_trigger_file(drive: &Drive, out: &Path) -> String {
    let output = process(drive, out, &[], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    stderr
}

/// The command [`process`] runs.
pub fn command(drive: &Drive, out: &Path, extra: &[&str], envs: &[(&str, &str)]) -> Command {
    command_from(drive, &drive.standin.root(), out, extra, envs)
}

/// [`command`] with `root` as the source's root folder.
pub fn command_from(
    drive: &Drive,
    root: &str,
    out: &Path,
    extra: &[&str],
    envs: &[(&str, &str)],
) -> Command {
    let mut cmd = bluedot();
    cmd.arg("process")
        .arg("--source")
        .arg(format!("gdrive:{root}"))
        .arg("--output")
        .arg(out)
        .arg("--timeframe")
        .arg("daily")
        .args(extra)
        .env("BLUEDOT_TEST_DRIVE_API_URL", drive.standin.api_url())
        .env("BLUEDOT_TEST_DRIVE_BACKOFF_SCALE", "0.01")
        .env("BLUEDOT_TEST_DRIVE_TIMEOUT_MS", "2500")
        .env("GOOGLE_CREDENTIALS", drive.standin.credentials_json())
        .env_remove("GOOGLE_API_KEY");
    for (key, value) in envs {
        cmd.env(key, value);
    }
    cmd
}

pub fn outcomes(report: &serde_json::Value) -> (u64, u64, u64) {
    let t = &report["totals"];
    (
        t["ok"].as_u64().unwrap(),
        t["failed"].as_u64().unwrap(),
        t["skipped"].as_u64().unwrap(),
    )
}

pub fn csvs(out: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    tree(&out.join("data/daily"))
}

/// Runs `cmd` against a Drive whose answers to `target` stall (30 s each, eight times), stops
/// it with SIGINT once it has asked, as a runner cancelling the job does, and returns what it
/// printed and how long it went on after the signal.
#[cfg(unix)]
pub fn interrupted_while_asking(
    drive: &Drive,
    target: standins::Target,
    cmd: &mut Command,
) -> (Output, std::time::Duration) {
    use standins::{Fault, Target};
    use std::time::{Duration, Instant};
    let asked = |target: &Target| {
        let stats = drive.standin.stats();
        match target {
            Target::List => stats.list_calls,
            Target::Media(_) => stats.media_calls,
            Target::Metadata(_) => stats.metadata_calls,
            Target::Token => stats.token_grants,
        }
    };
    let stall = Fault::SlowBody(Duration::from_secs(30));
    drive.standin.inject(target.clone(), vec![stall; 8]);
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (started, before) = (Instant::now(), asked(&target));
    while asked(&target) == before {
        assert!(started.elapsed().as_secs() < 30, "never asked");
        std::thread::sleep(Duration::from_millis(10));
    }
    let kill = run(Command::new("kill").args(["-INT", &child.id().to_string()]));
    assert!(kill.status.success());
    let signalled = Instant::now();
    while child.try_wait().unwrap().is_none() && signalled.elapsed().as_secs() < 20 {
        std::thread::sleep(Duration::from_millis(10));
    }
    let took = signalled.elapsed();
    let _ = child.kill();
    (child.wait_with_output().unwrap(), took)
}

pub fn retries(report: &serde_json::Value, name: &str) -> u64 {
    file_entry(report, name)["retries"].as_u64().unwrap_or(0)
}
