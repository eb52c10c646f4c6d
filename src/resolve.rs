//! Stage 3: name resolution and type checking, from the AST to the checked
//! [`crate::model::Program`].
//!
//! Names live in one namespace per kind: values (profile attributes and
//! segments), events, channels, messages and campaigns. A file sees every
//! declaration of its import closure. A name declared twice within one
//! closure is `duplicate-name`, at the later declaration with a label at the
//! first. Campaign names must be unique across a whole run, since each one
//! becomes a plan file, and make a file name everywhere (see
//! [`plan_names`]: not only in case, no Windows device name).
//!
//! The resolver reports every problem it finds and still produces a model;
//! the model is only handed to later stages when there are no errors.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::loader::Loaded;
use crate::model::{self, *};
use crate::source::{FileId, Span};
use crate::suggest::did_you_mean;
use crate::syntax::ast::{self, ExprKind, Ident, ItemKind, Literal, Operand};

mod action;
mod campaign;
mod checks;
mod cond;
mod declare;
mod index;
mod items;
mod journey;
mod pass2;
mod plan_names;
mod types;

use types::{LitType, OpType};

/// The result of resolution.
pub struct Resolved {
    pub program: Program,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Ns {
    Value,
    Event,
    Channel,
    Message,
    Campaign,
}

impl Ns {
    const ALL: [Ns; 5] = [Ns::Value, Ns::Event, Ns::Channel, Ns::Message, Ns::Campaign];

    fn describe(self) -> &'static str {
        match self {
            Ns::Value => "attribute or segment",
            Ns::Event => "event",
            Ns::Channel => "channel",
            Ns::Message => "message",
            Ns::Campaign => "campaign",
        }
    }

    /// The help line of a name declared twice in this namespace: why the
    /// name must be unique.
    fn duplicate_help(self, name: &str) -> String {
        let why = match self {
            Ns::Value => format!("profile attributes and segments share one namespace (conditions name both), so `{name}` can only mean one thing"),
            Ns::Event => format!("`trigger`, `did` and `wait for` name events, so `{name}` can only mean one event"),
            Ns::Channel => format!("messages name their channel, so `{name}` can only mean one channel"),
            Ns::Message => format!("`send` names a message, so `{name}` can only mean one message"),
            Ns::Campaign => "each campaign becomes a plan file named after it, so campaign names must be unique across the project".into(),
        };
        format!("rename one of them; {why}")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decl {
    Attr(AttrId),
    Segment(SegmentId),
    Event(EventId),
    Channel(ChannelId),
    Message(MessageId),
    Campaign(CampaignId),
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    decl: Decl,
    file: FileId,
    span: Span,
}

/// Where an expression is being resolved.
#[derive(Clone, Copy)]
struct Ctx {
    file: FileId,
    /// The campaign's trigger event, whose fields are fixed for the journey.
    trigger: Option<EventId>,
    /// The event being matched (`did X where`, `wait for X where`).
    matched: Option<EventId>,
    /// Inside a campaign (engagement conditions are allowed).
    in_campaign: bool,
}

/// Declarations by namespace (`Ns as usize`), then name.
type Names = [HashMap<String, Vec<Entry>>; Ns::ALL.len()];

struct Resolver<'a> {
    loaded: &'a Loaded,
    program: Program,
    diags: Vec<Diagnostic>,
    /// Declarations by namespace (`Ns as usize`), then name: owned while
    /// pass 1 fills them, borrowed by the resolvers of pass 2.
    names: Cow<'a, Names>,
    closures: Cow<'a, [Vec<FileId>]>,
    /// The symbol index being recorded.
    index: crate::symbols::IndexBuilder,
    /// Whether what is loaded is one file's closure, not a whole run
    /// ([`resolve_closure`]).
    closure_only: bool,
    /// In pass 2 ([`pass2`]), the items of the files this resolver fills.
    items: pass2::Items<'a>,
    /// In pass 2, the attributes and events of the run (pass 1 made them;
    /// every file reads them), else `None`: they are in `program`.
    declared: Option<&'a Program>,
}

/// Resolves every loaded file.
pub fn resolve(loaded: &Loaded) -> Resolved {
    resolve_with(loaded, false)
}

/// Resolves one file's import closure, loaded alone, as part of a larger
/// run: campaigns are one namespace over the whole run, so `in campaign`
/// naming a campaign the closure does not declare is not reported here
/// (the check of the whole run decides it); everything else is reported
/// as [`resolve`] reports it.
pub fn resolve_closure(loaded: &Loaded) -> Resolved {
    resolve_with(loaded, true)
}

fn resolve_with(loaded: &Loaded, closure_only: bool) -> Resolved {
    resolve_runs(loaded, closure_only, pass2::ITEMS_PER_RUN)
}

/// [`resolve_with`], pass 2 resolving runs of files of about `per_run`
/// items each apart.
fn resolve_runs(loaded: &Loaded, closure_only: bool, per_run: usize) -> Resolved {
    let closures = loaded.closures();
    let mut r = Resolver {
        loaded,
        program: Program::default(),
        diags: Vec::new(),
        names: Default::default(),
        closures: Cow::Owned(closures),
        index: Default::default(),
        closure_only,
        items: Default::default(),
        declared: None,
    };
    r.index_files();
    r.declare_all();
    r.check_duplicates();
    r.check_plan_file_names();
    r.resolve_in_runs(per_run);
    r.check_segment_cycles();
    r.check_placeholders();
    r.check_quiet_hours();
    r.quiet_inside_recovered();
    r.program.symbols = std::mem::take(&mut r.index).finish();
    r.program.steps.finish();
    r.program.shrink_to_fit();
    Resolved {
        program: r.program,
        diagnostics: r.diags,
    }
}

fn loc(file: FileId, span: Span) -> Loc {
    Loc::new(file, span)
}

fn allows(file: FileId, list: &[ast::Allow]) -> Allows {
    Allows {
        codes: list
            .iter()
            .flat_map(|a| a.codes.iter())
            .map(|c| (c.name.clone(), loc(file, c.span)))
            .collect(),
    }
}

const TYPE_NAMES: &[&str] = &["text", "number", "bool", "time", "date"];

impl<'a> Resolver<'a> {
    fn err(
        &mut self,
        code: Code,
        file: FileId,
        span: Span,
        msg: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diags.push(Diagnostic::error(code, file, span, msg));
        self.diags.last_mut().unwrap()
    }

    /// The attributes and events of the run (their types, an event's
    /// fields).
    fn declared(&self) -> &Program {
        self.declared.unwrap_or(&self.program)
    }

    fn visible(&self, from: FileId, decl_file: FileId) -> bool {
        self.closures[from.0 as usize]
            .binary_search(&decl_file)
            .is_ok()
    }

    fn register(&mut self, ns: Ns, name: &Ident, file: FileId, decl: Decl) {
        self.names.to_mut()[ns as usize]
            .entry(name.name.clone())
            .or_default()
            .push(Entry {
                decl,
                file,
                span: name.span,
            });
    }

    fn lookup(&self, ns: Ns, name: &str, from: FileId) -> Option<Decl> {
        self.names[ns as usize]
            .get(name)?
            .iter()
            .find(|e| ns == Ns::Campaign || self.visible(from, e.file))
            .map(|e| e.decl)
    }

    /// Names of a namespace visible from a file, for did-you-mean.
    fn visible_names(&self, ns: Ns, from: FileId) -> Vec<&str> {
        let mut v: Vec<&str> = self.names[ns as usize]
            .iter()
            .filter(|(_, entries)| {
                // Campaigns are one namespace over everything checked
                // together (`in campaign NAME`), imported or not.
                ns == Ns::Campaign || entries.iter().any(|e| self.visible(from, e.file))
            })
            .map(|(name, _)| name.as_str())
            .collect();
        v.sort();
        v
    }

    /// Reports an unknown name with a did-you-mean.
    fn unknown(&mut self, ns: Ns, ident: &Ident, file: FileId) {
        let names = self.visible_names(ns, file);
        let suggestion = did_you_mean(&ident.name, names.iter().copied()).map(str::to_string);
        // The name may exist in another namespace or another file.
        let elsewhere = Ns::ALL
            .into_iter()
            .filter(|&other| other != ns)
            .find(|&other| self.lookup(other, &ident.name, file).is_some());
        let not_imported = self.names[ns as usize]
            .get(&ident.name)
            .and_then(|es| es.first())
            .map(|e| self.loaded.sources.get(e.file).name.clone());
        let help = if let Some(s) = &suggestion {
            format!("did you mean `{s}`?")
        } else if let Some(f) = &not_imported {
            format!("`{}` is declared in `{f}`: import that file", ident.name)
        } else if let Some(other) = elsewhere {
            format!(
                "`{}` is {} {}, but a {} is needed here",
                ident.name,
                article(other.describe()),
                other.describe(),
                ns.describe()
            )
        } else {
            format!("declare the {} or fix the spelling", ns.describe())
        };
        let msg = format!("there is no {} named `{}`", ns.describe(), ident.name);
        self.err(Code::UnknownName, file, ident.span, msg).help = Some(help);
    }

    /// Inside a declaration that did not parse (`Item::recovered`), only
    /// its syntax error is reported: it holds a repair of what was written,
    /// so what is missing or unknown in it says nothing about what the user
    /// meant. Its name is declared all the same (so it is not unknown
    /// elsewhere), and a duplicate of it is still reported.
    fn quiet_inside_recovered(&mut self) {
        let recovered: Vec<(FileId, Span)> = self
            .loaded
            .files
            .iter()
            .flat_map(|f| {
                f.items
                    .iter()
                    .filter(|i| i.recovered)
                    .map(move |i| (f.file, i.span))
            })
            .collect();
        if recovered.is_empty() {
            return;
        }
        // Items are in file order and do not overlap.
        self.diags.retain(|d| {
            let i = recovered.partition_point(|&(f, s)| (f, s.start) <= (d.file, d.span.start));
            let inside = i > 0 && {
                let (f, s) = recovered[i - 1];
                f == d.file && d.span.start < s.end
            };
            !inside || d.code == Code::DuplicateName
        });
    }
}

fn article(w: &str) -> &'static str {
    if w.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}
