//! `omnis explain`: what a diagnostic code means.

use std::io::Write;

use super::{EXIT_FAILURE, EXIT_OK};

pub(super) fn explain(code: Option<&str>, out: &mut dyn Write) -> i32 {
    match code {
        None => {
            for c in crate::codes::CODES {
                let _ = writeln!(
                    out,
                    "{:<24} {:<8} {}",
                    c.code,
                    c.default_severity.as_str(),
                    c.summary
                );
            }
            EXIT_OK
        }
        Some(code) => match crate::codes::lookup(code) {
            Some(info) => {
                let _ = write!(out, "{}", info.explanation());
                EXIT_OK
            }
            None => {
                let hint = crate::codes::suggest(code)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                eprintln!("error: there is no diagnostic code `{code}`{hint}; `omnis explain` lists them all");
                EXIT_FAILURE
            }
        },
    }
}
