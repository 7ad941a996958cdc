//! The Drive `files` API as bluedot uses it: item metadata, `files.list` through every page, and
//! small whole-file downloads (the trigger file).

use super::client::{
    AttemptError, Attempted, DriveClient, Failed, Failure, MOST_LISTING_READ, body_up_to,
    transport_error,
};
use serde::Deserialize;

/// What one listed name will be downloaded from, or why it cannot be.
pub type Planned = Result<RemoteFile, String>;

pub const FOLDER_MIME: &str = "application/vnd.google-apps.folder";
pub const SHORTCUT_MIME: &str = "application/vnd.google-apps.shortcut";
pub const GOOGLE_DOC_MIME: &str = "application/vnd.google-apps.document";
pub const GOOGLE_APPS_PREFIX: &str = "application/vnd.google-apps.";
/// `nextPageToken` must be selected, or pagination silently stops after the first page.
const LIST_FIELDS: &str = "nextPageToken,incompleteSearch,files(id,name,mimeType,size,md5Checksum,modifiedTime,version,resourceKey,shortcutDetails(targetId,targetMimeType,targetResourceKey),capabilities/canDownload)";
const FILE_FIELDS: &str = "id,name,mimeType,size,md5Checksum,modifiedTime,version,trashed,resourceKey,shortcutDetails(targetId,targetMimeType,targetResourceKey),capabilities/canDownload";
const PAGE_SIZE: &str = "1000";

/// A Drive item as `files.list`/`files.get` describe it (the fields we select).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RemoteFile {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub mime_type: String,
    /// int64 sent as a string.
    pub size: Option<String>,
    pub md5_checksum: Option<String>,
    pub modified_time: Option<String>,
    pub version: Option<String>,
    pub resource_key: Option<String>,
    pub shortcut_details: Option<ShortcutDetails>,
    pub capabilities: Option<Capabilities>,
    /// Checked only where a listing's `trashed = false` cannot apply: a shortcut's target. (The
    /// root folder's is fetched too, and not checked: a root in the trash is listed as usual.)
    #[serde(default)]
    pub trashed: bool,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ShortcutDetails {
    pub target_id: String,
    pub target_mime_type: Option<String>,
    pub target_resource_key: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Capabilities {
    pub can_download: Option<bool>,
}

impl RemoteFile {
    pub fn size(&self) -> Option<u64> {
        self.size.as_deref().and_then(|s| s.parse().ok())
    }

    pub fn modified(&self) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        chrono::DateTime::parse_from_rfc3339(self.modified_time.as_deref()?).ok()
    }

    pub fn resource_key(&self) -> Option<(&str, &str)> {
        self.resource_key.as_deref().map(|k| (self.id.as_str(), k))
    }

    pub fn item_ref(&self) -> ItemRef {
        ItemRef::new(&self.id, self.resource_key.as_deref())
    }

    /// The item with only what downloading it reads (id, resource key, size, MD5): a run keeps
    /// one per chart of the whole listing until it is downloaded.
    pub fn for_download(self) -> RemoteFile {
        RemoteFile {
            id: self.id,
            size: self.size,
            md5_checksum: self.md5_checksum,
            resource_key: self.resource_key,
            ..RemoteFile::default()
        }
    }

    /// The item a shortcut points to, with the key the shortcut gives for it.
    pub fn shortcut_target(&self) -> Option<ItemRef> {
        let details = self.shortcut_details.as_ref()?;
        Some(ItemRef::new(
            &details.target_id,
            details.target_resource_key.as_deref(),
        ))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileList {
    next_page_token: Option<String>,
    /// Drive could not search everything the query covers: files may be missing from the page.
    #[serde(default)]
    incomplete_search: bool,
    #[serde(default)]
    files: Vec<RemoteFile>,
}

/// Pages in a row a listing may take without a file it had not listed: Drive may answer an
/// empty page before the last, or list a file again, but not this many times running.
const PAGES_WITHOUT_NEW_FILES: u32 = 20;

/// Drive's single-quoted string literal: `\` and `'` escaped.
pub fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A folder or file as the requests for it name it: its id, and the resource key an older
/// link-shared item needs in `X-Goog-Drive-Resource-Keys` (Drive answers 404 without it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRef {
    pub id: String,
    pub resource_key: Option<String>,
}

impl ItemRef {
    pub fn new(id: &str, resource_key: Option<&str>) -> ItemRef {
        ItemRef {
            id: id.to_owned(),
            resource_key: resource_key.map(str::to_owned),
        }
    }

    /// `(id, key)` for the header, when the item has a key.
    pub fn key_header(&self) -> Option<(&str, &str)> {
        self.resource_key
            .as_deref()
            .map(|key| (self.id.as_str(), key))
    }
}

/// Lists every item under `parent` matching `filter`, following `nextPageToken` to the end.
pub async fn list_children(
    client: &DriveClient,
    parent: &ItemRef,
    filter: &str,
    retries: &mut u32,
) -> Result<Vec<RemoteFile>, String> {
    let (parent_key, parent) = (parent.key_header(), parent.id.as_str());
    let q = format!("{} in parents and trashed = false{filter}", quote(parent));
    let mut files = Vec::new();
    let mut page_token: Option<String> = None;
    let mut tokens_seen = std::collections::HashSet::new();
    let mut ids_seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut pages_without_new = 0u32;
    let mut restarted = false;
    loop {
        let Attempted {
            result, retries: r, ..
        } = client
            .retrying("files.list", |tally| {
                let q = &q;
                let page_token = page_token.clone();
                async move {
                    let mut query = vec![
                        ("q", q.as_str()),
                        ("pageSize", PAGE_SIZE),
                        ("fields", LIST_FIELDS),
                        ("supportsAllDrives", "true"),
                        ("includeItemsFromAllDrives", "true"),
                    ];
                    if let Some(token) = &page_token {
                        query.push(("pageToken", token));
                    }
                    let response = client
                        .get("drive/v3/files", &query, parent_key, &tally)
                        .await?;
                    let bytes = listing_body(response).await?;
                    let page = serde_json::from_slice::<FileList>(&bytes).map_err(|e| {
                        AttemptError::Retry {
                            reason: format!("files.list answer is not a file list: {e}"),
                            retry_after: None,
                        }
                    })?;
                    // A chart missing from the listing is a stock missing from the run, with
                    // nothing to say so: such a page is never taken. It is asked for again (what
                    // makes Drive set the flag, and whether it lasts, is not documented), and the
                    // listing fails if Drive keeps reporting it.
                    if page.incomplete_search {
                        return Err(AttemptError::Incomplete {
                            reported: "an incomplete search (incompleteSearch: true)".into(),
                            consequence: "files may be missing from what it listed".into(),
                        });
                    }
                    Ok(page)
                }
            })
            .await;
        *retries += r;
        let page = match result {
            // Drive says a rejected page token must be discarded and the listing restarted.
            Err(Failed {
                reason: e,
                how: Failure::BadRequest,
            }) if page_token.is_some() && !restarted => {
                tracing::warn!(
                    "files.list in folder {parent}: page token refused ({e}); listing again from the first page"
                );
                restarted = true;
                files.clear();
                tokens_seen.clear();
                ids_seen.clear();
                pages_without_new = 0;
                page_token = None;
                continue;
            }
            other => other.map_err(|e| format!("files.list in folder {parent}: {e}"))?,
        };
        // Tokens are opaque and may be new each time around a cycle of pages: a listing that
        // keeps going without a file it had not seen is one, and is stopped.
        let before = ids_seen.len();
        ids_seen.extend(page.files.iter().map(|file| file.id.clone()));
        pages_without_new = if ids_seen.len() > before {
            0
        } else {
            pages_without_new + 1
        };
        if pages_without_new > PAGES_WITHOUT_NEW_FILES {
            return Err(format!(
                "files.list in folder {parent}: Drive gave {pages_without_new} pages in a row without a file not listed before (after {} files); stopping, as the listing would never end",
                files.len()
            ));
        }
        files.extend(page.files);
        match page.next_page_token.filter(|t| !t.is_empty()) {
            Some(token) => {
                // A token given before leads back to pages already listed: following it would
                // ask for them again and again, never ending the listing.
                if !tokens_seen.insert(token.clone()) {
                    return Err(format!(
                        "files.list in folder {parent}: Drive gave the same page token twice (after {} files); stopping, as following it would list the same pages forever",
                        files.len()
                    ));
                }
                page_token = Some(token);
            }
            None => return Ok(files),
        }
    }
}

/// `files.get` metadata for one item.
pub async fn get_metadata(
    client: &DriveClient,
    item: &ItemRef,
    fields: Option<&str>,
    retries: &mut u32,
) -> Result<RemoteFile, String> {
    let path = format!("drive/v3/files/{}", item.id);
    let Attempted {
        result, retries: r, ..
    } = client
        .retrying("files.get", |tally| {
            let path = &path;
            async move {
                let query = [
                    ("fields", fields.unwrap_or(FILE_FIELDS)),
                    ("supportsAllDrives", "true"),
                ];
                let response = client.get(path, &query, item.key_header(), &tally).await?;
                let bytes = listing_body(response).await?;
                serde_json::from_slice::<RemoteFile>(&bytes).map_err(|e| AttemptError::Retry {
                    reason: format!("files.get answer is not file metadata: {e}"),
                    retry_after: None,
                })
            }
        })
        .await;
    *retries += r;
    result.map_err(|failed| failed.reason)
}

/// The item a shortcut points to, read by its id, keeping the resource key the shortcut gives
/// for it when the item's own metadata lists none.
pub async fn get_shortcut_target(
    client: &DriveClient,
    target: &ItemRef,
    retries: &mut u32,
) -> Result<RemoteFile, String> {
    let mut item = get_metadata(client, target, None, retries).await?;
    if item.resource_key.is_none() {
        item.resource_key = target.resource_key.clone();
    }
    Ok(item)
}

/// A whole small file (`alt=media`, or an export).
pub async fn fetch_bytes(
    client: &DriveClient,
    path: &str,
    query: &[(&str, &str)],
    resource_key: Option<(&str, &str)>,
    limit: usize,
    retries: &mut u32,
) -> Result<Vec<u8>, String> {
    let Attempted {
        result, retries: r, ..
    } = client
        .retrying(path, |tally| async move {
            let response = client.get(path, query, resource_key, &tally).await?;
            // The caller refuses it by its size; the rest need not be downloaded.
            let (bytes, _) = body_up_to(response, limit + 1)
                .await
                .map_err(transport_error)?;
            Ok(bytes)
        })
        .await;
    *retries += r;
    result.map_err(|failed| failed.reason)
}

/// A metadata or listing answer, refused past [`MOST_LISTING_READ`] without reading the rest.
async fn listing_body(response: reqwest::Response) -> Result<Vec<u8>, AttemptError> {
    match body_up_to(response, MOST_LISTING_READ).await {
        Ok((bytes, false)) => Ok(bytes),
        Ok((_, true)) => Err(AttemptError::Fatal(format!(
            "an answer of more than {} MiB, where Drive sends a few hundred KB",
            MOST_LISTING_READ / (1024 * 1024)
        ))),
        Err(e) => Err(transport_error(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_escape_backslash_and_quote() {
        assert_eq!(quote(r"it's a\b"), r"'it\'s a\\b'");
    }
}
