//! One test per construct and per layout rule. Every formatted text is also
//! checked to be a fixed point (formatting it again changes nothing);
//! `format_source` itself checks the tree and the comments.

use super::*;

/// Formats `src`, checks that formatting the result changes nothing, and
/// returns it.
#[track_caller]
fn fmt(src: &str) -> String {
    let once = format_source(src).unwrap_or_else(|d| panic!("{src}\n{d:#?}"));
    let twice = format_source(&once).unwrap_or_else(|d| panic!("{once}\n{d:#?}"));
    assert_eq!(once, twice, "not idempotent; first pass:\n{once}");
    once
}

/// `expected` is already canonical and `src` formats to it.
#[track_caller]
fn check(src: &str, expected: &str) {
    assert_eq!(fmt(src), expected, "from:\n{src}");
    assert_eq!(fmt(expected), expected, "canonical text changed");
}

/// A campaign around `journey` steps, as the printer lays it out.
fn journey(steps: &str) -> String {
    let mut s = String::from("campaign c {\n  trigger e\n  journey {\n");
    for l in steps.lines() {
        if l.is_empty() {
            s.push('\n');
        } else {
            s.push_str("    ");
            s.push_str(l);
            s.push('\n');
        }
    }
    s.push_str("  }\n}\n");
    s
}

#[test]
fn empty_and_blank_files() {
    check("", "");
    check("\n\n  \n", "");
    check("// only a comment", "// only a comment\n");
    check("\n\n// a\n\n\n// b\n\n", "// a\n\n// b\n");
}

#[test]
fn whitespace_is_canonical() {
    check(
        "segment   s=a and(b or  c)\nsegment t =\n  x   ==  \"y\"",
        "segment s = a and (b or c)\nsegment t = x == \"y\"\n",
    );
    check(
        "campaign c{trigger e journey{wait 1h send m}}",
        &journey("wait 1h\nsend m"),
    );
}

#[test]
fn line_breaks_are_kept_and_the_bom_goes() {
    // A file whose first line ends with `\r\n` keeps `\r\n` throughout.
    check(
        "\u{FEFF}segment s = a // note\r\nsegment t = b\n\r\n\r\n\r\nsegment u=c",
        "segment s = a // note\r\nsegment t = b\r\n\r\nsegment u = c\r\n",
    );
    check(
        "segment s = a\nsegment t = b\r\n",
        "segment s = a\nsegment t = b\n",
    );
    let crlf = "campaign c {\r\n  trigger e\r\n  journey {\r\n    send m // why\r\n  }\r\n}\r\n";
    check(crlf, crlf);
    check(&crlf.replace("\r\n", "\n"), &crlf.replace("\r\n", "\n"));
}

#[test]
fn imports() {
    check(
        "import \"a.omni\"\nimport   \"b.omni\"\n\n\n\nsegment s = x",
        "import \"a.omni\"\nimport \"b.omni\"\n\nsegment s = x\n",
    );
}

#[test]
fn profile_and_events() {
    check(
        "profile { a: text b: number, plan: one of \"x\",\"y\" }",
        "profile { a: text, b: number, plan: one of \"x\", \"y\" }\n",
    );
    check(
        "profile {\n a: text,\n\n\n  b: one of \"x\" , \"y\",\n}",
        "profile {\n  a: text\n\n  b: one of \"x\", \"y\"\n}\n",
    );
    check("event e {}", "event e { }\n");
    check("event e {\n}", "event e { }\n");
    check(
        "event e { a: text }\nevent longer { b: bool }",
        "event e      { a: text }\nevent longer { b: bool }\n",
    );
}

#[test]
fn channels_align_as_a_table() {
    check(
        "channel email { consent email_opt_in quiet_hours 21:00 to 08:00 limit 3 per 1d }\n\
         channel sms { consent sms_opt_in limit 1 per 1d }\n\
         channel ads { kind ads }\n",
        "channel email { consent email_opt_in  quiet_hours 21:00 to 08:00  limit 3 per 1d }\n\
         channel sms   { consent sms_opt_in    limit 1 per 1d }\n\
         channel ads   { kind ads }\n",
    );
    check(
        "channel email {\n  consent email_opt_in\n  description \"d\"\n}\n",
        "channel email {\n  consent email_opt_in\n  description \"d\"\n}\n",
    );
}

#[test]
fn alignment_stops_at_blank_lines_other_kinds_and_long_declarations() {
    check(
        "segment a = x\nsegment bbb = y\n\nsegment cc = z\nevent e { }\nevent fff { }\n",
        "segment a   = x\nsegment bbb = y\n\nsegment cc = z\nevent e   { }\nevent fff { }\n",
    );
    check(
        "segment a = x\n// about b\nsegment bbb = y // trailing\n",
        "segment a   = x\n// about b\nsegment bbb = y // trailing\n",
    );
    check(
        "segment a = x\nmessage m {\n  channel c\n}\nsegment bbb = y\n",
        "segment a = x\n\nmessage m {\n  channel c\n}\n\nsegment bbb = y\n",
    );
}

#[test]
fn messages_and_vars() {
    check(
        "message m { channel email template \"t\" vars { a: 1 b: true c: \"x\" } }",
        "message m { channel email  template \"t\"  vars { a: 1, b: true, c: \"x\" } }\n",
    );
    check(
        "message m {\n  channel email\n  vars { a: 1 b: 2 }\n  vars {\n    c: 3, d: 4\n  }\n}",
        "message m {\n  channel email\n  vars { a: 1, b: 2 }\n  vars {\n    c: 3\n    d: 4\n  }\n}\n",
    );
}

#[test]
fn one_line_blocks_must_fit() {
    let long = format!(
        "message m {{ channel email  template \"{}\" }}",
        "t".repeat(80)
    );
    check(
        &long,
        &format!(
            "message m {{\n  channel email\n  template \"{}\"\n}}\n",
            "t".repeat(80)
        ),
    );
    // Exactly 100 columns stays.
    let fits = format!(
        "message m {{ channel email  template \"{}\" }}",
        "t".repeat(60)
    );
    assert_eq!(fits.len(), MAX_WIDTH);
    check(&fits, &format!("{fits}\n"));
}

#[test]
fn declarations_that_take_lines_are_set_apart() {
    check(
        "message a {\n  channel c\n}\nmessage b {\n  channel c\n}\nsegment s = x\nsegment t = y",
        "message a {\n  channel c\n}\n\nmessage b {\n  channel c\n}\n\nsegment s = x\nsegment t = y\n",
    );
}

#[test]
fn campaign_properties() {
    let src = r#"campaign c {
description "d"   trigger e where e.v >= 19.990
audience a and not b
reentry after 1d12h
goal g
exit when u
exit when v
limit 3 per 7d
window 2026-11-27 to 2026-12-02
timezone "Europe/Riga"

journey { }
}
campaign d { trigger enters s reentry never journey { } }
campaign e { trigger daily at 9:00 reentry always journey { } }
campaign f { trigger weekly on mon at 09:00 journey { } }
campaign g { trigger once at 2026-12-01 09:00 journey { } }
campaign h { }"#;
    let expected = r#"campaign c {
  description "d"
  trigger e where e.v >= 19.990
  audience a and not b
  reentry after 1d12h
  goal g
  exit when u
  exit when v
  limit 3 per 7d
  window 2026-11-27 to 2026-12-02
  timezone "Europe/Riga"

  journey { }
}

campaign d {
  trigger enters s
  reentry never
  journey { }
}

campaign e {
  trigger daily at 9:00
  reentry always
  journey { }
}

campaign f {
  trigger weekly on mon at 09:00
  journey { }
}

campaign g {
  trigger once at 2026-12-01 09:00
  journey { }
}

campaign h { }
"#;
    check(src, expected);
}

#[test]
fn simple_steps() {
    check(
        &journey("send   m\nwait 1d12h\nwait until 9:30\nwait until  tue 10:00\ngoto x\nexit"),
        &journey("send m\nwait 1d12h\nwait until 9:30\nwait until tue 10:00\ngoto x\nexit"),
    );
}

#[test]
fn blank_lines_between_steps_collapse() {
    let src =
        "campaign c {\n\n  trigger e\n  journey {\n\n\n    send a\n\n\n\n    send b\n\n  }\n\n}\n";
    check(src, &journey("send a\n\nsend b"));
}

#[test]
fn one_line_steps_stay_when_written_so() {
    let steps = "if a { send x } else if b { send y } else { exit }\n\
                 repeat 3 times { wait 7d  send tip }\n\
                 step nudge { wait 2d  send n }\n\
                 wait for clicked m within 1d { send a } otherwise { send b }\n\
                 wait for e where e.x > 1 within 1d otherwise { exit }\n\
                 split { 50% a { send x }  50% { } }";
    check(&journey(steps), &journey(steps));
    check(
        &journey("if a { send x }\nrepeat 3 times { wait 7d send tip }"),
        &journey("if a { send x }\nrepeat 3 times { wait 7d  send tip }"),
    );
}

#[test]
fn steps_written_over_lines_stay_over_lines() {
    check(
        &journey("if a { send x\n} else { send y }\nwait for opened m within 1d {\nsend a }"),
        &journey(
            "if a {\n  send x\n} else {\n  send y\n}\nwait for opened m within 1d {\n  send a\n}",
        ),
    );
    check(
        &journey("wait for e within 1d\n{ send a }\notherwise { send b }"),
        &journey("wait for e within 1d {\n  send a\n} otherwise {\n  send b\n}"),
    );
}

#[test]
fn empty_blocks_are_braces_with_a_space() {
    check(
        &journey("if a {\n\n} else {}\nrepeat 2 times {\n}"),
        &journey("if a { } else { }\nrepeat 2 times { }"),
    );
}

#[test]
fn split_arms_align() {
    check(
        &journey("split {\n5% a { send x }\n50% holdout {\n}\n45% {\nsend y\n}\n}"),
        &journey("split {\n  5%  a       { send x }\n  50% holdout { }\n  45%         {\n    send y\n  }\n}"),
    );
    check(
        &journey("split {\n12.5% { send x }\n87.5% { }\n}"),
        &journey("split {\n  12.5% { send x }\n  87.5% { }\n}"),
    );
}

#[test]
fn allows_go_on_their_own_line() {
    check(
        "@allow(unused-declaration) segment s = x",
        "@allow(unused-declaration)\nsegment s = x\n",
    );
    check(
        &journey("@allow( repeated-message , frequency-cap, ) send a\n\n@allow(a)\n\n@allow(b)\n\nsend b"),
        &journey("@allow(repeated-message, frequency-cap)\nsend a\n\n@allow(a)\n@allow(b)\nsend b"),
    );
    // A step with an @allow inside does not go on one line.
    check(
        &journey("repeat 2 times { @allow(x) send a }"),
        &journey("repeat 2 times {\n  @allow(x)\n  send a\n}"),
    );
}

#[test]
fn expressions() {
    check(
        "segment s = not not a or b and ( c or (d) ) and x.y != 3 and z in [ \"a\" , \"b\", ] and w not in [] and q is set and r is not set and true",
        "segment s = not not a or b and (c or (d)) and x.y != 3 and z in [\"a\", \"b\"] and w not in [] and q is set and r is not set and true\n",
    );
    check(
        "segment s = did e where e.x > 1 and e.y within 7d at least 3 times or did f since entry or opened m or clicked n",
        "segment s = did e where e.x > 1 and e.y within 7d at least 3 times or did f since entry or opened m or clicked n\n",
    );
    check(
        "segment s = a < 1 and b <= 2 and c > 3.50 and d >= -1 and e == 2026-01-01 and f == 09:00 and g == 50% and h == 2w and i == false",
        "segment s = a < 1 and b <= 2 and c > 3.50 and d >= -1 and e == 2026-01-01 and f == 09:00 and g == 50% and h == 2w and i == false\n",
    );
}

#[test]
fn strings_are_escaped_canonically() {
    check(
        r#"message m { subject "a \"q\" \\ b\n {{ x | default: \"Hi\" }}" template "ü€" }"#,
        "message m { subject \"a \\\"q\\\" \\\\ b\\n {{ x | default: \\\"Hi\\\" }}\"  template \"ü€\" }\n",
    );
    assert_eq!(printer::quote("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
}

#[test]
fn leading_comments_stay_before_what_follows_them() {
    check(
        "// file\n\n// about s\nsegment s = x\n\n    // about c\ncampaign c {\n      // about trigger\n  trigger e\n  journey {\n  // first\n    send a\n\n        // last\n  }\n  // end of c\n}\n// end of file\n",
        "// file\n\n// about s\nsegment s = x\n\n// about c\ncampaign c {\n  // about trigger\n  trigger e\n  journey {\n    // first\n    send a\n\n    // last\n  }\n  // end of c\n}\n// end of file\n",
    );
}

#[test]
fn trailing_comments_keep_their_column() {
    check(
        "segment s = x          // far\nsegment tt = y // near\n",
        "segment s  = x         // far\nsegment tt = y // near\n",
    );
    // The code grew past the comment: one space after it.
    check(
        "segment s=x // c\nsegment longer_name = y\n",
        "segment s           = x // c\nsegment longer_name = y\n",
    );
    check(
        "campaign c { // opens\n  trigger e // trig\n  journey { // j\n    send a   // a\n  } // closes j\n} // closes c\n",
        "campaign c { // opens\n  trigger e // trig\n  journey { // j\n    send a   // a\n  } // closes j\n} // closes c\n",
    );
}

#[test]
fn a_comment_keeps_a_declaration_off_one_line() {
    check(
        "event e { a: text // the a\n b: number }",
        "event e {\n  a: text // the a\n  b: number\n}\n",
    );
    check(
        "event e { // nothing yet\n}",
        "event e { // nothing yet\n}\n",
    );
    check(
        &journey("split {\n  50% a {\n    // nobody\n  }\n  50% b { }\n}"),
        &journey("split {\n  50% a {\n    // nobody\n  }\n  50% b { }\n}"),
    );
}

#[test]
fn comments_inside_conditions_break_the_line() {
    check(
        "segment s = a // why a\n  and b\n",
        "segment s = a // why a\n    and b\n",
    );
    check(
        "segment s =\n  // why\n  a and b\n",
        "segment s =\n    // why\n    a and b\n",
    );
    check(
        "segment s = x in [\"a\", // first\n \"b\"] and did e // e\n within 1d\n",
        "segment s = x in [\"a\", // first\n    \"b\"] and did e // e\n    within 1d\n",
    );
    check(
        "@allow(a, // first\n b)\nsegment s = x",
        "@allow(a, // first\n    b)\nsegment s = x\n",
    );
}

#[test]
fn comments_between_braces_and_else() {
    check(
        &journey("if a {\n  send x\n} // x done\nelse {\n  send y\n}"),
        &journey("if a {\n  send x\n} // x done\nelse {\n  send y\n}"),
    );
    check(
        &journey("if a {\n  send x\n}\n// otherwise\nelse {\n  send y\n}"),
        &journey("if a {\n  send x\n}\n// otherwise\nelse {\n  send y\n}"),
    );
    check(
        &journey("if a // why\n{\n  send x\n}"),
        &journey("if a { // why\n  send x\n}"),
    );
}

#[test]
fn files_with_errors_are_not_formatted() {
    for src in [
        "segment s = a &&",
        "campaign c { trigger e journey { wait 2 } }",
        "message m { subject \"unclosed }",
        "campaign c { trigger e journey { wait 200000w } }",
        "segment s = 5",
        "message m { subject \"bad \\t escape\" }",
    ] {
        let d = format_source(src).unwrap_err();
        assert!(!d.is_empty(), "{src}");
        assert!(
            d.iter().all(|d| d.code != Code::InternalError),
            "{src}: {d:#?}"
        );
    }
}

#[test]
fn the_example_campaigns_are_in_the_house_style() {
    for (path, text) in crate::source::example_campaigns() {
        assert_eq!(fmt(&text), text, "{}", path.display());
    }
}

/// Issue 9, item 5: the parser and the printer agree on what whitespace is.
/// Unicode whitespace that is not `syntax::is_space`, put anywhere in a
/// file, is either inside a string or comment (and the file formats) or a
/// `syntax-error` (and the file is not formatted); never a panic, never an
/// internal error. Formatting keeps it, except at the end of a comment
/// (lines end without trailing whitespace).
#[test]
fn unicode_whitespace_anywhere_is_kept_or_a_syntax_error() {
    let sample = "segment s = a and (b or c) // c\nmessage m { channel email  template \"t\" }\n\ncampaign c {\n  trigger e\n  journey {\n    if x in [\"a\"] { send m } else { wait 1d }\n  }\n}\n";
    let foreign: Vec<char> = (0..=0x3000u32)
        .filter_map(char::from_u32)
        .filter(|&c| c.is_whitespace() && !crate::syntax::is_space(c))
        .collect();
    assert_eq!(foreign.len(), 21, "{foreign:?}");
    for c in foreign {
        for (i, _) in sample.char_indices() {
            let mut text = sample.to_string();
            text.insert(i, c);
            let parsed = parse_file(FileId(0), &text).1;
            match format_source(&text) {
                Ok(out) => {
                    assert!(parsed.is_empty());
                    let trailing = text[i + c.len_utf8()..].starts_with('\n');
                    assert!(out.contains(c) || trailing, "U+{:04X} at {i}", c as u32);
                }
                Err(d) => {
                    assert!(!parsed.is_empty(), "U+{:04X} at {i}: {d:#?}", c as u32);
                    assert!(d.iter().all(|d| d.code == Code::SyntaxError), "{d:#?}");
                }
            }
        }
    }
}

#[test]
fn history_conditions_and_priority() {
    check(
        "campaign c {\n  trigger e\n  priority   7\n  audience not  in campaign  d and not received any  email within 16h\n  journey {\n    if received  m since   entry at least 2 times or opened any within 1d or clicked any sms  within 2d { send m }\n  }\n}\n",
        "campaign c {\n  trigger e\n  priority 7\n  audience not in campaign d and not received any email within 16h\n  journey {\n    if received m since entry at least 2 times or opened any within 1d or clicked any sms within 2d {\n      send m\n    }\n  }\n}\n",
    );
}

#[test]
fn lists_dates_offers_sets_and_date_triggers() {
    check(
        "profile { tags:list   of text, sizes: list of one of \"s\",\"m\", born: date }\n",
        "profile { tags: list of text, sizes: list of one of \"s\", \"m\", born: date }\n",
    );
    check(
        "segment s = tags  contains \"a\" and tags is  not empty or sizes is empty\n",
        "segment s = tags contains \"a\" and tags is not empty or sizes is empty\n",
    );
    check(
        "message m { channel email  template \"t\"   offer \"bf-40\" }\n",
        "message m { channel email  template \"t\"  offer \"bf-40\" }\n",
    );
    check(
        &journey("set tags = [ \"a\" ,\"b\" ]\nset seen=now\nunset   tags"),
        &journey("set tags = [\"a\", \"b\"]\nset seen = now\nunset tags"),
    );
    check(
        "campaign c {\n  trigger   7d before born at 09:00   yearly\n  journey {\n    exit\n  }\n}\n",
        "campaign c {\n  trigger 7d before born at 09:00 yearly\n  journey {\n    exit\n  }\n}\n",
    );
    check(
        "campaign c {\n  trigger on  born at 09:00\n  journey {\n    exit\n  }\n}\n",
        "campaign c {\n  trigger on born at 09:00\n  journey {\n    exit\n  }\n}\n",
    );
}
