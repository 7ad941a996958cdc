//! `docs/CONVERSION.md` tells users what happens to their charts, rule by rule, naming the tests
//! behind each rule. This keeps it true: a rule test it does not list, or a name it lists that is
//! no test, fails here.

use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn the_conversion_document_lists_exactly_the_rule_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let document = std::fs::read_to_string(root.join("docs/CONVERSION.md")).unwrap();
    let (listed, untested) = tests_named_in(&document);
    assert!(
        untested.is_empty(),
        "docs/CONVERSION.md rows naming no test: {untested:?}"
    );
    // DATA.md's ten output rules, each a row of its own.
    let missing: Vec<u32> = (1..=10)
        .filter(|n| !document.lines().any(|l| l.starts_with(&format!("| {n}. "))))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/CONVERSION.md has no row for rules {missing:?}"
    );

    let cli = root.join("tests/cli");
    let mut every_test = test_functions(&cli);
    every_test.extend(test_functions(&root.join("src")));
    let rule_tests = test_functions(&cli.join("data_rules"));

    let not_tests: Vec<_> = listed.difference(&every_test).collect();
    assert!(
        not_tests.is_empty(),
        "docs/CONVERSION.md names tests that do not exist: {not_tests:?}"
    );
    let unlisted: Vec<_> = rule_tests
        .iter()
        .filter(|name| !listed.contains(*name) && *name != THIS_TEST)
        .collect();
    assert!(
        unlisted.is_empty(),
        "rule tests missing from docs/CONVERSION.md: {unlisted:?}"
    );
}

const THIS_TEST: &str = "the_conversion_document_lists_exactly_the_rule_tests";

/// Names in backticks in the last cell of a table whose last column is `tests`, and on lines
/// starting `Test:` or `Tests:`; then the rows of such a table that name none.
fn tests_named_in(document: &str) -> (BTreeSet<String>, Vec<String>) {
    let mut names = BTreeSet::new();
    let mut untested = Vec::new();
    let mut in_tests_table = false;
    for line in document.lines() {
        let line = line.trim();
        let place = if let Some(row) = line.strip_prefix('|') {
            let last_cell = row.trim_end_matches('|').rsplit('|').next().unwrap_or("");
            if last_cell.trim() == "tests" {
                in_tests_table = true;
                continue;
            }
            let separator = last_cell.trim().bytes().all(|b| b == b'-');
            if in_tests_table && !separator && !last_cell.contains('`') {
                untested.push(line.chars().take(60).collect());
            }
            if in_tests_table { last_cell } else { "" }
        } else {
            in_tests_table = false;
            line.strip_prefix("Tests:")
                .or_else(|| line.strip_prefix("Test:"))
                .unwrap_or("")
        };
        names.extend(place.split('`').skip(1).step_by(2).map(str::to_owned));
    }
    (names, untested)
}

/// The `#[test]` functions of every `.rs` file under `dir`.
fn test_functions(dir: &Path) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            names.extend(test_functions(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            let source = std::fs::read_to_string(&path).unwrap();
            let mut lines = source.lines().map(str::trim);
            while let Some(line) = lines.next() {
                if line != "#[test]" {
                    continue;
                }
                let function = lines.by_ref().find(|l| !l.starts_with("#["));
                if let Some(name) = function
                    .and_then(|l| l.strip_prefix("fn "))
                    .and_then(|l| l.split('(').next())
                {
                    names.insert(name.to_owned());
                }
            }
        }
    }
    names
}
