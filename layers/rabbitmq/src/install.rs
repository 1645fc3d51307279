//! The package (installed by layer:apt, from this layer's `packages` option), the
//! service, `rabbitmq.conf` and the restarts it needs: one unit at a time, through
//! layer:coordinator's restart helper.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use charms_reactive::low_level::with_unit_state;
use charms_reactive::prelude::*;
use layer_coordinator::restart::{self, Check, RestartHooks, RestartRequest};
use serde_json::json;

use crate::flags::{CLUSTERED, CONFIG_INVALID, COOKIE_SYNCED, INSTALLED};
use crate::workload::workload;
use crate::{ctl, CONF_PATH, SERVICE};

/// Unit state: the `rabbitmq.conf` the node last (re)started with.
const RUNNING_CONF: &str = "rabbitmq.conf.running";

/// Records that the node (re)started with the `rabbitmq.conf` now on disk.
pub fn conf_applied() -> anyhow::Result<()> {
    let text = workload().read(Path::new(CONF_PATH))?;
    let text = text.map(|t| String::from_utf8_lossy(&t).into_owned());
    with_unit_state(|kv| kv.set(RUNNING_CONF, &json!(text)));
    Ok(())
}

/// Whether the `rabbitmq.conf` on disk differs from the one the node started with.
fn conf_pending() -> anyhow::Result<bool> {
    let text = workload().read(Path::new(CONF_PATH))?;
    let text = text.map(|t| String::from_utf8_lossy(&t).into_owned());
    Ok(with_unit_state(|kv| kv.get(RUNNING_CONF)) != Some(json!(text)))
}

/// The values `cluster-partition-handling` takes (RabbitMQ's modes).
pub const PARTITION_MODES: &[&str] = &["ignore", "pause_minority", "autoheal"];

/// `rabbitmq.conf` for the current config, or the operator's message if a value is
/// invalid.
pub fn render_conf() -> anyhow::Result<Result<String, String>> {
    let mode = config::string("cluster-partition-handling")?;
    if !PARTITION_MODES.contains(&mode.as_str()) {
        return Ok(Err(format!(
            "Invalid cluster-partition-handling {mode:?}: must be one of {}",
            PARTITION_MODES.join(", ")
        )));
    }
    Ok(Ok(format!(
        "# Written by the charm (layer:rabbitmq): changes made here are overwritten.\n\
         cluster_partition_handling = {mode}\n"
    )))
}

/// Writes `rabbitmq.conf` if it differs; `true` if it changed. An invalid config sets
/// `rabbitmq.config.invalid` (its value the message) and writes nothing.
pub fn write_conf() -> anyhow::Result<bool> {
    let text = match render_conf()? {
        Ok(text) => text,
        Err(message) => {
            set_flag_value(CONFIG_INVALID, json!(message));
            return Ok(false);
        }
    };
    clear_flag(CONFIG_INVALID);
    let path = Path::new(CONF_PATH);
    if workload().read(path)?.as_deref() == Some(text.as_bytes()) {
        return Ok(false);
    }
    workload().write(path, text.as_bytes(), 0o644, None)?;
    tracing::info!("rabbitmq: wrote {CONF_PATH}");
    Ok(true)
}

/// The package is in (its scripts did not start the node: layer:apt's `no_start`): the
/// unit enabled (started at boot), `rabbitmq.conf` written, read when the cookie's
/// handler starts the node.
#[when("apt.installed.rabbitmq-server")]
#[when_not("rabbitmq.installed")]
fn installed() -> Result<()> {
    write_conf()?;
    workload().service("enable", SERVICE)?;
    set_flag(INSTALLED);
    Ok(())
}

/// A config change that needs a restart: `rabbitmq.conf` is rewritten and, once the node
/// runs with the cookie (before that, the cookie's start applies it), a restart is
/// asked for, done when this unit holds the coordinator's `restart` lock.
#[when_all("rabbitmq.installed", "config.changed.cluster-partition-handling")]
fn partition_handling_changed() -> Result<()> {
    write_conf()?;
    if is_flag_set(COOKIE_SYNCED) && conf_pending()? {
        let mode = config::string("cluster-partition-handling")?;
        restart::request(
            &[SERVICE],
            json!({"reason": "cluster-partition-handling", "mode": mode}),
        )?;
        tracing::info!("rabbitmq: restart asked for (cluster-partition-handling)");
    }
    Ok(())
}

/// `management-plugin`: enabled or disabled on the running node, no restart.
#[when_all("cookie.synced", "config.changed.management-plugin")]
fn management_plugin() -> Result<()> {
    let on: bool = config::get("management-plugin")?;
    let verb = if on { "enable" } else { "disable" };
    ctl::plugins(&[verb, "rabbitmq_management"])?;
    tracing::info!("rabbitmq: management plugin {verb}d");
    Ok(())
}

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

/// The model's or Juju's id of the running hook (`JUJU_CONTEXT_ID`), for the log.
fn context_id() -> String {
    std::env::var("JUJU_CONTEXT_ID").unwrap_or_default()
}

/// The restart the coordinator performs: the service restarted, then the node awaited.
/// The two log lines carry wall-clock times and the hook's context id, so that the hook
/// log shows restarts never overlapped.
fn restart_node(service: &str) -> anyhow::Result<()> {
    let hook = context_id();
    tracing::info!(
        "rabbitmq: restart of {service} begins at {} in {hook}",
        now_ns()
    );
    workload().service("restart", service)?;
    ctl::await_startup()?;
    tracing::info!(
        "rabbitmq: restart of {service} ends at {} in {hook}",
        now_ns()
    );
    Ok(())
}

/// After a restart the node must be back in the cluster before the next unit goes.
fn check_restart(_: &RestartRequest) -> anyhow::Result<Check> {
    let status = ctl::cluster_status()?;
    let me = ctl::node(&workload().hostname()?);
    if !status.running.contains(&me) {
        return Ok(Check::Retry(format!(
            "{me} is not running after the restart"
        )));
    }
    if is_flag_set(CLUSTERED) && status.running.len() < 2 && status.nodes.len() > 1 {
        return Ok(Check::Retry(format!(
            "{me} is not back among the cluster's running nodes"
        )));
    }
    Ok(Check::Done)
}

/// Every hook: how the coordinator restarts this node.
#[startup]
fn restart_hooks() -> Result<()> {
    restart::configure(RestartHooks {
        restart: Some(restart_node),
        check: Some(check_restart),
        restarted: None,
    });
    Ok(())
}
