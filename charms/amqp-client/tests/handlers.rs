//! The amqp-client charm's handlers in the harness: what it asks for, the statuses on the
//! way to a connection, a server it cannot reach, and the `send` action's refusals. The
//! round trip through a real RabbitMQ cluster is in framework/cli/tests/rabbitmq.rs.

use charms_reactive::testing::{Harness, Outcome, Relation, State};
// Name the crates, or the linker drops their handlers from this test binary.
use charm_amqp_client as _;
use interface_amqp as _;
use layer_base as _;

const META: &str = include_str!("../metadata.yaml");
const CONFIG: &str = include_str!("../config.yaml");
const ACTIONS: &str = include_str!("../actions.yaml");

/// A fixed test value, not a secret: what a server unit sends as the password.
const PASSWORD: &str = "test-password-7f3a9c";

/// The charm as built: layer:base, the interface layer, then the charm.
fn harness() -> Harness {
    Harness::new()
        .only(["layer_base", "interface_amqp::", "charm_amqp_client::"])
        .layers(["layer_base", "interface_amqp", "charm_amqp_client"])
        .metadata(META)
        .unwrap()
        .config_yaml(CONFIG)
        .unwrap()
}

fn unit() -> State {
    State {
        unit: "amqp-client/0".into(),
        ..State::default()
    }
}

/// The relation with server units sending `data` each.
fn servers(units: &[(&str, &[(&str, &str)])]) -> Relation {
    let mut rel = Relation::new("amqp", 0, "rabbitmq-server");
    for (name, data) in units {
        rel = rel.unit(name, data.iter().copied());
    }
    rel
}

/// Everything a hook left where an operator can see it: logs, statuses, what this unit
/// published, the unit state, the action's output and failure.
fn visible(out: &Outcome) -> String {
    let rel: Vec<_> = out
        .state
        .relations
        .iter()
        .map(|r| &r.local_unit_data)
        .collect();
    format!(
        "{:?} {:?} {:?} {:?} {:?} {:?} {:?}",
        out.record.logs,
        out.record.unit_statuses,
        out.state.unit_status,
        rel,
        out.state.unit_state,
        out.record.action_results,
        out.record.action_failure
    )
}

#[test]
fn without_a_server_the_unit_is_blocked_asking_for_the_relation() {
    let out = harness().run("install", &unit()).unwrap();
    assert_eq!(out.state.unit_status.status, "blocked");
    assert_eq!(
        out.state.unit_status.message,
        "Needs a relation to rabbitmq-server (amqp)"
    );
}

#[test]
fn a_joined_server_is_asked_for_the_application_s_user_and_vhost_and_the_unit_waits() {
    let state = unit().with_relation(servers(&[("rabbitmq-server/0", &[])]));
    let out = harness()
        .run_relation(
            "amqp-relation-joined",
            "amqp:0",
            Some("rabbitmq-server/0"),
            &state,
        )
        .unwrap();
    let sent = &out.state.relation("amqp:0").unwrap().local_unit_data;
    assert_eq!(
        sent.get("username").map(String::as_str),
        Some("amqp-client")
    );
    assert_eq!(sent.get("vhost").map(String::as_str), Some("amqp-client"));
    assert_eq!(out.state.unit_status.status, "waiting");
    assert_eq!(
        out.state.unit_status.message,
        "Waiting for credentials from rabbitmq-server"
    );

    // Config names another user and vhost: they are asked for instead.
    let configured = out
        .state
        .clone()
        .with_config("username", "billing")
        .with_config("vhost", "invoices");
    let again = harness().run("config-changed", &configured).unwrap();
    let sent = &again.state.relation("amqp:0").unwrap().local_unit_data;
    assert_eq!(sent.get("username").map(String::as_str), Some("billing"));
    assert_eq!(sent.get("vhost").map(String::as_str), Some("invoices"));
}

#[test]
fn a_server_that_cannot_be_reached_leaves_the_unit_waiting_naming_it_but_never_the_password() {
    // Credentials from a unit whose address has no RabbitMQ for this user: the round
    // trip fails (refused, or refused authentication if something listens there).
    let state = unit().with_relation(servers(&[(
        "rabbitmq-server/0",
        &[("hostname", "127.0.0.1"), ("password", PASSWORD)],
    )]));
    let out = harness()
        .run_relation(
            "amqp-relation-changed",
            "amqp:0",
            Some("rabbitmq-server/0"),
            &state,
        )
        .unwrap();
    assert!(out.state.flags().contains(&"amqp.available".to_string()));
    assert_eq!(out.state.unit_status.status, "waiting");
    let message = &out.state.unit_status.message;
    assert!(
        message.starts_with("RabbitMQ not reachable yet: ") && message.contains("127.0.0.1"),
        "{message}"
    );
    assert!(!visible(&out).contains(PASSWORD), "{}", visible(&out));

    // The failure is not remembered as a success: the next hook tries again (and fails
    // the same way, which it could not if it skipped the round trip).
    let again = harness().run("update-status", &out.state).unwrap();
    assert_eq!(again.state.unit_status.status, "waiting");
    assert!(again
        .record
        .unit_statuses
        .iter()
        .any(|s| s.message.starts_with("RabbitMQ not reachable yet")));
}

#[test]
fn send_refuses_without_text_and_before_credentials_saying_why() {
    let h = harness();
    // Joined, no credentials yet.
    let state = unit().with_relation(servers(&[("rabbitmq-server/0", &[])]));
    let no_text = h.run_action("send", serde_json::json!({}), &state).unwrap();
    assert_eq!(
        no_text.record.action_failure.as_deref(),
        Some("send needs text=<message>")
    );
    let early = h
        .run_action("send", serde_json::json!({"text": "hello"}), &state)
        .unwrap();
    assert_eq!(
        early.record.action_failure.as_deref(),
        Some("no credentials yet: relate this application to rabbitmq-server")
    );
    assert!(early.record.action_results.is_empty());
}

#[test]
fn send_through_a_server_that_cannot_be_reached_fails_naming_it_but_never_the_password() {
    let state = unit()
        .with_relation(servers(&[(
            "rabbitmq-server/0",
            &[("hostname", "127.0.0.1"), ("password", PASSWORD)],
        )]))
        .with_flags(["amqp.connected", "amqp.available"]);
    let out = harness()
        .run_action("send", serde_json::json!({"text": "hello"}), &state)
        .unwrap();
    let failure = out.record.action_failure.clone().expect("action-fail");
    assert!(
        failure.starts_with("no server answered (127.0.0.1: "),
        "{failure}"
    );
    assert!(out.record.action_results.is_empty());
    assert!(!visible(&out).contains(PASSWORD), "{}", visible(&out));
}

#[test]
fn the_send_action_takes_a_required_text() {
    let actions: serde_yaml::Value = serde_yaml::from_str(ACTIONS).unwrap();
    assert_eq!(actions["send"]["params"]["text"]["type"], "string");
    assert_eq!(actions["send"]["required"][0], "text");
}

#[test]
fn a_target_and_a_cluster_print_their_password_redacted() {
    let target = charm_amqp_client::round_trip::Target {
        host: "rabbitmq-server-0".into(),
        port: 5672,
        username: "u".into(),
        password: PASSWORD.into(),
        vhost: "v".into(),
    };
    let cluster = charm_amqp_client::servers::Cluster {
        units: 1,
        targets: vec![target.clone()],
    };
    for shown in [format!("{target:?}"), format!("{cluster:?}")] {
        assert!(
            !shown.contains(PASSWORD) && shown.contains("<redacted>"),
            "{shown}"
        );
    }
}
