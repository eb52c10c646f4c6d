//! Running one person: the simulator's discrete-event loop, a driver of
//! the runtime core (`crate::runtime`). It feeds the person's inputs and
//! the timers the runtime arms in time order (an input first on a tie, as
//! the runtime requires) and keeps the actions as the person's timeline.

use super::prepare::PPerson;
use super::Timeline;
use crate::runtime::{Effects, Runtime};

/// Runs one person over `(start, until)`.
pub(super) fn run_person(
    rt: &Runtime,
    (start, until): (i64, i64),
    p: &PPerson,
    trace: bool,
) -> Timeline {
    let mut state = rt.new_state(&p.id, p.attrs.clone());
    let mut out = Effects {
        trace: trace.then(Vec::new),
        ..Effects::default()
    };
    let mut i = 0;
    // Inputs before the start only build up state.
    while i < p.inputs.len() && p.inputs[i].at < start {
        rt.record(&mut state, &p.inputs[i]);
        i += 1;
    }
    rt.begin(&mut state, start);
    loop {
        let t_in = p.inputs.get(i).map(|x| x.at);
        let timer = rt.next_timer(&state);
        let t = match (t_in, timer) {
            (Some(a), Some((b, _))) => a.min(b),
            (Some(a), None) => a,
            (None, Some((b, _))) => b,
            (None, None) => break,
        };
        if t > until || state.stopped() {
            break;
        }
        match timer {
            Some((at, timer)) if t_in != Some(t) => rt.fire(&mut state, timer, at, &mut out),
            _ => {
                rt.handle(&mut state, &p.inputs[i], &mut out);
                i += 1;
            }
        }
    }
    Timeline {
        person: p.id.clone(),
        entries: out.actions,
        steps: state.budget.steps,
        trace: out.trace.unwrap_or_default(),
        refused: out.refused,
    }
}
