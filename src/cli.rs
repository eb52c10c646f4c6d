//! The command line: argument parsing (clap) and the commands. `main.rs`
//! only calls [`run`] and exits with the code it returns. Each command's
//! body is in `cli/<command>.rs`; what several share (loading and checking
//! the sources, reporting their errors) is here.
//!
//! Every command writes through one [`Output`] (`cli/output.rs`): the global
//! `--quiet` and `--color` flags, `check --output-file`, and exit code 2
//! when the output cannot be written are handled there.

mod build;
mod check;
mod diff;
mod explain;
mod fmt;
mod graph;
mod init;
pub mod output;
mod worker;

use std::path::PathBuf;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::driver::{self, Options};
use crate::render;
pub use output::{ColorChoice, GlobalArgs, Output};

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
    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check campaigns: syntax, names, types and the journey lints.
    Check {
        /// Files, or directories searched recursively for `*.omni`.
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = render::Format::Human)]
        format: render::Format,
        /// `--deny warnings` turns every warning into an error.
        #[arg(long, value_name = "warnings")]
        deny: Option<DenyWhat>,
        /// Succeed when the paths hold no `.omni` file (else exit 2).
        #[arg(long)]
        allow_empty: bool,
        /// Write the report to this file instead of standard output (for
        /// the machine formats: `--format sarif --output-file omnis.sarif`).
        #[arg(long, value_name = "FILE")]
        output_file: Option<PathBuf>,
    },
    /// Format `.omni` files in one canonical layout, in place.
    #[command(after_help = FMT_HELP)]
    Fmt {
        /// Files, or directories searched recursively for `*.omni` (default
        /// `.`); `-` formats standard input to standard output.
        paths: Vec<PathBuf>,
        /// Write nothing: list the files whose layout would change (exit 1 if any).
        #[arg(long)]
        check: bool,
        /// Write nothing: print the changes as a unified diff (exit 1 if any).
        #[arg(long)]
        diff: bool,
        /// Format standard input (as `-`), naming it NAME in messages: for
        /// editors' format-on-save.
        #[arg(long, value_name = "NAME")]
        stdin_filename: Option<String>,
        /// Succeed when the paths hold no `.omni` file (else exit 2).
        #[arg(long)]
        allow_empty: bool,
    },
    /// Compile campaigns to execution plans, one file per campaign, and a
    /// manifest listing them (`omnis-manifest.json`, written last).
    Build {
        /// Files, or directories searched recursively for `*.omni`.
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        /// The folder to write `<campaign>.plan.json` (or `.plan.yaml`) to.
        /// Plans of an earlier build that are gone are removed; other files
        /// are left alone.
        #[arg(long, short)]
        out: PathBuf,
        /// Plan file format.
        #[arg(long, value_enum, default_value_t = PlanFormatArg::Json)]
        format: PlanFormatArg,
        /// `--deny warnings` turns every warning into an error.
        #[arg(long, value_name = "warnings")]
        deny: Option<DenyWhat>,
        /// One line per plan file (written, unchanged or removed).
        #[arg(long, short)]
        verbose: bool,
        /// Succeed when the paths hold no `.omni` file (else exit 2).
        #[arg(long)]
        allow_empty: bool,
    },
    /// Run a campaign's plan for the people and events of a scenario.
    Simulate {
        /// The campaign's file (or folder), with its imports.
        path: PathBuf,
        /// The campaign to run (needed only when the files hold several).
        #[arg(long)]
        campaign: Option<String>,
        /// A scenario YAML file: `person` and `events`, or `people`.
        #[arg(long, conflicts_with = "people", required_unless_present = "people")]
        scenario: Option<PathBuf>,
        /// Instead of a scenario, a generated population of N people
        /// (counted, not listed).
        #[arg(long, value_name = "N",
              value_parser = clap::value_parser!(u64).range(1..=crate::simulate::MAX_PEOPLE))]
        people: Option<u64>,
        /// The seed of the generated population.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = SimFormat::Human)]
        format: SimFormat,
        /// Rewrite the scenario's `expect` lists with what happened (the
        /// rest of the file is kept).
        #[arg(long, conflicts_with = "people")]
        update_expect: bool,
        /// A new version of the campaign (its file or folder) that
        /// replaces the plan mid-run, by the rules runners follow.
        #[arg(long, value_name = "PATH", conflicts_with = "people", requires = "at")]
        replace_with: Option<PathBuf>,
        /// When the replacement happens: an RFC 3339 time, or a duration
        /// after the start (`36h`, `2d12h`).
        #[arg(long, value_name = "WHEN", requires = "replace_with")]
        at: Option<String>,
    },
    /// Print the JSON Schema of the plan format, or of another JSON output.
    Schema {
        /// `plan` (the default), `manifest` (of `build`), or the `--format
        /// json` output of `check`, `diff` or `simulate`.
        #[arg(value_enum, default_value_t = SchemaOf::Plan)]
        of: SchemaOf,
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
        #[arg(long, value_name = "NAME", conflicts_with = "overview")]
        campaign: Option<String>,
        /// One diagram of how the campaigns relate instead of their
        /// journeys: which can run together for one person, which hand
        /// off (one's goal event is another's trigger).
        #[arg(long)]
        overview: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
        /// Succeed when the paths hold no `.omni` file (else exit 2).
        #[arg(long)]
        allow_empty: bool,
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
    /// Start a campaigns project: omnis.toml, a first campaign and a GitHub
    /// Actions workflow (never overwrites a file).
    Init {
        /// The project folder (created if needed).
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Serve editors over the Language Server Protocol on standard input
    /// and output: diagnostics as you type, definitions, references,
    /// hover, completion, rename, formatting (see docs/editors.md).
    Lsp,
    /// Run plans for real people on Temporal: runs `omnis-worker` (beside
    /// `omnis` or on the PATH) with the arguments that follow, e.g.
    /// `omnis worker run --plans plans/ --dry-run` (see docs/runner.md).
    #[command(disable_help_flag = true)]
    Worker {
        /// `omnis-worker`'s arguments (`run ...`, `send-event ...`, `--help`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<std::ffi::OsString>,
    },
    /// Print shell completions, e.g. `omnis completions bash > /etc/bash_completion.d/omnis`.
    Completions {
        /// bash, zsh, fish, powershell or elvish.
        shell: clap_complete::Shell,
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

const FMT_HELP: &str = "\
The layout: two-space indentation; one declaration, property or step per line;
a block written on one line stays on one line when it fits in 100 columns;
runs of one-line events, channels, segments and messages, and split arms, are
aligned; blank lines are kept (at most one in a row); every comment is kept;
each file keeps its line breaks (\\r\\n stays \\r\\n).

Files are rewritten only when their layout changes, atomically (a temporary
file in the same folder, then a rename). A file that does not parse (syntax
errors, or values out of range) is reported on stderr and left as it is.

`omnis fmt -` (or `--stdin-filename NAME`) formats standard input to standard
output, for editors; when it does not parse, nothing is printed on stdout.

Exit codes:
  0  every file is formatted (or has just been written formatted)
  1  --check or --diff: some file would change; or some file does not parse
  2  a path cannot be read or written";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlanFormatArg {
    Json,
    Yaml,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SimFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SchemaOf {
    Plan,
    Manifest,
    Check,
    Diff,
    Simulate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DenyWhat {
    Warnings,
}

/// Parses the arguments and runs the command; returns the exit code.
pub fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> i32 {
    let args: Vec<std::ffi::OsString> = args.into_iter().collect();
    let mut command = Cli::command();
    if let Some(color) = output::color_in_args(&args) {
        command = command.color(color);
    }
    let cli = match command
        .try_get_matches_from(args)
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(c) => c,
        Err(e) => return output::print_clap(&e),
    };
    let mut out = Output::new(cli.global);
    let code = run_command(cli.command, &mut out);
    out.finish(code)
}

fn run_command(command: Command, out: &mut Output) -> i32 {
    match command {
        Command::Check {
            paths,
            format,
            deny,
            allow_empty,
            output_file,
        } => {
            if let Some(file) = output_file {
                out.to_file(file);
            }
            check::check(paths, format, deny.is_some(), allow_empty, out)
        }
        Command::Fmt {
            paths,
            check,
            diff,
            stdin_filename,
            allow_empty,
        } => fmt::fmt(paths, check, diff, stdin_filename, allow_empty, out),
        Command::Explain { code } => explain::explain(code.as_deref(), out.data()),
        Command::Build {
            paths,
            out: dir,
            format,
            deny,
            verbose,
            allow_empty,
        } => build::build(
            paths,
            &dir,
            format,
            build::BuildFlags {
                deny_warnings: deny.is_some(),
                verbose,
                allow_empty,
            },
            out,
        ),
        Command::Simulate {
            path,
            campaign,
            scenario,
            people,
            seed,
            format,
            update_expect,
            replace_with,
            at,
        } => {
            let args = crate::simulate::command::Args {
                path,
                campaign,
                scenario,
                people,
                seed,
                json: format == SimFormat::Json,
                update_expect,
                replace_with: replace_with.zip(at),
            };
            crate::simulate::command::run(&args, out)
        }
        Command::Schema { of } => {
            let schema = match of {
                SchemaOf::Plan => crate::schemas::Schema::Plan,
                SchemaOf::Manifest => crate::schemas::Schema::Manifest,
                SchemaOf::Check => crate::schemas::Schema::Check,
                SchemaOf::Diff => crate::schemas::Schema::Diff,
                SchemaOf::Simulate => crate::schemas::Schema::Simulate,
            };
            let _ = out.data().write_all(schema.json().as_bytes());
            EXIT_OK
        }
        Command::Graph {
            paths,
            campaign,
            overview,
            format,
            allow_empty,
        } => {
            let what = match &campaign {
                Some(name) => graph::What::Campaign(name),
                None if overview => graph::What::Overview,
                None => graph::What::Every,
            };
            graph::graph(paths, what, format, allow_empty, out)
        }
        Command::Diff { paths, git, format } => diff::diff(paths, git.as_deref(), format, out),
        Command::Init { dir } => init::init(&dir, out.status()),
        Command::Lsp => crate::lsp::run_stdio(),
        Command::Worker { args } => worker::worker(args),
        Command::Completions { shell } => {
            // Generated in memory: clap_complete panics on a failed write.
            let mut text = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "omnis", &mut text);
            let _ = out.data().write_all(&text);
            EXIT_OK
        }
    }
}

/// Loads and checks `paths` for a command that needs error-free sources
/// (`graph`, `diff`): on errors, prints them (human) to stderr and returns
/// the exit code to use; warnings are not shown.
fn analyze_clean(
    paths: Vec<PathBuf>,
    on_errors: i32,
    out: &Output,
) -> Result<driver::Analysis, i32> {
    let analysis = match driver::analyze(&Options { paths }) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(EXIT_FAILURE);
        }
    };
    if analysis.has_errors() {
        print_errors(&analysis, out);
        return Err(on_errors);
    }
    Ok(analysis)
}

/// Prints the errors of `analysis` (human, to stderr); warnings are not shown.
fn print_errors(analysis: &driver::Analysis, out: &Output) {
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
        &out.human(true),
        &mut err,
    );
}

/// The paths named hold no `.omni` file: said, and exit 2 (`--allow-empty`
/// makes that a success).
fn no_sources(paths: &[PathBuf]) -> i32 {
    let shown: Vec<String> = if paths.is_empty() {
        vec!["`.`".into()]
    } else {
        paths.iter().map(|p| format!("`{}`", p.display())).collect()
    };
    eprintln!(
        "error: no `.omni` files in {}; pass --allow-empty if there may be none",
        shown.join(", ")
    );
    EXIT_FAILURE
}

/// Analyses the paths. When the sources have errors (or warnings are
/// denied), reports the diagnostics on stderr and fails; otherwise the
/// findings (warnings) are left to [`render_findings`], which the caller
/// may run while it writes.
pub(crate) fn analyze_for_output(
    paths: Vec<PathBuf>,
    deny_warnings: bool,
    out: &Output,
) -> Result<driver::Analysis, i32> {
    let analysis = match driver::analyze_with(&Options { paths }, deny_warnings) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(EXIT_FAILURE);
        }
    };
    if analysis.has_errors() {
        if out.quiet() {
            print_errors(&analysis, out);
        } else {
            render_findings(&analysis, out);
        }
        return Err(EXIT_FINDINGS);
    }
    Ok(analysis)
}

/// Reports the diagnostics of `analysis` on stderr (people), unless
/// quiet.
pub(crate) fn render_findings(analysis: &driver::Analysis, out: &Output) {
    if !out.quiet() && !analysis.diagnostics.is_empty() {
        let _ = render::render(
            render::Format::Human,
            &analysis.sources,
            &analysis.diagnostics,
            &out.human(true),
            &mut std::io::stderr(),
        );
    }
}
