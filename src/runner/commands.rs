//! Workflow commands (`::name props::data`) written to stdout, which the runner parses line by line.
//!
//! Escaping follows GitHub's toolkit: data escapes `%`, CR and LF; property values also `:` and `,`.
//! Anything that did not come from us (file names, failure reasons) is either escaped inside a
//! command or echoed between `::stop-commands::<token>` and `::<token>::`, so a file named
//! `::add-mask::x` or `::set-env ...` cannot act as a command.

use super::random_token;
use std::io::Write;

/// GitHub keeps 10 error and 10 warning annotations per step; more are dropped silently.
pub const ANNOTATIONS_PER_KIND: usize = 10;

pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The `::add-mask::` lines for one secret: a one-line value whole, a multi-line one (a
/// service-account JSON) line by line. A line shorter than [`SHORTEST_MASKED_LINE`] is left
/// out: a pretty-printed JSON key has lines that are only `{` or `}`, and once a brace is
/// masked GitHub drops every job output holding one, the plan's `matrix` among them. The whole
/// multi-line value is not sent either: the runner masks each line of a mask it is given,
/// braces included.
pub fn mask_lines(secret: &str) -> Vec<String> {
    let mut lines = Vec::new();
    if secret.trim().is_empty() {
        return lines;
    }
    if !secret.contains('\n') && !secret.contains('\r') {
        lines.push(format!("::add-mask::{}", escape_data(secret)));
        return lines;
    }
    for line in secret.lines() {
        let line = line.trim();
        let masked = format!("::add-mask::{}", escape_data(line));
        if line.len() >= SHORTEST_MASKED_LINE && !lines.contains(&masked) {
            lines.push(masked);
        }
    }
    lines
}

/// The shortest line of a multi-line secret masked on its own. A key's secret lines (a PEM's
/// 64 characters, `"private_key_id": "..."`) are far longer; what is shorter is punctuation.
pub const SHORTEST_MASKED_LINE: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
}

impl Level {
    fn command(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Level::Error => "errors",
            Level::Warning => "warnings",
        }
    }
}

/// One annotation: a message, optionally pinned to a workspace-relative file.
#[derive(Debug, Clone)]
pub struct Annotation {
    pub title: String,
    pub message: String,
    pub file: Option<String>,
}

/// Writes workflow commands to one stream and keeps the per-kind annotation budget.
pub struct Console<W: Write> {
    out: W,
    pending: Vec<(Level, Annotation)>,
}

impl<W: Write> Console<W> {
    pub fn new(out: W) -> Console<W> {
        Console {
            out,
            pending: Vec::new(),
        }
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    /// Plain text we wrote ourselves (no untrusted parts).
    pub fn line(&mut self, text: &str) {
        let _ = writeln!(self.out, "{text}");
    }

    pub fn mask(&mut self, secret: &str) {
        for line in mask_lines(secret) {
            let _ = writeln!(self.out, "{line}");
        }
        let _ = self.out.flush();
    }

    pub fn group(&mut self, title: &str) {
        let _ = writeln!(self.out, "::group::{}", escape_data(title));
    }

    pub fn end_group(&mut self) {
        let _ = writeln!(self.out, "::endgroup::");
    }

    /// Echoes text that may contain anything (file names, reasons) with command parsing paused.
    /// The token is random per block and never one that occurs in the text.
    pub fn untrusted(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        let token = loop {
            let token = random_token();
            if !text.contains(&token) {
                break token;
            }
        };
        // Inside the block the runner obeys no command, `##[` included; spelled `##\[` all the
        // same, as every other line of the log spells it.
        let text = text.replace("##[", "##\\[");
        let _ = writeln!(self.out, "::stop-commands::{token}");
        let _ = write!(self.out, "{text}");
        if !text.ends_with('\n') {
            let _ = writeln!(self.out);
        }
        let _ = writeln!(self.out, "::{token}::");
    }

    /// Queues an annotation; [`Console::flush_annotations`] prints them within GitHub's budget.
    pub fn annotate(&mut self, level: Level, annotation: Annotation) {
        self.pending.push((level, annotation));
    }

    /// An error annotation printed at once (the run cannot go on); it counts against nothing
    /// because nothing else is annotated after it.
    pub fn fatal(&mut self, title: &str, message: &str) {
        let _ = writeln!(
            self.out,
            "::error title={}::{}",
            escape_property(title),
            escape_data(message)
        );
    }

    /// Prints the queued annotations: each kind keeps at most [`ANNOTATIONS_PER_KIND`]; when there
    /// are more, the last slot says how many were not shown, so the count stays visible on the
    /// run page (an eleventh annotation would be dropped by GitHub).
    pub fn flush_annotations(&mut self, see_also: &str) {
        let pending = std::mem::take(&mut self.pending);
        for level in [Level::Error, Level::Warning] {
            let all: Vec<&Annotation> = pending
                .iter()
                .filter(|(l, _)| *l == level)
                .map(|(_, a)| a)
                .collect();
            let shown = if all.len() > ANNOTATIONS_PER_KIND {
                ANNOTATIONS_PER_KIND - 1
            } else {
                all.len()
            };
            for annotation in &all[..shown] {
                self.print_annotation(level, annotation);
            }
            if all.len() > shown {
                let rest = all.len() - shown;
                let _ = writeln!(
                    self.out,
                    "::{} title={}::{}",
                    level.command(),
                    escape_property(&format!("{rest} more {}", level.plural())),
                    escape_data(&format!(
                        "{rest} more {} are not shown as annotations; {see_also}",
                        level.plural()
                    ))
                );
            }
        }
        let _ = self.out.flush();
    }

    fn print_annotation(&mut self, level: Level, annotation: &Annotation) {
        let mut props = format!("title={}", escape_property(&annotation.title));
        if let Some(file) = &annotation.file {
            props = format!("file={},{props}", escape_property(file));
        }
        // The runner cuts messages at 4096 characters; cut on a character boundary ourselves.
        let message: String = annotation.message.chars().take(4000).collect();
        let _ = writeln!(
            self.out,
            "::{} {props}::{}",
            level.command(),
            escape_data(&message)
        );
    }
}

/// A log stream the runner parses but we do not fully control (log lines name files): a line
/// that would start a workflow command (`::` after leading white space, which the runner trims,
/// Unicode's as well: `\u{3000}::stop-commands::x` is one) gets a visible `| ` before its `::`,
/// and the older form, which the runner obeys *anywhere* in a line
/// (`##[set-output name=x;]y` inside a file name), is broken as `##\[`. So both are shown, not
/// obeyed. Each value of this type starts at the beginning of a line.
pub struct Neutralized<W: Write> {
    inner: W,
    /// Nothing but white space since the line began (possibly over several writes).
    blank: bool,
    /// The last two bytes written, so a `##[` split across writes is caught too.
    tail: [u8; 2],
}

impl<W: Write> Neutralized<W> {
    pub fn new(inner: W) -> Neutralized<W> {
        Neutralized {
            inner,
            blank: true,
            tail: [0; 2],
        }
    }
}

/// The length of `bytes`' leading white space, as .NET's `TrimStart` (the runner's) counts it:
/// Unicode's White_Space, which Rust's `trim_start` follows too.
fn leading_white_space(bytes: &[u8]) -> usize {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
    };
    text.len() - text.trim_start().len()
}

impl<W: Write> Write for Neutralized<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut out = Vec::with_capacity(buf.len() + 8);
        // The runner reads lines as .NET does: `\r`, `\n` and `\r\n` all end one.
        for line in buf.split_inclusive(|&b| b == b'\n' || b == b'\r') {
            let mut command_at = None;
            if self.blank {
                let start = leading_white_space(line);
                let after = &line[start..];
                if after.starts_with(b"::") {
                    command_at = Some(start);
                }
                self.blank = after.is_empty();
            }
            for (i, &byte) in line.iter().enumerate() {
                if command_at == Some(i) {
                    out.extend_from_slice(b"| ");
                }
                if byte == b'[' && self.tail == *b"##" {
                    out.push(b'\\');
                }
                out.push(byte);
                self.tail = [self.tail[1], byte];
            }
            if line.ends_with(b"\n") || line.ends_with(b"\r") {
                self.blank = true;
            }
        }
        self.inner.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printed(f: impl FnOnce(&mut Console<Vec<u8>>)) -> String {
        let mut console = Console::new(Vec::new());
        f(&mut console);
        String::from_utf8(console.into_inner()).unwrap()
    }

    #[test]
    fn data_and_properties_are_escaped_like_the_toolkit() {
        assert_eq!(escape_data("50%\r\nnext"), "50%25%0D%0Anext");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn multi_line_secrets_are_masked_line_by_line_without_braces() {
        let lines = mask_lines("{\n  \"key\": \"abc\"\n\n}\n");
        assert_eq!(
            lines,
            ["::add-mask::\"key\": \"abc\"".to_owned()],
            "each line trimmed; braces and blank lines not masked, not even within the whole"
        );
        assert_eq!(mask_lines("ya29.token"), ["::add-mask::ya29.token"]);
        assert_eq!(
            mask_lines("secret-with-50%\r\n"),
            ["::add-mask::secret-with-50%25"]
        );
        assert!(mask_lines("  ").is_empty());
    }

    #[test]
    fn untrusted_text_cannot_issue_commands() {
        let text = "::add-mask::x\n::error::fake\nfailed: e##[error]X\n";
        let out = printed(|c| c.untrusted(text));
        let lines: Vec<&str> = out.lines().collect();
        let token = lines[0].strip_prefix("::stop-commands::").unwrap();
        assert_eq!(token.len(), 32);
        assert_eq!(
            lines[1..4],
            ["::add-mask::x", "::error::fake", "failed: e##\\[error]X"]
        );
        assert_eq!(lines[4], format!("::{token}::"));
    }

    #[test]
    fn log_lines_cannot_start_commands() {
        let mut w = Neutralized::new(Vec::new());
        w.write_all(b"file=a\n::add-mask::x\n  ##[set-env]y\nok :: fine\n")
            .unwrap();
        w.write_all(b"::error::z\rfile=b\r::error::cr\r\n::warning::crlf\n")
            .unwrap();
        // The runner finds `##[` anywhere in a line, also when it comes in two writes.
        w.write_all(b"2 files named \"Y##[stop-commands]x.json\"; #")
            .unwrap();
        w.write_all(b"#").unwrap();
        w.write_all(b"[set-output name=a;]b\n").unwrap();
        let text = String::from_utf8(w.inner).unwrap();
        assert_eq!(
            text,
            "file=a\n| ::add-mask::x\n  ##\\[set-env]y\nok :: fine\n| ::error::z\rfile=b\r\
             | ::error::cr\r\n| ::warning::crlf\n\
             2 files named \"Y##\\[stop-commands]x.json\"; ##\\[set-output name=a;]b\n"
        );
        assert!(!text.contains("##["));

        // The runner trims Unicode's white space too, and a line's start may come in pieces.
        let mut w = Neutralized::new(Vec::new());
        w.write_all("a\n\u{3000}::stop-commands::x\n\u{a0}\u{2028}::error::y\n".as_bytes())
            .unwrap();
        w.write_all(b"b\n \t").unwrap();
        w.write_all("\u{2003}".as_bytes()).unwrap();
        w.write_all(b"::warning::z\n").unwrap();
        let text = String::from_utf8(w.inner).unwrap();
        assert_eq!(
            text,
            "a\n\u{3000}| ::stop-commands::x\n\u{a0}\u{2028}| ::error::y\nb\n \t\u{2003}| ::warning::z\n"
        );
    }

    #[test]
    fn annotations_stay_within_the_budget_and_count_the_rest() {
        let out = printed(|c| {
            for i in 0..25 {
                c.annotate(
                    Level::Error,
                    Annotation {
                        title: format!("failed: f{i}.json"),
                        message: format!("bad, really: {i}\nsecond line"),
                        file: Some(format!("in/f{i}.json")),
                    },
                );
            }
            c.annotate(
                Level::Warning,
                Annotation {
                    title: "skipped".into(),
                    message: "x.txt".into(),
                    file: None,
                },
            );
            c.flush_annotations("see the job summary");
        });
        let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("::error")).collect();
        assert_eq!(errors.len(), ANNOTATIONS_PER_KIND);
        assert_eq!(
            errors[0],
            "::error file=in/f0.json,title=failed%3A f0.json::bad, really: 0%0Asecond line"
        );
        assert!(
            errors[9].contains("16 more errors are not shown"),
            "{}",
            errors[9]
        );
        assert_eq!(
            out.lines().filter(|l| l.starts_with("::warning")).count(),
            1
        );
    }
}
