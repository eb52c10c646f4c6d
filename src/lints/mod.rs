//! Lints: one module per code. Each module's `//!` comment is what
//! `omnis explain CODE` prints (what, why, example, fix).
//!
//! Every lint is a function `check(cx: &LintContext) -> Vec<Diagnostic>`
//! producing warnings at their default severity; [`run`] runs them all and
//! then applies, in one place:
//! 1. `@allow(code, ...)`: a finding is silenced when its primary location
//!    lies inside the span of a declaration or step that carries an allow of
//!    its code (the innermost such allow counts as used);
//! 2. `unused-allow` for the allows that silenced nothing;
//! 3. levels: `omnis.toml` `[lints]` (`allow` drops a finding, `deny` makes
//!    it an error) and `--deny warnings`.
//!
//! Errors (non-configurable codes, such as `instant-loop`) are never
//! silenced and keep their severity.

pub mod channel_budget;
pub mod competing_campaigns;
pub mod control_sends;
pub mod cross_campaign_repeat;
pub mod engagement_before_send;
pub mod frequency_cap;
pub mod instant_loop;
pub mod missing_consent;
pub mod missing_quiet_hours;
pub mod no_goal;
pub mod repeated_message;
pub mod schedule_enters_once;
pub mod short_reentry;
pub mod time_range;
pub mod unreachable_step;
pub mod untrackable_engagement;
pub mod unused_allow;
pub mod unused_declaration;

#[cfg(test)]
pub(crate) mod testing;
pub(crate) mod util;

use std::cell::Cell;
use std::collections::HashMap;

use crate::analysis::flow;
use crate::analysis::timing::Timing;
use crate::codes::{self, Code};
use crate::config::LintConfig;
use crate::diagnostic::Diagnostic;
use crate::graph::Journey;
use crate::model::{Allows, Block, Loc, Program, StepKind};
use crate::source::{FileId, SourceMap};

/// What every lint sees: the whole program, and the part of it to lint
/// (see [`Scope`]).
pub struct LintContext<'a> {
    pub program: &'a Program,
    /// The journeys of the campaigns to lint, in campaign order: every
    /// campaign's unless the context is [`LintContext::scoped`].
    pub journeys: &'a [Journey],
    pub sources: &'a SourceMap,
    /// The files named on the command line (or found in its folders), as
    /// opposed to files only reached through imports.
    pub roots: &'a [FileId],
    /// The reachability analysis of each journey, computed once on first
    /// use and shared by every lint (until [`LAST_READER`]'s).
    reach: std::cell::OnceCell<Vec<crate::analysis::reach::Reach<'a>>>,
    /// Per journey, its timing over the edges some execution takes, on
    /// first use.
    timing: Vec<std::cell::OnceCell<Timing>>,
    /// Per journey, its flow with one copy of every repeat body over the
    /// same edges, on first use.
    flow: Vec<std::cell::OnceCell<flow::Flow>>,
    /// The lint [`run_all`] ran last in this run, if any.
    last_ran: Option<Code>,
    scope: Scope<'a>,
    /// Program-wide facts, shared by the contexts of one run, or this
    /// context's own.
    shared: Option<&'a Shared>,
    own: Shared,
    /// Where the project stage's facts of the campaigns linted here go
    /// ([`LintContext::feeding`]).
    feed: Option<Feed<'a>>,
}

/// The project stage's facts of every campaign (by id), and which of them
/// it reads, for the per-campaign lints to fill ([`LintContext::feeding`]).
#[derive(Clone, Copy)]
pub struct Feed<'a> {
    pub read: &'a [bool],
    pub facts: &'a [std::sync::OnceLock<crate::project::Facts>],
}

/// The last lint, in table order (the order of [`run_all`]), that reads
/// each analysis of a [`LintContext`]: the reachability analysis, the
/// timing and the flow. Once it has run, the analysis is dropped
/// ([`LintContext::ran`]): a 200,000-step journey's flow and timing weigh
/// about 35 MB each, and would otherwise stay until the last lint. A lint
/// further down the table that reads one trips a debug assertion (and
/// would compute it again): move the entry here when adding one.
const LAST_READER: LastReaders = LastReaders {
    reach: Code::UnreachableStep,
    timing: Code::UnreachableStep,
    flow: Code::RepeatedMessage,
};

// The project stage's facts are worked out from both the reachability
// analysis and the timing once the last reader of the first has run
// ([`LintContext::feed`]): the timing must still be alive then.
const _: () = assert!(LAST_READER.timing as usize >= LAST_READER.reach as usize);

/// See [`LAST_READER`].
struct LastReaders {
    reach: Code,
    timing: Code,
    flow: Code,
}

/// Facts about the whole program that lints need, computed once per run
/// and shared by the contexts of [`run_parallel`].
#[derive(Debug, Default)]
pub struct Shared {
    content_classes: std::sync::OnceLock<Vec<usize>>,
}

impl Shared {
    /// The content class of each message, computed on first use.
    fn content_classes(&self, program: &Program) -> &[usize] {
        self.content_classes
            .get_or_init(|| crate::analysis::content::content_classes(program))
    }
}

/// What part of the program a [`LintContext`] lints. Lints about a
/// campaign read [`LintContext::campaigns`] (or `journeys`); lints about a
/// declaration ask [`LintContext::lints_declarations_in`]; lints that
/// conclude from what the whole program lacks (`unused-declaration`,
/// `unused-allow`) run only when [`LintContext::whole_program`].
#[derive(Clone, Copy, Debug)]
pub struct Scope<'a> {
    /// Whether declarations are linted here, and in which files (indexed
    /// by `FileId`; `None`: every file).
    pub declarations: Option<Option<&'a [bool]>>,
    /// Every campaign is linted (in this context or in its siblings) and
    /// no file has errors.
    pub whole_program: bool,
}

impl Scope<'_> {
    /// Everything: every declaration, the whole program.
    pub const ALL: Scope<'static> = Scope {
        declarations: Some(None),
        whole_program: true,
    };
}

impl<'a> LintContext<'a> {
    /// A context linting everything: `journeys` holds every campaign's.
    pub fn new(
        program: &'a Program,
        journeys: &'a [Journey],
        sources: &'a SourceMap,
        roots: &'a [FileId],
    ) -> LintContext<'a> {
        LintContext::scoped(program, journeys, sources, roots, Scope::ALL)
    }

    /// A context linting the campaigns of `journeys` (in campaign order)
    /// and what `scope` says.
    pub fn scoped(
        program: &'a Program,
        journeys: &'a [Journey],
        sources: &'a SourceMap,
        roots: &'a [FileId],
        scope: Scope<'a>,
    ) -> LintContext<'a> {
        debug_assert!(journeys.windows(2).all(|w| w[0].campaign < w[1].campaign));
        LintContext {
            scope,
            shared: None,
            own: Shared::default(),
            program,
            journeys,
            sources,
            roots,
            reach: std::cell::OnceCell::new(),
            timing: journeys
                .iter()
                .map(|_| std::cell::OnceCell::new())
                .collect(),
            flow: journeys
                .iter()
                .map(|_| std::cell::OnceCell::new())
                .collect(),
            last_ran: None,
            feed: None,
        }
    }

    /// This context, giving the project stage the facts it reads of the
    /// campaigns linted here (`feed.read`), worked out from this
    /// context's reachability analyses and timings before they are
    /// dropped: not made again there.
    pub fn feeding(self, feed: Feed<'a>) -> LintContext<'a> {
        LintContext {
            feed: Some(feed),
            ..self
        }
    }

    /// Notes that [`run_all`] ran the lint of `code`, and drops the
    /// analyses it was the last to read ([`LAST_READER`]); `None` starts
    /// or ends a run (after which anything may be read again).
    fn ran(&mut self, code: Option<Code>) {
        if code == Some(LAST_READER.reach) {
            self.feed();
        }
        self.last_ran = code;
        let Some(code) = code else { return };
        if code == LAST_READER.flow {
            self.flow.iter_mut().for_each(|f| drop(f.take()));
        }
        if code == LAST_READER.timing {
            self.timing.iter_mut().for_each(|t| drop(t.take()));
        }
        if code == LAST_READER.reach {
            drop(self.reach.take());
        }
    }

    /// Gives the project stage the facts it reads of the campaigns linted
    /// here ([`LintContext::feeding`]), while their reachability analyses
    /// and timings are still alive (the last reader of both has just run).
    fn feed(&self) {
        let Some(feed) = self.feed else { return };
        for j in self.journeys {
            let id = j.campaign.index();
            if feed.read[id] {
                let facts =
                    crate::project::Facts::of(self.program, j, self.reach(j), Some(self.timing(j)));
                // Only this context lints the campaign: the slot is empty.
                let _ = feed.facts[id].set(facts);
            }
        }
    }

    /// Whether an analysis whose last reader is `last` may still be read:
    /// no lint after it has run yet (see [`LAST_READER`]).
    fn may_read(&self, last: Code) -> bool {
        self.last_ran.is_none_or(|c| (c as usize) < (last as usize))
    }

    /// The campaigns linted here (those of `journeys`), in order.
    pub fn campaigns(&self) -> impl Iterator<Item = &'a crate::model::Campaign> + '_ {
        self.journeys
            .iter()
            .map(|j| self.program.campaign(j.campaign))
    }

    /// Whether the declarations (channels, messages, segments) of `file`
    /// are linted here.
    pub fn lints_declarations_in(&self, file: FileId) -> bool {
        match self.scope.declarations {
            None => false,
            Some(None) => true,
            Some(Some(files)) => files.get(file.0 as usize).copied().unwrap_or(false),
        }
    }

    /// Whether declarations are linted here (in some files).
    pub fn lints_declarations(&self) -> bool {
        self.scope.declarations.is_some()
    }

    /// Whether every campaign is linted and no file has errors: what lints
    /// concluding from an absence need.
    pub fn whole_program(&self) -> bool {
        self.scope.whole_program
    }

    /// This context, sharing the program-wide facts of `shared`.
    pub fn sharing(self, shared: &'a Shared) -> LintContext<'a> {
        LintContext {
            shared: Some(shared),
            ..self
        }
    }

    /// The content class of each message (`analysis::content::content_classes`),
    /// computed once per run.
    pub fn content_classes(&self) -> &[usize] {
        self.shared
            .unwrap_or(&self.own)
            .content_classes(self.program)
    }

    /// The position of `journey` (one of `self.journeys`, which are in
    /// campaign order).
    fn slot(&self, journey: &Journey) -> usize {
        self.journeys
            .binary_search_by_key(&journey.campaign, |j| j.campaign)
            .expect("a journey of this context")
    }

    /// The reachability analysis of `journey` (one of `self.journeys`).
    pub fn reach(&self, journey: &Journey) -> &crate::analysis::reach::Reach<'a> {
        debug_assert!(self.may_read(LAST_READER.reach), "see LAST_READER");
        let all = self.reach.get_or_init(|| {
            self.journeys
                .iter()
                .map(|j| {
                    crate::analysis::reach::analyze_with(self.program, j, self.content_classes())
                })
                .collect()
        });
        &all[self.slot(journey)]
    }

    /// The timing of `journey` (one of `self.journeys`) over the edges some
    /// execution can take.
    pub fn timing(&self, journey: &Journey) -> &Timing {
        debug_assert!(self.may_read(LAST_READER.timing), "see LAST_READER");
        self.timing[self.slot(journey)].get_or_init(|| {
            let reach = self.reach(journey);
            crate::analysis::timing::analyze_live(self.program, journey, &|e| reach.is_live(e))
        })
    }

    /// Per node of `journey`: whether it is a step no execution reaches
    /// in time ([`crate::analysis::window::unreachable_steps`]).
    pub fn unreachable_steps(&self, journey: &Journey) -> Vec<bool> {
        crate::analysis::window::unreachable_steps(
            self.program,
            journey,
            self.reach(journey),
            self.timing(journey),
        )
    }

    /// Per node of `journey`: whether it lies on an instant loop
    /// ([`crate::analysis::loops`]). Only a `goto` closes one, so journeys
    /// without are answered without timing them.
    pub fn on_instant_loop(&self, journey: &Journey) -> Vec<bool> {
        let g = &journey.graph;
        if !g
            .node_weights()
            .any(|n| matches!(n.kind, crate::graph::NodeKind::Goto { .. }))
        {
            return vec![false; g.node_count()];
        }
        crate::analysis::loops::on_instant_loop(journey, self.reach(journey), self.timing(journey))
    }

    /// The flow of `journey` (one of `self.journeys`) with one copy of
    /// every repeat body ([`flow::Rounds::Single`]), over the edges some
    /// execution can take.
    pub fn flow(&self, journey: &Journey) -> &flow::Flow {
        debug_assert!(self.may_read(LAST_READER.flow), "see LAST_READER");
        self.flow[self.slot(journey)].get_or_init(|| {
            let reach = self.reach(journey);
            flow::Flow::build(journey, flow::Rounds::Single, &|e| reach.is_live(e))
        })
    }
}

/// Expands the table of codes into `lints`: the `check` of every `lint`
/// row, in table order (what [`run_all`] runs).
macro_rules! declare_run_all {
    (
        catalogue { $( $variant:ident $code:literal $severity:ident $summary:literal => $source:ident $($module:ident)? ; )* }
        internal { $( $internal:tt )* }
    ) => {
        /// Every lint [`run_all`] runs (all but `unused-allow`), with its
        /// code, in table order.
        // Each row pushes its lint or nothing: not a `vec![]`.
        #[allow(clippy::vec_init_then_push)]
        fn lints() -> Vec<(Code, LintCheck)> {
            let mut lints: Vec<(Code, LintCheck)> = Vec::new();
            $( lint_row!(lints, $variant $source $($module)?); )*
            lints
        }

        /// Runs every project lint (over all campaigns together), each
        /// on the worker pool (and each spreads its own groups over it),
        /// their findings in table order.
        pub fn run_project(cx: &crate::project::ProjectContext) -> Vec<Diagnostic> {
            use rayon::prelude::*;
            let mut checks: Vec<ProjectCheck> = Vec::new();
            $( run_project_row!(checks, $source $($module)?); )*
            crate::stack::pool().install(|| {
                checks.par_iter().flat_map_iter(|check| check(cx)).collect()
            })
        }

        /// Whether `code` is reported by the project stage
        /// ([`run_project`]), over every campaign together.
        pub fn is_project_lint(code: Code) -> bool {
            false $( || project_row!(code, $variant $source) )*
        }

        $( lint_owns_code!($variant $source $($module)?); )*
    };
}

/// One row of [`declare_run_all`] for `is_project_lint`.
macro_rules! project_row {
    ($code:ident, $variant:ident project_lint) => {
        $code == Code::$variant
    };
    ($code:ident, $variant:ident $other:ident) => {
        false
    };
}

/// A project lint's `check`.
type ProjectCheck = fn(&crate::project::ProjectContext) -> Vec<Diagnostic>;

/// One row of [`declare_run_all`] for `run_project`.
macro_rules! run_project_row {
    ($checks:ident, project_lint $module:ident) => {
        $checks.push($module::check)
    };
    ($checks:ident, $other:ident $($module:ident)?) => {};
}

/// Each lint module's `CODE` is its own row's (checked at compile time).
macro_rules! lint_owns_code {
    ($variant:ident doc) => {};
    ($variant:ident $source:ident $module:ident) => {
        const _: () = assert!(matches!($module::CODE, Code::$variant));
    };
}

/// A lint's `check`.
type LintCheck = fn(&LintContext) -> Vec<Diagnostic>;

/// One row of [`declare_run_all`] for `lints`: lints run, the rest are
/// reported elsewhere.
macro_rules! lint_row {
    ($lints:ident, $variant:ident lint $module:ident) => {
        $lints.push((Code::$variant, $module::check))
    };
    ($lints:ident, $variant:ident $other:ident $($module:ident)?) => {};
}

codes::code_table!(declare_run_all);

/// Runs every lint except `unused-allow`, in a fixed order (the table's),
/// before `@allow`s and levels are applied. Each analysis is dropped once
/// the last lint that reads it has run ([`LintContext::ran`]).
pub fn run_all(cx: &mut LintContext) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    cx.ran(None);
    for (code, check) in lints() {
        diags.extend(check(cx));
        cx.ran(Some(code));
    }
    cx.ran(None);
    diags
}

/// Runs every lint and applies `@allow`s, `unused-allow` and levels.
///
/// The result is in no particular order (the driver sorts all diagnostics
/// together); findings a level of `allow` turns off are gone, `deny`ed ones
/// and (with `--deny warnings`) all remaining warnings are errors.
pub fn run(cx: &mut LintContext, config: &LintConfig) -> Vec<Diagnostic> {
    finish(cx.program, cx.whole_program(), run_all(cx), config)
}

/// How many campaigns one worker lints at a time: enough to amortize a
/// context, few enough to spread a workspace over every core.
const CAMPAIGNS_PER_TASK: usize = 32;

/// [`run`] on every core: the campaigns of `journeys` (in campaign order)
/// in groups, each group with its own context (whose analyses are dropped
/// when it is done, so memory does not grow with the number of
/// campaigns), the declarations `scope` names in one more, then the
/// project stage. The project stage reads what it needs of each
/// campaign's reachability analysis and timing from the groups' contexts
/// ([`Feed`]), so those are made once; what it needs first (every
/// campaign's conditions in normal form, [`crate::project::Meetings`]) is
/// made alongside the groups. Findings do not depend on how the work was
/// split: each lint reports on one campaign or one declaration at a time,
/// and the project lints on the groups of campaigns they form, in a fixed
/// order.
pub fn run_parallel(
    program: &Program,
    journeys: &[Journey],
    sources: &SourceMap,
    roots: &[FileId],
    scope: Scope,
    config: &LintConfig,
) -> Vec<Diagnostic> {
    use rayon::prelude::*;
    let campaigns_only = Scope {
        declarations: None,
        ..scope
    };
    let shared = Shared::default();
    // The project stage: every campaign together (all are lowered).
    let project = scope.whole_program && journeys.len() == program.campaigns.len();
    let read = if project {
        crate::project::read_facts(program, journeys, shared.content_classes(program))
    } else {
        Vec::new()
    };
    let facts: Vec<std::sync::OnceLock<crate::project::Facts>> = (0..read.len())
        .map(|_| std::sync::OnceLock::new())
        .collect();
    let feed = Feed {
        read: &read,
        facts: &facts,
    };
    let declarations =
        || run_all(&mut LintContext::scoped(program, &[], sources, roots, scope).sharing(&shared));
    let campaigns = || {
        journeys
            .par_chunks(CAMPAIGNS_PER_TASK)
            .map(|chunk| {
                let cx = LintContext::scoped(program, chunk, sources, roots, campaigns_only);
                let cx = cx.sharing(&shared);
                run_all(&mut if project { cx.feeding(feed) } else { cx })
            })
            .flatten_iter()
            .collect::<Vec<_>>()
    };
    let meetings = || project.then(|| crate::project::Meetings::new(program, journeys));
    let ((mut found, more), meetings) = crate::stack::pool()
        .install(|| rayon::join(|| rayon::join(declarations, campaigns), meetings));
    found.extend(more);
    if let Some(meetings) = meetings {
        found.extend(run_project(&crate::project::ProjectContext::with(
            program,
            sources,
            journeys,
            shared.content_classes(program),
            meetings,
            facts,
        )));
    }
    finish(program, scope.whole_program, found, config)
}

/// Applies `@allow`s to the findings, adds `unused-allow` (when the whole
/// program was linted: an allow of a campaign left out would look unused)
/// and applies levels.
fn finish(
    program: &Program,
    whole_program: bool,
    found: Vec<Diagnostic>,
    config: &LintConfig,
) -> Vec<Diagnostic> {
    let table = AllowTable::collect(program);
    let mut kept = table.silence(found);
    if whole_program {
        kept.extend(table.silence(unused_allow::report(&table)));
        kept.extend(unused_allow::report_unused_allow_allows(&table));
    }
    apply_levels(kept, config)
}

/// Applies `omnis.toml` levels and `--deny warnings`.
pub fn apply_levels(diags: Vec<Diagnostic>, config: &LintConfig) -> Vec<Diagnostic> {
    diags
        .into_iter()
        .filter_map(|mut d| {
            d.severity = config.severity(d.code.as_str(), d.severity)?;
            Some(d)
        })
        .collect()
}

/// One code of one `@allow`, with the span it applies to.
#[derive(Debug)]
pub struct AllowEntry {
    /// As written.
    pub code: String,
    /// Where the code is written (unused-allow points there).
    pub code_loc: Loc,
    /// The declaration or step the allow is written before, from the
    /// `@allow` on.
    pub scope: Loc,
    /// Whether it silenced something.
    pub used: Cell<bool>,
}

impl AllowEntry {
    fn covers(&self, file: FileId, offset: u32) -> bool {
        self.scope.file == file
            && self.scope.span.start <= offset
            && (offset < self.scope.span.end || self.scope.span.is_empty())
    }
}

/// Every `@allow` in the program.
#[derive(Debug, Default)]
pub struct AllowTable {
    pub entries: Vec<AllowEntry>,
    by_code: HashMap<String, Vec<usize>>,
}

impl AllowTable {
    pub fn collect(program: &Program) -> AllowTable {
        let mut table = AllowTable::default();
        for c in &program.channels {
            table.add(&c.allows, c.loc);
        }
        for s in &program.segments {
            table.add(&s.allows, s.loc);
        }
        for m in &program.messages {
            table.add(&m.allows, m.loc);
        }
        for c in &program.campaigns {
            // The whole campaign: its properties and its journey too.
            table.add(&c.allows, c.decl);
            table.add_block(&c.journey);
        }
        table
    }

    fn add(&mut self, allows: &Allows, scope: Loc) {
        // The scope includes the `@allow(...)` lines written before it.
        let mut scope = scope;
        for (_, loc) in &allows.codes {
            if loc.file == scope.file && loc.span.start < scope.span.start {
                scope.span.start = loc.span.start;
            }
        }
        for (code, loc) in &allows.codes {
            let i = self.entries.len();
            self.entries.push(AllowEntry {
                code: code.clone(),
                code_loc: *loc,
                scope,
                used: Cell::new(false),
            });
            self.by_code.entry(code.clone()).or_default().push(i);
        }
    }

    fn add_block(&mut self, block: &Block) {
        for step in &block.steps {
            self.add(&step.allows, step.loc);
            for_each_sub_block(&step.kind, &mut |b| self.add_block(b));
        }
    }

    /// The innermost allow of `code` covering a position, if the code can be
    /// allowed at all.
    fn find(&self, code: Code, file: FileId, offset: u32) -> Option<&AllowEntry> {
        if !code.info().is_some_and(|c| c.configurable) {
            return None;
        }
        self.by_code
            .get(code.as_str())?
            .iter()
            .map(|&i| &self.entries[i])
            .filter(|e| e.covers(file, offset))
            .min_by_key(|e| e.scope.span.len())
    }

    /// Drops the diagnostics an allow covers, marking those allows used.
    pub fn silence(&self, diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
        diags
            .into_iter()
            .filter(|d| match self.find(d.code, d.file, d.span.start) {
                Some(entry) => {
                    entry.used.set(true);
                    false
                }
                None => true,
            })
            .collect()
    }
}

/// Calls `f` on every block directly inside a step (see
/// [`StepKind::for_each_block`], the one place that knows which steps hold
/// blocks).
pub fn for_each_sub_block<'a>(kind: &'a StepKind, f: &mut dyn FnMut(&'a Block)) {
    kind.for_each_block(f);
}

#[cfg(test)]
mod tests;
