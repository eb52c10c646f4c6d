//! The build manifest: `omnis-manifest.json`, written by `omnis build` in
//! its output folder, last, atomically. It lists the plans of that build
//! (file name and SHA-256 of the file's bytes): the set a runner should
//! load; and (format 1.1) what a runner needs to enforce the rules that
//! span campaigns: the campaigns in entry order with their priorities, and
//! the channels with their consent, limits and quiet hours. `docs/plan-format.md` ("The output folder") says what a runner
//! can rely on; the JSON Schema is `schema/manifest.schema.json`,
//! generated from these types ([`schema_json`]; `tests/schemas.rs` keeps
//! the file up to date).
//!
//! Like plans, a manifest is deterministic (no timestamps, no absolute
//! paths, plans sorted by file name) and versioned: [`FORMAT_VERSION`] is
//! `major.minor`, a minor version only adds fields, and a reader rejects a
//! major version it does not know. A 1.1 reader reads a 1.0 manifest (the
//! 1.1 fields are then empty: read the channels and priorities from the
//! plans); a 1.0 reader ignores the 1.1 fields.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{entry_order, ChannelDecl, Compiler, Plan};

/// The file name of the manifest, in the output folder.
pub const MANIFEST_FILE: &str = "omnis-manifest.json";

/// The version of the manifest format this compiler writes.
pub const FORMAT_VERSION: &str = "1.1";

/// The major version of [`FORMAT_VERSION`].
pub const FORMAT_MAJOR: u32 = 1;

/// The plans of one build.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "Omnis build manifest")]
pub struct Manifest {
    /// Manifest format version, `major.minor` (this is `1.1`). A minor
    /// version only adds; readers reject an unknown major.
    pub format_version: String,
    /// The compiler that wrote the build.
    pub compiler: Compiler,
    /// Every plan of the build, sorted by `file`: the folder's current set.
    pub plans: Vec<ManifestEntry>,
    /// (1.1) Every campaign of the build in entry order: `priority`
    /// highest first, then campaign name. Campaigns whose triggers fire
    /// for one person at the same instant are entered in this order.
    #[serde(default)]
    pub entry_order: Vec<ManifestCampaign>,
    /// (1.1) Every channel a plan of the build sends on, by name, as the
    /// plans declare it: a runner counts its `limits` over the sends of
    /// every campaign, not per plan.
    #[serde(default)]
    pub channels: BTreeMap<String, ChannelDecl>,
}

/// One campaign of a build, for entry order (format 1.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ManifestCampaign {
    /// The campaign.
    pub campaign: String,
    /// Its `priority` (0-100, 0 when the campaign sets none).
    pub priority: u8,
    /// Its plan file (a `file` of `plans`).
    pub file: String,
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

/// What a manifest lists of one plan of a build: its file entry, and
/// the plan's `priority` and `channels`.
#[derive(Clone, Debug)]
pub struct BuiltPlan {
    pub entry: ManifestEntry,
    pub priority: u8,
    pub channels: BTreeMap<String, ChannelDecl>,
}

impl Manifest {
    /// A manifest of this compiler for the plans of a build and their
    /// file entries, `entries[i]` the file of `built[i]` (sorted here).
    pub fn new(built: &[Plan], entries: Vec<ManifestEntry>) -> Manifest {
        assert_eq!(built.len(), entries.len(), "one entry per plan");
        let built = built.iter().zip(entries).map(|(p, entry)| BuiltPlan {
            entry,
            priority: p.priority,
            channels: p.channels.clone(),
        });
        Manifest::of(built.collect())
    }

    /// A manifest of this compiler for the plans of a build, given what it
    /// lists of each (the plans themselves need not be kept until then).
    pub fn of(built: Vec<BuiltPlan>) -> Manifest {
        let mut plans: Vec<ManifestEntry> = built.iter().map(|b| b.entry.clone()).collect();
        plans.sort_by(|a, b| a.file.cmp(&b.file));
        let mut order: Vec<&BuiltPlan> = built.iter().collect();
        order.sort_by(|a, b| {
            entry_order(
                (a.priority, &a.entry.campaign),
                (b.priority, &b.entry.campaign),
            )
        });
        let entry_order = order
            .into_iter()
            .map(|b| ManifestCampaign {
                campaign: b.entry.campaign.clone(),
                priority: b.priority,
                file: b.entry.file.clone(),
            })
            .collect();
        // Channels are declared once per program: every plan that uses one
        // carries the same declaration.
        let mut channels = BTreeMap::new();
        for b in built {
            for (name, decl) in b.channels {
                channels.entry(name).or_insert(decl);
            }
        }
        Manifest {
            format_version: FORMAT_VERSION.to_string(),
            compiler: Compiler {
                name: "omnis".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            plans,
            entry_order,
            channels,
        }
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut bytes = Vec::with_capacity(256 * (1 + self.plans.len()));
        super::io::write_pretty_json(self, &mut bytes);
        bytes.push(b'\n');
        String::from_utf8(bytes).expect("JSON is UTF-8")
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
        let m = Manifest {
            format_version: FORMAT_VERSION.into(),
            compiler: Compiler {
                name: "omnis".into(),
                version: "0".into(),
            },
            plans: vec![entry("a")],
            entry_order: Vec::new(),
            channels: BTreeMap::new(),
        };
        assert_eq!(Manifest::parse(&m.to_json()).unwrap(), m);
        let other = m.to_json().replace("\"1.1\"", "\"2.0\"");
        let e = Manifest::parse(&other).unwrap_err();
        assert!(e.contains("version 2.0 is not supported"), "{e}");
    }

    #[test]
    fn reads_a_1_0_manifest_without_the_project_fields() {
        let text = r#"{"format_version": "1.0",
            "compiler": {"name": "omnis", "version": "0.1.0"},
            "plans": [{"campaign": "a", "file": "a.plan.json", "sha256": "00"}]}"#;
        let m = Manifest::parse(text).unwrap();
        assert_eq!(m.plans.len(), 1);
        assert!(m.entry_order.is_empty() && m.channels.is_empty());
    }
}
