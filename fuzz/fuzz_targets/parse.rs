//! The parser on arbitrary bytes, as the loader feeds it: invalid UTF-8 is
//! reported by the loader, so only text reaches the parser. Every input
//! must end in a tree and diagnostics (no panic, hang or blow-up), and every
//! diagnostic's span must lie inside the text, on character boundaries (the
//! renderers slice the source with it).
#![no_main]

use libfuzzer_sys::fuzz_target;
use omnis::source::FileId;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // parse_file moves deep files to a big stack itself.
    let (_, diags) = omnis::syntax::parse_file(FileId(0), text);
    for d in &diags {
        let r = d.span.range();
        assert!(
            r.start <= r.end && r.end <= text.len() + 1,
            "{d:?} is outside the text"
        );
        if r.end <= text.len() {
            assert!(
                text.is_char_boundary(r.start) && text.is_char_boundary(r.end),
                "{d:?} cuts a character"
            );
        }
    }
});
