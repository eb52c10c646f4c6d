//! The JSON Schemas (draft-07) of everything Omnis writes for machines. Each
//! is committed in `schema/` (`tests/schemas.rs` keeps the files equal to
//! what this module generates, and checks real outputs against them) and
//! printed by `omnis schema NAME`:
//!
//! | name | file | output |
//! |---|---|---|
//! | `plan` | `schema/plan.schema.json` | the plans `omnis build` writes ([`crate::plan`]) |
//! | `manifest` | `schema/manifest.schema.json` | the manifest `omnis build` writes beside them ([`crate::plan::manifest`]) |
//! | `check` | `schema/check.schema.json` | `omnis check --format json` |
//! | `diff` | `schema/diff.schema.json` | `omnis diff --format json` |
//! | `simulate` | `schema/simulate.schema.json` | `omnis simulate --format json` |
//!
//! Every one of them starts with `format_version`, `major.minor`: a minor
//! version only adds (fields, values), a major version removes or changes
//! something. Readers should reject a major version they do not know.

use schemars::JsonSchema;

/// `format_version` of `omnis check --format json`.
pub const CHECK_FORMAT_VERSION: &str = "1.0";
/// `format_version` of `omnis diff --format json`.
pub const DIFF_FORMAT_VERSION: &str = "1.0";
/// `format_version` of `omnis simulate --format json`.
pub const SIMULATE_FORMAT_VERSION: &str = "1.1";

/// One of the schemas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schema {
    Plan,
    Manifest,
    Check,
    Diff,
    Simulate,
}

impl Schema {
    pub const ALL: [Schema; 5] = [
        Schema::Plan,
        Schema::Manifest,
        Schema::Check,
        Schema::Diff,
        Schema::Simulate,
    ];

    /// `plan`, `manifest`, `check`, `diff` or `simulate`.
    pub fn name(self) -> &'static str {
        match self {
            Schema::Plan => "plan",
            Schema::Manifest => "manifest",
            Schema::Check => "check",
            Schema::Diff => "diff",
            Schema::Simulate => "simulate",
        }
    }

    /// Where it is committed, relative to the repository root.
    pub fn path(self) -> String {
        format!("schema/{}.schema.json", self.name())
    }

    /// The schema, pretty, with a trailing newline: the committed file.
    pub fn json(self) -> String {
        match self {
            Schema::Plan => crate::plan::schema_json(),
            Schema::Manifest => crate::plan::manifest::schema_json(),
            Schema::Check => schema_of::<crate::render::JsonReport>(),
            Schema::Diff => schema_of::<crate::diff::JsonReport>(),
            Schema::Simulate => schema_of::<crate::simulate::report::Report>(),
        }
    }
}

/// The schema of `T`, pretty, with a trailing newline.
fn schema_of<T: JsonSchema>() -> String {
    let schema = schemars::schema_for!(T);
    let mut s = serde_json::to_string_pretty(&schema).expect("schemas serialize");
    s.push('\n');
    s
}
