//! # unused-allow
//!
//! An `@allow(CODE)` that silences nothing: no finding of that lint starts
//! inside the declaration or step it is written before. Also reported: an
//! `@allow` of a code that does not exist (with a did-you-mean), and of an
//! error code, since errors cannot be allowed.
//!
//! ## Why
//! An allow is a note that says "we know, and it is fine here". Once the
//! journey changes and the finding goes away, the note stays and would
//! silently hide the next, different finding of the same lint in that
//! place. A misspelt code silences nothing at all, while looking as if it
//! did.
//!
//! ## Example
//! ```omni
//! campaign welcome {
//!   trigger newsletter_signup
//!   goal order_placed
//!   journey {
//!     @allow(repeated-mesage)   // misspelt: did you mean `repeated-message`?
//!     repeat 3 times { wait 7d  send weekly_tip }
//!     @allow(frequency-cap)     // nothing here can exceed a limit
//!     send thank_you
//!   }
//! }
//! ```
//!
//! ## Fix
//! Remove the allow, or correct the code. Errors such as `instant-loop`
//! must be fixed, not allowed. An `@allow` of a lint silences it only for
//! findings that start inside the declaration or step it is written before;
//! to turn a lint off for the whole project, set it to `"allow"` in the
//! `[lints]` table of `omnis.toml`.

use crate::codes;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::lints::{AllowTable, LintContext};

pub const CODE: Code = Code::UnusedAllow;

/// Runs every other lint, applies the allows, and reports those that
/// silenced nothing (not counting `@allow(unused-allow)` itself).
pub fn check(cx: &mut LintContext) -> Vec<Diagnostic> {
    let table = AllowTable::collect(cx.program);
    table.silence(super::run_all(cx));
    report(&table)
}

/// The allows of `table` that silenced nothing so far, the unknown ones,
/// and those of errors. `@allow(unused-allow)` entries are left to
/// [`report_unused_allow_allows`], once these have been silenced.
pub fn report(table: &AllowTable) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for e in &table.entries {
        if e.code == CODE.as_str() {
            continue;
        }
        if let Some(d) = diagnose(e) {
            out.push(d);
        }
    }
    out
}

/// `@allow(unused-allow)` entries that silenced nothing.
pub fn report_unused_allow_allows(table: &AllowTable) -> Vec<Diagnostic> {
    table
        .entries
        .iter()
        .filter(|e| e.code == CODE.as_str())
        .filter_map(diagnose)
        .collect()
}

fn diagnose(e: &super::AllowEntry) -> Option<Diagnostic> {
    let loc = e.code_loc;
    match codes::lookup(&e.code) {
        None => {
            let mut d = Diagnostic::warning(
                CODE,
                loc.file,
                loc.span,
                format!("`@allow({})` names no known lint", e.code),
            );
            d = match codes::suggest(&e.code) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => {
                    d.with_help("see `omnis explain` for the list of lints, or remove this allow")
                }
            };
            Some(d)
        }
        Some(info) if !info.configurable => Some(
            Diagnostic::warning(
                CODE,
                loc.file,
                loc.span,
                format!(
                    "`{}` is an error and cannot be allowed; this `@allow` has no effect",
                    info.code
                ),
            )
            .with_help(format!(
                "fix what `{}` reports, and remove it from the `@allow`",
                info.code
            )),
        ),
        Some(_) if e.used.get() => None,
        Some(info) => Some(
            Diagnostic::warning(
                CODE,
                loc.file,
                loc.span,
                format!(
                    "`@allow({})` silences nothing: there is no `{}` finding here",
                    info.code, info.code
                ),
            )
            .with_help("remove it, or move it before the step where the finding starts"),
        ),
    }
}
