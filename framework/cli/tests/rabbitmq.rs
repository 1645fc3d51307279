//! The rabbitmq-server charm (charms/rabbitmq-server, layer:rabbitmq) on the local model
//! with machines: Debian's real rabbitmq-server package installed through the apt shim,
//! real Erlang nodes under the machines' service manager, real `rabbitmqctl`. One model
//! lives through the whole scenario (a cluster forms, grows, shrinks, loses a node's VM,
//! restarts for a config change, loses its leader, serves the amqp-client charm, whose
//! `send` action round-trips a message) to keep the time down; a second test
//! deploys with three seeds and compares the clusters they form. Needs root (skipped
//! otherwise); run under `flock /tmp/reactive-machines.lock`. The model's commands run
//! hooks until it settles: nothing here sleeps; where a daemon must come back, the test
//! waits on the daemon itself (`rabbitmqctl await_startup`), with a generous deadline.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;
use test_support::cli::{stdout, CliModel};
use test_support::target_dir;
use test_support::{repo_root, tmp};

const REACTIVE: &str = env!("CARGO_BIN_EXE_reactive");
const APP: &str = "rabbitmq-server";
const CLIENT: &str = "amqp-client";
const READY: &str = "Unit is ready and clustered";

fn progress(line: &str) {
    eprintln!("rabbitmq e2e: {line}");
}

/// Builds `charms/<name>` once for every test of this file.
fn charm(name: &'static str) -> PathBuf {
    static BUILT: OnceLock<std::sync::Mutex<BTreeMap<&'static str, PathBuf>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap_or_else(|e| e.into_inner());
    built
        .entry(name)
        .or_insert_with(|| {
            progress(&format!("building charms/{name}"));
            let out = tmp!(&format!("rabbitmq-charm-{name}"));
            test_support::run_ok(
                Command::new(REACTIVE)
                    .arg("build")
                    .arg(repo_root().join("charms").join(name))
                    .arg("-o")
                    .arg(&out)
                    .env("REACTIVE_TARGET_DIR", target_dir!().join("reactive-build")),
            );
            out.join(name)
        })
        .clone()
}

/// A machines model, destroyed when dropped (a failed test leaves no machine running).
struct Machines {
    m: CliModel,
}

impl Drop for Machines {
    fn drop(&mut self) {
        let _ = self.m.run(&["destroy"]);
    }
}

impl Machines {
    /// A new machines model with `seed`, or `None` (test skipped) without root.
    fn new(name: &str, seed: u64) -> Option<Machines> {
        if !test_support::is_root() {
            eprintln!("skipped: machines need root");
            return None;
        }
        let m = CliModel::new(REACTIVE, tmp!(name).join("model"));
        m.ok(&[
            "init",
            "--provider",
            "machines",
            "--seed",
            &seed.to_string(),
        ]);
        Some(Machines { m })
    }

    fn ok(&self, args: &[&str]) {
        progress(&format!("reactive model {}", args.join(" ")));
        self.m.ok(args);
    }

    fn state(&self) -> Value {
        self.m.files().state()
    }

    /// `reactive model ssh <unit> -- <cmd…>`, which must succeed; its stdout.
    fn ssh(&self, unit: &str, cmd: &[&str]) -> String {
        let mut args = vec!["ssh", unit, "--"];
        args.extend_from_slice(cmd);
        let out = self.m.run(&args);
        assert!(
            out.status.success(),
            "{cmd:?} on {unit} failed: {}",
            test_support::cli::stderr(&out)
        );
        stdout(&out)
    }

    /// Writes `content` to `path` in `unit`'s machine with `mode` (the content is an
    /// argument of `sh`, not part of its script).
    fn write_in(&self, unit: &str, path: &str, content: &str, mode: &str) {
        self.ssh(
            unit,
            &[
                "sh",
                "-c",
                "printf '%s' \"$1\" > \"$2\" && chmod \"$3\" \"$2\"",
                "sh",
                content,
                path,
                mode,
            ],
        );
    }

    /// Polls `systemctl is-active rabbitmq-server` on `unit` until `active` (the service
    /// manager restarted it and the node told it it booted), for up to ten minutes.
    fn wait_active(&self, unit: &str) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
        loop {
            let out = self.m.run(&[
                "ssh",
                unit,
                "--",
                "systemctl",
                "is-active",
                "rabbitmq-server",
            ]);
            if stdout(&out).trim() == "active" {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "rabbitmq-server on {unit} not active after 10 minutes: {}",
                stdout(&out)
            );
            // Between two polls of the daemon's state.
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
    }

    /// The application's units, sorted.
    fn units(&self) -> Vec<String> {
        let state = self.state();
        let mut out: Vec<String> = state["units"]
            .as_object()
            .map(|u| {
                u.keys()
                    .filter(|k| k.starts_with(&format!("{APP}/")))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }

    fn leader(&self) -> String {
        self.state()["applications"][APP]["leader"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// (workload status, message, agent state) of `unit`.
    fn status(&self, unit: &str) -> (String, String, String) {
        let state = self.state();
        let u = &state["units"][unit];
        let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
        (
            s(&u["status"]["status"]),
            s(&u["status"]["message"]),
            s(&u["agent"]["state"]),
        )
    }

    /// `rabbitmqctl cluster_status` on `unit`: (every node, running nodes).
    fn cluster(&self, unit: &str) -> (BTreeSet<String>, BTreeSet<String>) {
        let json = self.ssh(
            unit,
            &["rabbitmqctl", "cluster_status", "--formatter", "json"],
        );
        let v: Value = serde_json::from_str(json.trim())
            .unwrap_or_else(|e| panic!("cluster_status on {unit}: {e}: {json}"));
        let set = |key: &str| -> BTreeSet<String> {
            v[key]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|n| n.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut nodes = set("disk_nodes");
        nodes.extend(set("ram_nodes"));
        (nodes, set("running_nodes"))
    }

    /// Every unit active and clustered, every node listing exactly the units' nodes as
    /// its cluster, all running.
    fn assert_cluster_of_every_unit(&self) {
        let units = self.units();
        let want: BTreeSet<String> = units.iter().map(|u| node(u)).collect();
        for unit in &units {
            let (status, message, agent) = self.status(unit);
            assert_eq!(
                (status.as_str(), message.as_str(), agent.as_str()),
                ("active", READY, "idle"),
                "{unit}"
            );
            let (nodes, running) = self.cluster(unit);
            assert_eq!(nodes, want, "cluster_status on {unit}: nodes");
            assert_eq!(running, want, "cluster_status on {unit}: running nodes");
        }
        progress(&format!(
            "{} units active, each lists {} running nodes",
            units.len(),
            want.len()
        ));
    }
}

/// Where the test puts its drop-in for rabbitmq-server.service.
const GATE_DIR: &str = "/etc/systemd/system/rabbitmq-server.service.d";

/// `rabbitmq-server/3` → its machine's node `rabbit@rabbitmq-server-3`.
fn node(unit: &str) -> String {
    format!("rabbit@{}", unit.replace('/', "-"))
}

/// What a seed must not change: per unit (followers first, then the leader: which unit
/// leads depends on the seed), its status and the cluster it sees; the leader settings'
/// keys, the seed node being the leader's; the application's secrets.
fn final_state(m: &Machines) -> Value {
    let state = m.state();
    let units = m.units();
    let leader = m.leader();
    let every: BTreeSet<String> = units.iter().map(|u| node(u)).collect();
    let mut per_unit = Vec::new();
    for unit in &units {
        let (status, message, agent) = m.status(unit);
        let (nodes, running) = m.cluster(unit);
        per_unit.push(serde_json::json!({
            "status": [status, message, agent],
            "cluster": nodes == every,
            "running": running == every,
            "leader": *unit == leader,
        }));
    }
    per_unit.sort_by_key(|u| u["leader"].as_bool());
    let data = &state["applications"][APP]["leader_settings"]["data"];
    let keys: BTreeSet<String> = data
        .as_object()
        .map(|d| d.keys().cloned().collect())
        .unwrap_or_default();
    let secrets = stdout(&m.m.ok(&["secrets"])).lines().count();
    serde_json::json!({
        "per-unit": per_unit,
        "leader-settings": keys,
        "seed-node-is-the-leader": data["leader-hostname"].as_str() == Some(leader.replace('/', "-").as_str()),
        "secrets-lines": secrets,
    })
}

/// The restarts the hook log and the units' log lines show: (unit, hook seq, begin ns,
/// end ns), from `rabbitmq: restart of rabbitmq-server begins|ends at <ns> in <ctx>`.
fn restarts(m: &Machines) -> Vec<(String, u64, u128, u128)> {
    let debug = m.m.files().debug_log();
    let mut begins: BTreeMap<String, (String, u128)> = BTreeMap::new();
    let mut out = Vec::new();
    for line in debug.lines() {
        let Some(rest) = line.split("rabbitmq: restart of rabbitmq-server ").nth(1) else {
            continue;
        };
        let f: Vec<&str> = rest.split(' ').collect();
        // begins|ends at <ns> in <unit>-<hook>-<seq>
        let (kind, ns, ctx) = (f[0], f[2].parse::<u128>().expect("ns"), f[4].to_string());
        let unit = line.split(' ').next().unwrap_or_default().to_string();
        match kind {
            "begins" => {
                begins.insert(ctx, (unit, ns));
            }
            "ends" => {
                let (unit, begin) = begins
                    .remove(&ctx)
                    .unwrap_or_else(|| panic!("no begin for {ctx}"));
                let seq = ctx
                    .rsplit('-')
                    .next()
                    .and_then(|s| s.parse().ok())
                    .expect("seq");
                out.push((unit, seq, begin, ns));
            }
            _ => panic!("bad line {line}"),
        }
    }
    out
}

/// Every file of the model but its secret store and the machines' own filesystems, as
/// (path, bytes); the `password` values the `amqp` relation carries by protocol are
/// blanked in model.json (they are relation data, as in Juju's database).
fn searchable_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read model dir") {
            let entry = entry.expect("entry");
            let path = entry.path();
            let rel = path.strip_prefix(dir).unwrap_or(&path);
            if rel == Path::new("secrets.json") || rel.starts_with("machines") {
                continue;
            }
            let kind = entry.file_type().expect("file type");
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                let mut bytes = std::fs::read(&path).unwrap_or_default();
                if rel == Path::new("model.json") {
                    bytes = blank_amqp_passwords(&bytes);
                }
                out.push((path, bytes));
            }
        }
    }
    out
}

fn blank_amqp_passwords(model_json: &[u8]) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(model_json).expect("model.json");
    if let Some(rels) = v["relations"].as_object_mut() {
        for rel in rels.values_mut() {
            if rel["interface"] != "rabbitmq" {
                continue;
            }
            if let Some(units) = rel["unit_data"].as_object_mut() {
                for data in units.values_mut() {
                    if let Some(p) = data["data"].get_mut("password") {
                        *p = Value::from("<the relation's password>");
                    }
                }
            }
        }
    }
    serde_json::to_vec(&v).expect("json")
}

/// The secret values the model keeps (the cookie, the AMQP passwords).
fn secret_values(dir: &Path) -> Vec<String> {
    let raw = std::fs::read(dir.join("secrets.json")).expect("secrets.json");
    let v: Value = serde_json::from_slice(&raw).expect("secrets.json is JSON");
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => m.values().for_each(|v| walk(v, out)),
            Value::String(s) if s.len() >= 16 => out.push(s.clone()),
            _ => {}
        }
    }
    walk(&v, &mut out);
    out
}

#[test]
fn a_cluster_forms_grows_shrinks_loses_a_node_vm_restarts_one_unit_at_a_time_and_loses_its_leader()
{
    let Some(m) = Machines::new("rabbitmq-scenario", 3) else {
        return;
    };
    let server = charm(APP);
    let client = charm(CLIENT);

    // 3 units reach active; every node lists 3 running nodes.
    m.ok(&["deploy", &server.display().to_string(), "-n", "3"]);
    m.assert_cluster_of_every_unit();
    assert_eq!(m.units().len(), 3);

    // A client asks for a user: every server unit answers the same password with its
    // own hostname.
    m.ok(&["deploy", &client.display().to_string()]);
    m.ok(&["relate", CLIENT, APP]);
    let state = m.state();
    let amqp = state["relations"]
        .as_object()
        .and_then(|r| r.values().find(|r| r["interface"] == "rabbitmq"))
        .expect("the amqp relation");
    for unit in m.units() {
        let data = &amqp["unit_data"][&unit]["data"];
        assert_eq!(
            data["hostname"].as_str(),
            Some(unit.replace('/', "-").as_str()),
            "{unit}"
        );
        assert!(
            data["password"].as_str().is_some_and(|p| p.len() == 48),
            "{unit} sent no password"
        );
    }
    let distinct: BTreeSet<&str> = m
        .units()
        .iter()
        .filter_map(|u| amqp["unit_data"][u]["data"]["password"].as_str())
        .collect();
    assert_eq!(
        distinct.len(),
        1,
        "the server units answered different passwords"
    );

    // The client connects to the whole cluster and its `send` action round-trips a
    // message through one of the nodes (amqp-client's own acceptance, on this model
    // rather than a second one).
    let status: Value =
        serde_json::from_str(&m.m.ok_stdout(&["status", "--format", "json"])).expect("status json");
    let client_status = &status["applications"][CLIENT]["units"][format!("{CLIENT}/0")];
    assert_eq!(
        client_status["workload-status"]["current"], "active",
        "{client_status}"
    );
    assert_eq!(
        client_status["workload-status"]["message"], "Connected to 3-node cluster",
        "{client_status}"
    );
    let text = format!("hello from the test in {}", std::process::id());
    let send = stdout(&m.m.ok(&[
        "run",
        &format!("{CLIENT}/0"),
        "send",
        &format!("text={text}"),
    ]));
    let sent: serde_yaml::Value = serde_yaml::from_str(&send).expect("action yaml");
    assert_eq!(sent["status"], "completed", "{send}");
    assert!(send.contains(&text), "{send}");
    assert!(send.contains("rabbitmq-server-"), "{send}");

    // add-unit: the 4th node joins.
    m.ok(&["add-unit", APP]);
    assert_eq!(m.units().len(), 4);
    m.assert_cluster_of_every_unit();

    // remove-unit (not the leader): the cluster forgets its node.
    let leader = m.leader();
    let gone = m
        .units()
        .into_iter()
        .rfind(|u| *u != leader)
        .expect("a follower");
    m.ok(&["remove-unit", &gone]);
    assert!(!m.units().contains(&gone));
    m.assert_cluster_of_every_unit();

    // kill -9 of a node's Erlang VM: the service manager restarts it. A gate (a drop-in
    // ExecStartPre waiting for a file to go) holds the restart so update-status runs
    // while the node is down, whatever the machine's speed.
    let victim = m
        .units()
        .into_iter()
        .find(|u| *u != leader)
        .expect("a follower");
    m.ssh(&victim, &["mkdir", "-p", GATE_DIR]);
    m.write_in(
        &victim,
        "/usr/local/sbin/e2e-gate",
        "#!/bin/sh\nwhile [ -e /run/e2e-hold ]; do sleep 0.2; done\n",
        "755",
    );
    m.write_in(
        &victim,
        &format!("{GATE_DIR}/e2e-gate.conf"),
        "[Service]\nExecStartPre=/usr/local/sbin/e2e-gate\n",
        "644",
    );
    m.ssh(&victim, &["systemctl", "daemon-reload"]);
    m.ssh(&victim, &["touch", "/run/e2e-hold"]);
    let pid = m
        .ssh(
            &victim,
            &[
                "systemctl",
                "show",
                "-p",
                "MainPID",
                "--value",
                "rabbitmq-server",
            ],
        )
        .trim()
        .to_string();
    assert_eq!(
        m.ssh(&victim, &["cat", &format!("/proc/{pid}/comm")])
            .trim(),
        "beam.smp"
    );
    progress(&format!("kill -9 {pid} (beam.smp) on {victim}"));
    m.ssh(&victim, &["kill", "-9", &pid]);
    m.ok(&["tick"]);
    // The truth while it is down: waiting, the service manager at work (stopping what
    // is left, or restarting it, held at the gate).
    let (status, message, _) = m.status(&victim);
    assert_eq!(status, "waiting", "{message}");
    assert!(
        message.starts_with("RabbitMQ is not running: the service manager is"),
        "{message}"
    );
    // Let it come back: the package's Restart=on-failure does it.
    m.ssh(&victim, &["rm", "/run/e2e-hold"]);
    m.wait_active(&victim);
    m.ssh(
        &victim,
        &["rabbitmqctl", "await_startup", "--timeout", "600"],
    );
    let new_pid = m
        .ssh(
            &victim,
            &[
                "systemctl",
                "show",
                "-p",
                "MainPID",
                "--value",
                "rabbitmq-server",
            ],
        )
        .trim()
        .to_string();
    assert_ne!(new_pid, pid, "the node was not restarted");
    m.ssh(&victim, &["rm", &format!("{GATE_DIR}/e2e-gate.conf")]);
    m.ssh(&victim, &["systemctl", "daemon-reload"]);
    m.ok(&["tick"]);
    m.assert_cluster_of_every_unit();

    // A config change needing a restart: every unit restarts once, never two at a time,
    // each in a successful hook of the hook log; the nodes run with the new mode.
    let before = restarts(&m).len();
    m.ok(&["config", APP, "cluster-partition-handling=autoheal"]);
    let all = restarts(&m);
    let new: Vec<_> = all[before..].to_vec();
    let restarted: BTreeSet<String> = new.iter().map(|r| r.0.clone()).collect();
    assert_eq!(
        restarted,
        m.units().into_iter().collect::<BTreeSet<_>>(),
        "{new:?}"
    );
    assert_eq!(new.len(), m.units().len(), "{new:?}");
    let mut sorted = new.clone();
    sorted.sort_by_key(|r| r.2);
    for pair in sorted.windows(2) {
        assert!(pair[0].3 < pair[1].2, "two restarts overlapped: {pair:?}");
    }
    let log = m.m.files().log();
    for (unit, seq, _, _) in &new {
        let line = log
            .lines()
            .find(|l| l.starts_with(&format!("{seq} {unit} ")))
            .unwrap_or_else(|| panic!("hook {seq} of {unit} not in the hook log"));
        assert!(line.ends_with(" ok"), "{line}");
    }
    for unit in m.units() {
        let mode = m.ssh(
            &unit,
            &[
                "rabbitmqctl",
                "eval",
                "application:get_env(rabbit, cluster_partition_handling).",
            ],
        );
        assert_eq!(mode.trim(), "{ok,autoheal}", "{unit}");
    }
    m.assert_cluster_of_every_unit();

    // The leader goes: a new leader keeps the cluster, which forgets the old node.
    let old = m.leader();
    m.ok(&["remove-unit", &old]);
    let new_leader = m.leader();
    assert!(!new_leader.is_empty() && new_leader != old, "{new_leader}");
    m.assert_cluster_of_every_unit();
    assert_eq!(
        m.state()["applications"][APP]["leader_settings"]["data"]["leader-hostname"].as_str(),
        Some(new_leader.replace('/', "-").as_str())
    );

    // Actions answer without secrets.
    let action = stdout(&m.m.ok(&["run", &new_leader, "cluster-status"]));
    assert!(action.contains(&node(&new_leader)), "{action}");

    // No secret anywhere it must not be: logs, state files, the debug-log, the status
    // history (in model.json), action output.
    let secrets = secret_values(&m.m.dir);
    assert!(
        secrets.len() >= 2,
        "the cookie and a password are in the secret store"
    );
    let debug = stdout(&m.m.ok(&["debug-log", "--replay", "--no-tail"]));
    let mut haystacks = searchable_files(&m.m.dir);
    haystacks.push(("debug-log".into(), debug.into_bytes()));
    haystacks.push(("action output".into(), action.into_bytes()));
    haystacks.push(("send's output".into(), send.into_bytes()));
    haystacks.push(("status".into(), m.m.ok_stdout(&["status"]).into_bytes()));
    haystacks.push((
        "status json".into(),
        m.m.ok_stdout(&["status", "--format", "json"]).into_bytes(),
    ));
    for (i, secret) in secrets.iter().enumerate() {
        for (path, bytes) in &haystacks {
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            // The message names the file, never the secret.
            assert!(
                !found,
                "secret #{i} of the store found in {}",
                path.display()
            );
        }
    }
}

#[test]
fn three_seeds_form_the_same_three_node_cluster() {
    let mut states = Vec::new();
    for seed in [1u64, 11, 2026] {
        let Some(m) = Machines::new(&format!("rabbitmq-seed-{seed}"), seed) else {
            return;
        };
        m.ok(&["deploy", &charm(APP).display().to_string(), "-n", "3"]);
        m.assert_cluster_of_every_unit();
        states.push((seed, final_state(&m)));
    }
    for (seed, s) in &states[1..] {
        assert_eq!(
            *s, states[0].1,
            "seed {seed} differs from seed {}",
            states[0].0
        );
    }
}
