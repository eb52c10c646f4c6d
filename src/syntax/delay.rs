//! Delays: the steps that hold a person until some time has passed, then
//! go on (`wait 2d`, `wait until mon 09:00`), defined once for the syntax
//! tree, the model and the journey graph.
//!
//! A delay has no block inside and, in the journey graph, one node with
//! one `next` edge, plus the `Ends` edges of every node where time passes
//! (the goal and `exit when` events end the journey while a person
//! waits). Its parameters are values, not names: there is nothing to
//! resolve, so the tree's [`Delay`] is the model's and the graph's as it
//! is (its spans are kept for the formatter and diagnostics). Beside the
//! type are the questions every stage asks of it, each one exhaustive
//! match: its word ([`Delay::keyword`]) and node id part ([`Delay::key`]),
//! how long it holds a person ([`Delay::bounds`], timing), whether it
//! takes time every time round a loop ([`Delay::takes_time`],
//! `instant-loop`), and what it says in a diagram ([`Delay::label`]). So a
//! new delay is written here (its variant, those answers and its lowering
//! from pest pairs, [`Lowerer::delay`]) and in the grammar (its rule in
//! `wait`); the resolver, the model, the graph's lowering and the
//! analyses take it without an edit.

use super::ast::{Duration, TimeOfDay, Weekday};
use super::lower::{Lowerer, P};
use super::parser::Rule;
use crate::source::Span;
use crate::words::{duration_words, time_of_day};

/// A step that holds a person until some time has passed, then goes on.
#[derive(Clone, Debug, PartialEq)]
pub enum Delay {
    /// `wait DURATION`
    For(Duration),
    /// `wait until [WEEKDAY] TIME`: the next moment, at or after arrival,
    /// when the person's local time is `time` (on `weekday`, if given).
    Until {
        weekday: Option<(Weekday, Span)>,
        time: TimeOfDay,
    },
}

const DAY: u64 = 86_400;

impl Delay {
    /// The words that start the step, for messages: `wait`, `wait until`.
    pub fn keyword(&self) -> &'static str {
        match self {
            Delay::For(_) => "wait",
            Delay::Until { .. } => "wait until",
        }
    }

    /// What the step is, as the part of its node id (`graph::lower`):
    /// `wait`, `until`. Its duration or time of day is a parameter, not
    /// part of its identity: editing it keeps the id (people waiting
    /// there stay). Part of the plan's contract.
    pub fn key(&self) -> &'static str {
        match self {
            Delay::For(_) => "wait",
            Delay::Until { .. } => "until",
        }
    }

    /// The least and the most time (seconds) the step holds a person.
    pub fn bounds(&self) -> (u64, u64) {
        match self {
            Delay::For(d) => (d.seconds, d.seconds),
            // At once when the moment is now, else up to a week (a day
            // without a weekday) later.
            Delay::Until { weekday, .. } => (0, if weekday.is_some() { 7 * DAY } else { DAY }),
        }
    }

    /// Whether going through the step surely takes time, every time round
    /// a loop (`instant-loop`).
    pub fn takes_time(&self) -> bool {
        match self {
            Delay::For(d) => d.seconds > 0,
            // The second time round, `wait until` waits for the next such
            // time (the runner never lets one node through twice at one
            // instant).
            Delay::Until { .. } => true,
        }
    }

    /// What the step says in a diagram: `Wait 2 days`, `Wait until Monday
    /// 09:00`.
    pub fn label(&self) -> String {
        match self {
            Delay::For(d) => format!("Wait {}", duration_words(d.seconds)),
            Delay::Until { weekday, time } => {
                let day = weekday
                    .map(|(w, _)| format!("{} ", w.full_name()))
                    .unwrap_or_default();
                format!("Wait until {day}{}", time_of_day(time.minutes))
            }
        }
    }
}

impl Lowerer {
    /// The delay of a `wait` step, from the pair after the keyword `wait`;
    /// `None` when it is another wait's (`wait for`, `wait for any`).
    pub(super) fn delay(&mut self, what: P, base: usize) -> Option<Delay> {
        Some(match what.as_rule() {
            Rule::duration => Delay::For(self.duration(what, base)),
            Rule::wait_until => {
                let mut weekday = None;
                let mut time = None;
                for x in what.into_inner().skip(1) {
                    match x.as_rule() {
                        Rule::weekday => {
                            weekday = Some((Weekday::parse(x.as_str())?, self.span(&x, base)))
                        }
                        _ => time = Some(self.time_of_day(x, base)),
                    }
                }
                Delay::Until {
                    weekday,
                    time: time?,
                }
            }
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::testkit::{until, wait};

    #[test]
    fn a_delay_answers_for_itself() {
        assert_eq!(wait(3_600).keyword(), "wait");
        assert_eq!(wait(3_600).key(), "wait");
        assert_eq!(until(None, 540).keyword(), "wait until");
        assert_eq!(until(None, 540).key(), "until");

        assert_eq!(wait(3_600).bounds(), (3_600, 3_600));
        assert_eq!(until(None, 540).bounds(), (0, DAY));
        assert_eq!(until(Some(Weekday::Mon), 540).bounds(), (0, 7 * DAY));

        assert!(wait(1).takes_time());
        assert!(!wait(0).takes_time());
        assert!(until(None, 0).takes_time());

        assert_eq!(wait(2 * DAY).label(), "Wait 2 days");
        assert_eq!(
            until(Some(Weekday::Mon), 540).label(),
            "Wait until Monday 09:00"
        );
        assert_eq!(until(None, 1_290).label(), "Wait until 21:30");
    }
}
