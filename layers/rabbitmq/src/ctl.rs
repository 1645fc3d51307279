//! `rabbitmqctl` and `rabbitmq-plugins`, run as root through Debian's wrappers (they
//! switch to the `rabbitmq` user and use `/var/lib/rabbitmq/.erlang.cookie`, the cookie
//! the node runs with). Errors name the subcommand and carry the tool's last lines of
//! stderr, never its arguments: a user name is harmless, but nothing here relies on that.

use serde_json::Value;

use crate::workload::workload;

/// The programs.
pub const RABBITMQCTL: &str = "rabbitmqctl";
/// The plugin tool.
pub const RABBITMQ_PLUGINS: &str = "rabbitmq-plugins";

/// A failed `rabbitmqctl` (or `rabbitmq-plugins`) call.
#[derive(Debug, thiserror::Error)]
#[error("{command} failed: {why}")]
pub struct CtlError {
    /// The tool and subcommand (`rabbitmqctl join_cluster`).
    pub command: String,
    /// Why: the exit code and the tool's last lines of stderr, or the spawn error.
    pub why: String,
}

/// Runs `rabbitmqctl <args>` (`stdin` for a password) and returns its stdout.
pub fn ctl(args: &[&str], stdin: Option<&str>) -> Result<String, CtlError> {
    run(RABBITMQCTL, args, stdin)
}

/// Runs `rabbitmq-plugins <args>` and returns its stdout.
pub fn plugins(args: &[&str]) -> Result<String, CtlError> {
    run(RABBITMQ_PLUGINS, args, None)
}

fn run(tool: &str, args: &[&str], stdin: Option<&str>) -> Result<String, CtlError> {
    let command = format!("{tool} {}", args.first().copied().unwrap_or_default());
    let mut argv = vec![tool];
    argv.extend_from_slice(args);
    let out = workload().run(&argv, stdin).map_err(|e| CtlError {
        command: command.clone(),
        why: e.to_string(),
    })?;
    if out.success() {
        return Ok(out.stdout);
    }
    let tail: Vec<&str> = out
        .stderr
        .lines()
        .chain(out.stdout.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let tail = tail[tail.len().saturating_sub(3)..].join(" / ");
    Err(CtlError {
        command,
        why: match out.code {
            Some(code) => format!("exit {code}: {tail}"),
            None => format!("killed: {tail}"),
        },
    })
}

/// The node name of a host: `rabbit@<hostname>`.
pub fn node(hostname: &str) -> String {
    format!("rabbit@{hostname}")
}

/// What `rabbitmqctl cluster_status --formatter json` says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterStatus {
    /// Every node of the cluster (disk and RAM nodes), sorted.
    pub nodes: Vec<String>,
    /// The nodes running, sorted.
    pub running: Vec<String>,
}

impl ClusterStatus {
    /// Parses the JSON of `cluster_status --formatter json`.
    pub fn parse(json: &str) -> Option<ClusterStatus> {
        let v: Value = serde_json::from_str(json.trim()).ok()?;
        let list = |key: &str| -> Vec<String> {
            let mut out: Vec<String> = v
                .get(key)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|n| n.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            out.sort();
            out.dedup();
            out
        };
        let mut nodes = list("disk_nodes");
        nodes.extend(list("ram_nodes"));
        nodes.sort();
        nodes.dedup();
        Some(ClusterStatus {
            nodes,
            running: list("running_nodes"),
        })
    }
}

/// The cluster as the local node sees it; an error if the node does not answer.
pub fn cluster_status() -> Result<ClusterStatus, CtlError> {
    let out = ctl(&["cluster_status", "--formatter", "json"], None)?;
    ClusterStatus::parse(&out).ok_or_else(|| CtlError {
        command: "rabbitmqctl cluster_status".into(),
        why: "its output is not the JSON expected".into(),
    })
}

/// Waits until the local node has booted (`rabbitmqctl await_startup`).
pub fn await_startup() -> Result<(), CtlError> {
    ctl(&["await_startup", "--timeout", "300"], None).map(drop)
}
