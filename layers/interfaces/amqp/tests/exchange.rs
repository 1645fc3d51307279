//! A provider and a requirer, each a unit in the harness, exchange credentials over the
//! `rabbitmq` interface; what one publishes is handed to the other as remote data.

use charms_reactive::testing::{Harness, Relation, State};
use interface_amqp::{Access, AmqpProvides, AmqpRequires};

mod client {
    use super::*;
    use charms_reactive::{set_flag, when, when_not};

    #[when("amqp.connected")]
    #[when_not("client.requested")]
    fn request() -> anyhow::Result<()> {
        AmqpRequires::from_name("amqp")
            .expect("amqp endpoint")
            .request_access("client", "client-vhost")?;
        set_flag("client.requested");
        Ok(())
    }

    #[when("amqp.available")]
    fn check_credentials() -> anyhow::Result<()> {
        let creds = AmqpRequires::from_name("amqp")
            .expect("amqp")
            .credentials()?
            .expect("credentials");
        anyhow::ensure!(creds.hostname == "rabbitmq-server-0" && creds.password == super::PASSWORD);
        anyhow::ensure!(
            creds.username.as_deref() == Some("client")
                && creds.vhost.as_deref() == Some("client-vhost")
        );
        anyhow::ensure!(
            creds.ssl_port.is_none() && creds.ssl_ca.is_none(),
            "TLS is off"
        );
        set_flag("client.has-credentials");
        Ok(())
    }
}

mod server {
    use super::*;
    use charms_reactive::when;

    #[when("amqp.requested")]
    fn grant() -> anyhow::Result<()> {
        let amqp = AmqpProvides::from_name("amqp").expect("amqp endpoint");
        for req in amqp.pending_requests()? {
            anyhow::ensure!(req.username == "client" && req.vhost == "client-vhost");
            let access = Access {
                hostname: "rabbitmq-server-0".into(),
                password: super::PASSWORD.into(),
                ssl_port: None,
                ssl_ca: None,
            };
            amqp.grant(&req, &access)?;
        }
        Ok(())
    }
}

/// A fixed test value, not a secret.
const PASSWORD: &str = "test-password-not-secret";

fn client() -> Harness {
    Harness::new()
        .only(["exchange::client::", "interface_amqp::"])
        // As in a built charm: the interface layer comes before the charm.
        .layers(["interface_amqp", "exchange"])
        .metadata(
            "name: client\nsummary: s\ndescription: d\nrequires:\n  amqp: {interface: rabbitmq}\n",
        )
        .unwrap()
}

fn server() -> Harness {
    Harness::new()
        .only(["exchange::server::", "interface_amqp::"])
        .layers(["interface_amqp", "exchange"])
        .metadata("name: rabbitmq-server\nsummary: s\ndescription: d\nprovides:\n  amqp: {interface: rabbitmq}\n")
        .unwrap()
}

#[test]
fn provider_and_requirer_exchange_credentials_and_reach_available() {
    // The client joins and asks for access.
    let c0 = State {
        unit: "client/0".into(),
        ..State::default()
    }
    .with_relation(Relation::new("amqp", 0, "rabbitmq-server").unit("rabbitmq-server/0", []));
    let c1 = client()
        .run_relation(
            "amqp-relation-joined",
            "amqp:0",
            Some("rabbitmq-server/0"),
            &c0,
        )
        .unwrap();
    assert!(
        c1.invoked
            .iter()
            .any(|id| id == "interface_amqp::requires::joined:amqp"),
        "{:?}",
        c1.invoked
    );
    let asked = c1.state.relation("amqp:0").unwrap().local_unit_data.clone();
    assert_eq!(asked.get("username").map(String::as_str), Some("client"));
    assert_eq!(asked.get("vhost").map(String::as_str), Some("client-vhost"));
    assert!(c1.state.flags().contains(&"amqp.connected".to_string()));

    // The server sees the request and grants it.
    let mut s_rel = Relation::new("amqp", 0, "client");
    s_rel.remote_units.insert("client/0".into(), asked);
    let s0 = State {
        unit: "rabbitmq-server/0".into(),
        ..State::default()
    }
    .with_relation(s_rel);
    let s1 = server()
        .run_relation("amqp-relation-changed", "amqp:0", Some("client/0"), &s0)
        .unwrap();
    let answer = s1.state.relation("amqp:0").unwrap().local_unit_data.clone();
    assert_eq!(
        answer.get("hostname").map(String::as_str),
        Some("rabbitmq-server-0")
    );
    assert_eq!(answer.get("password").map(String::as_str), Some(PASSWORD));
    assert!(!answer.contains_key("ssl_port") && !answer.contains_key("ssl_ca"));
    let server_flags = s1.state.flags();
    assert!(
        server_flags.contains(&"amqp.available".to_string()),
        "{server_flags:?}"
    );
    assert!(
        !server_flags.contains(&"amqp.requested".to_string()),
        "{server_flags:?}"
    );

    // The client receives the credentials.
    let mut c2_in = c1.state.clone();
    c2_in.relations[0]
        .remote_units
        .insert("rabbitmq-server/0".into(), answer);
    let c2 = client()
        .run_relation(
            "amqp-relation-changed",
            "amqp:0",
            Some("rabbitmq-server/0"),
            &c2_in,
        )
        .unwrap();
    let client_flags = c2.state.flags();
    assert!(
        client_flags.contains(&"amqp.available".to_string()),
        "{client_flags:?}"
    );
    assert!(
        client_flags.contains(&"client.has-credentials".to_string()),
        "{client_flags:?}"
    );

    // The server departs: the client is no longer connected nor available.
    let c3 = client()
        .run_relation(
            "amqp-relation-departed",
            "amqp:0",
            Some("rabbitmq-server/0"),
            &c2.state,
        )
        .unwrap();
    let flags = c3.state.flags();
    assert!(
        !flags.contains(&"amqp.connected".to_string())
            && !flags.contains(&"amqp.available".to_string()),
        "{flags:?}"
    );
}

#[test]
fn interface_handlers_register_per_endpoint_and_not_at_all_without_one() {
    let meta = "name: c\nsummary: s\ndescription: d\nrequires:\n  amqp: {interface: rabbitmq}\n  queue: {interface: rabbitmq}\n";
    let h = Harness::new()
        .only(["interface_amqp::requires::"])
        .metadata(meta)
        .unwrap();
    let out = h.run("update-status", &State::default()).unwrap();
    // Not joined: the when_not handler runs once per endpoint, in endpoint order.
    assert_eq!(
        out.invoked,
        [
            "interface_amqp::requires::not_joined:amqp",
            "interface_amqp::requires::not_joined:queue"
        ]
    );
    let none = Harness::new()
        .only(["interface_amqp::"])
        .metadata("name: c\nsummary: s\ndescription: d\n")
        .unwrap();
    assert!(none
        .run("update-status", &State::default())
        .unwrap()
        .invoked
        .is_empty());
}
