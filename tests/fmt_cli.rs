//! `omnis fmt` end to end: what it writes, what it prints, its exit codes.

mod common;

use std::path::Path;
use std::process::Output;

use common::{stderr, stdout, write};

/// `omnis args…` in `cwd`, without colour.
fn omnis(args: &[&str], cwd: &Path) -> Output {
    common::command(args, cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run omnis")
}

fn read(dir: &Path, name: &str) -> String {
    common::read(&dir.join(name))
}

const TIDY: &str = "segment a = x\n";
const MESSY: &str = "segment   b=y\nmessage m {channel email template \"t\"}\n";
const MESSY_FORMATTED: &str = "segment b = y\nmessage m { channel email  template \"t\" }\n";
const BROKEN: &str = "segment c = x &&\n";

/// A project: a tidy file, a messy one in a subfolder, a file that is not
/// `.omni`.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "tidy.omni", TIDY);
    write(dir.path(), "sub/messy.omni", MESSY);
    write(dir.path(), "notes.txt", "segment   x=y\n");
    dir
}

#[test]
fn check_lists_the_files_that_would_change_and_writes_nothing() {
    let dir = project();
    let o = omnis(&["fmt", "--check"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stdout(&o), "sub/messy.omni\n");
    assert_eq!(read(dir.path(), "sub/messy.omni"), MESSY);

    let o = omnis(&["fmt", "--check", "tidy.omni"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
}

#[test]
fn diff_prints_a_unified_diff_and_writes_nothing() {
    let dir = project();
    let o = omnis(&["fmt", "--diff", "."], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("--- sub/messy.omni\n+++ sub/messy.omni\n@@ "),
        "{out}"
    );
    assert!(out.contains("\n-segment   b=y\n"), "{out}");
    assert!(out.contains("\n+segment b = y\n"), "{out}");
    assert!(!out.contains("tidy.omni"), "{out}");
    assert_eq!(read(dir.path(), "sub/messy.omni"), MESSY);

    let o = omnis(&["fmt", "--diff", "tidy.omni"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "");
}

#[test]
fn fmt_rewrites_files_in_place_and_only_those_that_change() {
    let dir = project();
    let tidy_before = std::fs::metadata(dir.path().join("tidy.omni"))
        .unwrap()
        .modified()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let o = omnis(&["fmt"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    assert_eq!(read(dir.path(), "sub/messy.omni"), MESSY_FORMATTED);
    assert_eq!(read(dir.path(), "tidy.omni"), TIDY);
    assert_eq!(read(dir.path(), "notes.txt"), "segment   x=y\n");
    let tidy_after = std::fs::metadata(dir.path().join("tidy.omni"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(tidy_before, tidy_after, "an unchanged file was rewritten");
    // No temporary files are left behind.
    let left: Vec<String> = common::read_dir(&dir.path().join("sub"))
        .into_iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["messy.omni"]);
    // Now everything is formatted.
    let o = omnis(&["fmt", "--check"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn files_with_syntax_errors_are_reported_and_left_alone() {
    for mode in [&["fmt"][..], &["fmt", "--check"], &["fmt", "--diff"]] {
        let dir = project();
        write(dir.path(), "broken.omni", BROKEN);
        let o = omnis(mode, dir.path());
        assert_eq!(o.status.code(), Some(1), "{mode:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("syntax-error"), "{mode:?}: {err}");
        assert!(err.contains("broken.omni:1:"), "{mode:?}: {err}");
        assert_eq!(read(dir.path(), "broken.omni"), BROKEN);
        assert!(!stdout(&o).contains("broken.omni"), "{mode:?}");
        // The other files are still handled.
        if mode.len() == 1 {
            assert_eq!(read(dir.path(), "sub/messy.omni"), MESSY_FORMATTED);
        } else {
            assert!(stdout(&o).contains("sub/messy.omni"), "{mode:?}");
        }
    }
}

#[test]
fn missing_paths_are_an_io_failure() {
    let dir = project();
    let o = omnis(&["fmt", "--check", "nowhere.omni"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nowhere.omni"), "{}", stderr(&o));
}

#[cfg(unix)]
#[test]
fn permissions_are_kept() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project();
    let path = dir.path().join("sub/messy.omni");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let o = omnis(&["fmt", "sub"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o640);
    assert_eq!(read(dir.path(), "sub/messy.omni"), MESSY_FORMATTED);
}

#[test]
fn help_documents_the_exit_codes() {
    let o = omnis(&["fmt", "--help"], Path::new("."));
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for want in [
        "--check",
        "--diff",
        "Exit codes",
        "does not parse",
        "left as it is",
    ] {
        assert!(out.contains(want), "{want}: {out}");
    }
}

/// `omnis args…` in `cwd` with `input` on standard input.
fn omnis_stdin(args: &[&str], cwd: &Path, input: &str) -> Output {
    use std::io::Write;
    let mut child = common::command(args, cwd)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run omnis");
    // omnis may exit without reading (a usage error): a closed pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    child.wait_with_output().expect("wait for omnis")
}

#[test]
fn dash_formats_standard_input_to_standard_output() {
    let dir = project();
    let o = omnis_stdin(&["fmt", "-"], dir.path(), MESSY);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), MESSY_FORMATTED);
    assert_eq!(stderr(&o), "");
    // A formatted text comes back as it is.
    let o = omnis_stdin(&["fmt", "-"], dir.path(), TIDY);
    assert_eq!((o.status.code(), stdout(&o)), (Some(0), TIDY.to_string()));
    // Nothing on disk changed.
    assert_eq!(read(dir.path(), "sub/messy.omni"), MESSY);
}

#[test]
fn stdin_with_check_and_diff_and_errors() {
    let dir = project();
    let o = omnis_stdin(&["fmt", "-", "--check"], dir.path(), MESSY);
    assert_eq!((o.status.code(), stdout(&o)), (Some(1), "<stdin>\n".into()));
    let o = omnis_stdin(&["fmt", "-", "--check"], dir.path(), TIDY);
    assert_eq!((o.status.code(), stdout(&o)), (Some(0), String::new()));
    let o = omnis_stdin(
        &["fmt", "--diff", "--stdin-filename", "a/b.omni"],
        dir.path(),
        MESSY,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).starts_with("--- a/b.omni\n+++ a/b.omni\n@@ "),
        "{}",
        stdout(&o)
    );
    // A text that does not parse: nothing on stdout (an editor keeps its
    // buffer), the diagnostics under the given name on stderr, exit 1.
    let o = omnis_stdin(
        &["fmt", "--stdin-filename", "campaigns/x.omni"],
        dir.path(),
        BROKEN,
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "");
    assert!(stderr(&o).contains("campaigns/x.omni:1:"), "{}", stderr(&o));
    // `-` with paths is a usage error.
    let o = omnis_stdin(&["fmt", "-", "tidy.omni"], dir.path(), TIDY);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("standard input"), "{}", stderr(&o));
}

#[test]
fn crlf_files_stay_crlf() {
    let dir = project();
    let crlf = MESSY.replace('\n', "\r\n");
    write(dir.path(), "win.omni", &crlf);
    write(dir.path(), "tidy_win.omni", &TIDY.replace('\n', "\r\n"));
    let o = omnis(&["fmt", "--check", "tidy_win.omni"], dir.path());
    assert_eq!(
        o.status.code(),
        Some(0),
        "a formatted CRLF file is formatted"
    );
    let o = omnis(&["fmt", "win.omni"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        read(dir.path(), "win.omni"),
        MESSY_FORMATTED.replace('\n', "\r\n")
    );
    let o = omnis_stdin(&["fmt", "-"], dir.path(), &crlf);
    assert_eq!(stdout(&o), MESSY_FORMATTED.replace('\n', "\r\n"));
}
