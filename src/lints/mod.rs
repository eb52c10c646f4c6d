//! Lints: one module per code. Each module's `//!` comment is what
//! `omnis explain CODE` prints (what, why, example, fix).
//!
//! Every lint is a function `check(cx: &LintContext) -> Vec<Diagnostic>`
//! producing warnings at their default severity; levels from `omnis.toml`,
//! `--deny warnings` and `@allow` are applied afterwards, in one place.

pub mod control_sends;
pub mod engagement_before_send;
pub mod frequency_cap;
pub mod instant_loop;
pub mod missing_consent;
pub mod no_goal;
pub mod repeated_message;
pub mod unreachable_step;
pub mod unused_allow;
pub mod unused_declaration;

#[cfg(test)]
pub(crate) mod testing;

use crate::graph::Journey;
use crate::model::Program;
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
}
