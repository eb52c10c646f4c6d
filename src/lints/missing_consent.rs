//! # missing-consent
//!
//! A messaging channel (kind `email`, `sms`, `push` or `whatsapp`) has no
//! `consent` attribute.
//!
//! ## Why
//! These channels reach a person directly, and the law (GDPR, CAN-SPAM,
//! TCPA and their kin) as well as the person expect their opt-in to be
//! respected. A runner skips a send when the channel's consent attribute is
//! false or unset; without one, it has nothing to check and sends to
//! everyone the journey reaches. Ads, in-app messages, webhooks and direct
//! mail are governed differently and are not checked.
//!
//! ## Example
//! ```omni
//! profile { sms_opt_in: bool }
//! channel sms { limit 1 per 1d }        // no consent: everyone gets texts
//! ```
//!
//! ## Fix
//! Name the bool profile attribute that records the opt-in:
//! ```omni
//! channel sms { consent sms_opt_in  limit 1 per 1d }
//! ```

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::lints::util::kind_note;
use crate::lints::LintContext;
use crate::model::MESSAGING_KINDS;

pub const CODE: Code = Code::MissingConsent;

pub fn check(cx: &LintContext) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for ch in &cx.program.channels {
        if !cx.lints_declarations_in(ch.loc.file)
            || ch.consent.is_some()
            || !MESSAGING_KINDS.contains(&ch.kind.as_str())
        {
            continue;
        }
        let span = ch.loc.span;
        let kind = kind_note(ch);
        out.push(
            Diagnostic::warning(
                CODE,
                ch.loc.file,
                span,
                format!(
                    "channel `{}`{kind} reaches people directly but has no `consent`: its messages would go to everyone, opted in or not",
                    ch.name
                ),
            )
            .with_help(format!(
                "add `consent ATTRIBUTE`, naming the bool profile attribute that records the opt-in (e.g. `consent {}_opt_in`)",
                ch.kind
            )),
        );
    }
    out
}
