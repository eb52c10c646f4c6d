//! Comparing syntax trees with the spans left out: two files mean the same
//! when their trees are equal but for where things were written.
//!
//! The comparison reads the trees' derived `Debug` text with positions
//! hidden ([`crate::source::debug_without_positions`]): every field of
//! every node is in it, so a node kind or field added to the AST is
//! compared without anything written here.

use crate::source::debug_without_positions;
use crate::syntax::ast::File;

/// Whether `a` and `b` are the same tree, ignoring spans, the file id and
/// comments (compare comment texts separately).
pub fn same_tree(a: &File, b: &File) -> bool {
    erased(a) == erased(b)
}

/// What `f` means: its tree without spans, file id or comments.
pub fn erased(f: &File) -> String {
    let File {
        file: _,
        items,
        comments: _,
    } = f;
    debug_without_positions(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use crate::syntax::parse_file;

    fn tree(text: &str) -> File {
        let (f, diags) = parse_file(FileId(3), text);
        assert!(diags.is_empty(), "{diags:?}");
        f
    }

    #[test]
    fn spans_file_ids_and_comments_do_not_count() {
        let a = tree("message m {\n  channel email\n  template \"t\"\n}\n");
        let b = tree("// a comment\n\n\nmessage   m { channel email template \"t\" }");
        assert!(same_tree(&a, &b));
    }

    #[test]
    fn names_values_and_steps_do() {
        let base =
            "campaign c {\n  trigger e\n  journey {\n    wait 1d\n    set plan = \"pro\"\n  }\n}\n";
        for other in [
            base.replace("1d", "2d"),
            base.replace("\"pro\"", "\"free\""),
            base.replace("set plan = \"pro\"", "unset plan"),
            base.replace("plan", "tier"),
        ] {
            assert!(!same_tree(&tree(base), &tree(&other)), "{other}");
        }
        // Positions are shown again outside the comparison.
        assert!(format!("{:?}", tree(base)).contains("Span { start"));
    }
}
