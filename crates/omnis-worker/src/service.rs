//! Connecting to Temporal, running the worker, and starting or signalling
//! a person's workflow (signal-with-start): what the CLI, the HTTP intake
//! and the tests share.

use anyhow::{anyhow, Context, Result};
use temporalio_client::{Client, ClientOptions, ConnectionOptions, WorkflowStartOptions};
use temporalio_sdk::{Runtime, Worker, WorkerOptions};

use crate::deliver::{SinkConfig, Sinks};
use crate::wire::{workflow_id, Batch, PersonArgs};
use crate::workflow::PersonWorkflow;

/// Where the workflows live.
#[derive(Clone, Debug)]
pub struct Target {
    /// `host:port` of the Temporal frontend.
    pub address: String,
    pub namespace: String,
    pub task_queue: String,
    /// Prefixes workflow ids (deployments sharing a namespace).
    pub prefix: String,
}

impl Default for Target {
    fn default() -> Target {
        Target {
            address: "localhost:7233".into(),
            namespace: "default".into(),
            task_queue: "omnis".into(),
            prefix: "omnis/".into(),
        }
    }
}

/// A client of the target's namespace.
pub async fn connect(target: &Target) -> Result<Client> {
    let url = if target.address.contains("://") {
        target.address.clone()
    } else {
        format!("http://{}", target.address)
    };
    let url = url::Url::parse(&url).with_context(|| format!("address {:?}", target.address))?;
    let options = ConnectionOptions::new(url)
        .identity(format!("omnis-worker@{}", std::process::id()))
        .client_name("omnis-worker".to_owned())
        .client_version(env!("CARGO_PKG_VERSION").to_owned())
        .build();
    Client::connect(
        options,
        ClientOptions::new(target.namespace.clone()).build(),
    )
    .await
    .map_err(|e| anyhow!("connecting to Temporal at {}: {e}", target.address))
}

/// A worker of the person workflow and the delivery activity, ready to
/// run; `shutdown` (from [`Worker::shutdown_handle`]) stops it.
pub fn worker(client: Client, target: &Target, sinks: SinkConfig) -> Result<Worker> {
    let runtime = Runtime::from_current_tokio(Default::default())
        .map_err(|e| anyhow!("Temporal runtime: {e}"))?;
    let options = WorkerOptions::new(target.task_queue.clone())
        .register_workflow::<PersonWorkflow>()
        .map_err(|e| anyhow!("{e}"))?
        .register_activities(Sinks::new(sinks)?)
        .build();
    // The runtime must outlive the worker: it is leaked once per worker
    // (a process runs one or, in tests, a few).
    let runtime: &'static Runtime = Box::leak(Box::new(runtime));
    Worker::new(runtime, client, options).map_err(|e| anyhow!("creating the worker: {e}"))
}

/// Signals a person's workflow, starting it (on `args`) if it is not
/// running: the one way inputs reach a person.
pub async fn signal_with_start(
    client: &Client,
    target: &Target,
    args: PersonArgs,
    batch: Batch,
) -> Result<()> {
    let id = workflow_id(&target.prefix, &args.person);
    client
        .signal_with_start_workflow(
            PersonWorkflow::run,
            args,
            PersonWorkflow::events,
            batch,
            WorkflowStartOptions::new(target.task_queue.clone(), id.clone()).build(),
        )
        .await
        .map_err(|e| anyhow!("signalling {id}: {e}"))?;
    Ok(())
}

/// Pushes a set of plans to every running person workflow of the target:
/// lists them through visibility ([`running_page`]) and signals each with
/// the set, to take effect at `at` (seconds since 1970; `None`: when each
/// workflow handles the signal). A workflow already on the set ignores
/// it, so several workers pushing the same build is harmless; one that
/// ends meanwhile is skipped. Returns how many were signalled.
pub async fn push_plans(
    client: &Client,
    target: &Target,
    set: &[String],
    at: Option<i64>,
) -> Result<usize> {
    use futures::StreamExt;
    let people = format!("{}person/", target.prefix);
    let batch = Batch {
        inputs: Vec::new(),
        plans: Some(set.to_vec()),
        plans_at: at,
    };
    let mut signalled = 0;
    let mut listing = Listing::Query;
    let mut token = Vec::new();
    // Page by page (1,000 ids at a time), so memory stays bounded however
    // many people are running.
    loop {
        let (ids, next) = running_page(client, target, &people, &mut listing, token).await?;
        let ids = ids.into_iter().filter(|id| id.starts_with(&people));
        signalled += futures::stream::iter(ids)
            .map(|id| {
                let batch = batch.clone();
                async move {
                    client
                        .get_workflow_handle::<PersonWorkflow>(id)
                        .signal(PersonWorkflow::events, batch, Default::default())
                        .await
                        .is_ok()
                }
            })
            .buffer_unordered(32)
            .filter(|ok| futures::future::ready(*ok))
            .count()
            .await;
        if next.is_empty() {
            break;
        }
        token = next;
    }
    Ok(signalled)
}

/// How the running person workflows are listed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Listing {
    /// `ListWorkflowExecutions` with the query of [`running_people`].
    Query,
    /// `ListOpenWorkflowExecutions` by the workflow type: deprecated, but
    /// the only listing the time-skipping test server implements.
    Open,
}

/// One page of the running workflows' ids (they may include ids outside
/// `people`) and the token of the next (empty: the last). A server that
/// does not implement query-based listing is asked the other way, from
/// the first page on, and `listing` remembers it.
async fn running_page(
    client: &Client,
    target: &Target,
    people: &str,
    listing: &mut Listing,
    token: Vec<u8>,
) -> Result<(Vec<String>, Vec<u8>)> {
    use temporalio_common::protos::temporal::api::filter::v1::WorkflowTypeFilter;
    use temporalio_common::protos::temporal::api::workflowservice::v1::{
        list_open_workflow_executions_request::Filters, ListOpenWorkflowExecutionsRequest,
        ListWorkflowExecutionsRequest,
    };
    let failed = |e: tonic::Status| anyhow!("listing the running person workflows: {e}");
    let ids = |executions: Vec<
        temporalio_common::protos::temporal::api::workflow::v1::WorkflowExecutionInfo,
    >| {
        executions
            .into_iter()
            .filter_map(|e| e.execution.map(|x| x.workflow_id))
            .collect::<Vec<_>>()
    };
    if *listing == Listing::Query {
        let request = ListWorkflowExecutionsRequest {
            namespace: target.namespace.clone(),
            page_size: 1_000,
            next_page_token: token.clone(),
            query: running_people(people),
        };
        match client
            .connection()
            .workflow_service()
            .list_workflow_executions(tonic::Request::new(request))
            .await
        {
            Ok(page) => {
                let page = page.into_inner();
                return Ok((ids(page.executions), page.next_page_token));
            }
            Err(e) if e.code() == tonic::Code::Unimplemented && token.is_empty() => {
                *listing = Listing::Open;
            }
            Err(e) => return Err(failed(e)),
        }
    }
    let request = ListOpenWorkflowExecutionsRequest {
        namespace: target.namespace.clone(),
        maximum_page_size: 1_000,
        next_page_token: token,
        start_time_filter: None,
        filters: Some(Filters::TypeFilter(WorkflowTypeFilter {
            name: "PersonWorkflow".into(),
        })),
    };
    let page = client
        .connection()
        .workflow_service()
        .list_open_workflow_executions(tonic::Request::new(request))
        .await
        .map_err(failed)?
        .into_inner();
    Ok((ids(page.executions), page.next_page_token))
}

/// The visibility query for the running person workflows whose ids start
/// with `people` (`ListOpenWorkflowExecutions`, which filters by type
/// only, is deprecated). The ids are checked again on each page, so the
/// query may match more than it needs to, never less: a prefix holding a
/// backslash, a double quote or a control character (which the dev
/// server's `STARTS_WITH` does not match, escaped or not) is left out of
/// it, and a single quote is escaped with a backslash.
fn running_people(people: &str) -> String {
    let running = "WorkflowType = 'PersonWorkflow' AND ExecutionStatus = 'Running'";
    if people
        .chars()
        .any(|c| c == '\\' || c == '"' || c.is_control())
    {
        return running.to_string();
    }
    let literal = people.replace('\'', "\\'");
    format!("{running} AND WorkflowId STARTS_WITH '{literal}'")
}

#[cfg(test)]
mod tests {
    use super::running_people;

    #[test]
    fn the_query_quotes_the_prefix_or_leaves_it_out() {
        let running = "WorkflowType = 'PersonWorkflow' AND ExecutionStatus = 'Running'";
        assert_eq!(
            running_people("shop/person/"),
            format!("{running} AND WorkflowId STARTS_WITH 'shop/person/'")
        );
        assert_eq!(
            running_people("it's/person/"),
            format!("{running} AND WorkflowId STARTS_WITH 'it\\'s/person/'")
        );
        for loose in ["a\\b/person/", "a\"b/person/", "a\nb/person/"] {
            assert_eq!(running_people(loose), running, "{loose:?}");
        }
    }
}
