//! Concurrent downloads on tokio feeding the rayon conversion through a bounded queue, with size
//! and MD5 verification (a mismatch re-reads the metadata, since the file may have been replaced,
//! then retries), and a second try, after every other chart, for those whose retries ran out.

use super::client::{AttemptError, DriveClient, Failed, Failure, transport_error};
use super::files::{Planned, RemoteFile, get_metadata};
use super::until_stopped;
use crate::source::{Content, Fetched, LARGEST_CHART, NotFetched, too_large};
use md5::{Digest, Md5};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Downloaded charts in completion order. At most `concurrency` downloads are in flight and
/// `concurrency` finished ones wait in the queue, so memory stays bounded however long the
/// conversion takes.
pub struct Downloads {
    receiver: tokio::sync::mpsc::Receiver<Fetched>,
    /// Keeps the runtime alive until the last file is handed over.
    _runtime: Arc<tokio::runtime::Runtime>,
}

impl Iterator for Downloads {
    type Item = Fetched;
    fn next(&mut self) -> Option<Fetched> {
        // Called from conversion threads, never from inside the runtime.
        self.receiver.blocking_recv()
    }
}

pub fn start(
    runtime: Arc<tokio::runtime::Runtime>,
    client: Arc<DriveClient>,
    work: Vec<(String, Planned)>,
    concurrency: usize,
    stop: Arc<AtomicBool>,
) -> Downloads {
    let concurrency = concurrency.max(1);
    let (sender, receiver) = tokio::sync::mpsc::channel(concurrency);
    runtime.spawn(async move {
        let slots = Arc::new(tokio::sync::Semaphore::new(concurrency));
        // Charts whose attempts ran out while Drive was failing (a network blip of a few
        // minutes, a burst of 503s) are tried once more after every other chart, when the blip
        // has most likely passed, instead of being lost for the day.
        let later: Arc<Mutex<Vec<(Fetched, RemoteFile)>>> = Arc::default();
        for (name, planned) in work {
            let Ok(slot) = slots.clone().acquire_owned().await else {
                return;
            };
            let (sender, client, stop, later) =
                (sender.clone(), client.clone(), stop.clone(), later.clone());
            tokio::spawn(async move {
                let fetched = match planned {
                    Ok(file) if !stop.load(Ordering::Relaxed) => {
                        let download = download_chart(&client, name.clone(), &file);
                        match until_stopped(&stop, download).await {
                            Some((fetched, true)) => {
                                later.lock().expect("later lock").push((fetched, file));
                                return;
                            }
                            Some((fetched, false)) => fetched,
                            None => interrupted(name, 0),
                        }
                    }
                    Ok(_) => interrupted(name, 0),
                    Err(reason) => Fetched {
                        name,
                        content: Err(NotFetched::Failed(reason)),
                        retries: 0,
                        stops_the_run: None,
                    },
                };
                // The receiver only goes away when the run is over.
                let _ = sender.send(fetched).await;
                drop(slot);
            });
        }
        // Every first try has ended once every slot is free again.
        let Ok(all) = slots.acquire_many(concurrency as u32).await else {
            return;
        };
        drop(all);
        let later = std::mem::take(&mut *later.lock().expect("later lock"));
        for (first, file) in later {
            let Ok(slot) = slots.clone().acquire_owned().await else {
                return;
            };
            let (sender, client, stop) = (sender.clone(), client.clone(), stop.clone());
            tokio::spawn(async move {
                let fetched = if stop.load(Ordering::Relaxed) {
                    interrupted(first.name, first.retries)
                } else {
                    let (name, retries) = (first.name.clone(), first.retries);
                    until_stopped(&stop, again(&client, first, &file))
                        .await
                        .unwrap_or_else(|| interrupted(name, retries))
                };
                let _ = sender.send(fetched).await;
                drop(slot);
            });
        }
    });
    Downloads {
        receiver,
        _runtime: runtime,
    }
}

fn interrupted(name: String, retries: u32) -> Fetched {
    Fetched {
        name,
        content: Err(NotFetched::Failed(format!(
            "not downloaded: {}",
            crate::report::NOT_REACHED
        ))),
        retries,
        stops_the_run: None,
    }
}

/// The second try of a chart whose first ran out of attempts; trying it counts as a retry.
async fn again(client: &DriveClient, first: Fetched, file: &RemoteFile) -> Fetched {
    if let Some(outage) = client.outage() {
        return Fetched {
            content: Err(NotFetched::Failed(format!("download failed: {outage}"))),
            ..first
        };
    }
    let (mut fetched, ran_out) = download_chart(client, first.name, file).await;
    fetched.retries += first.retries + 1;
    if ran_out && let Err(NotFetched::Failed(reason)) = &mut fetched.content {
        reason.push_str(", and again once the other charts were done");
    }
    fetched
}

/// What the bytes must look like, refreshed from metadata after a mismatch.
struct Expected {
    size: Option<u64>,
    md5: Option<String>,
    stale: bool,
}

/// The chart's bytes, or why not; and whether it failed only because its attempts ran out on
/// errors worth retrying, not on a mismatch Drive repeated every time.
async fn download_chart(client: &DriveClient, name: String, file: &RemoteFile) -> (Fetched, bool) {
    if let Some(size) = file.size().filter(|&size| size > LARGEST_CHART) {
        let fetched = Fetched {
            name,
            content: Err(NotFetched::Failed(too_large(Some(size)))),
            retries: 0,
            stops_the_run: None,
        };
        return (fetched, false);
    }
    let expected = Mutex::new(Expected {
        size: file.size(),
        md5: file.md5_checksum.clone(),
        stale: false,
    });
    let path = format!("drive/v3/files/{}", file.id);
    let metadata_retries = Mutex::new(0u32);
    let attempted = client
        .retrying(&name, |tally| {
            let (expected, path, file, metadata_retries) =
                (&expected, &path, &file, &metadata_retries);
            async move {
                let stale = expected.lock().expect("expected lock").stale;
                if stale {
                    let mut retries = 0;
                    let fresh = get_metadata(
                        client,
                        &file.item_ref(),
                        Some("id,md5Checksum,size,version"),
                        &mut retries,
                    )
                    .await;
                    *metadata_retries.lock().expect("retries lock") += retries;
                    let fresh = fresh.map_err(|e| {
                        AttemptError::Fatal(format!(
                            "re-reading metadata after a checksum mismatch: {e}"
                        ))
                    })?;
                    // Uploaded again since it was listed, and now past the limit the listing
                    // was checked against.
                    if let Some(size) = fresh.size().filter(|&size| size > LARGEST_CHART) {
                        return Err(AttemptError::Fatal(too_large(Some(size))));
                    }
                    let mut expected = expected.lock().expect("expected lock");
                    expected.size = fresh.size();
                    expected.md5 = fresh.md5_checksum;
                    expected.stale = false;
                }
                let query = [("alt", "media"), ("supportsAllDrives", "true")];
                let response = client
                    .get(path, &query, file.resource_key(), &tally)
                    .await?;
                let listed = expected.lock().expect("expected lock").size;
                let body = read_body(response, listed).await;
                let mut expected = expected.lock().expect("expected lock");
                let problem = match body {
                    Ok(bytes) => match verify(&bytes, &expected) {
                        None => return Ok(bytes),
                        Some(problem) => problem,
                    },
                    Err(Unread::LongerThanListed(size)) => {
                        format!("size mismatch: Drive says {size} bytes, received more")
                    }
                    Err(Unread::Failed(e)) => return Err(e),
                };
                expected.stale = true;
                Err(AttemptError::Retry {
                    reason: problem,
                    retry_after: None,
                })
            }
        })
        .await;
    let retries = attempted.retries + *metadata_retries.lock().expect("retries lock");
    // A body that kept differing from what Drive lists is not a blip: trying later would only
    // download it eight more times.
    let mismatched = expected.lock().expect("expected lock").stale;
    let ran_out = matches!(&attempted.result, Err(failed) if failed.how == Failure::RanOut);
    let fetched = Fetched {
        name,
        content: match attempted.result {
            Ok(bytes) => Ok(Content::Bytes(bytes)),
            Err(Failed {
                reason,
                how: Failure::Withheld,
            }) => Err(NotFetched::Skipped(reason)),
            Err(e) => Err(NotFetched::Failed(format!("download failed: {e}"))),
        },
        retries,
        stops_the_run: None,
    };
    (fetched, ran_out && !mismatched)
}

/// Why a body was not read whole.
#[derive(Debug)]
enum Unread {
    /// It ran past the size the listing gave (the file changed since, or Drive misbehaves);
    /// what is left of it is not read.
    LongerThanListed(u64),
    Failed(AttemptError),
}

/// The response's body, read no further than its listed size and never past [`LARGEST_CHART`]:
/// a body without end never fills the memory, and a wrong one costs no more than the bytes it
/// was meant to have.
async fn read_body(
    mut response: reqwest::Response,
    listed: Option<u64>,
) -> Result<Vec<u8>, Unread> {
    let limit = listed.map_or(LARGEST_CHART, |size| size.min(LARGEST_CHART));
    let announced = response.content_length().unwrap_or(0).min(limit);
    let mut bytes = Vec::with_capacity(announced as usize);
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| Unread::Failed(transport_error(e)))?
    {
        if (bytes.len() + chunk.len()) as u64 > limit {
            return Err(match listed {
                Some(size) => Unread::LongerThanListed(size),
                None => Unread::Failed(AttemptError::Fatal(too_large(None))),
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn verify(bytes: &[u8], expected: &Expected) -> Option<String> {
    if let Some(size) = expected.size
        && size != bytes.len() as u64
    {
        return Some(format!(
            "size mismatch: Drive says {size} bytes, received {}",
            bytes.len()
        ));
    }
    if let Some(md5) = &expected.md5 {
        let actual = format!("{:x}", Md5::digest(bytes));
        if !actual.eq_ignore_ascii_case(md5) {
            return Some(format!("md5 mismatch: Drive says {md5}, received {actual}"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_past_its_listed_size_or_the_largest_chart_is_not_read_further() {
        let standin = standins::DriveStandin::start(standins::Options {
            api_key: Some("test-key".into()),
            ..standins::Options::default()
        });
        let limit = LARGEST_CHART as usize;
        let at_limit = standin.file(&standin.root(), "AT_daily.json", vec![b' '; limit]);
        let over = standin.file(&standin.root(), "OVER_daily.json", vec![b' '; limit + 1]);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let http = reqwest::Client::new();
            let body = |id: String, listed: Option<u64>| {
                let request = http
                    .get(format!("{}drive/v3/files/{id}", standin.api_url()))
                    .query(&[("alt", "media")])
                    .header("x-goog-api-key", "test-key");
                async move { read_body(request.send().await.unwrap(), listed).await }
            };
            assert_eq!(body(at_limit.clone(), None).await.unwrap().len(), limit);
            // A body longer than its listed size is not read to the end.
            match body(at_limit, Some(1000)).await {
                Err(Unread::LongerThanListed(1000)) => {}
                other => panic!("{:?}", other.map(|bytes| bytes.len())),
            }
            match body(over, None).await {
                Err(Unread::Failed(AttemptError::Fatal(reason))) => {
                    assert!(
                        reason.starts_with("too large for a chart export"),
                        "{reason}"
                    )
                }
                other => panic!("{:?}", other.map(|bytes| bytes.len())),
            }
        });
    }

    #[test]
    fn verify_checks_size_then_md5() {
        let expected = |size, md5: &str| Expected {
            size,
            md5: Some(md5.into()),
            stale: false,
        };
        let md5_abc = "900150983cd24fb0d6963f7d28e17f72";
        assert_eq!(verify(b"abc", &expected(Some(3), md5_abc)), None);
        assert!(
            verify(b"abd", &expected(Some(3), md5_abc))
                .unwrap()
                .starts_with("md5 mismatch")
        );
        assert!(
            verify(b"ab", &expected(Some(3), md5_abc))
                .unwrap()
                .starts_with("size mismatch")
        );
        assert_eq!(
            verify(
                b"abc",
                &Expected {
                    size: None,
                    md5: None,
                    stale: false
                }
            ),
            None
        );
    }
}
