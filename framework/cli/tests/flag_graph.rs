//! Issue 13 item 2 at the command line: `reactive graph` of the rabbitmq-server charm's
//! source (built first) shows the cookie -> cluster -> ready chain of layer:rabbitmq: the
//! handlers that sync the Erlang cookie set `cookie.synced`, which enables `join`, which
//! sets `rabbitmq.clustered`, which enables the handlers answering AMQP clients. The
//! SVG is drawn in-process.

use std::path::Path;
use std::process::Command;

use test_support::target_dir;
use test_support::{repo_root, run_ok, tmp};

const REACTIVE: &str = env!("CARGO_BIN_EXE_reactive");

fn has_edge(graph: &serde_json::Value, from: &str, to: &str, kind: &str) -> bool {
    graph["edges"].as_array().is_some_and(|edges| {
        edges
            .iter()
            .any(|e| e["from"] == from && e["to"] == to && e["kind"] == kind)
    })
}

#[test]
fn item_2_the_rabbitmq_server_graph_has_the_cookie_cluster_ready_chain() {
    let out = tmp!("cli-item-2-graph");
    let graph = |format: &str, file: &Path| {
        run_ok(
            Command::new(REACTIVE)
                .arg("graph")
                .arg(repo_root().join("charms/rabbitmq-server"))
                .args(["--format", format, "-o"])
                .arg(file)
                .env("CHARM_BUILD_DIR", &out)
                .env("REACTIVE_TARGET_DIR", target_dir!().join("reactive-build")),
        )
    };
    let json_file = out.join("graph.json");
    graph("json", &json_file);
    let text = std::fs::read_to_string(&json_file).expect("graph.json written");
    let g: serde_json::Value = serde_json::from_str(&text).expect("graph.json is JSON");

    // cookie: both ways of getting the cookie set cookie.synced.
    for h in ["cookie::generate", "cookie::from_secret"] {
        let id = format!("handler:layer_rabbitmq::{h}");
        assert!(
            has_edge(&g, &id, "flag:cookie.synced", "sets"),
            "{h}\n{text}"
        );
    }
    // cluster: cookie.synced and the cluster lock enable join, which sets clustered.
    let join = "handler:layer_rabbitmq::cluster::join";
    assert!(
        has_edge(&g, "flag:cookie.synced", join, "enables"),
        "{text}"
    );
    assert!(
        has_edge(&g, "flag:coordinator.granted.cluster", join, "enables"),
        "{text}"
    );
    assert!(
        has_edge(&g, join, "flag:rabbitmq.clustered", "sets"),
        "{text}"
    );
    // ready: a clustered node answers AMQP clients.
    for h in ["amqp::leader_answers", "amqp::follower_answers"] {
        let id = format!("handler:layer_rabbitmq::{h}");
        assert!(
            has_edge(&g, "flag:rabbitmq.clustered", &id, "enables"),
            "{h}\n{text}"
        );
    }
    // A handler node carries its layer, file and line.
    let node = g["nodes"]
        .as_array()
        .and_then(|n| n.iter().find(|n| n["id"] == join).cloned())
        .expect("join is a node");
    assert_eq!(node["layer"], "layer_rabbitmq");
    assert!(
        node["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("layers/rabbitmq/src/cluster.rs")),
        "{node}"
    );
    assert!(node["line"].as_u64().is_some_and(|l| l > 0), "{node}");

    let svg_file = out.join("graph.svg");
    graph("svg", &svg_file);
    let svg = std::fs::read_to_string(&svg_file).expect("graph.svg written");
    assert!(svg.contains("<svg") && svg.contains("layer_rabbitmq::cluster::join"));
}

#[test]
fn item_2_bad_input_is_one_clear_error_and_builds_nothing() {
    let out = tmp!("cli-item-2-graph-bad-input");
    let run = |args: &[&str]| {
        Command::new(REACTIVE)
            .arg("graph")
            .args(args)
            .env("CHARM_BUILD_DIR", &out)
            .output()
            .expect("run reactive graph")
    };
    let hello = repo_root().join("charms/hello");
    let bad_format = run(&[hello.to_str().expect("utf-8 path"), "--format", "png"]);
    assert_eq!(bad_format.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&bad_format.stderr),
        "error: --format \"png\": expected svg, dot or json\n"
    );
    assert!(!out.join("hello").exists(), "built despite a bad --format");

    let missing = out.join("no-such-charm");
    let not_a_charm = run(&[missing.to_str().expect("utf-8 path")]);
    assert_eq!(not_a_charm.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&not_a_charm.stderr),
        format!(
            "error: {}: neither a built charm (no compiled dispatch) nor a charm source (no \
             layer.yaml)\n",
            missing.display()
        )
    );
}
