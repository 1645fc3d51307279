//! The unit's status. Every hook sets it from the flags (no program run); `update-status`
//! looks at the node itself: is it running, is it in the leader's cluster, is a gone
//! node left in the cluster. Statuses follow layer:base's rules (blocked over waiting
//! over active).

use charms_reactive::prelude::*;

use crate::cluster::{forget_gone, gone_nodes, leader_node, min_cluster_size, my_node};
use crate::ctl;
use crate::flags::{CLUSTERED, CONFIG_INVALID, COOKIE_SYNCED, INSTALLED, LEFT, PEERS_SUFFICIENT};
use crate::workload::workload;
use crate::SERVICE;

/// The message of a unit that is up and in the cluster.
pub const READY: &str = "Unit is ready and clustered";

/// A status and its message.
pub type Status = (WorkloadStatus, String);

fn st(kind: WorkloadStatus, message: &str) -> Status {
    (kind, message.to_string())
}

/// What the flags say, before looking at the node.
pub fn from_flags() -> anyhow::Result<Status> {
    if let Some(message) = get_flag_value(CONFIG_INVALID).and_then(|v| v.as_str().map(String::from))
    {
        return Ok(st(WorkloadStatus::Blocked, &message));
    }
    if is_flag_set(LEFT) {
        return Ok(st(WorkloadStatus::Maintenance, "Left the cluster"));
    }
    if !is_flag_set(INSTALLED) {
        return Ok(st(
            WorkloadStatus::Waiting,
            "Waiting for rabbitmq-server to be installed",
        ));
    }
    if !is_flag_set(COOKIE_SYNCED) {
        return Ok(st(
            WorkloadStatus::Waiting,
            "Waiting for the leader's Erlang cookie",
        ));
    }
    if !is_flag_set(PEERS_SUFFICIENT) {
        let counted = get_flag_value("rabbitmq.peers.counted");
        let units = counted
            .as_ref()
            .and_then(|v| v.get("units"))
            .and_then(|v| v.as_u64())
            .unwrap_or(1);
        let min = min_cluster_size()?.unwrap_or(1);
        return Ok(st(
            WorkloadStatus::Waiting,
            &format!(
                "Waiting for {} more unit(s) to form the cluster (min-cluster-size {min})",
                min.saturating_sub(units)
            ),
        ));
    }
    if !is_flag_set(CLUSTERED) {
        let leader = leader_node()?.unwrap_or_else(|| "the leader's node".into());
        return Ok(st(
            WorkloadStatus::Waiting,
            &format!("Waiting to join {leader}"),
        ));
    }
    Ok(st(WorkloadStatus::Active, READY))
}

/// The node as it is: `None` if it is fine (the flags decide), else the status.
pub fn from_node() -> anyhow::Result<Option<Status>> {
    let cluster = match ctl::cluster_status() {
        Ok(status) => status,
        Err(_) => {
            let state = workload().service_state(SERVICE);
            let not_running = "RabbitMQ is not running: the service manager is";
            return Ok(Some(match state.as_str() {
                "active" => st(
                    WorkloadStatus::Waiting,
                    "RabbitMQ is starting: the node does not answer yet",
                ),
                "activating" | "reloading" => st(
                    WorkloadStatus::Waiting,
                    &format!("{not_running} restarting it"),
                ),
                // After a crash systemd runs ExecStop= before Restart= applies: a passing
                // state either way; the next check tells.
                "deactivating" => st(
                    WorkloadStatus::Waiting,
                    &format!("{not_running} stopping it (and restarts it if it failed)"),
                ),
                _ => st(
                    WorkloadStatus::Blocked,
                    &format!(
                        "RabbitMQ is not running ({SERVICE} is {state}): run `systemctl start {SERVICE}` on the unit, see `journalctl -u {SERVICE}`"
                    ),
                ),
            }));
        }
    };
    let me = my_node()?;
    if !cluster.running.contains(&me) {
        return Ok(Some(st(
            WorkloadStatus::Waiting,
            "RabbitMQ is starting: the node is not running yet",
        )));
    }
    if is_flag_set(CLUSTERED) {
        if let Some(leader) = leader_node()? {
            if !cluster.nodes.contains(&leader) {
                // Not in the leader's cluster after all: join again.
                clear_flag(CLUSTERED);
                return Ok(Some(st(
                    WorkloadStatus::Waiting,
                    &format!("Not clustered with {leader}: joining again"),
                )));
            }
            if !cluster.running.contains(&leader) {
                return Ok(Some(st(
                    WorkloadStatus::Waiting,
                    &format!("{leader}, the cluster's seed, is not running"),
                )));
            }
        }
        if is_flag_set("leadership.is_leader") {
            if let Err(e) = forget_gone() {
                tracing::warn!("rabbitmq: {e}");
            }
        }
        let gone = gone_nodes(&ctl::cluster_status()?)?;
        if let Some(node) = gone.first() {
            return Ok(Some(st(WorkloadStatus::Blocked, &format!(
                "Node {node} is in the cluster but not running and its unit is gone: run the forget-cluster-node action with node={node}"
            ))));
        }
    }
    Ok(None)
}

/// Every hook: the status. `rabbitmq.never` is never set, so the condition always holds;
/// it names the flags the status depends on, so the dispatcher runs this again whenever
/// one of them changes and the last status of the hook is the right one.
#[when_not_all(
    "rabbitmq.never",
    "rabbitmq.installed",
    "cookie.synced",
    "cluster.peers.sufficient",
    "rabbitmq.clustered",
    "rabbitmq.left",
    "rabbitmq.config.invalid",
    "leadership.set.leader-hostname"
)]
fn set_status() -> Result<()> {
    let mut status = from_flags()?;
    // Before the cookie the node is not meant to run (the package does not start it).
    if is_flag_set("hook.update-status") && is_flag_set(COOKIE_SYNCED) && !is_flag_set(LEFT) {
        if let Some(real) = from_node()? {
            status = real;
        }
    }
    status::set(Scope::Unit, status.0, &status.1)?;
    Ok(())
}
