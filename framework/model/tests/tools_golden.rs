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
    ActionData, CurrentRelation, HookContextData, Immediate, PortRange, RelationView, SecretChange,
    SecretView, SecretsView, Status, Transactional,
};
use charms_reactive_model::secret::{Grant, GrantTarget, Owner, SecretContent, MODEL_EPOCH};
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
        secrets: secrets(matches!(v, Leader)),
        immediate: vec![],
        transactional: vec![],
        cpu: None,
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

/// Secret ids of the sample: `SECRET_A` owned by application kv (label `db-password`, hourly
/// rotation, revisions 1 and 2, granted to web over `db:1`; kv/1 tracks revision 1);
/// `SECRET_B` owned by unit kv/1 (label `tls`, expiring a day after the model epoch); `SECRET_C` owned
/// by web and granted to kv (kv/1 tracks revision 3 of 4 under its label `web-token`);
/// `SECRET_D` owned by cache, not granted.
const SECRET_A: &str = "d0a1b2c3d4e5f6g7h8i0";
const SECRET_B: &str = "d0a1b2c3d4e5f6g7h8jg";
const SECRET_C: &str = "c9bu7j9ap04b2k3f5hs0";
const SECRET_D: &str = "c9bu7j9ap04b2k3f5ht0";

/// Content as Juju stores it: base64-encoded values.
fn content(pairs: &[(&str, &str)]) -> SecretContent {
    SecretContent(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

/// What kv/1 sees of the model's secrets (see [`SECRET_A`]); as leader it manages
/// `SECRET_A`.
fn secrets(leader: bool) -> SecretsView {
    let web_grant = Grant {
        target: GrantTarget::Application("web".into()),
        relation: 1,
        scope: "relation-web.database#kv.db".into(),
    };
    let a = SecretView {
        owner: Some(Owner::Application("kv".into())),
        manage: leader,
        readable: true,
        label: Some("db-password".into()),
        rotate: Some("hourly".into()),
        next_rotate: Some(MODEL_EPOCH + 3600),
        latest: 2,
        grants: if leader { vec![web_grant] } else { vec![] },
        tracked: Some(1),
        contents: [
            (1, content(&[("password", "czNjcmV0LTE=")])),
            (2, content(&[("password", "czNjcmV0LTI=")])),
        ]
        .into(),
        ..SecretView::default()
    };
    let b = SecretView {
        owner: Some(Owner::Unit("kv/1".into())),
        manage: true,
        readable: true,
        label: Some("tls".into()),
        description: Some("tls key".into()),
        latest: 1,
        latest_expire: Some(MODEL_EPOCH + 86_400),
        contents: [(1, content(&[("cert", "Q0VSVA=="), ("key", "S0VZ")]))].into(),
        ..SecretView::default()
    };
    let c = SecretView {
        owner: Some(Owner::Application("web".into())),
        readable: true,
        latest: 4,
        tracked: Some(3),
        consumer_label: Some("web-token".into()),
        contents: [
            (3, content(&[("token", "b2xk")])),
            (4, content(&[("token", "bmV3")])),
        ]
        .into(),
        ..SecretView::default()
    };
    SecretsView {
        now: MODEL_EPOCH,
        seq: 42,
        created: 0,
        known: [SECRET_A, SECRET_B, SECRET_C, SECRET_D]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        secrets: [(SECRET_A, a), (SECRET_B, b), (SECRET_C, c)]
            .into_iter()
            .map(|(id, v)| (id.to_string(), v))
            .collect(),
        relation_tags: [
            (0, "relation-kv.cluster"),
            (1, "relation-web.database#kv.db"),
            (2, "relation-other.db#kv.db"),
            (10, "relation-cache.db#kv.db"),
        ]
        .into_iter()
        .map(|(id, t)| (id, t.to_string()))
        .collect(),
    }
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
    (Base, "secret-get", &["secret:abc"], None, E(""), E("ERROR secret URI \"secret:abc\" not valid\n"), 2),
    (Base, "secret-add", &["--help"], None, C("Usage: secret-add"), E(""), 0),
    (Base, "storage-get", &["-s", "data/0"], None, E(""), E("ERROR storage-get is not supported by the local model\n"), 1),
    (Base, "add-metric", &[], None, E(""), E("ERROR no metrics specified\n"), 2),
    (Base, "add-metric", &["a="], None, E(""), E("ERROR invalid metrics: expected \"key=value\", got \"a=\"\n"), 2),
    (Base, "add-metric", &["a=1"], None, E(""), E("ERROR cannot record metric: metrics not allowed in this context\n"), 1),
    (Base, "pod-spec-set", &["--file", "x"], None, E(""), E("ERROR pod-spec-set is not supported by the local model\n"), 1),
    (Base, "payload-register", &["-h"], None, C("Usage: payload-register"), E(""), 0),
    (Base, "no-such-tool", &[], None, E(""), E("ERROR bad request: unknown hook command: no-such-tool\n"), 1),
];

/// The secret tools' cases (ids: see [`SECRET_A`]). Expected outputs follow Juju 3.6's
/// `jujuc` secret commands: `secret-get` and `secret-info-get` print yaml (default) or
/// json only, `secret-ids` smart/yaml/json; argument errors exit 2, refusals 1.
#[rustfmt::skip]
const SECRET_CASES: &[Row] = &[
    // ---- secret-get: arguments ----
    (Base, "secret-get", &[], None, E(""), E("ERROR require either a secret URI or label\n"), 2),
    (Base, "secret-get", &["bogus"], None, E(""), E("ERROR secret URI \"bogus\" not valid\n"), 2),
    (Base, "secret-get", &["secret:d0a1b2c3d4e5f6g7h8i0", "--peek", "--refresh"], None, E(""), E("ERROR specify one of --peek or --refresh but not both\n"), 2),
    (Base, "secret-get", &["secret:d0a1b2c3d4e5f6g7h8i0", "a", "b"], None, E(""), E("ERROR unrecognized args: [\"b\"]\n"), 2),
    (Base, "secret-get", &["secret:d0a1b2c3d4e5f6g7h8i0", "--format=smart"], None, E(""), E("ERROR invalid value \"smart\" for option --format: unknown format \"smart\"\n"), 2),
    // ---- secret-get: tracked revision, --peek, --refresh, keys, labels ----
    (Base, "secret-get", &["secret:d0a1b2c3d4e5f6g7h8i0"], None, E("password: s3cret-1\n"), E(""), 0),
    (Base, "secret-get", &["secret:d0a1b2c3d4e5f6g7h8i0", "--format=json"], None, E("{\"password\":\"s3cret-1\"}\n"), E(""), 0),
    (Base, "secret-get", &["secret:d0a1b2c3d4e5f6g7h8i0", "--peek"], None, E("password: s3cret-2\n"), E(""), 0),
    (Base, "secret-get", &["secret:d0a1b2c3d4e5f6g7h8i0", "--refresh", "--format", "json"], None, E("{\"password\":\"s3cret-2\"}\n"), E(""), 0),
    (Base, "secret-get", &["secret:d0a1b2c3d4e5f6g7h8i0", "password"], None, E("s3cret-1\n"), E(""), 0),
    (Base, "secret-get", &["d0a1b2c3d4e5f6g7h8i0", "password", "--format=json"], None, E("\"s3cret-1\"\n"), E(""), 0),
    (Base, "secret-get", &["d0a1b2c3d4e5f6g7h8i0", "password#base64"], None, E("czNjcmV0LTE=\n"), E(""), 0),
    (Base, "secret-get", &["secret:d0a1b2c3d4e5f6g7h8i0", "missing"], None, E(""), E("ERROR secret key value \"missing\" not found\n"), 1),
    (Base, "secret-get", &["--label", "db-password"], None, E("password: s3cret-1\n"), E(""), 0),
    (Base, "secret-get", &["--label=web-token"], None, E("token: old\n"), E(""), 0),
    (Base, "secret-get", &["--label=web-token", "--peek"], None, E("token: new\n"), E(""), 0),
    (Base, "secret-get", &["secret://f2f0e0c1-5d5e-4c6e-9d21-6f1f4b7e9a10/c9bu7j9ap04b2k3f5hs0"], None, E("token: old\n"), E(""), 0),
    (Base, "secret-get", &["--label", "nope"], None, E(""), E("ERROR consumer label \"nope\" not found\n"), 1),
    (Base, "secret-get", &["secret:d0a1b2c3d4e5f6g7h8jg"], None, E("cert: CERT\nkey: KEY\n"), E(""), 0),
    (Base, "secret-get", &["secret:c9bu7j9ap04b2k3f5ht0"], None, E(""), E("ERROR permission denied\n"), 1),
    (Base, "secret-get", &["secret:c9bu7j9ap04b2k3f5hu0"], None, E(""), E("ERROR secret \"c9bu7j9ap04b2k3f5hu0\" not found\n"), 1),
    (Base, "secret-get", &["foo:d0a1b2c3d4e5f6g7h8i0"], None, E(""), E("ERROR secret URI \"foo:d0a1b2c3d4e5f6g7h8i0\" not valid\n"), 2),
    // ---- secret-add ----
    (Base, "secret-add", &[], None, E(""), E("ERROR missing secret value or filename\n"), 2),
    (Base, "secret-add", &["=x"], None, E(""), E("ERROR key value \"=x\" not valid\n"), 2),
    (Base, "secret-add", &["ab=x"], None, E(""), E("ERROR key \"ab\" not valid\n"), 2),
    (Base, "secret-add", &["--rotate", "sometimes", "a-key=x"], None, E(""), E("ERROR rotate policy \"sometimes\" not valid\n"), 2),
    (Base, "secret-add", &["--owner", "model", "a-key=x"], None, E(""), E("ERROR secret owner \"model\" not valid\n"), 2),
    (Base, "secret-add", &["--expire", "-1h", "a-key=x"], None, E(""), E("ERROR negative expire duration \"-1h\" not valid\n"), 2),
    (Base, "secret-add", &["--expire", "soon", "a-key=x"], None, E(""), E("ERROR expire time or duration \"soon\" not valid\n"), 2),
    (Base, "secret-add", &["--file", "missing.yaml"], None, E(""), E("ERROR open /nonexistent-cwd/missing.yaml: no such file or directory\n"), 2),
    (Base, "secret-add", &["--owner=unit", "key#file=missing.txt"], None, E(""), E("ERROR reading content for secret key \"key\": open /nonexistent-cwd/missing.txt: no such file or directory\n"), 2),
    (Base, "secret-add", &["token=s3cret"], None, E(""), E("ERROR this unit is not the leader\n"), 1),
    (Base, "secret-add", &["--owner", "unit", "--label", "tls", "token=s3cret"], None, E(""), E("ERROR secret with label \"tls\" already exists\n"), 1),
    (Base, "secret-add", &["--owner", "unit", "token=s3cret"], None, C("secret:"), E(""), 0),
    (Leader, "secret-add", &["--rotate", "monthly", "--expire", "24h", "token=s3cret"], None, C("secret:"), E(""), 0),
    (Leader, "secret-add", &["--expire", "2025-01-01T06:06:06", "cert#base64=AA=="], None, C("secret:"), E(""), 0),
    // ---- secret-set ----
    (Base, "secret-set", &[], None, E(""), E("ERROR missing secret URI\n"), 2),
    (Base, "secret-set", &["bad"], None, E(""), E("ERROR secret URI \"bad\" not valid\n"), 2),
    (Base, "secret-set", &["secret:d0a1b2c3d4e5f6g7h8jg", "--rotate", "sometimes"], None, E(""), E("ERROR rotate policy \"sometimes\" not valid\n"), 2),
    (Base, "secret-set", &["secret:d0a1b2c3d4e5f6g7h8i0", "password=x"], None, E(""), E("ERROR this unit is not the leader\n"), 1),
    (Base, "secret-set", &["secret:c9bu7j9ap04b2k3f5hs0", "token=x"], None, E(""), E("ERROR permission denied\n"), 1),
    (Base, "secret-set", &["secret:c9bu7j9ap04b2k3f5hu0", "token=x"], None, E(""), E("ERROR secret \"c9bu7j9ap04b2k3f5hu0\" not found\n"), 1),
    (Base, "secret-set", &["secret:d0a1b2c3d4e5f6g7h8jg", "--label", "db-password"], None, E(""), E("ERROR secret with label \"db-password\" already exists\n"), 1),
    (Base, "secret-set", &["secret:d0a1b2c3d4e5f6g7h8jg", "--rotate", "daily", "--description", "new"], None, E(""), E(""), 0),
    (Leader, "secret-set", &["secret:d0a1b2c3d4e5f6g7h8i0", "password=n3w"], None, E(""), E(""), 0),
    // ---- secret-remove ----
    (Base, "secret-remove", &[], None, E(""), E("ERROR missing secret URI\n"), 2),
    (Base, "secret-remove", &["secret:d0a1b2c3d4e5f6g7h8jg", "extra"], None, E(""), E("ERROR unrecognized args: [\"extra\"]\n"), 2),
    (Base, "secret-remove", &["secret:d0a1b2c3d4e5f6g7h8jg", "--revision", "x"], None, E(""), E("ERROR invalid value \"x\" for option --revision: strconv.ParseInt: parsing \"x\": invalid syntax\n"), 2),
    (Base, "secret-remove", &["secret:d0a1b2c3d4e5f6g7h8i0"], None, E(""), E("ERROR this unit is not the leader\n"), 1),
    (Base, "secret-remove", &["secret:c9bu7j9ap04b2k3f5hu0"], None, E(""), E("ERROR secret \"c9bu7j9ap04b2k3f5hu0\" not found\n"), 1),
    (Leader, "secret-remove", &["secret:d0a1b2c3d4e5f6g7h8i0", "--revision", "1"], None, E(""), E(""), 0),
    (Base, "secret-remove", &["secret:d0a1b2c3d4e5f6g7h8jg"], None, E(""), E(""), 0),
    // ---- secret-grant ----
    (Base, "secret-grant", &[], None, E(""), E("ERROR missing secret URI\n"), 2),
    (Base, "secret-grant", &["secret:d0a1b2c3d4e5f6g7h8jg"], None, E(""), E("ERROR no relation id specified\n"), 2),
    (Base, "secret-grant", &["secret:d0a1b2c3d4e5f6g7h8jg", "-r", "9"], None, E(""), E("ERROR invalid value \"9\" for option -r: relation not found\n"), 2),
    (Base, "secret-grant", &["secret:d0a1b2c3d4e5f6g7h8jg", "-r", "1", "--unit", "web"], None, E(""), E("ERROR unit \"web\" not valid\n"), 2),
    (Base, "secret-grant", &["secret:d0a1b2c3d4e5f6g7h8jg", "-r", "1", "--unit", "cache/0"], None, E(""), E("ERROR cannot specify unit \"cache/0\" in relation to application \"web\"\n"), 2),
    (Base, "secret-grant", &["secret:d0a1b2c3d4e5f6g7h8jg", "-r", "1", "x"], None, E(""), E("ERROR unrecognized args: [\"x\"]\n"), 2),
    (Base, "secret-grant", &["secret:d0a1b2c3d4e5f6g7h8i0", "-r", "1"], None, E(""), E("ERROR secret \"d0a1b2c3d4e5f6g7h8i0\" not found\n"), 1),
    (Base, "secret-grant", &["secret:d0a1b2c3d4e5f6g7h8jg", "--relation", "db:1"], None, E(""), E(""), 0),
    (Leader, "secret-grant", &["secret:d0a1b2c3d4e5f6g7h8i0", "-r", "1", "--unit", "web/0"], None, E(""), E(""), 0),
    (RelHook, "secret-grant", &["secret:d0a1b2c3d4e5f6g7h8jg", "--unit", "web/0"], None, E(""), E(""), 0),
    // ---- secret-revoke ----
    (Base, "secret-revoke", &[], None, E(""), E("ERROR missing secret URI\n"), 2),
    (Base, "secret-revoke", &["secret:d0a1b2c3d4e5f6g7h8jg"], None, E(""), E("ERROR missing relation or application or unit\n"), 2),
    (Base, "secret-revoke", &["secret:d0a1b2c3d4e5f6g7h8jg", "--app", "web", "--unit", "web/0"], None, E(""), E("ERROR specify only one of application or unit\n"), 2),
    (Base, "secret-revoke", &["secret:d0a1b2c3d4e5f6g7h8jg", "--app", "Web"], None, E(""), E("ERROR application \"Web\" not valid\n"), 2),
    (Base, "secret-revoke", &["secret:d0a1b2c3d4e5f6g7h8jg", "--unit", "web"], None, E(""), E("ERROR unit \"web\" not valid\n"), 2),
    (Base, "secret-revoke", &["secret:d0a1b2c3d4e5f6g7h8jg", "-r", "1", "--app", "web"], None, E(""), E("ERROR do not specify both relation and app\n"), 2),
    (RelHook, "secret-revoke", &["secret:d0a1b2c3d4e5f6g7h8jg", "--app", "web"], None, E(""), E("ERROR do not specify both relation and app\n"), 2),
    (Base, "secret-revoke", &["secret:d0a1b2c3d4e5f6g7h8i0", "--app", "web"], None, E(""), E("ERROR this unit is not the leader\n"), 1),
    (Base, "secret-revoke", &["secret:d0a1b2c3d4e5f6g7h8jg", "--application", "web"], None, E(""), E(""), 0),
    (Base, "secret-revoke", &["secret:d0a1b2c3d4e5f6g7h8jg", "--unit", "web/0"], None, E(""), E(""), 0),
    (Leader, "secret-revoke", &["secret:d0a1b2c3d4e5f6g7h8i0", "-r", "1"], None, E(""), E(""), 0),
    // ---- secret-ids ----
    (Base, "secret-ids", &[], None, E("d0a1b2c3d4e5f6g7h8jg\n"), E(""), 0),
    (Base, "secret-ids", &["--format=json"], None, E("[\"d0a1b2c3d4e5f6g7h8jg\"]\n"), E(""), 0),
    (Leader, "secret-ids", &[], None, E("d0a1b2c3d4e5f6g7h8i0\nd0a1b2c3d4e5f6g7h8jg\n"), E(""), 0),
    (Leader, "secret-ids", &["--format=yaml"], None, E("- d0a1b2c3d4e5f6g7h8i0\n- d0a1b2c3d4e5f6g7h8jg\n"), E(""), 0),
    (Base, "secret-ids", &["x"], None, E(""), E("ERROR unrecognized args: [\"x\"]\n"), 2),
    // ---- secret-info-get ----
    (Base, "secret-info-get", &[], None, E(""), E("ERROR require either a secret URI or label\n"), 2),
    (Base, "secret-info-get", &["secret:d0a1b2c3d4e5f6g7h8jg", "--label", "tls"], None, E(""), E("ERROR specify either a secret URI or label but not both\n"), 2),
    (Base, "secret-info-get", &["nope"], None, E(""), E("ERROR secret URI \"nope\" not valid\n"), 2),
    (Base, "secret-info-get", &["secret:d0a1b2c3d4e5f6g7h8jg", "x"], None, E(""), E("ERROR unrecognized args: [\"x\"]\n"), 2),
    (Base, "secret-info-get", &["secret:d0a1b2c3d4e5f6g7h8jg"], None, E("d0a1b2c3d4e5f6g7h8jg:\n  revision: 1\n  label: tls\n  owner: unit\n  description: tls key\n  expiry: 2025-01-02T00:00:00Z\n"), E(""), 0),
    (Base, "secret-info-get", &["--label", "tls", "--format=json"], None, E("{\"d0a1b2c3d4e5f6g7h8jg\":{\"revision\":1,\"label\":\"tls\",\"owner\":\"unit\",\"description\":\"tls key\",\"expiry\":\"2025-01-02T00:00:00Z\"}}\n"), E(""), 0),
    (Base, "secret-info-get", &["secret:d0a1b2c3d4e5f6g7h8i0"], None, E(""), E("ERROR secret \"d0a1b2c3d4e5f6g7h8i0\" not found\n"), 1),
    (Base, "secret-info-get", &["--label", "nope"], None, E(""), E("ERROR secret \"nope\" not found\n"), 1),
    (Leader, "secret-info-get", &["secret:d0a1b2c3d4e5f6g7h8i0"], None, E("d0a1b2c3d4e5f6g7h8i0:\n  revision: 2\n  label: db-password\n  owner: application\n  rotation: hourly\n  rotates: 2025-01-01T01:00:00Z\n  access:\n  - target: application-web\n    scope: relation-web.database#kv.db\n    role: view\n"), E(""), 0),
    (Leader, "secret-info-get", &["--label=db-password", "--format", "json"], None, E("{\"d0a1b2c3d4e5f6g7h8i0\":{\"revision\":2,\"label\":\"db-password\",\"owner\":\"application\",\"rotation\":\"hourly\",\"rotates\":\"2025-01-01T01:00:00Z\",\"access\":[{\"target\":\"application-web\",\"scope\":\"relation-web.database#kv.db\",\"role\":\"view\"}]}}\n"), E(""), 0),
    (Base, "secret-info-get", &["--help"], None, C("Usage: secret-info-get [options] <ID>"), E(""), 0),
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
    for (i, (v, tool, args, stdin, stdout, stderr, code)) in
        CASES.iter().chain(SECRET_CASES).enumerate()
    {
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

#[test]
fn secret_changes_are_transactional_and_visible_in_the_hook() {
    let mut ctx = sample(Leader);
    let out = run(&mut ctx, "secret-add", &["--label", "api-key", "token=v1"]);
    assert_eq!(out.code, 0, "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    let id = printed
        .trim_end()
        .strip_prefix("secret:")
        .unwrap_or_default()
        .to_string();
    // Juju's ids are xids: 20 characters of lowercase base32hex.
    assert!(
        id.len() == 20
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b)),
        "{printed:?}"
    );
    assert_eq!(printed, format!("secret:{id}\n"));
    // Read back by label and by id, changed, listed: all within the hook.
    assert_eq!(
        text(&run(&mut ctx, "secret-get", &["--label", "api-key"]).stdout),
        "token: v1\n"
    );
    assert_eq!(run(&mut ctx, "secret-set", &[&id, "token=v2"]).code, 0);
    assert_eq!(
        text(&run(&mut ctx, "secret-get", &[&id, "token"]).stdout),
        "v2\n"
    );
    assert!(text(&run(&mut ctx, "secret-ids", &[]).stdout).contains(&id));
    // --refresh moves the tracked revision of A to its latest.
    assert_eq!(
        text(&run(&mut ctx, "secret-get", &[SECRET_A, "--refresh"]).stdout),
        "password: s3cret-2\n"
    );
    assert_eq!(
        text(&run(&mut ctx, "secret-get", &[SECRET_A]).stdout),
        "password: s3cret-2\n"
    );
    // Everything is transactional; the update of the new secret changed its creation.
    assert!(ctx.immediate.is_empty());
    let changes: Vec<&SecretChange> = ctx
        .transactional
        .iter()
        .map(|t| match t {
            Transactional::Secret { change } => change,
            other => panic!("not a secret change: {other:?}"),
        })
        .collect();
    assert_eq!(changes.len(), 2, "{changes:?}");
    match changes[0] {
        SecretChange::Create {
            id: created,
            owner,
            label,
            content,
            ..
        } => {
            assert_eq!(created, &id);
            assert_eq!(owner, &Owner::Application("kv".into()));
            assert_eq!(label.as_deref(), Some("api-key"));
            assert_eq!(content.key_value("token"), Ok("v2".into()));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        changes[1],
        &SecretChange::Track {
            id: SECRET_A.into(),
            revision: 2,
            label: None
        }
    );
    // A secret's value (here base64-encoded, as stored) never shows in Debug output.
    let debug = format!("{ctx:?}");
    for stored in ["djI=", "czNjcmV0LTE=", "czNjcmV0LTI="] {
        assert!(!debug.contains(stored), "{stored} in {debug}");
    }
}

#[test]
fn secret_ids_of_a_unit_owning_nothing() {
    let mut ctx = sample(Base);
    ctx.secrets.secrets.remove(SECRET_B);
    assert_eq!(text(&run(&mut ctx, "secret-ids", &[]).stdout), "");
    assert_eq!(
        text(&run(&mut ctx, "secret-ids", &["--format=json"]).stdout),
        "null\n"
    );
    assert_eq!(
        text(&run(&mut ctx, "secret-ids", &["--format=yaml"]).stdout),
        "[]\n"
    );
}

#[test]
fn a_consumer_label_given_with_the_id_is_recorded() {
    let mut ctx = sample(Base);
    let out = run(
        &mut ctx,
        "secret-get",
        &[SECRET_C, "--label", "their-token"],
    );
    assert_eq!(text(&out.stdout), "token: old\n");
    assert_eq!(
        ctx.transactional,
        vec![Transactional::Secret {
            change: SecretChange::Track {
                id: SECRET_C.into(),
                revision: 3,
                label: Some("their-token".into())
            }
        }]
    );
    assert_eq!(
        text(
            &run(
                &mut ctx,
                "secret-get",
                &["--label", "their-token", "--peek"]
            )
            .stdout
        ),
        "token: new\n"
    );
}

#[test]
fn two_updates_in_one_hook_make_one_revision() {
    let mut ctx = sample(Leader);
    assert_eq!(
        run(&mut ctx, "secret-set", &[SECRET_A, "password=n1"]).code,
        0
    );
    assert_eq!(
        run(
            &mut ctx,
            "secret-set",
            &[SECRET_A, "password=n2", "--description", "d"]
        )
        .code,
        0
    );
    // The new content reads with --peek, and the tracked revision without it.
    assert_eq!(
        text(&run(&mut ctx, "secret-get", &[SECRET_A, "--peek", "password"]).stdout),
        "n2\n"
    );
    assert_eq!(
        text(&run(&mut ctx, "secret-get", &[SECRET_A, "password"]).stdout),
        "s3cret-1\n"
    );
    match ctx.transactional.as_slice() {
        [Transactional::Secret {
            change:
                SecretChange::Update {
                    id,
                    description,
                    content: Some(content),
                    ..
                },
        }] => {
            assert_eq!(id, SECRET_A);
            assert_eq!(description.as_deref(), Some("d"));
            assert_eq!(content.key_value("password"), Ok("n2".into()));
        }
        other => panic!("{other:?}"),
    }
}
