//! Finding the day's folder and listing it: path resolution through folders and shortcuts, the
//! trigger file that names the date, and the rules that turn Drive items into charts and skipped
//! files (Docs types, duplicate names).

use super::client::DriveClient;
use super::files::{
    FOLDER_MIME, GOOGLE_APPS_PREFIX, GOOGLE_DOC_MIME, ItemRef, Planned, RemoteFile, SHORTCUT_MIME,
    fetch_bytes, get_shortcut_target, list_children, quote,
};
use crate::convert::Timeframe;
use crate::source::local::not_a_chart;
use crate::source::{Entry, Listing};

/// Where the date came from, for the log and the action's outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSource {
    Given,
    TriggerFile,
    Today,
}

impl DateSource {
    pub fn describe(self) -> &'static str {
        match self {
            DateSource::Given => "as given",
            DateSource::TriggerFile => "from the trigger file",
            DateSource::Today => "today: no trigger file",
        }
    }
}

/// `YYYY-MM-DD` for daily, ISO week `YYYY-Www` for weekly.
pub fn validate_date(timeframe: Timeframe, text: &str) -> Result<String, String> {
    let valid = match timeframe {
        Timeframe::Daily => {
            text.len() == 10 && chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
        }
        Timeframe::Weekly => {
            text.len() == 8
                && chrono::NaiveDate::parse_from_str(&format!("{text}-1"), "%G-W%V-%u").is_ok()
        }
    };
    let shape = match timeframe {
        Timeframe::Daily => "a YYYY-MM-DD date",
        Timeframe::Weekly => "an ISO week YYYY-Www",
    };
    if valid {
        Ok(text.to_owned())
    } else {
        Err(format!("{text:?} is not {shape}"))
    }
}

/// Today (UTC) or the current ISO week.
pub fn today(timeframe: Timeframe) -> String {
    folder_date(timeframe, chrono::Utc::now().date_naive())
}

/// The folder name of `date`: `YYYY-MM-DD`, or the ISO week `YYYY-Www` with the ISO week-year,
/// which differs from the calendar year in the days around New Year (30 Dec 2024 is 2025-W01).
fn folder_date(timeframe: Timeframe, date: chrono::NaiveDate) -> String {
    match timeframe {
        Timeframe::Daily => date.format("%Y-%m-%d").to_string(),
        Timeframe::Weekly => date.format("%G-W%V").to_string(),
    }
}

/// The trigger file's text with BOM and surrounding whitespace removed.
pub fn trigger_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.trim_start_matches('\u{feff}').trim().to_owned()
}

/// Follows a shortcut to a folder (confirming the target, whose recorded type may be stale);
/// returns the folder, or why it is not one.
pub async fn as_folder(
    client: &DriveClient,
    item: &RemoteFile,
    retries: &mut u32,
) -> Result<ItemRef, String> {
    if item.mime_type == FOLDER_MIME {
        return Ok(item.item_ref());
    }
    if item.mime_type == SHORTCUT_MIME {
        let Some(target_ref) = item.shortcut_target() else {
            return Err(format!("shortcut {:?} has no target", item.name));
        };
        let target = get_shortcut_target(client, &target_ref, retries)
            .await
            .map_err(|e| format!("shortcut {:?} points to {}: {e}", item.name, target_ref.id))?;
        if target.mime_type == FOLDER_MIME {
            return Ok(target.item_ref());
        }
        return Err(format!(
            "shortcut {:?} points to a {}, not a folder",
            item.name, target.mime_type
        ));
    }
    Err(format!(
        "{:?} is a {}, not a folder",
        item.name, item.mime_type
    ))
}

/// The newest of same-named items (ties broken by version, then id, so the choice is stable).
fn newest<'a>(items: &[&'a RemoteFile]) -> &'a RemoteFile {
    items
        .iter()
        .copied()
        .max_by(|a, b| {
            a.modified()
                .cmp(&b.modified())
                .then_with(|| {
                    let version =
                        |f: &RemoteFile| f.version.as_deref().and_then(|v| v.parse::<u64>().ok());
                    version(a).cmp(&version(b))
                })
                .then_with(|| a.id.cmp(&b.id))
        })
        .expect("at least one item")
}

/// Walks `segments` from `root`, one folder (or shortcut to a folder) per segment. `Ok(None)`
/// when a segment does not exist.
pub async fn resolve_path(
    client: &DriveClient,
    root: &ItemRef,
    segments: &[&str],
    warnings: &mut Vec<String>,
    retries: &mut u32,
) -> Result<Option<ItemRef>, String> {
    let mut current = root.clone();
    let mut walked = String::new();
    for segment in segments {
        walked = if walked.is_empty() {
            (*segment).to_owned()
        } else {
            format!("{walked}/{segment}")
        };
        let filter = format!(
            " and name = {} and (mimeType = '{FOLDER_MIME}' or mimeType = '{SHORTCUT_MIME}')",
            quote(segment)
        );
        let items = list_children(client, &current, &filter, retries).await?;
        // Drive's name match is not guaranteed case-sensitive; ours is.
        let exact: Vec<&RemoteFile> = items.iter().filter(|f| f.name == *segment).collect();
        if exact.is_empty() {
            return Ok(None);
        }
        let chosen = newest_warned(&exact, &format!("folders named {walked:?}"), warnings);
        current = as_folder(client, chosen, retries).await?;
    }
    Ok(Some(current))
}

/// The newest of `exact`, the items of one name; of several, a warning (`what` names them)
/// says which was used, since which charts the run converts depends on it.
fn newest_warned<'a>(
    exact: &[&'a RemoteFile],
    what: &str,
    warnings: &mut Vec<String>,
) -> &'a RemoteFile {
    let chosen = newest(exact);
    if exact.len() > 1 {
        let warning = format!(
            "{} {what}; using the newest ({}, modified {})",
            exact.len(),
            chosen.id,
            chosen.modified_time.as_deref().unwrap_or("?")
        );
        tracing::warn!("{}", crate::report::one_line(&warning));
        warnings.push(warning);
    }
    chosen
}

/// The most of a trigger file read: a date, with room for a byte-order mark and white space.
const TRIGGER_READ: usize = 4096;

/// Finds `triggers/<timeframe>_ready.txt` under `root` and reads the date in it, if it exists.
pub async fn read_trigger(
    client: &DriveClient,
    root: &ItemRef,
    timeframe: Timeframe,
    warnings: &mut Vec<String>,
    retries: &mut u32,
) -> Result<Option<String>, String> {
    let Some(folder) = resolve_path(client, root, &["triggers"], warnings, retries).await? else {
        return Ok(None);
    };
    let name = format!("{}_ready.txt", timeframe.as_str());
    let filter = format!(
        " and name = {} and mimeType != '{FOLDER_MIME}'",
        quote(&name)
    );
    let items = list_children(client, &folder, &filter, retries).await?;
    let exact: Vec<&RemoteFile> = items.iter().filter(|f| f.name == name).collect();
    if exact.is_empty() {
        return Ok(None);
    }
    // Which date the run converts depends on it, as which folder does.
    let mut file =
        newest_warned(&exact, &format!("trigger files named {name:?}"), warnings).clone();
    if file.mime_type == SHORTCUT_MIME
        && let Some(target) = file.shortcut_target()
    {
        file = get_shortcut_target(client, &target, retries).await?;
    }
    let bytes = if file.mime_type == GOOGLE_DOC_MIME {
        // A Doc cannot be downloaded, only exported; the text export starts with a BOM.
        fetch_bytes(
            client,
            &format!("drive/v3/files/{}/export", file.id),
            &[("mimeType", "text/plain")],
            file.resource_key(),
            TRIGGER_READ,
            retries,
        )
        .await
    } else {
        fetch_bytes(
            client,
            &format!("drive/v3/files/{}", file.id),
            &[("alt", "media"), ("supportsAllDrives", "true")],
            file.resource_key(),
            TRIGGER_READ,
            retries,
        )
        .await
    }
    .map_err(|e| format!("cannot read triggers/{name}: {e}"))?;
    let text = trigger_text(&bytes);
    // A date is ten characters: a longer text is some other file saved under this name, and
    // quoting it whole would bury the reason in the log.
    if bytes.len() > TRIGGER_READ || text.chars().count() > 32 {
        let size = match bytes.len() > TRIGGER_READ {
            true => format!("more than {TRIGGER_READ} bytes"),
            false => format!("{} bytes", bytes.len()),
        };
        return Err(format!(
            "triggers/{name} holds {size}, not a date (YYYY-MM-DD, or YYYY-Www for weekly)"
        ));
    }
    validate_date(timeframe, &text)
        .map(Some)
        .map_err(|e| format!("triggers/{name} says {e}"))
}

/// How many names held by several files the log names one by one: a folder uploaded twice
/// holds thousands, and each shard's log would repeat them all.
const LOGGED_DUPLICATES: usize = 20;

/// Splits listed items into charts and skipped files. Shortcuts to files are followed.
pub async fn classify_items(
    client: &DriveClient,
    items: Vec<RemoteFile>,
    retries: &mut u32,
) -> (Listing, Plan) {
    let mut listing = Listing::default();
    // Held flat and sorted by name rather than in a map of lists, and the item never copied,
    // since a listing may hold tens of thousands.
    let mut candidates: Vec<Candidate> = Vec::new();
    for item in items {
        match candidate(client, item, retries).await {
            Ok(candidate) => candidates.push(candidate),
            Err(skipped) => listing.skipped.push(skipped),
        }
    }
    let plan = keep_newest_of_each_name(candidates, &mut listing);
    listing.sort();
    (listing, plan)
}

/// A listed item that may be a chart, and what to download when that is not the item itself
/// (a shortcut's target).
type Candidate = (RemoteFile, Option<Box<Planned>>);

/// `item` as a chart to download, or the entry skipped with its reason: a folder, a shortcut to
/// one or to nothing or to a file in the trash, a Google Docs type, a name no chart has.
/// Shortcuts are followed, which asks Drive for their targets.
async fn candidate(
    client: &DriveClient,
    item: RemoteFile,
    retries: &mut u32,
) -> Result<Candidate, (Entry, String)> {
    let entry = Entry {
        name: item.name.clone(),
        size: item.size(),
    };
    if item.mime_type == FOLDER_MIME {
        return Err((entry, crate::source::SUBFOLDER_SKIPPED.into()));
    }
    let target: Option<Planned> = if item.mime_type == SHORTCUT_MIME {
        let Some(details) = item.shortcut_details.clone() else {
            return Err((entry, "shortcut without a target".into()));
        };
        if details.target_mime_type.as_deref() == Some(FOLDER_MIME) {
            return Err((entry, crate::source::SHORTCUT_TO_FOLDER_SKIPPED.into()));
        }
        let target_ref = ItemRef::new(&details.target_id, details.target_resource_key.as_deref());
        match get_shortcut_target(client, &target_ref, retries).await {
            // The listing leaves trashed files out; one reached by a shortcut is too.
            Ok(target) if target.trashed => {
                return Err((entry, "shortcut to a file in the trash".into()));
            }
            Ok(target) if target.mime_type == FOLDER_MIME => {
                return Err((entry, crate::source::SHORTCUT_TO_FOLDER_SKIPPED.into()));
            }
            Ok(target) => Some(Ok(target)),
            Err(e) => Some(Err(format!(
                "shortcut target {} cannot be read: {e}",
                details.target_id
            ))),
        }
    } else {
        None
    };
    let downloaded = match &target {
        None => Some(&item),
        Some(planned) => planned.as_ref().ok(),
    };
    if let Some(target) = downloaded
        && target.mime_type.starts_with(GOOGLE_APPS_PREFIX)
    {
        let reason = format!(
            "Google Docs type ({}): only files with binary content can be downloaded",
            target.mime_type
        );
        return Err((entry, reason));
    }
    if let Some(reason) = not_a_chart(&item.name) {
        return Err((entry, reason.into()));
    }
    Ok((item, target.map(Box::new)))
}

/// Of the candidates sharing a name, the newest is the chart and the others are skipped, each
/// saying which was used; returns what to download for each chart, which `listing` gains.
fn keep_newest_of_each_name(mut candidates: Vec<Candidate>, listing: &mut Listing) -> Plan {
    // Stable: the files of one name stay in listed order.
    candidates.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    let mut plan = Vec::with_capacity(candidates.len());
    let mut duplicated_names = 0;
    let mut candidates = candidates.into_iter().peekable();
    let mut group: Vec<Candidate> = Vec::new();
    while let Some(first) = candidates.next() {
        group.clear();
        group.push(first);
        while let Some(next) = candidates.next_if(|next| next.0.name == group[0].0.name) {
            group.push(next);
        }
        let name = group[0].0.name.clone();
        if group.len() > 1 {
            let listed: Vec<&RemoteFile> = group.iter().map(|(item, _)| item).collect();
            let keep = newest(&listed).id.clone();
            let kept = &group
                .iter()
                .find(|(item, _)| item.id == keep)
                .expect("the newest is one of them")
                .0;
            let kept_time = kept.modified_time.clone().unwrap_or_default();
            let kept_modified = kept.modified();
            let tied = group
                .iter()
                .any(|(item, _)| item.id != keep && item.modified() == kept_modified);
            let which = match tied {
                true => "equally new: using the higher version, else the larger id",
                false => "using the newest",
            };
            let warning = format!(
                "{} files named {name:?}; {which} ({keep}, modified {kept_time})",
                group.len()
            );
            duplicated_names += 1;
            // Each file not used is in the report, skipped, with its reason: the log is enough.
            if duplicated_names <= LOGGED_DUPLICATES {
                tracing::warn!("{}", crate::report::one_line(&warning));
            }
            group.retain(|(item, _)| {
                if item.id == keep {
                    return true;
                }
                // Equally new, the choice is Drive's version number, then the larger id: stable
                // from run to run, but no file is "newer".
                let which = if item.modified() == kept_modified {
                    "one modified at the same time (the higher version, else the larger id)"
                } else {
                    "a newer file"
                };
                let reason = format!(
                    "duplicate: {which} with the same name was used ({keep}, modified {kept_time}); this one is {} (modified {})",
                    item.id,
                    item.modified_time.as_deref().unwrap_or("?")
                );
                listing.skipped.push((Entry { name: name.clone(), size: item.size() }, reason));
                false
            });
        }
        let (item, target) = group.pop().expect("one candidate kept");
        let listed_size = item.size();
        let target = match target {
            None => Ok(item),
            Some(target) => *target,
        };
        let target =
            target.and_then(
                |t| match t.capabilities.as_ref().and_then(|c| c.can_download) {
                    Some(false) => Err(
                        "cannot download: Drive reports capabilities.canDownload = false".into(),
                    ),
                    _ => Ok(t),
                },
            );
        listing.charts.push(Entry {
            name: name.clone(),
            size: target
                .as_ref()
                .ok()
                .and_then(RemoteFile::size)
                .or(listed_size),
        });
        plan.push((name, target.map(RemoteFile::for_download)));
    }
    if duplicated_names > LOGGED_DUPLICATES {
        tracing::warn!(
            "... and {} more names held by several files; report.json lists every file not used as skipped",
            duplicated_names - LOGGED_DUPLICATES
        );
    }
    Plan(plan)
}

/// What each chart's name will be downloaded from, or why it cannot be, sorted by name.
#[derive(Debug, Clone, Default)]
pub struct Plan(Vec<(String, Planned)>);

impl Plan {
    pub fn get(&self, name: &str) -> Option<&Planned> {
        let at = self
            .0
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()?;
        Some(&self.0[at].1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_validated_per_timeframe() {
        assert!(validate_date(Timeframe::Daily, "2024-08-02").is_ok());
        assert!(validate_date(Timeframe::Daily, "2024-8-2").is_err());
        assert!(validate_date(Timeframe::Daily, "2024-02-30").is_err());
        assert!(validate_date(Timeframe::Weekly, "2024-W31").is_ok());
        assert!(validate_date(Timeframe::Weekly, "2024-W54").is_err());
        assert!(validate_date(Timeframe::Weekly, "2024-08-02").is_err());
        assert!(validate_date(Timeframe::Daily, &today(Timeframe::Daily)).is_ok());
        assert!(validate_date(Timeframe::Weekly, &today(Timeframe::Weekly)).is_ok());
    }

    #[test]
    fn weeks_around_new_year_carry_the_iso_week_year() {
        let weekly = |y, m, d| {
            folder_date(
                Timeframe::Weekly,
                chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap(),
            )
        };
        assert_eq!(weekly(2024, 12, 29), "2024-W52");
        assert_eq!(weekly(2024, 12, 30), "2025-W01");
        assert_eq!(weekly(2021, 1, 3), "2020-W53");
        assert_eq!(weekly(2027, 1, 1), "2026-W53");
        assert_eq!(weekly(2025, 7, 31), "2025-W31");
        assert_eq!(
            folder_date(
                Timeframe::Daily,
                chrono::NaiveDate::from_ymd_opt(2024, 12, 30).unwrap()
            ),
            "2024-12-30"
        );
    }

    #[test]
    fn a_53rd_week_is_valid_only_in_years_that_have_one() {
        assert!(validate_date(Timeframe::Weekly, "2020-W53").is_ok());
        assert!(validate_date(Timeframe::Weekly, "2026-W53").is_ok());
        assert!(validate_date(Timeframe::Weekly, "2025-W53").is_err());
        assert!(validate_date(Timeframe::Weekly, "2025-W00").is_err());
        assert!(validate_date(Timeframe::Weekly, "2025-W1").is_err());
    }

    #[test]
    fn trigger_text_strips_bom_and_whitespace() {
        assert_eq!(trigger_text(b"\xef\xbb\xbf 2024-08-02\r\n"), "2024-08-02");
    }
}
