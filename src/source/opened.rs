//! A listed source, ready to fetch: the one type the command line and the action list and fetch
//! through, whichever kind of source each chose.

use super::drive::{DriveConfig, DriveListing, DriveSource};
use super::{Entry, Fetched, Listing};
use crate::shard::Shard;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// What listing cost, for the report.
#[derive(Debug, Clone, Copy, Default)]
pub struct SourceCosts {
    /// Files listed before sharding.
    pub listed: u64,
    pub list: Duration,
    /// Retries the source spent listing (files' own retries are in their reports).
    pub retries: u64,
}

pub struct Opened {
    /// Everything listed, before sharding.
    pub listing: Listing,
    pub costs: SourceCosts,
    /// How the source appears in reports and summaries; never holds a secret.
    pub label: String,
    /// The drop's date as the source resolved it (Drive: input, trigger file or today).
    pub date: Option<String>,
    fetcher: Fetcher,
}

enum Fetcher {
    Local(PathBuf),
    Drive(Box<(DriveSource, DriveListing)>),
}

impl Opened {
    /// Lists a local folder (`*.json` directly inside it).
    pub fn local(dir: &Path, label: String) -> std::io::Result<Opened> {
        let started = Instant::now();
        let listing = super::local::list(dir)?;
        Ok(Opened {
            costs: SourceCosts {
                listed: listing.len() as u64,
                list: started.elapsed(),
                retries: 0,
            },
            listing,
            label,
            date: None,
            fetcher: Fetcher::Local(dir.to_owned()),
        })
    }

    /// Resolves and lists a Drive folder completely. Errors never contain secrets.
    pub fn drive(config: DriveConfig) -> Result<Opened, String> {
        let started = Instant::now();
        let (source, mut listed) = super::drive::args::open_and_list(config)?;
        // Moved, not copied: fetching needs only the plan of what to download.
        let listing = std::mem::take(&mut listed.listing);
        Ok(Opened {
            costs: SourceCosts {
                listed: listing.len() as u64,
                list: started.elapsed(),
                retries: u64::from(listed.retries),
            },
            label: listed.label(&source.config().root_folder_id),
            date: listed.date.as_ref().map(|(date, _)| date.clone()),
            fetcher: Fetcher::Drive(Box::new((source, listed))),
            listing,
        })
    }

    /// Fails each chart of a local folder that is a link leading outside `root` (the action's
    /// workspace, which the folder itself was checked to be in): a link committed to a
    /// repository, or added by a pull request, must not have the run read a file of the machine
    /// (`/proc/self/environ`) and quote it in a reason. Links inside `root` are charts as any.
    pub fn fail_charts_linked_outside(&mut self, root: &Path) {
        let Fetcher::Local(dir) = &self.fetcher else {
            return;
        };
        let Ok(root) = root.canonicalize() else {
            return;
        };
        let charts = std::mem::take(&mut self.listing.charts);
        for entry in charts {
            let path = dir.join(&entry.name);
            let is_link = std::fs::symlink_metadata(&path).is_ok_and(|meta| meta.is_symlink());
            if is_link
                && !path
                    .canonicalize()
                    .is_ok_and(|real| real.starts_with(&root))
            {
                let reason = "cannot read: a link to a file outside the workspace, which is \
                              not read"
                    .to_owned();
                self.listing.unreadable.push((entry, reason));
            } else {
                self.listing.charts.push(entry);
            }
        }
        self.listing.sort();
    }

    /// Choices the source made that decide which charts the run sees (Drive: of two folders, or
    /// two trigger files, with one name, the newest), each as a sentence.
    pub fn warnings(&self) -> &[String] {
        match &self.fetcher {
            Fetcher::Local(_) => &[],
            Fetcher::Drive(drive) => &drive.1.warnings,
        }
    }

    /// `Err` with what to do when the source holds no chart at all (before sharding: a shard of
    /// a matrix may be empty, a source may not). Converting nothing would publish an empty tree
    /// in place of the last one, so every mode refuses, with the same words.
    pub fn require_charts(&self) -> Result<(), String> {
        // Unreadable charts are charts too: they fail, and the run says so (exit 1) while the
        // tree published before stays, as when every chart fails.
        if !self.listing.charts.is_empty() || !self.listing.unreadable.is_empty() {
            return Ok(());
        }
        let place = match &self.fetcher {
            Fetcher::Local(dir) => dir.display().to_string(),
            Fetcher::Drive(_) => self.label.clone(),
        };
        let mut message = format!("no chart files (*.json) in {place}");
        let subfolders: Vec<String> = self
            .listing
            .skipped
            .iter()
            .filter(|(_, reason)| {
                reason == super::SUBFOLDER_SKIPPED || reason == super::SHORTCUT_TO_FOLDER_SKIPPED
            })
            .map(|(entry, _)| crate::report::one_line(&entry.name).into_owned())
            .collect();
        match self.listing.skipped.len() - subfolders.len() {
            0 => {}
            1 => message.push_str(" (1 other file there would be skipped)"),
            n => message.push_str(&format!(" ({n} other files there would be skipped)")),
        }
        match &self.fetcher {
            Fetcher::Local(dir) => match super::local::bluedot_output_hint(dir, &self.listing) {
                Some(hint) => message.push_str(hint),
                None => message.push_str(&super::local::subfolders_with_charts(dir)),
            },
            // Whether they hold charts would take a listing each; their names are the hint.
            Fetcher::Drive(_) if !subfolders.is_empty() => {
                const NAMED: usize = 3;
                let more = subfolders.len().saturating_sub(NAMED);
                message.push_str(&format!(
                    "; charts are read from the folder itself, and its sub-folders (or shortcuts to folders) are not read: {}",
                    subfolders[..subfolders.len() - more].join(", ")
                ));
                if more > 0 {
                    message.push_str(&format!(", and {more} more"));
                }
            }
            Fetcher::Drive(_) => {}
        }
        Err(message)
    }

    /// This shard's part of the listing, with its charts' bytes as a bounded stream: local
    /// files are read by the conversion workers, Drive files are downloaded a few at a time
    /// ahead of them. Names move into the stream, so a run holds each listed name once.
    pub fn into_shard(self, shard: Shard, stop: &Arc<AtomicBool>) -> ShardWork {
        let mut listing = self.listing;
        listing.retain_shard(shard);
        let charts = std::mem::take(&mut listing.charts);
        let count = charts.len();
        let fetched: Box<dyn Iterator<Item = Fetched> + Send> = match self.fetcher {
            Fetcher::Local(dir) => Box::new(super::local::fetch(&dir, charts, stop.clone())),
            Fetcher::Drive(drive) => {
                let (source, listed) = *drive;
                Box::new(source.fetch(&listed, &charts, stop.clone()))
            }
        };
        ShardWork {
            charts: count,
            skipped: listing.skipped,
            unreadable: listing.unreadable,
            costs: self.costs,
            label: self.label,
            fetched,
        }
    }
}

/// One shard's work, as the pipeline takes it.
pub struct ShardWork {
    /// How many charts `fetched` yields.
    pub charts: usize,
    /// Files of this shard recorded as skipped, with the reason.
    pub skipped: Vec<(Entry, String)>,
    /// Files of this shard named like charts that cannot be read: recorded as failed.
    pub unreadable: Vec<(Entry, String)>,
    pub costs: SourceCosts,
    pub label: String,
    pub fetched: Box<dyn Iterator<Item = Fetched> + Send>,
}

impl ShardWork {
    /// Files this shard records: charts, skipped and unreadable ones.
    pub fn files(&self) -> usize {
        self.charts + self.skipped.len() + self.unreadable.len()
    }
}
