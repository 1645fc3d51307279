//! Three units' view of the peer relation: hostnames and clustered markers.

use charms_reactive::testing::{Harness, Relation, State};
use interface_rabbitmq_cluster::ClusterPeers;

mod charm {
    use super::*;
    use charms_reactive::{clear_flag, set_flag, when};

    #[when("cluster.connected")]
    fn publish() -> anyhow::Result<()> {
        let peers = ClusterPeers::from_name("cluster").expect("cluster endpoint");
        peers.publish_hostname("rabbitmq-server-0")?;
        peers.set_clustered(true)?;
        Ok(())
    }

    #[when("cluster.peers-changed")]
    fn look() -> anyhow::Result<()> {
        let peers = ClusterPeers::from_name("cluster")
            .expect("cluster")
            .peers()?;
        let clustered = peers.iter().filter(|p| p.clustered).count();
        charms_reactive::set_flag_value(
            "seen.peers",
            serde_json::json!(peers
                .iter()
                .map(|p| (p.unit.clone(), p.hostname.clone(), p.clustered))
                .collect::<Vec<_>>()),
        );
        set_flag(&format!("seen.clustered.{clustered}"));
        clear_flag("cluster.peers-changed");
        Ok(())
    }
}

#[test]
fn peers_publish_hostname_and_clustered_and_see_each_other() {
    let meta = "name: rabbitmq-server\nsummary: s\ndescription: d\npeers:\n  cluster: {interface: rabbitmq-cluster}\n";
    let h = Harness::new()
        .only(["peers::charm::", "interface_rabbitmq_cluster::"])
        .layers(["interface_rabbitmq_cluster", "peers"])
        .metadata(meta)
        .unwrap();
    let rel = Relation::new("cluster", 3, "rabbitmq-server")
        .unit(
            "rabbitmq-server/1",
            [
                ("hostname", "rabbitmq-server-1"),
                ("clustered", "rabbitmq-server/1"),
            ],
        )
        .unit("rabbitmq-server/2", [("hostname", "rabbitmq-server-2")]);
    let state = State {
        unit: "rabbitmq-server/0".into(),
        ..State::default()
    }
    .with_relation(rel);
    let out = h
        .run_relation(
            "cluster-relation-changed",
            "cluster:3",
            Some("rabbitmq-server/2"),
            &state,
        )
        .unwrap();
    let mine = &out.state.relation("cluster:3").unwrap().local_unit_data;
    assert_eq!(
        mine.get("hostname").map(String::as_str),
        Some("rabbitmq-server-0")
    );
    assert_eq!(
        mine.get("clustered").map(String::as_str),
        Some("rabbitmq-server/0")
    );
    let flags = out.state.flags();
    assert!(
        flags.contains(&"cluster.connected".to_string())
            && flags.contains(&"seen.clustered.1".to_string()),
        "{flags:?}"
    );
    assert_eq!(
        out.state
            .unit_state
            .get("reactive.states.seen.peers")
            .map(String::as_str),
        Some(
            r#"[["rabbitmq-server/1", "rabbitmq-server-1", true], ["rabbitmq-server/2", "rabbitmq-server-2", false]]"#
        )
    );
}
