//! The catalogue of diagnostic codes: every code Omnis can report, its
//! default severity, a one-line summary, and the long explanation that
//! `omnis explain CODE` prints.
//!
//! The explanation of a code is the `//!` doc comment of the module that
//! implements it (`src/lints/*.rs` for lints, `src/errors/*.rs` for errors),
//! read at compile time, so the docs and the code cannot drift apart.

use crate::diagnostic::Severity;

/// One diagnostic code.
#[derive(Debug)]
pub struct CodeInfo {
    /// Stable kebab-case code.
    pub code: &'static str,
    /// Severity when nothing is configured.
    pub default_severity: Severity,
    /// Whether `omnis.toml` and `@allow` can change it (lints only).
    pub configurable: bool,
    /// One line: what the code means.
    pub summary: &'static str,
    /// The source of the implementing module; its `//!` lines are the docs.
    source: &'static str,
}

impl CodeInfo {
    /// The long explanation: the module's `//!` doc comment, as Markdown.
    pub fn explanation(&self) -> String {
        doc_comment(self.source)
    }
}

/// Extracts the leading `//!` lines of a Rust source file.
pub fn doc_comment(source: &str) -> String {
    let mut out = String::new();
    for line in source.lines() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("//!") {
            out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
            out.push('\n');
        } else if t.is_empty() && out.is_empty() {
            continue;
        } else {
            break;
        }
    }
    out.trim_end().to_string() + "\n"
}

macro_rules! code {
    ($code:literal, $sev:ident, $conf:literal, $summary:literal, $path:literal) => {
        CodeInfo {
            code: $code,
            default_severity: Severity::$sev,
            configurable: $conf,
            summary: $summary,
            source: include_str!($path),
        }
    };
}

/// Every code, errors first, then lints, each group alphabetical.
pub static CODES: &[CodeInfo] = &[
    code!(
        "config-error",
        Error,
        false,
        "`omnis.toml` has an unknown key, table, lint or level, or is not valid.",
        "errors/config_error.rs"
    ),
    code!(
        "cyclic-segment",
        Error,
        false,
        "A segment is defined in terms of itself.",
        "errors/cyclic_segment.rs"
    ),
    code!(
        "duplicate-name",
        Error,
        false,
        "A name is declared twice, or a property is given twice.",
        "errors/duplicate_name.rs"
    ),
    code!(
        "import-error",
        Error,
        false,
        "An import is missing, cyclic, or leaves the project root.",
        "errors/import_error.rs"
    ),
    code!(
        "instant-loop",
        Error,
        false,
        "A loop can go round with no time passing.",
        "lints/instant_loop.rs"
    ),
    code!(
        "invalid-value",
        Error,
        false,
        "A value is out of range or not one of the allowed values.",
        "errors/invalid_value.rs"
    ),
    code!(
        "missing-property",
        Error,
        false,
        "A required property is missing.",
        "errors/missing_property.rs"
    ),
    code!(
        "split-weights",
        Error,
        false,
        "Split weights do not add up to exactly 100%.",
        "errors/split_weights.rs"
    ),
    code!(
        "syntax-error",
        Error,
        false,
        "The text is not valid Omnis.",
        "errors/syntax_error.rs"
    ),
    code!(
        "type-mismatch",
        Error,
        false,
        "A value has the wrong type for where it is used.",
        "errors/type_mismatch.rs"
    ),
    code!(
        "unknown-name",
        Error,
        false,
        "A name is used that is not declared.",
        "errors/unknown_name.rs"
    ),
    code!(
        "control-sends",
        Warning,
        true,
        "A control or holdout split arm sends a message.",
        "lints/control_sends.rs"
    ),
    code!(
        "engagement-before-send",
        Warning,
        true,
        "`opened`/`clicked` of a message that may not have been sent yet.",
        "lints/engagement_before_send.rs"
    ),
    code!(
        "frequency-cap",
        Warning,
        true,
        "Some execution sends more than a `limit` allows.",
        "lints/frequency_cap.rs"
    ),
    code!(
        "missing-consent",
        Warning,
        true,
        "A messaging channel has no `consent` attribute.",
        "lints/missing_consent.rs"
    ),
    code!(
        "missing-quiet-hours",
        Warning,
        true,
        "A campaign sends on an sms, push or whatsapp channel with no quiet hours.",
        "lints/missing_quiet_hours.rs"
    ),
    code!(
        "no-goal",
        Warning,
        true,
        "A campaign that sends messages has neither `goal` nor `exit when`.",
        "lints/no_goal.rs"
    ),
    code!(
        "repeated-message",
        Warning,
        true,
        "A person can receive the same message or content twice.",
        "lints/repeated_message.rs"
    ),
    code!(
        "schedule-enters-once",
        Warning,
        true,
        "A daily or weekly campaign with the default `reentry never` enters each person once.",
        "lints/schedule_enters_once.rs"
    ),
    code!(
        "short-reentry",
        Warning,
        true,
        "`reentry after D` is shorter than the longest journey.",
        "lints/short_reentry.rs"
    ),
    code!(
        "unreachable-step",
        Warning,
        true,
        "No execution can reach this step.",
        "lints/unreachable_step.rs"
    ),
    code!(
        "untrackable-engagement",
        Warning,
        true,
        "`opened`/`clicked` of a message whose channel cannot report it: always false.",
        "lints/untrackable_engagement.rs"
    ),
    code!(
        "unused-allow",
        Warning,
        true,
        "An `@allow` silences nothing.",
        "lints/unused_allow.rs"
    ),
    code!(
        "unused-declaration",
        Warning,
        true,
        "A segment, channel or message is declared but never used.",
        "lints/unused_declaration.rs"
    ),
];

/// Looks a code up.
pub fn lookup(code: &str) -> Option<&'static CodeInfo> {
    CODES.iter().find(|c| c.code == code)
}

/// The closest known codes to a mistyped one, best first.
pub fn suggest(code: &str) -> Option<&'static str> {
    crate::suggest::did_you_mean(code, CODES.iter().map(|c| c.code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_kebab_case_unique_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for c in CODES {
            assert!(seen.insert(c.code), "{} listed twice", c.code);
            assert!(
                c.code
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '-'),
                "{} is not kebab-case",
                c.code
            );
            let doc = c.explanation();
            for section in ["## Why", "## Example", "## Fix"] {
                assert!(
                    doc.contains(section),
                    "{} docs lack `{section}`:\n{doc}",
                    c.code
                );
            }
            assert_eq!(
                c.configurable,
                c.default_severity == Severity::Warning,
                "{}",
                c.code
            );
        }
    }
}
