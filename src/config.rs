//! Project configuration: `omnis.toml` at the project root.
//!
//! ```toml
//! # Gitignore patterns, relative to this folder: what walking a folder
//! # skips (a path named on the command line is always checked).
//! exclude = ["drafts/", "*.generated.omni"]
//!
//! [lints]
//! repeated-message = "deny"
//! no-goal = "allow"
//! ```
//!
//! Each lint code in `[lints]` is set to `"allow"` (not reported), `"warn"`
//! (the default) or `"deny"` (reported as an error, so `check` fails).
//! Errors (codes that are not lints, such as `unknown-name`) cannot be
//! configured. Anything else (an unknown key or table, an unknown code or
//! level, a value of the wrong type, TOML that does not parse) is a
//! `config-error` diagnostic in `omnis.toml`, with a did-you-mean when a
//! known name is close. The file is read like a source file
//! (`crate::files::read_source`): a regular file inside the project root, of
//! at most 16 MiB.
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::codes;
use crate::diagnostic::Severity;
use crate::files::walk::Failure;
use crate::files::{read_source, SourceError, Tree};

pub use crate::files::CONFIG_FILE;

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
    /// The error is a message and, when a known code is close, a
    /// did-you-mean.
    pub fn set(&mut self, code: &str, level: Level) -> Result<(), (String, Option<String>)> {
        match codes::lookup(code) {
            Some(info) if info.configurable => {
                self.levels.insert(info.code.as_str(), level);
                Ok(())
            }
            Some(info) => Err((
                format!(
                    "`{}` is an error, not a lint: it cannot be set to `{}`",
                    info.code,
                    level.as_str()
                ),
                Some("only lints (warnings) have levels; `omnis explain` lists them".into()),
            )),
            None => Err((
                format!("unknown lint `{code}`"),
                codes::suggest(code).map(|s| format!("did you mean `{s}`?")),
            )),
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

/// The top-level keys `omnis.toml` knows.
pub const KEYS: &[&str] = &["exclude", "lints"];

/// Everything `omnis.toml` configures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// The file it was read from; `None` when the project has none.
    pub path: Option<PathBuf>,
    pub lints: LintConfig,
    /// Gitignore patterns of what walking a folder skips, relative to the
    /// folder of `omnis.toml`.
    pub exclude: Vec<String>,
}

/// One problem in `omnis.toml`: a `config-error` diagnostic once the file
/// is in the source map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigProblem {
    /// Byte range in the file.
    pub span: Range<usize>,
    pub message: String,
    pub help: Option<String>,
}

/// An `omnis.toml` with problems: its path, text and problems.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub text: String,
    pub problems: Vec<ConfigProblem>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawConfig {
    lints: Option<Spanned<BTreeMap<Spanned<String>, Spanned<toml::Value>>>>,
    exclude: Option<Vec<Spanned<String>>>,
}

/// Reads `omnis.toml` from the project root `root` of `tree`. A project
/// without one gets the defaults; one with problems comes back with them
/// (the rest of it still applies). A file that cannot be read is a
/// [`Failure`].
pub fn load(tree: &dyn Tree, root: &Path) -> Result<(Config, Option<ConfigFile>), Failure> {
    let path = root.join(CONFIG_FILE);
    if tree.kind(&path).is_none() {
        return Ok((Config::default(), None));
    }
    let failure = |error: SourceError| Failure {
        path: path.clone(),
        error,
    };
    let canonical = tree.resolve(&path).map_err(|e| failure(e.into()))?;
    let bytes = read_source(tree, &canonical, root).map_err(failure)?;
    let (text, mut problems) = match String::from_utf8(bytes) {
        Ok(text) => (text, Vec::new()),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let problem = ConfigProblem {
                span: at..at + 1,
                message: "omnis.toml is not valid UTF-8".into(),
                help: Some("save the file as UTF-8".into()),
            };
            (
                String::from_utf8_lossy(e.as_bytes()).into_owned(),
                vec![problem],
            )
        }
    };
    let (mut config, found) = parse_config(&text);
    config.path = Some(path.clone());
    problems.extend(found);
    let file = (!problems.is_empty()).then_some(ConfigFile {
        path,
        text,
        problems,
    });
    Ok((config, file))
}

/// Parses the text of an `omnis.toml`: the configuration (what could be
/// read of it) and its problems.
pub fn parse_config(text: &str) -> (Config, Vec<ConfigProblem>) {
    let mut config = Config::default();
    let mut problems = Vec::new();
    let problem = |span: Range<usize>, message: String, help: Option<String>| ConfigProblem {
        span,
        message,
        help,
    };
    let toml_error = |e: toml::de::Error| {
        let span = e.span().unwrap_or(0..0);
        problem(
            span,
            format!("not valid here: {}", e.message().trim()),
            None,
        )
    };
    let top: BTreeMap<Spanned<String>, toml::Value> = match toml::from_str(text) {
        Ok(t) => t,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            problems.push(problem(
                span,
                format!("omnis.toml is not valid TOML: {}", e.message().trim()),
                None,
            ));
            return (config, problems);
        }
    };
    for (key, value) in &top {
        if KEYS.contains(&key.get_ref().as_str()) {
            continue;
        }
        let name = key.get_ref();
        let what = if value.is_table() {
            format!("unknown table `[{name}]`")
        } else {
            format!("unknown key `{name}`")
        };
        let help = match crate::suggest::did_you_mean(name, KEYS.iter().copied()) {
            Some("lints") => "did you mean `[lints]`?".to_string(),
            Some(s) => format!("did you mean `{s}`?"),
            None => "omnis.toml knows `exclude` and the `[lints]` table".to_string(),
        };
        problems.push(problem(
            key.span(),
            format!("{what} in omnis.toml"),
            Some(help),
        ));
    }
    let raw: RawConfig = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            problems.push(toml_error(e));
            RawConfig::default()
        }
    };
    for pattern in raw.exclude.unwrap_or_default() {
        let mut b = ignore::gitignore::GitignoreBuilder::new("/");
        match b.add_line(None, pattern.get_ref()) {
            Ok(_) => config.exclude.push(pattern.into_inner()),
            Err(e) => problems.push(problem(
                pattern.span(),
                format!(
                    "`{}` is not a valid exclude pattern: {e}",
                    pattern.get_ref()
                ),
                Some(
                    "patterns are written as in `.gitignore`, e.g. `drafts/` or `*.draft.omni`"
                        .into(),
                ),
            )),
        }
    }
    if let Some(lints) = raw.lints {
        for (code, value) in lints.into_inner() {
            let level = match value.get_ref() {
                toml::Value::String(s) => match Level::parse(s) {
                    Some(level) => level,
                    None => {
                        let help =
                            match crate::suggest::did_you_mean(s, Level::NAMES.iter().copied()) {
                                Some(sug) => format!("did you mean \"{sug}\"?"),
                                None => "a level is \"allow\", \"warn\" or \"deny\"".into(),
                            };
                        problems.push(problem(
                            value.span(),
                            format!(
                                "unknown level `{s}` for `{}`: expected \"allow\", \"warn\" or \"deny\"",
                                code.get_ref()
                            ),
                            Some(help),
                        ));
                        continue;
                    }
                },
                other => {
                    problems.push(problem(
                        value.span(),
                        format!(
                            "the level of `{}` must be a string, \"allow\", \"warn\" or \"deny\", not a {}",
                            code.get_ref(),
                            other.type_str()
                        ),
                        None,
                    ));
                    continue;
                }
            };
            if let Err((message, help)) = config.lints.set(code.get_ref(), level) {
                problems.push(problem(code.span(), message, help));
            }
        }
    }
    problems.sort_by_key(|p| (p.span.start, p.span.end));
    (config, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Config, Vec<ConfigProblem>) {
        parse_config(text)
    }

    /// `(line, column, message, help)` of each problem.
    fn problems(text: &str) -> Vec<(usize, usize, String, String)> {
        let file =
            crate::source::SourceFile::new("omnis.toml".into(), "omnis.toml".into(), text.into());
        parse(text)
            .1
            .into_iter()
            .map(|p| {
                let lc = file.line_col(p.span.start);
                (lc.line, lc.column, p.message, p.help.unwrap_or_default())
            })
            .collect()
    }

    #[test]
    fn reads_levels_and_excludes() {
        let (c, p) = parse(
            "exclude = [\"tests/\"]\n[lints]\nrepeated-message = \"deny\"\nno-goal = \"allow\"\n",
        );
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(c.exclude, ["tests/"]);
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
    fn an_empty_file_is_the_defaults() {
        assert_eq!(parse(""), (Config::default(), Vec::new()));
    }

    #[test]
    fn unknown_tables_keys_codes_and_levels_are_reported_with_suggestions() {
        let p = problems("excludes = []\n[lint]\nno-goal = \"deny\"\n");
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!((p[0].0, p[0].1), (1, 1));
        assert!(p[0].2.contains("unknown key `excludes`"), "{p:?}");
        assert_eq!(p[0].3, "did you mean `exclude`?");
        assert_eq!(p[1].0, 2);
        assert!(p[1].2.contains("unknown table `[lint]`"), "{p:?}");
        assert_eq!(p[1].3, "did you mean `[lints]`?");

        let p = problems("[lints]\nrepeated-mesage = \"deny\"\nno-goal = \"alow\"\nunknown-name = \"allow\"\nfrequency-cap = 3\n");
        assert_eq!(p.len(), 4, "{p:?}");
        assert_eq!((p[0].0, p[0].1), (2, 1));
        assert_eq!(p[0].2, "unknown lint `repeated-mesage`");
        assert_eq!(p[0].3, "did you mean `repeated-message`?");
        assert_eq!((p[1].0, p[1].1), (3, 11));
        assert!(
            p[1].2.contains("unknown level `alow` for `no-goal`"),
            "{p:?}"
        );
        assert_eq!(p[1].3, "did you mean \"allow\"?");
        assert!(
            p[2].2.contains("`unknown-name` is an error, not a lint"),
            "{p:?}"
        );
        assert!(p[3].2.contains("must be a string"), "{p:?}");
    }

    #[test]
    fn invalid_toml_and_wrong_types_are_reported_with_a_position() {
        let p = problems("[lints\n");
        assert_eq!(p.len(), 1);
        assert!(p[0].2.contains("not valid TOML"), "{p:?}");
        let p = problems("exclude = \"tests\"\n");
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].0, 1);
        let p = problems("exclude = [\"drafts/{a,b\", \"ok/\"]\n");
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].2.contains("not a valid exclude pattern"), "{p:?}");
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
        let root = dir.path().canonicalize().unwrap();
        let disk = crate::files::Disk;
        assert_eq!(load(&disk, &root).unwrap(), (Config::default(), None));
        std::fs::write(root.join(CONFIG_FILE), "[lints]\nno-goal = \"deny\"\n").unwrap();
        let (c, file) = load(&disk, &root).unwrap();
        assert_eq!(c.lints.level("no-goal"), Level::Deny);
        assert_eq!(c.path, Some(root.join(CONFIG_FILE)));
        assert_eq!(file, None);
    }
}
