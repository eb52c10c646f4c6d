//! The `omni` code blocks of `README.md` and `docs/*.md` are real campaigns:
//! each checks with no diagnostics at all and is in `omnis fmt`'s layout.
//!
//! A block is checked as a file of `campaigns/` would be: `import
//! "audience.omni"` gives the example vocabulary. A block that is only a
//! piece of a file (a declaration using names from elsewhere, a campaign
//! with `journey { ... }`) is marked with the info string ` ```omni fragment `
//! and is not checked.

mod common;

use std::path::Path;

use omnis::driver::{analyze, Options};
use omnis::fmt::format_source;

use common::{read, read_dir, root, write};

/// An ` ```omni ` block: where it is, whether it is a fragment, its text.
struct Block {
    at: String,
    fragment: bool,
    text: String,
}

/// The fenced blocks of a Markdown text whose info string starts with
/// `omni`.
fn omni_blocks(name: &str, markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, bool, String)> = None;
    for (i, line) in markdown.lines().enumerate() {
        match &mut open {
            None => {
                let Some(info) = line.trim_start().strip_prefix("```") else {
                    continue;
                };
                let mut words = info.split_whitespace();
                if words.next() == Some("omni") {
                    let rest: Vec<&str> = words.collect();
                    assert!(
                        rest.is_empty() || rest == ["fragment"],
                        "{name}:{}: unknown marker in ```{info}: use ```omni or ```omni fragment",
                        i + 1
                    );
                    open = Some((i + 1, rest == ["fragment"], String::new()));
                } else {
                    // Another language, or none: skip to its end.
                    open = Some((i + 1, true, "\0skip".into()));
                }
            }
            Some((start, fragment, text)) => {
                if line.trim_start() == "```" {
                    if !text.starts_with('\0') {
                        blocks.push(Block {
                            at: format!("{name}:{start}"),
                            fragment: *fragment,
                            text: std::mem::take(text),
                        });
                    }
                    open = None;
                } else if !text.starts_with('\0') {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
    }
    assert!(open.is_none(), "{name}: a code block is not closed");
    blocks
}

/// Every Markdown file the test covers, with its text.
fn documents() -> Vec<(String, String)> {
    let mut docs = vec![("README.md".to_string(), read(&root().join("README.md")))];
    for path in read_dir(&root().join("docs")) {
        if path.extension().is_some_and(|e| e == "md") {
            let name = format!("docs/{}", path.file_name().unwrap().to_string_lossy());
            docs.push((name, read(&path)));
        }
    }
    docs
}

fn all_blocks() -> Vec<Block> {
    documents()
        .iter()
        .flat_map(|(name, text)| omni_blocks(name, text))
        .collect()
}

/// The diagnostics of `text` checked as `campaigns/doc.omni`, one per line.
fn check_as_campaign_file(dir: &Path, text: &str) -> Vec<String> {
    write(dir, "omnis.toml", "");
    write(
        dir,
        "audience.omni",
        &read(&root().join("campaigns/audience.omni")),
    );
    write(dir, "doc.omni", text);
    let analysis = analyze(&Options {
        paths: vec![dir.join("doc.omni")],
    })
    .unwrap_or_else(|e| panic!("{e}"));
    analysis
        .diagnostics
        .iter()
        .map(|d| {
            let f = analysis.sources.get(d.file);
            let lc = f.line_col(d.span.start as usize);
            let file = Path::new(&f.name).file_name().unwrap_or_default();
            let name = match file.to_string_lossy() {
                n if n == "doc.omni" => "block".to_string(),
                n => n.into_owned(),
            };
            format!("{name} line {}: {}: {}", lc.line, d.code, d.message)
        })
        .collect()
}

#[test]
fn every_omni_block_checks_clean_and_is_formatted() {
    let blocks = all_blocks();
    let checked: Vec<&Block> = blocks.iter().filter(|b| !b.fragment).collect();
    assert!(
        checked.iter().any(|b| b.at.starts_with("README.md")),
        "the README's tour is checked"
    );
    let mut failures = Vec::new();
    for block in checked {
        let dir = tempfile::tempdir().unwrap();
        let found = check_as_campaign_file(dir.path(), &block.text);
        if !found.is_empty() {
            failures.push(format!("{}:\n  {}", block.at, found.join("\n  ")));
            continue;
        }
        match format_source(&block.text) {
            Ok(formatted) if formatted == block.text => {}
            Ok(formatted) => failures.push(format!(
                "{}: not in `omnis fmt`'s layout; it would be:\n{formatted}",
                block.at
            )),
            Err(d) => failures.push(format!("{}: does not format: {d:?}", block.at)),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn block_markers_are_read() {
    let md = "text\n```omni\nsegment a = true\n```\n\n```omni fragment\njourney { ... }\n```\n\
              ```sh\nomnis check\n```\n```\nplain\n```\n";
    let blocks = omni_blocks("t.md", md);
    let seen: Vec<(&str, bool, &str)> = blocks
        .iter()
        .map(|b| (b.at.as_str(), b.fragment, b.text.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("t.md:2", false, "segment a = true\n"),
            ("t.md:6", true, "journey { ... }\n")
        ]
    );
    // A block that does not check is reported.
    let dir = tempfile::tempdir().unwrap();
    let found = check_as_campaign_file(dir.path(), "segment a = nope\n");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("block line 1: unknown-name"),
        "{found:?}"
    );
}

/// The package says what it is: a licence that matches `LICENSE`, where it
/// lives, and a changelog with this version.
#[test]
fn licence_repository_and_changelog() {
    assert_eq!(env!("CARGO_PKG_LICENSE"), "MIT");
    let licence = read(&root().join("LICENSE"));
    assert!(licence.starts_with("MIT License\n"), "{licence}");
    assert!(licence.contains("Permission is hereby granted, free of charge"));
    assert!(env!("CARGO_PKG_REPOSITORY").starts_with("https://"));
    let changelog = read(&root().join("CHANGELOG.md"));
    assert!(changelog.contains("\n## [Unreleased]\n"));
    let version = format!("\n## [{}] - ", env!("CARGO_PKG_VERSION"));
    assert!(
        changelog.contains(&version),
        "no `{version}` in CHANGELOG.md"
    );
}
