//! Journeys: steps, split weights, step names and `goto` targets. A step
//! is resolved by `syntax::step::StepKind::map_refs`, which knows what each
//! step kind refers to and calls [`Refs`] once per reference by its role:
//! the lookups, checks and diagnostics of each role are written here once,
//! for every step kind (the roles of an action's references in
//! `resolve::action`), and nothing here matches a step kind.

use super::*;
use crate::symbols::Target;
use crate::syntax::step::StepRefs;

/// The resolver as the map of a step's references
/// (`syntax::step::StepKind::map_refs`, `syntax::action::Action::map_refs`)
/// from the tree's phase to the model's.
pub(super) struct Refs<'a, 'r> {
    pub r: &'a mut Resolver<'r>,
    pub ctx: Ctx,
    /// The step, with the `@allow`s before it.
    pub step: Span,
}

impl StepRefs<ast::Parsed, model::Resolved> for Refs<'_, '_> {
    fn message(&mut self, m: &Ident) -> Option<MessageId> {
        self.r.message_ref(m, self.ctx.file)
    }

    fn event(&mut self, e: &Ident) -> Option<EventId> {
        self.r.event(e, self.ctx.file)
    }

    /// A `where` filters an event's fields (it is resolved with the event
    /// as the one matched); engagement has none.
    fn filter(&mut self, f: &ast::Expr, on: Option<&WaitOn>) -> Option<Cond> {
        match on {
            Some(WaitOn::Event(e)) => {
                let matched = Some(*e);
                Some(self.r.cond(
                    f,
                    Ctx {
                        matched,
                        ..self.ctx
                    },
                ))
            }
            Some(WaitOn::Opened(_) | WaitOn::Clicked(_)) => {
                self.r
                    .err(
                        Code::TypeMismatch,
                        self.ctx.file,
                        f.span,
                        "`where` filters an event's fields; engagement has none",
                    )
                    .help = Some("remove the `where`, or wait for an event".into());
                None
            }
            None => None,
        }
    }

    fn cond(&mut self, c: &ast::Expr) -> Cond {
        self.r.cond(c, self.ctx)
    }

    /// A wait's time limit must be longer than zero.
    fn within(&mut self, within: &ast::Duration, step: &str) -> u64 {
        if within.seconds == 0 {
            self.r
                .err(
                    Code::InvalidValue,
                    self.ctx.file,
                    within.span,
                    format!("`{step}` needs a time limit longer than zero"),
                )
                .help = Some("e.g. `within 3d`".into());
        }
        within.seconds
    }

    fn times(&mut self, times: &ast::Number) -> u32 {
        times.value.clamp(0.0, u32::MAX as f64) as u32
    }

    /// Names as written: `goto` targets are checked against the step
    /// names of the whole campaign (`check_journey`).
    fn label(&mut self, l: &Ident) -> String {
        l.name.clone()
    }

    /// The weights of a split add up to 100%, its arms' names are
    /// distinct, and each arm's spans are recorded (for diagnostics about
    /// an arm).
    fn split(&mut self, arms: &[ast::SplitArm]) {
        let file = self.ctx.file;
        let r = &mut *self.r;
        let total: u32 = arms.iter().map(|a| a.weight.basis_points).sum();
        if total != 10_000 {
            let shown = crate::words::percent(total);
            let d = r.err(
                Code::SplitWeights,
                file,
                Span::new(self.step.start as usize, self.step.start as usize + 5),
                format!("the split's weights add up to {shown}, not 100%"),
            );
            for a in arms {
                d.labels.push(crate::diagnostic::Label {
                    file,
                    span: a.weight.span,
                    message: String::new(),
                });
            }
            d.help = Some(if total < 10_000 {
                format!(
                    "every person takes one arm: add {} to an arm, or an arm for the rest (e.g. `{} holdout {{ }}`)",
                    crate::words::percent(10_000 - total),
                    crate::words::percent(10_000 - total)
                )
            } else {
                format!(
                    "take {} away from the arms",
                    crate::words::percent(total - 10_000)
                )
            });
        }
        let mut names: HashMap<&str, Span> = HashMap::new();
        for a in arms {
            if let Some(n) = &a.name {
                if let Some(&first) = names.get(n.name.as_str()) {
                    let d = r.err(
                        Code::DuplicateName,
                        file,
                        n.span,
                        format!("two arms of this split are named `{}`", n.name),
                    );
                    d.label(file, first, "first named here");
                } else {
                    names.insert(&n.name, n.span);
                }
            }
        }
        for a in arms {
            let spans = StepSpan {
                written: a.at,
                head: a.head,
                ..StepSpan::default()
            };
            r.program.steps.insert(loc(file, a.at), spans);
        }
    }

    fn weight(&mut self, w: &ast::Percent) -> u32 {
        w.basis_points
    }

    fn at(&mut self, at: &Span) -> Loc {
        loc(self.ctx.file, *at)
    }

    fn mark(&mut self, _: &Span) {}

    fn block(&mut self, b: &ast::Block) -> model::Block {
        self.r.block(b, self.ctx)
    }
}

impl Resolver<'_> {
    // ------------------------------------------------------------ journeys

    pub(super) fn block(&mut self, b: &ast::Block, ctx: Ctx) -> model::Block {
        model::Block {
            // Through a boxed slice: no spare capacity (most blocks hold a
            // step or two, and a vector grows from four).
            steps: b
                .steps
                .iter()
                .filter_map(|s| self.step(s, ctx))
                .collect::<Box<[_]>>()
                .into(),
            loc: loc(ctx.file, b.span),
        }
    }

    pub(super) fn message_ref(&mut self, m: &Ident, file: FileId) -> Option<MessageId> {
        match self.lookup_ref(Ns::Message, m, file) {
            Some(Decl::Message(id)) => Some(id),
            _ => {
                self.unknown(Ns::Message, m, file);
                None
            }
        }
    }

    pub(super) fn step(&mut self, s: &ast::Step, ctx: Ctx) -> Option<Step> {
        let file = ctx.file;
        let step = s.span;
        let kind = s.kind.map_refs(&mut Refs { r: self, ctx, step })?;
        let spans = StepSpan {
            written: Span::new(s.head.start as usize, s.span.end as usize),
            head: s.head,
            awaited: s.parts.awaited,
            within: s
                .parts
                .within
                .zip(s.kind.timeout_within())
                .map(|(kw, within)| kw.to(within.span)),
            otherwise: s.parts.otherwise,
            else_kw: s.parts.else_kw,
        };
        self.program.steps.insert(loc(file, s.span), spans);
        Some(Step {
            kind,
            loc: loc(file, s.span),
            allows: allows(file, &s.allows),
        })
    }

    /// Named steps are unique in a campaign and every `goto` has a target.
    pub(super) fn check_journey(&mut self, id: CampaignId, c: &ast::CampaignDecl, file: FileId) {
        let Some(journey) = c.props.iter().find_map(|p| match &p.kind {
            ast::CampaignPropKind::Journey(b) => Some(b),
            _ => None,
        }) else {
            return;
        };
        let mut named: Vec<&Ident> = Vec::new();
        let mut gotos: Vec<&Ident> = Vec::new();
        journey.walk_steps(&mut |s| {
            named.extend(s.kind.label());
            gotos.extend(s.kind.target());
        });
        named.sort_by_key(|n| n.span);
        gotos.sort_by_key(|n| n.span);
        let mut seen: HashMap<&str, (Span, u32)> = HashMap::new();
        for (i, n) in named.iter().enumerate() {
            let step = Target::Step(id, i as u32);
            self.index.define(step, &n.name, file, n.span);
            if let Some(&(first, _)) = seen.get(n.name.as_str()) {
                let d = self.err(
                    Code::DuplicateName,
                    file,
                    n.span,
                    format!(
                        "the step `{}` is declared twice in campaign `{}`",
                        n.name, c.name.name
                    ),
                );
                d.label(file, first, "first declared here");
                d.help = Some(
                    "step names are `goto` targets, so they must be unique in a campaign".into(),
                );
            } else {
                seen.insert(&n.name, (n.span, i as u32));
            }
        }
        for g in gotos {
            if let Some(&(_, i)) = seen.get(g.name.as_str()) {
                self.index.refer(Target::Step(id, i), file, g.span);
            } else {
                let names: Vec<&str> = named.iter().map(|n| n.name.as_str()).collect();
                let help = match did_you_mean(&g.name, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if names.is_empty() => {
                        "name a block with `step NAME { ... }` to jump to it".into()
                    }
                    None => format!(
                        "the steps of this campaign are {}",
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                self.err(
                    Code::UnknownName,
                    file,
                    g.span,
                    format!(
                        "there is no step named `{}` in campaign `{}`",
                        g.name, c.name.name
                    ),
                )
                .help = Some(help);
            }
        }
    }
}

pub(super) fn collect_sends(b: &model::Block, out: &mut Vec<(MessageId, Loc)>) {
    b.walk_steps(&mut |s| out.extend(s.kind.sent().map(|&m| (m, s.loc))));
    out.sort_by_key(|(_, l)| (l.file, l.span));
}
