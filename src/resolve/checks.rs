//! Checks across declarations, after pass 2: segments defined in terms
//! of themselves, and placeholders against the campaigns that send the
//! message.

use super::journey::collect_sends;
use super::*;
use crate::plan::time::quiet_union_span;

impl Resolver<'_> {
    // ------------------------------------------------------------ cross checks

    /// Segments that refer to themselves cannot be expanded.
    pub(super) fn check_segment_cycles(&mut self) {
        let n = self.program.segments.len();
        let deps: Vec<Vec<SegmentId>> = self
            .program
            .segments
            .iter()
            .map(|s| {
                let mut out = Vec::new();
                segment_refs(&s.cond, &mut out);
                out
            })
            .collect();
        // 0 = new, 1 = on stack, 2 = done; iterative DFS.
        let mut state = vec![0u8; n];
        for start in 0..n {
            if state[start] != 0 {
                continue;
            }
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            state[start] = 1;
            while let Some(&mut (s, ref mut i)) = stack.last_mut() {
                if *i < deps[s].len() {
                    let t = deps[s][*i].index();
                    *i += 1;
                    match state[t] {
                        0 => {
                            state[t] = 1;
                            stack.push((t, 0));
                        }
                        1 => {
                            let pos = stack.iter().position(|&(x, _)| x == t).unwrap();
                            let names: Vec<String> = stack[pos..]
                                .iter()
                                .map(|&(x, _)| format!("`{}`", self.program.segments[x].name))
                                .chain([format!("`{}`", self.program.segments[t].name)])
                                .collect();
                            let seg = &self.program.segments[s];
                            let (file, span) = (seg.loc.file, seg.loc.span);
                            self.err(
                                Code::CyclicSegment,
                                file,
                                span,
                                format!(
                                    "this segment is defined in terms of itself: {}",
                                    names.join(" → ")
                                ),
                            )
                            .help =
                                Some("define one of them from attributes and history only".into());
                        }
                        _ => {}
                    }
                } else {
                    state[s] = 2;
                    stack.pop();
                }
            }
        }
    }

    /// `{{ }}` placeholders name an attribute or a field of the trigger event
    /// of every campaign that sends the message.
    pub(super) fn check_placeholders(&mut self) {
        // Most messages have no placeholders (a workspace of 20,000 files
        // may have none): only the senders of those that do are collected.
        let with_placeholders: Vec<bool> = (self.program.messages.iter())
            .map(|m| !m.placeholders.is_empty())
            .collect();
        if !with_placeholders.contains(&true) {
            return;
        }
        let mut sent_by: Vec<Vec<(CampaignId, Loc)>> =
            vec![Vec::new(); self.program.messages.len()];
        let mut sends = Vec::new();
        for (ci, c) in self.program.campaigns.iter().enumerate() {
            sends.clear();
            collect_sends(&c.journey, &mut sends);
            for &(m, l) in &sends {
                if !with_placeholders[m.index()] {
                    continue;
                }
                if !sent_by[m.index()].iter().any(|(x, _)| x.index() == ci) {
                    sent_by[m.index()].push((CampaignId(ci as u32), l));
                }
            }
        }
        for (mi, senders) in sent_by.iter().enumerate() {
            // Only the placeholders are needed (most messages have none):
            // copied, as findings are pushed meanwhile.
            if self.program.messages[mi].placeholders.is_empty() {
                continue;
            }
            let placeholders = self.program.messages[mi].placeholders.clone();
            for p in &placeholders {
                let parts: Vec<&str> = p.path.split('.').collect();
                let path_span = placeholder_path_span(p);
                if parts.len() == 1 {
                    // An attribute, in the message's own scope.
                    match self.lookup(Ns::Value, parts[0], p.loc.file) {
                        Some(Decl::Attr(_)) => {}
                        found => {
                            let names = self.visible_names(Ns::Value, p.loc.file);
                            let mut help = match did_you_mean(parts[0], names.iter().copied()) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => "a placeholder names a profile attribute, or a field of the trigger event like `{{ order_placed.total }}`".into(),
                            };
                            if matches!(found, Some(Decl::Segment(_))) {
                                help = format!("`{}` is a segment; placeholders show values, so name a profile attribute", parts[0]);
                            }
                            self.err(
                                Code::UnknownName,
                                p.loc.file,
                                path_span,
                                format!("there is no profile attribute named `{}`", parts[0]),
                            )
                            .help = Some(help);
                        }
                    }
                    continue;
                }
                for &(cid, send_loc) in senders {
                    let camp = &self.program.campaigns[cid.index()];
                    let trig = camp.trigger_event();
                    let trig_name = trig.map(|t| self.program.event(t).name.clone());
                    let ok = match trig {
                        Some(t) if trig_name.as_deref() == Some(parts[0]) => {
                            self.program.event(t).field(parts[1]).is_some()
                        }
                        _ => false,
                    };
                    if ok {
                        continue;
                    }
                    let msg_text = match &trig_name {
                        Some(n) if n == parts[0] => format!("the event `{n}` has no field `{}`", parts[1]),
                        Some(n) => format!(
                            "`{{{{ {} }}}}` needs `{}`, but campaign `{}` is triggered by `{n}`",
                            p.path, parts[0], camp.name
                        ),
                        None => format!(
                            "`{{{{ {} }}}}` needs a `{}` event, but campaign `{}` is not triggered by an event",
                            p.path, parts[0], camp.name
                        ),
                    };
                    let camp_name = camp.name.clone();
                    let d = self.err(Code::UnknownName, p.loc.file, path_span, msg_text);
                    d.labels.push(crate::diagnostic::Label {
                        file: send_loc.file,
                        span: send_loc.span,
                        message: format!("sent here by campaign `{camp_name}`"),
                    });
                    d.help = Some(
                        "placeholders can use the fields of the trigger event of every campaign that sends the message; use a profile attribute, or a separate message for this campaign".into(),
                    );
                }
            }
        }
    }
}

impl Resolver<'_> {
    /// A campaign's quiet hours and those of a channel it sends on must
    /// leave some time of day to send in.
    pub(super) fn check_quiet_hours(&mut self) {
        for ci in 0..self.program.campaigns.len() {
            let c = &self.program.campaigns[ci];
            let Some((_, _, at)) = c.quiet_hours else {
                continue;
            };
            let mut sends = Vec::new();
            collect_sends(&c.journey, &mut sends);
            let mut seen = Vec::new();
            let mut found = Vec::new();
            for (m, send) in sends {
                let ch = self.program.message(m).channel;
                if seen.contains(&ch) {
                    continue;
                }
                seen.push(ch);
                let channel = self.program.channel(ch);
                if quiet_union_span(&c.quiet_periods(channel)).is_none() {
                    found.push((channel.name.clone(), channel.loc, send));
                }
            }
            let name = c.name.clone();
            for (channel, ch_loc, send) in found {
                let d = self.err(
                    Code::InvalidValue,
                    at.file,
                    at.span,
                    format!(
                        "the quiet hours of campaign `{name}` and of channel `{channel}` together cover the whole day: its sends on `{channel}` could never go out"
                    ),
                );
                d.labels.push(crate::diagnostic::Label {
                    file: ch_loc.file,
                    span: ch_loc.span,
                    message: format!("`{channel}`'s quiet hours"),
                });
                d.labels.push(crate::diagnostic::Label {
                    file: send.file,
                    span: send.span,
                    message: format!("sent on `{channel}` here"),
                });
                d.help = Some("leave some hours of the day outside both quiet periods".into());
            }
        }
    }
}

/// The span of a placeholder's path inside `{{ }}`.
pub(super) fn placeholder_path_span(p: &PlaceholderRef) -> Span {
    // The path follows `{{` and optional spaces; the loc covers `{{ ... }}`.
    p.loc.span
}

pub(super) fn segment_refs(c: &Cond, out: &mut Vec<SegmentId>) {
    let mut stack = vec![c];
    while let Some(c) = stack.pop() {
        match &c.kind {
            CondKind::Segment(s) => out.push(*s),
            CondKind::Or(v) | CondKind::And(v) => stack.extend(v.iter()),
            CondKind::Not(x) => stack.push(x),
            CondKind::Did {
                filter: Some(f), ..
            } => stack.push(f),
            _ => {}
        }
    }
}
