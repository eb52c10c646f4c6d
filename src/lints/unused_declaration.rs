//! # unused-declaration
//!
//! A segment, channel or message is declared in the checked files and used
//! by none of them.
//!
//! Used means: a segment named in a condition, an audience, a
//! `trigger enters` or another segment; a channel named by a message; a
//! message sent, or named in `opened`/`clicked`. Declarations that files
//! are only imported from are not checked, and neither is a library file
//! (one that declares no campaign) checked alone: its users are elsewhere.
//! A library file counts as checked with its users as soon as another
//! checked file uses one of its declarations. Profile attributes and
//! events describe data that exists outside Omnis and are never reported.
//!
//! ## Why
//! Unused declarations are usually leftovers of a journey that changed: a
//! message nobody sends any more still looks like part of the campaign to
//! the next reader, and a misspelt use elsewhere may mean the declaration
//! that was meant is the unused one.
//!
//! ## Example
//! ```omni
//! segment vip = lifetime_value >= 1000       // nothing refers to `vip`
//! message old_coupon { channel email  template "coupon-2024" }
//! ```
//!
//! ## Fix
//! Delete it, or use it where it was meant to be used. A declaration kept
//! on purpose (a message about to be sent by a new campaign) can carry
//! `@allow(unused-declaration)`.

use crate::codes::Code;
use std::collections::HashSet;

use crate::diagnostic::Diagnostic;
use crate::lints::LintContext;
use crate::model::Loc;
use crate::source::FileId;
use crate::symbols::Target;

pub const CODE: Code = Code::UnusedDeclaration;

pub fn check(cx: &LintContext) -> Vec<Diagnostic> {
    // A use in a campaign with errors may not have resolved.
    if !cx.whole_program() || !cx.lints_declarations() {
        return Vec::new();
    }
    let p = cx.program;
    // The files each declaration is named in, from the symbol index.
    let users = |t: Target| -> Vec<FileId> {
        let ix = &p.symbols;
        ix.symbol(t)
            .map(|s| ix.references(s).map(|r| r.file).collect())
            .unwrap_or_default()
    };
    let segments: Vec<Vec<FileId>> = (0..p.segments.len())
        .map(|i| users(Target::Segment(crate::model::SegmentId(i as u32))))
        .collect();
    let channels: Vec<Vec<FileId>> = (0..p.channels.len())
        .map(|i| users(Target::Channel(crate::model::ChannelId(i as u32))))
        .collect();
    let messages: Vec<Vec<FileId>> = (0..p.messages.len())
        .map(|i| users(Target::Message(crate::model::MessageId(i as u32))))
        .collect();

    // Which files are checked: the roots, except libraries checked alone.
    let roots: HashSet<FileId> = cx.roots.iter().copied().collect();
    let with_campaign: HashSet<FileId> = p.campaigns.iter().map(|c| c.loc.file).collect();
    let mut used_from_elsewhere: HashSet<FileId> = HashSet::new();
    let decl_files = p
        .segments
        .iter()
        .map(|s| s.loc.file)
        .zip(segments.iter())
        .chain(p.channels.iter().map(|c| c.loc.file).zip(channels.iter()))
        .chain(p.messages.iter().map(|m| m.loc.file).zip(messages.iter()));
    for (decl, users) in decl_files {
        if users.iter().any(|&u| u != decl) {
            used_from_elsewhere.insert(decl);
        }
    }
    let checked = |file: FileId| {
        roots.contains(&file)
            && (with_campaign.contains(&file) || used_from_elsewhere.contains(&file))
    };

    let mut out = Vec::new();
    let mut report = |kind: &str, name: &str, loc: Loc, help: &str| {
        if !checked(loc.file) {
            return;
        }
        out.push(
            Diagnostic::warning(
                CODE,
                loc.file,
                loc.span,
                format!("{kind} `{name}` is declared but never used"),
            )
            .with_help(help.to_string()),
        );
    };
    for (s, users) in p.segments.iter().zip(&segments) {
        if users.is_empty() {
            report(
                "segment",
                &s.name,
                s.loc,
                "remove it, or use it in an `audience`, a condition or `trigger enters`",
            );
        }
    }
    for (c, users) in p.channels.iter().zip(&channels) {
        if users.is_empty() {
            report(
                "channel",
                &c.name,
                c.loc,
                "remove it, or declare a message on it",
            );
        }
    }
    for (m, users) in p.messages.iter().zip(&messages) {
        if users.is_empty() {
            report(
                "message",
                &m.name,
                m.loc,
                "remove it, or `send` it in a journey",
            );
        }
    }
    out
}
