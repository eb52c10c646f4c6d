//! Reading and writing plans: JSON and YAML, the format version check,
//! the JSON Schema.

use serde::Deserialize;

use super::{Node, Plan, FORMAT_MAJOR};

impl Plan {
    /// The plan as pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("plans serialize");
        s.push('\n');
        s
    }

    /// The plan as YAML.
    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).expect("plans serialize")
    }

    /// Reads a plan from JSON or YAML, rejecting an unknown major format
    /// version. Unknown fields are ignored (a later minor version may add
    /// some).
    pub fn parse(text: &str) -> Result<Plan, PlanError> {
        let json = text.trim_start().starts_with('{');
        // The version first: a plan of another major may not parse at all.
        #[derive(Deserialize)]
        struct Version {
            format_version: String,
        }
        let version: Version = if json {
            serde_json::from_str(text).map_err(|e| PlanError::Parse(e.to_string()))?
        } else {
            serde_yaml::from_str(text).map_err(|e| PlanError::Parse(e.to_string()))?
        };
        check_version(&version.format_version)?;
        if json {
            serde_json::from_str(text).map_err(|e| PlanError::Parse(e.to_string()))
        } else {
            serde_yaml::from_str(text).map_err(|e| PlanError::Parse(e.to_string()))
        }
    }

    /// Fails for a format version whose major this crate does not know.
    pub fn check_version(&self) -> Result<(), PlanError> {
        check_version(&self.format_version)
    }

    /// The node with this id.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }
}

/// Fails for a format version whose major this crate does not know.
pub fn check_version(version: &str) -> Result<(), PlanError> {
    let major = version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok());
    match major {
        Some(FORMAT_MAJOR) => Ok(()),
        _ => Err(PlanError::UnsupportedVersion(version.to_string())),
    }
}

/// Why a plan could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanError {
    Parse(String),
    UnsupportedVersion(String),
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanError::Parse(e) => write!(f, "not a valid plan: {e}"),
            PlanError::UnsupportedVersion(v) => write!(
                f,
                "plan format version {v} is not supported (this runner reads {FORMAT_MAJOR}.x)"
            ),
        }
    }
}

impl std::error::Error for PlanError {}

/// The JSON Schema of the plan format (draft-07), pretty, with a trailing
/// newline: the content of `schema/plan.schema.json`.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(Plan);
    let mut s = serde_json::to_string_pretty(&schema).expect("schemas serialize");
    s.push('\n');
    s
}

/// Parses `HH:MM` to minutes after midnight.
pub fn parse_time_of_day(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}
