//! Parser unit tests: the grammar, the lowering and the range checks.

use super::ast::{self, *};
use super::parser::*;
use super::MAX_NESTING;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::source::FileId;

fn parse_ok(src: &str) -> ast::File {
    let (f, d) = parse_file(FileId(0), src);
    assert!(d.is_empty(), "unexpected diagnostics: {d:#?}");
    f
}

fn errors(src: &str) -> Vec<Diagnostic> {
    parse_file(FileId(0), src).1
}

fn segment_expr(src: &str) -> Expr {
    let f = parse_ok(&format!("segment s = {src}"));
    match &f.items[0].kind {
        ItemKind::Segment(s) => (*s.expr).clone(),
        k => panic!("not a segment: {k:?}"),
    }
}

fn journey(src: &str) -> Vec<Step> {
    let f = parse_ok(&format!("campaign c {{ trigger e journey {{ {src} }} }}"));
    let ItemKind::Campaign(c) = &f.items[0].kind else {
        panic!()
    };
    c.props
        .iter()
        .find_map(|p| match &p.kind {
            CampaignPropKind::Journey(b) => Some(b.steps.clone()),
            _ => None,
        })
        .unwrap()
}

#[test]
fn precedence_or_and_not_comparison() {
    // a or b and not c == 1  =  a or (b and (not (c == 1)))
    let e = segment_expr("a or b and not c == 1");
    let ExprKind::Or(parts) = &e.kind else {
        panic!("{e:?}")
    };
    assert_eq!(parts.len(), 2);
    assert!(matches!(parts[0].kind, ExprKind::Name(_)));
    let ExprKind::And(and) = &parts[1].kind else {
        panic!()
    };
    let ExprKind::Not(inner) = &and[1].kind else {
        panic!()
    };
    assert!(matches!(
        inner.kind,
        ExprKind::Compare { op: CmpOp::Eq, .. }
    ));
}

#[test]
fn parentheses_group() {
    let e = segment_expr("(a or b) and c");
    let ExprKind::And(parts) = &e.kind else {
        panic!()
    };
    assert!(matches!(parts[0].kind, ExprKind::Paren(_)));
}

#[test]
fn long_operator_chains_stay_flat() {
    let src = (0..10_000)
        .map(|i| format!("a{i}"))
        .collect::<Vec<_>>()
        .join(" or ");
    let ExprKind::Or(parts) = segment_expr(&src).kind else {
        panic!()
    };
    assert_eq!(parts.len(), 10_000);
}

#[test]
fn literals() {
    let steps = journey("wait 1d12h wait until mon 09:30 split { 12.5% a { } 87.5% { } }");
    assert!(matches!(
        steps[0].kind,
        StepKind::Delay(Delay::For(Duration {
            seconds: 129_600,
            ..
        }))
    ));
    assert!(matches!(
        steps[1].kind,
        StepKind::Delay(Delay::Until {
            weekday: Some((Weekday::Mon, _)),
            time: TimeOfDay { minutes: 570, .. }
        })
    ));
    let StepKind::Split(arms) = &steps[2].kind else {
        panic!()
    };
    assert_eq!(arms[0].weight.basis_points, 1250);
    assert_eq!(arms[0].name.as_ref().unwrap().name, "a");
    assert!(arms[1].name.is_none());
}

#[test]
fn every_step_form() {
    let steps = journey(
        r#"
        wait 1h
        send a
        wait for clicked a within 1d { wait 2h send b } otherwise { send c }
        wait for order_placed where order_placed.total > 5 within 3d
        if x and y in ["DE", "AT"] { send d } else if p == "free" { send e } else { exit }
        repeat 3 times { wait 7d send f }
        @allow(repeated-message)
        step nudge { wait 2d send g }
        goto nudge
        exit
    "#,
    );
    assert_eq!(steps.len(), 9);
    let StepKind::If { arms, otherwise } = &steps[4].kind else {
        panic!()
    };
    assert_eq!(arms.len(), 2);
    assert!(otherwise.is_some());
    assert_eq!(steps[6].allows[0].codes[0].name, "repeated-message");
    assert!(matches!(
        steps[3].kind,
        StepKind::WaitFor {
            then: None,
            otherwise: None,
            ..
        }
    ));
}

#[test]
fn strings_unescape_and_find_placeholders() {
    let f = parse_ok(
        r#"message m { channel email template "t" subject "{{ first_name | default: \"Hi\" }}, a \\ b\n {{ order_placed.order_id }}" }"#,
    );
    let ItemKind::Message(m) = &f.items[0].kind else {
        panic!()
    };
    let MessagePropKind::Subject(s) = &m.props[2].kind else {
        panic!()
    };
    assert!(s
        .value
        .starts_with("{{ first_name | default: \"Hi\" }}, a \\ b\n"));
    assert_eq!(s.placeholders.len(), 2);
    assert_eq!(s.placeholders[0].default.as_deref(), Some("Hi"));
    assert_eq!(s.placeholders[1].path.dotted(), "order_placed.order_id");
}

#[test]
fn keywords_are_contextual_except_expression_ones() {
    parse_ok("event unsubscribed { channel: text }  campaign consent { trigger x journey { } }");
    let e = errors("segment and = x");
    assert_eq!(e[0].code, Code::SyntaxError);
}

#[test]
fn recovers_at_the_next_declaration() {
    let src = "segment a = x ==\nsegment b = y\ncampaign c { trigger e journey { wait 2 } }\nsegment d = \n";
    let (f, d) = parse_file(FileId(0), src);
    assert_eq!(d.len(), 3, "{d:#?}");
    assert!(d[1].help.as_deref().unwrap().contains("`2d`"));
    // Each declaration is kept, the broken ones as far as they parse.
    let names: Vec<(String, bool)> = f
        .items
        .iter()
        .map(|i| match &i.kind {
            ItemKind::Segment(s) => (s.name.name.clone(), i.recovered),
            ItemKind::Campaign(c) => (c.name.name.clone(), i.recovered),
            k => panic!("{k:?}"),
        })
        .collect();
    let expect = [("a", true), ("b", false), ("c", true), ("d", true)];
    assert_eq!(names, expect.map(|(n, r)| (n.to_string(), r)));
}

#[test]
fn unterminated_string() {
    let d = errors("message m { template \"abc\n }");
    assert_eq!(d[0].code, Code::SyntaxError);
    assert!(d[0].message.contains("never closed"), "{}", d[0].message);
}

#[test]
fn overflowing_values_are_invalid() {
    for src in [
        "campaign c { trigger e journey { wait 99999999999999999999999d } }",
        "campaign c { trigger e journey { wait 200000w } }",
        "campaign c { trigger e journey { repeat 0 times { } } }",
        "campaign c { trigger e limit 1.5 per 1d journey { } }",
        "segment s = x > 123456789012345678901234567890",
        "campaign c { trigger e journey { split { 100.001% { } } } }",
        "campaign c { trigger daily at 25:00 journey { } }",
        "campaign c { trigger e window 2026-02-30 to 2026-03-01 journey { } }",
    ] {
        let d = errors(src);
        assert_eq!(d.len(), 1, "{src}: {d:#?}");
        assert_eq!(d[0].code, Code::InvalidValue, "{src}");
    }
}

#[test]
fn deep_nesting_is_a_clear_error_not_a_crash() {
    let src = format!(
        "segment s = {}x{}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let d = errors(&src);
    assert_eq!(d.len(), 1);
    assert!(d[0].message.contains("nested more than 256"));
    assert_eq!(d[0].span.start as usize, "segment s = ".len() + MAX_NESTING);
    let nots = format!("segment s = {}x", "not ".repeat(100_000));
    assert!(errors(&nots)[0].message.contains("`not`s"));
}

#[test]
fn the_deepest_nesting_allowed_parses_on_a_small_stack() {
    // Blocks and brackets at the limit, parsed by a thread whose stack
    // is far smaller than the recursion needs: parse_file moves the
    // work to a stack of its own.
    let half = MAX_NESTING / 2;
    let src = format!(
        "campaign c {{ trigger e journey {{ {}send m{} if {}x{} {{ }} }} }}",
        "if a { ".repeat(half - 2),
        " }".repeat(half - 2),
        "(".repeat(half - 1),
        ")".repeat(half - 1)
    );
    let diags = std::thread::Builder::new()
        .stack_size(128 << 10)
        .spawn(move || parse_file(FileId(0), &src).1)
        .unwrap()
        .join()
        .expect("no stack overflow");
    assert!(diags.is_empty(), "{diags:#?}");
}

#[test]
fn nul_bytes_are_reported_with_a_position() {
    let d = errors("segment s = x\0");
    assert_eq!(d[0].code, Code::SyntaxError);
    assert_eq!(d[0].span.start, 13);
}

#[test]
fn huge_string_is_rejected() {
    let src = format!(
        "message m {{ channel email template \"{}\" }}",
        "x".repeat(5 << 20)
    );
    let d = errors(&src);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, Code::InvalidValue);
}

#[test]
fn comments_are_collected() {
    let f = parse_ok("// one\nsegment s = x // two \"not a string\n");
    assert_eq!(f.comments.len(), 2);
}

#[test]
fn triggers() {
    for t in [
        "trigger enters vip",
        "trigger daily at 09:00",
        "trigger weekly on mon at 09:00",
        "trigger once at 2026-12-01 09:00",
        "trigger cart_abandoned where cart_abandoned.value > 20",
    ] {
        parse_ok(&format!("campaign c {{ {t} journey {{ }} }}"));
    }
}

/// The example campaigns of the repository parse without a diagnostic.
#[test]
fn the_campaigns_parse() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("campaigns");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "omni") {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let (_, d) = parse_file(FileId(0), &text);
            assert!(d.is_empty(), "{}: {d:#?}", path.display());
        }
    }
}

/// A sample with every kind of bracket, a string, a comment and steps.
const SAMPLE: &str = "@allow(x)\nsegment s = a and (b or c) // c\nmessage m { channel email  template \"t\" }\ncampaign c {\n  trigger e\n  journey {\n    if x in [\"a\"] { send m } else { wait 1d }\n  }\n}\n";

/// Characters of several UTF-8 lengths, whitespace that is not whitespace
/// to Omnis, and invisible ones.
const ODD: &[&str] = &[
    "é", "“", "😀", "\u{A0}", "\u{2028}", "\u{3000}", "\u{85}", "\u{B}", "\u{C}", "\u{FEFF}",
    "\u{200B}",
];

#[test]
fn non_ascii_text_anywhere_never_panics() {
    // Issue 9, item 4: error recovery sliced inside a character.
    for odd in ODD {
        assert!(!errors(&format!("{odd}segment s = x ==")).is_empty());
        for (i, _) in SAMPLE.char_indices() {
            let mut t = SAMPLE.to_string();
            t.insert_str(i, odd);
            parse_file(FileId(0), &t);
            parse_file(FileId(0), &t[..i + odd.len()]);
        }
    }
}

#[test]
fn a_syntax_error_at_the_end_of_the_file_is_shown_on_character_boundaries() {
    // Found by fuzzing: a byte order mark after the last token.
    let text = "message\u{FEFF}///exite_";
    for d in errors(text) {
        assert!(text.is_char_boundary(d.span.start as usize), "{d:?}");
        assert!(text.is_char_boundary(d.span.end as usize), "{d:?}");
    }
}

#[test]
fn every_prefix_and_every_deletion_parses_without_panic() {
    for (i, c) in SAMPLE.char_indices() {
        parse_file(FileId(0), &SAMPLE[..i]);
        let mut t = SAMPLE.to_string();
        t.replace_range(i..i + c.len_utf8(), "");
        parse_file(FileId(0), &t);
    }
}

/// Every `.omni` file of the repository (fixtures, examples).
fn repository_sources() -> Vec<(std::path::PathBuf, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stack = vec![root.join("tests"), root.join("campaigns")];
    let mut out = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "omni") {
                let bytes = std::fs::read(&path).unwrap();
                out.push((path, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn large_campaigns_read_piece_by_piece_parse_the_same() {
    // With tiny chunks every campaign is read piece by piece (`stream`),
    // and its pieces cut at every line: the tree and the diagnostics are
    // those of one parse of the whole file.
    let sources = repository_sources();
    assert!(sources.len() > 100);
    let mut streamed = 0;
    for (path, text) in &sources {
        let whole = parse_in_chunks(FileId(0), text, usize::MAX);
        for chunk in [1, 10, 100] {
            let pieces = parse_in_chunks(FileId(0), text, chunk);
            assert_eq!(pieces, whole, "{} in chunks of {chunk}", path.display());
        }
        // Cut in two halves parsed at once, as a large file is: the same.
        for chunk in [10, usize::MAX] {
            let halves = parse_in_halves(FileId(0), text, chunk);
            assert_eq!(halves, whole, "{} in halves", path.display());
        }
        // In a file without errors, every campaign reads piece by piece.
        if whole.1.is_empty() {
            for item in &whole.0.items {
                if matches!(item.kind, ItemKind::Campaign(_)) {
                    let mut lw = super::lower::Lowerer::new(FileId(0));
                    let start = item.span.start as usize;
                    let read = super::stream::campaign(&mut lw, text, start, 1);
                    let (piecewise, end) = read.expect("streamed");
                    assert_eq!(&piecewise, item, "{}", path.display());
                    assert_eq!(end, item.span.end as usize);
                    streamed += 1;
                }
            }
        }
    }
    assert!(streamed > 50, "{streamed} campaigns read piece by piece");
}

#[test]
fn a_large_campaign_after_small_declarations_parses_the_same() {
    let mut text = String::from("event e { }\nmessage m { channel c template \"t\" }\n");
    text.push_str("// the campaign\n@allow(repeated-message)\ncampaign c { // comment\n  trigger e where e.x == 1\n  journey {\n");
    for i in 0..200 {
        text.push_str(&format!(
            "    wait {}d // {i}\n    if a {{ send m }}\n    else if b {{ wait 1h }}\n    else {{ exit }}\n    wait for e\n      within 1d\n      otherwise {{ send m }}\n",
            i + 1
        ));
    }
    text.push_str("  }\n  goal e\n}\nsegment s = a or\n  b\n");
    let whole = parse_in_chunks(FileId(0), &text, usize::MAX);
    assert!(whole.1.is_empty(), "{:#?}", whole.1);
    for chunk in [1, 13, 64, 1000] {
        assert_eq!(
            parse_in_chunks(FileId(0), &text, chunk),
            whole,
            "chunks of {chunk}"
        );
        let mut lw = super::lower::Lowerer::new(FileId(0));
        let start = text.find("// the campaign").unwrap();
        let (item, _) = super::stream::campaign(&mut lw, &text, start, chunk).expect("streamed");
        assert_eq!(item, whole.0.items[2]);
    }
    for chunk in [64, usize::MAX] {
        assert_eq!(parse_in_halves(FileId(0), &text, chunk), whole, "halves");
    }
    // A syntax error deep in the journey: reported as by one parse.
    let broken = text.replace("wait 150d", "wait 150");
    let whole = parse_in_chunks(FileId(0), &broken, usize::MAX);
    assert!(!whole.1.is_empty());
    assert_eq!(parse_in_chunks(FileId(0), &broken, 64), whole);
    assert_eq!(parse_in_halves(FileId(0), &broken, 64), whole);
    // An error before the cut, and one after it.
    let broken = broken.replace("event e { }", "event e { ");
    let whole = parse_in_chunks(FileId(0), &broken, usize::MAX);
    assert_eq!(parse_in_halves(FileId(0), &broken, 64), whole);
}

#[test]
fn the_tree_stays_compact() {
    // A journey's tree is mostly steps, and a file's mostly items: a
    // field that grows them (an expression held inline, say) costs its
    // size on every one of them. Rare large parts are boxed.
    // (A step is 160 bytes without its `head` and `parts` spans, which
    // point diagnostics at parts of it.)
    use std::mem::size_of;
    assert!(
        size_of::<Step>() <= 216,
        "a step takes {} bytes",
        size_of::<Step>()
    );
    assert!(
        size_of::<Item>() <= 112,
        "an item takes {} bytes",
        size_of::<Item>()
    );
    assert!(size_of::<Block>() <= 32);
}

#[test]
fn history_words_are_contextual() {
    // v1 names that are v2 words still read as names.
    assert!(matches!(segment_expr("received").kind, ExprKind::Name(_)));
    assert!(matches!(
        segment_expr("received and priority").kind,
        ExprKind::And(_)
    ));
    assert!(matches!(
        segment_expr("received == true").kind,
        ExprKind::Compare { .. }
    ));
    assert!(matches!(
        segment_expr("opened any").kind,
        ExprKind::Opened(_)
    ));
    assert!(matches!(
        segment_expr("any in [1] or campaign is set").kind,
        ExprKind::Or(_)
    ));
    parse_ok("campaign priority { trigger received journey { send any } }");
}

#[test]
fn history_conditions_parse() {
    let e = segment_expr("received cart_reminder since entry at least 2 times");
    let ExprKind::Received {
        what: Received::Message(m),
        window: Some(DidWindow::SinceEntry(_)),
        at_least: Some(n),
    } = e.kind
    else {
        panic!("{e:?}")
    };
    assert_eq!((m.name.as_str(), n.value), ("cart_reminder", 2.0));
    for (src, channel) in [
        ("received any", None),
        ("received any email within 16h", Some("email")),
        ("received any within 1d at least 3 times", None),
    ] {
        let ExprKind::Received {
            what: Received::Any(c, _),
            ..
        } = segment_expr(src).kind
        else {
            panic!("{src}")
        };
        assert_eq!(c.map(|c| c.name).as_deref(), channel, "{src}");
    }
    let ExprKind::EngagedAny {
        clicked: false,
        channel: Some(c),
        within,
    } = segment_expr("opened any email within 180d").kind
    else {
        panic!()
    };
    assert_eq!((c.name.as_str(), within.seconds), ("email", 180 * 86_400));
    assert!(matches!(
        segment_expr("clicked any within 1d").kind,
        ExprKind::EngagedAny {
            clicked: true,
            channel: None,
            ..
        }
    ));
    let ExprKind::Not(inner) = segment_expr("not in campaign cart_recovery").kind else {
        panic!()
    };
    assert!(matches!(inner.kind, ExprKind::InCampaign(ref c) if c.name == "cart_recovery"));
}
