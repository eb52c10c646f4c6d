//! The build manifest: `omnis-manifest.json`, written by `omnis build` in
//! its output folder, last, atomically. It lists the plans of that build
//! (file name and SHA-256 of the file's bytes): the set a runner should
//! load. `docs/plan-format.md` ("The output folder") says what a runner
//! can rely on; the JSON Schema is `schema/manifest.schema.json`,
//! generated from these types ([`schema_json`]; `tests/schemas.rs` keeps
//! the file up to date).
//!
//! Like plans, a manifest is deterministic (no timestamps, no absolute
//! paths, plans sorted by file name) and versioned: [`FORMAT_VERSION`] is
//! `major.minor`, a minor version only adds fields, and a reader rejects a
//! major version it does not know.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Compiler;

/// The file name of the manifest, in the output folder.
pub const MANIFEST_FILE: &str = "omnis-manifest.json";

/// The version of the manifest format this compiler writes.
pub const FORMAT_VERSION: &str = "1.0";

/// The major version of [`FORMAT_VERSION`].
pub const FORMAT_MAJOR: u32 = 1;

/// The plans of one build.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "Omnis build manifest")]
pub struct Manifest {
    /// Manifest format version, `major.minor` (this is `1.0`). A minor
    /// version only adds; readers reject an unknown major.
    pub format_version: String,
    /// The compiler that wrote the build.
    pub compiler: Compiler,
    /// Every plan of the build, sorted by `file`: the folder's current set.
    pub plans: Vec<ManifestEntry>,
}

/// One plan of a build.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ManifestEntry {
    /// The campaign the plan runs.
    pub campaign: String,
    /// The plan file: a file name in the manifest's folder
    /// (`<campaign>.plan.json` or `<campaign>.plan.yaml`).
    pub file: String,
    /// SHA-256 of the plan file's bytes, lowercase hex. A file whose bytes
    /// do not match is not (or no longer) the one this build wrote.
    pub sha256: String,
}

impl Manifest {
    /// A manifest of this compiler for `plans` (sorted here).
    pub fn new(mut plans: Vec<ManifestEntry>) -> Manifest {
        plans.sort_by(|a, b| a.file.cmp(&b.file));
        Manifest {
            format_version: FORMAT_VERSION.to_string(),
            compiler: Compiler {
                name: "omnis".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            plans,
        }
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("manifests serialize");
        s.push('\n');
        s
    }

    /// Reads a manifest, checking its major version.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let m: Manifest =
            serde_json::from_str(text).map_err(|e| format!("not a valid manifest: {e}"))?;
        let major = m
            .format_version
            .split('.')
            .next()
            .and_then(|s| s.parse().ok());
        if major != Some(FORMAT_MAJOR) {
            return Err(format!(
                "manifest format version {} is not supported (this reads {FORMAT_MAJOR}.x)",
                m.format_version
            ));
        }
        Ok(m)
    }
}

/// The JSON Schema of the manifest (draft-07), pretty, with a trailing
/// newline: the content of `schema/manifest.schema.json`.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(Manifest);
    let mut s = serde_json::to_string_pretty(&schema).expect("schemas serialize");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_sorted_and_rejects_other_majors() {
        let entry = |c: &str| ManifestEntry {
            campaign: c.into(),
            file: format!("{c}.plan.json"),
            sha256: "00".into(),
        };
        let m = Manifest::new(vec![entry("b"), entry("a")]);
        assert_eq!(m.plans[0].campaign, "a");
        assert_eq!(Manifest::parse(&m.to_json()).unwrap(), m);
        let other = m.to_json().replace("\"1.0\"", "\"2.0\"");
        let e = Manifest::parse(&other).unwrap_err();
        assert!(e.contains("version 2.0 is not supported"), "{e}");
    }
}
