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

pub mod control_sends;
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

/// What every lint sees.
pub struct LintContext<'a> {
    pub program: &'a Program,
    /// One per campaign, indexed by `CampaignId`.
    pub journeys: &'a [Journey],
    pub sources: &'a SourceMap,
    /// The files named on the command line (or found in its folders), as
    /// opposed to files only reached through imports.
    pub roots: &'a [FileId],
    /// The reachability analysis of each journey, computed once on first
    /// use and shared by every lint.
    reach: std::cell::OnceCell<Vec<crate::analysis::reach::Reach<'a>>>,
    /// Per journey, its timing over the edges some execution takes, on
    /// first use.
    timing: Vec<std::cell::OnceCell<Timing>>,
    /// Per journey, its flow with one copy of every repeat body over the
    /// same edges, on first use.
    flow: Vec<std::cell::OnceCell<flow::Flow>>,
}

impl<'a> LintContext<'a> {
    pub fn new(
        program: &'a Program,
        journeys: &'a [Journey],
        sources: &'a SourceMap,
        roots: &'a [FileId],
    ) -> LintContext<'a> {
        LintContext {
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
        }
    }

    /// The reachability analysis of `journey` (one of `self.journeys`).
    pub fn reach(&self, journey: &Journey) -> &crate::analysis::reach::Reach<'a> {
        let all = self.reach.get_or_init(|| {
            self.journeys
                .iter()
                .map(|j| crate::analysis::reach::analyze(self.program, j))
                .collect()
        });
        &all[journey.campaign.index()]
    }

    /// The timing of `journey` (one of `self.journeys`) over the edges some
    /// execution can take.
    pub fn timing(&self, journey: &Journey) -> &Timing {
        self.timing[journey.campaign.index()].get_or_init(|| {
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

    /// The flow of `journey` (one of `self.journeys`) with one copy of
    /// every repeat body ([`flow::Rounds::Single`]), over the edges some
    /// execution can take.
    pub fn flow(&self, journey: &Journey) -> &flow::Flow {
        self.flow[journey.campaign.index()].get_or_init(|| {
            let reach = self.reach(journey);
            flow::Flow::build(journey, flow::Rounds::Single, &|e| reach.is_live(e))
        })
    }
}

/// Expands the table of codes into [`run_all`]: the `check` of every
/// `lint` row, in table order.
macro_rules! declare_run_all {
    (
        catalogue { $( $variant:ident $code:literal $severity:ident $summary:literal => $source:ident $($module:ident)? ; )* }
        internal { $( $internal:tt )* }
    ) => {
        /// Runs every lint except `unused-allow`, in a fixed order, before
        /// `@allow`s and levels are applied.
        pub fn run_all(cx: &LintContext) -> Vec<Diagnostic> {
            let mut diags = Vec::new();
            $( run_row!(diags, cx, $source $($module)?); )*
            diags
        }

        $( lint_owns_code!($variant $source $($module)?); )*
    };
}

/// Each lint module's `CODE` is its own row's (checked at compile time).
macro_rules! lint_owns_code {
    ($variant:ident doc) => {};
    ($variant:ident $source:ident $module:ident) => {
        const _: () = assert!(matches!($module::CODE, Code::$variant));
    };
}

/// One row of [`declare_run_all`]: lints run, the rest are reported
/// elsewhere.
macro_rules! run_row {
    ($diags:ident, $cx:ident, lint $module:ident) => {
        $diags.extend($module::check($cx))
    };
    ($diags:ident, $cx:ident, $other:ident $($module:ident)?) => {};
}

codes::code_table!(declare_run_all);

/// Runs every lint and applies `@allow`s, `unused-allow` and levels.
///
/// The result is in no particular order (the driver sorts all diagnostics
/// together); findings a level of `allow` turns off are gone, `deny`ed ones
/// and (with `--deny warnings`) all remaining warnings are errors.
pub fn run(cx: &LintContext, config: &LintConfig) -> Vec<Diagnostic> {
    let table = AllowTable::collect(cx.program);
    let mut kept = table.silence(run_all(cx));
    kept.extend(table.silence(unused_allow::report(cx, &table)));
    kept.extend(unused_allow::report_unused_allow_allows(&table));
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

/// Calls `f` on every block directly inside a step.
pub fn for_each_sub_block<'a>(kind: &'a StepKind, f: &mut dyn FnMut(&'a Block)) {
    match kind {
        StepKind::WaitFor {
            then, otherwise, ..
        } => {
            if let Some(b) = then {
                f(b);
            }
            if let Some(b) = otherwise {
                f(b);
            }
        }
        StepKind::If { arms, otherwise } => {
            for (_, b) in arms {
                f(b);
            }
            if let Some(b) = otherwise {
                f(b);
            }
        }
        StepKind::Split(arms) => {
            for arm in arms {
                f(&arm.body);
            }
        }
        StepKind::Repeat { body, .. } | StepKind::Named { body, .. } => f(body),
        StepKind::Send(_)
        | StepKind::Wait { .. }
        | StepKind::WaitUntil { .. }
        | StepKind::Goto { .. }
        | StepKind::Exit => {}
    }
}

#[cfg(test)]
mod tests;
