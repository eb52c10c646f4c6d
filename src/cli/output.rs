//! Where every command's output goes, in one place: the global `--quiet`
//! and `--color` flags, `check --output-file`, and what a failed write
//! means.
//!
//! - Results (a report, a plan schema, a diagram, a diff) go to
//!   [`Output::data`]: standard output, or the file of `--output-file`.
//! - Status lines (`wrote ...`, `created ...`) and summaries go to
//!   [`Output::status`], which `--quiet` silences; notes on stderr are
//!   printed only when [`Output::quiet`] is false.
//! - Colour ([`Output::human`]): `--color always` or `never` decide; `auto`
//!   (the default) colours a stream only when it is a terminal and
//!   `NO_COLOR` is not set to a non-empty value (<https://no-color.org>:
//!   the flag overrides the variable).
//! - Failed writes: standard output is written through a writer that keeps
//!   the first error and refuses further writes, so no command needs to
//!   check its writes. [`Output::finish`] turns that error into exit code
//!   2 with a message, except a closed pipe (`omnis check | head`): then the
//!   reader has what it wanted and the exit code still says what was found.

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use clap::ValueEnum;

use super::{EXIT_FAILURE, EXIT_OK};
use crate::render::HumanOptions;

/// `--color WHEN`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal, unless `NO_COLOR` is set.
    #[default]
    Auto,
    /// Colour, even when not on a terminal or with `NO_COLOR` set.
    Always,
    /// No colour.
    Never,
}

impl ColorChoice {
    /// Whether a stream gets colour: `is_terminal` says whether it is one.
    pub fn wants_color(self, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_terminal && !no_color(),
        }
    }

    fn clap(self) -> clap::ColorChoice {
        match self {
            ColorChoice::Auto => clap::ColorChoice::Auto,
            ColorChoice::Always => clap::ColorChoice::Always,
            ColorChoice::Never => clap::ColorChoice::Never,
        }
    }
}

/// `NO_COLOR` set to anything but the empty string.
fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// The flags every command takes (before or after the command's name).
#[derive(clap::Args, Clone, Debug, Default, PartialEq, Eq)]
pub struct GlobalArgs {
    /// Print only results and errors: no summary, status lines, notes or
    /// (outside `check`) warnings.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// When to use colour: `auto` (on a terminal, unless NO_COLOR is set),
    /// `always` or `never`.
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        default_value_t = ColorChoice::Auto,
        global = true
    )]
    pub color: ColorChoice,
}

/// `--color` as written in `args`, before clap has parsed them (so that
/// clap's own usage errors and help follow it too). The last one wins, as
/// with clap; nothing after `--` counts.
pub fn color_in_args(args: &[OsString]) -> Option<clap::ColorChoice> {
    let mut found = None;
    let mut iter = args.iter().skip(1).map(|a| a.to_str().unwrap_or(""));
    while let Some(arg) = iter.next() {
        let value = match arg {
            "--" => break,
            "--color" => iter.next(),
            _ => arg.strip_prefix("--color="),
        };
        if let Some(v) = value.and_then(|v| ColorChoice::from_str(v, false).ok()) {
            found = Some(v.clap());
        }
    }
    found
}

/// A writer that keeps its first error: later writes fail at once and
/// write nothing.
struct Recording<W: Write> {
    inner: W,
    error: Option<io::Error>,
}

impl<W: Write> Recording<W> {
    fn new(inner: W) -> Self {
        Recording { inner, error: None }
    }

    fn record<T>(&mut self, r: io::Result<T>) -> io::Result<T> {
        r.inspect_err(|e| {
            if self.error.is_none() {
                self.error = Some(io::Error::new(e.kind(), e.to_string()));
            }
        })
    }

    fn failed(&self) -> io::Result<()> {
        match &self.error {
            Some(e) => Err(io::Error::new(e.kind(), e.to_string())),
            None => Ok(()),
        }
    }
}

impl<W: Write> Write for Recording<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.failed()?;
        let r = self.inner.write(buf);
        self.record(r)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.failed()?;
        let r = self.inner.flush();
        self.record(r)
    }
}

/// Where results go.
enum Target {
    Stdout(Recording<io::BufWriter<io::Stdout>>),
    /// `--output-file`: collected, and written when the command is done
    /// (so a run that fails before its report leaves no file behind).
    File {
        path: PathBuf,
        buf: Vec<u8>,
    },
}

/// The output of one command; see the module documentation.
pub struct Output {
    args: GlobalArgs,
    target: Target,
    sink: io::Sink,
}

impl Output {
    pub fn new(args: GlobalArgs) -> Output {
        Output {
            args,
            target: Target::Stdout(Recording::new(io::BufWriter::new(io::stdout()))),
            sink: io::sink(),
        }
    }

    /// Results go to the file `path` instead of standard output.
    pub fn to_file(&mut self, path: PathBuf) {
        self.target = Target::File {
            path,
            buf: Vec::new(),
        };
    }

    pub fn quiet(&self) -> bool {
        self.args.quiet
    }

    /// Where results go.
    pub fn data(&mut self) -> &mut dyn Write {
        match &mut self.target {
            Target::Stdout(w) => w,
            Target::File { buf, .. } => buf,
        }
    }

    /// Where status lines and summaries go (nowhere with `--quiet`).
    pub fn status(&mut self) -> &mut dyn Write {
        if self.args.quiet {
            &mut self.sink
        } else {
            self.data()
        }
    }

    /// How human diagnostics look on standard output (or the output file)
    /// or, with `stderr`, on standard error.
    pub fn human(&self, stderr: bool) -> HumanOptions {
        let terminal = if stderr {
            io::stderr().is_terminal()
        } else {
            matches!(self.target, Target::Stdout(_)) && io::stdout().is_terminal()
        };
        HumanOptions {
            color: self.args.color.wants_color(terminal),
            width: terminal_width(),
            summary: !self.args.quiet,
        }
    }

    /// Writes what is left and returns the exit code: the command's `code`,
    /// or 2 when its output could not be written (a closed pipe aside).
    pub fn finish(self, code: i32) -> i32 {
        match self.target {
            Target::Stdout(mut w) => {
                let _ = w.flush();
                match w.error {
                    None => code,
                    Some(e) if e.kind() == io::ErrorKind::BrokenPipe => code,
                    Some(e) => {
                        eprintln!("error: cannot write to standard output: {e}");
                        EXIT_FAILURE
                    }
                }
            }
            Target::File { path, buf } => {
                // Usage and I/O failures (exit 2) come before any report.
                if code == EXIT_FAILURE && buf.is_empty() {
                    return code;
                }
                match std::fs::write(&path, buf) {
                    Ok(()) => code,
                    Err(e) => {
                        eprintln!("error: cannot write `{}`: {e}", path.display());
                        EXIT_FAILURE
                    }
                }
            }
        }
    }
}

/// The width of the terminal when `COLUMNS` says it (40 to 500), else 100.
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|w: &usize| (40..=500).contains(w))
        .unwrap_or(100)
}

/// Writes the text of clap's `--help`, `--version` or usage error and
/// returns the exit code: 0 for help and version, 2 for usage errors and
/// when the text cannot be written (a closed pipe aside).
pub fn print_clap(e: &clap::Error) -> i32 {
    let code = if e.use_stderr() {
        EXIT_FAILURE
    } else {
        EXIT_OK
    };
    let written = e.print().and_then(|()| {
        if e.use_stderr() {
            io::stderr().flush()
        } else {
            io::stdout().flush()
        }
    });
    match written {
        Err(err) if err.kind() != io::ErrorKind::BrokenPipe => {
            if !e.use_stderr() {
                eprintln!("error: cannot write to standard output: {err}");
            }
            EXIT_FAILURE
        }
        _ => code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn color_flag_is_found_before_parsing() {
        let c = |l: &[&str]| color_in_args(&args(l));
        assert_eq!(c(&["omnis", "check"]), None);
        assert_eq!(
            c(&["omnis", "--color", "never", "check"]),
            Some(clap::ColorChoice::Never)
        );
        assert_eq!(
            c(&["omnis", "check", "--color=always", "--color", "never"]),
            Some(clap::ColorChoice::Never)
        );
        assert_eq!(c(&["omnis", "check", "--", "--color=always"]), None);
        assert_eq!(c(&["omnis", "check", "--color", "purple"]), None);
    }

    #[test]
    fn the_flag_decides_before_the_terminal() {
        assert!(ColorChoice::Always.wants_color(false));
        assert!(!ColorChoice::Never.wants_color(true));
        assert!(!ColorChoice::Auto.wants_color(false));
    }

    #[test]
    fn a_recording_writer_keeps_its_first_error_and_stops() {
        struct Full(usize);
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                self.0 += 1;
                Err(io::Error::other(format!("full {}", self.0)))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut w = Recording::new(Full(0));
        assert!(w.write_all(b"a").is_err());
        assert!(w.write_all(b"b").is_err());
        assert_eq!(w.inner.0, 1, "nothing is written after a failure");
        assert_eq!(w.error.unwrap().to_string(), "full 1");
    }
}
