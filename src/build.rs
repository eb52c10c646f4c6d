//! `omnis build`: plans for every campaign of the named files, written
//! atomically. Nothing is written when the sources have errors.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::driver::Analysis;
use crate::model::CampaignId;
use crate::plan::{emit::emit, Plan};

/// The format of plan files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanFormat {
    Json,
    Yaml,
}

impl PlanFormat {
    pub fn extension(self) -> &'static str {
        match self {
            PlanFormat::Json => "plan.json",
            PlanFormat::Yaml => "plan.yaml",
        }
    }
}

/// The campaigns to build: those declared in the files named on the command
/// line (or found in its folders), not those only reached through imports.
pub fn campaigns_to_build(analysis: &Analysis) -> Vec<CampaignId> {
    analysis
        .program
        .campaigns
        .iter()
        .enumerate()
        .filter(|(_, c)| analysis.roots.contains(&c.loc.file))
        .map(|(i, _)| CampaignId(i as u32))
        .collect()
}

/// The plans of the campaigns to build, in campaign order. Only meaningful
/// for an analysis without errors.
pub fn plans(analysis: &Analysis) -> Vec<Plan> {
    assert!(
        !analysis.has_errors(),
        "plans are only built from error-free sources"
    );
    campaigns_to_build(analysis)
        .into_iter()
        .map(|id| emit(&analysis.program, id, &analysis.sources))
        .collect()
}

/// Serializes a plan.
pub fn serialize(plan: &Plan, format: PlanFormat) -> String {
    match format {
        PlanFormat::Json => plan.to_json(),
        PlanFormat::Yaml => plan.to_yaml(),
    }
}

/// Writes every plan to `out/<campaign>.plan.<ext>`, each atomically (a
/// temporary file in the same folder, then a rename). Every plan is
/// serialized before the first file is written, and other files in `out`
/// are left alone. Returns the paths written.
pub fn write_plans(
    plans: &[Plan],
    out: &Path,
    format: PlanFormat,
) -> std::io::Result<Vec<PathBuf>> {
    let texts: Vec<(PathBuf, String)> = plans
        .iter()
        .map(|p| {
            (
                out.join(format!("{}.{}", p.campaign, format.extension())),
                serialize(p, format),
            )
        })
        .collect();
    std::fs::create_dir_all(out)?;
    let mut written = Vec::new();
    for (path, text) in texts {
        write_atomically(&path, text.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

/// Writes `bytes` to a temporary file next to `path`, syncs it, and renames
/// it over `path`, so readers see the old file or the new one, never half.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
