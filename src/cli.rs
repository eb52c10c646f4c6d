//! The command line: argument parsing (clap) and the commands. `main.rs`
//! only calls [`run`] and exits with the code it returns.

use std::io::{IsTerminal, Write};
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
    /// Format `.omni` files in one canonical layout, in place.
    #[command(after_help = FMT_HELP)]
    Fmt {
        /// Files, or directories searched recursively for `*.omni`.
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        /// Write nothing: list the files whose layout would change (exit 1 if any).
        #[arg(long)]
        check: bool,
        /// Write nothing: print the changes as a unified diff (exit 1 if any).
        #[arg(long)]
        diff: bool,
    },
    /// Explain a diagnostic code: what it means, why, an example and the fix.
    Explain {
        /// A code such as `unreachable-step`; without one, list every code.
        code: Option<String>,
    },
}

const FMT_HELP: &str = "\
The layout: two-space indentation; one declaration, property or step per line;
a block written on one line stays on one line when it fits in 100 columns;
runs of one-line events, channels, segments and messages, and split arms, are
aligned; blank lines are kept (at most one in a row); every comment is kept.

Files are rewritten only when their layout changes, atomically (a temporary
file in the same folder, then a rename). A file with syntax errors is reported
on stderr and left as it is.

Exit codes:
  0  every file is formatted (or has just been written formatted)
  1  --check or --diff: some file would change; or some file has syntax errors
  2  a path cannot be read or written";

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
        Command::Fmt { paths, check, diff } => {
            let opts = crate::fmt::files::Options { paths, check, diff };
            let human = human_options(std::io::stderr().is_terminal());
            crate::fmt::files::run(&opts, &human, &mut out, &mut std::io::stderr()).exit_code()
        }
        Command::Explain { code } => explain(code.as_deref(), &mut out),
    }
}

fn check(
    paths: Vec<PathBuf>,
    format: CheckFormat,
    deny_warnings: bool,
    out: &mut dyn Write,
) -> i32 {
    let analysis = match driver::analyze(&Options { paths }) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILURE;
        }
    };
    let mut diags = analysis.diagnostics.clone();
    if deny_warnings {
        for d in &mut diags {
            d.severity = crate::diagnostic::Severity::Error;
        }
    }
    let format = match format {
        CheckFormat::Human => render::Format::Human,
        CheckFormat::Json => render::Format::Json,
        CheckFormat::Sarif => render::Format::Sarif,
        CheckFormat::Github => render::Format::Github,
    };
    let human = human_options(std::io::stdout().is_terminal());
    if let Err(e) = render::render(format, &analysis.sources, &diags, &human, out) {
        eprintln!("error: cannot write the report: {e}");
        return EXIT_FAILURE;
    }
    if diags.iter().any(|d| d.is_error()) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// Colour only on a terminal (`terminal`: whether the report goes to one),
/// and never with `NO_COLOR` set; the width of the terminal when `COLUMNS`
/// says it.
fn human_options(terminal: bool) -> render::HumanOptions {
    let color = terminal && std::env::var_os("NO_COLOR").is_none();
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
