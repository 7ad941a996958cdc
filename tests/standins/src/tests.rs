//! The stand-in refuses what Drive refuses: requests sent over a plain socket, as any client
//! would send them, against the answers Drive gives.

use crate::{DriveStandin, Options};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};

const KEY: &str = "AIzaSy-standin-unit-test-key";

fn keyed_standin() -> DriveStandin {
    DriveStandin::start(Options {
        api_key: Some(KEY.into()),
        ..Options::default()
    })
}

/// `pairs` as a query string, every byte but letters and digits percent-encoded.
fn query(pairs: &[(&str, &str)]) -> String {
    let encode = |text: &str| {
        text.bytes()
            .map(|b| match b.is_ascii_alphanumeric() {
                true => (b as char).to_string(),
                false => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// One HTTP/1.1 request; the answer's status and body.
fn send(
    standin: &DriveStandin,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<u8>) {
    let mut stream = std::net::TcpStream::connect(standin.addr()).unwrap();
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status = line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut length = 0;
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap();
        }
    }
    // The stand-in keeps the connection open: the body is read by its length.
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    (status, body)
}

fn get(standin: &DriveStandin, target: &str, headers: &[(&str, &str)]) -> (u16, Vec<u8>) {
    send(standin, "GET", target, headers, b"")
}

fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap()
}

/// Drive's `errors[0].reason`.
fn reason(body: &[u8]) -> String {
    json(body)["error"]["errors"][0]["reason"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn a_shared_drives_items_are_hidden_from_requests_that_do_not_support_them() {
    let standin = keyed_standin();
    let key = [("x-goog-api-key", KEY)];
    let team = standin.folder(&standin.root(), "team");
    let chart = standin.file(&team, "A_daily.json", "{}");
    standin.put_in_shared_drive(&team, "0AteamDrive");
    // Created in the drive's folder, so in the drive.
    standin.file(&team, "B_daily.json", "{}");
    let mine = standin.file(&standin.root(), "MINE_daily.json", "{}");

    let listed = |parent: &str, flags: &[(&str, &str)]| {
        let q = format!("'{parent}' in parents and trashed = false");
        let mut pairs = vec![("q", q.as_str()), ("fields", "files(name,driveId)")];
        pairs.extend_from_slice(flags);
        let (status, body) = get(
            &standin,
            &format!("/drive/v3/files?{}", query(&pairs)),
            &key,
        );
        assert_eq!(status, 200);
        json(&body)["files"].clone()
    };
    let supports = ("supportsAllDrives", "true");
    let includes = ("includeItemsFromAllDrives", "true");
    for flags in [
        &[][..],
        &[supports],
        &[includes],
        &[supports, ("includeItemsFromAllDrives", "false")],
    ] {
        assert_eq!(listed(&team, flags), serde_json::json!([]), "{flags:?}");
    }
    assert_eq!(
        listed(&team, &[supports, includes]),
        serde_json::json!([
            {"name": "A_daily.json", "driveId": "0AteamDrive"},
            {"name": "B_daily.json", "driveId": "0AteamDrive"},
        ])
    );
    // A My Drive folder lists its own items with or without the flags, but not the drive's.
    let root = standin.root();
    assert_eq!(
        listed(&root, &[]),
        serde_json::json!([{"name": "MINE_daily.json"}])
    );

    let file = |id: &str, pairs: &[(&str, &str)]| {
        get(
            &standin,
            &format!("/drive/v3/files/{id}?{}", query(pairs)),
            &key,
        )
    };
    for alt in ["json", "media"] {
        let (status, body) = file(&chart, &[("alt", alt), ("fields", "id,driveId")]);
        assert_eq!(
            (status, reason(&body).as_str()),
            (404, "notFound"),
            "alt={alt}"
        );
        let (status, _) = file(&chart, &[("alt", alt), ("fields", "id"), supports]);
        assert_eq!(status, 200, "alt={alt}");
        assert_eq!(file(&mine, &[("alt", alt), ("fields", "id")]).0, 200);
    }
    let (_, body) = file(&chart, &[("fields", "id,driveId"), supports]);
    assert_eq!(
        json(&body),
        serde_json::json!({"id": chart, "driveId": "0AteamDrive"})
    );
}
