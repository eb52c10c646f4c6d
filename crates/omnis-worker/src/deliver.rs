//! Sends out: the activity that delivers each action of the runtime.
//! A send goes to its channel's webhook (an HTTP POST of the
//! [`Delivery`] as JSON, with an `Idempotency-Key` header), a profile
//! write (`set`, `unset`) to the profile-updates webhook, or either to the
//! log with `--dry-run`; every action, sends included, is appended to the
//! journal (a JSONL file) when one is configured. Both are idempotent by
//! the delivery's key: the journal writes a key once (the keys already in
//! the file are read at start), and a webhook receives the key to drop a
//! repeat. Temporal retries a failed delivery (see
//! [`crate::workflow::delivery_options`]).

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

use crate::wire::Delivery;

/// Where deliveries go.
#[derive(Debug, Default, Clone)]
pub struct SinkConfig {
    /// A webhook per channel name; `*` for every other channel.
    pub webhooks: BTreeMap<String, String>,
    /// The webhook profile writes (`set`, `unset` steps) are posted to.
    pub profile_webhook: Option<String>,
    /// The JSONL journal of every action.
    pub journal: Option<PathBuf>,
    /// Log sends instead of calling webhooks.
    pub dry_run: bool,
    /// One webhook call's timeout.
    pub timeout: Duration,
}

/// The delivery activities and their sinks.
pub struct Sinks {
    config: SinkConfig,
    journal: Option<Mutex<Journal>>,
    agent: ureq::Agent,
}

struct Journal {
    file: std::fs::File,
    keys: HashSet<String>,
}

impl Sinks {
    pub fn new(config: SinkConfig) -> Result<Sinks> {
        let journal = match &config.journal {
            Some(path) => {
                let mut keys = HashSet::new();
                if let Ok(text) = std::fs::read_to_string(path) {
                    for line in text.lines() {
                        if let Ok(d) = serde_json::from_str::<Delivery>(line) {
                            keys.insert(journal_key(&d));
                        }
                    }
                }
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .with_context(|| format!("opening the journal {}", path.display()))?;
                Some(Mutex::new(Journal { file, keys }))
            }
            None => None,
        };
        let agent = ureq::AgentBuilder::new().timeout(config.timeout).build();
        Ok(Sinks {
            config,
            journal,
            agent,
        })
    }

    fn webhook(&self, channel: &str) -> Option<&String> {
        self.config
            .webhooks
            .get(channel)
            .or_else(|| self.config.webhooks.get("*"))
    }

    fn post(&self, url: &str, d: &Delivery) -> Result<()> {
        let body = serde_json::to_string(d)?;
        match self
            .agent
            .post(url)
            .set("Content-Type", "application/json")
            .set("Idempotency-Key", &d.key)
            .send_string(&body)
        {
            Ok(_) => Ok(()),
            Err(ureq::Error::Status(code, _)) => Err(anyhow!("{url} answered {code}")),
            Err(e) => Err(anyhow!("{url}: {e}")),
        }
    }

    fn append(&self, d: &Delivery) -> Result<()> {
        let Some(journal) = &self.journal else {
            return Ok(());
        };
        let mut j = journal
            .lock()
            .map_err(|_| anyhow!("journal lock poisoned"))?;
        if !j.keys.insert(journal_key(d)) {
            return Ok(());
        }
        let mut line = serde_json::to_string(d)?;
        line.push('\n');
        j.file.write_all(line.as_bytes())?;
        j.file.flush()?;
        Ok(())
    }
}

/// A send and the report of its failure are two journal lines.
fn journal_key(d: &Delivery) -> String {
    match d.failed {
        Some(_) => format!("{}/failed", d.key),
        None => d.key.clone(),
    }
}

#[activities]
impl Sinks {
    /// Delivers one action: a send to its channel's webhook, a profile
    /// write to the profile-updates webhook (unless it reports a failed
    /// delivery, or `--dry-run`, which logs them), then to the journal.
    #[activity]
    pub async fn deliver(
        self: Arc<Self>,
        _ctx: ActivityContext,
        d: Delivery,
    ) -> Result<(), ActivityError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || -> Result<()> {
            let channel = d
                .message
                .as_ref()
                .and_then(|m| m.get("channel"))
                .and_then(|c| c.as_str());
            let url = match channel {
                Some(channel) => this.webhook(channel),
                None if d.entry["kind"] == "set" => this.config.profile_webhook.as_ref(),
                None => None,
            };
            let posted = channel.is_some() || d.entry["kind"] == "set";
            if posted && d.failed.is_none() {
                if this.config.dry_run {
                    println!("dry-run: {}", serde_json::to_string(&d)?);
                } else if let Some(url) = url {
                    this.post(url, &d)?;
                }
            }
            this.append(&d)
        })
        .await
        .map_err(|e| anyhow!("delivery task: {e}"))??;
        Ok(())
    }
}
