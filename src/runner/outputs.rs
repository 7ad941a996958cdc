//! Step outputs: appended to the file named by `GITHUB_OUTPUT`, always in the heredoc form
//! `name<<DELIM`, value, `DELIM`, with a fresh random `ghadelimiter_<uuid>` per value as GitHub's
//! toolkit does. A value containing its delimiter could end early and inject other outputs; the
//! delimiter is random, and such a value is refused rather than written.

use std::fmt;
use std::io::Write;
use std::path::Path;

#[derive(Debug, PartialEq, Eq)]
pub enum OutputError {
    BadName(String),
    ContainsDelimiter(String),
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutputError::BadName(name) => write!(
                f,
                "output name {name:?} must be letters, digits, '-' or '_'"
            ),
            OutputError::ContainsDelimiter(name) => write!(
                f,
                "output {name:?} was not written: its name or value contains its delimiter"
            ),
        }
    }
}

impl std::error::Error for OutputError {}

/// A random delimiter in the toolkit's form: `ghadelimiter_` and a version-4 UUID.
pub fn delimiter() -> String {
    let hex = super::random_token();
    format!(
        "ghadelimiter_{}-{}-4{}-{:x}{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        8 | (u8::from_str_radix(&hex[16..17], 16).unwrap_or(0) & 3),
        &hex[17..20],
        &hex[20..32]
    )
}

/// One output in the heredoc form, ending with a newline as the runner requires.
pub fn format_output(name: &str, value: &str, delimiter: &str) -> Result<String, OutputError> {
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !name_ok {
        return Err(OutputError::BadName(name.to_owned()));
    }
    if name.contains(delimiter) || value.contains(delimiter) {
        return Err(OutputError::ContainsDelimiter(name.to_owned()));
    }
    Ok(format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"))
}

/// Appends every output in one write, so a reader never sees half a set.
pub fn append(file: &Path, outputs: &[(&str, String)]) -> anyhow::Result<()> {
    let mut text = String::new();
    for (name, value) in outputs {
        text.push_str(&format_output(name, value, &delimiter())?);
    }
    let mut handle = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(file)?;
    handle.write_all(text.as_bytes())?;
    handle.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_look_like_the_toolkits_and_differ() {
        let a = delimiter();
        let b = delimiter();
        assert_ne!(a, b);
        let uuid = a.strip_prefix("ghadelimiter_").unwrap();
        let parts: Vec<&str> = uuid.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'));
        assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
    }

    #[test]
    fn values_are_written_as_heredocs() {
        assert_eq!(
            format_output("matrix", "{\"shard\":[0,1]}", "D").unwrap(),
            "matrix<<D\n{\"shard\":[0,1]}\nD\n"
        );
        assert_eq!(format_output("e", "", "D").unwrap(), "e<<D\n\nD\n");
    }

    #[test]
    fn a_value_holding_the_delimiter_or_a_bad_name_is_refused() {
        assert_eq!(
            format_output("x", "a\nD\nevil=1", "D"),
            Err(OutputError::ContainsDelimiter("x".into()))
        );
        assert!(matches!(
            format_output("a=b", "1", "D"),
            Err(OutputError::BadName(_))
        ));
        assert!(matches!(
            format_output("", "1", "D"),
            Err(OutputError::BadName(_))
        ));
    }
}
