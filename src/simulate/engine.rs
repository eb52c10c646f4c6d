//! Running one person: the simulator's discrete-event loop, a driver of
//! the runtime core (`crate::runtime`). It feeds the person's inputs and
//! the timers the runtime arms in time order (an input first on a tie, as
//! the runtime requires), replaces the plan when asked (before the inputs
//! of that instant), and keeps the actions as the person's timeline.

use super::prepare::PPerson;
use super::Timeline;
use crate::runtime::{Effects, Runtime, State};

/// Runs one person over `(start, until)`, with `rt`'s plan replaced by
/// `replacement`'s at its instant (not before `start`). `scratch` keeps a
/// state from one person to the next, so that running many people does
/// not allocate each one's history anew.
pub(super) fn run_person<'r>(
    mut rt: &'r Runtime,
    mut replacement: Option<(&'r Runtime, i64)>,
    (start, until): (i64, i64),
    p: &PPerson,
    trace: bool,
    scratch: &mut Option<State>,
) -> Timeline {
    let state = match scratch.take() {
        Some(mut state) => {
            rt.reuse_state(&mut state, &p.id, &p.attrs);
            scratch.insert(state)
        }
        None => scratch.insert(rt.new_state(&p.id, p.attrs.clone())),
    };
    let mut out = Effects {
        trace: trace.then(Vec::new),
        ..Effects::default()
    };
    let mut inputs = &p.inputs;
    let mut i = 0;
    // Inputs before the start only build up state.
    while i < inputs.len() && inputs[i].at < start {
        rt.record(state, &inputs[i]);
        i += 1;
    }
    rt.begin(state, start);
    loop {
        let t_in = inputs.get(i).map(|x| x.at);
        let timer = rt.next_timer(state);
        let t_rep = replacement.map(|(_, at)| at);
        let Some(t) = [t_in, timer.map(|(at, _)| at), t_rep]
            .into_iter()
            .flatten()
            .min()
        else {
            break;
        };
        if t > until || state.stopped() {
            break;
        }
        if let Some((new, at)) = replacement.filter(|&(_, at)| at == t) {
            rt.replace(new, state, at, &mut out);
            rt = new;
            inputs = &p.after;
            replacement = None;
            continue;
        }
        match timer {
            Some((at, timer)) if t_in != Some(t) => rt.fire(state, timer, at, &mut out),
            _ => {
                rt.handle(state, &inputs[i], &mut out);
                i += 1;
            }
        }
    }
    Timeline {
        person: p.id.clone(),
        entries: out.actions,
        campaigns: Vec::new(),
        steps: state.budget.steps,
        trace: out.trace.unwrap_or_default(),
        trace_campaigns: Vec::new(),
        refused: out.refused,
    }
}
