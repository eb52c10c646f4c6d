//! Pass 2 on every core: the items of runs of files (channels, segments,
//! messages, campaigns) are resolved each by a resolver of its own, which
//! reads what pass 1 made (the names, the import closures, the attributes
//! and events) and fills only its files' items, findings, symbol index
//! entries and step spans. They are then put back together in file order,
//! so the model, the symbol ids and the order of the findings are those of
//! resolving the files one after another, however many threads there are.

use std::ops::{Index, IndexMut};

use super::*;
use crate::symbols::IndexBuilder;

/// The items of one kind that a resolver of pass 2 fills: those with ids
/// from `base` on, in place in the program's vector (pass 1 declared them).
pub(super) struct Part<'a, T> {
    base: usize,
    items: &'a mut [T],
}

impl<T> Default for Part<'_, T> {
    fn default() -> Self {
        Part {
            base: 0,
            items: &mut [],
        }
    }
}

impl<T> Index<usize> for Part<'_, T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        &self.items[i - self.base]
    }
}

impl<T> IndexMut<usize> for Part<'_, T> {
    fn index_mut(&mut self, i: usize) -> &mut T {
        &mut self.items[i - self.base]
    }
}

/// The items of a run of files, as pass 1 declared them, being filled.
#[derive(Default)]
pub(super) struct Items<'a> {
    pub(super) segments: Part<'a, Segment>,
    pub(super) channels: Part<'a, Channel>,
    pub(super) messages: Part<'a, Message>,
    pub(super) campaigns: Part<'a, Campaign>,
}

/// What resolving a run of files gave, besides its items (filled in
/// place).
struct Output {
    diags: Vec<Diagnostic>,
    index: IndexBuilder,
    steps: StepSpans,
}

/// A run of files to resolve: `files` of the loaded files, and how many
/// items of each kind (segments, channels, messages, campaigns) they hold.
struct Run {
    files: std::ops::Range<usize>,
    counts: [usize; 4],
}

/// The items of a run of files, resolved alone, in about this many: a
/// file of the stress workspace holds three, so some 600 runs there,
/// enough for every core to keep busy and few enough that putting them
/// back together costs nothing.
pub(super) const ITEMS_PER_RUN: usize = 100;

/// The slot of an item of pass 2 in [`Run::counts`].
fn kind(item: &ast::Item) -> Option<usize> {
    match item.kind {
        ItemKind::Segment(_) => Some(0),
        ItemKind::Channel(_) => Some(1),
        ItemKind::Message(_) => Some(2),
        ItemKind::Campaign(_) => Some(3),
        _ => None,
    }
}

impl Resolver<'_> {
    /// Pass 2 over runs of files of about `per_run` items each, on every
    /// core when there are several.
    pub(super) fn resolve_in_runs(&mut self, per_run: usize) {
        let loaded = self.loaded;
        let mut runs: Vec<Run> = Vec::new();
        let mut run = Run {
            files: 0..0,
            counts: [0; 4],
        };
        for (i, f) in loaded.files.iter().enumerate() {
            for k in f.items.iter().filter_map(kind) {
                run.counts[k] += 1;
            }
            run.files.end = i + 1;
            if run.counts.iter().sum::<usize>() >= per_run {
                let next = Run {
                    files: i + 1..i + 1,
                    counts: [0; 4],
                };
                runs.push(std::mem::replace(&mut run, next));
            }
        }
        if !run.files.is_empty() {
            runs.push(run);
        }

        // What every run reads, taken out of this resolver meanwhile.
        let declared = Program {
            attributes: std::mem::take(&mut self.program.attributes),
            events: std::mem::take(&mut self.program.events),
            ..Program::default()
        };
        let names = std::mem::take(&mut self.names);
        let closures = std::mem::take(&mut self.closures);
        let closure_only = self.closure_only;

        // Each run's items, as pass 1 declared them, in id order: filled
        // where they are, each run's in a part of the vectors of its own
        // (20,000 campaigns are neither moved out nor back).
        let mut segments = std::mem::take(&mut self.program.segments);
        let mut channels = std::mem::take(&mut self.program.channels);
        let mut messages = std::mem::take(&mut self.program.messages);
        let mut campaigns = std::mem::take(&mut self.program.campaigns);
        let outputs: Vec<Output> = {
            let mut left = (
                &mut segments[..],
                &mut channels[..],
                &mut messages[..],
                &mut campaigns[..],
            );
            let mut bases = [0usize; 4];
            let work: Vec<(std::ops::Range<usize>, Items)> = runs
                .into_iter()
                .map(|run| {
                    // Pass 1 declares one of each such item, so there are
                    // enough; were there not, the run would get fewer.
                    fn part<'s, T>(left: &mut &'s mut [T], base: usize, n: usize) -> Part<'s, T> {
                        let n = n.min(left.len());
                        let (items, rest) = std::mem::take(left).split_at_mut(n);
                        *left = rest;
                        Part { base, items }
                    }
                    let [s, c, m, k] = run.counts;
                    let items = Items {
                        segments: part(&mut left.0, bases[0], s),
                        channels: part(&mut left.1, bases[1], c),
                        messages: part(&mut left.2, bases[2], m),
                        campaigns: part(&mut left.3, bases[3], k),
                    };
                    for (b, n) in bases.iter_mut().zip(run.counts) {
                        *b += n;
                    }
                    (run.files, items)
                })
                .collect();

            let resolve_run = |(files, items): (std::ops::Range<usize>, Items)| -> Output {
                let mut r = Resolver {
                    loaded,
                    program: Program::default(),
                    diags: Vec::new(),
                    names: Cow::Borrowed(&*names),
                    closures: Cow::Borrowed(&*closures),
                    index: IndexBuilder::default(),
                    closure_only,
                    items,
                    declared: Some(&declared),
                };
                r.resolve_files(files);
                Output {
                    diags: r.diags,
                    index: r.index,
                    steps: r.program.steps,
                }
            };
            if work.len() <= 1 {
                work.into_iter().map(resolve_run).collect()
            } else {
                use rayon::prelude::*;
                crate::stack::pool().install(|| work.into_par_iter().map(resolve_run).collect())
            }
        };

        // Put back together in file order.
        let p = &mut self.program;
        p.attributes = declared.attributes;
        p.events = declared.events;
        p.segments = segments;
        p.channels = channels;
        p.messages = messages;
        p.campaigns = campaigns;
        // Room for every run's output at once: appended run by run, the
        // vectors (a few megabytes at 20,000 files) were copied into fresh
        // pages as they doubled, on this one thread.
        p.steps.reserve_for(outputs.iter().map(|o| &o.steps));
        self.index.reserve_for(outputs.iter().map(|o| &o.index));
        self.diags
            .reserve(outputs.iter().map(|o| o.diags.len()).sum());
        for out in outputs {
            p.steps.append(out.steps);
            self.diags.extend(out.diags);
            self.index.append(out.index);
        }
        self.names = names;
        self.closures = closures;
    }

    /// Pass 2 over `files` (of the loaded files), whose items `self.items`
    /// holds.
    fn resolve_files(&mut self, files: std::ops::Range<usize>) {
        let loaded = self.loaded;
        let (mut seg, mut ch, mut msg, mut camp) = (
            self.items.segments.base,
            self.items.channels.base,
            self.items.messages.base,
            self.items.campaigns.base,
        );
        for ast_file in &loaded.files[files] {
            let file = ast_file.file;
            for item in &ast_file.items {
                match &item.kind {
                    ItemKind::Channel(c) => {
                        self.channel(ChannelId(ch as u32), c, file);
                        ch += 1;
                    }
                    ItemKind::Segment(s) => {
                        let ctx = Ctx {
                            file,
                            trigger: None,
                            matched: None,
                            in_campaign: false,
                        };
                        let cond = self.cond(&s.expr, ctx);
                        self.items.segments[seg].cond = cond;
                        seg += 1;
                    }
                    ItemKind::Message(m) => {
                        self.message(MessageId(msg as u32), m, file);
                        msg += 1;
                    }
                    ItemKind::Campaign(c) => {
                        self.campaign(CampaignId(camp as u32), c, file);
                        camp += 1;
                    }
                    _ => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::resolve_runs;

    /// Files with something of every kind pass 2 resolves and reports:
    /// the example campaigns, and files with unknown names, steps named
    /// twice, `goto`s and placeholders.
    fn sources() -> Vec<(String, String)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/campaigns");
        let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "omni"))
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&p).unwrap())
            })
            .collect();
        files.sort();
        for i in 0..6 {
            files.push((
                format!("extra{i}.omni"),
                format!(
                    r#"import "audience.omni"
channel ch_{i} {{ kind nosuch  consent email_opt_in }}
segment s_{i} = country == "c{i}" and bogus_{i}
message m_{i} {{ channel email  template "hi {{{{ first_name }}}} {{{{ nope_{i} }}}}" }}
message n_{i} {{ channel missing_{i}  template "x" }}
campaign c_{i} {{
  trigger cart_abandoned
  audience s_{i}
  journey {{
    step a {{ send m_{i} }}
    step a {{ wait 1d }}
    step b {{ send n_{i}  goto a }}
    goto c
    send unknown_{i}
  }}
}}
"#
                ),
            ));
        }
        files
    }

    #[test]
    fn resolving_files_apart_gives_what_resolving_them_in_turn_gives() {
        let files = sources();
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        let loaded = crate::loader::load_sources(&refs).unwrap();
        let whole = resolve_runs(&loaded, false, usize::MAX);
        assert!(whole.diagnostics.len() > 30, "{:#?}", whole.diagnostics);
        for per_run in [1, 2, 7] {
            let apart = resolve_runs(&loaded, false, per_run);
            assert!(apart.program == whole.program, "{per_run} items a run");
            assert_eq!(
                apart.diagnostics, whole.diagnostics,
                "{per_run} items a run"
            );
        }
    }
}
