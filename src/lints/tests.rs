//! Unit tests of the lint framework and of cases the UI fixtures cannot
//! show on their own (they need another lint's verdict, or a model the
//! front end would not build).

use std::path::PathBuf;

use super::*;
use crate::config::Level;
use crate::diagnostic::Severity;
use crate::graph::lower_all;
use crate::graph::testkit::{on_event, ProgramBuilder};
use crate::model::{CampaignId, ChannelId, EventId, Step, Trigger, Type, WaitOn};
use crate::source::SourceFile;

fn sources() -> SourceMap {
    let mut s = SourceMap::new();
    s.add(SourceFile::new(
        PathBuf::from("t.omni"),
        "t.omni".into(),
        " ".repeat(10_000),
    ));
    s
}

fn run_on(program: &Program, config: &LintConfig) -> Vec<Diagnostic> {
    let journeys = lower_all(program);
    let sources = sources();
    let roots = [FileId(0)];
    let mut cx = LintContext::new(program, &journeys, &sources, &roots);
    run(&mut cx, config)
}

fn codes(diags: &[Diagnostic]) -> Vec<&'static str> {
    let mut v: Vec<_> = diags.iter().map(|d| d.code.as_str()).collect();
    v.sort();
    v
}

/// A builder with the trigger event `e`, a `goal` event and a webhook
/// channel `c` (which needs no consent).
fn setup() -> (ProgramBuilder, Trigger, EventId, ChannelId) {
    let mut b = ProgramBuilder::new();
    let e = b.event("e", &[]);
    let goal = b.event("goal", &[]);
    let ch = b.channel("c", None);
    b.program.channels[ch.index()].kind = "webhook".into();
    (b, on_event(e), goal, ch)
}

/// Campaign `c` running `steps`, with the goal `goal`.
fn campaign(b: &mut ProgramBuilder, t: Trigger, goal: EventId, steps: Vec<Step>) -> CampaignId {
    let c = b.campaign("c", t, steps);
    let loc = b.loc();
    b.campaign_mut(c).goal = Some((goal, loc));
    c
}

#[test]
fn contradictory_branches_are_not_paths() {
    // if flag { send m  if not flag { send m } }: the inner send cannot
    // happen (unreachable-step's to report), so nothing is repeated.
    let (mut b, t, goal, ch) = setup();
    let flag = b.attr("flag", Type::Bool);
    let m = b.message("m", ch);
    let s1 = b.send(m);
    let s2 = b.send(m);
    let f = b.flag(flag);
    let nf = b.not(f);
    let inner = b.if_(vec![(nf, vec![s2])], None);
    let f = b.flag(flag);
    let outer = b.if_(vec![(f, vec![s1, inner])], None);
    campaign(&mut b, t, goal, vec![outer]);
    let found = run_on(&b.program, &LintConfig::default());
    assert!(!codes(&found).contains(&"repeated-message"), "{found:#?}");
    // Taking every branch as possible, it would be.
    let journeys = lower_all(&b.program);
    let classes = crate::analysis::content::content_classes(&b.program);
    assert_eq!(
        crate::analysis::content::repeated_sends(&journeys[0], &classes, &|_| true).len(),
        1
    );
}

#[test]
fn analyses_are_dropped_after_their_last_lint() {
    // A send checked for engagement in a repeat, under a limit: every
    // analysis is computed (reach, timing, the flow, one of each).
    let (mut b, t, goal, ch) = setup();
    b.program.channels[ch.index()].limits = vec![crate::model::LimitSpec {
        count: 1,
        per_seconds: 86_400,
        loc: b.loc(),
    }];
    let m = b.message("m", ch);
    let s = b.send(m);
    let w = b.wait_for(WaitOn::Opened(m), 3600, None, None);
    let r = b.repeat(2, vec![s, w]);
    campaign(&mut b, t, goal, vec![r]);
    let journeys = lower_all(&b.program);
    let sources = sources();
    let roots = [FileId(0)];
    let mut cx = LintContext::new(&b.program, &journeys, &sources, &roots);
    let kept = |cx: &LintContext| {
        [
            cx.reach.get().is_some(),
            cx.timing[0].get().is_some(),
            cx.flow[0].get().is_some(),
        ]
    };
    let mut seen = Vec::new();
    cx.ran(None);
    // The lints in table order, as `run_all` runs them.
    for (code, check) in lints() {
        check(&cx);
        seen.push((code, kept(&cx)));
        cx.ran(Some(code));
        let after = kept(&cx);
        if code == LAST_READER.flow {
            assert!(!after[2], "the flow outlives {code:?}");
        }
        if code == LAST_READER.reach {
            assert!(!after[0] && !after[1], "reach or timing outlive {code:?}");
        }
    }
    // Each was there for its last reader.
    let at = |code: Code| seen.iter().find(|(c, _)| *c == code).unwrap().1;
    assert!(at(LAST_READER.flow)[2]);
    assert_eq!(at(LAST_READER.reach), [true, true, false]);
    // And a whole run finds the same as before, with nothing kept.
    let found = run(&mut cx, &LintConfig::default());
    assert_eq!(kept(&cx), [false, false, false]);
    assert!(codes(&found).contains(&"frequency-cap"), "{found:#?}");
}

#[test]
fn engagement_with_a_message_never_sent_is_left_to_unreachable_step() {
    let (mut b, t, goal, ch) = setup();
    let m = b.message("m", ch);
    let n = b.message("n", ch);
    let s = b.send(n);
    let w = b.wait_for(WaitOn::Clicked(m), 3600, None, Some(vec![s]));
    campaign(&mut b, t, goal, vec![w]);
    let journeys = lower_all(&b.program);
    let all = engagement_before_send::analyze(&journeys[0], &|_| true);
    assert_eq!(all.len(), 1);
    assert!(!all[0].1 && all[0].2, "never sent, on every path");
    let found = run_on(&b.program, &LintConfig::default());
    assert!(
        !codes(&found).contains(&"engagement-before-send"),
        "{found:#?}"
    );
}

#[test]
fn allows_mark_the_innermost_and_levels_come_after() {
    // @allow(repeated-message) on the campaign and on the second send: the
    // inner one silences, the outer one silenced nothing.
    let (mut b, t, goal, ch) = setup();
    let m = b.message("m", ch);
    let s1 = b.send(m);
    let w = b.wait(86_400);
    let mut s2 = b.send(m);
    let code_loc = b.loc();
    s2.allows.codes.push(("repeated-message".into(), code_loc));
    let c = campaign(&mut b, t, goal, vec![s1, w, s2]);
    // The campaign's span must cover its steps.
    let start = crate::source::Span::new(0, 5_000);
    b.campaign_mut(c).loc.span = start;
    let outer_loc = b.loc();
    b.campaign_mut(c)
        .allows
        .codes
        .push(("repeated-message".into(), outer_loc));
    let found = run_on(&b.program, &LintConfig::default());
    assert_eq!(codes(&found), ["unused-allow"], "{found:#?}");
    assert_eq!(found[0].span, outer_loc.span);

    // Levels apply to what is left: unused-allow denied is an error.
    let mut config = LintConfig::default();
    config.set("unused-allow", Level::Deny).unwrap();
    let found = run_on(&b.program, &config);
    assert_eq!(found[0].severity, Severity::Error);
    config.set("unused-allow", Level::Allow).unwrap();
    assert!(run_on(&b.program, &config).is_empty());
}

#[test]
fn allow_of_an_error_or_unknown_code_is_reported() {
    let (mut b, t, goal, ch) = setup();
    let m = b.message("m", ch);
    let mut s1 = b.send(m);
    let l1 = b.loc();
    let l2 = b.loc();
    s1.allows.codes.push(("instant-loop".into(), l1));
    s1.allows.codes.push(("no-gaol".into(), l2));
    campaign(&mut b, t, goal, vec![s1]);
    let found = run_on(&b.program, &LintConfig::default());
    let messages: Vec<String> = found
        .iter()
        .map(|d| format!("{} {}", d.message, d.help.clone().unwrap_or_default()))
        .collect();
    assert_eq!(found.len(), 2, "{messages:#?}");
    assert!(messages[0].contains("`instant-loop` is an error and cannot be allowed"));
    assert!(
        messages[1].contains("did you mean `no-goal`?"),
        "{messages:#?}"
    );
}
