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
    }
}

fn check(
    paths: Vec<PathBuf>,
    format: CheckFormat,
    deny_warnings: bool,
    out: &mut dyn Write,
) -> i32 {
    let analysis = match driver::analyze_with(&Options { paths }, deny_warnings) {
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
