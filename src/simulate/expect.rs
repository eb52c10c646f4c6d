//! A scenario's `expect` lists: comparing them with timelines, and
//! rewriting them in the file (`--update-expect`) with the rest of the
//! file left as it was.

use super::scenario::{ExpectLayout, PersonLayout, PersonScenario, ScenarioDoc};
use super::{Scenario, Timeline};

/// A timeline as `expect` lines.
pub fn expected_lines(t: &Timeline) -> Vec<String> {
    t.lines()
}

/// The difference between a person's `expect` and their timeline, as a
/// unified diff headed by the person; `None` when they agree or the
/// person has no `expect`.
pub(super) fn difference(p: &PersonScenario, t: &Timeline) -> Option<String> {
    let expect = p.expect.as_ref()?;
    let lines = |l: &[String]| {
        l.iter()
            .map(|x| format!("{}\n", x.trim()))
            .collect::<String>()
    };
    let want = lines(expect);
    let have = lines(&expected_lines(t));
    if want == have {
        return None;
    }
    let diff = similar::TextDiff::from_lines(&want, &have)
        .unified_diff()
        .header("expected", "simulated")
        .to_string();
    Some(format!("person {}:\n{diff}", p.person.id))
}

/// Compares timelines with the `expect` lists of a scenario's people.
/// Returns one message per person whose timeline differs (a unified diff),
/// none when all match; people without `expect` are not checked.
pub fn check_expectations(scenario: &Scenario, timelines: &[Timeline]) -> Vec<String> {
    scenario
        .people
        .iter()
        .zip(timelines)
        .filter_map(|(p, t)| difference(p, t))
        .collect()
}

/// One edit of the text: replace `from..to` (byte offsets) with `text`.
struct Edit {
    from: usize,
    to: usize,
    text: String,
}

fn quoted(line: &str) -> String {
    serde_json::to_string(line).expect("strings serialize")
}

/// The text of `doc` (read from `text`) with the `expect` list of each
/// person in `updates` (index in the scenario, new lines) replaced, or
/// added when the person has none. Everything else is kept byte for byte;
/// comments inside a replaced list go with it.
pub fn update_expectations(
    doc: &ScenarioDoc,
    text: &str,
    updates: &[(usize, Vec<String>)],
) -> String {
    // New lines end as the file's do.
    let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut edits: Vec<Edit> = updates
        .iter()
        .filter_map(|(i, lines)| {
            let p = doc.layout.people.get(*i)?;
            Some(edit(text, p, lines, nl))
        })
        .collect();
    edits.sort_by_key(|e| e.from);
    let mut out = String::with_capacity(text.len() + 64 * edits.len());
    let mut done = 0;
    for e in &edits {
        if e.from < done || e.to > text.len() {
            continue; // overlapping (cannot happen for distinct people)
        }
        out.push_str(&text[done..e.from]);
        out.push_str(&e.text);
        done = e.to;
    }
    out.push_str(&text[done..]);
    out
}

fn edit(text: &str, p: &PersonLayout, lines: &[String], nl: &str) -> Edit {
    let flow_list = || {
        let items: Vec<String> = lines.iter().map(|l| quoted(l)).collect();
        format!("[{}]", items.join(", "))
    };
    let block_list = |column: usize| {
        let indent = " ".repeat(column.saturating_sub(1));
        lines
            .iter()
            .map(|l| format!("{nl}{indent}- {}", quoted(l)))
            .collect::<String>()
    };
    match &p.expect {
        Some(ExpectLayout {
            key_end,
            end,
            item_column,
        }) => {
            let text = if p.holder.flow {
                format!(": {}", flow_list())
            } else if lines.is_empty() {
                ": []".to_string()
            } else {
                let column = item_column.unwrap_or(p.holder.key_column + 2);
                format!(":{}", block_list(column))
            };
            Edit {
                from: key_end.byte,
                to: end.byte,
                text,
            }
        }
        None => {
            let at = p.holder.last_end.byte;
            if p.holder.flow {
                return Edit {
                    from: at,
                    to: at,
                    text: format!(", expect: {}", flow_list()),
                };
            }
            // After the rest of the line the mapping ends on (a comment
            // there stays where it is).
            let at = line_end(text, at);
            let indent = " ".repeat(p.holder.key_column.saturating_sub(1));
            let list = if lines.is_empty() {
                " []".to_string()
            } else {
                block_list(p.holder.key_column + 2)
            };
            Edit {
                from: at,
                to: at,
                text: format!("{nl}{indent}expect:{list}"),
            }
        }
    }
}

/// The end of the line holding byte `at`.
fn line_end(text: &str, at: usize) -> usize {
    text[at..].find(['\n', '\r']).map_or(text.len(), |i| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(text: &str, updates: &[(usize, &[&str])]) -> String {
        let doc = ScenarioDoc::parse(text).unwrap();
        let updates: Vec<(usize, Vec<String>)> = updates
            .iter()
            .map(|(i, l)| (*i, l.iter().map(|s| s.to_string()).collect()))
            .collect();
        let out = update_expectations(&doc, text, &updates);
        // The result reads back with the new lists.
        let back = ScenarioDoc::parse(&out).unwrap();
        for (i, lines) in &updates {
            assert_eq!(
                back.scenario.people[*i].expect.as_ref(),
                Some(lines),
                "{out}"
            );
        }
        out
    }

    #[test]
    fn replaces_block_and_flow_lists_and_keeps_the_rest() {
        let text = "# top\npeople:\n  # first\n  - person: { id: a }   # who\n    events: []\n    expect:\n      - \"x\"\n      # gone\n      - \"y\"   # last\n\n  - person: { id: b }\n    expect: []\n  - person: { id: c }\n    expect: [\"z\"]  # keep\n";
        let out = update(
            text,
            &[(0, &["1 one", "2 two"]), (1, &["3: three"]), (2, &[])],
        );
        assert_eq!(
            out,
            "# top\npeople:\n  # first\n  - person: { id: a }   # who\n    events: []\n    expect:\n      - \"1 one\"\n      - \"2 two\"   # last\n\n  - person: { id: b }\n    expect:\n      - \"3: three\"\n  - person: { id: c }\n    expect: []  # keep\n"
        );
    }

    #[test]
    fn adds_missing_lists_in_the_style_of_the_mapping() {
        let text = "people:\n  - person: { id: a }\n    events:\n      - { at: \"2026-11-20T10:00:00Z\", event: e }  # note\n  - { person: { id: b } }\n  - person: { id: c }\n";
        let out = update(text, &[(0, &["l1"]), (1, &["l2"]), (2, &[])]);
        assert_eq!(
            out,
            "people:\n  - person: { id: a }\n    events:\n      - { at: \"2026-11-20T10:00:00Z\", event: e }  # note\n    expect:\n      - \"l1\"\n  - { person: { id: b }, expect: [\"l2\"] }\n  - person: { id: c }\n    expect: []\n"
        );
        // The one-person form, with no newline at the end.
        let one = "person: { id: a }\nevents: []";
        assert_eq!(
            update(one, &[(0, &["é"])]),
            "person: { id: a }\nevents: []\nexpect:\n  - \"é\""
        );
    }

    #[test]
    fn works_on_text_with_multibyte_characters() {
        let text = "# ā ē ī\nperson: { id: \"ūū\" }\nexpect:\n  - \"ōld\"\nevents: []\n";
        let out = update(text, &[(0, &["nēw"])]);
        assert_eq!(
            out,
            "# ā ē ī\nperson: { id: \"ūū\" }\nexpect:\n  - \"nēw\"\nevents: []\n"
        );
    }

    /// One person's entry in one of the styles people write.
    fn entry(style: usize, id: &str, expect: usize, comment: bool) -> String {
        let note = if comment { "  # note" } else { "" };
        let expect_block = match expect {
            0 => String::new(),
            1 => format!("    expect: []{note}\n"),
            2 => format!("    expect: [\"a\", 'b']{note}\n"),
            _ => format!("    expect:\n      - \"a\"{note}\n      # gone\n      - b\n"),
        };
        match style {
            0 => format!("  - person: {{ id: \"{id}\" }}{note}\n{expect_block}"),
            1 => format!(
                "  - person:\n      id: \"{id}\"\n    events:\n      - {{ at: \"2026-11-20T10:00:00Z\", event: e }}{note}\n{expect_block}"
            ),
            _ => {
                let e = match expect {
                    0 => String::new(),
                    1 => ", expect: []".to_string(),
                    _ => ", expect: [\"a\"]".to_string(),
                };
                format!("  - {{ person: {{ id: \"{id}\" }}{e} }}{note}\n")
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        /// Files written in any mix of styles: rewriting some people's
        /// lists changes those lists and nothing else.
        #[test]
        fn rewriting_lists_changes_only_them(
            people in proptest::collection::vec(
                (0usize..3, 0usize..4, proptest::bool::ANY, proptest::bool::ANY, "[a-zé ]{0,6}"),
                1..6,
            ),
            crlf in proptest::bool::ANY,
        ) {
            let mut text = String::from("# top\npeople:\n");
            for (style, expect, comment, _, id) in &people {
                text.push_str(&entry(*style, id, *expect, *comment));
            }
            if crlf {
                text = text.replace('\n', "\r\n");
            }
            let doc = ScenarioDoc::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            let updates: Vec<(usize, Vec<String>)> = people
                .iter()
                .enumerate()
                .filter(|(_, p)| p.3)
                .map(|(i, _)| (i, vec![format!("line {i}"), "é \"q\": x".to_string()]))
                .collect();
            let out = update_expectations(&doc, &text, &updates);
            let back = ScenarioDoc::parse(&out).unwrap_or_else(|e| panic!("{text:?} -> {out:?}: {e}"));
            proptest::prop_assert_eq!(back.scenario.people.len(), people.len());
            for (i, p) in back.scenario.people.iter().enumerate() {
                let before = &doc.scenario.people[i];
                proptest::prop_assert_eq!(&p.person, &before.person);
                proptest::prop_assert_eq!(&p.events, &before.events);
                match updates.iter().find(|(u, _)| *u == i) {
                    Some((_, lines)) => proptest::prop_assert_eq!(p.expect.as_ref(), Some(lines)),
                    None => proptest::prop_assert_eq!(&p.expect, &before.expect),
                }
            }
            if crlf {
                proptest::prop_assert!(!out.replace("\r\n", "").contains('\n'), "{:?}", out);
            }
        }

        /// Whatever the text, reading it and rewriting its lists never
        /// panics, and a rewritten file reads back with the new lists.
        #[test]
        fn rewriting_any_readable_text_reads_back(
            parts in proptest::collection::vec(0usize..TOKENS.len(), 0..40)
        ) {
            let text: String = parts.iter().map(|&i| TOKENS[i]).collect();
            if let Ok(doc) = ScenarioDoc::parse(&text) {
                let updates: Vec<(usize, Vec<String>)> = (0..doc.scenario.people.len())
                    .map(|i| (i, vec![format!("line {i}"), "é \"q\"".to_string()]))
                    .collect();
                let out = update_expectations(&doc, &text, &updates);
                let back = ScenarioDoc::parse(&out).unwrap_or_else(|e| panic!("{text:?} -> {out:?}: {e}"));
                for (i, lines) in &updates {
                    proptest::prop_assert_eq!(back.scenario.people[*i].expect.as_ref(), Some(lines));
                }
            }
        }
    }

    const TOKENS: &[&str] = &[
        "people:",
        "\n",
        "  ",
        "    ",
        "- ",
        "person: ",
        "{ ",
        " }",
        "[",
        "]",
        ", ",
        "id: ",
        "p1",
        "expect: ",
        "\"x\"",
        "'y'",
        "&a ",
        "*a",
        "é",
        " # c",
        ": ",
        "events: ",
        "\r\n",
        "\t",
        "person: { id: \"ā\" }\n",
        "expect:\n  - \"z\"\n",
    ];
}
