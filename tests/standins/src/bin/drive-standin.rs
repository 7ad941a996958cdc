//! Serves a folder tree as a Drive folder, for the fidelity check and the benchmark.
//!
//! drive-standin --root DIR --port-file FILE --credentials-out FILE [--latency-ms N]
//!               [--page-size N] [--api-key KEY]
//!
//! The tree under DIR becomes the Drive folder `rootFolder0`; the port is written to FILE once
//! listening, and a service-account key whose token_uri is this server to --credentials-out.

use standins::{DriveStandin, Options};
use std::time::Duration;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut root = None;
    let mut port_file = None;
    let mut credentials_out = None;
    let mut options = Options::default();
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| fail(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--root" => root = Some(value()),
            "--port-file" => port_file = Some(value()),
            "--credentials-out" => credentials_out = Some(value()),
            "--latency-ms" => {
                options.latency = Duration::from_millis(
                    value()
                        .parse()
                        .unwrap_or_else(|_| fail("--latency-ms: a number")),
                );
            }
            "--page-size" => {
                options.page_size = value()
                    .parse()
                    .unwrap_or_else(|_| fail("--page-size: a number"))
            }
            "--api-key" => options.api_key = Some(value()),
            other => fail(&format!("unknown argument {other}")),
        }
    }
    let root = root.unwrap_or_else(|| fail("--root DIR is required"));
    let standin = DriveStandin::start(options);
    let files = standin
        .load_dir(&standin.root(), std::path::Path::new(&root))
        .unwrap_or_else(|e| fail(&format!("cannot load {root}: {e}")));
    if let Some(path) = credentials_out {
        std::fs::write(&path, standin.credentials_json())
            .unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    }
    if let Some(path) = port_file {
        // Written last, so a reader that sees the port also sees the credentials.
        let tmp = format!("{path}.tmp");
        std::fs::write(&tmp, standin.addr().port().to_string())
            .and_then(|()| std::fs::rename(&tmp, &path))
            .unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    }
    eprintln!(
        "drive-standin: {files} files from {root} as folder {} at {}",
        standin.root(),
        standin.api_url()
    );
    standin.wait();
}

fn fail(message: &str) -> ! {
    eprintln!("drive-standin: {message}");
    std::process::exit(2);
}
