//! layer:rabbitmq's flags, one test or more each named after the flag, with the harness's
//! in-memory Juju and a stand-in machine (`Fake`) that records every program run, every
//! service action and every file written, and answers `rabbitmqctl cluster_status` as
//! the test says. The real package, daemon and cluster are tested on the local model in
//! `framework/cli/tests/rabbitmq.rs`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use charms_reactive::secrets::{SecretContent, SecretId};
use charms_reactive::testing::{Harness, Relation, Secret, State};
use charms_reactive::Scope;
use layer_rabbitmq::workload::{with_workload, Output, Workload};

// Name the layer crates, or the linker leaves their handlers out of the test binary.
use interface_amqp as _;
use interface_rabbitmq_cluster as _;
use layer_base as _;
use layer_coordinator as _;
use layer_leadership as _;
use layer_rabbitmq as _;

/// The charm's metadata with the peer relation layer:coordinator adds when built (the
/// charm's `peers:` section is last).
fn meta() -> String {
    let charm = include_str!("../../../charms/rabbitmq-server/metadata.yaml");
    assert!(charm.trim_end().ends_with("interface: rabbitmq-cluster"));
    format!("{charm}  coordinator:\n    interface: coordinator\n")
}
const CONFIG: &str = include_str!("../../../charms/rabbitmq-server/config.yaml");
const COOKIE_ID: &str = "secret:ctq8b03pk7rubqg00300";
const USER_ID: &str = "secret:ctq8b03pk7rubqg00310";

/// What the fake machine saw.
#[derive(Debug, Default)]
struct Seen {
    /// Programs run: argv, and the stdin given.
    runs: Vec<(Vec<String>, Option<String>)>,
    /// `verb unit` service actions, in order.
    services: Vec<String>,
    /// Files written: path → (content, mode, owner).
    files: BTreeMap<PathBuf, (Vec<u8>, u32, Option<String>)>,
}

/// A stand-in machine.
struct Fake {
    hostname: String,
    /// What `cluster_status --formatter json` prints; `None`: the node does not answer.
    cluster: RefCell<Option<String>>,
    /// `systemctl is-active rabbitmq-server`.
    service_state: String,
    seen: RefCell<Seen>,
}

impl Fake {
    fn new(hostname: &str) -> Rc<Fake> {
        Rc::new(Fake {
            hostname: hostname.into(),
            cluster: RefCell::new(Some(standalone(hostname))),
            service_state: "active".into(),
            seen: RefCell::new(Seen::default()),
        })
    }

    /// A machine where the package installed the service without starting it (layer:apt's
    /// `no_start`).
    fn stopped(hostname: &str) -> Rc<Fake> {
        Rc::new(Fake {
            service_state: "inactive".into(),
            cluster: RefCell::new(None),
            ..Rc::into_inner(Fake::new(hostname)).expect("a new fake has one owner")
        })
    }

    /// The rabbitmqctl subcommands run, in order.
    fn ctl_verbs(&self) -> Vec<String> {
        self.seen
            .borrow()
            .runs
            .iter()
            .filter(|(argv, _)| argv[0] == "rabbitmqctl")
            .map(|(argv, _)| argv[1..].join(" "))
            .collect()
    }
}

fn standalone(host: &str) -> String {
    cluster_json(&[host], &[host])
}

fn cluster_json(nodes: &[&str], running: &[&str]) -> String {
    let n = |hs: &[&str]| -> Vec<String> { hs.iter().map(|h| format!("rabbit@{h}")).collect() };
    serde_json::json!({"disk_nodes": n(nodes), "running_nodes": n(running)}).to_string()
}

impl Workload for Fake {
    fn run(&self, argv: &[&str], stdin: Option<&str>) -> std::io::Result<Output> {
        self.seen.borrow_mut().runs.push((
            argv.iter().map(|s| s.to_string()).collect(),
            stdin.map(str::to_string),
        ));
        let ok = |stdout: &str| Output {
            code: Some(0),
            stdout: stdout.into(),
            stderr: String::new(),
        };
        Ok(match argv.get(1).copied() {
            Some("cluster_status") => match self.cluster.borrow().clone() {
                Some(json) => ok(&json),
                None => Output {
                    code: Some(69),
                    stdout: String::new(),
                    stderr: "Error: unable to perform an operation on node".into(),
                },
            },
            Some("list_users") | Some("list_vhosts") => ok("[]"),
            Some("list_queues") => {
                ok(r#"[{"name":"idle","messages":0},{"name":"busy","messages":5}]"#)
            }
            Some("join_cluster") => {
                // Joined: this node now runs in the leader's cluster.
                let leader = argv[2].trim_start_matches("rabbit@").to_string();
                *self.cluster.borrow_mut() = Some(cluster_json(
                    &[&leader, &self.hostname],
                    &[&leader, &self.hostname],
                ));
                ok("")
            }
            _ => ok(""),
        })
    }

    fn service(&self, verb: &str, unit: &str) -> anyhow::Result<()> {
        self.seen
            .borrow_mut()
            .services
            .push(format!("{verb} {unit}"));
        Ok(())
    }

    fn service_state(&self, _unit: &str) -> String {
        self.service_state.clone()
    }

    fn hostname(&self) -> std::io::Result<String> {
        Ok(self.hostname.clone())
    }

    fn read(&self, path: &Path) -> std::io::Result<Option<Vec<u8>>> {
        Ok(self
            .seen
            .borrow()
            .files
            .get(path)
            .map(|(content, _, _)| content.clone()))
    }

    fn write(
        &self,
        path: &Path,
        content: &[u8],
        mode: u32,
        owner: Option<&str>,
    ) -> std::io::Result<()> {
        self.seen.borrow_mut().files.insert(
            path.to_path_buf(),
            (content.to_vec(), mode, owner.map(str::to_string)),
        );
        Ok(())
    }

    fn random(&self, n: usize) -> std::io::Result<Vec<u8>> {
        // Deterministic but covering every byte value.
        Ok((0..n).map(|i| (i * 37 % 256) as u8).collect())
    }
}

/// The charm's actions, as charms/rabbitmq-server wires them.
mod charm {
    use charms_reactive::prelude::*;

    #[action("cluster-status")]
    fn cluster_status() -> Result<()> {
        layer_rabbitmq::actions::cluster_status()
    }

    #[action("check-queues")]
    fn check_queues() -> Result<()> {
        layer_rabbitmq::actions::check_queues()
    }

    #[action("forget-cluster-node")]
    fn forget_cluster_node() -> Result<()> {
        layer_rabbitmq::actions::forget_cluster_node()
    }
}

fn harness() -> Harness {
    Harness::new()
        .only([
            "flags::charm::",
            "layer_base::",
            "layer_leadership::",
            "layer_coordinator::",
            "layer_rabbitmq::",
            "interface_rabbitmq_cluster::",
            "interface_amqp::",
        ])
        .layers([
            "layer_base",
            "layer_leadership",
            "layer_coordinator",
            "interface_rabbitmq_cluster",
            "interface_amqp",
            "layer_rabbitmq",
            "flags",
        ])
        .metadata(&meta())
        .unwrap()
        .config_yaml(CONFIG)
        .unwrap()
}

fn run(fake: &Rc<Fake>, hook: &str, state: &State) -> charms_reactive::testing::Outcome {
    let workload: Rc<dyn Workload> = fake.clone();
    with_workload(workload, || harness().run(hook, state))
        .unwrap_or_else(|f| panic!("{hook} failed: {f:?}"))
}

fn has(state: &State, flag: &str) -> bool {
    state.flags().iter().any(|f| f == flag)
}

fn unit(n: u32) -> State {
    State {
        unit: format!("rabbitmq-server/{n}"),
        ..State::default()
    }
}

fn peers(units: &[(&str, Option<&str>)]) -> Relation {
    let mut rel = Relation::new("cluster", 1, "rabbitmq-server");
    for (u, host) in units {
        rel = match host {
            Some(h) => rel.unit(u, [("hostname", *h)]),
            None => rel.unit(u, []),
        };
    }
    rel
}

fn cookie_secret(cookie: &str) -> Secret {
    let id: SecretId = COOKIE_ID.parse().unwrap();
    Secret::owned(id, Scope::App, SecretContent::from([("cookie", cookie)]))
}

const COOKIE: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF";

#[test]
fn rabbitmq_installed_once_the_package_is_in_with_rabbitmq_conf_written_and_the_unit_enabled() {
    let fake = Fake::new("rabbitmq-server-1");
    let state = unit(1).with_flags(["apt.installed.rabbitmq-server"]);
    let out = run(&fake, "install", &state);
    assert!(has(&out.state, "rabbitmq.installed"));
    let seen = fake.seen.borrow();
    let (conf, mode, owner) = &seen.files[Path::new("/etc/rabbitmq/rabbitmq.conf")];
    let conf = String::from_utf8_lossy(conf);
    assert!(
        conf.contains("\ncluster_partition_handling = ignore\n"),
        "{conf}"
    );
    assert_eq!((*mode, owner.as_deref()), (0o644, None));
    assert_eq!(seen.services, ["enable rabbitmq-server"]);
    assert_eq!(out.state.unit_status.status, "waiting");
    assert_eq!(
        out.state.unit_status.message,
        "Waiting for the leader's Erlang cookie"
    );
}

#[test]
fn rabbitmq_installed_waits_for_the_package() {
    let fake = Fake::new("rabbitmq-server-1");
    let out = run(&fake, "install", &unit(1));
    assert!(!has(&out.state, "rabbitmq.installed"));
    assert!(fake.seen.borrow().files.is_empty());
}

#[test]
fn cookie_synced_on_the_leader_keeps_the_cookie_in_an_application_secret_and_only_its_id_in_the_leader_settings(
) {
    let fake = Fake::stopped("rabbitmq-server-0");
    let state = unit(0)
        .with_leader(true)
        .with_flags(["apt.installed.rabbitmq-server", "rabbitmq.installed"])
        .with_relation(peers(&[]));
    let out = run(&fake, "leader-elected", &state);
    assert!(has(&out.state, "cookie.synced"));
    let secret = out
        .state
        .secret_by_label("rabbitmq-erlang-cookie")
        .expect("the cookie's secret");
    assert_eq!(secret.owner, Some(Scope::App));
    let cookie = secret
        .latest_content()
        .and_then(|c| c.get("cookie"))
        .expect("content key cookie")
        .to_string();
    assert_eq!(cookie.len(), 32);
    assert!(cookie.chars().all(|c| c.is_ascii_uppercase()), "{cookie}");
    assert_eq!(
        out.state.leader_settings.get("cookie-secret-id"),
        Some(&secret.id.to_string())
    );
    assert_eq!(
        out.state
            .leader_settings
            .get("leader-hostname")
            .map(String::as_str),
        Some("rabbitmq-server-0")
    );
    // The package did not start the node: write (rabbitmq, 0400), one start.
    let seen = fake.seen.borrow();
    assert_eq!(seen.services, ["start rabbitmq-server"]);
    let (content, mode, owner) = &seen.files[Path::new("/var/lib/rabbitmq/.erlang.cookie")];
    assert_eq!(content, cookie.as_bytes());
    assert_eq!((*mode, owner.as_deref()), (0o400, Some("rabbitmq")));
    // The leader's node is the cluster's seed: clustered by definition.
    assert!(has(&out.state, "rabbitmq.clustered"));
    // Nowhere else: not in a leader setting, a log line, a tool's arguments, a status.
    assert!(out
        .state
        .leader_settings
        .values()
        .all(|v| !v.contains(&cookie)));
    assert!(out.record.logs.iter().all(|(_, l)| !l.contains(&cookie)));
    assert!(out
        .record
        .calls
        .iter()
        .all(|c| c.args.iter().all(|a| !a.contains(&cookie))));
    assert!(seen
        .runs
        .iter()
        .all(|(argv, stdin)| argv.iter().all(|a| !a.contains(&cookie)) && stdin.is_none()));
    assert!(!out.state.unit_status.message.contains(&cookie));
}

#[test]
fn cookie_synced_on_a_follower_from_the_secret_named_in_the_leader_settings_with_one_restart() {
    // Running with another cookie (a machine's own policy-rc.d let the package start
    // it): stopped before the cookie is written, then started.
    let fake = Fake::new("rabbitmq-server-1");
    let mut state = unit(1)
        .with_flags(["apt.installed.rabbitmq-server", "rabbitmq.installed"])
        .with_relation(peers(&[("rabbitmq-server/0", Some("rabbitmq-server-0"))]))
        .with_secret(cookie_secret(COOKIE));
    state
        .leader_settings
        .insert("cookie-secret-id".into(), COOKIE_ID.into());
    let out = run(&fake, "leader-settings-changed", &state);
    assert!(has(&out.state, "cookie.synced"));
    {
        let seen = fake.seen.borrow();
        assert_eq!(
            seen.services,
            ["stop rabbitmq-server", "start rabbitmq-server"]
        );
        let (content, mode, owner) = &seen.files[Path::new("/var/lib/rabbitmq/.erlang.cookie")];
        assert_eq!(content, COOKIE.as_bytes());
        assert_eq!((*mode, owner.as_deref()), (0o400, Some("rabbitmq")));
    }
    // The flag is kept: a later hook restarts nothing.
    let again = run(&fake, "update-status", &out.state);
    assert!(has(&again.state, "cookie.synced"));
    assert_eq!(fake.seen.borrow().services.len(), 2);
}

/// A follower whose machine already has the application's cookie gets the leader's
/// setting naming the cookie's secret.
fn sync_with_the_cookie_already_written(fake: &Rc<Fake>) -> charms_reactive::testing::Outcome {
    fake.write(
        Path::new("/var/lib/rabbitmq/.erlang.cookie"),
        COOKIE.as_bytes(),
        0o400,
        Some("rabbitmq"),
    )
    .unwrap();
    let mut state = unit(1)
        .with_flags(["rabbitmq.installed"])
        .with_secret(cookie_secret(COOKIE));
    state
        .leader_settings
        .insert("cookie-secret-id".into(), COOKIE_ID.into());
    run(fake, "leader-settings-changed", &state)
}

#[test]
fn cookie_synced_without_a_restart_when_the_node_already_has_the_cookie() {
    let fake = Fake::new("rabbitmq-server-1");
    let out = sync_with_the_cookie_already_written(&fake);
    assert!(has(&out.state, "cookie.synced"));
    assert!(fake.seen.borrow().services.is_empty());
}

#[test]
fn cluster_peers_sufficient_counts_this_unit_and_the_peers_that_published_a_hostname() {
    let fake = Fake::new("rabbitmq-server-1");
    let base = unit(1)
        .with_flags(["rabbitmq.installed"])
        .with_config("min-cluster-size", 3);
    // One peer without a hostname yet: 2 of 3.
    let state = base.clone().with_relation(peers(&[
        ("rabbitmq-server/0", Some("rabbitmq-server-0")),
        ("rabbitmq-server/2", None),
    ]));
    let out = harness_relation(&fake, &state, "rabbitmq-server/2");
    assert!(!has(&out.state, "cluster.peers.sufficient"));
    // Both published: 3 of 3.
    let state = base.with_relation(peers(&[
        ("rabbitmq-server/0", Some("rabbitmq-server-0")),
        ("rabbitmq-server/2", Some("rabbitmq-server-2")),
    ]));
    let out = harness_relation(&fake, &state, "rabbitmq-server/2");
    assert!(has(&out.state, "cluster.peers.sufficient"));
}

#[test]
fn cluster_peers_sufficient_at_once_when_min_cluster_size_is_unset() {
    let fake = Fake::new("rabbitmq-server-0");
    let out = run(&fake, "config-changed", &unit(0).with_relation(peers(&[])));
    assert!(has(&out.state, "cluster.peers.sufficient"));
}

fn harness_relation(
    fake: &Rc<Fake>,
    state: &State,
    remote: &str,
) -> charms_reactive::testing::Outcome {
    let workload: Rc<dyn Workload> = fake.clone();
    with_workload(workload, || {
        harness().run_relation("cluster-relation-changed", "cluster:1", Some(remote), state)
    })
    .unwrap_or_else(|f| panic!("cluster-relation-changed failed: {f:?}"))
}

/// A follower with the cookie and enough peers, the leader's hostname known.
fn ready_follower() -> State {
    let mut state = unit(1)
        .with_flags([
            "rabbitmq.installed",
            "cookie.synced",
            "cluster.peers.sufficient",
            "rabbitmq.hostname.published",
        ])
        .with_relation(peers(&[("rabbitmq-server/0", Some("rabbitmq-server-0"))]))
        .with_relation(
            Relation::new("coordinator", 2, "rabbitmq-server").unit("rabbitmq-server/0", []),
        );
    state
        .leader_settings
        .insert("leader-hostname".into(), "rabbitmq-server-0".into());
    state
}

#[test]
fn rabbitmq_clustered_a_follower_joins_the_leaders_node_only_while_it_holds_the_cluster_lock() {
    let fake = Fake::new("rabbitmq-server-1");
    let out = run(&fake, "leader-settings-changed", &ready_follower());
    // Asked for the lock, touched nothing.
    assert!(has(&out.state, "coordinator.requested.cluster"));
    assert!(!has(&out.state, "rabbitmq.clustered"));
    assert_eq!(fake.ctl_verbs(), ["cluster_status --formatter json"]);
    let requested = out
        .state
        .relation("coordinator:2")
        .and_then(|r| r.local_unit_data.get("coordinator").cloned())
        .expect("the request is published");
    let ts: serde_json::Value = serde_json::from_str(&requested).unwrap();
    let ts = ts["cluster"].as_str().unwrap().to_string();

    // The leader grants it: the next hook joins.
    let mut granted = out.state.clone();
    granted.leader_settings.insert(
        "coordinator".into(),
        serde_json::json!({"rabbitmq-server/1": {"cluster": ts}}).to_string(),
    );
    let out = run(&fake, "leader-settings-changed", &granted);
    assert!(has(&out.state, "rabbitmq.clustered"));
    let verbs = fake.ctl_verbs();
    let join = verbs
        .iter()
        .position(|v| v == "join_cluster rabbit@rabbitmq-server-0")
        .expect("join_cluster");
    assert_eq!(verbs[join - 1], "stop_app");
    assert_eq!(verbs[join + 1], "start_app");
    // Clustered, published on the peer relation; the lock is given back.
    assert_eq!(
        out.state
            .relation("cluster:1")
            .and_then(|r| r.local_unit_data.get("clustered").cloned())
            .as_deref(),
        Some("rabbitmq-server/1")
    );
    assert!(!has(&out.state, "coordinator.granted.cluster"));
    assert_eq!(out.state.unit_status.status, "active");
    assert_eq!(out.state.unit_status.message, "Unit is ready and clustered");
}

#[test]
fn rabbitmq_clustered_at_once_for_a_node_already_running_in_the_leaders_cluster() {
    let fake = Fake::new("rabbitmq-server-1");
    *fake.cluster.borrow_mut() = Some(cluster_json(
        &["rabbitmq-server-0", "rabbitmq-server-1"],
        &["rabbitmq-server-0", "rabbitmq-server-1"],
    ));
    let out = run(&fake, "leader-settings-changed", &ready_follower());
    assert!(has(&out.state, "rabbitmq.clustered"));
    assert!(!has(&out.state, "coordinator.requested.cluster"));
    assert!(!fake
        .ctl_verbs()
        .iter()
        .any(|v| v.starts_with("join_cluster")));
}

#[test]
fn rabbitmq_clustered_waits_for_sufficient_peers() {
    let fake = Fake::new("rabbitmq-server-1");
    // min-cluster-size 3: this unit and one peer are 2.
    let mut state = ready_follower().with_config("min-cluster-size", 3);
    state
        .unit_state
        .remove("reactive.states.cluster.peers.sufficient");
    let out = run(&fake, "leader-settings-changed", &state);
    assert!(!has(&out.state, "coordinator.requested.cluster"));
    assert!(!has(&out.state, "rabbitmq.clustered"));
    assert_eq!(out.state.unit_status.status, "waiting");
}

#[test]
fn rabbitmq_config_invalid_blocks_naming_the_modes_and_writes_nothing() {
    let fake = Fake::new("rabbitmq-server-1");
    let state = unit(1)
        .with_flags(["apt.installed.rabbitmq-server"])
        .with_config("cluster-partition-handling", "sometimes");
    let out = run(&fake, "config-changed", &state);
    assert!(has(&out.state, "rabbitmq.config.invalid"));
    assert_eq!(out.state.unit_status.status, "blocked");
    assert_eq!(
        out.state.unit_status.message,
        "Invalid cluster-partition-handling \"sometimes\": must be one of ignore, pause_minority, autoheal"
    );
    assert!(!fake
        .seen
        .borrow()
        .files
        .contains_key(Path::new("/etc/rabbitmq/rabbitmq.conf")));
}

#[test]
fn a_partition_handling_change_after_the_cookie_asks_for_a_coordinated_restart() {
    let fake = Fake::new("rabbitmq-server-1");
    // Before the cookie: the conf is written, nothing restarted (the node's start with
    // the cookie applies it).
    let mut first = ready_follower().with_config("cluster-partition-handling", "ignore");
    first.unit_state.remove("reactive.states.cookie.synced");
    let out = run(&fake, "config-changed", &first);
    assert!(!has(&out.state, "coordinator.requested.restart"));
    let conf = fake.seen.borrow().files[Path::new("/etc/rabbitmq/rabbitmq.conf")]
        .0
        .clone();
    // The node started with the cookie and this conf.
    let mut state = out.state.with_flags(["cookie.synced"]);
    state.unit_state.insert(
        "rabbitmq.conf.running".into(),
        serde_json::json!(String::from_utf8_lossy(&conf)).to_string(),
    );
    // The same config again: nothing to restart.
    let same = run(&fake, "config-changed", &state);
    assert!(!has(&same.state, "coordinator.requested.restart"));
    // "autoheal": the file changes, a restart is asked for, not done before the lock.
    let mut changed = same.state.clone();
    changed.config.insert(
        "cluster-partition-handling".into(),
        serde_json::json!("autoheal"),
    );
    let before = fake.seen.borrow().services.len();
    let out = run(&fake, "config-changed", &changed);
    let conf = fake.seen.borrow().files[Path::new("/etc/rabbitmq/rabbitmq.conf")]
        .0
        .clone();
    assert!(String::from_utf8_lossy(&conf).contains("cluster_partition_handling = autoheal"));
    assert!(has(&out.state, "coordinator.requested.restart"));
    assert_eq!(fake.seen.borrow().services.len(), before);
}

#[test]
fn amqp_the_leader_answers_with_a_password_kept_in_a_secret_and_given_to_rabbitmqctl_on_stdin() {
    let fake = Fake::new("rabbitmq-server-0");
    let amqp = Relation::new("amqp", 3, "client")
        .unit("client/0", [("username", "app"), ("vhost", "apphost")]);
    let state = unit(0)
        .with_leader(true)
        .with_flags([
            "rabbitmq.installed",
            "cookie.synced",
            "cluster.peers.sufficient",
            "rabbitmq.clustered",
            "rabbitmq.leader-hostname.mine",
            "rabbitmq.hostname.published",
            "leadership.set.cookie-secret-id",
        ])
        .with_relation(amqp);
    let workload: Rc<dyn Workload> = fake.clone();
    let out = with_workload(workload, || {
        harness().run_relation("amqp-relation-changed", "amqp:3", Some("client/0"), &state)
    })
    .unwrap_or_else(|f| panic!("{f:?}"));
    let secret = out.state.secret_by_label("amqp-user-app").expect("secret");
    let password = secret
        .latest_content()
        .and_then(|c| c.get("password"))
        .unwrap()
        .to_string();
    assert_eq!(password.len(), 48);
    assert_eq!(
        out.state.leader_settings.get("amqp-user.app"),
        Some(&secret.id.to_string())
    );
    let data = &out.state.relation("amqp:3").unwrap().local_unit_data;
    assert_eq!(
        data.get("hostname").map(String::as_str),
        Some("rabbitmq-server-0")
    );
    assert_eq!(data.get("password"), Some(&password));
    let seen = fake.seen.borrow();
    let add = seen
        .runs
        .iter()
        .find(|(argv, _)| argv.get(1).map(String::as_str) == Some("add_user"))
        .expect("add_user");
    assert_eq!(add.0, ["rabbitmqctl", "add_user", "app"]);
    assert_eq!(add.1.as_deref(), Some(password.as_str()));
    assert!(seen.runs.iter().any(
        |(argv, _)| argv[1..] == ["set_permissions", "-p", "apphost", "app", ".*", ".*", ".*"]
    ));
    assert!(seen
        .runs
        .iter()
        .all(|(argv, _)| argv.iter().all(|a| !a.contains(&password))));
    assert!(out.record.logs.iter().all(|(_, l)| !l.contains(&password)));
}

#[test]
fn amqp_a_follower_answers_with_the_leaders_password_and_its_own_hostname() {
    let fake = Fake::new("rabbitmq-server-1");
    let amqp = Relation::new("amqp", 3, "client")
        .unit("client/0", [("username", "app"), ("vhost", "apphost")]);
    let id: SecretId = USER_ID.parse().unwrap();
    let mut state = ready_follower()
        .with_flags(["rabbitmq.clustered", "amqp.requested"])
        .with_relation(amqp)
        .with_secret(Secret::owned(
            id,
            Scope::App,
            SecretContent::from([("password", "the-leaders-password")]),
        ));
    state
        .leader_settings
        .insert("amqp-user.app".into(), USER_ID.into());
    let out = run(&fake, "leader-settings-changed", &state);
    let data = &out.state.relation("amqp:3").unwrap().local_unit_data;
    assert_eq!(
        data.get("hostname").map(String::as_str),
        Some("rabbitmq-server-1")
    );
    assert_eq!(
        data.get("password").map(String::as_str),
        Some("the-leaders-password")
    );
    // Followers create nothing in RabbitMQ.
    assert!(!fake.ctl_verbs().iter().any(|v| v.starts_with("add_user")));
}

#[test]
fn cookie_synced_by_a_retry_starts_a_node_whose_cookie_was_written_before_its_hook_failed() {
    let fake = Fake::stopped("rabbitmq-server-1");
    let out = sync_with_the_cookie_already_written(&fake);
    assert!(has(&out.state, "cookie.synced"));
    assert_eq!(fake.seen.borrow().services, ["start rabbitmq-server"]);
}

#[test]
fn rabbitmq_installed_without_the_package_starting_the_node_layer_apt_no_start() {
    let layer: serde_yaml::Value =
        serde_yaml::from_str(include_str!("../layer.yaml")).expect("layer.yaml parses");
    let no_start = &layer["options"]["apt"]["no_start"];
    assert_eq!(
        no_start
            .as_sequence()
            .map(|s| s.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>()),
        Some(vec!["rabbitmq-server"])
    );
    // Installed, no cookie yet, the node not running: update-status waits for the
    // cookie rather than asking the operator to start the service.
    let fake = Fake::stopped("rabbitmq-server-1");
    let state = unit(1).with_flags(["apt.installed.rabbitmq-server", "rabbitmq.installed"]);
    let out = run(&fake, "update-status", &state);
    assert_eq!(out.state.unit_status.status, "waiting");
    assert_eq!(
        out.state.unit_status.message,
        "Waiting for the leader's Erlang cookie"
    );
    assert!(fake.seen.borrow().services.is_empty());
}

/// A clustered follower's update-status with the node in `cluster` (None: no answer)
/// and systemd saying `service_state`.
fn update_status(cluster: Option<String>, service_state: &str) -> State {
    let fake = Rc::new(Fake {
        hostname: "rabbitmq-server-1".into(),
        cluster: RefCell::new(cluster),
        service_state: service_state.into(),
        seen: RefCell::new(Seen::default()),
    });
    let state = ready_follower().with_flags(["rabbitmq.clustered"]);
    run(&fake, "update-status", &state).state
}

#[test]
fn update_status_active_when_the_node_runs_in_the_leaders_cluster() {
    let both = ["rabbitmq-server-0", "rabbitmq-server-1"];
    let state = update_status(Some(cluster_json(&both, &both)), "active");
    assert_eq!(state.unit_status.status, "active");
    assert_eq!(state.unit_status.message, "Unit is ready and clustered");
}

#[test]
fn update_status_waiting_while_the_service_manager_restarts_the_node() {
    let state = update_status(None, "activating");
    assert_eq!(state.unit_status.status, "waiting");
    assert_eq!(
        state.unit_status.message,
        "RabbitMQ is not running: the service manager is restarting it"
    );
}

#[test]
fn update_status_waiting_while_the_service_manager_stops_what_is_left_of_a_crashed_node() {
    let state = update_status(None, "deactivating");
    assert_eq!(state.unit_status.status, "waiting");
    assert_eq!(
        state.unit_status.message,
        "RabbitMQ is not running: the service manager is stopping it (and restarts it if it failed)"
    );
}

#[test]
fn update_status_blocked_with_the_command_to_run_when_the_service_failed() {
    let state = update_status(None, "failed");
    assert_eq!(state.unit_status.status, "blocked");
    assert!(
        state
            .unit_status
            .message
            .contains("run `systemctl start rabbitmq-server`"),
        "{}",
        state.unit_status.message
    );
}

#[test]
fn update_status_clears_rabbitmq_clustered_when_the_node_lost_the_leaders_cluster() {
    let state = update_status(Some(standalone("rabbitmq-server-1")), "active");
    assert!(!has(&state, "rabbitmq.clustered"));
    assert_eq!(state.unit_status.status, "waiting");
}

/// A clustered unit of a 3-node cluster with peers /0 and /2 (their hostnames known),
/// `leader` or not; the cluster as its node sees it: `running` of the three.
fn clustered(n: u32, leader: bool, running: &[&str]) -> (Rc<Fake>, State) {
    let fake = Fake::new(&format!("rabbitmq-server-{n}"));
    let all = [
        "rabbitmq-server-0",
        "rabbitmq-server-1",
        "rabbitmq-server-2",
    ];
    *fake.cluster.borrow_mut() = Some(cluster_json(&all, running));
    let others: Vec<(String, String)> = (0..3)
        .filter(|i| *i != n)
        .map(|i| {
            (
                format!("rabbitmq-server/{i}"),
                format!("rabbitmq-server-{i}"),
            )
        })
        .collect();
    let mut rel = Relation::new("cluster", 1, "rabbitmq-server");
    for (u, h) in &others {
        rel = rel.unit(u, [("hostname", h.as_str())]);
    }
    let mut state = unit(n)
        .with_leader(leader)
        .with_flags([
            "rabbitmq.installed",
            "cookie.synced",
            "cluster.peers.sufficient",
            "rabbitmq.clustered",
            "rabbitmq.hostname.published",
        ])
        .with_relation(rel);
    state
        .leader_settings
        .insert("leader-hostname".into(), "rabbitmq-server-0".into());
    (fake, state)
}

fn departed(fake: &Rc<Fake>, state: &State, remote: &str) -> charms_reactive::testing::Outcome {
    let workload: Rc<dyn Workload> = fake.clone();
    with_workload(workload, || {
        harness().run_relation(
            "cluster-relation-departed",
            "cluster:1",
            Some(remote),
            state,
        )
    })
    .unwrap_or_else(|f| panic!("cluster-relation-departed failed: {f:?}"))
}

#[test]
fn rabbitmq_left_the_leader_forgets_a_departed_unit_whose_node_is_down() {
    let every = [
        "rabbitmq-server-0",
        "rabbitmq-server-1",
        "rabbitmq-server-2",
    ];
    let (fake, state) = clustered(0, true, &every);
    // Learn the peers' hostnames first (a peer's data changed).
    let state = harness_relation(&fake, &state, "rabbitmq-server/2").state;
    *fake.cluster.borrow_mut() = Some(cluster_json(
        &every,
        &["rabbitmq-server-0", "rabbitmq-server-1"],
    ));
    departed(&fake, &state, "rabbitmq-server/2");
    assert!(fake
        .ctl_verbs()
        .contains(&"forget_cluster_node rabbit@rabbitmq-server-2".to_string()));
    // Its own node and the other peer's are never forgotten.
    assert_eq!(
        fake.ctl_verbs()
            .iter()
            .filter(|v| v.starts_with("forget_cluster_node"))
            .count(),
        1
    );
}

#[test]
fn rabbitmq_left_the_leader_leaves_a_departed_node_still_running_to_leave_by_itself() {
    let every = [
        "rabbitmq-server-0",
        "rabbitmq-server-1",
        "rabbitmq-server-2",
    ];
    let (fake, state) = clustered(0, true, &every);
    let state = harness_relation(&fake, &state, "rabbitmq-server/2").state;
    departed(&fake, &state, "rabbitmq-server/2");
    assert!(!fake
        .ctl_verbs()
        .iter()
        .any(|v| v.starts_with("forget_cluster_node")));
}

#[test]
fn rabbitmq_left_a_unit_being_removed_resets_its_node_in_its_stop_hook_once() {
    let every = [
        "rabbitmq-server-0",
        "rabbitmq-server-1",
        "rabbitmq-server-2",
    ];
    let (fake, state) = clustered(1, false, &every);
    let out = run(&fake, "stop", &state);
    assert!(has(&out.state, "rabbitmq.left"));
    assert!(!has(&out.state, "rabbitmq.clustered"));
    let verbs = fake.ctl_verbs();
    let reset = verbs.iter().position(|v| v == "reset").expect("reset");
    assert_eq!(verbs[reset - 1], "stop_app");
    assert_eq!(verbs[reset + 1], "start_app");
    assert_eq!(fake.seen.borrow().services, ["stop rabbitmq-server"]);
    // Once: a later hook of the dying unit resets nothing again.
    let n = fake.ctl_verbs().len();
    run(&fake, "stop", &out.state);
    assert!(!fake.ctl_verbs()[n..].iter().any(|v| v == "reset"));
}

fn action(
    fake: &Rc<Fake>,
    name: &str,
    params: serde_json::Value,
) -> charms_reactive::testing::Outcome {
    let workload: Rc<dyn Workload> = fake.clone();
    let state = ready_follower().with_flags(["rabbitmq.clustered"]);
    with_workload(workload, || harness().run_action(name, params, &state))
        .unwrap_or_else(|f| panic!("{name} failed: {f:?}"))
}

#[test]
fn action_cluster_status_gives_the_json_and_the_running_nodes() {
    let fake = Fake::new("rabbitmq-server-1");
    let out = action(&fake, "cluster-status", serde_json::json!({}));
    let results = &out.record.action_results;
    assert_eq!(
        results.get("running-nodes").map(String::as_str),
        Some("rabbit@rabbitmq-server-1")
    );
    assert!(results["output"].contains("running_nodes"));
}

#[test]
fn action_check_queues_lists_the_queues_over_the_depth() {
    let fake = Fake::new("rabbitmq-server-1");
    let out = action(
        &fake,
        "check-queues",
        serde_json::json!({"queue-depth": 1, "vhost": "/"}),
    );
    assert_eq!(
        out.record.action_results.get("queues").map(String::as_str),
        Some(r#"{"busy":5}"#)
    );
    assert!(fake
        .ctl_verbs()
        .contains(&"list_queues -p / name messages --formatter json".to_string()));
}

#[test]
fn action_forget_cluster_node_refuses_what_is_not_a_node_name_and_runs_nothing() {
    let fake = Fake::new("rabbitmq-server-1");
    let out = action(
        &fake,
        "forget-cluster-node",
        serde_json::json!({"node": "--force"}),
    );
    assert_eq!(
        out.record.action_failure.as_deref(),
        Some("node \"--force\" is not a node name (rabbit@<hostname>)")
    );
    assert!(fake.ctl_verbs().is_empty());
    let out = action(
        &fake,
        "forget-cluster-node",
        serde_json::json!({"node": "rabbit@rabbitmq-server-9"}),
    );
    assert_eq!(out.record.action_failure, None);
    assert_eq!(
        fake.ctl_verbs(),
        ["forget_cluster_node rabbit@rabbitmq-server-9"]
    );
}
