//! Credentials taken out of a text before it is shown: wherever they fall, also when a proxy's
//! echo parts them with white space or markup, or carries them base64-encoded.

/// `text` with every non-empty one of `secrets` replaced by `[redacted]`, also where it is
/// parted by characters no credential holds (see [`gapped_match`]).
pub(super) fn without_secrets<'a>(
    text: &str,
    secrets: impl IntoIterator<Item = &'a str>,
) -> String {
    let mut text = text.to_owned();
    for secret in secrets.into_iter().filter(|s| !s.is_empty()) {
        text = without_secret(&text, secret.as_bytes());
    }
    text
}

/// `text` with every occurrence of `secret`, gaps allowed between its bytes, replaced by
/// `[redacted]`.
fn without_secret(text: &str, secret: &[u8]) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        match gapped_match(&bytes[at..], secret) {
            Some(len) => {
                out.extend_from_slice(b"[redacted]");
                at += len;
            }
            None => {
                out.push(bytes[at]);
                at += 1;
            }
        }
    }
    // A match begins and ends on the secret's own (ASCII) bytes, and a gap takes a character's
    // bytes whole (all of them are above 0x7F): what is left is still UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The length of `secret` at the start of `text`, where its bytes may be parted by anything
/// that cannot be part of a credential: white space (Unicode's too), punctuation, invisible
/// characters, a written-out `\n`. An echo wrapped or marked up by a proxy still matches, and
/// the runner's mask (the whole secret) would match none of the pieces. A gap is at most
/// [`LONGEST_GAP`] bytes, so that two unrelated words cannot spell a secret between them.
fn gapped_match(text: &[u8], secret: &[u8]) -> Option<usize> {
    let mut at = 0;
    for (i, &want) in secret.iter().enumerate() {
        let mut gap = 0;
        while i > 0 && text.get(at) != Some(&want) {
            let skip = match &text[at.min(text.len())..] {
                [b'\\', b'n' | b'r' | b't', ..] => 2,
                [byte, ..] if !byte.is_ascii_alphanumeric() => 1,
                _ => return None,
            };
            at += skip;
            gap += skip;
            if gap > LONGEST_GAP {
                return None;
            }
        }
        if text.get(at) != Some(&want) {
            return None;
        }
        at += 1;
    }
    Some(at)
}

/// `secret` as it shows inside base64 text (standard and URL-safe alphabets), wherever it
/// falls in the encoded bytes (`Bearer <token>` puts it 7 bytes in): for each of the three
/// places it can start within a 3-byte group, the characters made of its bits alone. The one or
/// two characters at each end that mix in its neighbours' bits are left; they give away at
/// most a byte. A secret too short to leave [`SHORTEST_ENCODED`] such characters gives none:
/// taking out a few common characters would garble text and hide nothing.
pub(super) fn in_base64(secret: &str) -> Vec<String> {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let mut forms = Vec::new();
    for before in 0..3usize {
        let mut bytes = vec![0u8; before];
        bytes.extend_from_slice(secret.as_bytes());
        let first = (before * 8).div_ceil(6);
        let end = bytes.len() * 8 / 6;
        if end < first + SHORTEST_ENCODED {
            continue;
        }
        for engine in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
            let form = engine.encode(&bytes)[first..end].to_owned();
            if !forms.contains(&form) {
                forms.push(form);
            }
        }
    }
    forms
}

/// The fewest base64 characters of a secret worth taking out (12 bytes of it).
const SHORTEST_ENCODED: usize = 16;

/// The most bytes between two pieces of a secret still taken for one (`<br>\r\n` is 6, a
/// U+3000 space 3).
const LONGEST_GAP: usize = 12;

#[cfg(test)]
mod tests {
    use super::*;

    /// Only a whole secret goes: its first bytes, where the rest does not follow, are text.
    #[test]
    fn a_start_that_fails_is_kept() {
        assert_eq!(without_secret("AIza AIzaSy", b"AIzaSy"), "AIza [redacted]");
    }

    /// An echo of a request may be base64 (a proxy logging `Authorization`, or a form body):
    /// the secret is found wherever it falls in the encoded bytes, in either alphabet, also
    /// wrapped; a secret too short to tell from text is not looked for that way.
    #[test]
    fn an_echo_in_base64_is_written_without_the_secret() {
        use base64::Engine as _;
        use base64::engine::general_purpose::{STANDARD, URL_SAFE};
        let token = "ya29.a0AfB_byC-minted~token/with+all=kinds";
        for before in ["", "B", "Be", "Bearer ", "assertion=x&token="] {
            for engine in [STANDARD, URL_SAFE] {
                let echoed = engine.encode(format!("{before}{token} and after"));
                let text = format!("401: echo {echoed}.");
                let cleaned = without_secrets(&text, in_base64(token).iter().map(String::as_str));
                // All of the token's characters but at most two at each end are gone.
                let gone = text.len() - cleaned.replace("[redacted]", "").len();
                assert!(gone + 4 >= token.len() * 4 / 3, "{before:?}: {cleaned}");
                let wrapped = format!("{}\r\n{}", &echoed[..30], &echoed[30..]);
                let cleaned =
                    without_secrets(&wrapped, in_base64(token).iter().map(String::as_str));
                assert!(cleaned.contains("[redacted]"), "{before:?}: {cleaned}");
            }
        }
        assert!(in_base64("AIza-short").is_empty());
        // One place leaves 16 characters, spelled alike in both alphabets.
        assert_eq!(in_base64("twelve bytes").len(), 1);
    }
}
