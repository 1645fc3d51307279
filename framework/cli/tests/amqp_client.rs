//! The amqp-client charm against a real 3-node RabbitMQ cluster: both charms built with
//! `reactive build`, deployed on one model with machines (real apt-get, the real
//! rabbitmq-server daemons, real hook processes), related; the client reports the
//! cluster's size and its `send` action round-trips a message through a node. The
//! password it received appears in no status, action output or log line of the client.
//! Needs root (machines); skipped otherwise. Run under `flock /tmp/reactive-machines.lock`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use test_support::cli::{stdout, CliModel};
use test_support::{repo_root, tmp};

const REACTIVE: &str = env!("CARGO_BIN_EXE_reactive");

/// The cargo target directory (for the shared `reactive-build`).
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| repo_root().join("target"))
}

/// Builds `charms/<name>` into `out`; returns the built charm's directory.
fn build(name: &str, out: &Path) -> PathBuf {
    test_support::run_ok(
        Command::new(REACTIVE)
            .arg("build")
            .arg(repo_root().join("charms").join(name))
            .arg("-o")
            .arg(out)
            .env("REACTIVE_TARGET_DIR", target_dir().join("reactive-build")),
    );
    out.join(name)
}

/// A model with machines, destroyed when dropped (a failed test leaves no machine).
struct Machines(CliModel);

impl Drop for Machines {
    fn drop(&mut self) {
        let _ = self.0.run(&["destroy", "--force"]);
    }
}

/// The JSON status of `unit` (`workload-status` and the rest).
fn unit_status(status: &Value, unit: &str) -> Value {
    let app = unit.split('/').next().unwrap_or_default();
    status["applications"][app]["units"][unit].clone()
}

#[test]
fn the_client_round_trips_a_message_through_a_three_node_cluster_and_never_shows_its_password() {
    if !test_support::is_root() {
        eprintln!("skipped: machines need root");
        return;
    }
    let helper = Path::new(REACTIVE).with_file_name("reactive-machine");
    assert!(
        helper.is_file(),
        "{} is missing: cargo build -p charms-reactive-machines",
        helper.display()
    );
    let root = tmp!("amqp-client-cluster");
    let server = build("rabbitmq-server", &root.join("build"));
    let client = build("amqp-client", &root.join("build"));
    let model = Machines(CliModel::new(REACTIVE, root.join("model")));
    let m = &model.0;
    m.ok(&["init", "--provider", "machines", "--seed", "7"]);
    m.ok(&["deploy", &server.display().to_string(), "-n", "3"]);
    m.ok(&["deploy", &client.display().to_string()]);
    m.ok(&["relate", "amqp-client", "rabbitmq-server"]);

    let status: Value =
        serde_json::from_str(&m.ok_stdout(&["status", "--format", "json"])).expect("status json");
    for n in 0..3 {
        let unit = format!("rabbitmq-server/{n}");
        let s = unit_status(&status, &unit);
        assert_eq!(s["workload-status"]["current"], "active", "{unit}: {s}");
    }
    let c = unit_status(&status, "amqp-client/0");
    assert_eq!(c["workload-status"]["current"], "active", "{c}");
    assert_eq!(
        c["workload-status"]["message"], "Connected to 3-node cluster",
        "{c}"
    );

    // The action's text goes out through a node and comes back.
    let text = format!("hello from the test in {}", std::process::id());
    let run = m.ok(&["run", "amqp-client/0", "send", &format!("text={text}")]);
    let result: serde_yaml::Value = serde_yaml::from_str(&stdout(&run)).expect("action yaml");
    let results = serde_json::to_string(&result).expect("json");
    assert_eq!(result["status"], "completed", "{results}");
    assert!(results.contains(&text), "{results}");
    assert!(results.contains("rabbitmq-server-"), "{results}");

    // The password the client received, from the relation data the model keeps:
    // nowhere the client shows things.
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(m.dir.join("model.json")).expect("model.json"),
    )
    .expect("model.json is JSON");
    let passwords: Vec<String> = find_key(&state, "password");
    assert!(!passwords.is_empty(), "no password in the relation data");
    let shown = [
        results,
        m.ok_stdout(&["status"]),
        m.ok_stdout(&["status", "--format", "json"]),
        m.ok_stdout(&["debug-log", "--replay", "--no-tail", "-i", "amqp-client"]),
    ];
    for password in &passwords {
        for text in &shown {
            assert!(!text.contains(password.as_str()), "a password is shown");
        }
    }
}

/// Every string value under a key named `key`, anywhere in `v`.
fn find_key(v: &Value, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                match child {
                    Value::String(s) if k == key && !s.is_empty() => out.push(s.clone()),
                    _ => out.extend(find_key(child, key)),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| out.extend(find_key(i, key))),
        _ => {}
    }
    out
}
