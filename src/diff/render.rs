//! The diff report as text for people (human, Markdown) and as JSON.

use super::*;

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Markdown,
    Json,
}

/// The report of `omnis diff --format json`: what changed between two
/// versions of the campaigns, in review terms.
#[derive(Serialize, JsonSchema)]
#[schemars(title = "Omnis campaign diff")]
pub struct JsonReport<'a> {
    /// The version of this format, `major.minor` (this is `1.0`). A minor
    /// version only adds; a major version breaks.
    pub format_version: &'a str,
    #[serde(flatten)]
    pub report: &'a Report,
}

pub fn render(r: &Report, format: Format) -> String {
    match format {
        Format::Json => {
            let report = JsonReport {
                format_version: crate::schemas::DIFF_FORMAT_VERSION,
                report: r,
            };
            let mut s = serde_json::to_string_pretty(&report).expect("reports serialize");
            s.push('\n');
            s
        }
        Format::Human => human(r),
        Format::Markdown => markdown(r),
    }
}

pub(super) fn renumber_note(c: &CampaignDiff) -> Option<String> {
    c.steps.iter().any(|s| s.old_id.is_some()).then(|| {
        "runners find waiting people by node id: where a step's id changed (a send of another \
         message, a wait for another event, or a step of its kind added or removed before it \
         in its block), the people waiting there count as at a step that is gone"
            .to_string()
    })
}

pub(super) fn arrow(old: &Option<String>, new: &Option<String>) -> String {
    let s = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
    format!("{} -> {}", s(old), s(new))
}

/// The steps section, one line per change; renumbered steps of a block on
/// one line. `md`: code spans.
pub(super) fn step_lines(steps: &[StepChange], md: bool) -> Vec<String> {
    let c = |t: &str| {
        if md {
            format!("`{t}`")
        } else {
            t.to_string()
        }
    };
    let mut lines = Vec::new();
    let mut renumbered: Vec<String> = Vec::new();
    let flush = |renumbered: &mut Vec<String>, lines: &mut Vec<String>| {
        if !renumbered.is_empty() {
            lines.push(format!(
                "renumbered (same step, new id; the steps inside them too): {}",
                renumbered.join(", ")
            ));
            renumbered.clear();
        }
    };
    for s in steps {
        if s.change == Change::Renumbered {
            let from = s.old_id.as_deref().unwrap_or("");
            renumbered.push(format!("{} -> {}", c(from), c(&s.id)));
            continue;
        }
        flush(&mut renumbered, &mut lines);
        let id = match &s.old_id {
            Some(o) => format!("{} (was {})", c(&s.id), c(o)),
            None => c(&s.id),
        };
        let inside = if s.inside > 0 {
            format!(
                " (with the {} step{} inside)",
                s.inside,
                if s.inside == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        let text = |v: &Option<String>| c(v.as_deref().unwrap_or(""));
        let mut line = match s.change {
            Change::Added => format!("+ {id}: {}{inside}", text(&s.new)),
            Change::Removed => format!("- {id}: {}{inside}", text(&s.old)),
            _ => format!("~ {id}: {} -> {}", text(&s.old), text(&s.new)),
        };
        if md {
            // A leading `+`/`-` would start a nested list.
            line = match s.change {
                Change::Added => format!("added {}", &line[2..]),
                Change::Removed => format!("removed {}", &line[2..]),
                _ => format!("changed {}", &line[2..]),
            };
        }
        if let Some(n) = &s.note {
            let _ = write!(line, " ({n})");
        }
        lines.push(line);
    }
    flush(&mut renumbered, &mut lines);
    lines
}

pub(super) fn counts(r: &Report) -> String {
    let s = &r.summary;
    format!(
        "{} changed, {} added, {} removed, {} unchanged",
        s.changed, s.added, s.removed, s.unchanged
    )
}

pub(super) fn human(r: &Report) -> String {
    let mut out = String::new();
    if !r.changed {
        let _ = writeln!(
            out,
            "no campaign changes between {} and {} ({} unchanged)",
            r.old, r.new, r.summary.unchanged
        );
        return out;
    }
    for c in &r.campaigns {
        let status = match c.status {
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Changed => "changed",
        };
        let _ = writeln!(out, "campaign {} ({}): {status}", c.campaign, c.file);
        if let Some(a) = &c.about {
            let _ = writeln!(out, "  {a}");
        }
        if !c.settings.is_empty() {
            out.push_str("  settings\n");
            for s in &c.settings {
                if s.old.is_some() || s.new.is_some() {
                    let _ = writeln!(out, "    {}: {}", s.setting, arrow(&s.old, &s.new));
                } else {
                    let _ = writeln!(out, "    {}", s.setting);
                }
                if let Some(e) = &s.effect {
                    let _ = writeln!(out, "      {e}");
                }
            }
        }
        if !c.steps.is_empty() {
            out.push_str("  steps\n");
            for line in step_lines(&c.steps, false) {
                let _ = writeln!(out, "    {line}");
            }
        }
        if !c.content.is_empty() {
            out.push_str("  messages and channels\n");
            for m in &c.content {
                let _ = writeln!(out, "    {} {}", m.kind, m.name);
                for ch in &m.changes {
                    let _ = writeln!(out, "      {ch}");
                }
            }
        }
        if !c.reach.is_empty() {
            out.push_str("  reach\n");
            for m in &c.reach {
                let _ = writeln!(out, "    {}: {}", m.message, m.summary);
                for p in &m.now {
                    let _ = writeln!(out, "      + {p}");
                }
                for p in &m.before {
                    let _ = writeln!(out, "      - {p}");
                }
            }
        }
        if !c.mid_journey.is_empty() {
            out.push_str("  people mid-journey\n");
            if let Some(note) = renumber_note(c) {
                let _ = writeln!(out, "    ({note})");
            }
            for m in &c.mid_journey {
                let _ = writeln!(out, "    {}", m.text);
            }
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}", counts(r));
    out
}

/// Escapes Markdown outside code spans: `<`, `>` (HTML), `*`, `_` at word
/// starts, `[`, `]`, `\\`.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut code = false;
    let mut prev = ' ';
    for ch in s.chars() {
        if ch == '`' {
            code = !code;
            out.push(ch);
        } else if code {
            out.push(ch);
        } else {
            match ch {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '*' | '[' | ']' | '\\' => {
                    out.push('\\');
                    out.push(ch);
                }
                '_' if !prev.is_alphanumeric() => out.push_str("\\_"),
                c => out.push(c),
            }
        }
        prev = ch;
    }
    out
}

/// Markdown for pull-request comments.
pub(super) fn markdown(r: &Report) -> String {
    md_escape_lines(&markdown_raw(r))
}

/// Escapes every line but the headings' code spans and list markers.
pub(super) fn md_escape_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let (lead, rest) = match line.find(|c: char| !matches!(c, ' ' | '-' | '#')) {
            Some(i) => line.split_at(i),
            None => (line, ""),
        };
        // `**Settings**` and `_note_` lines are ours.
        if rest.starts_with("**") || (rest.starts_with('_') && rest.ends_with('_')) {
            out.push_str(line);
        } else {
            out.push_str(lead);
            out.push_str(&md_escape(rest));
        }
        out.push('\n');
    }
    out
}

pub(super) fn markdown_raw(r: &Report) -> String {
    let mut out = String::from("### Omnis: campaign changes\n\n");
    if !r.changed {
        let _ = writeln!(
            out,
            "No campaign changes ({} unchanged).",
            r.summary.unchanged
        );
        return out;
    }
    let _ = writeln!(out, "Between `{}` and `{}`: {}.\n", r.old, r.new, counts(r));
    for c in &r.campaigns {
        let status = match c.status {
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Changed => "changed",
        };
        let _ = writeln!(out, "#### `{}` ({status}, `{}`)\n", c.campaign, c.file);
        if let Some(a) = &c.about {
            let _ = writeln!(out, "{a}.\n");
        }
        if !c.settings.is_empty() {
            out.push_str("**Settings**\n\n");
            for s in &c.settings {
                let mut line = if s.old.is_some() || s.new.is_some() {
                    format!("- {}: `{}`", s.setting, arrow(&s.old, &s.new))
                } else {
                    format!("- {}", s.setting)
                };
                if let Some(e) = &s.effect {
                    let _ = write!(line, ": {e}");
                }
                let _ = writeln!(out, "{line}");
            }
            out.push('\n');
        }
        if !c.steps.is_empty() {
            out.push_str("**Steps**\n\n");
            for line in step_lines(&c.steps, true) {
                let _ = writeln!(out, "- {line}");
            }
            out.push('\n');
        }
        if !c.content.is_empty() {
            out.push_str("**Messages and channels**\n\n");
            for m in &c.content {
                let _ = writeln!(out, "- {} `{}`: {}", m.kind, m.name, m.changes.join("; "));
            }
            out.push('\n');
        }
        if !c.reach.is_empty() {
            out.push_str("**Reach**\n\n");
            for m in &c.reach {
                let _ = writeln!(out, "- `{}`: {}", m.message, m.summary);
                for p in &m.now {
                    let _ = writeln!(out, "  - now: {p}");
                }
                for p in &m.before {
                    let _ = writeln!(out, "  - no longer: {p}");
                }
            }
            out.push('\n');
        }
        if !c.mid_journey.is_empty() {
            out.push_str("**People mid-journey**\n\n");
            if let Some(note) = renumber_note(c) {
                let _ = writeln!(out, "_{note}_\n");
            }
            for m in &c.mid_journey {
                let _ = writeln!(out, "- {}", m.text);
            }
            out.push('\n');
        }
    }
    out
}
