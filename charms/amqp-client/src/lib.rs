//! The amqp-client charm: asks RabbitMQ for a user and a vhost over the `amqp` relation
//! (interface `rabbitmq`), and once the credentials arrive publishes a message and
//! consumes it back, then reports the cluster's size: `active` "Connected to <n>-node
//! cluster", where n is the number of server units on the relation. The `send` action
//! round-trips a message of the operator's choice.
//!
//! The password never reaches a log, a status, an error or the action's output.

pub mod round_trip;
pub mod servers;

use charms_reactive::prelude::*;
use interface_amqp::AmqpRequires;

use round_trip::{round_trip, Target, DEADLINE};
use servers::Cluster;

/// The relation endpoint, as in metadata.yaml.
const ENDPOINT: &str = "amqp";

/// Unit-state key of the last cluster view a round trip succeeded with.
const CONNECTED_KEY: &str = "amqp-client.connected";

// The runtime's `endpoint.amqp.joined` is set before any handler runs; the interface's
// `amqp.connected` only during the first iteration, too late for a `when_not` queued
// beside it.
#[when_not("endpoint.amqp.joined")]
fn needs_relation() -> Result<()> {
    status::blocked("Needs a relation to rabbitmq-server (amqp)")?;
    Ok(())
}

/// Asks every related server for the user and vhost (sent again only if they changed);
/// waits while no server has answered. The interface layer's handlers run before this
/// one in an iteration, so `amqp.available` is already up to date here.
#[when("endpoint.amqp.joined")]
fn request_access() -> Result<()> {
    let (username, vhost) = servers::requested_access()?;
    requires()?.request_access(&username, &vhost)?;
    if !is_flag_set("amqp.available") {
        status::waiting("Waiting for credentials from rabbitmq-server")?;
    }
    Ok(())
}

/// With credentials: a round trip whenever what the relation says changed, and in every
/// `update-status` (so the status tells the truth about the server); the status says
/// how it went.
#[when("amqp.available")]
fn connect() -> Result<()> {
    let cluster = servers::read(requires()?.endpoint())?;
    let view = fingerprint(&cluster);
    if !is_data_changed(CONNECTED_KEY, &view)? && !is_flag_set("hook.update-status") {
        return Ok(());
    }
    match first_round_trip(&cluster, random_token()?.as_bytes()) {
        Ok(host) => {
            data_changed(CONNECTED_KEY, &view)?;
            tracing::info!("round trip through {host} succeeded");
            status::active(&format!("Connected to {}-node cluster", cluster.units))?;
        }
        Err(e) => {
            // Forget the last success, so the next hook tries again.
            data_changed(CONNECTED_KEY, &serde_json::Value::Null)?;
            tracing::warn!("{e:#}");
            status::waiting(&format!("RabbitMQ not reachable yet: {}", one_line(&e)))?;
        }
    }
    Ok(())
}

/// `send text=<text>`: publishes the text, consumes it back and returns it (`message`)
/// with the server that carried it (`server`).
#[action("send")]
fn send() -> Result<()> {
    let tools = charms_reactive::low_level::hook_tools();
    let params = tools.action_get()?;
    let text = match params.get("text") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) if !v.is_null() => v.to_string(),
        _ => {
            tools.action_fail("send needs text=<message>")?;
            return Ok(());
        }
    };
    if !is_flag_set("amqp.available") {
        tools.action_fail("no credentials yet: relate this application to rabbitmq-server")?;
        return Ok(());
    }
    let cluster = servers::read(requires()?.endpoint())?;
    let mut results = std::collections::BTreeMap::new();
    match first_round_trip_returning(&cluster, text.as_bytes()) {
        Ok((host, body)) => {
            results.insert(
                "message".into(),
                String::from_utf8_lossy(&body).into_owned(),
            );
            results.insert("server".into(), host);
            tools.action_set(&results)?;
        }
        Err(e) => tools.action_fail(&one_line(&e))?,
    }
    Ok(())
}

fn requires() -> Result<AmqpRequires> {
    AmqpRequires::from_name(ENDPOINT).ok_or_else(|| {
        anyhow::anyhow!("metadata.yaml has no {ENDPOINT} endpoint of interface rabbitmq")
    })
}

/// A round trip of `body` through the first server that answers; the host it went
/// through.
fn first_round_trip(cluster: &Cluster, body: &[u8]) -> Result<String> {
    let (host, got) = first_round_trip_returning(cluster, body)?;
    anyhow::ensure!(
        got == body,
        "{host} returned another message than the one sent"
    );
    Ok(host)
}

/// Tries each server in unit order (a node can be restarting to join the cluster);
/// returns the first that carried `body` back, with what came back. The error lists
/// every server's failure.
fn first_round_trip_returning(cluster: &Cluster, body: &[u8]) -> Result<(String, Vec<u8>)> {
    let mut failures = Vec::new();
    for target in &cluster.targets {
        match round_trip(target, body, DEADLINE) {
            Ok(got) => return Ok((target.host.clone(), got)),
            Err(e) => failures.push(format!("{}: {}", target.host, one_line(&e))),
        }
    }
    anyhow::bail!(
        "no server answered ({})",
        if failures.is_empty() {
            "none sent an address".to_string()
        } else {
            failures.join("; ")
        }
    )
}

/// What a round trip depends on, with the password only as a digest.
fn fingerprint(cluster: &Cluster) -> serde_json::Value {
    let targets: Vec<serde_json::Value> = cluster
        .targets
        .iter()
        .map(|t: &Target| {
            serde_json::json!([t.host, t.port, t.username, t.vhost, digest(&t.password)])
        })
        .collect();
    serde_json::json!({"units": cluster.units, "targets": targets})
}

/// A digest of a secret, so a change is seen without storing it (FNV-1a, 64 bits: the
/// unit state is no place for the password, and this is no security boundary).
fn digest(secret: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in secret.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// A fresh message body from the OS's randomness, so a message left over from another
/// run cannot pass for this one's.
fn random_token() -> Result<String> {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| anyhow::anyhow!("reading /dev/urandom: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// An error and its causes on one line.
fn one_line(e: &anyhow::Error) -> String {
    format!("{e:#}").replace('\n', " ")
}
