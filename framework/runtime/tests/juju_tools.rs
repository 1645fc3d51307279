//! The real backend, [`JujuTools`], against small stand-in tools that record their
//! argument vector and stdin and print canned output: checks the argument vectors, the
//! JSON parsing, the per-hook read cache and the typed errors.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use charms_reactive::low_level::backend::*;
use charms_reactive::secrets::SecretRef;
use charms_reactive::Scope;

struct Tools {
    dir: PathBuf,
}

impl Tools {
    fn new(name: &str) -> Tools {
        let dir = test_support::tmp!(format!("juju-tools-{name}"));
        Tools { dir }
    }

    /// A tool that appends `<name> <args…>` (one line) and its stdin to `calls`, prints
    /// `stdout`, writes `stderr` and exits with `code`.
    fn tool(&self, name: &str, stdout: &str, stderr: &str, code: i32) {
        let script = format!(
            "#!/bin/sh\nprintf '%s' '{name}' >> \"$(dirname \"$0\")/calls\"\nfor a in \"$@\"; do printf ' %s' \"$a\" >> \"$(dirname \"$0\")/calls\"; done\n\
             echo >> \"$(dirname \"$0\")/calls\"\n[ -t 0 ] || cat >> \"$(dirname \"$0\")/stdin\"\nprintf '%s' '{stdout}'\nprintf '%s' '{stderr}' >&2\nexit {code}\n"
        );
        let path = self.dir.join(name);
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("calls"))
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect()
    }

    fn stdin(&self) -> String {
        std::fs::read_to_string(self.dir.join("stdin")).unwrap_or_default()
    }

    fn backend(&self) -> JujuTools {
        JujuTools::in_dir(&self.dir)
    }
}

#[test]
fn reads_parse_json_and_are_cached_per_hook() {
    let t = Tools::new("reads");
    t.tool(
        "config-get",
        r#"{"port": 5672, "name": "x", "flag": true, "unset": null}"#,
        "",
        0,
    );
    t.tool("relation-ids", r#"["db:1","db:10"]"#, "", 0);
    t.tool("relation-get", r#"{"host": "10.0.0.1"}"#, "", 0);
    t.tool("is-leader", "true", "", 0);
    let b = t.backend();
    let config = b.config_get().unwrap();
    assert_eq!(config["port"], 5672);
    assert_eq!(config["unset"], serde_json::Value::Null);
    b.config_get().unwrap();
    assert_eq!(b.relation_ids("db").unwrap(), ["db:1", "db:10"]);
    assert_eq!(
        b.relation_get("db:1", "pg/0", Scope::Unit)
            .unwrap()
            .get("host")
            .map(String::as_str),
        Some("10.0.0.1")
    );
    assert!(b.is_leader().unwrap());
    assert_eq!(
        t.calls(),
        [
            "config-get --all --format=json",
            "relation-ids db --format=json",
            "relation-get -r db:1 - pg/0 --format=json",
            "is-leader --format=json",
        ]
    );
}

#[test]
fn relation_set_sends_values_on_stdin_and_drops_cached_relation_reads() {
    let t = Tools::new("relation-set");
    t.tool("relation-get", "{}", "", 0);
    t.tool("relation-set", "", "", 0);
    let b = t.backend();
    b.relation_get("db:1", "me/0", Scope::Unit).unwrap();
    let settings: Settings = [("password".to_string(), "s3cret".to_string())].into();
    b.relation_set("db:1", Scope::Unit, &settings).unwrap();
    b.relation_get("db:1", "me/0", Scope::Unit).unwrap();
    let calls = t.calls();
    assert_eq!(calls[1], "relation-set -r db:1 --app=false --file -");
    assert_eq!(
        calls.len(),
        3,
        "the write must invalidate the cached read: {calls:?}"
    );
    assert!(
        !calls.iter().any(|c| c.contains("s3cret")),
        "values must not be in argv"
    );
    assert_eq!(t.stdin(), r#"{"password":"s3cret"}"#);
}

#[test]
fn a_failing_tool_gives_a_typed_error_with_its_stderr_and_no_values() {
    let t = Tools::new("failing");
    t.tool(
        "leader-set",
        "",
        "ERROR cannot write leadership settings: cannot write settings: not the leader",
        1,
    );
    t.tool("status-set", "", "ERROR invalid status", 2);
    let b = t.backend();
    let err = b
        .leader_set(&[("password".to_string(), "hunter2".to_string())].into())
        .unwrap_err();
    assert_eq!(err.exit_code(), Some(1));
    let msg = err.to_string();
    assert!(
        msg.contains("not the leader") && msg.contains("password=…"),
        "{msg}"
    );
    assert!(!msg.contains("hunter2"), "{msg}");
    let err = b
        .status_set(Scope::Unit, WorkloadStatus::Active, "ready")
        .unwrap_err();
    assert_eq!(err.exit_code(), Some(2));
    assert_eq!(
        t.calls()[1],
        "status-set --application=false active -- ready"
    );
}

#[test]
fn missing_tools_and_bad_output_are_distinct_errors() {
    let t = Tools::new("missing");
    t.tool("leader-get", "not json", "", 0);
    let b = t.backend();
    assert!(matches!(b.is_leader(), Err(ToolError::Missing { tool }) if tool == "is-leader"));
    assert!(
        matches!(b.leader_get(), Err(ToolError::BadOutput { tool, .. }) if tool == "leader-get")
    );
}

#[test]
fn every_tool_family_builds_juju_argument_vectors() {
    let t = Tools::new("families");
    for (tool, out) in [
        ("relation-list", r#"["pg/0"]"#),
        ("leader-get", r#"{"k": "v"}"#),
        (
            "status-get",
            r#"{"application-status": {"status": "active", "message": "m", "units": {}}}"#,
        ),
        ("juju-log", ""),
        ("unit-get", r#""10.0.0.2""#),
        ("network-get", r#"{"ingress-addresses": ["10.0.0.2"]}"#),
        ("application-version-set", ""),
        ("open-port", ""),
        ("close-port", ""),
        ("opened-ports", r#"["80/tcp","8000-8999/udp","icmp"]"#),
        ("action-get", r#"{"target": "/srv"}"#),
        ("action-set", ""),
        ("action-fail", ""),
        ("action-log", ""),
        ("state-get", r#"{"a": "1"}"#),
        ("state-set", ""),
        ("state-delete", ""),
    ] {
        t.tool(tool, out, "", 0);
    }
    let b = t.backend();
    assert_eq!(b.relation_list("db:1").unwrap(), ["pg/0"]);
    // The stand-in prints the unit list for `--app` too, where Juju prints a string.
    assert!(matches!(
        b.relation_remote_app("db:1"),
        Err(ToolError::BadOutput { .. })
    ));
    assert_eq!(
        b.leader_get().unwrap().get("k").map(String::as_str),
        Some("v")
    );
    assert_eq!(
        b.status_get(Scope::App).unwrap(),
        StatusInfo {
            status: "active".into(),
            message: "m".into()
        }
    );
    b.juju_log(LogLevel::Warning, "careful").unwrap();
    // juju-log runs detached (overlapping the next step); wait so the record stays ordered.
    b.wait_detached();
    assert_eq!(b.unit_get("private-address").unwrap(), "10.0.0.2");
    assert_eq!(
        b.network_get("db", Some("db:1")).unwrap()["ingress-addresses"][0],
        "10.0.0.2"
    );
    b.application_version_set("3.10").unwrap();
    b.open_port(&Port::tcp(5672)).unwrap();
    b.close_port(&"8000-8999/udp".parse().unwrap()).unwrap();
    let ports = b.opened_ports().unwrap();
    assert_eq!(
        ports.iter().map(Port::to_string).collect::<Vec<_>>(),
        ["80/tcp", "8000-8999/udp", "icmp"]
    );
    assert_eq!(b.action_get().unwrap()["target"], "/srv");
    b.action_set(&[("result".to_string(), "ok".to_string())].into())
        .unwrap();
    b.action_fail("no disk").unwrap();
    b.action_log("halfway").unwrap();
    assert_eq!(
        b.state_get().unwrap().get("a").map(String::as_str),
        Some("1")
    );
    b.state_set(&[("a".to_string(), "2".to_string())].into())
        .unwrap();
    b.state_delete("a").unwrap();
    assert_eq!(
        t.calls(),
        [
            "relation-list -r db:1 --format=json",
            "relation-list -r db:1 --app --format=json",
            "leader-get - --format=json",
            "status-get --include-data --application=true --format=json",
            "juju-log -l WARNING -- careful",
            "unit-get private-address --format=json",
            "network-get db -r db:1 --format=json",
            "application-version-set -- 3.10",
            "open-port 5672/tcp",
            "close-port 8000-8999/udp",
            "opened-ports --format=json",
            "action-get --format=json",
            "action-set result=ok",
            "action-fail -- no disk",
            "action-log -- halfway",
            "state-get - --format=json",
            "state-set --file -",
            "state-delete -- a",
        ]
    );
}

#[test]
fn leader_set_refuses_values_juju_would_trim_and_bad_keys_before_running_anything() {
    let t = Tools::new("leader-set-checks");
    t.tool("leader-set", "", "", 0);
    let b = t.backend();
    let padded = b
        .leader_set(&[("cert".to_string(), "PEM\n".to_string())].into())
        .unwrap_err();
    assert!(
        padded.to_string().contains("whitespace") && !padded.to_string().contains("PEM"),
        "{padded}"
    );
    assert!(b
        .leader_set(&[("a=b".to_string(), "x".to_string())].into())
        .is_err());
    assert!(b
        .leader_set(&[(" k".to_string(), "x".to_string())].into())
        .is_err());
    assert!(t.calls().is_empty(), "nothing may run: {:?}", t.calls());
    assert!(b
        .action_set(&[("Bad_Key".to_string(), "x".to_string())].into())
        .is_err());
    assert!(b
        .action_set(&[("stdout".to_string(), "x".to_string())].into())
        .is_err());
}

#[test]
fn a_tool_that_exits_without_reading_stdin_reports_its_own_error() {
    let t = Tools::new("epipe");
    // Exits at once with an argument error, never reading stdin.
    let script = t.dir.join("relation-set");
    std::fs::write(&script, "#!/bin/sh\necho 'ERROR invalid value \"db:9\" for option -r: relation not found' >&2\nexit 2\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let b = t.backend();
    let big = "x".repeat(256 * 1024);
    let err = b
        .relation_set("db:9", Scope::Unit, &[("blob".to_string(), big)].into())
        .unwrap_err();
    assert_eq!(err.exit_code(), Some(2), "{err}");
    assert!(err.to_string().contains("relation not found"), "{err}");
}

#[test]
fn a_tool_error_that_echoes_a_value_is_scrubbed() {
    let t = Tools::new("scrub");
    t.tool(
        "leader-set",
        "",
        "ERROR expected key=value, got hunter2-secret",
        2,
    );
    let err = t
        .backend()
        .leader_set(&[("password".to_string(), "hunter2-secret".to_string())].into())
        .unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

/// A secret tool stand-in: records its argument vector with each `key#file=<path>` shown
/// as `key#file=<key>`, and, in `files`, each such file's content and the modes of its
/// folder and itself; prints `stdout`; on a non-zero `code` writes `ERROR <stderr>` and
/// then the content and paths it was sent (to check that errors are scrubbed).
fn secret_tool(t: &Tools, name: &str, stdout: &str, stderr: &str, code: i32) {
    let script = format!(
        r#"#!/bin/sh
d="$(dirname "$0")"
printf '%s' '{name}' >> "$d/calls"
for a in "$@"; do
  case "$a" in
    *'#file='*)
      k="${{a%%#file=*}}"; f="${{a#*#file=}}"
      printf ' %s#file=<%s>' "$k" "$k" >> "$d/calls"
      printf '%s=%s %s/%s\n' "$k" "$(cat "$f")" "$(stat -c %a "$(dirname "$f")")" "$(stat -c %a "$f")" >> "$d/files"
      echo "$f" >> "$d/paths";;
    *) printf ' %s' "$a" >> "$d/calls";;
  esac
done
echo >> "$d/calls"
printf '%s' '{stdout}'
if [ {code} -ne 0 ]; then
  printf 'ERROR %s ' '{stderr}' >&2
  if [ -f "$d/files" ]; then cat "$d/files" "$d/paths" >&2; fi
fi
exit {code}
"#
    );
    let path = t.dir.join(name);
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn read_lines(t: &Tools, file: &str) -> Vec<String> {
    std::fs::read_to_string(t.dir.join(file))
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect()
}

const SECRET: &str = "secret:9m4e2mr0ui3e8a215n4g";

fn secret_id() -> SecretId {
    SECRET.parse().unwrap()
}

/// Outputs are Juju's own: `secret-add` prints the URI (`fmt.Fprintln(uri.String())`),
/// `secret-get --format json` prints `{"key":"s3cret!"}` (jujuc's secret-get tests),
/// `secret-ids` a list of bare ids and `secret-info-get` `{<id>: {revision, label, owner,
/// description, rotation, expiry, rotates}}` (jujuc's secret-ids and secret-info-get
/// tests and its `metadataDisplay` JSON tags).
#[test]
fn secret_tools_build_juju_argument_vectors_and_read_juju_output() {
    use std::time::{Duration, UNIX_EPOCH};
    let t = Tools::new("secrets");
    secret_tool(&t, "secret-add", "secret:9m4e2mr0ui3e8a215n4g\n", "", 0);
    secret_tool(&t, "secret-get", "{\"key\":\"s3cret!\"}\n", "", 0);
    secret_tool(&t, "secret-set", "", "", 0);
    secret_tool(&t, "secret-remove", "", "", 0);
    secret_tool(&t, "secret-grant", "", "", 0);
    secret_tool(&t, "secret-revoke", "", "", 0);
    secret_tool(&t, "secret-ids", "[\"9m4e2mr0ui3e8a215n4g\"]\n", "", 0);
    secret_tool(
        &t,
        "secret-info-get",
        r#"{"9m4e2mr0ui3e8a215n4g":{"revision":666,"label":"label","owner":"application","description":"description","rotation":"hourly","expiry":"2025-01-01T06:06:06Z","rotates":"2025-01-01T07:06:06.5+01:00"}}"#,
        "",
        0,
    );
    let b = t.backend();
    let content = SecretContent::from([("password", "s3cret two"), ("user", "admin")]);
    let id = b
        .secret_add(
            &NewSecret::new(content.clone())
                .owner(Scope::Unit)
                .label("db")
                .description("the db's")
                .expire(Expire::After(Duration::from_secs(90 * 60)))
                .rotate(RotatePolicy::Weekly),
        )
        .unwrap();
    assert_eq!(id, secret_id());
    b.secret_add(&NewSecret::new(content.clone())).unwrap();
    let got = b.secret_get(Some(&id), None, SecretRead::Tracked).unwrap();
    assert_eq!(got.get("key"), Some("s3cret!"));
    b.secret_get(None, Some("db"), SecretRead::Refresh).unwrap();
    b.secret_get(Some(&id), Some("theirs"), SecretRead::Peek)
        .unwrap();
    b.secret_set(
        &id,
        &SecretUpdate::content(SecretContent::from([("password", "new")])),
    )
    .unwrap();
    b.secret_set(
        &id,
        &SecretUpdate::default()
            .label("db2")
            .expire(Expire::At(UNIX_EPOCH + Duration::from_secs(1_735_711_566))),
    )
    .unwrap();
    b.secret_remove(&id, Revisions::All).unwrap();
    b.secret_remove(&id, Revisions::One(3)).unwrap();
    b.secret_grant(&id, "db:1", None).unwrap();
    b.secret_grant(&id, "db:1", Some("pg/0")).unwrap();
    b.secret_revoke(&id, "db:1", Some("pg/0")).unwrap();
    assert_eq!(b.secret_ids().unwrap(), [secret_id()]);
    let info = b.secret_info_get(&SecretRef::Id(id.clone())).unwrap();
    assert_eq!(
        info,
        SecretInfo {
            id: secret_id(),
            label: Some("label".into()),
            owner: Scope::App,
            description: Some("description".into()),
            expiry: Some(UNIX_EPOCH + Duration::from_secs(1_735_711_566)),
            rotation: Some(RotatePolicy::Hourly),
            rotates: Some(UNIX_EPOCH + Duration::from_millis(1_735_711_566_500)),
            revision: 666,
        }
    );
    b.secret_info_get(&SecretRef::label("db")).unwrap();
    assert_eq!(
        t.calls(),
        [
            "secret-add --owner=unit --label=db --description=the db's --expire=1h30m --rotate=weekly password#file=<password> user#file=<user>",
            "secret-add --owner=application password#file=<password> user#file=<user>",
            "secret-get secret:9m4e2mr0ui3e8a215n4g --format=json",
            "secret-get --label=db --refresh --format=json",
            "secret-get secret:9m4e2mr0ui3e8a215n4g --label=theirs --peek --format=json",
            "secret-set secret:9m4e2mr0ui3e8a215n4g password#file=<password>",
            "secret-set secret:9m4e2mr0ui3e8a215n4g --label=db2 --expire=2025-01-01T06:06:06Z",
            "secret-remove secret:9m4e2mr0ui3e8a215n4g",
            "secret-remove secret:9m4e2mr0ui3e8a215n4g --revision=3",
            "secret-grant secret:9m4e2mr0ui3e8a215n4g --relation=db:1",
            "secret-grant secret:9m4e2mr0ui3e8a215n4g --relation=db:1 --unit=pg/0",
            "secret-revoke secret:9m4e2mr0ui3e8a215n4g --relation=db:1 --unit=pg/0",
            "secret-ids --format=json",
            "secret-info-get secret:9m4e2mr0ui3e8a215n4g --format=json",
            "secret-info-get --label=db --format=json",
        ]
    );
    // The tool read each value from a private file, gone once the tool returned.
    assert_eq!(
        read_lines(&t, "files"),
        [
            "password=s3cret two 700/600",
            "user=admin 700/600",
            "password=s3cret two 700/600",
            "user=admin 700/600",
            "password=new 700/600",
        ]
    );
    for path in read_lines(&t, "paths") {
        let path = std::path::Path::new(&path);
        assert!(path.starts_with(std::env::temp_dir()), "{path:?}");
        assert!(
            !path.exists() && !path.parent().unwrap().exists(),
            "{path:?} was left"
        );
    }
    // Nothing of the content is on a command line.
    assert!(!t
        .calls()
        .iter()
        .any(|c| c.contains("s3cret") || c.contains("admin")));
}

#[test]
fn secret_tool_errors_are_typed_and_never_carry_content() {
    let t = Tools::new("secret-errors");
    secret_tool(
        &t,
        "secret-info-get",
        "",
        "secret \"cd88u16ffbaql5kgmlh0\" not found",
        1,
    );
    secret_tool(&t, "secret-set", "", "cannot update", 1);
    secret_tool(&t, "secret-get", "\"SENTINEL-hunter2\"", "", 0);
    secret_tool(&t, "secret-ids", "null", "", 0);
    let b = t.backend();
    let err = b
        .secret_info_get(&SecretRef::Id(
            "secret:cd88u16ffbaql5kgmlh0".parse().unwrap(),
        ))
        .unwrap_err();
    assert_eq!(err.exit_code(), Some(1));
    assert!(
        err.to_string()
            .ends_with(": ERROR secret \"cd88u16ffbaql5kgmlh0\" not found"),
        "{err}"
    );
    // The stand-in echoes the content it read: the error shows neither it nor the path.
    let err = b
        .secret_set(
            &secret_id(),
            &SecretUpdate::content(SecretContent::from([("password", "SENTINEL-hunter2")])),
        )
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("cannot update"), "{shown}");
    assert!(!shown.contains("SENTINEL"), "{shown}");
    assert!(
        !shown.contains(std::env::temp_dir().to_str().unwrap()),
        "{shown}"
    );
    // Output that is not a map of strings is refused without quoting it.
    let err = b
        .secret_get(Some(&secret_id()), None, SecretRead::Tracked)
        .unwrap_err();
    let debug = format!("{err:?}");
    let shown = format!("{:#} {debug}", anyhow::Error::from(err));
    assert!(!shown.contains("SENTINEL"), "{shown}");
    assert_eq!(b.secret_ids().unwrap(), []);
    // Keys Juju would refuse are refused before running anything.
    let before = t.calls().len();
    assert!(b
        .secret_add(&NewSecret::new(SecretContent::from([("Bad", "x")])))
        .is_err());
    assert_eq!(t.calls().len(), before);
}
