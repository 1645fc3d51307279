//! The cluster: hostnames on the peer relation, `cluster.peers.sufficient`, joining the
//! leader's node one unit at a time under the coordinator's `cluster` lock, leaving
//! cleanly when this unit goes, and the leader forgetting nodes whose unit is gone.

use std::collections::BTreeMap;

use charms_reactive::low_level::{departing_unit, with_unit_state};
use charms_reactive::prelude::*;
use interface_rabbitmq_cluster::ClusterPeers;
use layer_leadership::{leader_get, leader_set_one};
use serde_json::{json, Value};

use crate::ctl::{self, node, ClusterStatus};
use crate::flags::{CLUSTERED, HOSTNAME_PUBLISHED, LEADER_HOSTNAME_MINE, LEFT, PEERS_SUFFICIENT};
use crate::settings::LEADER_HOSTNAME;
use crate::workload::workload;
use crate::{CLUSTER_LOCK, PEER};

/// Unit state: the peers' hostnames as last read, `{unit: hostname}`.
const PEER_HOSTNAMES: &str = "rabbitmq.peer-hostnames";

/// `min-cluster-size`: `None` when unset (the classic charm's default: no minimum).
pub fn min_cluster_size() -> anyhow::Result<Option<u64>> {
    let all = config::all()?;
    match all.get("min-cluster-size") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_i64() {
            Some(n) if n >= 0 => Ok(Some(n as u64)),
            _ => anyhow::bail!("config min-cluster-size: {v} is not a whole number ≥ 0"),
        },
    }
}

/// The peers' hostnames as last read (peers that published none are left out).
pub fn peer_hostnames() -> BTreeMap<String, String> {
    with_unit_state(|kv| kv.get(PEER_HOSTNAMES))
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// The leader's node (`rabbit@<leader-hostname>`), once the leader published it.
pub fn leader_node() -> anyhow::Result<Option<String>> {
    Ok(leader_get(LEADER_HOSTNAME)?
        .filter(|h| !h.is_empty())
        .map(|h| node(&h)))
}

/// This unit's node.
pub fn my_node() -> anyhow::Result<String> {
    Ok(node(&workload().hostname()?))
}

/// Publishes this unit's hostname on the peer relation, once it exists.
#[when_not("rabbitmq.hostname.published")]
fn publish_hostname() -> Result<()> {
    let Some(peers) = ClusterPeers::from_name(PEER) else {
        return Ok(());
    };
    if peers.endpoint().relations()?.is_empty() {
        return Ok(());
    }
    peers.publish_hostname(&workload().hostname()?)?;
    set_flag(HOSTNAME_PUBLISHED);
    Ok(())
}

/// `cluster.peers.sufficient`: 1 + the peers that published a hostname ≥
/// `min-cluster-size` (always, when it is unset). Recounted when a peer's data changes,
/// a peer leaves, or the option changes.
#[when_any("cluster.peers-changed", "config.changed.min-cluster-size")]
fn count_peers() -> Result<()> {
    recount()
}

/// Counts the peers with a hostname, sets `cluster.peers.sufficient` and keeps their
/// hostnames.
pub fn recount() -> anyhow::Result<()> {
    let mut hostnames = BTreeMap::new();
    if let Some(peers) = ClusterPeers::from_name(PEER) {
        for peer in peers.peers()? {
            if let Some(h) = peer.hostname {
                hostnames.insert(peer.unit, h);
            }
        }
    }
    let units = 1 + hostnames.len() as u64;
    let min = min_cluster_size()?;
    toggle_flag(PEERS_SUFFICIENT, min.is_none_or(|m| units >= m));
    set_flag_value(
        "rabbitmq.peers.counted",
        json!({"units": units, "min": min}),
    );
    with_unit_state(|kv| kv.set(PEER_HOSTNAMES, &json!(hostnames)));
    clear_flag("cluster.peers-changed");
    Ok(())
}

/// Marks this node clustered: the flag, and `clustered` on the peer relation.
fn mark_clustered() -> anyhow::Result<()> {
    set_flag(CLUSTERED);
    if let Some(peers) = ClusterPeers::from_name(PEER) {
        peers.set_clustered(true)?;
    }
    Ok(())
}

/// The leader: its node is the cluster's seed; its hostname goes to the leader settings
/// (again after a change of leader).
#[when_all("leadership.is_leader", "cookie.synced")]
#[when_not("rabbitmq.leader-hostname.mine")]
fn lead() -> Result<()> {
    let hostname = workload().hostname()?;
    if leader_get(LEADER_HOSTNAME)?.as_deref() != Some(hostname.as_str()) {
        leader_set_one(LEADER_HOSTNAME, &hostname)?;
        tracing::info!("rabbitmq: the cluster's seed is now {}", node(&hostname));
    }
    set_flag(LEADER_HOSTNAME_MINE);
    if !is_flag_set(CLUSTERED) {
        mark_clustered()?;
    }
    Ok(())
}

#[when("rabbitmq.leader-hostname.mine")]
#[when_not("leadership.is_leader")]
fn no_longer_leader() -> Result<()> {
    clear_flag(LEADER_HOSTNAME_MINE);
    Ok(())
}

/// A non-leader with the cookie and enough peers asks for the `cluster` lock, unless its
/// node already runs in the leader's cluster (then it is clustered at once).
#[when_all(
    "cookie.synced",
    "cluster.peers.sufficient",
    "leadership.set.leader-hostname"
)]
#[when_none(
    "rabbitmq.clustered",
    "leadership.is_leader",
    "coordinator.requested.cluster",
    "coordinator.granted.cluster",
    "rabbitmq.left"
)]
fn ask_to_join() -> Result<()> {
    let Some(leader) = leader_node()? else {
        return Ok(());
    };
    if let Ok(status) = ctl::cluster_status() {
        if status.running.contains(&leader) && status.running.contains(&my_node()?) {
            mark_clustered()?;
            return Ok(());
        }
    }
    status::waiting(&format!("Waiting for the cluster lock to join {leader}"))?;
    layer_coordinator::acquire(CLUSTER_LOCK)?;
    Ok(())
}

/// Holding the `cluster` lock: `stop_app`, `join_cluster rabbit@<leader>`, `start_app`;
/// then clustered, and the lock released so the next unit goes.
#[when_all("coordinator.granted.cluster", "cookie.synced")]
fn join() -> Result<()> {
    if is_flag_set(CLUSTERED) || is_flag_set("leadership.is_leader") {
        layer_coordinator::release(CLUSTER_LOCK)?;
        return Ok(());
    }
    let Some(leader) = leader_node()? else {
        layer_coordinator::release(CLUSTER_LOCK)?;
        return Ok(());
    };
    status::maintenance(&format!("Clustering with {leader}"))?;
    ctl::ctl(&["stop_app"], None)?;
    if let Err(e) = ctl::ctl(&["join_cluster", &leader], None) {
        // Leave the node serving on its own rather than stopped.
        let _ = ctl::ctl(&["start_app"], None);
        return Err(anyhow::anyhow!("joining {leader}: {e}"));
    }
    ctl::ctl(&["start_app"], None)?;
    ctl::await_startup()?;
    tracing::info!("rabbitmq: {} joined {leader}", my_node()?);
    mark_clustered()?;
    layer_coordinator::release(CLUSTER_LOCK)?;
    Ok(())
}

/// Leaves the cluster (`stop_app`, `reset`, `start_app`) once, when this unit goes. A
/// node that does not answer cannot leave; the leader forgets it once it is down.
pub fn leave() -> anyhow::Result<()> {
    if is_flag_set(LEFT) || !is_flag_set("rabbitmq.installed") {
        return Ok(());
    }
    set_flag(LEFT);
    clear_flag(CLUSTERED);
    let status = match ctl::cluster_status() {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(
                "rabbitmq: cannot leave the cluster ({e}); the leader forgets this node"
            );
            return Ok(());
        }
    };
    if status.nodes.len() < 2 {
        return Ok(());
    }
    status::maintenance("Leaving the cluster")?;
    let steps: [&[&str]; 3] = [&["stop_app"], &["reset"], &["start_app"]];
    for step in steps {
        if let Err(e) = ctl::ctl(step, None) {
            tracing::warn!("rabbitmq: leaving the cluster: {e}; the leader forgets this node");
            return Ok(());
        }
    }
    tracing::info!("rabbitmq: {} left the cluster", my_node()?);
    Ok(())
}

/// The nodes of the cluster that are down and belong to no unit of the application.
pub fn gone_nodes(status: &ClusterStatus) -> anyhow::Result<Vec<String>> {
    let mut known: Vec<String> = peer_hostnames().values().map(|h| node(h)).collect();
    known.push(my_node()?);
    Ok(status
        .nodes
        .iter()
        .filter(|n| !status.running.contains(n) && !known.contains(n))
        .cloned()
        .collect())
}

/// The leader forgets the nodes of departed units (`forget_cluster_node`). A departed
/// node still running is leaving by itself (its unit resets it); it is left alone.
pub fn forget_gone() -> anyhow::Result<Vec<String>> {
    let status = ctl::cluster_status()?;
    let mut forgotten = Vec::new();
    for gone in gone_nodes(&status)? {
        ctl::ctl(&["forget_cluster_node", &gone], None)?;
        tracing::info!("rabbitmq: forgot {gone}, whose unit is gone");
        forgotten.push(gone);
    }
    Ok(forgotten)
}

/// A peer left: this unit itself (leave the cluster), or another (the leader forgets
/// its node once it is down).
#[when("hook.cluster-relation-departed")]
fn departed() -> Result<()> {
    if departing_unit().as_deref() == Some(unit_name().as_str()) {
        return leave();
    }
    if is_flag_set("leadership.is_leader") && is_flag_set(CLUSTERED) {
        // The departed unit's hostname is no longer a peer's: recount first.
        recount()?;
        if let Err(e) = forget_gone() {
            tracing::warn!("rabbitmq: {e}");
        }
    }
    Ok(())
}

/// A new leader forgets what its predecessor left behind.
#[when_all("hook.leader-elected", "rabbitmq.clustered")]
fn new_leader_forgets() -> Result<()> {
    if let Err(e) = forget_gone() {
        tracing::warn!("rabbitmq: {e}");
    }
    Ok(())
}

/// The unit stops for good: leave the cluster, stop the node.
#[when("hook.stop")]
fn stop() -> Result<()> {
    leave()?;
    if is_flag_set("rabbitmq.installed") {
        workload().service("stop", crate::SERVICE)?;
    }
    Ok(())
}
