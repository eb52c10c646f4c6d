//! What the load examples share: a Temporal dev server and a client of it.

use omnis_worker::service::{self, Target};
use temporalio_client::Client;
use temporalio_sdk_core::ephemeral_server::{
    EphemeralExe, EphemeralServer, TemporalDevServerConfig,
};

/// Starts a dev server with `cli` (the `temporal` CLI's path); returns it
/// with a client of task queue `queue` (workflow ids under `queue/`).
pub async fn dev_server(cli: String, queue: &str) -> (EphemeralServer, Target, Client) {
    let server = TemporalDevServerConfig::builder()
        .exe(EphemeralExe::ExistingPath(cli))
        .namespace("default".to_string())
        .ip("127.0.0.1".to_string())
        .ui(false)
        .log(("pretty".to_string(), "error".to_string()))
        .build()
        .start_server_with_output(std::process::Stdio::null(), std::process::Stdio::null())
        .await
        .expect("the dev server starts");
    let target = Target {
        address: server.target.clone(),
        task_queue: queue.into(),
        prefix: format!("{queue}/"),
        ..Target::default()
    };
    let client = service::connect(&target).await.unwrap();
    (server, target, client)
}
