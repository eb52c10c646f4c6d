//! The person workflow: one per person (id from the person's id,
//! [`crate::wire::workflow_id`]), running all of their plans on the
//! runtime core through [`Person`]. Events arrive as signals ([`Batch`],
//! signal-with-start from the intake), waits are Temporal timers (the
//! workflow sleeps until the next instant something is due, or a signal),
//! every action is delivered by an activity, and the workflow continues
//! as new with its state when the history grows.

use std::time::{Duration, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use temporalio_common::RetryPolicy;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::workflows::select;
use temporalio_sdk::{
    ActivityOptions, CancellableFuture, ContinueAsNewOptions, SyncWorkflowContext, WorkflowContext,
    WorkflowContextView, WorkflowResult,
};

use crate::deliver::Sinks;
use crate::person::Person;
use crate::wire::{Batch, PersonArgs};

/// The history length past which a person's workflow continues as new
/// (unless the start arguments set another, or Temporal suggests it
/// first).
pub const HISTORY_LIMIT: u32 = 2_000;

/// How a delivery is retried: 5 attempts from 1 s, doubling, each call
/// bounded by 30 s; after them the send is reported failed and the
/// journey goes on (the runtime counted the send when it decided it).
pub fn delivery_options() -> ActivityOptions {
    ActivityOptions::with_start_to_close_timeout(Duration::from_secs(30))
        .retry_policy(
            RetryPolicy::builder()
                .initial_interval(Duration::from_secs(1))
                .maximum_interval(Duration::from_secs(60))
                .maximum_attempts(5)
                .build(),
        )
        .build()
}

/// What a finished person workflow returns (only a run with `until`
/// finishes).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Actions delivered over the person's whole run.
    pub delivered: u64,
    /// Inputs dropped (malformed, or rejected by a plan), with why.
    pub dropped: Vec<String>,
}

#[workflow]
#[derive(Default)]
pub struct PersonWorkflow {
    inbox: Vec<Batch>,
    /// Actions delivered so far (for the `delivered` query).
    delivered: u64,
}

fn clock_ms(ctx: &WorkflowContext<PersonWorkflow>) -> i64 {
    ctx.workflow_time()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_millis() as i64)
}

#[workflow_methods]
impl PersonWorkflow {
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, args: PersonArgs) -> WorkflowResult<Outcome> {
        let ms = clock_ms(ctx);
        let mut person = match args.carried.clone() {
            Some(c) => Person::resume(&args.person, c),
            None => {
                match Person::new(&args.person, &args.plans, &args.attributes, args.start, ms) {
                    Ok(p) => p,
                    Err(e) => return stall(ctx, e).await,
                }
            }
        };
        let limit = args.history_limit.unwrap_or(HISTORY_LIMIT);
        let mut dropped = Vec::new();
        loop {
            let now = person.now(clock_ms(ctx));
            for batch in ctx.state_mut(|s| std::mem::take(&mut s.inbox)) {
                dropped.extend(person.take(batch, now));
            }
            if let Err(e) = person.begin() {
                return stall(ctx, e).await;
            }
            let horizon = args.until.map_or(now, |u| u.min(now));
            // Everything due by now, in the runtime's order.
            loop {
                let next = match person.next_due() {
                    Ok(n) => n,
                    Err(e) => return stall(ctx, e).await,
                };
                let Some(t) = next.filter(|&t| t <= horizon) else {
                    break;
                };
                let deliveries = match person.step(t) {
                    Ok(d) => d,
                    Err(e) => return stall(ctx, e).await,
                };
                for d in deliveries {
                    if let Err(e) = ctx
                        .execute_activity(Sinks::deliver, d.clone(), delivery_options())
                        .await
                    {
                        let mut failed = d;
                        failed.failed = Some(e.to_string());
                        // The report is best effort: the journey goes on.
                        let _ = ctx
                            .execute_activity(Sinks::deliver, failed, delivery_options())
                            .await;
                    }
                }
                ctx.state_mut(|s| s.delivered = person.c.delivered);
            }
            let next = match person.next_due() {
                Ok(n) => n,
                Err(e) => return stall(ctx, e).await,
            };
            if let Some(until) = args.until {
                if next.is_none_or(|t| t > until) && ctx.state(|s| s.inbox.is_empty()) {
                    return Ok(Outcome {
                        delivered: person.c.delivered,
                        dropped,
                    });
                }
            }
            if ctx.state(|s| s.inbox.is_empty())
                && (ctx.continue_as_new_suggested() || ctx.history_length() > limit)
            {
                let next_args = PersonArgs {
                    person: args.person.clone(),
                    plans: Vec::new(),
                    attributes: Default::default(),
                    start: None,
                    until: args.until,
                    history_limit: args.history_limit,
                    carried: Some(person.c.clone()),
                };
                ctx.continue_as_new(next_args, ContinueAsNewOptions::default())?;
            }
            // Sleep until the next instant due, or a signal.
            let wait_ms = next.map(|t| person.due_ms(t) - clock_ms(ctx));
            match wait_ms {
                Some(w) if w <= 0 => continue,
                Some(w) => {
                    let mut timer = ctx.timer(Duration::from_millis(w as u64));
                    let mut signal = ctx.wait_condition(|s: &Self| !s.inbox.is_empty());
                    let fired = select! {
                        _ = timer => true,
                        _ = signal => false,
                    };
                    drop(signal);
                    if !fired {
                        // A signal came first: the timer is set again
                        // for whatever is then due next.
                        timer.cancel();
                    }
                }
                None => {
                    ctx.wait_condition(|s: &Self| !s.inbox.is_empty()).await?;
                }
            }
        }
    }

    /// Inputs (and possibly new plans) for the person.
    #[signal]
    pub fn events(&mut self, _ctx: &mut SyncWorkflowContext<Self>, batch: Batch) {
        self.inbox.push(batch);
    }

    /// Actions delivered so far.
    #[query]
    pub fn delivered(&self, _ctx: &WorkflowContextView) -> u64 {
        self.delivered
    }
}

/// A workflow that cannot go on on this worker (a plan it runs is not
/// loaded here): the workflow task fails, and Temporal retries it, on this
/// worker or another, until one has the plan. Nothing is lost meanwhile.
async fn stall(
    ctx: &mut WorkflowContext<PersonWorkflow>,
    e: anyhow::Error,
) -> WorkflowResult<Outcome> {
    ctx.force_task_fail(anyhow::anyhow!("{e:#}"));
    ctx.wait_condition(|_| false).await?;
    unreachable!("a condition that is never true")
}
