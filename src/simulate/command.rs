//! `omnis simulate`: picks the campaign, then either runs a scenario file
//! (timelines streamed out a person at a time, checked against `expect`,
//! or `--update-expect` rewriting those lists) or a generated population
//! (`--people N`, counted, never listed).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::expect::difference;
use super::progress::Progress;
use super::{
    expected_lines, update_expectations, ExitReason, JsonPeople, Place, ProjectSimulator,
    ScenarioDoc, SimError, Simulator, Timeline, Vocabulary, When, MAX_SCENARIO_BYTES,
};
use crate::cli::{EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::driver::Analysis;

/// What `omnis simulate` was asked to do.
#[derive(Clone, Debug)]
pub struct Args {
    /// The campaign's file or folder.
    pub path: PathBuf,
    /// The campaign; optional when the named files hold exactly one.
    pub campaign: Option<String>,
    pub scenario: Option<PathBuf>,
    /// A generated population of this many people instead of a scenario.
    pub people: Option<u64>,
    pub seed: u64,
    pub json: bool,
    /// Rewrite the scenario's `expect` lists with what happened.
    pub update_expect: bool,
    /// A new version of the campaign (its file or folder) that replaces
    /// the plan mid-run, and when (`--at`: an RFC 3339 instant, or a
    /// duration such as `2d12h` after the start).
    pub replace_with: Option<(PathBuf, String)>,
}

/// Runs the command; returns the exit code.
pub fn run(args: &Args, out: &mut crate::cli::output::Output) -> i32 {
    let analysis = match crate::cli::analyze_for_output(vec![args.path.clone()], false, out) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let whole_project = args.campaign.is_none()
        && args.scenario.is_some()
        && args.people.is_none()
        && args.replace_with.is_none();
    if whole_project && several_campaigns(&analysis) {
        return run_project(&analysis, args, out);
    }
    let id = match choose_campaign(&analysis, args.campaign.as_deref(), &args.path) {
        Ok(id) => id,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_FAILURE;
        }
    };
    let plan = crate::plan::emit::emit(
        &analysis.program,
        crate::model::CampaignId(id as u32),
        &analysis.sources,
    );
    let mut sim = match Simulator::new(&plan) {
        Ok(s) => s.with_vocabulary(Vocabulary::of_program(&analysis.program)),
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILURE;
        }
    };
    if let Some((path, at)) = &args.replace_with {
        let name = analysis.program.campaigns[id].name.clone();
        sim = match replacement(sim, &name, path, at, out) {
            Ok(s) => s,
            Err(code) => return code,
        };
    }
    match (&args.scenario, args.people) {
        (Some(file), _) => run_scenario(&sim, file, args, out.data()),
        (None, Some(n)) => run_population(&sim, &plan, n, args, out.data()),
        (None, None) => {
            eprintln!("error: give a scenario (`--scenario FILE`) or a population (`--people N`)");
            EXIT_FAILURE
        }
    }
}

/// The simulator with the plan replaced by the campaign `name` of `path`
/// at `at`.
fn replacement(
    sim: Simulator,
    name: &str,
    path: &Path,
    at: &str,
    out: &mut crate::cli::output::Output,
) -> Result<Simulator, i32> {
    let fail = |message: String| {
        eprintln!("error: {message}");
        EXIT_FAILURE
    };
    let when = parse_when(at).map_err(fail)?;
    let analysis = crate::cli::analyze_for_output(vec![path.to_path_buf()], false, out)?;
    let id = choose_campaign(&analysis, Some(name), path).map_err(fail)?;
    let plan = crate::plan::emit::emit(
        &analysis.program,
        crate::model::CampaignId(id as u32),
        &analysis.sources,
    );
    sim.with_replacement(&plan, when)
        .map_err(|e| fail(e.to_string()))
}

/// `--at`: an RFC 3339 instant, or a duration after the start in the
/// language's units (`90m`, `2d12h`, `1w`).
pub fn parse_when(s: &str) -> Result<When, String> {
    if let Ok(t) = super::prepare::instant(s) {
        return Ok(When::At(t));
    }
    let bad = || {
        format!(
            "`--at {s}`: expected a time (RFC 3339, like 2026-11-21T09:00:00Z) or a duration \
             after the start (like 36h or 2d12h)"
        )
    };
    let (mut total, mut n, mut digits) = (0i64, 0i64, false);
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            n = n
                .checked_mul(10)
                .and_then(|x| x.checked_add(d.into()))
                .ok_or_else(bad)?;
            digits = true;
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return Err(bad()),
        };
        if !digits {
            return Err(bad());
        }
        total = n
            .checked_mul(unit)
            .and_then(|x| x.checked_add(total))
            .ok_or_else(bad)?;
        (n, digits) = (0, false);
    }
    if digits || s.is_empty() {
        return Err(bad());
    }
    Ok(When::After(total))
}

/// Whether the files named on the command line define several campaigns
/// (then, with no `--campaign`, they all run together).
fn several_campaigns(analysis: &Analysis) -> bool {
    let c = &analysis.program.campaigns;
    c.iter()
        .filter(|c| analysis.roots.contains(&c.loc.file))
        .nth(1)
        .is_some()
}

/// The campaign to run: the one named, else the only one defined in the
/// files named on the command line.
fn choose_campaign(analysis: &Analysis, name: Option<&str>, path: &Path) -> Result<usize, String> {
    let campaigns = &analysis.program.campaigns;
    let list = |ids: &mut dyn Iterator<Item = usize>| {
        let names: Vec<String> = ids.map(|i| format!("`{}`", campaigns[i].name)).collect();
        if names.len() > 8 {
            format!("{}, and {} more", names[..8].join(", "), names.len() - 8)
        } else {
            names.join(", ")
        }
    };
    match name {
        Some(name) => campaigns
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| {
                if campaigns.is_empty() {
                    return format!("there is no campaign in `{}`", path.display());
                }
                let hint =
                    crate::suggest::did_you_mean(name, campaigns.iter().map(|c| c.name.as_str()))
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                format!(
                    "there is no campaign `{name}` in `{}`{hint}; the campaigns are {}",
                    path.display(),
                    list(&mut (0..campaigns.len()))
                )
            }),
        None => {
            let named: Vec<usize> = (0..campaigns.len())
                .filter(|&i| analysis.roots.contains(&campaigns[i].loc.file))
                .collect();
            match named.as_slice() {
                [one] => Ok(*one),
                [] => Err(format!("there is no campaign in `{}`", path.display())),
                many => Err(format!(
                    "`{}` holds {} campaigns: name one with `--campaign NAME` ({})",
                    path.display(),
                    many.len(),
                    list(&mut many.iter().copied())
                )),
            }
        }
    }
}

/// Reads a scenario file: a regular file (a FIFO or device is refused,
/// never waited on) of at most [`MAX_SCENARIO_BYTES`], in UTF-8.
fn read_scenario(path: &Path) -> Result<String, String> {
    use crate::files::{os_message, read_regular_file, SourceError};
    let real = std::fs::canonicalize(path).map_err(|e| os_message(&e))?;
    let bytes = read_regular_file(&real, MAX_SCENARIO_BYTES as u64).map_err(|e| match e {
        SourceError::TooLarge(_) => format!(
            "the file is larger than {} MiB, the most a scenario may be \
             (use `--people N` for large populations)",
            MAX_SCENARIO_BYTES >> 20
        ),
        e => e.to_string(),
    })?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (an invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Prints a simulation error, naming the scenario file and, when known,
/// the line and column.
fn report(file: &Path, doc: Option<&ScenarioDoc>, e: &SimError) {
    match e {
        SimError::Scenario(se) => {
            let pos = match &se.place {
                Place::At(p) => Some(*p),
                other => doc.and_then(|d| d.locate(other)),
            };
            match pos {
                Some(p) => eprintln!(
                    "error: {}:{}:{}: {}",
                    file.display(),
                    p.line,
                    p.column,
                    se.message
                ),
                None => eprintln!("error: {}: {}", file.display(), se.message),
            }
        }
        SimError::Plan(_) => eprintln!("error: {e}"),
    }
}

/// Writes output until a write fails, then remembers the failure.
struct Output<'a> {
    out: &'a mut dyn Write,
    failed: Option<std::io::Error>,
}

impl Output<'_> {
    fn write(&mut self, text: &str) {
        if self.failed.is_none() {
            if let Err(e) = self.out.write_all(text.as_bytes()) {
                self.failed = Some(e);
            }
        }
    }

    /// The exit code: `code` (a failed write is reported, and turned into
    /// exit code 2, by the command's output layer, `crate::cli::output`).
    fn exit_code(self, code: i32) -> i32 {
        if self.failed.is_none() {
            let _ = self.out.flush();
        }
        code
    }
}

/// Notes on stderr about people the runner's own bounds stopped.
fn note_limits(stopped: &[(String, ExitReason)], total: usize) {
    let Some((_, reason)) = stopped.first() else {
        return;
    };
    let who: Vec<&str> = stopped.iter().take(3).map(|(p, _)| p.as_str()).collect();
    let more = if total > who.len() {
        format!(" and {} more", total - who.len())
    } else {
        String::new()
    };
    eprintln!(
        "note: the runner stopped {}{more} (`exited {}`): {}; \
         the journey repeats without end, or runs past what can be simulated",
        who.join(", "),
        reason.as_str(),
        reason.explain().unwrap_or_default()
    );
}

/// What runs a scenario: one campaign's [`Simulator`], or a whole
/// project's [`ProjectSimulator`].
trait Runner {
    type Prepared;
    fn prepare(&self, scenario: &super::Scenario) -> Result<Self::Prepared, SimError>;
    fn len(prepared: &Self::Prepared) -> usize;
    fn run_each(&self, prepared: &Self::Prepared, f: &mut dyn FnMut(usize, Timeline));
}

impl Runner for Simulator {
    type Prepared = super::Prepared;
    fn prepare(&self, scenario: &super::Scenario) -> Result<Self::Prepared, SimError> {
        Simulator::prepare(self, scenario)
    }
    fn len(prepared: &Self::Prepared) -> usize {
        prepared.len()
    }
    fn run_each(&self, prepared: &Self::Prepared, f: &mut dyn FnMut(usize, Timeline)) {
        Simulator::run_each(self, prepared, f)
    }
}

impl Runner for ProjectSimulator {
    type Prepared = super::ProjectPrepared;
    fn prepare(&self, scenario: &super::Scenario) -> Result<Self::Prepared, SimError> {
        ProjectSimulator::prepare(self, scenario)
    }
    fn len(prepared: &Self::Prepared) -> usize {
        prepared.len()
    }
    fn run_each(&self, prepared: &Self::Prepared, f: &mut dyn FnMut(usize, Timeline)) {
        ProjectSimulator::run_each(self, prepared, f)
    }
}

/// `omnis simulate PATH --scenario FILE` with no `--campaign` on a folder
/// of several campaigns: every campaign together.
fn run_project(analysis: &Analysis, args: &Args, out: &mut crate::cli::output::Output) -> i32 {
    let Some(file) = &args.scenario else {
        unreachable!("a whole project runs a scenario");
    };
    let plans = crate::plan::emit::emit_all(&analysis.program, &analysis.sources);
    let sim = match ProjectSimulator::new(&plans) {
        Ok(s) => s.with_vocabulary(Vocabulary::of_program(&analysis.program)),
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILURE;
        }
    };
    run_scenario(&sim, file, args, out.data())
}

fn run_scenario<R: Runner>(sim: &R, file: &Path, args: &Args, out: &mut dyn Write) -> i32 {
    let text = match read_scenario(file) {
        Ok(t) => t,
        Err(message) => {
            eprintln!("error: {}: {message}", file.display());
            return EXIT_FAILURE;
        }
    };
    let doc = match ScenarioDoc::parse(&text) {
        Ok(d) => d,
        Err(e) => {
            report(file, None, &e);
            return EXIT_FAILURE;
        }
    };
    let prepared = match sim.prepare(&doc.scenario) {
        Ok(p) => p,
        Err(e) => {
            report(file, Some(&doc), &e);
            return EXIT_FAILURE;
        }
    };
    let progress = Progress::people(R::len(&prepared) as u64);
    let mut output = Output { out, failed: None };
    let mut people_json = JsonPeople::default();
    let one_json = args.json && R::len(&prepared) == 1;
    let mut diffs = Vec::new();
    let mut updates = Vec::new();
    let mut stopped = Vec::new();
    let mut stopped_count = 0;
    sim.run_each(&prepared, &mut |i, t: Timeline| {
        if i % 256 == 255 {
            progress.set(i as u64 + 1);
        }
        let shown = if one_json {
            super::report::Report::person(&t.entries).to_json()
        } else if args.json {
            people_json.item(&t)
        } else if i > 0 {
            format!("\n{}", t.human())
        } else {
            t.human()
        };
        output.write(&shown);
        let person = &doc.scenario.people[i];
        if args.update_expect {
            let lines = expected_lines(&t);
            if person.expect.as_ref() != Some(&lines) {
                updates.push((i, lines));
            }
        } else if let Some(d) = difference(person, &t) {
            diffs.push(d);
        }
        if let Some(reason) = t.runner_limit() {
            stopped_count += 1;
            if stopped.len() < 3 {
                stopped.push((t.person.clone(), reason));
            }
        }
    });
    if args.json && !one_json {
        output.write(&people_json.finish());
    }
    progress.finish();
    note_limits(&stopped, stopped_count);
    if args.update_expect {
        if updates.is_empty() {
            eprintln!("the `expect` lists of {} are up to date", file.display());
        } else {
            let new = update_expectations(&doc, &text, &updates);
            if let Err(e) = crate::fmt::files::write_atomically(file, &new) {
                eprintln!("error: cannot write {}: {e}", file.display());
                return EXIT_FAILURE;
            }
            let n = updates.len();
            eprintln!(
                "updated the `expect` list of {n} {} in {}",
                if n == 1 { "person" } else { "people" },
                file.display()
            );
        }
        return output.exit_code(EXIT_OK);
    }
    if diffs.is_empty() {
        return output.exit_code(EXIT_OK);
    }
    eprintln!(
        "the timeline differs from the scenario's `expect` (`--update-expect` accepts what happened):"
    );
    for d in &diffs {
        eprintln!("  {d}");
    }
    output.exit_code(EXIT_FINDINGS)
}

fn run_population(
    sim: &Simulator,
    plan: &crate::plan::Plan,
    n: u64,
    args: &Args,
    out: &mut dyn Write,
) -> i32 {
    let progress = Progress::people(n);
    let summary = sim.run_population(plan, n, args.seed, &mut |done| progress.set(done));
    progress.finish();
    let summary = match summary {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILURE;
        }
    };
    let mut output = Output { out, failed: None };
    output.write(&if args.json {
        summary.to_json()
    } else {
        summary.human()
    });
    let limits = summary.runner_limits();
    if let Some(&(reason, _)) = limits.first() {
        let total: u64 = limits.iter().map(|(_, n)| n).sum();
        eprintln!(
            "note: the runner stopped {total} of the people (`exited {}`): {}; \
             the journey repeats without end, or runs past what can be simulated",
            reason.as_str(),
            reason.explain().unwrap_or_default()
        );
    }
    output.exit_code(EXIT_OK)
}
