//! Journeys: steps, split weights, step names and `goto` targets.

use super::*;
use crate::symbols::Target;

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

    /// A wait's time limit must be longer than zero.
    fn within(&mut self, within: &ast::Duration, step: &str, file: FileId) {
        if within.seconds == 0 {
            self.err(
                Code::InvalidValue,
                file,
                within.span,
                format!("`{step}` needs a time limit longer than zero"),
            )
            .help = Some("e.g. `within 3d`".into());
        }
    }

    /// What a `wait for` or an `on` of a `wait for any` waits for, and its
    /// `where` (which only an event can have).
    fn awaited(
        &mut self,
        on: &ast::WaitOn,
        filter: Option<&ast::Expr>,
        ctx: Ctx,
    ) -> (Option<WaitOn>, Option<Cond>) {
        let file = ctx.file;
        let (on, matched) = match on {
            ast::WaitOn::Event(e) => {
                let ev = self.event(e, file);
                (ev.map(WaitOn::Event), ev)
            }
            ast::WaitOn::Opened(m) => (self.message_ref(m, file).map(WaitOn::Opened), None),
            ast::WaitOn::Clicked(m) => (self.message_ref(m, file).map(WaitOn::Clicked), None),
        };
        let filter = match (filter, matched) {
            (Some(f), Some(_)) => Some(self.cond(f, Ctx { matched, ..ctx })),
            (Some(f), None) => {
                if on.is_some() {
                    self.err(
                        Code::TypeMismatch,
                        file,
                        f.span,
                        "`where` filters an event's fields; engagement has none",
                    )
                    .help = Some("remove the `where`, or wait for an event".into());
                }
                None
            }
            (None, _) => None,
        };
        (on, filter)
    }

    pub(super) fn step(&mut self, s: &ast::Step, ctx: Ctx) -> Option<Step> {
        let file = ctx.file;
        let kind = match &s.kind {
            ast::StepKind::Send(m) => StepKind::Send(self.message_ref(m, file)?),
            ast::StepKind::Delay(d) => StepKind::Delay(d.clone()),
            ast::StepKind::WaitFor {
                on,
                filter,
                within,
                then,
                otherwise,
            } => {
                self.within(within, "wait for", file);
                let (on, filter) = self.awaited(on, filter.as_deref(), ctx);
                StepKind::WaitFor {
                    on: on?,
                    filter,
                    within: within.seconds,
                    then: then.as_ref().map(|b| self.block(b, ctx)),
                    otherwise: otherwise.as_ref().map(|b| self.block(b, ctx)),
                }
            }
            ast::StepKind::WaitAny {
                within,
                arms,
                otherwise,
                ..
            } => {
                self.within(within, "wait for any", file);
                let arms: Vec<WaitArm> = arms
                    .iter()
                    .filter_map(|a| {
                        let (on, filter) = self.awaited(&a.on, a.filter.as_ref(), ctx);
                        let body = self.block(&a.body, ctx);
                        Some(WaitArm {
                            on: on?,
                            filter,
                            body,
                            loc: loc(file, a.span),
                        })
                    })
                    .collect();
                StepKind::WaitAny {
                    arms,
                    within: within.seconds,
                    otherwise: otherwise.as_ref().map(|b| self.block(b, ctx)),
                }
            }
            ast::StepKind::If { arms, otherwise } => StepKind::If {
                arms: arms
                    .iter()
                    .map(|(c, b)| (self.cond(c, ctx), self.block(b, ctx)))
                    .collect(),
                otherwise: otherwise.as_ref().map(|b| self.block(b, ctx)),
            },
            ast::StepKind::Split(arms) => {
                let total: u32 = arms.iter().map(|a| a.weight.basis_points).sum();
                if total != 10_000 {
                    let shown = crate::words::percent(total);
                    let d = self.err(
                        Code::SplitWeights,
                        file,
                        Span::new(s.span.start as usize, s.span.start as usize + 5),
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
                            let d = self.err(
                                Code::DuplicateName,
                                file,
                                n.span,
                                format!("two arms of this split are named `{}`", n.name),
                            );
                            d.labels.push(crate::diagnostic::Label {
                                file,
                                span: first,
                                message: "first named here".into(),
                            });
                        } else {
                            names.insert(&n.name, n.span);
                        }
                    }
                }
                for a in arms {
                    let spans = StepSpan {
                        written: a.span,
                        head: a.head,
                        ..StepSpan::default()
                    };
                    self.program.steps.insert(loc(file, a.span), spans);
                }
                StepKind::Split(
                    arms.iter()
                        .map(|a| SplitArm {
                            weight: a.weight.basis_points,
                            name: a.name.as_ref().map(|n| n.name.clone()),
                            body: self.block(&a.body, ctx),
                            loc: loc(file, a.span),
                        })
                        .collect(),
                )
            }
            ast::StepKind::Repeat { times, body } => StepKind::Repeat {
                times: times.value.clamp(0.0, u32::MAX as f64) as u32,
                body: self.block(body, ctx),
            },
            ast::StepKind::Named { name, body } => StepKind::Named {
                name: name.name.clone(),
                body: self.block(body, ctx),
            },
            ast::StepKind::Goto(t) => StepKind::Goto {
                target: t.name.clone(),
            },
            ast::StepKind::Exit => StepKind::Exit,
            ast::StepKind::Action(a) => {
                StepKind::Action(a.map_refs(&mut action::ActionRefs { r: self, ctx })?)
            }
        };
        let spans = StepSpan {
            written: Span::new(s.head.start as usize, s.span.end as usize),
            head: s.head,
            awaited: s.parts.awaited,
            within: match (&s.kind, s.parts.within) {
                (ast::StepKind::WaitFor { within, .. }, Some(kw)) => Some(kw.to(within.span)),
                _ => None,
            },
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
        journey.walk_steps(&mut |s| match &s.kind {
            ast::StepKind::Named { name, .. } => named.push(name),
            ast::StepKind::Goto(t) => gotos.push(t),
            _ => {}
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
                d.labels.push(crate::diagnostic::Label {
                    file,
                    span: first,
                    message: "first declared here".into(),
                });
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
    b.walk_steps(&mut |s| {
        if let StepKind::Send(m) = s.kind {
            out.push((m, s.loc));
        }
    });
    out.sort_by_key(|(_, l)| (l.file, l.span));
}
