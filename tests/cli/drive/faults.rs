//! Every fault kind: retried and counted, or failed with Drive's reason; the 300-file soak.

use super::{DAY, csvs, drive, name, outcomes, process, retries};
use crate::harness::{WorkDir, file_entry, file_reason, report};
use standins::{Fault, Target};

#[test]
fn every_retryable_fault_is_recovered_and_counted() {
    let retryable: Vec<Fault> = Fault::all_kinds()
        .into_iter()
        .filter(|f| f.is_retryable() && *f != Fault::ExpiredToken)
        .collect();
    let d = drive(5, retryable.len() + 3);
    for (i, fault) in retryable.iter().enumerate() {
        d.standin.inject(Target::Media(name(i)), [fault.clone()]);
    }
    // Listing, metadata and the token endpoint are retried too.
    // A page Drive marks incomplete lacks a file: taking it would lose a chart.
    d.standin.inject(
        Target::List,
        [
            Fault::ServerError(503),
            Fault::Reset,
            Fault::IncompleteSearch,
        ],
    );
    d.standin.inject(Target::Token, [Fault::ServerError(500)]);
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(&d, &out, &["--date", DAY], &[]);
    assert_eq!(output.status.code(), Some(0));
    let report = report(&out);
    assert_eq!(outcomes(&report), (retryable.len() as u64 + 3, 0, 0));
    let mut per_file = 0;
    for (i, fault) in retryable.iter().enumerate() {
        let n = retries(&report, &name(i));
        assert!(n >= 1, "{fault:?} on {} was not retried", name(i));
        per_file += n;
    }
    // Each file fault costs exactly one retry; md5 mismatch also re-reads metadata.
    assert_eq!(per_file, retryable.len() as u64);
    let total = report["totals"]["retries"].as_u64().unwrap();
    assert!(
        total >= per_file + 4,
        "list and token retries are counted: {total}"
    );
    let out_clean = work.join("clean");
    let clean = drive(5, retryable.len() + 3);
    process(&clean, &out_clean, &["--date", DAY], &[]);
    assert_eq!(csvs(&out), csvs(&out_clean));
}

#[test]
fn permanent_errors_fail_with_drives_reason_without_retrying() {
    let d = drive(100, 5);
    d.standin
        .inject(Target::Media(name(0)), [Fault::InsufficientPermissions]);
    d.standin.inject(Target::Media(name(1)), [Fault::NotFound]);
    d.standin
        .inject(Target::Media(name(2)), [Fault::BadRequest]);
    // A file's own download cap: said to clear after a day, so not retried within a run.
    d.standin
        .inject(Target::Media(name(3)), [Fault::DownloadQuotaExceeded]);
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(&d, &out, &["--date", DAY], &[]);
    assert_eq!(output.status.code(), Some(1));
    let report = report(&out);
    assert_eq!(outcomes(&report), (1, 4, 0));
    let reason = |i| file_reason(&report, &name(i));
    assert!(
        reason(0).contains(
            "403 insufficientFilePermissions: The user does not have sufficient permissions"
        ),
        "{}",
        reason(0)
    );
    assert!(
        reason(1).contains("404 notFound: File not found"),
        "{}",
        reason(1)
    );
    assert!(reason(2).contains("400 badRequest"), "{}", reason(2));
    assert!(
        reason(3).contains(
            "403 downloadQuotaExceeded: The download quota for this file has been exceeded."
        ),
        "{}",
        reason(3)
    );
    for i in 0..4 {
        assert_eq!(retries(&report, &name(i)), 0);
    }
    assert_eq!(
        d.standin.stats().media_calls,
        5,
        "no permanent error was retried"
    );
}

#[test]
fn md5_mismatch_rereads_metadata_and_retries_then_fails_for_good() {
    let d = drive(100, 3);
    d.standin.inject(Target::Media(name(0)), [Fault::WrongMd5]);
    d.standin
        .inject(Target::Media(name(1)), vec![Fault::WrongMd5; 30]);
    d.standin
        .inject(Target::Media(name(2)), [Fault::TruncatedBody]);
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(&d, &out, &["--date", DAY], &[]);
    assert_eq!(output.status.code(), Some(1));
    let report = report(&out);
    assert_eq!(file_entry(&report, &name(0))["outcome"], "ok");
    assert_eq!(retries(&report, &name(0)), 1);
    let persistent = file_entry(&report, &name(1));
    assert_eq!(persistent["outcome"], "failed");
    let reason = persistent["reason"].as_str().unwrap();
    assert!(
        reason.contains("md5 mismatch: Drive says") && reason.contains("gave up after 8 attempts"),
        "{reason}"
    );
    assert_eq!(retries(&report, &name(1)), 7);
    assert_eq!(file_entry(&report, &name(2))["outcome"], "ok");
    // The root lookup, then one metadata re-read per mismatch: 1 for the first file, 7 for
    // the second.
    assert_eq!(d.standin.stats().metadata_calls, 1 + 1 + 7);
}

/// 300 files, a fifth of them with faults of every kind (some twice in a row): every file ends
/// ok or failed with a reason, retryable faults end ok, and ok files' CSVs are byte-identical to
/// a fault-free run.
#[test]
fn fault_soak_300_files() {
    let files = 300;
    let kinds = Fault::all_kinds();
    let d = drive(50, files);
    let mut expect_failed = std::collections::BTreeSet::new();
    for (n, i) in (0..files).filter(|i| i % 5 == 2).enumerate() {
        let fault = kinds[n % kinds.len()].clone();
        let mut faults = vec![fault.clone()];
        if n % 3 == 0 && fault.is_retryable() && fault != Fault::ExpiredToken {
            faults.push(kinds[(n + 1) % 6].clone());
        }
        if !fault.is_retryable() {
            expect_failed.insert(name(i));
        }
        d.standin.inject(Target::Media(name(i)), faults);
    }
    d.standin.inject(
        Target::List,
        [
            Fault::ServerError(503),
            Fault::TooManyRequests { retry_after: 1 },
        ],
    );
    d.standin
        .inject(Target::Token, [Fault::Reset, Fault::ServerError(503)]);
    let work = WorkDir::new();
    let out = work.join("faulty");
    let output = process(
        &d,
        &out,
        &["--date", DAY, "--download-concurrency", "32"],
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    let report = report(&out);
    let clean = drive(1000, files);
    let reference = work.join("clean");
    assert_eq!(
        process(&clean, &reference, &["--date", DAY], &[])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(report["totals"]["files"], files as u64);
    let reference_csvs = csvs(&reference);
    let faulty_csvs = csvs(&out);
    let mut ok = 0;
    for entry in report["files"].as_array().unwrap() {
        let file = entry["name"].as_str().unwrap();
        match entry["outcome"].as_str().unwrap() {
            "ok" => {
                ok += 1;
                assert!(!expect_failed.contains(file), "{file} should have failed");
                for series in entry["rows"].as_object().unwrap().keys() {
                    let got = faulty_csvs.get(series);
                    let want = reference_csvs.get(series);
                    assert!(got.is_some() && got == want, "{file}: {series} differs");
                }
            }
            "failed" => {
                assert!(expect_failed.contains(file), "{file} failed: {entry}");
                assert!(
                    entry["reason"].as_str().is_some_and(|r| r.len() > 10),
                    "{entry}"
                );
            }
            other => panic!("{file}: {other}"),
        }
    }
    assert_eq!(ok, files - expect_failed.len());
    assert!(report["totals"]["retries"].as_u64().unwrap() >= 50);
}

/// Drive stops answering after a few charts. Once every request has failed for the outage
/// window (5 min; 3 s at the tests' scale), the charts still retrying and every one not yet
/// asked for fail at once with that reason, instead of each spending its minute of retries;
/// the charts downloaded before it are published.
#[test]
fn a_drive_that_stops_answering_is_given_up_on_not_retried_chart_by_chart() {
    let files = 100;
    let d = drive(1000, files);
    let answered = 4;
    for i in answered..files {
        d.standin
            .inject(Target::Media(name(i)), vec![Fault::ServerError(503); 8]);
    }
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(
        &d,
        &out,
        &["--date", DAY, "--download-concurrency", "2"],
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    let report = report(&out);
    let failed = (files - answered) as u64;
    assert_eq!(outcomes(&report), (answered as u64, failed, 0));
    let outage = "Google Drive failed every request for 3 s (the last: 503 backendError";
    let mut never_asked = 0u64;
    for i in answered..files {
        let entry = file_entry(&report, &name(i));
        let reason = entry["reason"].as_str().unwrap();
        assert!(
            reason.contains(outage) || reason.contains("gave up after 8 attempts"),
            "{reason}"
        );
        if reason.contains(outage) && retries(&report, &name(i)) == 0 {
            never_asked += 1;
        }
    }
    assert!(
        never_asked >= failed / 2,
        "only {never_asked} charts were spared their retries"
    );
    let asked = failed - never_asked;
    let media_calls = d.standin.stats().media_calls;
    assert!(
        media_calls <= answered as u64 + 8 * asked,
        "{media_calls} downloads asked for, {asked} charts"
    );
    let series = csvs(&out).into_keys().filter(|name| name.ends_with(".csv"));
    assert_eq!(series.count(), answered * 4);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(outage), "{stderr}");
    // Said while it went on, once, not only when the run gave up minutes later.
    let going_on = "every request to Google Drive has failed for ";
    assert_eq!(stderr.matches(going_on).count(), 1, "{stderr}");
    assert!(
        stderr.contains("retrying, and giving up on all of them if nothing succeeds for 3 s"),
        "{stderr}"
    );
}

/// Drive answers every `files.list` with `fault`: the run ends (exit 2) saying `why`, with
/// nothing written. Returns the stand-in, to count what was asked.
fn a_listing_always_answered_with(page_size: usize, fault: Fault, why: &str) -> super::Drive {
    let d = drive(page_size, 5);
    d.standin.inject(Target::List, vec![fault; 1000]);
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(&d, &out, &["--date", DAY], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(why), "{stderr}");
    assert!(!out.join("data").exists(), "{stderr}");
    d
}

#[test]
fn a_listing_drive_keeps_calling_incomplete_ends_the_run_with_nothing_published() {
    a_listing_always_answered_with(
        100,
        Fault::IncompleteSearch,
        "Drive reported an incomplete search (incompleteSearch: true) 8 times in a row: \
         files may be missing from what it listed",
    );
}

#[test]
fn a_page_token_leading_back_to_a_listed_page_ends_the_listing_not_the_run_never() {
    let d = a_listing_always_answered_with(2, Fault::RepeatPageToken, "the same page token twice");
    assert!(d.standin.stats().list_calls < 10);
    // Tokens new each time round the cycle are caught by the files: no page brings a new one.
    let d = a_listing_always_answered_with(
        2,
        Fault::CycleToFirstPage,
        "pages in a row without a file not listed before",
    );
    assert!(d.standin.stats().list_calls < 40);
}

/// A runner cancelling a job sends SIGINT, and kills the job a few seconds later if it is still
/// there: `process` stopped while Drive stalls its answers to `target` must end at once (exit 1).
/// Returns the work dir (the output is `out`) and what the run printed on stderr.
#[cfg(unix)]
fn stopped_while_asking(target: Target) -> (WorkDir, String) {
    let d = drive(1000, 3);
    let work = WorkDir::new();
    let mut cmd = super::command(&d, &work.join("out"), &["--date", DAY], &[]);
    cmd.env("BLUEDOT_TEST_DRIVE_TIMEOUT_MS", "60000");
    let (output, took) = super::interrupted_while_asking(&d, target, &mut cmd);
    assert!(took.as_secs() < 5, "went on for {took:?} after the signal");
    assert_eq!(output.status.code(), Some(1));
    (work, String::from_utf8_lossy(&output.stderr).into_owned())
}

#[cfg(unix)]
#[test]
fn a_signal_while_listing_drive_ends_the_run_at_once() {
    let (work, stderr) = stopped_while_asking(Target::List);
    assert!(
        stderr.contains("interrupted: stopped by a signal while listing Google Drive"),
        "{stderr}"
    );
    assert!(!work.join("out").exists(), "nothing was written");
}

/// The download in flight is given up, not retried to the end of its attempts, and the run
/// reports what it had.
#[cfg(unix)]
#[test]
fn a_signal_while_downloading_ends_the_run_at_once() {
    let (work, _) = stopped_while_asking(Target::Media(name(1)));
    let report = report(&work.join("out"));
    assert_eq!(report["interrupted"], true);
    assert_eq!(report["published"], false);
    let reason = file_reason(&report, &name(1));
    assert!(reason.ends_with("the run was interrupted"), "{reason}");
}

/// A chart uploaded again while the run reads the folder, now past the size limit: the download
/// that finds it changed reads its metadata again, and gives it up as too large instead of
/// downloading it whole.
#[test]
fn a_chart_replaced_by_one_too_large_during_the_run_is_not_downloaded() {
    let d = drive(1000, 2);
    let huge = vec![b' '; (32 << 20) + 1];
    d.standin
        .inject(Target::Media(name(0)), vec![Fault::ReplacedBy(huge)]);
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(&d, &out, &["--date", DAY], &[]);
    assert_eq!(output.status.code(), Some(1));
    let report = report(&out);
    assert_eq!(outcomes(&report), (1, 1, 0));
    let reason = file_reason(&report, &name(0));
    assert!(
        reason.contains("too large for a chart export: 33554433 bytes"),
        "{reason}"
    );
    assert_eq!(d.standin.stats().media_calls, 2, "one download per chart");
}

/// Drive answering every download with its headers, then never sending the rest of the body, is
/// as down as Drive not answering: the run gives up after the outage window, not after each
/// chart's sixteen timeouts.
#[test]
fn a_drive_whose_bodies_all_stall_is_given_up_on_too() {
    let files = 20;
    let d = drive(1000, files);
    for i in 0..files {
        let stall = Fault::SlowBody(std::time::Duration::from_secs(30));
        d.standin.inject(Target::Media(name(i)), vec![stall; 16]);
    }
    let work = WorkDir::new();
    let out = work.join("out");
    let mut cmd = super::command(
        &d,
        &out,
        &["--date", DAY, "--download-concurrency", "2"],
        &[("BLUEDOT_TEST_DRIVE_TIMEOUT_MS", "500")],
    );
    let started = std::time::Instant::now();
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Each chart alone would take 16 timeouts of 0.5 s: 80 s for all, two at a time.
    while child.try_wait().unwrap().is_none() && started.elapsed().as_secs() < 40 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let took = started.elapsed();
    let _ = child.kill();
    assert_eq!(child.wait().unwrap().code(), Some(1), "after {took:?}");
    let report = report(&out);
    assert_eq!(outcomes(&report), (0, files as u64, 0));
    let outage = "Google Drive failed every request for 3 s";
    let reason = file_reason(&report, &name(files - 1));
    assert!(reason.contains(outage), "{reason}");
}

/// A burst of errors longer than one chart's retries (a network blip) costs nothing: a chart
/// whose attempts ran out is tried once more after the others, and converts.
#[test]
fn charts_whose_retries_ran_out_are_tried_again_after_the_others() {
    let files = 12;
    let d = drive(100, files);
    let blipped = 3;
    for i in 0..blipped {
        d.standin
            .inject(Target::Media(name(i)), vec![Fault::ServerError(503); 8]);
    }
    // More than a first and a second try take: failed for good.
    let lost = name(blipped);
    d.standin.inject(
        Target::Media(lost.clone()),
        vec![Fault::ServerError(503); 16],
    );
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(&d, &out, &["--date", DAY], &[]);
    assert_eq!(output.status.code(), Some(1));
    let report = report(&out);
    assert_eq!(outcomes(&report), (files as u64 - 1, 1, 0));
    for i in 0..blipped {
        assert_eq!(
            retries(&report, &name(i)),
            8,
            "7 retries, then the second try"
        );
    }
    let reason = file_entry(&report, &lost)["reason"].as_str().unwrap();
    assert!(
        reason.ends_with(
            "503 backendError: Backend Error (gave up after 8 attempts), \
             and again once the other charts were done"
        ),
        "{reason}"
    );
    assert_eq!(retries(&report, &lost), 15);
    let clean_files = (files - blipped - 1) as u64;
    assert_eq!(
        d.standin.stats().media_calls,
        clean_files + 9 * blipped as u64 + 16
    );
    let clean = drive(100, files);
    let reference = work.join("clean");
    process(&clean, &reference, &["--date", DAY], &[]);
    let mut expected = csvs(&reference);
    expected.retain(|series, _| !series.starts_with(&lost[..5]));
    let got = csvs(&out);
    let series = |tree: &std::collections::BTreeMap<String, Vec<u8>>| {
        tree.iter()
            .filter(|(name, _)| name.ends_with(".csv"))
            .map(|(name, bytes)| (name.clone(), bytes.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(series(&got), series(&expected));
}

/// An error answer is read for its reason, not whole: 96 MiB of it, on each of two files, must
/// not take the run's memory with it (a chart's own download stops at 32 MiB).
#[cfg(target_os = "linux")]
#[test]
fn a_huge_error_answer_is_not_held_in_memory() {
    let d = drive(100, 3);
    for i in 0..2 {
        d.standin
            .inject(Target::Media(name(i)), [Fault::HugeErrorBody(96 << 20)]);
    }
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(&d, &out, &["--date", DAY], &[]);
    assert_eq!(output.status.code(), Some(1));
    let report = report(&out);
    assert_eq!(outcomes(&report), (1, 2, 0));
    let reason = file_reason(&report, &name(0));
    assert!(reason.starts_with("download failed: 403: xxx"), "{reason}");
    let peak = report["peak_rss_bytes"].as_u64().unwrap();
    assert!(peak < 64 << 20, "peak {peak} bytes");
}
