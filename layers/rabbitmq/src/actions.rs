//! What the charm's actions do: `cluster-status`, `check-queues`, `forget-cluster-node`.
//! The charm declares them in its `actions.yaml` and wires them with `#[action]`; these
//! functions read the parameters, run `rabbitmqctl` and set the results. Their output
//! holds node, queue and vhost names only: never the cookie nor a password.

use charms_reactive::low_level::backend::Settings;
use charms_reactive::low_level::hook_tools;
use serde_json::Value;

use crate::ctl;

fn set(results: &[(&str, String)]) -> anyhow::Result<()> {
    let settings: Settings = results
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    hook_tools().action_set(&settings)?;
    Ok(())
}

fn fail(message: &str) -> anyhow::Result<()> {
    hook_tools().action_fail(message)?;
    Ok(())
}

fn params() -> anyhow::Result<Value> {
    Ok(hook_tools().action_get()?)
}

/// `cluster-status`: `rabbitmqctl cluster_status --formatter json` as result `output`,
/// and the running nodes as `running-nodes` (comma-separated).
pub fn cluster_status() -> anyhow::Result<()> {
    match ctl::ctl(&["cluster_status", "--formatter", "json"], None) {
        Ok(json) => {
            let running = ctl::ClusterStatus::parse(&json)
                .map(|s| s.running.join(","))
                .unwrap_or_default();
            set(&[
                ("output", json.trim().to_string()),
                ("running-nodes", running),
            ])
        }
        Err(e) => fail(&e.to_string()),
    }
}

/// `check-queues`: the queues of `vhost` (default `/`) holding more than `queue-depth`
/// messages (default 0), as result `queues` (JSON: name → messages).
pub fn check_queues() -> anyhow::Result<()> {
    let p = params()?;
    let vhost = p
        .get("vhost")
        .and_then(Value::as_str)
        .unwrap_or("/")
        .to_string();
    let depth = p.get("queue-depth").and_then(Value::as_i64).unwrap_or(0);
    if vhost.starts_with('-') {
        return fail(&format!("vhost {vhost:?} is not usable"));
    }
    let json = match ctl::ctl(
        &[
            "list_queues",
            "-p",
            &vhost,
            "name",
            "messages",
            "--formatter",
            "json",
        ],
        None,
    ) {
        Ok(json) => json,
        Err(e) => return fail(&e.to_string()),
    };
    let queues: Vec<Value> = serde_json::from_str(json.trim()).unwrap_or_default();
    let mut over = serde_json::Map::new();
    for q in queues {
        let name = q.get("name").and_then(Value::as_str).unwrap_or_default();
        let messages = q.get("messages").and_then(Value::as_i64).unwrap_or(0);
        if messages > depth {
            over.insert(name.to_string(), Value::from(messages));
        }
    }
    set(&[("queues", Value::Object(over).to_string())])
}

/// `forget-cluster-node`: `rabbitmqctl forget_cluster_node <node>`, for a node whose
/// machine is gone (param `node`, `rabbit@<hostname>`).
pub fn forget_cluster_node() -> anyhow::Result<()> {
    let p = params()?;
    let node = p.get("node").and_then(Value::as_str).unwrap_or_default();
    let valid = node.split_once('@').is_some_and(|(name, host)| {
        !name.is_empty()
            && !host.is_empty()
            && node
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "@-_.".contains(c))
    });
    if !valid {
        return fail(&format!(
            "node {node:?} is not a node name (rabbit@<hostname>)"
        ));
    }
    match ctl::ctl(&["forget_cluster_node", node], None) {
        Ok(_) => set(&[("outcome", format!("forgot {node}"))]),
        Err(e) => fail(&e.to_string()),
    }
}
