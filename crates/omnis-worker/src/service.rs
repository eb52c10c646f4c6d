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
