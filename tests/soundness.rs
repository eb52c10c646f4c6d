//! Soundness of `omnis check` against real executions.
//!
//! Random small campaigns are generated as `.omni` source text over a fixed
//! vocabulary (a profile with bool, number and one-of attributes, four
//! events, three channels with random quiet hours and limits, four to six
//! messages of which some share their content, and a random journey with
//! sends, waits, `wait until`, `wait for` an event or engagement, `wait
//! for any` of several (events with filters, opens, clicks), `if` /
//! `else if` / `else`, splits with a 0% arm now and then, `repeat`, named
//! steps and `goto`s, `exit`, `set` and `unset` of the attributes the
//! conditions read; a random trigger, audience, goal, `exit when`,
//! `reentry`, campaign `limit`, window and time zone; the goal and the exit
//! now and then with a `where`, and up to two `exit unless`). Each is
//! checked with `driver::analyze`, its plan emitted and run by the reference
//! runner (`omnis::simulate`, traced) for a random population: people from
//! `generate_people`, and people of our own whose opens and clicks are
//! placed just after the messages a first run sent them, so that engagement
//! branches are taken.
//!
//! What `check` promises, checked against every timeline (the trace says
//! which send node each send or skip came from):
//! 1. `repeated-message`: nobody is sent the same content (template and
//!    vars) twice within one journey, except by a send `check` reports, or
//!    by a resend to non-openers that `check` leaves alone
//!    (`resends_to_unengaged`) to a person who had not both opened and
//!    clicked that content when the step before it ran;
//! 2. `unreachable-step`: no node the findings make unreachable is ever
//!    executed (a finding is mapped to its step by its span; every step the
//!    entry reaches only through such steps is unreachable too);
//! 3. `frequency-cap`: the runner never skips a send for a campaign or
//!    channel limit because of the sends of the same journey, except a send
//!    `check` reports (with `reentry`, the sends of an earlier journey can
//!    make it skip: that is the limit doing its job across journeys, which
//!    the lint is not about);
//! 4. `instant-loop`: the runner never stops a journey for going round a
//!    loop with no time passing.
//!
//! And where the analyses are exact (a journey with one execution: no
//! conditions, splits or `wait for`, no `goto` into a `repeat` body; no
//! audience, `exit unless` or trigger filter; no window): when `check` reports
//! `repeated-message`, a person with every consent who enters once does get
//! some content twice; when it reports `frequency-cap` (and no quiet hours
//! or `wait until` stretch the waits), such a person has a send skipped for
//! a limit.
//!
//! Environment: `OMNIS_SOUNDNESS_CASES` sets the number of cases (default
//! 256; a few seconds), `OMNIS_SOUNDNESS_SEED=N` runs seed N and
//! `OMNIS_SOUNDNESS_SEED=random` a fresh one (by default the fixed
//! `gen::DEFAULT_SEED`);
//! `OMNIS_SOUNDNESS_SLOW=1` prints cases that take over a second and
//! `OMNIS_SOUNDNESS_CURRENT=FILE` writes each case's source there before
//! running it (to find one that hangs). A failure prints the campaign, what
//! `check` said, the person's inputs and timeline and the last nodes
//! executed, and is saved in `tests/soundness.proptest-regressions`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use petgraph::visit::EdgeRef;
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};

use omnis::codes::Code;
use omnis::driver::{analyze, Analysis, Options};
use omnis::graph::NodeKind;
use omnis::model::CampaignId;
use omnis::plan::{emit::emit, time, Plan};
use omnis::simulate::{
    generate_people, ExitReason, Person, PersonScenario, Scenario, Simulator, SkipReason, Timeline,
    Value, What,
};

mod gen;
use gen::*;

// ---------------------------------------------------------------------------
// Checking

/// What `check` said about the campaign.
struct Findings {
    repeated: bool,
    freq: bool,
    /// The send nodes with a `repeated-message` or `frequency-cap` finding.
    repeated_at: BTreeSet<String>,
    /// The send nodes `repeated-message` leaves alone as resends to people
    /// who did not open or click the content.
    resends: BTreeSet<String>,
    freq_at: BTreeSet<String>,
    /// Node ids no execution may execute.
    unreachable: BTreeSet<String>,
    /// The message of each send node, by id.
    send_nodes: HashMap<String, String>,
    /// The ids of the plan's nodes (the trace's indices), once emitted.
    plan_ids: Vec<String>,
    /// The diagnostics, one line each (for failure messages).
    text: String,
}

fn findings(a: &Analysis) -> Findings {
    let journey = &a.journeys[0];
    let g = &journey.graph;
    let mut heads = HashSet::new();
    let mut repeated_at = BTreeSet::new();
    let mut freq_at = BTreeSet::new();
    let mut text = String::new();
    for d in &a.diagnostics {
        let lc = a.sources.get(d.file).line_col(d.span.start as usize);
        let _ = writeln!(
            text,
            "  {}:{} {}: {}",
            lc.line, lc.column, d.code, d.message
        );
        // The step a finding is at: its span starts where the step does.
        let at: Vec<_> = g
            .node_indices()
            .filter(|&n| g[n].kind.is_step() && g[n].loc.span.start == d.span.start)
            .collect();
        let ids = at.iter().map(|&n| g[n].id.clone());
        match d.code {
            Code::UnreachableStep => {
                assert!(!at.is_empty(), "no step at an unreachable-step finding");
                heads.extend(at);
            }
            Code::RepeatedMessage => repeated_at.extend(ids),
            Code::FrequencyCap => freq_at.extend(ids),
            _ => {}
        }
    }
    // Everything the entry reaches only through the findings' steps.
    let mut seen = vec![false; g.node_count()];
    let mut stack = vec![journey.entry];
    seen[journey.entry.index()] = true;
    while let Some(v) = stack.pop() {
        for e in g.edges(v) {
            let w = e.target();
            if !seen[w.index()] && !heads.contains(&w) {
                seen[w.index()] = true;
                stack.push(w);
            }
        }
    }
    let unreachable = g
        .node_indices()
        .filter(|&n| g[n].kind.is_step() && !seen[n.index()])
        .map(|n| g[n].id.clone())
        .collect();
    let send_nodes = g
        .node_indices()
        .filter_map(|n| match g[n].kind {
            NodeKind::Send(m) => Some((g[n].id.clone(), a.program.message(m).name.clone())),
            _ => None,
        })
        .collect();
    let cx = omnis::lints::LintContext::new(&a.program, &a.journeys, &a.sources, &a.roots);
    let content = omnis::analysis::content::content_classes(&a.program);
    let resend =
        omnis::analysis::content::resends_to_unengaged(journey, cx.reach(journey), &content);
    let resends = g
        .node_indices()
        .filter(|n| resend[n.index()])
        .map(|n| g[n].id.clone())
        .collect();
    let has = |code: Code| a.diagnostics.iter().any(|d| d.code == code);
    Findings {
        resends,
        repeated: has(Code::RepeatedMessage),
        freq: has(Code::FrequencyCap),
        repeated_at,
        freq_at,
        unreachable,
        send_nodes,
        plan_ids: Vec::new(),
        text,
    }
}

/// Content class of each message: template and vars.
fn contents(plan: &Plan) -> HashMap<String, String> {
    plan.messages
        .iter()
        .map(|(name, m)| {
            (
                name.clone(),
                format!("{} {}", m.template, serde_json::to_string(&m.vars).unwrap()),
            )
        })
        .collect()
}

struct Stats {
    cases: AtomicUsize,
    valid: AtomicUsize,
    people: AtomicUsize,
    entries: AtomicUsize,
    sends: AtomicUsize,
    repeats: AtomicUsize,
    limit_skips: AtomicUsize,
    limit_skips_across: AtomicUsize,
    with_repeated: AtomicUsize,
    with_freq: AtomicUsize,
    with_unreachable: AtomicUsize,
    exact_repeated: AtomicUsize,
    exact_freq: AtomicUsize,
}

static STATS: Stats = Stats {
    cases: AtomicUsize::new(0),
    valid: AtomicUsize::new(0),
    people: AtomicUsize::new(0),
    entries: AtomicUsize::new(0),
    sends: AtomicUsize::new(0),
    repeats: AtomicUsize::new(0),
    limit_skips: AtomicUsize::new(0),
    limit_skips_across: AtomicUsize::new(0),
    with_repeated: AtomicUsize::new(0),
    with_freq: AtomicUsize::new(0),
    with_unreachable: AtomicUsize::new(0),
    exact_repeated: AtomicUsize::new(0),
    exact_freq: AtomicUsize::new(0),
};

fn bump(a: &AtomicUsize, n: usize) {
    a.fetch_add(n, Ordering::Relaxed);
}

/// The send node behind each send or skip of a timeline. The trace holds
/// every send node executed, in order; one delayed by quiet hours has no
/// entry at that instant (it goes out later, and the journey does nothing
/// else meanwhile).
fn send_nodes_of<'t>(f: &'t Findings, t: &Timeline) -> Vec<Option<&'t str>> {
    let mut node_of = vec![None; t.entries.len()];
    let mut k = 0;
    for (at, i) in &t.trace {
        let id = &f.plan_ids[*i];
        let Some(m) = f.send_nodes.get(id) else {
            continue;
        };
        while k < t.entries.len() && t.entries[k].at < *at {
            k += 1;
        }
        let here = t.entries[k..].iter().take_while(|e| e.at == *at);
        for (e, node) in here.zip(&mut node_of[k..]) {
            if let What::Send { message, .. } | What::Skip { message, .. } = &e.what {
                if message == m && node.is_none() {
                    *node = Some(id.as_str());
                    break;
                }
            }
        }
    }
    node_of
}

/// Whether the person opened and clicked a message of content `class`
/// strictly after its first send in this journey (at `since`) and before
/// the step that led to the send node `node` at `at` ran (the condition of
/// a resend to non-openers is checked there). Only engagement with a
/// message this journey had sent by then counts (`journey_sends`: each
/// message's first send in the journey), as in the runner: an open of
/// the same content sent by an earlier journey is not this journey's.
#[allow(clippy::too_many_arguments)]
fn engaged_before(
    plan: &Plan,
    t: &Timeline,
    person: &PersonScenario,
    classes: &HashMap<String, String>,
    class: &str,
    node: &str,
    since: i64,
    at: i64,
    journey_sends: &HashMap<&str, i64>,
) -> bool {
    let pos = t
        .trace
        .iter()
        .rposition(|&(when, i)| when <= at && plan.nodes[i].id == node);
    let Some(decided) = pos.and_then(|p| p.checked_sub(1)).map(|p| t.trace[p].0) else {
        return true;
    };
    // The resend's condition is `not opened` or `not clicked`: only a
    // person who did both before contradicts it whichever it is.
    let did = |clicked: bool| {
        person.events.iter().any(|i| {
            let m = if clicked { &i.clicked } else { &i.opened };
            let when = time::parse_instant(&i.at);
            m.as_ref().is_some_and(|m| {
                classes.get(m).is_some_and(|c| c == class)
                    && journey_sends
                        .get(m.as_str())
                        .zip(when)
                        .is_some_and(|(&sent, when)| sent < when)
            }) && when.is_some_and(|when| since < when && when < decided)
        })
    };
    did(false) && did(true)
}

/// Checks the promises on one timeline; `Err` says what broke.
fn check_timeline(
    plan: &Plan,
    f: &Findings,
    classes: &HashMap<String, String>,
    t: &Timeline,
    person: &PersonScenario,
) -> Result<(), String> {
    for (at, i) in &t.trace {
        let id = &f.plan_ids[*i];
        if f.unreachable.contains(id) {
            return Err(format!(
                "executed node `{id}` at {}, which check reports unreachable",
                time::format_instant(*at)
            ));
        }
    }
    let node_of = send_nodes_of(f, t);
    let mut sent: HashMap<&str, &str> = HashMap::new();
    let mut first_at: HashMap<&str, i64> = HashMap::new();
    let mut journey_sends: HashMap<&str, i64> = HashMap::new();
    let mut sends: Vec<(i64, &str)> = Vec::new();
    for (e, node) in t.entries.iter().zip(&node_of) {
        let node = node.unwrap_or("?");
        let when = time::format_instant(e.at);
        match &e.what {
            What::Entered => {
                bump(&STATS.entries, 1);
                sent.clear();
                first_at.clear();
                journey_sends.clear();
                sends.clear();
            }
            What::Send { message, channel } => {
                bump(&STATS.sends, 1);
                let class = classes[message].as_str();
                first_at.entry(class).or_insert(e.at);
                journey_sends.entry(message.as_str()).or_insert(e.at);
                if let Some(first) = sent.insert(class, message) {
                    bump(&STATS.repeats, 1);
                    let since = first_at[class];
                    let resend = f.resends.contains(node)
                        && !engaged_before(
                            plan,
                            t,
                            person,
                            classes,
                            class,
                            node,
                            since,
                            e.at,
                            &journey_sends,
                        );
                    if !f.repeated_at.contains(node) && !resend {
                        return Err(format!(
                            "`{message}` (node {node}) at {when} repeats the content of `{first}` in one journey, and check reports no repeated-message there{}",
                            if f.repeated { "" } else { " (nor anywhere)" }
                        ));
                    }
                }
                sends.push((e.at, channel));
            }
            What::Skip {
                message,
                channel,
                reason: reason @ (SkipReason::CampaignLimit | SkipReason::ChannelLimit),
            } => {
                bump(&STATS.limit_skips, 1);
                let limits = match reason {
                    SkipReason::CampaignLimit => &plan.limits,
                    _ => &plan.channels[channel].limits,
                };
                let own = limits.iter().any(|l| {
                    sends
                        .iter()
                        .filter(|(s, ch)| {
                            e.at - s < l.per as i64
                                && (*reason == SkipReason::CampaignLimit || ch == channel)
                        })
                        .count()
                        >= l.count as usize
                });
                if !own {
                    // The sends of an earlier journey count too.
                    bump(&STATS.limit_skips_across, 1);
                } else if !f.freq_at.contains(node) {
                    return Err(format!(
                        "`{message}` (node {node}) at {when} is skipped ({}) because of this journey's sends, and check reports no frequency-cap there{}",
                        reason.as_str(),
                        if f.freq { "" } else { " (nor anywhere)" }
                    ));
                }
            }
            What::Exited {
                reason: ExitReason::InstantLoop,
                ..
            } => {
                return Err(format!(
                    "the runner stopped an instant loop at {when}, and check reports no instant-loop"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Whether the journey has one execution for a person with every consent
/// who enters once: no conditions, splits or `wait for`, and no `set`
/// that withdraws a consent (the person would not keep every consent).
fn single_path(steps: &[S]) -> bool {
    steps.iter().all(|s| match s {
        S::If { .. }
        | S::Split { .. }
        | S::WaitForEvent { .. }
        | S::WaitForEngaged { .. }
        | S::WaitAny { .. } => false,
        S::Set(i) => !SETS[*i].ends_with("_opt_in = false"),
        S::Repeat(_, b) | S::Named(b) => single_path(b),
        _ => true,
    })
}

fn sends_of(steps: &[S], out: &mut BTreeSet<usize>) {
    for s in steps {
        if let S::Send(m) = s {
            out.insert(*m);
        }
        for b in sub_blocks(s) {
            sends_of(b, out);
        }
    }
}

fn has_wait_until(steps: &[S]) -> bool {
    steps.iter().any(|s| match s {
        S::WaitUntil(_) => true,
        _ => sub_blocks(s).iter().any(|b| has_wait_until(b)),
    })
}

/// The longest one pass through the steps can take (repeats multiplied),
/// quiet hours included.
fn pass_secs(steps: &[S]) -> i64 {
    steps
        .iter()
        .map(|s| match s {
            S::Send(_) => DAY,
            S::Wait(i) => WAIT_SECS[*i] as i64,
            S::WaitUntil(_) => 7 * DAY,
            S::Goto(..) => DAY,
            S::Repeat(n, b) => *n as i64 * pass_secs(b),
            S::Named(b) => pass_secs(b),
            S::WaitForEvent { within, .. }
            | S::WaitForEngaged { within, .. }
            | S::WaitAny { within, .. } => WITHIN_SECS[*within] as i64,
            _ => sub_blocks(s)
                .iter()
                .map(|b| pass_secs(b))
                .max()
                .unwrap_or(0),
        })
        .sum()
}

fn fail(
    src: &str,
    f: &Findings,
    t: &Timeline,
    scenario: Option<&PersonScenario>,
    why: String,
) -> TestCaseError {
    let mut msg = format!(
        "{why}\n\n--- campaign ---\n{src}\n--- check ---\n{}\n--- timeline ---\n{}",
        f.text,
        t.human()
    );
    if let Some(p) = scenario {
        msg.push_str(&describe_inputs(p));
    }
    let _ = writeln!(msg, "--- nodes executed (the last 60) ---");
    for (at, i) in &t.trace[t.trace.len().saturating_sub(60)..] {
        let _ = writeln!(msg, "  {} {}", time::format_instant(*at), f.plan_ids[*i]);
    }
    TestCaseError::fail(msg)
}

fn run_case(c: &Camp, seed: u64) -> Result<(), TestCaseError> {
    let started = std::time::Instant::now();
    let src = render(c);
    if let Some(f) = std::env::var_os("OMNIS_SOUNDNESS_CURRENT") {
        std::fs::write(f, &src).unwrap();
    }
    let r = run_case_src(c, &src, seed);
    if std::env::var_os("OMNIS_SOUNDNESS_SLOW").is_some() && started.elapsed().as_secs_f64() > 1.0 {
        eprintln!(
            "slow case ({:.1}s):\n{src}",
            started.elapsed().as_secs_f64()
        );
    }
    r
}

fn run_case_src(c: &Camp, src: &str, seed: u64) -> Result<(), TestCaseError> {
    bump(&STATS.cases, 1);
    let src = src.to_string();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.omni");
    std::fs::write(&path, &src).unwrap();
    let a = analyze(&Options { paths: vec![path] }).unwrap();
    if a.has_errors() {
        let errs: Vec<_> = a
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code.as_str())
            .collect();
        ERRORS.lock().unwrap().extend(errs);
        return Ok(());
    }
    bump(&STATS.valid, 1);
    let mut f = findings(&a);
    bump(&STATS.with_repeated, usize::from(f.repeated));
    bump(&STATS.with_freq, usize::from(f.freq));
    bump(
        &STATS.with_unreachable,
        usize::from(!f.unreachable.is_empty()),
    );
    let plan = emit(&a.program, CampaignId(0), &a.sources);
    f.plan_ids = plan.nodes.iter().map(|n| n.id.clone()).collect();
    let classes = contents(&plan);
    let sim = Simulator::new(&plan).unwrap().with_trace();
    let check_all = |scenario: &Scenario| -> Result<Vec<Timeline>, TestCaseError> {
        let timelines = sim.run(&sim.prepare(scenario).unwrap());
        bump(&STATS.people, timelines.len());
        for (t, p) in timelines.iter().zip(&scenario.people) {
            check_timeline(&plan, &f, &classes, t, p)
                .map_err(|why| fail(&src, &f, t, Some(p), why))?;
        }
        Ok(timelines)
    };

    // People from `generate_people`.
    let mut generated = generate_people(&plan, 20, seed);
    let start = time::parse_instant(generated.start.as_deref().unwrap()).unwrap();
    generated.until = Some(at(start + 40 * DAY));
    check_all(&generated)?;

    // Our own, twice: the second time with engagement after their sends.
    let mut rng = Rng(seed);
    let mut own = Scenario {
        start: Some(at(start)),
        until: Some(at(start + 40 * DAY)),
        people: own_people(&plan, 20, start, &mut rng),
    };
    let first = check_all(&own)?;
    engage(&mut own.people, &first, &mut rng);
    check_all(&own)?;

    // Where the analyses are exact: one person, every consent, one entry.
    // (The flow takes a `repeat` whose body a `goto` enters as a plain
    // loop, which may go round any number of times: not exact.)
    let journey = &a.journeys[0];
    let regular = journey.regular_repeats();
    let irregular = journey
        .graph
        .node_indices()
        .any(|n| matches!(journey.graph[n].kind, NodeKind::Repeat { .. }) && !regular[n.index()]);
    let exact = single_path(&c.journey)
        && !irregular
        && c.audience.is_none()
        && c.exit_unless.is_empty()
        && matches!(c.trigger, Trig::Cart(None))
        && c.window.is_none();
    if exact && (f.repeated || f.freq) {
        let until = start + 2 * pass_secs(&c.journey) + 2 * DAY;
        let mut attributes: BTreeMap<String, Value> = ATTRS
            .iter()
            .map(|a| (a.to_string(), attr_value(a, &mut rng)))
            .collect();
        attributes.insert("email_opt_in".into(), Value::Bool(true));
        attributes.insert("sms_opt_in".into(), Value::Bool(true));
        let person = PersonScenario {
            person: Person {
                id: "exact".into(),
                attributes,
            },
            events: vec![event(start + 3_600, "cart", &mut rng)],
            expect: None,
        };
        let scenario = Scenario {
            start: Some(at(start)),
            until: Some(at(until)),
            people: vec![person],
        };
        let t = &check_all(&scenario)?[0];
        if f.repeated {
            bump(&STATS.exact_repeated, 1);
            let mut seen = HashSet::new();
            let repeated = t.entries.iter().any(|e| match &e.what {
                What::Send { message, .. } => !seen.insert(&classes[message]),
                _ => false,
            });
            // Limits may skip the repeat.
            let limited = t.entries.iter().any(|e| {
                matches!(
                    e.what,
                    What::Skip {
                        reason: SkipReason::CampaignLimit | SkipReason::ChannelLimit,
                        ..
                    }
                )
            });
            if !repeated && !limited {
                return Err(fail(
                    &src,
                    &f,
                    t,
                    Some(&scenario.people[0]),
                    "check reports repeated-message on a journey with one execution, but it sends no content twice".into(),
                ));
            }
        }
        let mut sent = BTreeSet::new();
        sends_of(&c.journey, &mut sent);
        let stretched = has_wait_until(&c.journey)
            || sent
                .iter()
                .any(|&m| c.chans[c.msgs[m % c.msgs.len()].channel].quiet);
        if f.freq && !stretched {
            bump(&STATS.exact_freq, 1);
            let skipped = t.entries.iter().any(|e| {
                matches!(
                    e.what,
                    What::Skip {
                        reason: SkipReason::CampaignLimit | SkipReason::ChannelLimit,
                        ..
                    }
                )
            });
            if !skipped {
                return Err(fail(
                    &src,
                    &f,
                    t,
                    Some(&scenario.people[0]),
                    "check reports frequency-cap on a journey with one execution and exact waits, but the runner skips nothing".into(),
                ));
            }
        }
    }
    Ok(())
}

static ERRORS: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

#[test]
fn check_is_sound_against_the_runner() {
    // Failures found are replayed first by the next runs.
    let (config, seed) = config(
        "OMNIS_SOUNDNESS_CASES",
        256,
        "tests/soundness.proptest-regressions",
    );
    eprintln!("soundness: {}", replay(seed));
    let mut runner = TestRunner::new(config);
    let result = runner.run(&(campaign(), any::<u64>()), |(c, seed)| run_case(&c, seed));
    if let Err(e) = result {
        panic!("{e}\n{}", replay(seed));
    }
    let s = &STATS;
    let get = |a: &AtomicUsize| a.load(Ordering::Relaxed);
    let (all, valid) = (get(&s.cases), get(&s.valid));
    let mut errors: BTreeMap<&str, usize> = BTreeMap::new();
    for e in ERRORS.lock().unwrap().iter() {
        *errors.entry(e).or_default() += 1;
    }
    eprintln!(
        "soundness: {all} cases, {valid} valid ({errors:?} in the others); {} with repeated-message, {} with frequency-cap, {} with unreachable steps; {} people, {} journeys, {} sends ({} repeating content), {} limit skips ({} across journeys); exact checks: {} repeated-message, {} frequency-cap",
        get(&s.with_repeated),
        get(&s.with_freq),
        get(&s.with_unreachable),
        get(&s.people),
        get(&s.entries),
        get(&s.sends),
        get(&s.repeats),
        get(&s.limit_skips),
        get(&s.limit_skips_across),
        get(&s.exact_repeated),
        get(&s.exact_freq),
    );
    assert!(
        valid * 10 >= all * 7,
        "only {valid} of {all} generated campaigns are valid: {errors:?}"
    );
}
