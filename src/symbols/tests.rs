//! Definitions and references of every kind of name, across files, checked
//! against every place the name is written: an index complete enough for
//! rename lists each whole-word occurrence of a (unique) name exactly once.

use super::*;
use crate::driver::{analyze, Analysis, Options};

const LIB: &str = r#"// The shared vocabulary.
profile {
  first_name: text
  country: text
  email_opt_in: bool
}

event order_placed { order_id: text, total: number }
event cart_abandoned { cart_value: number }

channel mail { kind email  consent email_opt_in }

segment germans = country == "DE"
segment big_germans = germans and did order_placed where order_placed.total > 100 within 30d

message welcome {
  channel mail
  template "welcome"
  subject "Hi {{ first_name }}, about {{ order_placed.order_id }}"
}
"#;

const MAIN: &str = r#"import "lib.omni"

campaign onboarding {
  trigger order_placed where order_placed.total > 10
  audience germans
  goal cart_abandoned
  journey {
    send welcome
    step again {
      wait for opened welcome within 2d
      wait 1d
      if order_placed.total > 50 and first_name is set and not clicked welcome { goto again }
    }
  }
}

campaign reentered {
  trigger enters big_germans
  exit when cart_abandoned
  journey {
    wait for cart_abandoned where cart_abandoned.cart_value > 5 within 1d
    send nudge
  }
}

message nudge { channel mail  template "nudge" }
"#;

struct Fixture {
    a: Analysis,
    _dir: tempfile::TempDir,
}

impl Fixture {
    fn new(files: &[(&str, &str)]) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("omnis.toml"), "").unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let a = analyze(&Options {
            paths: vec![dir.path().join(files.last().unwrap().0)],
        })
        .unwrap();
        Fixture { a, _dir: dir }
    }

    fn index(&self) -> &SymbolIndex {
        &self.a.program.symbols
    }

    fn file(&self, name: &str) -> FileId {
        (0..self.a.sources.len() as u32)
            .map(FileId)
            .find(|&f| {
                let n = &self.a.sources.get(f).name;
                n == name || n.ends_with(&format!("/{name}"))
            })
            .unwrap_or_else(|| {
                let names: Vec<_> = (0..self.a.sources.len() as u32)
                    .map(|f| self.a.sources.get(FileId(f)).name.clone())
                    .collect();
                panic!("no file {name} in {names:?}")
            })
    }

    fn text(&self, f: FileId, s: Span) -> &str {
        self.a.sources.get(f).slice(s)
    }

    /// Every whole-word occurrence of `word` in every file, in file order.
    fn written(&self, word: &str) -> Vec<(FileId, Span)> {
        let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        let mut out = Vec::new();
        for f in (0..self.a.sources.len() as u32).map(FileId) {
            let text = &self.a.sources.get(f).text;
            let bytes = text.as_bytes();
            for (i, _) in text.match_indices(word) {
                let end = i + word.len();
                if (i == 0 || !ident(bytes[i - 1])) && bytes.get(end).is_none_or(|&b| !ident(b)) {
                    out.push((f, Span::new(i, end)));
                }
            }
        }
        out
    }

    /// The one symbol of `kind` named `name`.
    fn symbol(&self, kind: SymbolKind, name: &str) -> SymbolId {
        let found: Vec<SymbolId> = (0..self.index().definitions().len() as u32)
            .map(SymbolId)
            .filter(|&s| {
                let d = self.index().definition(s);
                d.target.kind() == kind && d.name == name
            })
            .collect();
        assert_eq!(found.len(), 1, "{kind:?} {name}: {found:?}");
        found[0]
    }

    /// The symbol is defined in `def_file`, every other place its name is
    /// written (but those in `skip`) is a reference to it, and
    /// go-to-definition from any offset inside any of them (start, middle,
    /// end) lands on the definition.
    fn check(&self, kind: SymbolKind, name: &str, def_file: &str, skip: &[usize]) {
        let ix = self.index();
        let sym = self.symbol(kind, name);
        let def = ix.definition(sym);
        assert_eq!(
            def.file,
            self.file(def_file),
            "{name} defined in {def_file}"
        );
        assert_eq!(self.text(def.file, def.span), name);
        let expected: Vec<(FileId, Span)> = self
            .written(name)
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !skip.contains(i))
            .map(|(_, s)| s)
            .collect();
        assert!(expected.len() > 1, "{name} is used in the fixture");
        let mut got = ix.occurrences(sym);
        got.sort();
        let mut want = expected.clone();
        want.sort();
        assert_eq!(got, want, "the places `{name}` is written");
        assert!(expected.contains(&(def.file, def.span)));
        for (f, s) in expected {
            for offset in [s.start, (s.start + s.end) / 2, s.end] {
                assert_eq!(
                    ix.symbol_at(f, offset as usize),
                    Some(sym),
                    "{name} at {offset}"
                );
                let d = ix.definition_at(f, offset as usize).unwrap();
                assert_eq!((d.file, d.span), (def.file, def.span));
            }
        }
    }
}

fn fixture() -> Fixture {
    let fx = Fixture::new(&[("lib.omni", LIB), ("main.omni", MAIN)]);
    let errors: Vec<_> = fx.a.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    fx
}

#[test]
fn attributes() {
    let fx = fixture();
    // In a condition, a placeholder, another file's condition.
    fx.check(SymbolKind::Attribute, "first_name", "lib.omni", &[]);
    fx.check(SymbolKind::Attribute, "country", "lib.omni", &[]);
    // `consent NAME` on a channel.
    fx.check(SymbolKind::Attribute, "email_opt_in", "lib.omni", &[]);
}

#[test]
fn segments() {
    // In another segment, an audience, `trigger enters`.
    let fx = fixture();
    fx.check(SymbolKind::Segment, "germans", "lib.omni", &[]);
    fx.check(SymbolKind::Segment, "big_germans", "lib.omni", &[]);
}

#[test]
fn events() {
    // `did`, `where EVENT.field`, a placeholder, `trigger`, `goal`,
    // `exit when`, `wait for`.
    let fx = fixture();
    fx.check(SymbolKind::Event, "order_placed", "lib.omni", &[]);
    fx.check(SymbolKind::Event, "cart_abandoned", "lib.omni", &[]);
}

#[test]
fn event_fields() {
    // A `did ... where` field, a trigger field, a placeholder field, a
    // `wait for ... where` field.
    let fx = fixture();
    fx.check(SymbolKind::Field, "total", "lib.omni", &[]);
    fx.check(SymbolKind::Field, "order_id", "lib.omni", &[]);
    fx.check(SymbolKind::Field, "cart_value", "lib.omni", &[]);
    let ix = fx.index();
    let total = ix.definition(fx.symbol(SymbolKind::Field, "total"));
    let order_placed =
        fx.a.program
            .events
            .iter()
            .position(|e| e.name == "order_placed");
    assert_eq!(
        total.target,
        Target::Field(EventId(order_placed.unwrap() as u32), 1)
    );
}

#[test]
fn channels() {
    let fx = fixture();
    fx.check(SymbolKind::Channel, "mail", "lib.omni", &[]);
}

#[test]
fn messages() {
    // `send`, `wait for opened`, `clicked` in a condition; the template
    // string "welcome" is not the message's name.
    let fx = fixture();
    let template = fx
        .written("welcome")
        .iter()
        .position(|&(f, s)| {
            fx.text(f, Span::new(s.start as usize - 1, s.end as usize + 1)) == "\"welcome\""
        })
        .unwrap();
    fx.check(SymbolKind::Message, "welcome", "lib.omni", &[template]);
}

#[test]
fn steps_and_gotos() {
    let fx = fixture();
    fx.check(SymbolKind::Step, "again", "main.omni", &[]);
}

#[test]
fn campaigns_are_defined_with_their_name() {
    let fx = fixture();
    let ix = fx.index();
    let s = fx.symbol(SymbolKind::Campaign, "onboarding");
    let d = ix.definition(s);
    assert_eq!(d.file, fx.file("main.omni"));
    assert_eq!(fx.text(d.file, d.span), "onboarding");
    assert_eq!(ix.symbol_at(d.file, d.span.start as usize + 2), Some(s));
    assert!(!ix.is_used(s));
}

#[test]
fn imports_refer_to_files() {
    let fx = fixture();
    let ix = fx.index();
    let main = fx.file("main.omni");
    let lib = fx.file("lib.omni");
    let lib_sym = ix.symbol(Target::File(lib)).unwrap();
    let refs: Vec<_> = ix.references(lib_sym).collect();
    assert_eq!(refs.len(), 1);
    assert_eq!(fx.text(main, refs[0].span), "\"lib.omni\"");
    let d = ix
        .definition_at(main, refs[0].span.start as usize + 3)
        .unwrap();
    assert_eq!((d.target, d.file), (Target::File(lib), lib));
    // A file has no written name: renaming it edits only its imports.
    assert_eq!(ix.occurrences(lib_sym), vec![(main, refs[0].span)]);
}

#[test]
fn nothing_between_names() {
    let fx = fixture();
    let ix = fx.index();
    let main = fx.file("main.omni");
    let at = MAIN.find("journey {").unwrap();
    assert_eq!(ix.symbol_at(main, at + 2), None);
    assert_eq!(ix.symbol_at(main, MAIN.len() + 10), None);
}

#[test]
fn unknown_names_are_not_references() {
    // A misspelt name is reported and refers to nothing; the right one
    // still does.
    let fx = Fixture::new(&[(
        "t.omni",
        "profile { country: text }\nsegment de = countri == \"DE\"\nsegment fr = country == \"FR\"\n",
    )]);
    let ix = fx.index();
    let country = fx.symbol(SymbolKind::Attribute, "country");
    assert_eq!(ix.references(country).count(), 1);
    let f = fx.file("t.omni");
    let typo = fx.a.sources.get(f).text.find("countri").unwrap();
    assert_eq!(ix.symbol_at(f, typo + 1), None);
}

#[test]
fn references_are_sorted_and_deterministic() {
    let a = fixture();
    let b = fixture();
    // The same index but for the names of the (temporary) folders.
    let shape = |fx: &Fixture| {
        let ix = fx.index();
        let defs: Vec<_> = ix
            .definitions()
            .iter()
            .map(|d| (d.target, d.file, d.span))
            .collect();
        (defs, ix.all_references().to_vec())
    };
    assert_eq!(shape(&a), shape(&b));
    let refs = a.index().all_references();
    assert!(refs
        .windows(2)
        .all(|w| (w[0].file, w[0].span) < (w[1].file, w[1].span)));
}
