//! `omnis fmt` over every `.omni` file we have (campaigns/ and the UI
//! fixtures that parse), over rewrapped variants of
//! them, and over random programs: formatting succeeds, is idempotent, keeps
//! every comment exactly once and keeps the syntax tree (spans aside).

mod common;

use std::path::{Path, PathBuf};

use omnis::driver::{analyze, Options};
use omnis::fmt::equiv::same_tree;
use omnis::fmt::{comment_texts, format_source};
use omnis::plan::{emit::emit_all, Plan};
use omnis::source::FileId;
use omnis::syntax::parse_file;
use proptest::prelude::*;

use common::root;

fn omni_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            omni_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "omni") {
            out.push(p);
        }
    }
}

/// Every `.omni` file of the corpus that parses without errors, with its text.
fn corpus() -> Vec<(PathBuf, String)> {
    let mut paths = Vec::new();
    for dir in ["campaigns", "tests/ui"] {
        omni_files(&root().join(dir), &mut paths);
    }
    let files: Vec<(PathBuf, String)> = paths
        .into_iter()
        .map(|p| {
            let t = common::read(&p);
            (p, t)
        })
        .filter(|(_, t)| parse_file(FileId(0), t).1.is_empty())
        .collect();
    assert!(files.len() >= 40, "only {} files", files.len());
    files
}

/// Checks every promise of the formatter on `text`; returns the output.
#[track_caller]
fn check_invariants(what: &str, text: &str) -> String {
    let (before, diags) = parse_file(FileId(0), text);
    assert!(diags.is_empty(), "{what} does not parse: {diags:#?}");
    let once = format_source(text).unwrap_or_else(|d| panic!("{what}: {d:#?}\n{text}"));
    let (after, diags) = parse_file(FileId(0), &once);
    assert!(diags.is_empty(), "{what}: output does not parse:\n{once}");
    assert!(
        same_tree(&before, &after),
        "{what}: the tree changed:\n{once}"
    );
    assert_eq!(
        comment_texts(text, &before.comments),
        comment_texts(&once, &after.comments),
        "{what}: comments changed:\n{once}"
    );
    let twice = format_source(&once).unwrap_or_else(|d| panic!("{what} (again): {d:#?}"));
    assert_eq!(once, twice, "{what}: not idempotent");
    assert!(once.is_empty() || once.ends_with('\n') && !once.ends_with("\n\n"));
    for line in once.lines() {
        assert_eq!(line, line.trim_end(), "{what}: trailing spaces");
    }
    once
}

#[test]
fn every_corpus_file_formats_idempotently_with_its_tree_and_comments() {
    for (path, text) in corpus() {
        check_invariants(&path.display().to_string(), &text);
    }
}

#[test]
fn the_campaigns_are_formatted() {
    let mut paths = Vec::new();
    omni_files(&root().join("campaigns"), &mut paths);
    for p in paths {
        let text = common::read(&p);
        assert_eq!(
            format_source(&text).unwrap(),
            text,
            "{} is not formatted: run `omnis fmt campaigns`",
            p.display()
        );
    }
}

#[test]
fn the_examples_in_the_docs_are_formatted() {
    for doc in ["README.md", "docs/language.md"] {
        let text = common::read(&root().join(doc));
        let mut rest = text.as_str();
        let mut checked = 0;
        while let Some(start) = rest.find("```omni\n") {
            let body = &rest[start + "```omni\n".len()..];
            let end = body.find("```").expect("closed code block");
            let example = &body[..end];
            rest = &body[end + 3..];
            // Sketches with `...` in them are not programs.
            if let Ok(formatted) = format_source(example) {
                assert_eq!(formatted, example, "{doc}: an example is not formatted");
                checked += 1;
            }
        }
        assert!(checked > 0, "{doc}: no example checked");
    }
}

/// Whether each byte of `line` is code (outside strings and comments), and
/// where its comment starts.
fn scan_line(line: &str) -> (Vec<bool>, Option<usize>) {
    let b = line.as_bytes();
    let mut code = vec![true; b.len()];
    let mut in_string = false;
    let mut i = 0;
    while i < b.len() {
        if !in_string && b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            code[i..].iter_mut().for_each(|x| *x = false);
            return (code, Some(i));
        }
        if b[i] == b'"' {
            in_string = !in_string;
            code[i] = false;
        } else if in_string {
            code[i] = false;
            if b[i] == b'\\' && i + 1 < b.len() {
                code[i + 1] = false;
                i += 1;
            }
        }
        i += 1;
    }
    (code, None)
}

fn code_positions(line: &str) -> Vec<bool> {
    scan_line(line).0
}

fn comment_start(line: &str) -> Option<usize> {
    scan_line(line).1
}

/// The same program laid out differently: every line joined to the next
/// unless it has a comment.
fn joined(text: &str) -> String {
    let mut s = String::new();
    for line in text.lines() {
        s.push_str(line.trim());
        s.push(if line.contains("//") { '\n' } else { ' ' });
    }
    s
}

/// The same program with a line break after every `{` and around every `}`
/// and `,`, and indentation gone.
fn exploded(text: &str) -> String {
    let mut s = String::new();
    for line in text.lines() {
        let code = code_positions(line);
        for (i, c) in line.trim_start().char_indices() {
            let at = i + (line.len() - line.trim_start().len());
            if code.get(at).copied().unwrap_or(false) && matches!(c, '}' | ',') {
                s.push('\n');
            }
            s.push(c);
            if code.get(at).copied().unwrap_or(false) && matches!(c, '{' | '}' | ',') {
                s.push('\n');
            }
        }
        s.push('\n');
    }
    s
}

#[test]
fn rewrapped_corpus_files_keep_their_tree_and_comments() {
    for (path, text) in corpus() {
        let name = path.display().to_string();
        for (how, variant) in [
            ("joined", joined(&text)),
            ("exploded", exploded(&text)),
            ("crlf", text.replace('\n', "\r\n")),
            ("indented", text.replace('\n', "\n\t   ")),
        ] {
            let what = format!("{name} ({how})");
            let (a, _) = parse_file(FileId(0), &text);
            let (b, d) = parse_file(FileId(0), &variant);
            assert!(d.is_empty(), "{what}: the variant does not parse: {d:#?}");
            assert!(same_tree(&a, &b), "{what}: the variant is another program");
            check_invariants(&what, &variant);
        }
    }
}

/// The plans of the campaigns in `dir`, as JSON, with what depends on the
/// layout of the source or where it is left out: the files' hashes and
/// folders, and the steps' lines and columns.
fn plans_of(dir: &Path) -> Vec<String> {
    let analysis = analyze(&Options {
        paths: vec![dir.to_path_buf()],
    })
    .expect("loads");
    assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
    emit_all(&analysis.program, &analysis.sources)
        .into_iter()
        .map(|mut p: Plan| {
            p.source.sha256.clear();
            p.source.path = p.source.path.rsplit('/').next().unwrap().to_string();
            for n in &mut p.nodes {
                n.line = 0;
                n.column = 0;
            }
            p.to_json()
        })
        .collect()
}

#[test]
fn formatting_does_not_change_the_plans_of_the_campaigns() {
    let campaigns = root().join("campaigns");
    let before = plans_of(&campaigns);
    assert!(before.len() >= 10, "{} plans", before.len());
    type Transform = fn(&str) -> String;
    let transforms: [(&str, Transform); 3] = [
        ("formatted", |t| t.to_string()),
        ("joined, then formatted", joined),
        ("exploded, then formatted", exploded),
    ];
    for (how, transform) in transforms {
        let dir = tempfile::tempdir().unwrap();
        for path in common::read_dir(&campaigns) {
            let name = path.file_name().unwrap();
            let text = common::read(&path);
            let text = if path.extension().is_some_and(|e| e == "omni") {
                format_source(&transform(&text)).unwrap()
            } else {
                text
            };
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let after = plans_of(dir.path());
        assert_eq!(before.len(), after.len(), "{how}");
        for (b, a) in before.iter().zip(&after) {
            if b != a {
                let diff = similar::TextDiff::from_lines(b, a);
                panic!("{how}: a plan changed:\n{}", diff.unified_diff());
            }
        }
    }
}

#[test]
fn deeply_nested_input_formats() {
    let depth = 200;
    let src = format!(
        "segment s = {}a{}\ncampaign c {{\n  trigger e\n  journey {{\n{}{}  }}\n}}\n",
        "(".repeat(depth),
        ")".repeat(depth),
        "if x {\n".repeat(depth / 2),
        "}\n".repeat(depth / 2),
    );
    let out = omnis::stack::with_big_stack("test", move || format_source(&src));
    let out = out.unwrap();
    assert!(out.contains(&format!("{}a{}", "(".repeat(depth), ")".repeat(depth))));
}

// ---------------------------------------------------------------- random programs

/// A small deterministic generator (xorshift), seeded by proptest.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const NAMES: &[&str] = &["a", "b", "email", "vip_1", "channel", "x_long_name"];
const STRINGS: &[&str] = &[
    "\"\"",
    "\"t\"",
    "\"a \\\"q\\\" \\\\ b\\n\"",
    "\"{{ a | default: \\\"Hi\\\" }}\"",
    "\"ü € //not a comment\"",
];
const DURATIONS: &[&str] = &["1s", "30m", "1d12h", "2w"];
const TIMES: &[&str] = &["09:00", "9:30", "23:59"];

/// Tokens of a random program.
struct Program {
    g: Gen,
    toks: Vec<String>,
}

impl Program {
    fn t(&mut self, s: &str) {
        self.toks.push(s.to_string());
    }
    fn name(&mut self) {
        let n = self.g.pick(NAMES);
        self.t(n);
    }
    fn string(&mut self) {
        let s = self.g.pick(STRINGS);
        self.t(s);
    }
    fn duration(&mut self) {
        let d = self.g.pick(DURATIONS);
        self.t(d);
    }
    fn time(&mut self) {
        let d = self.g.pick(TIMES);
        self.t(d);
    }
    fn allows(&mut self) {
        while self.g.chance(15) {
            self.t("@allow");
            self.t("(");
            self.t("repeated-message");
            if self.g.chance(50) {
                self.t(",");
                self.t("frequency-cap");
            }
            if self.g.chance(30) {
                self.t(",");
            }
            self.t(")");
        }
    }
    fn operand(&mut self) {
        match self.g.below(6) {
            0 => self.string(),
            1 => self.t("42"),
            2 => self.t("19.990"),
            3 => self.t("2026-12-01"),
            4 => self.t("50%"),
            _ => self.t("a.b"),
        }
    }
    fn expr(&mut self, depth: usize) {
        let k = if depth == 0 {
            4 + self.g.below(7)
        } else {
            self.g.below(11)
        };
        match k {
            0 | 1 => {
                let n = 2 + self.g.below(2);
                for i in 0..n {
                    if i > 0 {
                        self.t(if k == 0 { "and" } else { "or" });
                    }
                    self.expr(depth - 1);
                }
            }
            2 => {
                self.t("not");
                self.expr(depth - 1);
            }
            3 => {
                self.t("(");
                self.expr(depth - 1);
                self.t(")");
            }
            4 => self.name(),
            5 => {
                self.name();
                let op = self.g.pick(&["==", "!=", "<", "<=", ">", ">="]);
                self.t(op);
                self.operand();
            }
            6 => {
                self.name();
                if self.g.chance(50) {
                    self.t("not");
                }
                self.t("in");
                self.t("[");
                let n = self.g.below(3);
                for i in 0..n {
                    if i > 0 {
                        self.t(",");
                    }
                    self.operand();
                }
                self.t("]");
            }
            7 => {
                self.name();
                self.t("is");
                if self.g.chance(50) {
                    self.t("not");
                }
                self.t("set");
            }
            8 => {
                self.t("did");
                self.name();
                if depth > 0 && self.g.chance(30) {
                    self.t("where");
                    self.expr(depth - 1);
                }
                match self.g.below(3) {
                    0 => {
                        self.t("within");
                        self.duration();
                    }
                    1 => {
                        self.t("since");
                        self.t("entry");
                    }
                    _ => {}
                }
                if self.g.chance(30) {
                    self.t("at");
                    self.t("least");
                    self.t("3");
                    self.t("times");
                }
            }
            9 => {
                let k = self.g.pick(&["opened", "clicked"]);
                self.t(k);
                self.name();
            }
            _ => {
                let b = self.g.pick(&["true", "false"]);
                self.t(b);
            }
        }
    }
    fn block(&mut self, depth: usize) {
        self.t("{");
        let n = self.g.below(4);
        for _ in 0..n {
            self.step(depth);
        }
        self.t("}");
    }
    fn step(&mut self, depth: usize) {
        self.allows();
        let k = if depth == 0 {
            self.g.below(5)
        } else {
            self.g.below(10)
        };
        match k {
            0 => {
                self.t("send");
                self.name();
            }
            1 => {
                self.t("wait");
                self.duration();
            }
            2 => {
                self.t("wait");
                self.t("until");
                if self.g.chance(50) {
                    self.t("mon");
                }
                self.time();
            }
            3 => {
                self.t("goto");
                self.name();
            }
            4 => self.t("exit"),
            5 => {
                self.t("wait");
                self.t("for");
                match self.g.below(3) {
                    0 => self.t("opened"),
                    1 => self.t("clicked"),
                    _ => {}
                }
                self.name();
                if self.g.chance(30) {
                    // In parentheses: a `did` at the end of the filter
                    // would take the `within` for its own.
                    self.t("where");
                    self.t("(");
                    self.expr(1);
                    self.t(")");
                }
                self.t("within");
                self.duration();
                if self.g.chance(60) {
                    self.block(depth - 1);
                }
                if self.g.chance(50) {
                    self.t("otherwise");
                    self.block(depth - 1);
                }
            }
            6 => {
                self.t("if");
                self.expr(2);
                self.block(depth - 1);
                while self.g.chance(30) {
                    self.t("else");
                    self.t("if");
                    self.expr(1);
                    self.block(depth - 1);
                }
                if self.g.chance(50) {
                    self.t("else");
                    self.block(depth - 1);
                }
            }
            7 => {
                self.t("split");
                self.t("{");
                for _ in 0..self.g.below(4) {
                    let w = self.g.pick(&["5%", "50%", "12.5%", "100%"]);
                    self.t(w);
                    if self.g.chance(60) {
                        self.name();
                    }
                    self.block(depth - 1);
                }
                self.t("}");
            }
            8 => {
                self.t("repeat");
                self.t("3");
                self.t("times");
                self.block(depth - 1);
            }
            _ => {
                self.t("step");
                self.name();
                self.block(depth - 1);
            }
        }
    }
    fn fields(&mut self) {
        self.t("{");
        for _ in 0..self.g.below(4) {
            self.name();
            self.t(":");
            if self.g.chance(20) {
                self.t("one");
                self.t("of");
                self.string();
                self.t(",");
                self.string();
            } else {
                let ty = self.g.pick(&["text", "number", "bool", "time"]);
                self.t(ty);
            }
            if self.g.chance(50) {
                self.t(",");
            }
        }
        self.t("}");
    }
    fn item(&mut self) {
        self.allows();
        match self.g.below(7) {
            0 => {
                self.t("import");
                self.string();
            }
            1 => {
                self.t("profile");
                self.fields();
            }
            2 => {
                self.t("event");
                self.name();
                self.fields();
            }
            3 => {
                self.t("channel");
                self.name();
                self.t("{");
                for _ in 0..self.g.below(4) {
                    match self.g.below(5) {
                        0 => {
                            self.t("kind");
                            self.name();
                        }
                        1 => {
                            self.t("consent");
                            self.name();
                        }
                        2 => {
                            self.t("quiet_hours");
                            self.time();
                            self.t("to");
                            self.time();
                        }
                        3 => {
                            self.t("limit");
                            self.t("2");
                            self.t("per");
                            self.duration();
                        }
                        _ => {
                            self.t("description");
                            self.string();
                        }
                    }
                }
                self.t("}");
            }
            4 => {
                self.t("segment");
                self.name();
                self.t("=");
                self.expr(3);
            }
            5 => {
                self.t("message");
                self.name();
                self.t("{");
                for _ in 0..self.g.below(5) {
                    match self.g.below(5) {
                        0 => {
                            self.t("channel");
                            self.name();
                        }
                        1 => {
                            self.t("template");
                            self.string();
                        }
                        2 => {
                            self.t("subject");
                            self.string();
                        }
                        3 => {
                            self.t("description");
                            self.string();
                        }
                        _ => {
                            self.t("vars");
                            self.t("{");
                            for _ in 0..self.g.below(3) {
                                self.name();
                                self.t(":");
                                let v = self.g.pick(&["1", "-2.5", "true", "\"v\""]);
                                self.t(v);
                                if self.g.chance(50) {
                                    self.t(",");
                                }
                            }
                            self.t("}");
                        }
                    }
                }
                self.t("}");
            }
            _ => {
                self.t("campaign");
                self.name();
                self.t("{");
                for _ in 0..self.g.below(4) {
                    match self.g.below(9) {
                        0 => {
                            self.t("trigger");
                            match self.g.below(5) {
                                0 => {
                                    self.name();
                                    if self.g.chance(50) {
                                        self.t("where");
                                        self.expr(2);
                                    }
                                }
                                1 => {
                                    self.t("enters");
                                    self.name();
                                }
                                2 => {
                                    self.t("daily");
                                    self.t("at");
                                    self.time();
                                }
                                3 => {
                                    self.t("weekly");
                                    self.t("on");
                                    self.t("fri");
                                    self.t("at");
                                    self.time();
                                }
                                _ => {
                                    self.t("once");
                                    self.t("at");
                                    self.t("2026-12-01");
                                    self.time();
                                }
                            }
                        }
                        1 => {
                            self.t("audience");
                            self.expr(2);
                        }
                        2 => {
                            self.t("reentry");
                            match self.g.below(3) {
                                0 => self.t("never"),
                                1 => self.t("always"),
                                _ => {
                                    self.t("after");
                                    self.duration();
                                }
                            }
                        }
                        3 => {
                            self.t("goal");
                            self.name();
                        }
                        4 => {
                            self.t("exit");
                            self.t("when");
                            self.name();
                        }
                        5 => {
                            self.t("limit");
                            self.t("3");
                            self.t("per");
                            self.duration();
                        }
                        6 => {
                            self.t("window");
                            self.t("2026-11-27");
                            self.t("to");
                            self.t("2026-12-02");
                        }
                        7 => {
                            self.t("timezone");
                            self.string();
                        }
                        _ => {
                            self.t("description");
                            self.string();
                        }
                    }
                }
                self.t("journey");
                self.block(3);
                self.t("}");
            }
        }
    }
}

/// A random program: random declarations, with random whitespace, blank
/// lines and comments between every two tokens.
fn random_program(seed: u64) -> String {
    let mut p = Program {
        g: Gen(seed | 1),
        toks: Vec::new(),
    };
    for _ in 0..1 + p.g.below(6) {
        p.item();
    }
    let mut g = Gen(seed.rotate_left(17) | 1);
    let mut s = String::new();
    for (i, t) in p.toks.iter().enumerate() {
        if i > 0 {
            let sep = match g.below(20) {
                0 => format!("  // c{i}\n"),
                1 => format!("\n// c{i}\n"),
                2 => format!("\n\n  // c{i}\n\n"),
                3 | 4 => "\n".to_string(),
                5 => "\n\n\n".to_string(),
                6 => "   ".to_string(),
                _ => " ".to_string(),
            };
            s.push_str(&sep);
        }
        s.push_str(t);
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_programs_format_idempotently_with_their_tree_and_comments(seed in any::<u64>()) {
        let src = random_program(seed);
        check_invariants(&format!("seed {seed}:\n{src}\n"), &src);
    }

    #[test]
    fn random_programs_written_on_one_line_format_too(seed in any::<u64>()) {
        let src = random_program(seed);
        // Without comments, everything on one line.
        let flat: String = src
            .lines()
            .map(|l| &l[..comment_start(l).unwrap_or(l.len())])
            .collect::<Vec<_>>()
            .join(" ");
        check_invariants(&format!("seed {seed} (flat):\n{flat}\n"), &flat);
    }
}

// ---------------------------------------------------------------- damaged programs

/// What people and accidents put into files: brackets and quotes of every
/// kind, comments from other languages, Unicode whitespace, keywords.
const DAMAGE: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "\"",
    "'",
    "“",
    "”",
    "#",
    ";",
    ":",
    "=",
    "\n",
    " ",
    "é",
    "\u{A0}",
    "\u{2028}",
    "\u{B}",
    "\u{200B}",
    "@allow(",
    "message",
    "campaign x {",
    "wait",
    "1month",
    "monday 9am",
    "//",
    "\\",
];

/// `src` with a few random edits: text from [`DAMAGE`] inserted, a run
/// deleted, or a run repeated, at character boundaries.
fn damaged(src: &str, g: &mut Gen) -> String {
    let mut s = src.to_string();
    for _ in 0..1 + g.below(3) {
        let bounds: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
        let a = bounds[g.below(bounds.len())];
        let b = bounds[g.below(bounds.len())].max(a).min(a + 40);
        let b = *bounds.iter().find(|&&x| x >= b).unwrap();
        match g.below(3) {
            0 => s.insert_str(a, g.pick(DAMAGE)),
            1 => s.replace_range(a..b, ""),
            _ => {
                let run = s[a..b].to_string();
                s.insert_str(b, &run);
            }
        }
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever the damage, parsing and formatting end without a panic; every
    /// diagnostic and every declaration kept after an error points into the
    /// text, on character boundaries; a text that parses still formats with
    /// every guarantee, and one that does not is refused with its errors.
    #[test]
    fn damaged_programs_are_reported_never_a_panic(seed in any::<u64>()) {
        let mut g = Gen(seed | 1);
        let text = damaged(&random_program(seed), &mut g);
        let (file, diags) = parse_file(FileId(0), &text);
        let within = |s: omnis::source::Span| {
            s.start <= s.end
                && (s.end as usize) <= text.len()
                && text.is_char_boundary(s.start as usize)
                && text.is_char_boundary(s.end as usize)
        };
        for d in &diags {
            prop_assert!(within(d.span), "{d:?}\n{text}");
            prop_assert!(d.labels.iter().all(|l| within(l.span)), "{d:?}\n{text}");
        }
        for item in &file.items {
            prop_assert!(within(item.span), "{item:?}\n{text}");
            prop_assert!(!item.recovered || !diags.is_empty());
        }
        if diags.is_empty() {
            check_invariants(&format!("seed {seed} (damaged):\n{text}\n"), &text);
        } else {
            let refused = format_source(&text).unwrap_err();
            prop_assert!(refused.iter().all(|d| d.code != omnis::codes::Code::InternalError));
        }
    }
}
