//! The catalogue of diagnostic codes: every code Omnis can report, its
//! default severity, a one-line summary, and the long explanation that
//! `omnis explain CODE` prints.
//!
//! Each code is declared once, as a row of [`code_table!`]. From that table
//! come the [`Code`] type that every [`Diagnostic`](crate::diagnostic::Diagnostic)
//! carries (so a mistyped code does not compile), the catalogue [`CODES`]
//! (`omnis explain`, the SARIF rules, the `omnis.toml` `[lints]` validation,
//! `omnis init`, the UI-fixture coverage test) and the lints that
//! `lints::run_all` runs.
//!
//! The explanation of a lint is the `//!` doc comment of the module that
//! implements it (`src/lints/*.rs`). Error codes are reported by several
//! stages (parse, load, resolve); the explanation of each is a Markdown file
//! in `src/codes/docs/`, named after the code. Both are read at compile
//! time, so the docs and the code cannot drift apart.

use std::fmt;

use crate::diagnostic::Severity;

/// The table of codes, one row per code, in catalogue order: errors first,
/// then warnings, each group alphabetical. It calls `$then!` with the rows,
/// so that each consumer expands the one table into what it needs (this
/// module: [`Code`] and [`CODES`]; `lints`: `run_all`). A row is
///
/// ```text
/// Variant "kebab-code" DefaultSeverity "Summary." => source;
/// ```
///
/// where `source` says what reports the code and where it is explained:
/// - `doc`: an error reported by the stages, explained in
///   `src/codes/docs/<code>.md`;
/// - `lint module`: a lint, `crate::lints::module::check`, run by
///   `lints::run_all` and explained by the module's `//!` comment;
/// - `project_lint module`: a lint of the project stage, over every
///   campaign checked together, `crate::lints::module::check` on a
///   [`crate::project::ProjectContext`], run by `lints::run_project`;
/// - `allow_lint module`: a lint about `@allow`s themselves, reported by
///   `lints::run` once the allows are applied, explained likewise.
///
/// The rows of `internal` are codes about Omnis itself, not the input
/// (a bug caught before it does harm): they are not in the catalogue, so
/// `omnis explain`, SARIF and `omnis.toml` do not know them.
///
/// Lints whose default severity is `Warning` are the configurable ones
/// (`omnis.toml` levels, `@allow`); errors are always errors.
macro_rules! code_table {
    ($then:ident) => {
        $then! {
            catalogue {
            ConfigError "config-error" Error "`omnis.toml` has an unknown key, table, lint or level, or is not valid." => doc;
            CyclicSegment "cyclic-segment" Error "A segment is defined in terms of itself." => doc;
            DuplicateName "duplicate-name" Error "A name is declared twice, or a property is given twice." => doc;
            ImportError "import-error" Error "An import is missing, cyclic, or leaves the project root." => doc;
            InstantLoop "instant-loop" Error "A loop can go round with no time passing." => lint instant_loop;
            InvalidValue "invalid-value" Error "A value is out of range or not one of the allowed values." => doc;
            MissingProperty "missing-property" Error "A required property is missing." => doc;
            SplitWeights "split-weights" Error "Split weights do not add up to exactly 100%." => doc;
            SyntaxError "syntax-error" Error "The text is not valid Omnis." => doc;
            TimeOutOfRange "time-out-of-range" Error "A window or a journey reaches past the year 9999." => lint time_range;
            TypeMismatch "type-mismatch" Error "A value has the wrong type for where it is used." => doc;
            UnknownName "unknown-name" Error "A name is used that is not declared." => doc;
            ChannelBudget "channel-budget" Warning "Campaigns that start together send more on a channel than its `limit` allows." => project_lint channel_budget;
            CompetingCampaigns "competing-campaigns" Warning "Two campaigns with the same trigger send on one channel, in an order only their names decide." => project_lint competing_campaigns;
            ControlSends "control-sends" Warning "A control or holdout split arm sends a message." => lint control_sends;
            CrossCampaignRepeat "cross-campaign-repeat" Warning "Two campaigns that can run at once for a person send the same content." => project_lint cross_campaign_repeat;
            EngagementBeforeSend "engagement-before-send" Warning "`opened`/`clicked` of a message that may not have been sent yet." => lint engagement_before_send;
            FrequencyCap "frequency-cap" Warning "Some execution sends more than a `limit` allows." => lint frequency_cap;
            MissingConsent "missing-consent" Warning "A messaging channel has no `consent` attribute." => lint missing_consent;
            MissingQuietHours "missing-quiet-hours" Warning "A campaign sends on an sms, push or whatsapp channel with no quiet hours." => lint missing_quiet_hours;
            NoGoal "no-goal" Warning "A campaign that sends messages has neither `goal` nor `exit when`." => lint no_goal;
            RepeatedMessage "repeated-message" Warning "A person can receive the same message or content twice." => lint repeated_message;
            ScheduleEntersOnce "schedule-enters-once" Warning "A daily or weekly campaign with the default `reentry never` enters each person once." => lint schedule_enters_once;
            ShortReentry "short-reentry" Warning "`reentry after D` is shorter than the longest journey." => lint short_reentry;
            UnreachableStep "unreachable-step" Warning "No execution can reach this step." => lint unreachable_step;
            UntrackableEngagement "untrackable-engagement" Warning "`opened`/`clicked` of a message whose channel cannot report it: always false." => lint untrackable_engagement;
            UnusedAllow "unused-allow" Warning "An `@allow` silences nothing." => allow_lint unused_allow;
            UnusedDeclaration "unused-declaration" Warning "A segment, channel or message is declared but never used." => lint unused_declaration;
            }
            internal {
            InternalError "internal-error" Error "`omnis fmt` would have changed a file's meaning or lost a comment: a bug of Omnis.";
            }
        }
    };
}
pub(crate) use code_table;

/// Where a code's explanation comes from.
#[derive(Debug)]
enum Doc {
    /// A Markdown file of `src/codes/docs/`.
    Markdown(&'static str),
    /// The source of the implementing module; its `//!` lines are the docs.
    Module(&'static str),
}

/// The explanation of one row of the table (see [`code_table!`]).
macro_rules! doc_of {
    ($code:literal doc) => {
        Doc::Markdown(include_str!(concat!("docs/", $code, ".md")))
    };
    ($code:literal $lint:ident $module:ident) => {
        Doc::Module(include_str!(concat!(
            "../lints/",
            stringify!($module),
            ".rs"
        )))
    };
}

/// Expands the table into [`Code`] and [`CODES`].
macro_rules! declare_codes {
    (
        catalogue { $( $variant:ident $code:literal $severity:ident $summary:literal => $source:ident $($module:ident)? ; )* }
        internal { $( $i_variant:ident $i_code:literal $i_severity:ident $i_summary:literal ; )* }
    ) => {
        /// A diagnostic code. Written and serialized as its stable
        /// kebab-case name ([`Code::as_str`]):
        ///
        /// ```
        /// use omnis::codes::Code;
        /// assert_eq!(Code::UnknownName.as_str(), "unknown-name");
        /// ```
        ///
        /// A code that is not in the table does not compile:
        ///
        /// ```compile_fail
        /// let _ = omnis::codes::Code::UnknwonName;
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Code {
            $( #[doc = $summary] $variant, )*
            $( #[doc = $i_summary] $i_variant, )*
        }

        impl Code {
            /// The stable kebab-case name, e.g. `unknown-name`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Code::$variant => $code, )*
                    $( Code::$i_variant => $i_code, )*
                }
            }

            /// Severity when nothing is configured.
            pub const fn default_severity(self) -> Severity {
                match self {
                    $( Code::$variant => Severity::$severity, )*
                    $( Code::$i_variant => Severity::$i_severity, )*
                }
            }
        }

        /// Every code of the catalogue, in table order.
        pub static CODES: &[CodeInfo] = &[
            $( CodeInfo {
                code: Code::$variant,
                default_severity: Severity::$severity,
                configurable: matches!(Severity::$severity, Severity::Warning),
                summary: $summary,
                doc: doc_of!($code $source $($module)?),
            }, )*
        ];
    };
}

code_table!(declare_codes);

/// One code of the catalogue.
#[derive(Debug)]
pub struct CodeInfo {
    pub code: Code,
    /// Severity when nothing is configured.
    pub default_severity: Severity,
    /// Whether `omnis.toml` and `@allow` can change it (lints only).
    pub configurable: bool,
    /// One line: what the code means.
    pub summary: &'static str,
    doc: Doc,
}

impl CodeInfo {
    /// The long explanation, as Markdown ending in one newline.
    pub fn explanation(&self) -> String {
        match self.doc {
            Doc::Markdown(text) => text.trim_end().to_string() + "\n",
            Doc::Module(source) => doc_comment(source),
        }
    }
}

impl Code {
    /// The code's entry in the catalogue; `None` for internal codes.
    pub fn info(self) -> Option<&'static CodeInfo> {
        CODES.get(self.catalogue_index()?)
    }

    /// Its position in [`CODES`] (the SARIF `ruleIndex`); `None` for
    /// internal codes. The enum lists the catalogue's codes first, in
    /// table order, then the internal ones.
    pub fn catalogue_index(self) -> Option<usize> {
        Some(self as usize).filter(|&i| i < CODES.len())
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Codes compare by name, so that diagnostics sort the same whatever the
/// order of the table.
impl Ord for Code {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for Code {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
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

/// Looks a code of the catalogue up by name.
pub fn lookup(code: &str) -> Option<&'static CodeInfo> {
    CODES.iter().find(|c| c.code.as_str() == code)
}

/// The closest known codes to a mistyped one, best first.
pub fn suggest(code: &str) -> Option<&'static str> {
    crate::suggest::did_you_mean(code, CODES.iter().map(|c| c.code.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_kebab_case_unique_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for c in CODES {
            let name = c.code.as_str();
            assert!(seen.insert(name), "{name} listed twice");
            assert!(
                name.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'),
                "{name} is not kebab-case"
            );
            let doc = c.explanation();
            assert!(
                doc.starts_with(&format!("# {name}\n")),
                "{name} docs do not start with its name:\n{doc}"
            );
            for section in ["## Why", "## Example", "## Fix"] {
                assert!(
                    doc.contains(section),
                    "{name} docs lack `{section}`:\n{doc}"
                );
            }
            assert_eq!(c.default_severity, c.code.default_severity(), "{name}");
            assert_eq!(c.code.info().map(|i| i.code), Some(c.code));
            assert_eq!(lookup(name).map(|i| i.code), Some(c.code));
        }
    }

    #[test]
    fn the_catalogue_is_errors_then_warnings_each_alphabetical() {
        let key = |c: &CodeInfo| (c.default_severity, c.code.as_str());
        assert!(CODES.windows(2).all(|w| key(&w[0]) < key(&w[1])));
    }

    #[test]
    fn internal_codes_are_not_in_the_catalogue() {
        assert_eq!(Code::InternalError.info().map(|c| c.code), None);
        assert_eq!(lookup("internal-error").map(|c| c.code), None);
        assert_eq!(Code::NoGoal.to_string(), "no-goal");
        assert_eq!(format!("{:<9}|", Code::NoGoal), "no-goal  |");
        assert_eq!(
            serde_json::to_string(&Code::UnknownName).unwrap(),
            "\"unknown-name\""
        );
    }
}
