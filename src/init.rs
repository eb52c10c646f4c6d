//! `omnis init [DIR]`: a new campaigns project.
//!
//! Writes `omnis.toml` (the project root, with every lint listed in a
//! commented `[lints]` table), `campaigns/vocabulary.omni` (profile,
//! events, a channel and a segment), `campaigns/welcome.omni` (a campaign
//! that checks clean), the GitHub Actions workflow
//! `.github/workflows/omnis.yml`, the same file `docs/ci.md` shows
//! (`templates/omnis.yml`), and `plans/.gitignore`, which keeps the plans
//! `omnis build --out plans` writes out of git (CI builds them) while the
//! folder itself stays (a `.gitignore` of the project's own is not touched). Nothing is overwritten: when any of these files
//! exists, nothing is written at all.

use std::path::{Path, PathBuf};

/// The GitHub Actions workflow `init` writes and `docs/ci.md` documents.
pub const WORKFLOW: &str = include_str!("../templates/omnis.yml");
/// The first campaign's vocabulary.
pub const VOCABULARY: &str = include_str!("../templates/init/vocabulary.omni");
/// The first campaign.
pub const WELCOME: &str = include_str!("../templates/init/welcome.omni");

/// Where the workflow goes, relative to the project.
pub const WORKFLOW_PATH: &str = ".github/workflows/omnis.yml";

/// The `.gitignore` of the plans folder: everything in it but itself.
pub const PLANS_GITIGNORE: &str = "\
# Plans are build output: `omnis build --out plans` writes them (and CI
# builds them from the sources), so they are not committed.
*
!.gitignore
";

/// `omnis.toml`: the project root, and every lint at its default level in
/// a commented `[lints]` table.
pub fn config_toml() -> String {
    let mut s = String::from(
        "# The Omnis project root: imports may not leave this folder.\n\
         #\n\
         # Lint levels: \"allow\" (not reported), \"warn\" (the default) or \"deny\"\n\
         # (an error: `omnis check` fails). `omnis explain CODE` says what a lint\n\
         # finds and how to fix it; `@allow(CODE)` before a step silences one finding.\n\
         [lints]\n",
    );
    for c in crate::codes::CODES.iter().filter(|c| c.configurable) {
        s.push_str(&format!("# {} = \"warn\"\n", c.code));
    }
    s
}

/// The files `init` writes: path relative to the project, contents.
pub fn files() -> Vec<(&'static str, String)> {
    vec![
        ("omnis.toml", config_toml()),
        ("campaigns/vocabulary.omni", VOCABULARY.to_string()),
        ("campaigns/welcome.omni", WELCOME.to_string()),
        (WORKFLOW_PATH, WORKFLOW.to_string()),
        ("plans/.gitignore", PLANS_GITIGNORE.to_string()),
    ]
}

#[derive(Debug)]
pub enum InitError {
    /// These files exist already; nothing was written.
    Exists(Vec<PathBuf>),
    Io(PathBuf, std::io::Error),
}

impl std::fmt::Display for InitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InitError::Exists(paths) => {
                let list: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                write!(
                    f,
                    "not overwriting {}; nothing was written",
                    list.join(", ")
                )
            }
            InitError::Io(p, e) => write!(f, "{}: {e}", p.display()),
        }
    }
}

impl std::error::Error for InitError {}

/// Writes the project into `dir` (created if needed); returns the paths
/// written.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>, InitError> {
    let files = files();
    let existing: Vec<PathBuf> = files
        .iter()
        .map(|(p, _)| dir.join(p))
        .filter(|p| p.exists() || p.is_symlink())
        .collect();
    if !existing.is_empty() {
        return Err(InitError::Exists(existing));
    }
    let mut written = Vec::new();
    for (rel, text) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| InitError::Io(parent.to_path_buf(), e))?;
        }
        // `create_new`: never clobber a file that appeared meanwhile.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| InitError::Io(path.clone(), e))?;
        std::io::Write::write_all(&mut f, text.as_bytes())
            .map_err(|e| InitError::Io(path.clone(), e))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_lists_every_lint_and_parses() {
        let toml = config_toml();
        for c in crate::codes::CODES {
            assert_eq!(
                toml.contains(&format!("# {} = \"warn\"\n", c.code)),
                c.configurable,
                "{}",
                c.code
            );
        }
        let value: toml::Value = toml::from_str(&toml).unwrap();
        assert!(value["lints"].as_table().unwrap().is_empty());
    }
}
