//! `omnis simulate`: a campaign's plan run for a scenario or a generated
//! population.

use super::{analyze_for_output, Output, SimFormat, EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};

pub(super) fn simulate(
    path: &std::path::Path,
    campaign: &str,
    scenario: Option<&std::path::Path>,
    people: Option<usize>,
    seed: u64,
    format: SimFormat,
    out: &mut Output,
) -> i32 {
    use crate::simulate as sim;
    let analysis = match analyze_for_output(vec![path.to_path_buf()], false, out) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let Some(id) = analysis
        .program
        .campaigns
        .iter()
        .position(|c| c.name == campaign)
    else {
        let names = analysis.program.campaigns.iter().map(|c| c.name.as_str());
        let hint = match crate::suggest::did_you_mean(campaign, names) {
            Some(s) => format!(" (did you mean `{s}`?)"),
            None => String::new(),
        };
        eprintln!(
            "error: there is no campaign `{campaign}` in `{}`{hint}",
            path.display()
        );
        return EXIT_FAILURE;
    };
    let plan = crate::plan::emit::emit(
        &analysis.program,
        crate::model::CampaignId(id as u32),
        &analysis.sources,
    );
    let scenario = match (scenario, people) {
        (Some(file), _) => {
            let text = match std::fs::read_to_string(file) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("error: cannot read `{}`: {e}", file.display());
                    return EXIT_FAILURE;
                }
            };
            match sim::Scenario::from_yaml(&text) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: `{}`: {e}", file.display());
                    return EXIT_FAILURE;
                }
            }
        }
        (None, Some(n)) => sim::generate_people(&plan, n, seed),
        (None, None) => unreachable!("clap requires --scenario or --people"),
    };
    let timelines = match sim::simulate(&plan, &scenario) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILURE;
        }
    };
    if people.is_some() {
        let _ = write!(out.data(), "{}", population_summary(&timelines, format));
        return EXIT_OK;
    }
    let text = match format {
        SimFormat::Json => sim::timelines_to_json(&timelines),
        SimFormat::Human => timelines
            .iter()
            .map(|t| t.human())
            .collect::<Vec<_>>()
            .join("\n"),
    };
    let _ = write!(out.data(), "{text}");
    let diffs = sim::check_expectations(&scenario, &timelines);
    if !diffs.is_empty() {
        eprintln!("the timeline differs from the scenario's `expect`:");
        for d in &diffs {
            eprintln!("  {d}");
        }
        return EXIT_FINDINGS;
    }
    EXIT_OK
}

/// Counts of what happened to a generated population.
pub(super) fn population_summary(
    timelines: &[crate::simulate::Timeline],
    format: SimFormat,
) -> String {
    use crate::simulate::What;
    use std::collections::BTreeMap;
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut steps = 0;
    for t in timelines {
        steps += t.steps;
        for e in &t.entries {
            let key = match &e.what {
                What::Entered => "entered".to_string(),
                What::Send { message, .. } => format!("send {message}"),
                What::Skip {
                    message, reason, ..
                } => format!("skip {message}: {}", reason.as_str()),
                What::Converted { .. } => "converted".to_string(),
                What::Exited { reason, .. } => format!("exited: {}", reason.as_str()),
                What::Completed => "completed".to_string(),
            };
            *counts.entry(key).or_default() += 1;
        }
    }
    match format {
        SimFormat::Json => {
            crate::simulate::report::Report::population(crate::simulate::report::Population {
                people: timelines.len(),
                steps,
                counts,
            })
            .to_json()
        }
        SimFormat::Human => {
            let mut s = format!("{} people, {steps} steps\n", timelines.len());
            for (k, v) in counts {
                s.push_str(&format!("  {v:>8}  {k}\n"));
            }
            s
        }
    }
}
