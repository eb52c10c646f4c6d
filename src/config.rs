//! Project configuration: `omnis.toml` at the project root.
//!
//! Only the `[lints]` table means anything to the checker: each lint code set
//! to `"allow"` (not reported), `"warn"` (the default) or `"deny"` (reported
//! as an error, so `check` fails):
//!
//! ```toml
//! [lints]
//! repeated-message = "deny"
//! no-goal = "allow"
//! ```
//!
//! Errors (codes that are not lints, such as `unknown-name`) cannot be
//! configured. Unknown codes and levels are reported with their line and
//! column and, where one is close, a did-you-mean. Other tables are left to
//! the tools that read them.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::codes;
use crate::diagnostic::Severity;
use crate::source::SourceFile;

/// The name of the configuration file at the project root.
pub const CONFIG_FILE: &str = "omnis.toml";

/// What a lint is set to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Not reported.
    Allow,
    /// Reported as a warning (the default for every lint).
    Warn,
    /// Reported as an error.
    Deny,
}

impl Level {
    pub const NAMES: &'static [&'static str] = &["allow", "warn", "deny"];

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }
}

/// How lint findings are reported: per-code levels (from `omnis.toml`) and
/// `--deny warnings`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LintConfig {
    /// Levels set explicitly, by code. Codes not listed keep their default
    /// (`warn`).
    pub levels: BTreeMap<&'static str, Level>,
    /// `--deny warnings`: every warning left after levels are applied is
    /// reported as an error.
    pub deny_warnings: bool,
}

impl LintConfig {
    /// The level of a lint code (`warn` unless configured). Meaningless for
    /// error codes, which are always errors.
    pub fn level(&self, code: &str) -> Level {
        self.levels.get(code).copied().unwrap_or(Level::Warn)
    }

    /// Sets a lint's level. Fails for codes that are unknown or not lints.
    pub fn set(&mut self, code: &str, level: Level) -> Result<(), String> {
        match codes::lookup(code) {
            Some(info) if info.configurable => {
                self.levels.insert(info.code.as_str(), level);
                Ok(())
            }
            Some(info) => Err(format!(
                "`{}` is an error, not a lint: it cannot be set to `{}`",
                info.code,
                level.as_str()
            )),
            None => Err(unknown_code_message(code)),
        }
    }

    /// The severity a finding of this code is reported with, or `None`
    /// when it is not reported at all. Errors stay errors.
    pub fn severity(&self, code: &str, default: Severity) -> Option<Severity> {
        if default == Severity::Error || !codes::lookup(code).is_some_and(|c| c.configurable) {
            return Some(default);
        }
        match self.level(code) {
            Level::Allow => None,
            Level::Deny => Some(Severity::Error),
            Level::Warn if self.deny_warnings => Some(Severity::Error),
            Level::Warn => Some(Severity::Warning),
        }
    }
}

fn unknown_code_message(code: &str) -> String {
    match codes::suggest(code) {
        Some(s) => format!("unknown lint `{code}` (did you mean `{s}`?)"),
        None => format!("unknown lint `{code}`"),
    }
}

/// Everything `omnis.toml` configures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// The file it was read from; `None` when the project has none.
    pub path: Option<PathBuf>,
    pub lints: LintConfig,
}

/// One problem in `omnis.toml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigProblem {
    /// 1-based, when the place is known.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// `omnis.toml` could not be read or is not valid. Its `Display` lists
/// every problem as `path:line:column: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub problems: Vec<ConfigProblem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            if p.line > 0 {
                write!(
                    f,
                    "{}:{}:{}: {}",
                    self.path.display(),
                    p.line,
                    p.column,
                    p.message
                )?;
            } else {
                write!(f, "{}: {}", self.path.display(), p.message)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

#[derive(Deserialize)]
struct RawConfig {
    lints: Option<Spanned<BTreeMap<Spanned<String>, Spanned<toml::Value>>>>,
}

/// Reads `omnis.toml` from the project root. A project without one gets
/// the defaults.
pub fn load_config(root: &Path) -> Result<Config, ConfigError> {
    let path = root.join(CONFIG_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
        Err(e) => {
            return Err(ConfigError {
                path,
                problems: vec![ConfigProblem {
                    line: 0,
                    column: 0,
                    message: format!("cannot read it: {e}"),
                }],
            })
        }
    };
    parse_config(&path, &text)
}

/// Parses the text of an `omnis.toml` (`path` is only used in messages).
pub fn parse_config(path: &Path, text: &str) -> Result<Config, ConfigError> {
    let file = SourceFile::new(path.to_path_buf(), String::new(), text.to_string());
    let at = |offset: usize, message: String| {
        let lc = file.line_col(offset);
        ConfigProblem {
            line: lc.line,
            column: lc.column,
            message,
        }
    };
    let err = |problems| ConfigError {
        path: path.to_path_buf(),
        problems,
    };
    let raw: RawConfig = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let message = format!("not valid TOML: {}", e.message());
            let problem = match e.span() {
                Some(span) => at(span.start, message),
                None => ConfigProblem {
                    line: 0,
                    column: 0,
                    message,
                },
            };
            return Err(err(vec![problem]));
        }
    };
    let mut config = Config {
        path: Some(path.to_path_buf()),
        lints: LintConfig::default(),
    };
    let mut problems = Vec::new();
    if let Some(lints) = raw.lints {
        for (code, value) in lints.into_inner() {
            let level = match value.get_ref() {
                toml::Value::String(s) => match Level::parse(s) {
                    Some(level) => level,
                    None => {
                        let mut message = format!(
                            "unknown level `{s}` for `{}`: expected \"allow\", \"warn\" or \"deny\"",
                            code.get_ref()
                        );
                        if let Some(sug) =
                            crate::suggest::did_you_mean(s, Level::NAMES.iter().copied())
                        {
                            message.push_str(&format!(" (did you mean \"{sug}\"?)"));
                        }
                        problems.push(at(value.span().start, message));
                        continue;
                    }
                },
                other => {
                    problems.push(at(
                        value.span().start,
                        format!(
                            "the level of `{}` must be a string, \"allow\", \"warn\" or \"deny\", not a {}",
                            code.get_ref(),
                            other.type_str()
                        ),
                    ));
                    continue;
                }
            };
            if let Err(message) = config.lints.set(code.get_ref(), level) {
                problems.push(at(code.span().start, message));
            }
        }
    }
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(err(problems))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        parse_config(Path::new("omnis.toml"), text)
    }

    #[test]
    fn reads_levels() {
        let c = parse("[lints]\nrepeated-message = \"deny\"\nno-goal = \"allow\"\n").unwrap();
        assert_eq!(c.lints.level("repeated-message"), Level::Deny);
        assert_eq!(c.lints.level("no-goal"), Level::Allow);
        assert_eq!(c.lints.level("frequency-cap"), Level::Warn);
        assert_eq!(
            c.lints.severity("repeated-message", Severity::Warning),
            Some(Severity::Error)
        );
        assert_eq!(c.lints.severity("no-goal", Severity::Warning), None);
        assert_eq!(
            c.lints.severity("unknown-name", Severity::Error),
            Some(Severity::Error)
        );
    }

    #[test]
    fn empty_and_other_tables_are_fine() {
        assert_eq!(parse("").unwrap().lints, LintConfig::default());
        assert!(parse("[build]\nout = \"plans\"\n").is_ok());
    }

    #[test]
    fn unknown_codes_and_levels_are_reported_with_suggestions() {
        let e = parse("[lints]\nrepeated-mesage = \"deny\"\nno-goal = \"alow\"\nunknown-name = \"allow\"\nfrequency-cap = 3\n")
            .unwrap_err();
        let text = e.to_string();
        assert_eq!(e.problems.len(), 4, "{text}");
        assert!(
            text.contains(
                "omnis.toml:2:1: unknown lint `repeated-mesage` (did you mean `repeated-message`?)"
            ),
            "{text}"
        );
        assert!(
            text.contains("omnis.toml:3:11: unknown level `alow` for `no-goal`"),
            "{text}"
        );
        assert!(text.contains("(did you mean \"allow\"?)"), "{text}");
        assert!(
            text.contains("`unknown-name` is an error, not a lint"),
            "{text}"
        );
        assert!(text.contains("must be a string"), "{text}");
    }

    #[test]
    fn invalid_toml_is_reported_with_a_position() {
        let e = parse("[lints\n").unwrap_err();
        assert_eq!(e.problems.len(), 1);
        assert!(e.problems[0].line >= 1, "{e}");
        assert!(e.to_string().contains("not valid TOML"), "{e}");
    }

    #[test]
    fn deny_warnings_turns_warnings_into_errors() {
        let mut c = LintConfig {
            deny_warnings: true,
            ..LintConfig::default()
        };
        c.set("no-goal", Level::Allow).unwrap();
        assert_eq!(
            c.severity("repeated-message", Severity::Warning),
            Some(Severity::Error)
        );
        assert_eq!(c.severity("no-goal", Severity::Warning), None);
    }

    #[test]
    fn missing_file_gives_defaults() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load_config(dir.path()).unwrap(), Config::default());
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "[lints]\nno-goal = \"deny\"\n",
        )
        .unwrap();
        let c = load_config(dir.path()).unwrap();
        assert_eq!(c.lints.level("no-goal"), Level::Deny);
        assert_eq!(c.path, Some(dir.path().join(CONFIG_FILE)));
    }
}
