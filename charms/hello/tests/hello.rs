//! The hello charm's handlers in the harness.

use charms_reactive::testing::{Harness, Relation, State};
// Name the charm crate, or the linker drops its handlers from this test binary.
use charm_hello as _;

const META: &str = include_str!("../metadata.yaml");
const CONFIG: &str = include_str!("../config.yaml");

/// The harness with hello's handlers, metadata and config.
fn harness() -> Harness {
    Harness::new()
        .only(["charm_hello::"])
        .metadata(META)
        .unwrap()
        .config_yaml(CONFIG)
        .unwrap()
}

#[test]
fn a_unit_publishes_its_greeting_and_counts_the_peers_that_greeted_it() {
    let h = harness();
    let peers = Relation::new("peers", 0, "hello")
        .unit("hello/1", [("greeting", "hi")])
        .unit("hello/2", []);
    let state = State {
        unit: "hello/0".into(),
        ..State::default()
    }
    .with_relation(peers)
    .with_config("greeting", "bonjour");
    let out = h.run("config-changed", &state).unwrap();
    assert_eq!(
        out.state
            .relation("peers:0")
            .unwrap()
            .local_unit_data
            .get("greeting")
            .map(String::as_str),
        Some("bonjour")
    );
    assert_eq!(out.state.unit_status.status, "active");
    assert_eq!(out.state.unit_status.message, "bonjour; greeted by 1 peer");
    assert_eq!(out.state.workload_version, "1.0");
}

#[test]
fn a_quiet_hook_reads_no_peer_data_and_a_new_greeting_is_reported() {
    let h = harness();
    let peers = Relation::new("peers", 0, "hello")
        .unit("hello/1", [("greeting", "hi")])
        .unit("hello/2", [("greeting", "hey")]);
    let state = State {
        unit: "hello/0".into(),
        ..State::default()
    }
    .with_relation(peers);
    let first = h.run("config-changed", &state).unwrap();
    assert_eq!(first.state.unit_status.message, "hello; greeted by 2 peers");

    // Nothing changed: no peer's bag is read.
    let quiet = h.run("update-status", &first.state).unwrap();
    let unit_reads = quiet
        .record
        .calls_to("relation-get")
        .filter(|c| c.args.iter().any(|a| a == "hello/1" || a == "hello/2"))
        .count();
    let reads: Vec<_> = quiet
        .record
        .calls_to("relation-get")
        .map(|c| c.args.clone())
        .collect();
    assert_eq!(unit_reads, 0, "{reads:?}");
    assert_eq!(quiet.state.unit_status.message, "hello; greeted by 2 peers");

    // A new greeting is published and reported.
    let changed = h
        .run(
            "config-changed",
            &quiet.state.clone().with_config("greeting", "salut"),
        )
        .unwrap();
    assert_eq!(
        changed.state.unit_status.message,
        "salut; greeted by 2 peers"
    );
    assert_eq!(
        changed
            .state
            .relation("peers:0")
            .unwrap()
            .local_unit_data
            .get("greeting")
            .map(String::as_str),
        Some("salut")
    );
}
