//! Walking folders and reading sources (`crate::files`): links out of the
//! project root, FIFOs and other non-files, link loops, the size cap,
//! `.gitignore`, `exclude`, and many imports.

mod common;

use std::path::Path;

use common::{git, omnis, stderr, stdout, write};

const CLEAN: &str =
    "profile { opt_in: bool }\nevent signup { source: text }\nevent bought { total: number }\n\
channel email { consent opt_in }\nmessage hello { channel email  template \"hello\" }\n\
campaign welcome {\n  trigger signup\n  goal bought\n  journey {\n    send hello\n  }\n}\n";

/// A project folder `p` (with `omnis.toml`) holding one clean campaign.
fn project(dir: &Path) -> std::path::PathBuf {
    write(dir, "p/omnis.toml", "");
    write(dir, "p/welcome.omni", CLEAN);
    dir.join("p")
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let o = std::process::Command::new("mkfifo")
        .arg(path)
        .output()
        .unwrap();
    assert!(o.status.success());
}

#[cfg(unix)]
#[test]
fn a_walked_link_out_of_the_root_is_refused_and_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path());
    write(dir.path(), "secret.txt", "AWS_SECRET_KEY=hunter2\n");
    std::os::unix::fs::symlink("../secret.txt", p.join("notes.omni")).unwrap();
    for args in [
        &["check", "p"][..],
        &["build", "p", "--out", "out"],
        &["graph", "p"],
    ] {
        let o = omnis(args, dir.path());
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let all = format!("{}{}", stdout(&o), stderr(&o));
        assert!(
            all.contains("cannot read `p/notes.omni`: it is outside the project root"),
            "{all}"
        );
        assert!(!all.contains("hunter2"), "{all}");
    }
    // fmt neither reads nor rewrites it.
    std::fs::write(dir.path().join("secret.txt"), "campaign   x {   }\n").unwrap();
    let o = omnis(&["fmt", "p"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("secret.txt")).unwrap(),
        "campaign   x {   }\n"
    );
}

#[cfg(unix)]
#[test]
fn fifos_are_refused_without_blocking_walked_imported_or_as_omnis_toml() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path());
    mkfifo(&p.join("pipe.omni"));
    let o = omnis(&["check", "p"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("`p/pipe.omni`: it is a FIFO (named pipe), not a regular file"));
    std::fs::remove_file(p.join("pipe.omni")).unwrap();

    mkfifo(&p.join("vocab.omni"));
    write(&p, "uses.omni", "import \"vocab.omni\"\n");
    let o = omnis(&["check", "p/uses.omni"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("cannot import `vocab.omni`: it is a FIFO"),
        "{}",
        stdout(&o)
    );
    std::fs::remove_file(p.join("vocab.omni")).unwrap();
    std::fs::remove_file(p.join("uses.omni")).unwrap();

    std::fs::remove_file(p.join("omnis.toml")).unwrap();
    mkfifo(&p.join("omnis.toml"));
    let o = omnis(&["check", "p"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("omnis.toml`: it is a FIFO"),
        "{}",
        stderr(&o)
    );
}

#[cfg(unix)]
#[test]
fn link_loops_are_walked_once_and_links_to_slash_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path());
    // 2^40 paths if followed naively.
    for l in ["l1", "l2"] {
        std::os::unix::fs::symlink(".", p.join(l)).unwrap();
    }
    std::fs::create_dir_all(p.join("sub")).unwrap();
    std::os::unix::fs::symlink("..", p.join("sub/up")).unwrap();
    let o = omnis(&["check", "p"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("in 1 file"), "{}", stdout(&o));
    // A link inside the root to a folder inside it is followed (once).
    write(&p, "real/more.omni", "// nothing\n");
    std::os::unix::fs::symlink("real", p.join("alias")).unwrap();
    let o = omnis(&["check", "p"], dir.path());
    assert!(stdout(&o).contains("in 2 files"), "{}", stdout(&o));
    // A link to `/` is refused, not walked.
    std::os::unix::fs::symlink("/", p.join("everything")).unwrap();
    let o = omnis(&["check", "p"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read `p/everything`: it is outside the project root"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn files_over_the_size_cap_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path());
    // Sparse: no disk and no memory used.
    let big = std::fs::File::create(p.join("big.omni")).unwrap();
    big.set_len(omnis::files::MAX_SOURCE_BYTES + 1).unwrap();
    let o = omnis(&["check", "p"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("it is 16777217 bytes, over the limit of 16 MiB for a source file"),
        "{}",
        stderr(&o)
    );
    // Exactly at the cap is read (and is one long line of NULs: a syntax error).
    big.set_len(omnis::files::MAX_SOURCE_BYTES).unwrap();
    let o = omnis(&["check", "p/big.omni"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

#[test]
fn gitignored_and_excluded_paths_are_skipped_unless_named() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path());
    assert!(git(&p, &["init", "-q"]).status.success());
    write(&p, ".gitignore", "generated/\n");
    write(&p, "generated/bad.omni", "campaign {\n");
    write(
        &p,
        "omnis.toml",
        "exclude = [\"drafts/\", \"*.wip.omni\"]\n",
    );
    write(&p, "drafts/bad.omni", "campaign {\n");
    write(&p, "deep/x.wip.omni", "campaign {\n");
    let o = omnis(&["check", "p"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("in 1 file"), "{}", stdout(&o));
    // A path named on the command line is always checked.
    let o = omnis(&["check", "p/drafts/bad.omni"], dir.path());
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn many_import_lines_load_in_linear_time() {
    // 20,000 imports took seconds when each one rescanned the file's list.
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path());
    write(&p, "vocab.omni", "event other { source: text }\n");
    let mut text = String::new();
    for _ in 0..20_000 {
        text.push_str("import \"vocab.omni\"\n");
    }
    write(&p, "many.omni", &text);
    let a = omnis::driver::analyze(&omnis::driver::Options {
        paths: vec![p.join("many.omni")],
    })
    .unwrap();
    assert!(!a.has_errors());
    assert_eq!(a.imports[0].len(), 1);
}

#[test]
fn check_with_no_arguments_in_this_repository_skips_the_test_fixtures() {
    // The repository's omnis.toml excludes `tests/`, whose fixtures are
    // wrong on purpose.
    let o = omnis(&["check"], common::root());
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(!stdout(&o).contains("tests/"), "{}", stdout(&o));
}
