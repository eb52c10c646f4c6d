//! "Did you mean" suggestions for mistyped names.

use std::path::Path;

use crate::files::walk::Rules;
use crate::files::Tree;

/// The candidate closest to `name`, when one is close enough to be a
/// plausible typo (Jaro-Winkler similarity, ties broken alphabetically).
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(f64, &'a str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let score = strsim::jaro_winkler(name, c);
        let better = match best {
            None => true,
            Some((s, b)) => score > s || (score == s && c < b),
        };
        if better {
            best = Some((score, c));
        }
    }
    best.filter(|&(s, c)| s >= 0.8 || (name.len() > 3 && c.contains(name)))
        .map(|(_, c)| c)
}

/// The `.omni` file in `path`'s folder whose name is closest to `path`'s,
/// when one is close enough to be a typo. Only folders inside the project
/// `root` are looked at, through `tree` (the disk, or a git revision).
pub fn near_file(tree: &dyn Tree, path: &Path, root: &Path) -> Option<String> {
    let dir = tree.resolve(path.parent()?).ok()?;
    if !dir.starts_with(root) {
        return None;
    }
    let wanted = path.file_name()?.to_str()?;
    let walked = tree.walk(&dir, &Rules::new(root, &[]));
    let names: Vec<&str> = walked
        .files
        .iter()
        .filter(|(_, canonical)| canonical.parent() == Some(dir.as_path()))
        .filter_map(|(_, canonical)| canonical.file_name()?.to_str())
        .collect();
    did_you_mean(wanted, names).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_close_names_only() {
        let names = ["cart_reminder", "coupon_20", "welcome"];
        assert_eq!(did_you_mean("cart_remnder", names), Some("cart_reminder"));
        assert_eq!(did_you_mean("welcom", names), Some("welcome"));
        assert_eq!(did_you_mean("xyz", names), None);
    }

    #[test]
    fn near_files_are_found_in_the_folder_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::write(root.join("audience.omni"), "").unwrap();
        std::fs::write(root.join("audience.txt"), "").unwrap();
        let near =
            |p: &str, r: &std::path::Path| super::near_file(&crate::files::Disk, &root.join(p), r);
        assert_eq!(
            near("audiance.omni", &root).as_deref(),
            Some("audience.omni")
        );
        assert_eq!(near("zzz.omni", &root), None);
        assert_eq!(
            near("audiance.omni", &root.join("sub")),
            None,
            "outside the root"
        );
    }
}
