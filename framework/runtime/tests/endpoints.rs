//! Endpoints through a relation's life, with the flags after each hook, including each
//! place where this framework deliberately differs from charms.reactive.

use charms_reactive::testing::{Harness, Outcome, Relation, State};

const META: &str = "name: app\nsummary: s\ndescription: d\nrequires:\n  db: {interface: pgsql}\n";

fn harness(module: &str) -> Harness {
    Harness::new()
        .only([format!("endpoints::{module}::").as_str()])
        .metadata(META)
        .unwrap()
}

/// Flags the `lifecycle` charm saw this hook (it records and clears `changed*`).
fn seen(out: &Outcome) -> Vec<String> {
    out.state
        .flags()
        .into_iter()
        .filter_map(|f| f.strip_prefix("seen.").map(String::from))
        .collect()
}

fn endpoint_flags(out: &Outcome) -> Vec<String> {
    out.state
        .flags()
        .into_iter()
        .filter(|f| f.starts_with("endpoint."))
        .collect()
}

fn tracking_keys(out: &Outcome) -> Vec<String> {
    out.state
        .unit_state
        .keys()
        .filter_map(|k| k.strip_prefix("reactive.data_changed.endpoint.db."))
        .map(String::from)
        .collect()
}

mod lifecycle {
    use charms_reactive::prelude::*;

    #[startup]
    fn forget_seen() -> anyhow::Result<()> {
        for f in get_flags() {
            if f.starts_with("seen.") {
                clear_flag(&f);
            }
        }
        Ok(())
    }

    /// As an interface layer would: note what changed, then clear it.
    #[when("endpoint.db.changed")]
    fn handled() -> anyhow::Result<()> {
        for f in get_flags() {
            if f.starts_with("endpoint.db.changed") {
                set_flag(&format!("seen.{f}"));
                clear_flag(&f);
            }
        }
        Ok(())
    }
}

#[test]
fn an_endpoint_walks_joined_changed_departed_broken() {
    let h = harness("lifecycle");
    let rel = |data: &[(&'static str, &'static str)]| {
        Relation::new("db", 1, "pg").unit("pg/0", data.iter().copied())
    };
    // joined, no data yet.
    let s0 = State::default().with_relation(rel(&[]));
    let joined = h
        .run_relation("db-relation-joined", "db:1", Some("pg/0"), &s0)
        .unwrap();
    assert_eq!(endpoint_flags(&joined), ["endpoint.db.joined"]);
    assert!(seen(&joined).is_empty());

    // changed: two fields.
    let mut s1 = joined.state.clone();
    s1.relations[0] = rel(&[("host", "10.0.0.5"), ("port", "5432")]);
    let changed = h
        .run_relation("db-relation-changed", "db:1", Some("pg/0"), &s1)
        .unwrap();
    assert_eq!(
        seen(&changed),
        [
            "endpoint.db.changed",
            "endpoint.db.changed.host",
            "endpoint.db.changed.port"
        ]
    );

    // the same data again: nothing new.
    let same = h
        .run_relation("db-relation-changed", "db:1", Some("pg/0"), &changed.state)
        .unwrap();
    assert!(seen(&same).is_empty());
    assert_eq!(endpoint_flags(&same), ["endpoint.db.joined"]);

    // In update-status, remote application data changed: seen there, although
    // charms.reactive only manages endpoint flags in the endpoint's own relation hooks
    // and never raises `changed` for application data. The member's `port` changed
    // too, but a member's bag is read only in hooks about that member: Juju's agent
    // would serve the cached copy here anyway.
    let mut s3 = same.state.clone();
    s3.relations[0]
        .remote_app_data
        .insert("database".into(), "\"main\"".into());
    s3.relations[0]
        .remote_units
        .get_mut("pg/0")
        .unwrap()
        .insert("port".into(), "6432".into());
    let app = h.run("update-status", &s3).unwrap();
    assert_eq!(
        seen(&app),
        ["endpoint.db.changed", "endpoint.db.changed.app.database"]
    );

    // The member's own changed hook: its `port` change is seen.
    let one = h
        .run_relation("db-relation-changed", "db:1", Some("pg/0"), &app.state)
        .unwrap();
    assert_eq!(
        seen(&one),
        ["endpoint.db.changed", "endpoint.db.changed.port"]
    );

    // departed (the last unit): `departed` set, `joined` cleared, and — unlike
    // charms.reactive (#170) — `changed` for the fields that went away; the unit's
    // change-tracking keys are deleted (charms.reactive keeps them forever).
    let departed = h
        .run_relation("db-relation-departed", "db:1", Some("pg/0"), &one.state)
        .unwrap();
    assert_eq!(endpoint_flags(&departed), ["endpoint.db.departed"]);
    assert_eq!(
        seen(&departed),
        [
            "endpoint.db.changed",
            "endpoint.db.changed.host",
            "endpoint.db.changed.port"
        ]
    );
    assert_eq!(tracking_keys(&departed), ["db:1.app.database"]);
    assert!(departed
        .state
        .relation("db:1")
        .unwrap()
        .remote_units
        .is_empty());
    let cache = departed
        .state
        .unit_state
        .get("reactive.endpoints.departed.db")
        .expect("departed cache");
    assert!(
        cache.contains("\"unit_name\": \"pg/0\"") && cache.contains("6432"),
        "{cache}"
    );

    // broken: the relation is gone; its app data's tracking goes too. `departed` stays
    // (it is only cleared while joined), as in charms.reactive.
    let broken = h
        .run_relation("db-relation-broken", "db:1", None, &departed.state)
        .unwrap();
    assert_eq!(endpoint_flags(&broken), ["endpoint.db.departed"]);
    assert_eq!(
        seen(&broken),
        ["endpoint.db.changed", "endpoint.db.changed.app.database"]
    );
    assert!(tracking_keys(&broken).is_empty());
    assert!(broken.state.relations.is_empty());
}

mod publisher {
    use charms_reactive::endpoint::Endpoint;
    use charms_reactive::prelude::*;

    #[when("endpoint.db.joined")]
    fn publish() -> anyhow::Result<()> {
        let db = Endpoint::from_name("db").expect("db endpoint");
        let n = get_flag_value("publish.n")
            .and_then(|v| v.as_u64())
            .unwrap_or(1);
        for rel in db.relations()? {
            rel.to_publish()
                .set("database", &serde_json::json!({"name": "mydb", "n": n}))?;
            rel.to_publish_raw().set("plain", "raw-value")?;
        }
        if is_flag_set("publish.fail") {
            anyhow::bail!("failing after writing relation data");
        }
        Ok(())
    }
}

fn db_state() -> State {
    State::default().with_relation(Relation::new("db", 1, "pg").unit("pg/0", [("host", "h")]))
}

#[test]
fn to_publish_sends_sorted_json_and_only_keys_whose_value_changed() {
    let h = harness("publisher");
    let first = h.run("update-status", &db_state()).unwrap();
    let sets: Vec<_> = first.record.calls_to("relation-set").collect();
    assert_eq!(sets.len(), 1);
    assert_eq!(sets[0].args, ["-r", "db:1", "--unit", "database", "plain"]);
    let bag = &first.state.relation("db:1").unwrap().local_unit_data;
    assert_eq!(
        bag.get("database").map(String::as_str),
        Some(r#"{"n": 1, "name": "mydb"}"#)
    );
    assert_eq!(bag.get("plain").map(String::as_str), Some("raw-value"));

    // Same values: charms.reactive sends relation-set again; here nothing is sent.
    let second = h.run("update-status", &first.state).unwrap();
    assert_eq!(second.record.calls_to("relation-set").count(), 0);

    // One value changed: only that key is sent.
    let third_in = first
        .state
        .clone()
        .with_unit_state("reactive.states.publish.n", &serde_json::json!(2));
    let third = h.run("update-status", &third_in).unwrap();
    let sets: Vec<_> = third.record.calls_to("relation-set").collect();
    assert_eq!(sets.len(), 1);
    assert_eq!(sets[0].args, ["-r", "db:1", "--unit", "database"]);
}

#[test]
fn a_failed_hook_sends_no_relation_set() {
    let input = db_state().with_flags(["publish.fail"]);
    let failure = harness("publisher")
        .run("update-status", &input)
        .expect_err("must fail");
    assert_eq!(failure.record.calls_to("relation-set").count(), 0);
    assert_eq!(failure.state, input);
}

mod app_writer {
    use charms_reactive::endpoint::Endpoint;
    use charms_reactive::prelude::*;

    #[when("endpoint.db.joined")]
    fn write_app() -> anyhow::Result<()> {
        for rel in Endpoint::from_name("db").expect("db").relations()? {
            rel.to_publish_app().set("schema", &"v1")?;
        }
        Ok(())
    }
}

#[test]
fn application_data_is_written_by_the_leader_only() {
    let h = harness("app_writer");
    let leader = h
        .run("update-status", &db_state().with_leader(true))
        .unwrap();
    assert_eq!(
        leader
            .state
            .relation("db:1")
            .unwrap()
            .local_app_data
            .get("schema")
            .map(String::as_str),
        Some("\"v1\"")
    );
    let failure = h
        .run("update-status", &db_state())
        .expect_err("non-leader write must fail");
    let msg = format!("{:#}", failure.error);
    assert!(
        msg.contains("relation db:1") && msg.contains("not the leader"),
        "{msg}"
    );
    // Below the handler boundary the error is typed.
    match failure
        .error
        .chain()
        .find_map(|e| e.downcast_ref::<charms_reactive::endpoint::PublishError>())
    {
        Some(charms_reactive::endpoint::PublishError::NotLeader {
            relation,
            key,
            unit,
        }) => {
            assert_eq!((relation.as_str(), key.as_str()), ("db:1", "schema"));
            assert!(!unit.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

mod reader {
    use charms_reactive::endpoint::Endpoint;
    use charms_reactive::prelude::*;

    #[when("endpoint.db.joined")]
    fn read() -> anyhow::Result<()> {
        let db = Endpoint::from_flag("endpoint.db.joined").expect("from_flag");
        anyhow::ensure!(
            Endpoint::from_flag("endpoint.db.departed").is_none(),
            "unset flag gives None"
        );
        anyhow::ensure!(Endpoint::from_name("nope").is_none());
        anyhow::ensure!(db.expand_name("joined") == "endpoint.db.joined");
        anyhow::ensure!(db.expand_name("{endpoint_name}.ready") == "db.ready");
        let units = db.all_joined_units()?;
        anyhow::ensure!(
            units.iter().map(|u| u.name()).collect::<Vec<_>>() == ["pg/0", "pg/1"],
            "sorted units"
        );
        let got = units[0].received()?;
        // Not JSON: exposed raw. Empty: treated as deleted.
        anyhow::ensure!(got.get("host") == Some(serde_json::json!("10.0.0.5")));
        anyhow::ensure!(got.get("port") == Some(serde_json::json!(5432)));
        anyhow::ensure!(got.get("broken") == Some(serde_json::json!("{not json")));
        anyhow::ensure!(got.get("gone").is_none() && got.get_raw("gone").is_none());
        anyhow::ensure!(units[0].received_raw()?.get("port").map(String::as_str) == Some("5432"));
        // Merged view: the lowest unit name wins.
        anyhow::ensure!(db.received()?.get("host") == Some(serde_json::json!("10.0.0.5")));
        let rel = &db.relations()?[0];
        anyhow::ensure!(rel.application_name() == Some("pg"));
        anyhow::ensure!(rel.received_app()?.get("version") == Some(serde_json::json!(14)));
        set_flag("read.ok");
        Ok(())
    }
}

#[test]
fn views_decode_json_expose_bad_data_raw_and_drop_empty_values() {
    let rel = Relation::new("db", 1, "pg")
        .unit("pg/1", [("host", "10.0.0.6")])
        .unit(
            "pg/0",
            [
                ("host", "10.0.0.5"),
                ("port", "5432"),
                ("broken", "{not json"),
                ("gone", ""),
            ],
        )
        .app_data([("version", "14")]);
    let out = harness("reader")
        .run("update-status", &State::default().with_relation(rel))
        .unwrap();
    assert!(out.state.flags().contains(&"read.ok".to_string()));
    // The empty field raises no changed flag.
    assert!(!out
        .state
        .flags()
        .contains(&"endpoint.db.changed.gone".to_string()));
    assert!(out
        .state
        .flags()
        .contains(&"endpoint.db.changed.broken".to_string()));
}

mod peer_viewer {
    use charms_reactive::endpoint::Endpoint;
    use charms_reactive::prelude::*;

    /// Reads the peers through the endpoint views, as an interface layer would.
    #[when("endpoint.cluster.joined")]
    fn view() -> anyhow::Result<()> {
        let ep = Endpoint::from_name("cluster").expect("cluster endpoint");
        for rel in ep.relations()? {
            set_flag(&format!(
                "viewer.{}.{}",
                rel.application_name().unwrap_or("none"),
                rel.joined_units().len()
            ));
        }
        Ok(())
    }
}

#[test]
fn peer_views_in_a_peer_hook_ask_no_tool_what_the_hook_already_tells() {
    let h = Harness::new()
        .only(["endpoints::peer_viewer::"])
        .metadata("name: test\nsummary: s\ndescription: d\npeers:\n  cluster: {interface: c}\n")
        .unwrap();
    let state = State::default()
        .with_relation(Relation::new("cluster", 3, "test").unit("test/1", [("k", "v")]));
    let out = h
        .run_relation(
            "cluster-relation-changed",
            "cluster:3",
            Some("test/1"),
            &state,
        )
        .unwrap();
    assert!(out.state.flags().contains(&"viewer.test.1".to_string()));
    // The relation id and the remote application come from the hook's environment, for
    // flag management and for the views alike.
    assert_eq!(out.record.calls_to("relation-ids").count(), 0);
    let app_lists = out
        .record
        .calls_to("relation-list")
        .filter(|c| c.args.iter().any(|a| a == "--app"))
        .count();
    assert_eq!(app_lists, 0);
}
