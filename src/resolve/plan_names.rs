//! Campaign names become plan file names (`<campaign>.plan.json`), so they
//! must make a file on every system a project is checked out on: two names
//! that differ only in case collide on macOS and Windows (`invalid-value`,
//! at the later one, with a label at the other), and Windows reserves
//! device names such as `CON` or `lpt1` (`invalid-value`).

use std::borrow::Cow;
use std::collections::HashMap;

use smallvec::SmallVec;

use super::{Entry, Ns, Resolver};
use crate::codes::Code;
use crate::diagnostic::Diagnostic;

/// The names Windows reserves for devices, whatever the case and
/// extension.
const DEVICE_NAMES: &[&str] = &["con", "prn", "aux", "nul"];

/// Whether `name` is a Windows device name (`CON`, `com1`, `LPT9`, ...).
pub fn is_device_name(name: &str) -> bool {
    // `con` to `lpt9`: none is longer than four bytes.
    if name.len() > 4 {
        return false;
    }
    let lower = name.to_ascii_lowercase();
    if DEVICE_NAMES.contains(&lower.as_str()) {
        return true;
    }
    let (stem, digit) = lower.split_at(lower.len().saturating_sub(1));
    (stem == "com" || stem == "lpt") && digit.chars().all(|c| c.is_ascii_digit()) && digit != "0"
}

impl Resolver<'_> {
    pub(super) fn check_plan_file_names(&mut self) {
        let rank = self.loaded.import_order();
        let names = &self.names[Ns::Campaign as usize];
        // Keyed by the name in lower case, borrowed when it is that already
        // (most are): a workspace declares 20,000 campaigns.
        type Group<'n> = SmallVec<[(&'n str, Entry); 1]>;
        let mut by_folded: HashMap<Cow<'_, str>, Group<'_>> = HashMap::with_capacity(names.len());
        for (name, entries) in names {
            let folded = if name
                .bytes()
                .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
            {
                Cow::Borrowed(name.as_str())
            } else {
                Cow::Owned(name.to_lowercase())
            };
            let group = by_folded.entry(folded).or_default();
            group.extend(entries.iter().map(|e| (name.as_str(), *e)));
        }
        let mut groups: Vec<Group<'_>> = by_folded.into_values().collect();
        for g in &mut groups {
            g.sort_by_key(|(_, e)| (rank[e.file.0 as usize], e.span));
        }
        groups.sort_by_key(|g| (rank[g[0].1.file.0 as usize], g[0].1.span));
        let mut found = Vec::new();
        for group in groups {
            let &(first_name, first) = &group[0];
            if is_device_name(first_name) {
                found.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        first.file,
                        first.span,
                        format!("`{first_name}` cannot name a campaign: it is a device name on Windows"),
                    )
                    .with_help(format!(
                        "each campaign becomes a plan file named after it, and Windows cannot create `{first_name}.plan.json`; rename the campaign"
                    )),
                );
            }
            // Same spelling twice is the plain `duplicate-name` already.
            for &(name, later) in group.iter().skip(1).filter(|(n, _)| *n != first_name) {
                let mut d = Diagnostic::error(
                    Code::InvalidValue,
                    later.file,
                    later.span,
                    format!("the campaign `{name}` differs from `{first_name}` only in case"),
                );
                d.labels.push(crate::diagnostic::Label {
                    file: first.file,
                    span: first.span,
                    message: format!("`{first_name}` is declared here"),
                });
                d.help = Some(format!(
                    "each campaign becomes a plan file named after it, and `{name}.plan.json` and `{first_name}.plan.json` are one file on macOS and Windows; rename one of them"
                ));
                found.push(d);
            }
        }
        self.diags.extend(found);
    }
}

#[cfg(test)]
mod tests {
    use super::is_device_name;

    #[test]
    fn device_names() {
        for n in ["CON", "con", "Prn", "aux", "NUL", "com1", "LPT9"] {
            assert!(is_device_name(n), "{n}");
        }
        for n in ["console", "com0", "com", "lpt10", "nul_", "welcome"] {
            assert!(!is_device_name(n), "{n}");
        }
    }
}
