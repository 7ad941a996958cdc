//! The routes: files.list, files.get (metadata, `alt=media`, export), with faults injected per
//! target before or while answering; the token endpoint is `token.rs`.

use crate::fields::{self, Resource, Selection};
use crate::http::{Delivery, Reply, Request};
use crate::{FOLDER_MIME, Fault, Item, SHORTCUT_MIME, State, Target, query, token};
use serde_json::{Value, json};

pub(crate) fn take_fault(state: &State, target: Target) -> Option<Fault> {
    let mut inner = state.inner.lock().expect("state");
    let fault = inner.faults.get_mut(&target)?.pop_front()?;
    inner.stats.faults_served += 1;
    Some(fault)
}

/// The answer a fault replaces the normal one with; `None` when it alters the normal answer.
/// `token` is the bearer token the request carried; `credential` whatever credential it carried.
pub(crate) fn fault_reply(
    state: &State,
    fault: &Fault,
    token: Option<&str>,
    credential: &str,
    id: &str,
) -> Option<Reply> {
    Some(match fault {
        Fault::TooManyRequests { retry_after } => {
            let mut reply = Reply::error(429, "rateLimitExceeded", "Rate limit exceeded");
            reply
                .headers
                .push(("Retry-After".into(), retry_after.to_string()));
            reply
        }
        Fault::RateLimitExceeded => Reply::error(403, "rateLimitExceeded", "Rate limit exceeded"),
        Fault::UserRateLimitExceeded => {
            Reply::error(403, "userRateLimitExceeded", "User rate limit exceeded")
        }
        Fault::ServerError(status) => Reply::error(*status, "backendError", "Backend Error"),
        Fault::Reset => Reply {
            status: 0,
            headers: Vec::new(),
            body: Vec::new(),
            delivery: Delivery::Reset,
        },
        Fault::ExpiredToken => {
            if let Some(token) = token {
                state.inner.lock().expect("state").tokens.remove(token);
            }
            unauthorized()
        }
        Fault::InsufficientPermissions => Reply::error(
            403,
            "insufficientFilePermissions",
            &format!("The user does not have sufficient permissions for file {id}."),
        ),
        // Drive's answers word for word, as users quote them (prasmussen/gdrive#348, #234).
        Fault::DownloadQuotaExceeded => Reply::error(
            403,
            "downloadQuotaExceeded",
            "The download quota for this file has been exceeded.",
        ),
        Fault::CannotDownloadAbusiveFile => Reply::error(
            403,
            "cannotDownloadAbusiveFile",
            "This file has been identified as malware or spam and cannot be downloaded.",
        ),
        Fault::NotFound => Reply::error(404, "notFound", &format!("File not found: {id}.")),
        Fault::BadRequest => Reply::error(400, "badRequest", "Bad Request"),
        // Plain text, made at once: serialising that much JSON would outlast the client's
        // timeout and turn the fault into another.
        Fault::HugeErrorBody(size) => Reply {
            status: 403,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: vec![b'x'; *size],
            delivery: crate::http::Delivery::Whole,
        },
        Fault::EchoCredentials(status) | Fault::EchoCredentialsInBase64(status) => {
            if *status == 401
                && let Some(token) = token
            {
                state.inner.lock().expect("state").tokens.remove(token);
            }
            let message = match fault {
                Fault::EchoCredentials(_) => {
                    format!("{} Caller {credential} not allowed", "x".repeat(280))
                }
                _ => {
                    let logged = base64::Engine::encode(
                        &base64::engine::general_purpose::STANDARD,
                        format!("Bearer {credential}"),
                    );
                    format!("Caller logged as {logged} not allowed")
                }
            };
            Reply::error(*status, "echoed", &message)
        }
        Fault::OAuth {
            status,
            error,
            description,
        } => Reply::oauth_error(*status, error, description),
        Fault::Redirect(location) => {
            let mut reply = Reply::error(302, "found", "Moved");
            reply.headers.push(("Location".into(), location.clone()));
            reply
        }
        Fault::Pass
        | Fault::SlowBody(_)
        | Fault::TruncatedBody
        | Fault::WrongMd5
        | Fault::ReplacedBy(_)
        | Fault::IncompleteSearch
        | Fault::RepeatPageToken
        | Fault::CycleToFirstPage => return None,
    })
}

/// Applies a body-level fault to a normal answer.
fn alter(mut reply: Reply, fault: Option<Fault>) -> Reply {
    match fault {
        Some(Fault::SlowBody(pause)) => reply.delivery = Delivery::Stall(pause),
        Some(Fault::TruncatedBody) if reply.body.len() > 1 => reply.delivery = Delivery::Truncate,
        Some(Fault::WrongMd5) => {
            if let Some(last) = reply.body.last_mut() {
                *last ^= 0x20;
            }
        }
        _ => {}
    }
    reply
}

fn invalid_api_key() -> Reply {
    let message = "API key not valid. Please pass a valid API key.";
    Reply::json(
        400,
        serde_json::json!({"error": {
            "code": 400,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": "badRequest"}],
            "status": "INVALID_ARGUMENT",
            "details": [{
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "drive.googleapis.com"}
            }]
        }}),
    )
}

/// A download asked for with a token whose scopes allow metadata only. Drive's words, as
/// google-api-python-client reports them (GoogleCloudPlatform/genai-for-marketing#45).
fn insufficient_scopes() -> Reply {
    let message = "Request had insufficient authentication scopes.";
    Reply::json(
        403,
        json!({"error": {
            "code": 403,
            "message": message,
            "errors": [{
                "message": "Insufficient Permission",
                "domain": "global",
                "reason": "insufficientPermissions"
            }]
        }}),
    )
}

fn unauthorized() -> Reply {
    let mut reply = Reply::error(
        401,
        "authError",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
    );
    reply.headers.push((
        "WWW-Authenticate".into(),
        "Bearer realm=\"https://accounts.google.com/\"".into(),
    ));
    reply
}

pub fn route(state: &State, request: &Request) -> Reply {
    if request.method == "POST" && request.path == "/token" {
        return token::endpoint(state, request);
    }
    if request.method != "GET" {
        return Reply::error(405, "methodNotAllowed", "Method not allowed");
    }
    let bearer = request
        .headers
        .get("authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let key_in_url = request.query.get("key");
    let key = request.headers.get("x-goog-api-key").or(key_in_url);
    let credential = bearer.as_deref().or(key.map(String::as_str)).unwrap_or("");
    // The scopes of the token presented; `None` for an API key, which reads what anyone may.
    let (authorised, scopes) = {
        let mut inner = state.inner.lock().expect("state");
        inner.stats.keys_in_url += u64::from(key_in_url.is_some());
        let granted = bearer.as_ref().and_then(|t| inner.tokens.get(t));
        let expired = granted.is_some_and(|g| std::time::Instant::now() >= g.expires);
        let scopes = granted.filter(|_| !expired).map(|g| g.scopes.clone());
        inner.stats.expired_tokens += u64::from(expired);
        let by_key = key.is_some() && key == state.options.api_key.as_ref();
        (scopes.is_some() || by_key, scopes)
    };
    if !authorised && bearer.is_none() && key.is_some() {
        // Google checks a key before anything else, and a key it does not know is a bad
        // request, not missing credentials.
        state.inner.lock().expect("state").stats.unauthorized += 1;
        return invalid_api_key();
    }
    if !authorised {
        state.inner.lock().expect("state").stats.unauthorized += 1;
        return unauthorized();
    }
    let path = request.path.as_str();
    if path == "/drive/v3/files" {
        state.inner.lock().expect("state").stats.list_calls += 1;
        let fault = take_fault(state, Target::List);
        if let Some(reply) = fault
            .as_ref()
            .and_then(|f| fault_reply(state, f, bearer.as_deref(), credential, ""))
        {
            return reply;
        }
        return alter(
            list(state, request, fault.as_ref()),
            fault.filter(|f| *f != Fault::WrongMd5),
        );
    }
    let (id, export) = match path
        .strip_prefix("/drive/v3/files/")
        .or_else(|| path.strip_prefix("/download/drive/v3/files/"))
    {
        Some(rest) => match rest.strip_suffix("/export") {
            Some(id) => (id, true),
            None => (rest, false),
        },
        None => return Reply::error(404, "notFound", "Unknown path"),
    };
    let media = export || request.query.get("alt").map(String::as_str) == Some("media");
    if media && scopes.is_some_and(|scopes| !token::can_download(&scopes)) {
        return insufficient_scopes();
    }
    let item = state.inner.lock().expect("state").items.get(id).cloned();
    // `files.export` takes no `supportsAllDrives` (it is not among its parameters in Drive's
    // discovery document): only `files.get` hides a shared drive's items without it.
    let visible = |item: &Item| export || item.drive_id.is_none() || flag(request, ALL_DRIVES);
    let Some(mut item) = item.filter(|item| has_resource_key(request, item) && visible(item))
    else {
        return Reply::error(404, "notFound", &format!("File not found: {id}."));
    };
    let target = if media {
        state.inner.lock().expect("state").stats.media_calls += 1;
        Target::Media(item.name.clone())
    } else {
        state.inner.lock().expect("state").stats.metadata_calls += 1;
        Target::Metadata(item.name.clone())
    };
    let fault = take_fault(state, target);
    if let Some(reply) = fault
        .as_ref()
        .and_then(|f| fault_reply(state, f, bearer.as_deref(), credential, id))
    {
        return reply;
    }
    if let (true, Some(Fault::ReplacedBy(content))) = (media, &fault) {
        let mut inner = state.inner.lock().expect("state");
        let stored = inner.items.get_mut(id).expect("listed above");
        stored.replace_content(content.clone());
        item = stored.clone();
    }
    let reply = if export {
        export_doc(&item, request)
    } else if media {
        download(&item, request)
    } else {
        match selection(request, Resource::File, fields::GET_DEFAULT) {
            Ok(selection) => Reply::json(200, selection.apply(&item_json(state, &item))),
            Err(refused) => refused,
        }
    };
    alter(reply, fault)
}

/// Says the client supports shared drives (`files.get`, `files.list`).
const ALL_DRIVES: &str = "supportsAllDrives";
/// Asks `files.list` for shared drives' items too; without it, or without [`ALL_DRIVES`],
/// they are left out.
const ITEMS_FROM_ALL_DRIVES: &str = "includeItemsFromAllDrives";

/// Whether the boolean query parameter `name` is set to true.
fn flag(request: &Request, name: &str) -> bool {
    request.query.get(name).map(String::as_str) == Some("true")
}

fn is_blob(item: &Item) -> bool {
    item.content.is_some() && !item.mime_type.starts_with("application/vnd.google-apps.")
}

fn item_json(state: &State, item: &Item) -> Value {
    let mut value = json!({
        "kind": "drive#file",
        "id": item.id,
        "name": item.name,
        "mimeType": item.mime_type,
        "modifiedTime": item.modified_time,
        "version": item.version.to_string(),
        "trashed": item.trashed,
        "capabilities": {"canDownload": item.can_download},
    });
    if let Some(parent) = &item.parent {
        value["parents"] = json!([parent]);
    }
    if let Some(key) = &item.resource_key {
        value["resourceKey"] = key.clone().into();
    }
    if let Some(drive) = &item.drive_id {
        value["driveId"] = drive.clone().into();
    }
    if is_blob(item) {
        let content = item.content.as_ref().expect("blob");
        value["size"] = content.len().to_string().into();
        value["md5Checksum"] = item.md5().into();
    }
    if let Some(target) = &item.shortcut_target {
        let (target_mime, target_key) = state
            .inner
            .lock()
            .expect("state")
            .items
            .get(target)
            .map(|t| (t.mime_type.clone(), t.resource_key.clone()))
            .unwrap_or_default();
        value["shortcutDetails"] = json!({"targetId": target, "targetMimeType": target_mime});
        if let Some(key) = target_key {
            value["shortcutDetails"]["targetResourceKey"] = key.into();
        }
    }
    value
}

/// Whether the request carries the item's resource key, when it has one.
fn has_resource_key(request: &Request, item: &Item) -> bool {
    let Some(key) = &item.resource_key else {
        return true;
    };
    let wanted = format!("{}/{key}", item.id);
    request
        .headers
        .get("x-goog-drive-resource-keys")
        .is_some_and(|keys| keys.split(',').any(|pair| pair.trim() == wanted))
}

fn list(state: &State, request: &Request, fault: Option<&Fault>) -> Reply {
    let incomplete = fault == Some(&Fault::IncompleteSearch);
    let q = request.query.get("q").cloned().unwrap_or_default();
    for parent in query::parents(&q) {
        let folder = state
            .inner
            .lock()
            .expect("state")
            .items
            .get(&parent)
            .cloned();
        if let Some(folder) = folder
            && !has_resource_key(request, &folder)
        {
            return Reply::error(404, "notFound", &format!("File not found: {parent}."));
        }
    }
    let filter = match query::parse(&q) {
        Ok(filter) => Some(filter),
        Err(_) if q.is_empty() => None,
        Err(problem) => {
            return Reply::error(400, "invalid", &format!("Invalid Value ({problem})"));
        }
    };
    let asked: usize = request
        .query
        .get("pageSize")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    if !(1..=1000).contains(&asked) {
        return Reply::error(400, "invalid", "Invalid Value (pageSize)");
    }
    let selection = match selection(request, Resource::FileList, fields::LIST_DEFAULT) {
        Ok(selection) => selection,
        Err(refused) => return refused,
    };
    let page_size = asked.min(state.options.page_size).max(1);
    let fingerprint = format!("{:x}", <md5::Md5 as md5::Digest>::digest(q.as_bytes()));
    let start = match request.query.get("pageToken") {
        None => 0,
        Some(token) => match token
            .strip_prefix(&format!("{fingerprint}~"))
            // A `~<nonce>` after the start makes a fresh token for the same page.
            .and_then(|n| n.split('~').next()?.parse().ok())
        {
            Some(start) => start,
            None => return Reply::error(400, "invalid", "Invalid Value (pageToken)"),
        },
    };
    let all_drives = flag(request, ALL_DRIVES) && flag(request, ITEMS_FROM_ALL_DRIVES);
    let matching: Vec<Item> = {
        let inner = state.inner.lock().expect("state");
        inner
            .order
            .iter()
            .filter_map(|id| inner.items.get(id))
            .filter(|item| item.parent.is_some())
            .filter(|item| all_drives || item.drive_id.is_none())
            .filter(|item| filter.as_ref().is_none_or(|f| f.matches(item)))
            .cloned()
            .collect()
    };
    let mut page: Vec<Value> = matching
        .iter()
        .skip(start)
        .take(page_size)
        .map(|item| item_json(state, item))
        .collect();
    if incomplete {
        page.pop();
    }
    let mut body = json!({"kind": "drive#fileList", "incompleteSearch": incomplete, "files": page});
    if start + page_size < matching.len() {
        body["nextPageToken"] = format!("{fingerprint}~{}", start + page_size).into();
    }
    if fault == Some(&Fault::RepeatPageToken) {
        body["nextPageToken"] = format!("{fingerprint}~{start}").into();
    }
    if fault == Some(&Fault::CycleToFirstPage) {
        let nonce = state.inner.lock().expect("state").stats.list_calls;
        body["nextPageToken"] = format!("{fingerprint}~0~{nonce}").into();
    }
    // As on Drive: a `fields` selector without nextPageToken silently ends pagination.
    Reply::json(200, selection.apply(&body))
}

/// The request's `fields` selector (`default` without one), or Drive's 400 for a bad one.
fn selection(request: &Request, resource: Resource, default: &str) -> Result<Selection, Reply> {
    let text = request.query.get("fields").map_or(default, String::as_str);
    Selection::parse(text, resource)
        .map_err(|message| Reply::error(400, "invalidParameter", &message))
}

fn download(item: &Item, request: &Request) -> Reply {
    if item.mime_type == FOLDER_MIME || item.mime_type == SHORTCUT_MIME || !is_blob(item) {
        return Reply::error(
            403,
            "fileNotDownloadable",
            "Only files with binary content can be downloaded. Use Export with Docs Editors files.",
        );
    }
    if !item.can_download {
        return Reply::error(
            403,
            "cannotDownloadFile",
            "The user does not have permission to download this file.",
        );
    }
    let content = item.content.clone().expect("blob");
    let range = request
        .headers
        .get("range")
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.split_once('-'))
        .and_then(|(a, b)| Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok())));
    let mut reply = Reply {
        status: 200,
        headers: vec![("Content-Type".into(), item.mime_type.clone())],
        body: content.clone(),
        delivery: Delivery::Whole,
    };
    if let Some((first, last)) = range {
        if first >= content.len() {
            return Reply {
                status: 416,
                headers: vec![("Content-Range".into(), format!("bytes */{}", content.len()))],
                body: Vec::new(),
                delivery: Delivery::Whole,
            };
        }
        let last = last.unwrap_or(usize::MAX).min(content.len() - 1);
        reply.status = 206;
        reply.body = content[first..=last].to_vec();
        reply.headers.push((
            "Content-Range".into(),
            format!("bytes {first}-{last}/{}", content.len()),
        ));
    }
    reply
}

fn export_doc(item: &Item, request: &Request) -> Reply {
    if !item.mime_type.starts_with("application/vnd.google-apps.") || item.mime_type == FOLDER_MIME
    {
        return Reply::error(
            403,
            "fileNotExportable",
            "Export only supports Docs Editors files.",
        );
    }
    if request.query.get("mimeType").map(String::as_str) != Some("text/plain") {
        return Reply::error(
            400,
            "badRequest",
            "The requested conversion is not supported.",
        );
    }
    Reply {
        status: 200,
        headers: vec![("Content-Type".into(), "text/plain".into())],
        body: item.content.clone().unwrap_or_default(),
        delivery: Delivery::Whole,
    }
}
