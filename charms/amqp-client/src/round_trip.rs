//! One AMQP round trip: connect, declare a private queue, publish a message to it and
//! consume it back, then close.
//!
//! A hook is a short process, so this is a blocking call: it builds a single-threaded
//! tokio runtime for `amqprs` (an async client) and runs the whole exchange under one
//! deadline, so a server that does not answer fails the call instead of hanging the hook.

use std::time::{Duration, Instant};

use amqprs::channel::{BasicGetArguments, BasicPublishArguments, QueueDeclareArguments};
use amqprs::connection::{Connection, OpenConnectionArguments};
use amqprs::BasicProperties;
use anyhow::Context;

/// RabbitMQ's AMQP port (the `rabbitmq` interface does not carry one).
pub const AMQP_PORT: u16 = 5672;

/// How long one server may take for the whole round trip.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Where to connect and as whom.
#[derive(Clone, PartialEq, Eq)]
pub struct Target {
    /// The server's address (a hostname or an IP address).
    pub host: String,
    /// Its AMQP port.
    pub port: u16,
    /// The user.
    pub username: String,
    /// The user's password.
    pub password: String,
    /// The vhost.
    pub vhost: String,
}

// The password never reaches a log or an error.
impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("vhost", &self.vhost)
            .finish()
    }
}

/// Publishes `body` to a new exclusive queue on `target` and consumes it back; returns
/// what was consumed. Fails after `deadline` at the latest.
pub fn round_trip(target: &Target, body: &[u8], deadline: Duration) -> anyhow::Result<Vec<u8>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the AMQP client's runtime")?;
    let exchange = exchange(target, body.to_vec(), deadline);
    runtime
        .block_on(async { tokio::time::timeout(deadline, exchange).await })
        .map_err(|_| {
            anyhow::anyhow!(
                "no answer from {}:{} within {} s",
                target.host,
                target.port,
                deadline.as_secs()
            )
        })?
}

async fn exchange(target: &Target, body: Vec<u8>, deadline: Duration) -> anyhow::Result<Vec<u8>> {
    let started = Instant::now();
    let args = OpenConnectionArguments::new(
        &target.host,
        target.port,
        &target.username,
        &target.password,
    )
    .virtual_host(&target.vhost)
    .finish();
    let where_ = format!(
        "{}:{} (vhost {:?}, user {:?})",
        target.host, target.port, target.vhost, target.username
    );
    let connection = Connection::open(&args)
        .await
        .with_context(|| format!("connecting to {where_}"))?;
    let result = async {
        let channel = connection.open_channel(None).await?;
        // Exclusive and server-named: no other client sees it, and it goes with the
        // connection.
        let (queue, _, _) = channel
            .queue_declare(QueueDeclareArguments::exclusive_server_named())
            .await?
            .context("the server named no queue")?;
        channel
            .basic_publish(
                BasicProperties::default(),
                body,
                BasicPublishArguments::new("", &queue),
            )
            .await?;
        // The publish is asynchronous: poll the queue until the message is there.
        let got = loop {
            let get = BasicGetArguments::new(&queue).no_ack(true).finish();
            if let Some((_, _, content)) = channel.basic_get(get).await? {
                break content;
            }
            if started.elapsed() >= deadline {
                anyhow::bail!("the message did not come back from queue {queue}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        channel.close().await?;
        anyhow::Ok(got)
    }
    .await
    .with_context(|| format!("round trip through {where_}"));
    // Closing is a courtesy: the queue is exclusive, the server drops it either way.
    let _ = connection.close().await;
    result
}
