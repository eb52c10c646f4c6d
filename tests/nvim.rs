//! A real editor against `omnis lsp`: Neovim's built-in LSP client,
//! headless, runs `tests/nvim/lsp_test.lua` on a copy of
//! `tests/fixtures/lsp` (diagnostics, definition, hover, rename,
//! formatting). Skipped, with a note, when `nvim` is not installed
//! (`.ci/run` installs it).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn neovim_drives_the_server() {
    if Command::new("nvim").arg("--version").output().is_err() {
        eprintln!("note: nvim is not installed; the Neovim test is skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lsp");
    for e in std::fs::read_dir(fixtures).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), root.join(e.file_name())).unwrap();
    }
    std::fs::write(
        root.join("messy.omni"),
        "import   \"vocab.omni\"\nmessage m {channel email template \"t\"}\n",
    )
    .unwrap();
    let out = root.join("results.txt");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/nvim/lsp_test.lua");
    let mut child = Command::new("nvim")
        .args(["--headless", "--clean", "-u", "NONE", "-i", "NONE", "-n"])
        .arg("-c")
        .arg(format!("luafile {}", script.display()))
        .env("OMNIS_BIN", env!("CARGO_BIN_EXE_omnis"))
        .env("OMNIS_ROOT", &root)
        .env("OMNIS_OUT", &out)
        .env("XDG_STATE_HOME", &root)
        .env("XDG_CACHE_HOME", &root)
        .current_dir(&root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(300) {
            let _ = child.kill();
            panic!(
                "nvim did not finish; results so far:\n{}",
                std::fs::read_to_string(&out).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let results = std::fs::read_to_string(&out).unwrap_or_default();
    let expected = [
        "diagnostics",
        "diagnostics_cleared_as_you_type",
        "definition",
        "hover",
        "rename",
        "rename_refuses_keywords",
        "formatting",
    ];
    let lines: Vec<&str> = results.lines().collect();
    for name in expected {
        assert!(
            lines.contains(&format!("ok {name}").as_str()),
            "{name} failed in Neovim:\n{results}"
        );
    }
    // The rename reached the file on disk's buffer only: nothing saved.
    let welcome = std::fs::read_to_string(root.join("welcome.omni")).unwrap();
    assert!(welcome.contains("nudge_mail"));
}
