//! `omnis build` and its output folder: one summary line, the manifest as
//! the current set, old plans removed and other files kept, unchanged
//! plans left alone, temporary files safe from planted links and cleaned
//! after a kill, a write error that says what was replaced, a failed build
//! that adds no file, one build at a time, and no `.omni` file at all being
//! an error.

mod common;

use std::path::Path;

use common::{omnis, stderr, stdout, write};

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A vocabulary and one campaign per name, each in its own file.
fn project(dir: &Path, campaigns: &[&str]) {
    write(
        dir,
        "src/vocab.omni",
        "profile { opt_in: bool }\nevent signup { source: text }\nevent bought { total: number }\n\
         channel email { consent opt_in }\nmessage hello { channel email  template \"hello\" }\n",
    );
    for c in campaigns {
        write(
            dir,
            &format!("src/{c}.omni"),
            &format!(
                "import \"vocab.omni\"\ncampaign {c} {{\n  trigger signup\n  goal bought\n  journey {{\n    send hello\n  }}\n}}\n"
            ),
        );
    }
}

fn build(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["build", "src", "--out", "plans"];
    args.extend_from_slice(extra);
    omnis(&args, dir)
}

#[test]
fn one_summary_line_by_default_and_file_lines_with_verbose() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), &["a", "b"]);
    let o = build(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "wrote 2 plans to plans/\n");
    let o = build(dir.path(), &["--verbose"]);
    assert_eq!(
        stdout(&o),
        "unchanged plans/a.plan.json\nunchanged plans/b.plan.json\n\
         wrote 2 plans to plans/ (2 unchanged)\n"
    );
}

#[test]
fn a_renamed_campaign_leaves_only_the_current_plans_and_other_files_alone() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), &["welcome", "keep"]);
    write(dir.path(), "plans/notes.txt", "mine");
    write(dir.path(), "plans/handmade.plan.json", "{}");
    assert_eq!(build(dir.path(), &[]).status.code(), Some(0));
    std::fs::remove_file(dir.path().join("src/welcome.omni")).unwrap();
    project(dir.path(), &["welcome_v2"]);
    let o = build(dir.path(), &["-v"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("removed plans/welcome.plan.json\n"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).ends_with("(1 unchanged, 1 old plan removed)\n"));
    // Files the manifest never listed stay, whatever their names.
    assert_eq!(
        listing(&dir.path().join("plans")),
        [
            "handmade.plan.json",
            "keep.plan.json",
            "notes.txt",
            "omnis-manifest.json",
            "welcome_v2.plan.json"
        ]
    );
    let manifest = std::fs::read_to_string(dir.path().join("plans/omnis-manifest.json")).unwrap();
    let m = omnis::plan::manifest::Manifest::parse(&manifest).unwrap();
    let files: Vec<&str> = m.plans.iter().map(|p| p.file.as_str()).collect();
    assert_eq!(files, ["keep.plan.json", "welcome_v2.plan.json"]);
}

#[cfg(unix)]
#[test]
fn unchanged_plans_are_not_rewritten() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), &["a", "b"]);
    assert_eq!(build(dir.path(), &[]).status.code(), Some(0));
    let inode = |f: &str| {
        std::fs::metadata(dir.path().join("plans").join(f))
            .unwrap()
            .ino()
    };
    let before = (
        inode("a.plan.json"),
        inode("b.plan.json"),
        inode("omnis-manifest.json"),
    );
    // `b` changes: only its plan and the manifest are replaced.
    write(
        dir.path(),
        "src/b.omni",
        "import \"vocab.omni\"\ncampaign b {\n  trigger signup\n  goal bought\n  journey {\n    wait 1d\n    send hello\n  }\n}\n",
    );
    let o = build(dir.path(), &[]);
    assert_eq!(stdout(&o), "wrote 2 plans to plans/ (1 unchanged)\n");
    assert_eq!(inode("a.plan.json"), before.0);
    assert_ne!(inode("b.plan.json"), before.1);
    assert_ne!(inode("omnis-manifest.json"), before.2);
}

#[cfg(unix)]
#[test]
fn planted_links_are_never_written_through_and_stale_temporary_files_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), &["a"]);
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    std::fs::create_dir_all(dir.path().join("plans")).unwrap();
    let plans = dir.path().join("plans");
    // The name an older build used for its temporary file, and the plan's
    // own name, both planted as links to the victim.
    std::os::unix::fs::symlink(&victim, plans.join(".a.plan.json.4242.tmp")).unwrap();
    std::os::unix::fs::symlink(&victim, plans.join("a.plan.json")).unwrap();
    // What a build killed part-way leaves, and a file that is not ours.
    write(&plans, ".a.plan.json.x1y2z3.omnis-tmp", "half a plan");
    write(&plans, ".keep.tmp", "not ours");
    let o = build(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(!std::fs::symlink_metadata(plans.join("a.plan.json"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        listing(&plans),
        [".keep.tmp", "a.plan.json", "omnis-manifest.json"]
    );
}

#[test]
fn a_write_error_part_way_says_which_plans_were_replaced() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), &["a", "b"]);
    // `a.plan.json` holds an older plan; `b.plan.json` is a folder with a
    // file in it: it cannot be replaced.
    write(dir.path(), "plans/a.plan.json", "{}");
    write(dir.path(), "plans/b.plan.json/inside", "x");
    let o = build(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("cannot write `plans/b.plan.json`"), "{err}");
    assert!(
        err.contains(
            "these plans were replaced before the error, and the manifest was not: a.plan.json"
        ),
        "{err}"
    );
    assert!(!dir.path().join("plans/omnis-manifest.json").exists());
    // No temporary file is left behind.
    assert_eq!(
        listing(&dir.path().join("plans")),
        ["a.plan.json", "b.plan.json"]
    );
}

#[test]
fn a_build_that_fails_adds_no_file() {
    let dir = tempfile::tempdir().unwrap();
    // Enough plans for the whole file system to be synced at once (from
    // 32 files), and a few (the files synced one by one).
    for n in [40, 3] {
        let names: Vec<String> = (0..n).map(|i| format!("c{i:02}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        project(dir.path(), &names);
        let plans = dir.path().join("plans");
        let _ = std::fs::remove_dir_all(&plans);
        // `c01.plan.json` is a folder with a file in it: it cannot be
        // replaced. Every other name is free.
        write(dir.path(), "plans/c01.plan.json/inside", "x");
        let o = build(dir.path(), &[]);
        assert_eq!(o.status.code(), Some(2));
        let err = stderr(&o);
        assert!(err.contains("cannot write `plans/c01.plan.json`"), "{err}");
        assert!(err.contains("; no plan was replaced"), "{err}");
        // The plans written before the error are removed again, and no
        // temporary file is left.
        assert_eq!(listing(&plans), ["c01.plan.json"]);
        // Once the folder is moved away, the same build writes them all.
        std::fs::remove_dir_all(&plans).unwrap();
        let o = build(dir.path(), &[]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(listing(&plans).len(), n + 1);
        std::fs::remove_dir_all(dir.path().join("src")).unwrap();
    }
}

#[cfg(unix)]
#[test]
fn one_build_at_a_time_per_folder() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), &["a"]);
    let plans = dir.path().join("plans");
    std::fs::create_dir_all(&plans).unwrap();
    let held = std::fs::File::open(&plans).unwrap();
    held.lock().unwrap();
    let o = build(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("another `omnis build` is writing to `plans`"));
    assert!(listing(&plans).is_empty());
    held.unlock().unwrap();
    assert_eq!(build(dir.path(), &[]).status.code(), Some(0));
}

#[test]
fn no_omni_files_is_an_error_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    write(dir.path(), "src/readme.txt", "not a campaign");
    for args in [
        &["check", "src"][..],
        &["build", "src", "--out", "plans"],
        &["fmt", "src"],
        &["graph", "src"],
    ] {
        let o = omnis(args, dir.path());
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&o).contains("no `.omni` files in `src`; pass --allow-empty"),
            "{args:?}: {}",
            stderr(&o)
        );
        let mut allowed = args.to_vec();
        allowed.push("--allow-empty");
        let o = omnis(&allowed, dir.path());
        assert_eq!(o.status.code(), Some(0), "{allowed:?}: {}", stderr(&o));
    }
    assert!(!dir.path().join("plans").join("a.plan.json").exists());
}
