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
use crate::lints::util::{campaign_conds, name_span, walk_cond, walk_steps};
use crate::lints::LintContext;
use crate::model::{CondKind, Loc, StepKind, Trigger, WaitOn};
use crate::source::FileId;

pub const CODE: Code = Code::UnusedDeclaration;

pub fn check(cx: &LintContext) -> Vec<Diagnostic> {
    // A use in a campaign with errors may not have resolved.
    if !cx.whole_program() || !cx.lints_declarations() {
        return Vec::new();
    }
    let p = cx.program;
    let mut segments = vec![Vec::<FileId>::new(); p.segments.len()];
    let mut channels = vec![Vec::<FileId>::new(); p.channels.len()];
    let mut messages = vec![Vec::<FileId>::new(); p.messages.len()];

    let cond_uses = |file: FileId,
                     cond: &crate::model::Cond,
                     segments: &mut Vec<Vec<FileId>>,
                     messages: &mut Vec<Vec<FileId>>| {
        walk_cond(cond, &mut |c| match &c.kind {
            CondKind::Segment(s) => segments[s.index()].push(file),
            CondKind::Opened(m) | CondKind::Clicked(m) => messages[m.index()].push(file),
            _ => {}
        });
    };
    for s in &p.segments {
        cond_uses(s.loc.file, &s.cond, &mut segments, &mut messages);
    }
    for m in &p.messages {
        channels[m.channel.index()].push(m.loc.file);
    }
    for c in &p.campaigns {
        let file = c.loc.file;
        if let Trigger::Enters(s) = c.trigger {
            segments[s.index()].push(file);
        }
        campaign_conds(c, &mut |cond| {
            cond_uses(file, cond, &mut segments, &mut messages)
        });
        walk_steps(&c.journey, &mut |s| match &s.kind {
            StepKind::Send(m) => messages[m.index()].push(file),
            StepKind::WaitFor {
                on: WaitOn::Opened(m) | WaitOn::Clicked(m),
                ..
            } => messages[m.index()].push(file),
            _ => {}
        });
    }

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
                name_span(cx.sources, loc, kind, name),
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
