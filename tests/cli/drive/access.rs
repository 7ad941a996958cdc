//! What Drive hides or withholds: items in a shared drive, which each request must say it
//! supports; files Drive says cannot be downloaded, or flags as malware.

use super::{DAY, chart, converted_by_the_trigger_file, drive, name, outcomes, process, retries};
use crate::harness::{WorkDir, file_entry, file_reason, report};
use standins::{Fault, Target};

/// Drive hides a shared drive's items from any request that does not say it supports shared
/// drives: `files.get` and downloads answer 404, listings leave them out. A drop kept in one
/// (its root, the trigger file, the charts, a shortcut's target) is read whole all the same.
#[test]
fn a_drop_in_a_shared_drive_is_listed_and_downloaded_whole() {
    let d = drive(3, 5);
    let root = d.standin.root();
    let triggers = d.standin.folder(&root, "triggers");
    d.standin
        .file(&triggers, "daily_ready.txt", format!("{DAY}\n"));
    let archive = d.standin.folder(&root, "archive");
    let target = d
        .standin
        .file(&archive, "LINKED_daily.json", chart("LINKED", 7));
    d.standin.shortcut(&d.day, "LINKED_daily.json", &target);
    d.standin.put_in_shared_drive(&root, "0AteamDriveOfTheDrop");
    let work = WorkDir::new();
    let out = work.join("out");
    let stderr = converted_by_the_trigger_file(&d, &out);
    assert!(stderr.contains("from the trigger file"), "{stderr}");
    let report = report(&out);
    assert_eq!(outcomes(&report), (6, 0, 0));
    assert!(
        report["source"]
            .as_str()
            .unwrap()
            .ends_with("/daily/2024-08-02"),
        "{}",
        report["source"]
    );
    for i in 0..5 {
        assert_eq!(
            crate::harness::file_entry(&report, &name(i))["outcome"],
            "ok"
        );
    }
}

/// A file whose listing says `capabilities.canDownload = false` (an owner who restricted
/// downloading) fails with that reason and is never asked for (GOOGLE-DRIVE.txt line 59): the
/// download would only be refused.
#[test]
fn a_chart_drive_says_cannot_be_downloaded_fails_without_a_download() {
    let d = drive(100, 3);
    let locked = d
        .standin
        .file(&d.day, "LOCKED_daily.json", chart("LOCKED", 1));
    d.standin.set_can_download(&locked, false);
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(&d, &out, &["--date", DAY], &[]);
    assert_eq!(output.status.code(), Some(1));
    let report = report(&out);
    assert_eq!(outcomes(&report), (3, 1, 0));
    assert_eq!(
        file_reason(&report, "LOCKED_daily.json"),
        "cannot download: Drive reports capabilities.canDownload = false"
    );
    assert_eq!(d.standin.stats().media_calls, 3, "only the other charts");
}

/// Drive refuses a file it flags as malware or spam to everyone but its owner (403
/// cannotDownloadAbusiveFile): no rerun could convert it, so it is skipped with Drive's reason,
/// not failed and not retried (GOOGLE-DRIVE.txt line 56), and the run succeeds with the rest.
#[test]
fn a_chart_drive_flags_as_abusive_is_skipped_and_the_others_convert() {
    let d = drive(100, 4);
    // Once only: a retry would get the file, and convert it.
    d.standin
        .inject(Target::Media(name(1)), [Fault::CannotDownloadAbusiveFile]);
    let work = WorkDir::new();
    let out = work.join("out");
    let output = process(&d, &out, &["--date", DAY], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let report = report(&out);
    assert_eq!(outcomes(&report), (3, 0, 1));
    let flagged = file_entry(&report, &name(1));
    assert_eq!(flagged["outcome"], "skipped");
    let reason = "Google Drive flags this file as malware or spam (403 cannotDownloadAbusiveFile): \
                  only its owner, or an organizer of its shared drive, can download it";
    assert_eq!(flagged["reason"], reason);
    assert_eq!(retries(&report, &name(1)), 0);
    assert_eq!(d.standin.stats().media_calls, 4, "one download per chart");
    assert!(
        stderr.contains(&format!("skipped: {}: {reason}", name(1))),
        "{stderr}"
    );
}
