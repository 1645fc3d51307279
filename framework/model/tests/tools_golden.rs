//! Golden cases for the hook tools: every row's expected output was written from the
//! rules of Juju 3.6's hook tools (<https://juju.is/docs/sdk/hook-tools>: their
//! arguments, output formats, error strings and exit codes, and who may read which
//! databag), not captured from the implementation.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use charms_reactive_juju::settings::Settings;
use charms_reactive_model::agent::{tool_main_with_env, ToolServer};
use charms_reactive_model::context::{
    ActionData, CurrentRelation, HookContextData, Immediate, PortRange, RelationView, Status,
    Transactional,
};
use charms_reactive_model::tools::{run_tool, ToolOutput, TOOL_NAMES};
use serde_json::json;

/// Which sample context a case runs against.
#[derive(Debug, Clone, Copy)]
enum V {
    /// `kv/1`, not leader, in `config-changed`.
    Base,
    /// `kv/1` as leader (and so able to read its own app bag in `db:1`).
    Leader,
    /// `db-relation-changed` for remote unit `web/0`.
    RelHook,
    /// App-level `db-relation-changed` (no remote unit).
    AppHook,
    /// Running the `backup` action.
    Action,
}
use V::*;

/// An expected stream.
#[derive(Debug, Clone, Copy)]
enum Out {
    /// Byte-exact.
    E(&'static str),
    /// Contains the text (help texts).
    C(&'static str),
}
use Out::*;

const MODEL_UUID: &str = "f2f0e0c1-5d5e-4c6e-9d21-6f1f4b7e9a10";
const CWD: &str = "/nonexistent-cwd";

fn bag(pairs: &[(&str, &str)]) -> Settings {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn status(s: &str, m: &str) -> Status {
    Status {
        status: s.into(),
        message: m.into(),
        data: BTreeMap::new(),
    }
}

fn port(protocol: &str, from: u16, to: u16, endpoints: &[&str]) -> PortRange {
    PortRange {
        protocol: protocol.into(),
        from,
        to,
        endpoints: endpoints.iter().map(|e| e.to_string()).collect(),
    }
}

fn relation(
    endpoint: &str,
    remote_app: &str,
    peer: bool,
    members: &[&str],
    units: &[(&str, Settings)],
    apps: &[(&str, Settings)],
    broken: bool,
) -> RelationView {
    RelationView {
        endpoint: endpoint.into(),
        interface: format!("{endpoint}-iface"),
        remote_app: remote_app.into(),
        peer,
        members: members.iter().map(|m| m.to_string()).collect(),
        unit_data: units
            .iter()
            .map(|(u, b)| (u.to_string(), b.clone()))
            .collect(),
        app_data: apps
            .iter()
            .map(|(a, b)| (a.to_string(), b.clone()))
            .collect(),
        broken,
    }
}

/// The sample context: unit `kv/1` with a peer relation `cluster:0` (members kv/0 and
/// kv/2), a relation `db:1` to `web` (member web/0, departed web/1), a broken
/// `db:2` and a second `db:10` to `cache`.
fn sample(v: V) -> HookContextData {
    let own = bag(&[("private-address", "10.0.0.11")]);
    let mut ctx = HookContextData {
        context_id: "kv-1-config-changed-42".into(),
        unit: "kv/1".into(),
        hook_name: "config-changed".into(),
        relation: None,
        leader: false,
        config: [
            ("port", json!(8080)),
            ("debug", json!(true)),
            ("name", json!("kv store")),
            ("version", json!("1.10")),
            ("ratio", json!(1.5)),
            ("secret-key", json!(null)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
        relations: BTreeMap::new(),
        leader_settings: bag(&[("cluster-key", "s3cret")]),
        unit_status: status("active", "ready"),
        app_status: status("active", ""),
        unit_statuses: [
            ("kv/0", status("active", "ready")),
            ("kv/1", status("maintenance", "stale")),
            ("kv/2", status("waiting", "syncing")),
            ("web/0", status("active", "")),
        ]
        .into_iter()
        .map(|(u, s)| (u.to_string(), s))
        .collect(),
        opened_ports: vec![
            port("tcp", 80, 80, &[]),
            port("udp", 8000, 8999, &[]),
            port("tcp", 443, 443, &["website"]),
            port("icmp", 0, 0, &[]),
        ],
        address: "10.0.0.11".into(),
        public_address: "203.0.113.11".into(),
        bindings: vec![
            "cluster".into(),
            "db".into(),
            "juju-info".into(),
            "website".into(),
        ],
        state: bag(&[("counter", "3")]),
        action: None,
        model_uuid: MODEL_UUID.into(),
        immediate: vec![],
        transactional: vec![],
    };
    ctx.relations.insert(
        0,
        relation(
            "cluster",
            "kv",
            true,
            &["kv/0", "kv/2"],
            &[
                (
                    "kv/0",
                    bag(&[("private-address", "10.0.0.10"), ("role", "primary")]),
                ),
                ("kv/1", own.clone()),
                ("kv/2", bag(&[("private-address", "10.0.0.12")])),
            ],
            &[("kv", bag(&[("token", "abc")]))],
            false,
        ),
    );
    ctx.relations.insert(
        1,
        relation(
            "db",
            "web",
            false,
            &["web/0"],
            &[
                ("kv/1", own.clone()),
                (
                    "web/0",
                    bag(&[("private-address", "10.0.0.20"), ("database", "kvdb")]),
                ),
                ("web/1", bag(&[("private-address", "10.0.0.21")])),
            ],
            &[("web", bag(&[("endpoint", "web.example:5432")]))],
            false,
        ),
    );
    ctx.relations.insert(
        2,
        relation(
            "db",
            "other",
            false,
            &[],
            &[("kv/1", own.clone()), ("other/0", bag(&[("x", "1")]))],
            &[("other", Settings::new())],
            true,
        ),
    );
    ctx.relations.insert(
        10,
        relation(
            "db",
            "cache",
            false,
            &["cache/0"],
            &[
                ("kv/1", own),
                ("cache/0", bag(&[("private-address", "10.0.0.30")])),
            ],
            &[("cache", Settings::new())],
            false,
        ),
    );
    match v {
        Base => {}
        Leader => {
            ctx.leader = true;
            if let Some(db) = ctx.relations.get_mut(&1) {
                db.app_data
                    .insert("kv".into(), bag(&[("url", "kv.example")]));
            }
        }
        RelHook | AppHook => {
            ctx.hook_name = "db-relation-changed".into();
            ctx.relation = Some(CurrentRelation {
                id: 1,
                remote_unit: matches!(v, RelHook).then(|| "web/0".to_string()),
                departing_unit: None,
            });
        }
        Action => {
            ctx.hook_name = String::new();
            ctx.action = Some(ActionData {
                name: "backup".into(),
                params: json!({"target": "s3", "opts": {"compress": true, "level": 3}}),
                results: BTreeMap::new(),
                failed: None,
                logs: vec![],
            });
        }
    }
    ctx
}

fn run_in(
    ctx: &mut HookContextData,
    cwd: &Path,
    tool: &str,
    args: &[&str],
    stdin: &str,
) -> ToolOutput {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    run_tool(
        tool,
        &args,
        &mut Cursor::new(stdin.as_bytes().to_vec()),
        cwd,
        ctx,
    )
}

fn run(ctx: &mut HookContextData, tool: &str, args: &[&str]) -> ToolOutput {
    run_in(ctx, Path::new(CWD), tool, args, "")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

type Row = (
    V,
    &'static str,
    &'static [&'static str],
    Option<&'static str>,
    Out,
    Out,
    i32,
);

const NO_REL: &str = "ERROR no relation id specified\n";
const DENIED: &str = "ERROR permission denied\n";
const NOT_ACTION: &str = "ERROR not running an action\n";
const WEB0_YAML: &str = "database: kvdb\nprivate-address: 10.0.0.20\n";
const WEB0_JSON: &str = "{\"database\":\"kvdb\",\"private-address\":\"10.0.0.20\"}\n";
const WEB_APP_YAML: &str = "endpoint: web.example:5432\n";
const WEB_APP_JSON: &str = "{\"endpoint\":\"web.example:5432\"}\n";

#[rustfmt::skip]
const CASES: &[Row] = &[
    // ---- config-get: formats, keys, --all ----
    (Base, "config-get", &[], None, E("debug: true\nname: kv store\nport: 8080\nratio: 1.5\nversion: \"1.10\"\n"), E(""), 0),
    (Base, "config-get", &["--format=json"], None, E("{\"debug\":true,\"name\":\"kv store\",\"port\":8080,\"ratio\":1.5,\"version\":\"1.10\"}\n"), E(""), 0),
    (Base, "config-get", &["--format", "yaml"], None, E("debug: true\nname: kv store\nport: 8080\nratio: 1.5\nversion: \"1.10\"\n"), E(""), 0),
    (Base, "config-get", &["--all", "--format=json"], None, E("{\"debug\":true,\"name\":\"kv store\",\"port\":8080,\"ratio\":1.5,\"secret-key\":null,\"version\":\"1.10\"}\n"), E(""), 0),
    (Base, "config-get", &["-a", "--format=yaml"], None, E("debug: true\nname: kv store\nport: 8080\nratio: 1.5\nsecret-key: null\nversion: \"1.10\"\n"), E(""), 0),
    (Base, "config-get", &["--all=true"], None, E("debug: true\nname: kv store\nport: 8080\nratio: 1.5\nsecret-key: null\nversion: \"1.10\"\n"), E(""), 0),
    (Base, "config-get", &["port"], None, E("8080\n"), E(""), 0),
    (Base, "config-get", &["port", "--format=json"], None, E("8080\n"), E(""), 0),
    (Base, "config-get", &["debug"], None, E("True\n"), E(""), 0),
    (Base, "config-get", &["debug", "--format=json"], None, E("true\n"), E(""), 0),
    (Base, "config-get", &["debug", "--format=yaml"], None, E("true\n"), E(""), 0),
    (Base, "config-get", &["name"], None, E("kv store\n"), E(""), 0),
    (Base, "config-get", &["name", "--format=json"], None, E("\"kv store\"\n"), E(""), 0),
    (Base, "config-get", &["version", "--format=yaml"], None, E("\"1.10\"\n"), E(""), 0),
    (Base, "config-get", &["ratio"], None, E("1.5\n"), E(""), 0),
    (Base, "config-get", &["ratio", "--format=json"], None, E("1.5\n"), E(""), 0),
    (Base, "config-get", &["missing"], None, E(""), E(""), 0),
    (Base, "config-get", &["missing", "--format=json"], None, E("null\n"), E(""), 0),
    (Base, "config-get", &["missing", "--format=yaml"], None, E(""), E(""), 0),
    (Base, "config-get", &["secret-key"], None, E(""), E(""), 0),
    (Base, "config-get", &["secret-key", "--format=json"], None, E("null\n"), E(""), 0),
    (Base, "config-get", &["port", "--all"], None, E(""), E("ERROR cannot use argument --all together with key \"port\"\n"), 2),
    (Base, "config-get", &["port", "name"], None, E(""), E("ERROR unrecognized args: [\"name\"]\n"), 2),
    (Base, "config-get", &["a", "b", "c"], None, E(""), E("ERROR unrecognized args: [\"b\" \"c\"]\n"), 2),
    (Base, "config-get", &["--format", "xml"], None, E(""), E("ERROR invalid value \"xml\" for option --format: unknown format \"xml\"\n"), 2),
    (Base, "config-get", &["--format"], None, E(""), E("ERROR option needs an argument: --format\n"), 2),
    (Base, "config-get", &["--foo"], None, E(""), E("ERROR option provided but not defined: --foo\n"), 2),
    (Base, "config-get", &["-x"], None, E(""), E("ERROR option provided but not defined: -x\n"), 2),
    (Base, "config-get", &["--=x"], None, E(""), E("ERROR empty flag in argument \"--=x\"\n"), 2),
    (Base, "config-get", &["--all=maybe"], None, E(""), E("ERROR invalid value \"maybe\" for option --all: strconv.ParseBool: parsing \"maybe\": invalid syntax\n"), 2),
    (Base, "config-get", &["--format=json", "--", "--all"], None, E("null\n"), E(""), 0),
    (Base, "config-get", &["--help"], None, C("Usage: config-get [options] [<key>]"), E(""), 0),
    (Base, "config-get", &["port", "-h"], None, C("Usage: config-get"), E(""), 0),
    // ---- relation-get: targets, formats, permissions, -r spellings ----
    (Base, "relation-get", &[], None, E(""), E(NO_REL), 2),
    (Base, "relation-get", &["-r", "1"], None, E(""), E("ERROR no unit or application specified\n"), 2),
    (Base, "relation-get", &["-r", "1", "-", "web/0"], None, E(WEB0_YAML), E(""), 0),
    (Base, "relation-get", &["-r", "1", "-", "web/0", "--format=json"], None, E(WEB0_JSON), E(""), 0),
    (Base, "relation-get", &["-r", "1", "-", "web/0", "--format=yaml"], None, E(WEB0_YAML), E(""), 0),
    (Base, "relation-get", &["--format=yaml", "-r", "db:1", "database", "web/0"], None, E("kvdb\n"), E(""), 0),
    (Base, "relation-get", &["-r", "1", "database", "web/0", "--format=json"], None, E("\"kvdb\"\n"), E(""), 0),
    (Base, "relation-get", &["-r", "1", "database", "web/0"], None, E("kvdb\n"), E(""), 0),
    (Base, "relation-get", &["-r", "1", "missing", "web/0"], None, E(""), E(""), 0),
    (Base, "relation-get", &["-r", "1", "missing", "web/0", "--format=json"], None, E("null\n"), E(""), 0),
    (Base, "relation-get", &["--relation", "1", "-", "web/0", "--format", "json"], None, E(WEB0_JSON), E(""), 0),
    (Base, "relation-get", &["--relation=1", "-", "web/0", "--format=json"], None, E(WEB0_JSON), E(""), 0),
    (Base, "relation-get", &["-r1", "-", "web/0", "--format=json"], None, E(WEB0_JSON), E(""), 0),
    (Base, "relation-get", &["-r", "anything:1", "-", "web/0", "--format=json"], None, E(WEB0_JSON), E(""), 0),
    (Base, "relation-get", &["-", "web/0", "-r", "db:1", "--format=json"], None, E(WEB0_JSON), E(""), 0),
    (Base, "relation-get", &["-r", "9", "-", "web/0"], None, E(""), E("ERROR invalid value \"9\" for option -r: relation not found\n"), 2),
    (Base, "relation-get", &["-r", "db:9", "-", "web/0"], None, E(""), E("ERROR invalid value \"db:9\" for option -r: relation not found\n"), 2),
    (Base, "relation-get", &["-r", "x", "-", "web/0"], None, E(""), E("ERROR invalid value \"x\" for option -r: invalid relation id\n"), 2),
    (Base, "relation-get", &["--relation=db:x", "-", "web/0"], None, E(""), E("ERROR invalid value \"db:x\" for option --relation: invalid relation id\n"), 2),
    (Base, "relation-get", &["-r"], None, E(""), E("ERROR option needs an argument: -r\n"), 2),
    (Base, "relation-get", &["-r", "1", "-", "web"], None, E(""), E("ERROR expected unit name, got application name \"web\"\n"), 2),
    (Base, "relation-get", &["-r", "1", "-", "Web/0"], None, E(""), E("ERROR invalid unit name \"Web/0\"\n"), 2),
    (Base, "relation-get", &["-r", "1", "-", "web/0", "extra"], None, E(""), E("ERROR unrecognized args: [\"extra\"]\n"), 2),
    (Base, "relation-get", &["-r", "1", "--app", "-", "web"], None, E(WEB_APP_YAML), E(""), 0),
    (Base, "relation-get", &["-r", "1", "--app", "-", "web/0"], None, E(WEB_APP_YAML), E(""), 0),
    (Base, "relation-get", &["-r", "1", "--app=true", "endpoint", "web", "--format=json"], None, E("\"web.example:5432\"\n"), E(""), 0),
    (Base, "relation-get", &["-r", "1", "--app=1", "-", "web", "--format=json"], None, E(WEB_APP_JSON), E(""), 0),
    (Base, "relation-get", &["-r", "1", "--app=False", "-", "web/0", "--format=json"], None, E(WEB0_JSON), E(""), 0),
    (Base, "relation-get", &["-r", "1", "--app=maybe", "-", "web/0"], None, E(""), E("ERROR invalid value \"maybe\" for option --app: strconv.ParseBool: parsing \"maybe\": invalid syntax\n"), 2),
    (Base, "relation-get", &["-r", "1", "--app", "-", "kv"], None, E(""), E(DENIED), 1),
    (Base, "relation-get", &["-r", "1", "--app", "-", "other"], None, E(""), E(DENIED), 1),
    (Base, "relation-get", &["-r", "1", "-", "other/0"], None, E(""), E(DENIED), 1),
    (Base, "relation-get", &["-r", "1", "-", "kv/1", "--format=json"], None, E("{\"private-address\":\"10.0.0.11\"}\n"), E(""), 0),
    (Base, "relation-get", &["-r", "1", "-", "web/1"], None, E("private-address: 10.0.0.21\n"), E(""), 0),
    (Base, "relation-get", &["-r", "1", "-", "web/5"], None, E(""), E("ERROR cannot read settings for unit \"web/5\" in relation \"db:1\": settings not found\n"), 1),
    (Base, "relation-get", &["-r", "db:2", "x", "other/0"], None, E("1\n"), E(""), 0),
    (Base, "relation-get", &["-r", "10", "--app", "-", "cache", "--format=json"], None, E("{}\n"), E(""), 0),
    (Base, "relation-get", &["-r", "10", "--app", "-", "cache"], None, E("{}\n"), E(""), 0),
    (Base, "relation-get", &["-r", "0", "role", "kv/0"], None, E("primary\n"), E(""), 0),
    (Base, "relation-get", &["-r", "0", "--app", "-", "kv", "--format=json"], None, E("{\"token\":\"abc\"}\n"), E(""), 0),
    (Leader, "relation-get", &["-r", "1", "--app", "-", "kv"], None, E("url: kv.example\n"), E(""), 0),
    (RelHook, "relation-get", &[], None, E(WEB0_YAML), E(""), 0),
    (RelHook, "relation-get", &["database"], None, E("kvdb\n"), E(""), 0),
    (RelHook, "relation-get", &["--app"], None, E(WEB_APP_YAML), E(""), 0),
    (RelHook, "relation-get", &["-r", "0", "role"], None, E(""), E(DENIED), 1),
    (AppHook, "relation-get", &[], None, E(WEB_APP_YAML), E(""), 0),
    (AppHook, "relation-get", &["--format=json"], None, E(WEB_APP_JSON), E(""), 0),
    (AppHook, "relation-get", &["-", "web/0", "--format=json"], None, E(WEB0_JSON), E(""), 0),
    // ---- relation-set ----
    (Base, "relation-set", &["foo=bar"], None, E(""), E(NO_REL), 2),
    (Base, "relation-set", &["-r", "1", "foo"], None, E(""), E("ERROR expected \"key=value\", got \"foo\"\n"), 2),
    (Base, "relation-set", &["-r", "1", "=x"], None, E(""), E("ERROR expected \"key=value\", got \"=x\"\n"), 2),
    (Base, "relation-set", &["-r", "1", "a=1", "a=2"], None, E(""), E("ERROR key \"a\" specified more than once\n"), 2),
    (Base, "relation-set", &["-r", "1", "--app", "foo=bar"], None, E(""), E("ERROR cannot write relation settings\n"), 1),
    (Leader, "relation-set", &["-r", "1", "--app", "foo=bar"], None, E(""), E(""), 0),
    (Base, "relation-set", &["-r", "1", "foo=bar"], None, E(""), E(""), 0),
    (RelHook, "relation-set", &["foo=bar"], None, E(""), E(""), 0),
    (Base, "relation-set", &["-r", "1", "--format=json", "foo=bar"], None, E(""), E("--format flag deprecated for command \"relation-set\""), 0),
    (Base, "relation-set", &["-r", "1", "--file", "missing.yaml"], None, E(""), E("ERROR open /nonexistent-cwd/missing.yaml: no such file or directory\n"), 1),
    (Base, "relation-set", &["-r", "1", "--file", "-"], Some("{\"a\": \"1\", \"b\": 2}"), E(""), E(""), 0),
    (Base, "relation-set", &["-r", "1", "--file", "-"], Some("a: [1]\n"), E(""), C("ERROR yaml: "), 1),
    (Base, "relation-set", &["--help"], None, C("--file"), E(""), 0),
    // ---- relation-ids ----
    (Base, "relation-ids", &[], None, E(""), E("ERROR no endpoint name specified\n"), 2),
    (Base, "relation-ids", &["db"], None, E("db:1\ndb:10\n"), E(""), 0),
    (Base, "relation-ids", &["db", "--format=json"], None, E("[\"db:1\",\"db:10\"]\n"), E(""), 0),
    (Base, "relation-ids", &["--format=yaml", "db"], None, E("- db:1\n- db:10\n"), E(""), 0),
    (Base, "relation-ids", &["cluster"], None, E("cluster:0\n"), E(""), 0),
    (Base, "relation-ids", &["nope"], None, E(""), E(""), 0),
    (Base, "relation-ids", &["nope", "--format=json"], None, E("[]\n"), E(""), 0),
    (Base, "relation-ids", &["db", "cluster"], None, E(""), E("ERROR unrecognized args: [\"cluster\"]\n"), 2),
    (RelHook, "relation-ids", &[], None, E("db:1\ndb:10\n"), E(""), 0),
    // ---- relation-list ----
    (Base, "relation-list", &[], None, E(""), E(NO_REL), 2),
    (Base, "relation-list", &["-r", "0"], None, E("kv/0\nkv/2\n"), E(""), 0),
    (Base, "relation-list", &["-r", "0", "--format=json"], None, E("[\"kv/0\",\"kv/2\"]\n"), E(""), 0),
    (Base, "relation-list", &["-r", "1", "--app"], None, E("web\n"), E(""), 0),
    (Base, "relation-list", &["-r", "1", "--app", "--format=json"], None, E("\"web\"\n"), E(""), 0),
    (Base, "relation-list", &["-r", "0", "--app"], None, E("kv\n"), E(""), 0),
    (Base, "relation-list", &["-r", "db:2"], None, E(""), E(""), 0),
    (Base, "relation-list", &["-r", "db:2", "--format=json"], None, E("[]\n"), E(""), 0),
    (Base, "relation-list", &["-r", "1", "extra"], None, E(""), E("ERROR unrecognized args: [\"extra\"]\n"), 2),
    (RelHook, "relation-list", &[], None, E("web/0\n"), E(""), 0),
    // ---- relation-model-get ----
    (Base, "relation-model-get", &[], None, E(""), E(NO_REL), 2),
    (Base, "relation-model-get", &["-r", "1"], None, E("uuid: f2f0e0c1-5d5e-4c6e-9d21-6f1f4b7e9a10\n"), E(""), 0),
    (RelHook, "relation-model-get", &["--format=json"], None, E("{\"uuid\":\"f2f0e0c1-5d5e-4c6e-9d21-6f1f4b7e9a10\"}\n"), E(""), 0),
    // ---- leader-get / leader-set / is-leader ----
    (Base, "leader-get", &[], None, E("cluster-key: s3cret\n"), E(""), 0),
    (Base, "leader-get", &["-"], None, E("cluster-key: s3cret\n"), E(""), 0),
    (Base, "leader-get", &["--format=json"], None, E("{\"cluster-key\":\"s3cret\"}\n"), E(""), 0),
    (Base, "leader-get", &["cluster-key"], None, E("s3cret\n"), E(""), 0),
    (Base, "leader-get", &["missing", "--format=json"], None, E("null\n"), E(""), 0),
    (Base, "leader-get", &["missing"], None, E(""), E(""), 0),
    (Base, "leader-get", &["a=b"], None, E(""), E("ERROR invalid key \"a=b\"\n"), 2),
    (Base, "leader-get", &["a", "b"], None, E(""), E("ERROR unrecognized args: [\"b\"]\n"), 2),
    (Base, "leader-set", &["a=b"], None, E(""), E("ERROR cannot write leadership settings: cannot write settings: not the leader\n"), 1),
    (Base, "leader-set", &["foo"], None, E(""), E("ERROR expected \"key=value\", got \"foo\"\n"), 2),
    (Leader, "leader-set", &["a=b"], None, E(""), E(""), 0),
    (Base, "is-leader", &[], None, E("False\n"), E(""), 0),
    (Base, "is-leader", &["--format=json"], None, E("false\n"), E(""), 0),
    (Base, "is-leader", &["--format=yaml"], None, E("false\n"), E(""), 0),
    (Leader, "is-leader", &[], None, E("True\n"), E(""), 0),
    (Leader, "is-leader", &["--format", "json"], None, E("true\n"), E(""), 0),
    (Base, "is-leader", &["x"], None, E(""), E("ERROR unrecognized args: [\"x\"]\n"), 2),
    // ---- status-set / status-get / application-version-set ----
    (Base, "status-set", &[], None, E(""), E("ERROR invalid args, require <status> [message]\n"), 2),
    (Base, "status-set", &["error"], None, E(""), E("ERROR invalid status \"error\", expected one of [maintenance blocked waiting active]\n"), 2),
    (Base, "status-set", &["unknown", "msg"], None, E(""), E("ERROR invalid status \"unknown\", expected one of [maintenance blocked waiting active]\n"), 2),
    (Base, "status-set", &["active", "hi", "extra"], None, E(""), E("ERROR unrecognized args: [\"extra\"]\n"), 2),
    (Base, "status-set", &["--application", "active"], None, E(""), E("ERROR this unit is not the leader\n"), 1),
    (Base, "status-set", &["--application=False", "active", "--", "msg"], None, E(""), E(""), 0),
    (Base, "status-set", &["maintenance", "doing things"], None, E(""), E(""), 0),
    (Leader, "status-set", &["--application", "blocked", "need db"], None, E(""), E(""), 0),
    (Base, "status-get", &[], None, E("active\n"), E(""), 0),
    (Base, "status-get", &["--format=json"], None, E("{\"status\":\"active\"}\n"), E(""), 0),
    (Base, "status-get", &["--format=yaml"], None, E("status: active\n"), E(""), 0),
    (Base, "status-get", &["--include-data"], None, E("message: ready\nstatus: active\nstatus-data: {}\n"), E(""), 0),
    (Base, "status-get", &["--include-data", "--format=json", "--application=false"], None, E("{\"message\":\"ready\",\"status\":\"active\",\"status-data\":{}}\n"), E(""), 0),
    (Base, "status-get", &["--application"], None, E(""), E("ERROR finding application status: this unit is not the leader\n"), 1),
    (Base, "status-get", &["x"], None, E(""), E("ERROR unrecognized args: [\"x\"]\n"), 2),
    (Leader, "status-get", &["--application"], None, E("active\n"), E(""), 0),
    (Leader, "status-get", &["--application", "--format=json"], None, E("{\"application-status\":{\"status\":\"active\",\"units\":{\"kv/0\":{\"status\":\"active\"},\"kv/1\":{\"status\":\"active\"},\"kv/2\":{\"status\":\"waiting\"}}}}\n"), E(""), 0),
    (Leader, "status-get", &["--application", "--format=yaml"], None, E("application-status:\n  status: active\n  units:\n    kv/0:\n      status: active\n    kv/1:\n      status: active\n    kv/2:\n      status: waiting\n"), E(""), 0),
    (Leader, "status-get", &["--application", "--include-data", "--format=json"], None, E("{\"application-status\":{\"message\":\"\",\"status\":\"active\",\"status-data\":{},\"units\":{\"kv/0\":{\"message\":\"ready\",\"status\":\"active\",\"status-data\":{}},\"kv/1\":{\"message\":\"ready\",\"status\":\"active\",\"status-data\":{}},\"kv/2\":{\"message\":\"syncing\",\"status\":\"waiting\",\"status-data\":{}}}}}\n"), E(""), 0),
    (Base, "application-version-set", &[], None, E(""), E("ERROR no version specified\n"), 2),
    (Base, "application-version-set", &["--", "1.2.3"], None, E(""), E(""), 0),
    (Base, "application-version-set", &["1", "2"], None, E(""), E("ERROR unrecognized args: [\"2\"]\n"), 2),
    // ---- juju-log ----
    (Base, "juju-log", &[], None, E(""), E("ERROR no message specified\n"), 2),
    (Base, "juju-log", &["--log-level", "INFO", "--"], None, E(""), E("ERROR no message specified\n"), 2),
    (Base, "juju-log", &["hello", "world"], None, E(""), E(""), 0),
    (Base, "juju-log", &["--log-level", "INFO", "--", "-msg"], None, E(""), E(""), 0),
    (Base, "juju-log", &["-l", "bogus", "hi"], None, E(""), E(""), 0),
    (Base, "juju-log", &["--format=json", "hi"], None, E(""), E("--format flag deprecated for command \"juju-log\""), 0),
    // ---- unit-get / network-get ----
    (Base, "unit-get", &[], None, E(""), E("ERROR no setting specified\n"), 2),
    (Base, "unit-get", &["foo"], None, E(""), E("ERROR unknown setting \"foo\"\n"), 2),
    (Base, "unit-get", &["private-address"], None, E("10.0.0.11\n"), E(""), 0),
    (Base, "unit-get", &["public-address", "--format=json"], None, E("\"203.0.113.11\"\n"), E(""), 0),
    (Base, "unit-get", &["private-address", "x"], None, E(""), E("ERROR unrecognized args: [\"x\"]\n"), 2),
    (Base, "network-get", &[], None, E(""), E("ERROR no arguments specified\n"), 2),
    (Base, "network-get", &["nope"], None, E(""), E("ERROR no network config found for binding \"nope\"\n"), 1),
    (Base, "network-get", &["db", "extra"], None, E(""), E("ERROR unrecognized args: [\"extra\"]\n"), 2),
    (Base, "network-get", &["db", "--format=json"], None, E("{\"bind-addresses\":[{\"mac-address\":\"\",\"interface-name\":\"eth0\",\"addresses\":[{\"hostname\":\"\",\"value\":\"10.0.0.11\",\"cidr\":\"10.0.0.11/24\"}]}],\"egress-subnets\":[\"10.0.0.11/32\"],\"ingress-addresses\":[\"10.0.0.11\"]}\n"), E(""), 0),
    (Base, "network-get", &["db"], None, E("bind-addresses:\n- mac-address: \"\"\n  interface-name: eth0\n  addresses:\n  - hostname: \"\"\n    value: 10.0.0.11\n    cidr: 10.0.0.11/24\n    address: 10.0.0.11\n  macaddress: \"\"\n  interfacename: eth0\negress-subnets:\n- 10.0.0.11/32\ningress-addresses:\n- 10.0.0.11\n"), E(""), 0),
    (Base, "network-get", &["db", "--ingress-address"], None, E("10.0.0.11\n"), E(""), 0),
    (Base, "network-get", &["juju-info", "-r", "1", "--bind-address"], None, E("10.0.0.11\n"), E(""), 0),
    (Base, "network-get", &["db", "--egress-subnets", "--format=json"], None, E("[\"10.0.0.11/32\"]\n"), E(""), 0),
    (Base, "network-get", &["db", "--egress-subnets"], None, E("10.0.0.11/32\n"), E(""), 0),
    (Base, "network-get", &["db", "--bind-address", "--ingress-address", "--format=json"], None, E("{\"bind-address\":\"10.0.0.11\",\"ingress-address\":\"10.0.0.11\"}\n"), E(""), 0),
    (Base, "network-get", &["db", "--ingress-address", "--egress-subnets"], None, E("egress-subnets:\n- 10.0.0.11/32\ningress-address: 10.0.0.11\n"), E(""), 0),
    (Base, "network-get", &["db", "--primary-address"], None, E("10.0.0.11\n"), E(""), 0),
    (Base, "network-get", &["db", "--primary-address", "--ingress-address"], None, E(""), E("ERROR --primary-address must be the only flag specified\n"), 1),
    // ---- open-port / close-port / opened-ports ----
    (Base, "open-port", &[], None, E(""), E("ERROR no port or range specified\n"), 2),
    (Base, "open-port", &["80"], None, E(""), E(""), 0),
    (Base, "open-port", &["80/TCP"], None, E(""), E(""), 0),
    (Base, "open-port", &["icmp"], None, E(""), E(""), 0),
    (Base, "open-port", &["80/sctp"], None, E(""), E("ERROR invalid protocol \"sctp\", expected \"tcp\", \"udp\", or \"icmp\"\n"), 2),
    (Base, "open-port", &["abc"], None, E(""), E("ERROR invalid port \"abc\": strconv.Atoi: parsing \"abc\": invalid syntax\n"), 2),
    (Base, "open-port", &["1-2-3"], None, E(""), E("ERROR invalid port range \"1-2-3\"\n"), 2),
    (Base, "open-port", &["90-80"], None, E(""), E("ERROR invalid port range 90-80/tcp\n"), 2),
    (Base, "open-port", &["70000"], None, E(""), E("ERROR port range bounds must be between 0 and 65535, got 70000-70000\n"), 2),
    (Base, "open-port", &["80/icmp"], None, E(""), E("ERROR protocol \"icmp\" doesn't support any ports; got \"80\"\n"), 2),
    (Base, "open-port", &["80", "81"], None, E(""), E("ERROR unrecognized args: [\"81\"]\n"), 2),
    (Base, "open-port", &["--format=json", "80"], None, E(""), E("--format flag deprecated for command \"open-port\""), 0),
    (Base, "close-port", &["8000-8999/udp", "--endpoints", "a,b"], None, E(""), E(""), 0),
    (Base, "close-port", &["--format", "yaml", "80"], None, E(""), E("--format flag deprecated for command \"close-port\""), 0),
    (Base, "opened-ports", &[], None, E("icmp\n80/tcp\n443/tcp\n8000-8999/udp\n"), E(""), 0),
    (Base, "opened-ports", &["--format=json"], None, E("[\"icmp\",\"80/tcp\",\"443/tcp\",\"8000-8999/udp\"]\n"), E(""), 0),
    (Base, "opened-ports", &["--endpoints"], None, E("icmp (*)\n80/tcp (*)\n443/tcp (website)\n8000-8999/udp (*)\n"), E(""), 0),
    // ---- action tools ----
    (Base, "action-get", &[], None, E(""), E(NOT_ACTION), 1),
    (Base, "action-set", &["a=b"], None, E(""), E(NOT_ACTION), 1),
    (Base, "action-fail", &[], None, E(""), E(NOT_ACTION), 1),
    (Base, "action-log", &["hi"], None, E(""), E(NOT_ACTION), 1),
    (Base, "action-log", &[], None, E(""), E("ERROR no message specified\n"), 2),
    (Base, "action-set", &["foo"], None, E(""), E("ERROR argument \"foo\" must be of the form key...=value\n"), 2),
    (Action, "action-set", &["Foo=1"], None, E(""), E("ERROR key \"Foo\" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods\n"), 2),
    (Action, "action-set", &["stdout=x"], None, E(""), E("ERROR cannot set reserved action key \"stdout\"\n"), 2),
    (Action, "action-set", &["a.stderr-encoding=x"], None, E(""), E("ERROR cannot set reserved action key \"stderr-encoding\"\n"), 2),
    (Action, "action-set", &["result.size=10G", "ok=yes"], None, E(""), E(""), 0),
    (Action, "action-get", &[], None, E("opts:\n  compress: true\n  level: 3\ntarget: s3\n"), E(""), 0),
    (Action, "action-get", &["--format=json"], None, E("{\"opts\":{\"compress\":true,\"level\":3},\"target\":\"s3\"}\n"), E(""), 0),
    (Action, "action-get", &["opts.level"], None, E("3\n"), E(""), 0),
    (Action, "action-get", &["opts.compress"], None, E("True\n"), E(""), 0),
    (Action, "action-get", &["target"], None, E("s3\n"), E(""), 0),
    (Action, "action-get", &["opts.missing", "--format=json"], None, E("null\n"), E(""), 0),
    (Action, "action-get", &["target.x"], None, E(""), E(""), 0),
    (Action, "action-get", &["a", "b"], None, E(""), E("ERROR unrecognized args: [\"b\"]\n"), 2),
    (Action, "action-fail", &["boom"], None, E(""), E(""), 0),
    (Action, "action-fail", &["boom", "again"], None, E(""), E("ERROR unrecognized args: [\"again\"]\n"), 2),
    (Action, "action-log", &["working", "hard"], None, E(""), E(""), 0),
    // ---- state tools ----
    (Base, "state-get", &[], None, E("counter: \"3\"\n"), E(""), 0),
    (Base, "state-get", &["-", "--format=json"], None, E("{\"counter\":\"3\"}\n"), E(""), 0),
    (Base, "state-get", &["counter"], None, E("3\n"), E(""), 0),
    (Base, "state-get", &["counter", "--format=yaml"], None, E("\"3\"\n"), E(""), 0),
    (Base, "state-get", &["missing"], None, E(""), E(""), 0),
    (Base, "state-get", &["missing", "--format=json"], None, E("null\n"), E(""), 0),
    (Base, "state-get", &["missing", "--strict"], None, E(""), E("ERROR \"missing\" not found\n"), 1),
    (Base, "state-get", &["a", "b"], None, E(""), E("ERROR unrecognized args: [\"b\"]\n"), 2),
    (Base, "state-set", &["foo"], None, E(""), E("ERROR expected \"key=value\", got \"foo\"\n"), 2),
    (Base, "state-set", &["a=1"], None, E(""), E(""), 0),
    (Base, "state-set", &["--file", "-"], Some("b: two\n"), E(""), E(""), 0),
    (Base, "state-delete", &["counter"], None, E(""), E(""), 0),
    (Base, "state-delete", &["a", "b"], None, E(""), E("ERROR unrecognized args: [\"b\"]\n"), 2),
    // ---- the less common tools ----
    (Base, "goal-state", &["--format=json"], None, E("{\"units\":{\"kv/0\":{\"status\":\"active\"},\"kv/1\":{\"status\":\"active\"},\"kv/2\":{\"status\":\"active\"}},\"relations\":{\"cluster\":{\"kv\":{\"status\":\"joined\"},\"kv/0\":{\"status\":\"active\"},\"kv/2\":{\"status\":\"active\"}},\"db\":{\"cache\":{\"status\":\"joined\"},\"cache/0\":{\"status\":\"active\"},\"web\":{\"status\":\"joined\"},\"web/0\":{\"status\":\"active\"}}}}\n"), E(""), 0),
    (Base, "goal-state", &["--format=smart"], None, E(""), E("ERROR invalid value \"smart\" for option --format: unknown format \"smart\"\n"), 2),
    (Base, "credential-get", &[], None, E(""), E("ERROR cannot access cloud credentials: permission denied\n"), 1),
    (Base, "resource-get", &[], None, E(""), E("ERROR missing required resource name\n"), 2),
    (Base, "resource-get", &["blob"], None, E(""), E("ERROR could not download resource: resource \"blob\" not found\n"), 1),
    (Base, "storage-list", &[], None, E(""), E(""), 0),
    (Base, "storage-list", &["--format=json"], None, E("[]\n"), E(""), 0),
    (Base, "juju-reboot", &[], None, E(""), E("ERROR juju-reboot is not supported by the local model\n"), 1),
    (Action, "juju-reboot", &["--now"], None, E(""), E("ERROR juju-reboot is not supported when running an action.\n"), 1),
    (Base, "secret-get", &["secret:abc"], None, E(""), E("ERROR secret-get is not supported by the local model\n"), 1),
    (Base, "secret-add", &["--help"], None, C("Usage: secret-add"), E(""), 0),
    (Base, "storage-get", &["-s", "data/0"], None, E(""), E("ERROR storage-get is not supported by the local model\n"), 1),
    (Base, "add-metric", &[], None, E(""), E("ERROR no metrics specified\n"), 2),
    (Base, "add-metric", &["a="], None, E(""), E("ERROR invalid metrics: expected \"key=value\", got \"a=\"\n"), 2),
    (Base, "add-metric", &["a=1"], None, E(""), E("ERROR cannot record metric: metrics not allowed in this context\n"), 1),
    (Base, "pod-spec-set", &["--file", "x"], None, E(""), E("ERROR pod-spec-set is not supported by the local model\n"), 1),
    (Base, "payload-register", &["-h"], None, C("Usage: payload-register"), E(""), 0),
    (Base, "no-such-tool", &[], None, E(""), E("ERROR bad request: unknown hook command: no-such-tool\n"), 1),
];

fn matches(expected: Out, got: &str) -> bool {
    match expected {
        E(want) => got == want,
        C(want) => got.contains(want),
    }
}

#[test]
fn golden_cases() {
    let mut failures = Vec::new();
    for (i, (v, tool, args, stdin, stdout, stderr, code)) in CASES.iter().enumerate() {
        let mut ctx = sample(*v);
        let out = run_in(&mut ctx, Path::new(CWD), tool, args, stdin.unwrap_or(""));
        let (got_out, got_err) = (text(&out.stdout), text(&out.stderr));
        if !matches(*stdout, &got_out) || !matches(*stderr, &got_err) || out.code != *code {
            failures.push(format!(
                "case {i}: {v:?} {tool} {args:?}\n  want stdout {stdout:?}\n  got  stdout {got_out:?}\n  want stderr {stderr:?}\n  got  stderr {got_err:?}\n  want code {code}, got {}",
                out.code
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_tool_name_runs_and_has_help() {
    for name in TOOL_NAMES {
        let mut ctx = sample(Base);
        let out = run(&mut ctx, name, &["--help"]);
        assert_eq!(out.code, 0, "{name} --help");
        assert!(
            text(&out.stdout).starts_with(&format!("Usage: {name}")),
            "{name} --help"
        );
    }
}

#[test]
fn relation_set_is_transactional_and_visible_in_the_hook() {
    let mut ctx = sample(Base);
    let out = run(
        &mut ctx,
        "relation-set",
        &["-r", "1", "foo=bar", "private-address="],
    );
    assert_eq!(out.code, 0);
    assert_eq!(
        ctx.transactional,
        vec![Transactional::RelationSet {
            relation_id: 1,
            app: false,
            settings: bag(&[("foo", "bar"), ("private-address", "")]),
        }]
    );
    let out = run(
        &mut ctx,
        "relation-get",
        &["-r", "1", "-", "kv/1", "--format=json"],
    );
    assert_eq!(text(&out.stdout), "{\"foo\":\"bar\"}\n");
    assert!(ctx.immediate.is_empty());
}

#[test]
fn relation_set_file_from_stdin_is_overridden_by_arguments() {
    let mut ctx = sample(RelHook);
    let stdin = "{\"a\": \"1\", \"b\": 2, \"c\": null, \"d\": 1.50}";
    let out = run_in(
        &mut ctx,
        Path::new(CWD),
        "relation-set",
        &["--file", "-", "b=3"],
        stdin,
    );
    assert_eq!(out.code, 0, "{}", text(&out.stderr));
    assert_eq!(
        ctx.transactional,
        vec![Transactional::RelationSet {
            relation_id: 1,
            app: false,
            settings: bag(&[("a", "1"), ("b", "3"), ("c", ""), ("d", "1.50")]),
        }]
    );
    let out = run(&mut ctx, "relation-get", &["-", "kv/1", "--format=json"]);
    assert_eq!(
        text(&out.stdout),
        "{\"a\":\"1\",\"b\":\"3\",\"d\":\"1.50\",\"private-address\":\"10.0.0.11\"}\n"
    );
}

#[test]
fn leader_app_relation_set_updates_own_app_bag() {
    let mut ctx = sample(Leader);
    assert_eq!(
        run(
            &mut ctx,
            "relation-set",
            &["-r", "db:1", "--app", "url=", "ready=yes"]
        )
        .code,
        0
    );
    let out = run(
        &mut ctx,
        "relation-get",
        &["-r", "1", "--app", "-", "kv", "--format=json"],
    );
    assert_eq!(text(&out.stdout), "{\"ready\":\"yes\"}\n");
    assert_eq!(
        ctx.transactional,
        vec![Transactional::RelationSet {
            relation_id: 1,
            app: true,
            settings: bag(&[("ready", "yes"), ("url", "")]),
        }]
    );
}

#[test]
fn status_set_is_immediate_and_visible() {
    let mut ctx = sample(Base);
    assert_eq!(
        run(&mut ctx, "status-set", &["maintenance", "doing things"]).code,
        0
    );
    assert_eq!(
        ctx.immediate,
        vec![Immediate::StatusSet {
            app: false,
            status: "maintenance".into(),
            message: "doing things".into(),
        }]
    );
    assert_eq!(
        text(&run(&mut ctx, "status-get", &[]).stdout),
        "maintenance\n"
    );
    let mut leader = sample(Leader);
    assert_eq!(
        run(
            &mut leader,
            "status-set",
            &["--application", "blocked", "need db"]
        )
        .code,
        0
    );
    assert_eq!(
        text(&run(&mut leader, "status-get", &["--application"]).stdout),
        "blocked\n"
    );
    assert!(ctx.transactional.is_empty());
}

#[test]
fn leader_set_is_immediate_and_visible() {
    let mut ctx = sample(Leader);
    assert_eq!(
        run(&mut ctx, "leader-set", &["a=b", "cluster-key="]).code,
        0
    );
    assert_eq!(
        ctx.immediate,
        vec![Immediate::LeaderSet {
            settings: bag(&[("a", "b"), ("cluster-key", "")]),
        }]
    );
    assert_eq!(
        text(&run(&mut ctx, "leader-get", &["--format=json"]).stdout),
        "{\"a\":\"b\"}\n"
    );
}

#[test]
fn open_port_does_not_change_opened_ports() {
    let mut ctx = sample(Base);
    let before = run(&mut ctx, "opened-ports", &[]);
    assert_eq!(run(&mut ctx, "open-port", &["9090/UDP"]).code, 0);
    assert_eq!(
        run(&mut ctx, "close-port", &["80", "--endpoints", "a, b"]).code,
        0
    );
    assert_eq!(run(&mut ctx, "opened-ports", &[]), before);
    assert_eq!(
        ctx.transactional,
        vec![
            Transactional::OpenPort {
                port: port("udp", 9090, 9090, &[])
            },
            Transactional::ClosePort {
                port: port("tcp", 80, 80, &["a", "b"])
            },
        ]
    );
}

#[test]
fn state_writes_are_transactional_and_visible() {
    let mut ctx = sample(Base);
    assert_eq!(run(&mut ctx, "state-set", &["a=1", "counter=4"]).code, 0);
    assert_eq!(run(&mut ctx, "state-delete", &["a"]).code, 0);
    assert_eq!(
        ctx.transactional,
        vec![
            Transactional::StateSet {
                settings: bag(&[("a", "1"), ("counter", "4")])
            },
            Transactional::StateDelete { key: "a".into() },
        ]
    );
    assert_eq!(
        text(&run(&mut ctx, "state-get", &["counter"]).stdout),
        "4\n"
    );
    assert_eq!(run(&mut ctx, "state-delete", &["counter"]).code, 0);
    // An empty state reads as nil.
    assert_eq!(text(&run(&mut ctx, "state-get", &[]).stdout), "");
    assert_eq!(
        text(&run(&mut ctx, "state-get", &["--format=json"]).stdout),
        "null\n"
    );
}

#[test]
fn juju_log_records_level_and_relation_prefix() {
    let mut ctx = sample(RelHook);
    assert_eq!(
        run(&mut ctx, "juju-log", &["-l", "warn", "careful", "now"]).code,
        0
    );
    assert_eq!(
        run(&mut ctx, "juju-log", &["--log-level", "bogus", "hi"]).code,
        0
    );
    assert_eq!(
        run(&mut ctx, "juju-log", &["--debug", "-l", "ERROR", "dbg"]).code,
        0
    );
    let log = |level: &str, message: &str| Immediate::Log {
        level: level.into(),
        message: message.into(),
    };
    assert_eq!(
        ctx.immediate,
        vec![
            log("WARNING", "db:1: careful now"),
            log("WARNING", "Specified log level of \"bogus\" is not valid"),
            log("INFO", "db:1: hi"),
            log("DEBUG", "db:1: dbg"),
        ]
    );
}

#[test]
fn application_version_set_is_immediate() {
    let mut ctx = sample(Base);
    assert_eq!(
        run(&mut ctx, "application-version-set", &["--", "1.2.3"]).code,
        0
    );
    assert_eq!(
        ctx.immediate,
        vec![Immediate::ApplicationVersion {
            version: "1.2.3".into()
        }]
    );
}

#[test]
fn action_tools_record_results_failure_and_logs() {
    let mut ctx = sample(Action);
    assert_eq!(
        run(
            &mut ctx,
            "action-set",
            &["outfile.size=10G", "foo.bar=2", "foo.bar.zab=4", "top=1"]
        )
        .code,
        0
    );
    assert_eq!(run(&mut ctx, "action-log", &["step", "one"]).code, 0);
    assert_eq!(run(&mut ctx, "action-fail", &[]).code, 0);
    let action = ctx.action.clone().unwrap_or_default();
    assert_eq!(
        serde_json::to_value(&action.results).unwrap_or_default(),
        json!({"outfile": {"size": "10G"}, "foo": {"bar": {"zab": "4"}}, "top": "1"})
    );
    assert_eq!(action.logs, vec!["step one".to_string()]);
    assert_eq!(
        action.failed.as_deref(),
        Some("action failed without reason given, check action for errors")
    );
}

fn temp_dir(tag: &str) -> PathBuf {
    test_support::tmp!(format!("tools-golden-{tag}-{}", std::process::id()))
}

#[test]
fn output_option_writes_a_file_relative_to_cwd() {
    let dir = temp_dir("output");
    let mut ctx = sample(Base);
    let out = run_in(
        &mut ctx,
        &dir,
        "config-get",
        &["port", "-o", "port.txt"],
        "",
    );
    assert_eq!((out.code, text(&out.stdout)), (0, String::new()));
    assert_eq!(
        std::fs::read_to_string(dir.join("port.txt")).unwrap_or_default(),
        "8080\n"
    );
    let out = run_in(
        &mut ctx,
        &dir,
        "relation-ids",
        &["db", "--output=ids.json", "--format=json"],
        "",
    );
    assert_eq!((out.code, text(&out.stdout)), (0, String::new()));
    assert_eq!(
        std::fs::read_to_string(dir.join("ids.json")).unwrap_or_default(),
        "[\"db:1\",\"db:10\"]\n"
    );
    std::fs::write(dir.join("settings.yaml"), "x: hello\ny: 2\n").unwrap_or_default();
    let out = run_in(
        &mut ctx,
        &dir,
        "relation-set",
        &["-r", "1", "--file", "settings.yaml"],
        "",
    );
    assert_eq!(out.code, 0, "{}", text(&out.stderr));
    assert_eq!(
        ctx.transactional,
        vec![Transactional::RelationSet {
            relation_id: 1,
            app: false,
            settings: bag(&[("x", "hello"), ("y", "2")]),
        }]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn tool_calls_go_through_the_agent_socket_and_check_the_context_id() {
    let dir = temp_dir("main");
    let socket = dir.join("agent.socket");
    let mut ctx = sample(Base);
    let server = ToolServer::bind(&socket).unwrap_or_else(|e| panic!("bind: {e}"));
    let (sock, cwd) = (socket.clone(), dir.clone());
    let outs = server
        .serve_until(&mut ctx, move || {
            let call =
                |id: Option<&str>, path: Option<&Path>, argv0: &str, a: &[&str], input: &str| {
                    let args: Vec<String> = a.iter().map(|s| s.to_string()).collect();
                    tool_main_with_env(
                        argv0,
                        &args,
                        id,
                        path,
                        &mut Cursor::new(input.as_bytes().to_vec()),
                        &cwd,
                    )
                };
            let id = Some("kv-1-config-changed-42");
            vec![
                call(Some("wrong"), Some(&sock), "/tools/is-leader", &[], ""),
                call(None, Some(&sock), "/tools/is-leader", &[], ""),
                call(id, None, "/tools/is-leader", &[], ""),
                call(id, Some(&cwd.join("missing.socket")), "is-leader", &[], ""),
                call(id, Some(&sock), "/tools/is-leader", &[], ""),
                call(
                    id,
                    Some(&sock),
                    "/tools/status-set",
                    &["blocked", "no db"],
                    "",
                ),
                // Standard input is sent when the tool asks for it.
                call(id, Some(&sock), "state-set", &["--file", "-"], "k: v\n"),
                // Input and arguments together: recorded once, not once per attempt.
                call(
                    id,
                    Some(&sock),
                    "relation-set",
                    &["-r", "db:1", "--file", "-", "z=3"],
                    "y: 2\n",
                ),
                call(id, Some(&sock), "state-get", &["k"], ""),
            ]
        })
        .unwrap_or_else(|e| panic!("serve: {e}"));
    let got: Vec<(i32, String, String)> = outs
        .iter()
        .map(|o| (o.code, text(&o.stdout), text(&o.stderr)))
        .collect();
    assert_eq!(
        got[0],
        (
            1,
            String::new(),
            "ERROR bad request: wrong context ID; got \"wrong\"\n".to_string()
        )
    );
    assert_eq!(
        got[1],
        (
            1,
            String::new(),
            "ERROR JUJU_CONTEXT_ID not set\n".to_string()
        )
    );
    assert_eq!(
        got[2],
        (
            1,
            String::new(),
            "ERROR JUJU_AGENT_SOCKET_ADDRESS not set\n".to_string()
        )
    );
    assert_eq!(got[3].0, 1);
    assert!(
        got[3]
            .2
            .starts_with("ERROR cannot reach the unit agent at "),
        "{}",
        got[3].2
    );
    assert_eq!(got[4], (0, "False\n".to_string(), String::new()));
    assert_eq!(got[5].0, 0, "{}", got[5].2);
    assert_eq!(got[6].0, 0, "{}", got[6].2);
    assert_eq!(got[7].0, 0, "{}", got[7].2);
    assert_eq!(got[8], (0, "v\n".to_string(), String::new()));
    assert_eq!(
        ctx.immediate,
        vec![Immediate::StatusSet {
            app: false,
            status: "blocked".into(),
            message: "no db".into()
        }]
    );
    assert_eq!(ctx.unit_status.status, "blocked");
    assert_eq!(
        ctx.transactional,
        vec![
            Transactional::StateSet {
                settings: bag(&[("k", "v")])
            },
            Transactional::RelationSet {
                relation_id: 1,
                app: false,
                settings: bag(&[("y", "2"), ("z", "3")])
            }
        ]
    );
    assert!(!socket.exists(), "the socket is removed when the hook ends");
    let _ = std::fs::remove_dir_all(&dir);
}
