//! # untrackable-engagement
//!
//! `opened MESSAGE` where the message goes out on a channel whose kind
//! cannot report opens (`sms`, `webhook`, `ads`, `direct_mail`), or
//! `clicked MESSAGE` where it cannot report clicks (`webhook`,
//! `direct_mail`); likewise `opened any CHANNEL within D` / `clicked any
//! CHANNEL within D` on such a channel. Reported at the
//! `opened`/`clicked` condition, in an `if` or a `wait for` (its event or
//! its `where`).
//!
//! ## Why
//! A runner learns that a message was opened from a tracking pixel, and
//! that it was clicked from a tracked link. A text message has no pixel,
//! an ad impression is not an open, and a webhook or a letter has neither
//! pixel nor link. Nothing ever reports the engagement, so the condition is
//! always false: `if opened coupon_sms` never takes its branch, `if not
//! opened coupon_sms` always does, and `wait for opened coupon_sms` always
//! times out. The journey silently treats everyone as "did not engage".
//!
//! | kind | opens | clicks |
//! |---|---|---|
//! | email, push, in_app, whatsapp | yes | yes |
//! | sms, ads | no | yes |
//! | webhook, direct_mail | no | no |
//!
//! ## Example
//! ```omni
//! message coupon_sms { channel sms  template "coupon-sms" }
//! ...
//! send coupon_sms
//! wait for opened coupon_sms within 1d otherwise {   // texts report no opens
//!   send coupon_email                                // so everyone gets this
//! }
//! ```
//!
//! ## Fix
//! Check what the channel can report (`clicked coupon_sms`: links in texts
//! are tracked), or an event the person does (`wait for order_placed
//! within 1d`). For webhooks and letters, wait for the event the other
//! system sends back.

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::lints::engagement_before_send::waited_span;
use crate::lints::util::{campaign_conds, kind_note, walk_cond, walk_steps};
use crate::lints::LintContext;
use crate::model::{
    Campaign, ChannelId, Cond, CondKind, Loc, MessageId, Program, StepKind, WaitOn,
};
use crate::source::Span;

pub const CODE: Code = Code::UntrackableEngagement;

/// Channel kinds that cannot report that a message was opened.
pub const NO_OPENS: &[&str] = &["sms", "webhook", "ads", "direct_mail"];
/// Channel kinds that cannot report that a message was clicked.
pub const NO_CLICKS: &[&str] = &["webhook", "direct_mail"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verb {
    Opened,
    Clicked,
}

impl Verb {
    fn word(self) -> &'static str {
        match self {
            Verb::Opened => "opened",
            Verb::Clicked => "clicked",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Verb::Opened => "opens",
            Verb::Clicked => "clicks",
        }
    }

    fn untracked_kinds(self) -> &'static [&'static str] {
        match self {
            Verb::Opened => NO_OPENS,
            Verb::Clicked => NO_CLICKS,
        }
    }
}

/// One engagement check as written.
struct Check {
    verb: Verb,
    what: What,
    /// Where to report: the condition, or `opened NAME` in a `wait for`.
    span: Span,
    loc: Loc,
    /// Whether it is what a `wait for` waits on.
    waited: bool,
    /// Whether it is what an `on` of a `wait for any` waits on.
    arm: bool,
}

/// What an engagement check is about.
#[derive(Clone, Copy)]
enum What {
    /// `opened M`, `clicked M`.
    Message(MessageId),
    /// `opened any CHANNEL`, `clicked any CHANNEL`.
    Channel(ChannelId),
}

impl What {
    fn channel(self, program: &Program) -> ChannelId {
        match self {
            What::Message(m) => program.message(m).channel,
            What::Channel(c) => c,
        }
    }
}

/// The engagement a condition atom checks. This is the one place that
/// knows which conditions are engagement checks.
fn engagement(cond: &Cond) -> Option<(Verb, What)> {
    match cond.kind {
        CondKind::Opened(m) => Some((Verb::Opened, What::Message(m))),
        CondKind::Clicked(m) => Some((Verb::Clicked, What::Message(m))),
        CondKind::EngagedAny {
            channel: Some(c),
            clicked,
            ..
        } => Some((
            if clicked { Verb::Clicked } else { Verb::Opened },
            What::Channel(c),
        )),
        _ => None,
    }
}

/// Every engagement check of a campaign: in its conditions (at any depth)
/// and the events its `wait for` steps wait on.
fn checks(cx: &LintContext, campaign: &Campaign) -> Vec<Check> {
    let mut out = Vec::new();
    campaign_conds(campaign, &mut |c| {
        walk_cond(c, &mut |atom| {
            if let Some((verb, what)) = engagement(atom) {
                out.push(Check {
                    verb,
                    what,
                    span: atom.loc.span,
                    loc: atom.loc,
                    waited: false,
                    arm: false,
                });
            }
        })
    });
    walk_steps(&campaign.journey, &mut |step| {
        let awaited: Vec<(&WaitOn, Loc)> = match &step.kind {
            StepKind::WaitFor { on, .. } => vec![(on, step.loc)],
            StepKind::WaitAny { arms, .. } => arms.iter().map(|a| (&a.on, a.at)).collect(),
            _ => return,
        };
        for (on, at) in awaited {
            let (verb, message) = match on {
                WaitOn::Opened(m) => (Verb::Opened, *m),
                WaitOn::Clicked(m) => (Verb::Clicked, *m),
                WaitOn::Event(_) => continue,
            };
            let span = match step.kind {
                StepKind::WaitFor { .. } => waited_span(cx, at),
                _ => at.span,
            };
            out.push(Check {
                verb,
                what: What::Message(message),
                span,
                loc: at,
                waited: true,
                arm: !matches!(step.kind, StepKind::WaitFor { .. }),
            });
        }
    });
    out.sort_by_key(|c| (c.loc.file, c.span.start));
    out
}

/// Whether the channel of `what` can report `verb`.
fn trackable(program: &Program, what: What, verb: Verb) -> bool {
    let kind = &program.channel(what.channel(program)).kind;
    !verb.untracked_kinds().contains(&kind.as_str())
}

pub fn check(cx: &LintContext) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for campaign in cx.campaigns() {
        for c in checks(cx, campaign) {
            if trackable(cx.program, c.what, c.verb) {
                continue;
            }
            out.push(diagnose(cx, &c));
        }
    }
    out
}

fn diagnose(cx: &LintContext, c: &Check) -> Diagnostic {
    let program = cx.program;
    let ch = program.channel(c.what.channel(program));
    let verb = c.verb.word();
    let kind = kind_note(ch);
    let What::Message(message) = c.what else {
        let help = match c.verb {
            Verb::Opened if !NO_CLICKS.contains(&ch.kind.as_str()) => format!(
                "`{}` messages report clicks but not opens: use `clicked any {}`, or an event the person does",
                ch.kind, ch.name
            ),
            _ => format!(
                "`{}` messages report neither opens nor clicks: check an event the person (or the receiving system) sends back",
                ch.kind
            ),
        };
        return Diagnostic::warning(
            CODE,
            c.loc.file,
            c.span,
            format!(
                "`{verb} any {}` is always false: channel `{}`{kind} cannot report {}",
                ch.name,
                ch.name,
                c.verb.noun()
            ),
        )
        .with_label(
            ch.loc.file,
            ch.loc.span,
            format!("`{}` is declared here", ch.name),
        )
        .with_help(help);
    };
    let msg = program.message(message);
    let name = &msg.name;
    let help = match c.verb {
        Verb::Opened if !NO_CLICKS.contains(&ch.kind.as_str()) => format!(
            "`{}` messages report clicks but not opens: use `clicked {name}`, or wait for an event the person does",
            ch.kind
        ),
        _ => format!(
            "`{}` messages report neither opens nor clicks: wait for an event the person (or the receiving system) sends back",
            ch.kind
        ),
    };
    Diagnostic::warning(
        CODE,
        c.loc.file,
        c.span,
        format!(
            "`{verb} {name}` {}: `{name}` goes out on channel `{}`{kind}, which cannot report {}",
            if c.arm {
                "never happens, so this `on` is never taken"
            } else if c.waited {
                "never happens, so this `wait for` always times out"
            } else {
                "is always false"
            },
            ch.name,
            c.verb.noun()
        ),
    )
    .with_label(
        msg.loc.file,
        msg.loc.span,
        format!("`{name}` is sent on `{}`{kind}", ch.name),
    )
    .with_help(help)
}
