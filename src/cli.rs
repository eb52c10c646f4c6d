//! The command line: argument parsing (clap) and the commands. `main.rs`
//! only calls [`run`] and exits with the code it returns.

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::driver::{self, Options};
use crate::render;

/// Exit codes.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_FAILURE: i32 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "omnis",
    version,
    about = "Campaign-as-code: check omnichannel journeys and compile them to execution plans"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check campaigns: syntax, names, types and the journey lints.
    Check {
        /// Files, or directories searched recursively for `*.omni`.
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
        format: CheckFormat,
        /// `--deny warnings` turns every warning into an error.
        #[arg(long, value_name = "warnings")]
        deny: Option<DenyWhat>,
    },
    /// Explain a diagnostic code: what it means, why, an example and the fix.
    Explain {
        /// A code such as `unreachable-step`; without one, list every code.
        code: Option<String>,
    },
    /// Draw journeys as diagrams (Mermaid for GitHub Markdown, or Graphviz DOT).
    Graph {
        /// Files, or directories searched recursively for `*.omni`.
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        /// Only this campaign (default: every campaign in the named files).
        #[arg(long, value_name = "NAME")]
        campaign: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
    },
    /// What changed between two versions of the campaigns, in review terms
    /// (exit 0: nothing, 1: something changed, 2: errors).
    Diff {
        /// OLD and NEW: two files or two folders. With `--git`: the paths
        /// of the working tree to compare (default `.`).
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Compare the working tree with this git revision
        /// (e.g. `origin/main`).
        #[arg(long, value_name = "REV")]
        git: Option<String>,
        /// Output format (`markdown` suits pull-request comments).
        #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
        format: DiffFormat,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Human,
    Markdown,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Mermaid,
    Dot,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DenyWhat {
    Warnings,
}

/// Parses the arguments and runs the command; returns the exit code.
pub fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_FAILURE
            } else {
                EXIT_OK
            };
            let _ = e.print();
            return code;
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Check {
            paths,
            format,
            deny,
        } => check(paths, format, deny.is_some(), &mut out),
        Command::Explain { code } => explain(code.as_deref(), &mut out),
        Command::Graph {
            paths,
            campaign,
            format,
        } => graph(paths, campaign.as_deref(), format, &mut out),
        Command::Diff { paths, git, format } => diff(paths, git.as_deref(), format, &mut out),
    }
}

fn diff(paths: Vec<PathBuf>, git: Option<&str>, format: DiffFormat, out: &mut dyn Write) -> i32 {
    use crate::diff::{self, DiffError};
    let report = match (git, paths.as_slice()) {
        (Some(rev), paths) => diff::diff_git(rev, paths),
        (None, [old, new]) => diff::diff_paths(old, new),
        (None, _) => Err(DiffError::Usage(
            "omnis diff takes OLD and NEW (two files or two folders), or --git REV [PATH...]"
                .into(),
        )),
    };
    let report = match report {
        Ok(r) => r,
        Err(DiffError::Sources { side, analysis }) => {
            eprintln!("error: {side}: the campaigns have errors; fix them to compare");
            let errors: Vec<_> = analysis
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .cloned()
                .collect();
            let mut err = std::io::stderr().lock();
            let _ = render::render(
                render::Format::Human,
                &analysis.sources,
                &errors,
                &human_options(),
                &mut err,
            );
            return EXIT_FAILURE;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILURE;
        }
    };
    let format = match format {
        DiffFormat::Human => diff::Format::Human,
        DiffFormat::Markdown => diff::Format::Markdown,
        DiffFormat::Json => diff::Format::Json,
    };
    if let Err(e) = out.write_all(diff::render(&report, format).as_bytes()) {
        eprintln!("error: cannot write the report: {e}");
        return EXIT_FAILURE;
    }
    if report.changed {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// Loads and checks `paths` for a command that needs error-free sources
/// (`graph`, `diff`): on errors, prints them (human) to stderr and returns
/// the exit code to use; warnings are not shown.
fn analyze_clean(paths: Vec<PathBuf>, on_errors: i32) -> Result<driver::Analysis, i32> {
    let analysis = match driver::analyze(&Options {
        paths,
        ..Default::default()
    }) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(EXIT_FAILURE);
        }
    };
    if analysis.has_errors() {
        let errors: Vec<_> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect();
        let mut err = std::io::stderr().lock();
        let _ = render::render(
            render::Format::Human,
            &analysis.sources,
            &errors,
            &human_options(),
            &mut err,
        );
        return Err(on_errors);
    }
    Ok(analysis)
}

fn graph(
    paths: Vec<PathBuf>,
    campaign: Option<&str>,
    format: GraphFormat,
    out: &mut dyn Write,
) -> i32 {
    let analysis = match analyze_clean(paths, EXIT_FINDINGS) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let format = match format {
        GraphFormat::Mermaid => crate::diagram::Format::Mermaid,
        GraphFormat::Dot => crate::diagram::Format::Dot,
    };
    match crate::diagram::render(&analysis, campaign, format) {
        Ok(text) => {
            if text.is_empty() {
                eprintln!("note: no campaigns in the named files");
            }
            if let Err(e) = out.write_all(text.as_bytes()) {
                eprintln!("error: cannot write the diagram: {e}");
                return EXIT_FAILURE;
            }
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_FAILURE
        }
    }
}

fn check(
    paths: Vec<PathBuf>,
    format: CheckFormat,
    deny_warnings: bool,
    out: &mut dyn Write,
) -> i32 {
    let analysis = match driver::analyze(&Options {
        paths,
        deny_warnings,
    }) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILURE;
        }
    };
    // `--deny warnings` and `omnis.toml` levels are applied by the driver.
    let diags = analysis.diagnostics.clone();
    let format = match format {
        CheckFormat::Human => render::Format::Human,
        CheckFormat::Json => render::Format::Json,
        CheckFormat::Sarif => render::Format::Sarif,
        CheckFormat::Github => render::Format::Github,
    };
    if let Err(e) = render::render(format, &analysis.sources, &diags, &human_options(), out) {
        eprintln!("error: cannot write the report: {e}");
        return EXIT_FAILURE;
    }
    if diags.iter().any(|d| d.is_error()) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// Colour only on a terminal, and never with `NO_COLOR` set; the width of
/// the terminal when `COLUMNS` says it.
fn human_options() -> render::HumanOptions {
    use std::io::IsTerminal;
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|&w: &usize| (40..=500).contains(&w))
        .unwrap_or(100);
    render::HumanOptions { color, width }
}

fn explain(code: Option<&str>, out: &mut dyn Write) -> i32 {
    match code {
        None => {
            for c in crate::codes::CODES {
                let _ = writeln!(
                    out,
                    "{:<24} {:<8} {}",
                    c.code,
                    c.default_severity.as_str(),
                    c.summary
                );
            }
            EXIT_OK
        }
        Some(code) => match crate::codes::lookup(code) {
            Some(info) => {
                let _ = write!(out, "{}", info.explanation());
                EXIT_OK
            }
            None => {
                let hint = crate::codes::suggest(code)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                eprintln!("error: there is no diagnostic code `{code}`{hint}; `omnis explain` lists them all");
                EXIT_FAILURE
            }
        },
    }
}
