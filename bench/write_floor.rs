//! The write floor for bench/convert.sh: writes files of the given sizes into a fresh directory
//! and nothing else, the least any converter producing the same output tree must spend.
//! Deliberately trivial and std-only, compiled by the script with `rustc -O`.
//!
//! usage: write_floor SIZES_FILE OUT_DIR   (SIZES_FILE: one size in bytes per line)

use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: write_floor SIZES_FILE OUT_DIR");
        std::process::exit(2);
    }
    let sizes: Vec<usize> = std::fs::read_to_string(&args[1])
        .expect("read sizes")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.trim().parse().expect("a size in bytes"))
        .collect();
    let dir = std::path::Path::new(&args[2]);
    std::fs::create_dir(dir).expect("OUT_DIR must not exist yet");
    // CSV-like bytes: short lines, so the content is no cheaper than real output.
    let line = b"20250801T,25467,25683,25335,25516,5602036\n";
    let largest = sizes.iter().copied().max().unwrap_or(0);
    let content: Vec<u8> = line.iter().copied().cycle().take(largest).collect();
    for (i, size) in sizes.iter().enumerate() {
        let mut file = std::fs::File::create(dir.join(format!("f{i:06}.csv"))).expect("create");
        file.write_all(&content[..*size]).expect("write");
    }
}
