//! The charm author's API: the prelude's status, config and leadership calls, `Scope`,
//! and `Endpoint::clear_changed`.

use charms_reactive::testing::{Harness, Outcome, Relation, State};

const CONFIG: &str = "options:
  port: {type: int, default: 8080}
  name: {type: string, default: web}
  cert: {type: string}
";

fn harness(module: &str) -> Harness {
    Harness::new()
        .only([format!("author_api::{module}::").as_str()])
        .config_yaml(CONFIG)
        .expect("config.yaml parses")
}

fn run(module: &str, state: &State) -> Outcome {
    harness(module)
        .run("config-changed", state)
        .unwrap_or_else(|f| panic!("hook failed: {:#}", f.error))
}

mod status_from_config {
    use charms_reactive::prelude::*;

    #[when_not("web.ready")]
    fn report() -> Result<()> {
        let port: u16 = config::get("port")?;
        let name = config::string("name")?;
        let cert: Option<String> = config::get("cert")?;
        if cert.is_none() {
            status::blocked(&format!("{name}: no certificate for port {port}"))?;
        } else {
            status::active(&format!("{name} on {port}"))?;
        }
        if leadership::is_leader()? {
            status::set(Scope::App, WorkloadStatus::Waiting, "units starting")?;
            leadership::set_one("port", &port.to_string())?;
            leadership::set(&leadership::Settings::from([("name".into(), name.clone())]))?;
        }
        status::workload_version("2.1")?;
        Ok(())
    }
}

#[test]
fn status_follows_typed_config_reads() {
    let out = run("status_from_config", &State::default());
    assert_eq!(out.state.unit_status.status, "blocked");
    assert_eq!(
        out.state.unit_status.message,
        "web: no certificate for port 8080"
    );
    // Not the leader: the application's status is left alone.
    assert_eq!(out.record.app_statuses, []);
    assert_eq!(out.state.workload_version, "2.1");

    let leader = State::default()
        .with_leader(true)
        .with_config("cert", "PEM")
        .with_config("port", 443);
    let out = run("status_from_config", &leader);
    assert_eq!(out.state.unit_status.status, "active");
    assert_eq!(out.state.unit_status.message, "web on 443");
    assert_eq!(out.state.app_status.status, "waiting");
    assert_eq!(
        out.state.leader_settings.get("port").map(String::as_str),
        Some("443")
    );
    assert_eq!(
        out.state.leader_settings.get("name").map(String::as_str),
        Some("web")
    );
    let calls: Vec<String> = out
        .record
        .calls_to("status-set")
        .map(|c| c.args.join(" "))
        .collect();
    assert_eq!(
        calls,
        [
            "--unit active web on 443",
            "--application waiting units starting"
        ]
    );
}

mod bad_config {
    use charms_reactive::prelude::*;

    #[hook("config-changed")]
    fn read() -> Result<()> {
        let which = config::string("name")?;
        match which.as_str() {
            "typo" => drop(config::string("nmae")?),
            "unset" => drop(config::string("cert")?),
            _ => drop(config::get::<u16>("name")?),
        }
        Ok(())
    }
}

/// Each way a config read fails names the option, and the typed error is reachable
/// through the hook's error chain.
#[test]
fn config_errors_name_the_option() {
    let fail = |name: &str| {
        let state = State::default().with_config("name", name);
        match harness("bad_config").run("config-changed", &state) {
            Ok(_) => panic!("reading config as {name} should fail"),
            Err(f) => f.error,
        }
    };
    let typo = fail("typo");
    assert!(
        format!("{typo:#}").contains("config option \"nmae\" is not in config.yaml"),
        "{typo:#}"
    );
    assert!(typo
        .chain()
        .any(|e| matches!(e.downcast_ref(), Some(charms_reactive::config::ConfigError::Unknown { key }) if key == "nmae")));
    let unset = fail("unset");
    assert!(
        format!("{unset:#}").contains("config option \"cert\" is not set and has no default"),
        "{unset:#}"
    );
    let wrong = fail("not-a-number");
    let text = format!("{wrong:#}");
    assert!(
        text.contains("config option \"name\" is not a valid u16"),
        "{text}"
    );
    // The decoder's own message is kept as the source, not flattened into the message.
    assert!(wrong.chain().count() >= 2, "{text}");
}

mod changed_flags {
    use charms_reactive::prelude::*;

    #[when("endpoint.db.changed")]
    fn handled() -> Result<()> {
        if let Some(db) = Endpoint::from_name("db") {
            db.clear_changed();
        }
        set_flag("endpoint.db.changedness");
        set_flag("endpoint.dbx.changed");
        Ok(())
    }
}

/// `clear_changed` clears the endpoint's `changed` and `changed.<field>` flags and no
/// other flag, even one that starts with the same letters.
#[test]
fn clear_changed_clears_the_endpoints_change_flags_only() {
    let metadata = "name: t\nrequires:\n  db: {interface: pg}\n";
    let state = State::default().with_relation(
        Relation::new("db", 1, "pg").unit("pg/0", [("host", "h"), ("port", "5432")]),
    );
    let out = Harness::new()
        .only(["author_api::changed_flags::"])
        .metadata(metadata)
        .expect("metadata.yaml parses")
        .run_relation("db-relation-changed", "db:1", Some("pg/0"), &state)
        .unwrap_or_else(|f| panic!("hook failed: {:#}", f.error));
    let flags = out.state.flags();
    assert!(
        flags.contains(&"endpoint.db.joined".to_string()),
        "{flags:?}"
    );
    assert!(
        !flags
            .iter()
            .any(|f| f == "endpoint.db.changed" || f.starts_with("endpoint.db.changed.")),
        "{flags:?}"
    );
    assert!(
        flags.contains(&"endpoint.db.changedness".to_string()),
        "{flags:?}"
    );
    assert!(
        flags.contains(&"endpoint.dbx.changed".to_string()),
        "{flags:?}"
    );
}

#[test]
fn a_failed_harness_run_is_an_error_with_the_hooks_error_as_its_source() {
    let failure = charms_reactive::testing::Failure {
        error: anyhow::anyhow!("disk full"),
        state: charms_reactive::testing::State::default(),
        invoked: vec!["my_charm::install".into()],
        record: Default::default(),
    };
    let error = anyhow::Error::from(Box::new(failure));
    assert_eq!(
        format!("{error:#}"),
        "the hook failed (last handler run: my_charm::install): disk full"
    );
}
