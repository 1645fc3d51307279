//! The `secrets` module through the harness: every call, the tracked revision, typed
//! errors, the automatic flags of the secret hooks, buffering on failure, and content
//! kept out of every `Debug` output, log and error.

use std::cell::RefCell;

use charms_reactive::prelude::*;
use charms_reactive::secrets::{SecretContent, SecretId};
use charms_reactive::testing::{Harness, Outcome, Relation, Secret, SecretGrant, State};

/// A value that must never show anywhere but in the content itself.
const SENTINEL: &str = "SENTINEL-hunter2-9f3b";

thread_local! {
    /// What handlers saw, for the test to check.
    static SEEN: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn saw(what: impl Into<String>) {
    SEEN.with(|s| s.borrow_mut().push(what.into()));
}

fn seen() -> Vec<String> {
    SEEN.with(|s| std::mem::take(&mut *s.borrow_mut()))
}

fn harness(module: &str) -> Harness {
    seen();
    Harness::new().only([format!("secrets::{module}::").as_str()])
}

fn run(module: &str, state: &State) -> Outcome {
    harness(module)
        .run("config-changed", state)
        .unwrap_or_else(|f| panic!("hook failed: {:#}", f.error))
}

fn id(unique: &str) -> SecretId {
    format!("secret:{unique}")
        .parse()
        .expect("a valid secret id")
}

const OWNED: &str = "9m4e2mr0ui3e8a215n4g";
const CONSUMED: &str = "cd88u16ffbaql5kgmlh0";

fn content(value: &str) -> SecretContent {
    SecretContent::from([("password", value)])
}

fn calls(out: &Outcome, tool: &str) -> Vec<String> {
    out.record
        .calls_to(tool)
        .map(|c| c.args.join(" "))
        .collect()
}

mod add {
    use super::*;
    use charms_reactive::secrets::{self, Expire, NewSecret, RotatePolicy};
    use std::time::Duration;

    #[when_not("test.added")]
    fn add() -> Result<()> {
        let id = secrets::add(
            NewSecret::new(content(SENTINEL))
                .label("db-password")
                .description("the database password")
                .rotate(RotatePolicy::Daily)
                .expire(Expire::After(Duration::from_secs(86_400))),
        )?;
        saw(id.to_string());
        // The creator reads what it just created, in the same hook.
        let read = secrets::get(&id, SecretRead::Tracked)?;
        saw(format!(
            "read-back-ok:{}",
            read.get("password") == Some(SENTINEL)
        ));
        set_flag("test.added");
        Ok(())
    }
}

#[test]
fn the_leader_adds_an_application_secret() {
    let out = run("add", &State::default().with_leader(true));
    let seen = seen();
    let id: SecretId = seen[0].parse().unwrap();
    assert_eq!(seen[1], "read-back-ok:true");
    let secret = out
        .state
        .secret(&id)
        .expect("the new secret is in the output state");
    assert_eq!(secret.owner, Some(Scope::App));
    assert_eq!(secret.label.as_deref(), Some("db-password"));
    assert_eq!(secret.description.as_deref(), Some("the database password"));
    assert_eq!(secret.rotate, Some(RotatePolicy::Daily));
    assert!(secret.expire.is_some());
    assert_eq!(secret.latest(), Some(1));
    assert_eq!(
        secret.latest_content().and_then(|c| c.get("password")),
        Some(SENTINEL)
    );
    assert_eq!(
        calls(&out, "secret-add"),
        ["--owner=application --label=db-password --description=the database password --expire=24h --rotate=daily password#file=…"]
    );
    assert_eq!(calls(&out, "secret-get"), [format!("{id} --format=json")]);
}

use charms_reactive::secrets::{RotatePolicy, SecretError, SecretRead};

mod add_refused {
    use super::*;
    use charms_reactive::secrets::{self, NewSecret};

    #[when_not("test.done")]
    fn add() -> Result<()> {
        match secrets::add(NewSecret::new(content(SENTINEL)).label("app-one")) {
            Err(SecretError::NotLeader { .. }) => saw("app: not leader"),
            other => saw(format!("app: {:?}", other.map(|i| i.to_string()))),
        }
        let unit = secrets::add(NewSecret::new(content(SENTINEL)).owner(Scope::Unit))?;
        saw(format!("unit: {}", unit.unique().len()));
        match secrets::add(NewSecret::new(SecretContent::from([("pw", SENTINEL)]))) {
            Err(SecretError::BadContent { key }) => saw(format!("bad key {key}")),
            other => saw(format!("{other:?}")),
        }
        match secrets::add(NewSecret::new(SecretContent::new()).owner(Scope::Unit)) {
            Err(SecretError::EmptyContent) => saw("empty"),
            other => saw(format!("{other:?}")),
        }
        set_flag("test.done");
        Ok(())
    }
}

#[test]
fn a_non_leader_cannot_add_an_application_secret_but_can_add_its_own() {
    let out = run("add_refused", &State::default());
    assert_eq!(
        seen(),
        ["app: not leader", "unit: 20", "bad key pw", "empty"]
    );
    // Refused content never reaches a tool.
    assert_eq!(out.record.calls_to("secret-add").count(), 2);
    assert_eq!(out.state.secrets.len(), 1);
    assert_eq!(out.state.secrets[0].owner, Some(Scope::Unit));
}

mod get_modes {
    use super::*;
    use charms_reactive::secrets::{self, SecretRef};

    fn password(read: SecretRead) -> Result<String> {
        let c = secrets::get(SecretRef::label("db"), read)?;
        Ok(c.get("password").unwrap_or_default().to_string())
    }

    #[when_not("test.done")]
    fn read() -> Result<()> {
        saw(password(SecretRead::Tracked)?);
        saw(password(SecretRead::Peek)?);
        saw(password(SecretRead::Tracked)?);
        saw(password(SecretRead::Refresh)?);
        saw(password(SecretRead::Tracked)?);
        match secrets::get(SecretRef::label("nope"), SecretRead::Tracked) {
            Err(SecretError::NotFound { secret, .. }) => saw(format!("not found: {secret}")),
            other => saw(format!("{other:?}")),
        }
        set_flag("test.done");
        Ok(())
    }
}

#[test]
fn get_reads_the_tracked_revision_unless_refreshing_or_peeking() {
    let secret = Secret::consumed(id(CONSUMED), content("one"))
        .revision(content("two"))
        .tracking(1)
        .label("db");
    let state = State::default().with_secret(secret);
    let out = run("get_modes", &state);
    assert_eq!(
        seen(),
        [
            "one",
            "two",
            "one",
            "two",
            "two",
            "not found: with label \"nope\""
        ]
    );
    assert_eq!(out.state.secret(&id(CONSUMED)).unwrap().tracked, Some(2));
    assert_eq!(
        calls(&out, "secret-get"),
        [
            "--label=db --format=json",
            "--label=db --peek --format=json",
            "--label=db --format=json",
            "--label=db --refresh --format=json",
            "--label=db --format=json",
            "--label=nope --format=json",
        ]
    );
}

mod first_read {
    use super::*;
    use charms_reactive::secrets;

    #[when_not("test.done")]
    fn read() -> Result<()> {
        let id = id(CONSUMED);
        let c = secrets::get_labelled(&id, "given", SecretRead::Tracked)?;
        saw(c.get("password").unwrap_or_default());
        set_flag("test.done");
        Ok(())
    }
}

#[test]
fn the_first_read_tracks_the_latest_revision_and_a_label_can_be_given() {
    let secret = Secret::consumed(id(CONSUMED), content("one")).revision(content("two"));
    let out = run("first_read", &State::default().with_secret(secret));
    assert_eq!(seen(), ["two"]);
    let s = out.state.secret(&id(CONSUMED)).unwrap();
    assert_eq!(s.tracked, Some(2));
    assert_eq!(s.label.as_deref(), Some("given"));
    assert_eq!(
        calls(&out, "secret-get"),
        [format!("secret:{CONSUMED} --label=given --format=json")]
    );
}

mod set {
    use super::*;
    use charms_reactive::secrets::{self, Expire, SecretRef, SecretUpdate};
    use std::time::{Duration, UNIX_EPOCH};

    #[when_not("test.done")]
    fn set() -> Result<()> {
        let owned = SecretRef::label("mine");
        secrets::set(owned.clone(), SecretUpdate::content(content("new")))?;
        // The same content again: no new revision.
        secrets::set(owned.clone(), SecretUpdate::content(content("new")))?;
        secrets::set(
            owned,
            SecretUpdate::default()
                .description("rotated monthly")
                .rotate(RotatePolicy::Monthly)
                .expire(Expire::At(UNIX_EPOCH + Duration::from_secs(1_735_711_566))),
        )?;
        match secrets::set(id(CONSUMED), SecretUpdate::content(content(SENTINEL))) {
            Err(SecretError::PermissionDenied { .. }) => saw("consumed: permission denied"),
            other => saw(format!("{other:?}")),
        }
        set_flag("test.done");
        Ok(())
    }
}

#[test]
fn set_makes_a_revision_for_new_content_and_changes_metadata() {
    let state = State::default()
        .with_secret(Secret::owned(id(OWNED), Scope::Unit, content("old")).label("mine"))
        .with_secret(Secret::consumed(id(CONSUMED), content("theirs")));
    let out = run("set", &state);
    assert_eq!(seen(), ["consumed: permission denied"]);
    let s = out.state.secret(&id(OWNED)).unwrap();
    assert_eq!(s.revisions.keys().copied().collect::<Vec<_>>(), [1, 2]);
    assert_eq!(
        s.latest_content().and_then(|c| c.get("password")),
        Some("new")
    );
    assert_eq!(s.description.as_deref(), Some("rotated monthly"));
    assert_eq!(s.rotate, Some(RotatePolicy::Monthly));
    assert!(s.expire.is_some());
    // The owner still tracks revision 1 until it refreshes.
    assert_eq!(s.tracked, Some(1));
    assert_eq!(
        calls(&out, "secret-set"),
        [
            format!("secret:{OWNED} password#file=…"),
            format!("secret:{OWNED} password#file=…"),
            format!(
                "secret:{OWNED} --description=rotated monthly --expire=2025-01-01T06:06:06Z --rotate=monthly"
            ),
            format!("secret:{CONSUMED} password#file=…"),
        ]
    );
    // A label is resolved to the URI by the owner's secret-info-get.
    assert_eq!(
        calls(&out, "secret-info-get"),
        ["--label=mine --format=json"; 3]
    );
}

mod non_leader_set {
    use super::*;
    use charms_reactive::secrets::{self, SecretUpdate};

    #[when_not("test.done")]
    fn set() -> Result<()> {
        match secrets::set(id(OWNED), SecretUpdate::content(content(SENTINEL))) {
            Err(e @ SecretError::NotLeader { .. }) => saw(e.to_string()),
            other => saw(format!("{other:?}")),
        }
        set_flag("test.done");
        Ok(())
    }
}

#[test]
fn only_the_leader_manages_an_application_secret() {
    let state = State::default().with_secret(Secret::owned(id(OWNED), Scope::App, content("old")));
    let out = run("non_leader_set", &state);
    assert_eq!(
        seen(),
        [format!(
            "secret secret:{OWNED}: only the leader manages the application's secrets"
        )]
    );
    assert_eq!(out.state.secret(&id(OWNED)).unwrap().revisions.len(), 1);
}

mod remove {
    use super::*;
    use charms_reactive::secrets::{self, Revisions, SecretRef};

    #[when_not("test.done")]
    fn remove() -> Result<()> {
        secrets::remove(SecretRef::label("old-revs"), Revisions::One(1))?;
        secrets::remove(id(CONSUMED), Revisions::All)?;
        set_flag("test.done");
        Ok(())
    }
}

#[test]
fn remove_drops_one_revision_or_the_whole_secret() {
    let state = State::default()
        .with_leader(true)
        .with_secret(
            Secret::owned(id(OWNED), Scope::App, content("one"))
                .revision(content("two"))
                .label("old-revs"),
        )
        .with_secret(Secret::owned(id(CONSUMED), Scope::Unit, content("x")));
    let out = run("remove", &state);
    assert_eq!(out.state.secrets.len(), 1);
    assert_eq!(
        out.state
            .secret(&id(OWNED))
            .unwrap()
            .revisions
            .keys()
            .copied()
            .collect::<Vec<_>>(),
        [2]
    );
    assert_eq!(
        calls(&out, "secret-remove"),
        [
            format!("secret:{OWNED} --revision=1"),
            format!("secret:{CONSUMED}")
        ]
    );
}

mod grants {
    use super::*;
    use charms_reactive::secrets;

    #[when_not("test.done")]
    fn grant() -> Result<()> {
        let id = id(OWNED);
        secrets::grant(&id, "db:1", None)?;
        secrets::grant(&id, "peer:2", Some("web/1"))?;
        secrets::grant(&id, "peer:2", Some("web/2"))?;
        secrets::revoke(&id, "peer:2", Some("web/1"))?;
        match secrets::grant(&id, "db:1", Some("other/0")) {
            Err(SecretError::Tool { source, .. }) => saw(source.to_string()),
            other => saw(format!("{other:?}")),
        }
        // A missing relation is the tool's error, not a missing secret.
        match secrets::grant(&id, "db:9", None) {
            Err(SecretError::Tool { .. }) => saw("db:9: tool error"),
            other => saw(format!("{other:?}")),
        }
        set_flag("test.done");
        Ok(())
    }
}

#[test]
fn grant_and_revoke_over_relations() {
    let state = State::default()
        .with_relation(Relation::new("db", 1, "pg").unit("pg/0", []))
        .with_relation(Relation::new("peer", 2, "web"))
        .with_secret(Secret::owned(id(OWNED), Scope::Unit, content("x")));
    let out = run("grants", &state);
    let grants: Vec<SecretGrant> = out
        .state
        .secret(&id(OWNED))
        .unwrap()
        .grants
        .iter()
        .cloned()
        .collect();
    assert_eq!(
        grants,
        [
            SecretGrant {
                relation_id: "db:1".into(),
                unit: None
            },
            SecretGrant {
                relation_id: "peer:2".into(),
                unit: Some("web/2".into())
            },
        ]
    );
    assert_eq!(
        seen(),
        [format!(
            "`secret-grant secret:{OWNED} --relation=db:1 --unit=other/0` failed (exit status: 2): ERROR cannot specify unit \"other/0\" in relation to application \"pg\""
        ), "db:9: tool error".to_string()]
    );
    assert_eq!(
        calls(&out, "secret-revoke"),
        [format!("secret:{OWNED} --relation=peer:2 --unit=web/1")]
    );
}

mod ids_and_info {
    use super::*;
    use charms_reactive::secrets::{self, SecretRef};

    #[when_not("test.done")]
    fn list() -> Result<()> {
        for id in secrets::ids()? {
            let info = secrets::info(&id)?;
            saw(format!(
                "{} {:?} {:?} {:?} {:?} r{}",
                info.id, info.label, info.owner, info.description, info.rotation, info.revision
            ));
        }
        match secrets::info(SecretRef::Id(id(CONSUMED))) {
            Err(SecretError::NotFound { .. }) => saw("consumed: not found"),
            other => saw(format!("{other:?}")),
        }
        set_flag("test.done");
        Ok(())
    }
}

#[test]
fn ids_and_info_cover_owned_secrets() {
    let state = State::default()
        .with_secret(
            Secret::owned(id(OWNED), Scope::App, content("x"))
                .revision(content("y"))
                .label("app-pw")
                .description("d")
                .rotate(RotatePolicy::Hourly),
        )
        .with_secret(Secret::consumed(id(CONSUMED), content("z")));
    let out = run("ids_and_info", &state);
    assert_eq!(
        seen(),
        [
            format!("secret:{OWNED} Some(\"app-pw\") App Some(\"d\") Some(Hourly) r2"),
            "consumed: not found".to_string(),
        ]
    );
    assert_eq!(calls(&out, "secret-ids"), ["--format=json"]);
    assert_eq!(
        calls(&out, "secret-info-get"),
        [
            format!("secret:{OWNED} --format=json"),
            format!("secret:{CONSUMED} --format=json")
        ]
    );
}

mod failing {
    use super::*;
    use charms_reactive::secrets::{self, NewSecret, SecretUpdate};

    #[when_not("test.done")]
    fn change_then_fail() -> Result<()> {
        secrets::add(NewSecret::new(content(SENTINEL)).owner(Scope::Unit))?;
        secrets::set(id(OWNED), SecretUpdate::content(content(SENTINEL)))?;
        secrets::get(id(CONSUMED), SecretRead::Refresh)?;
        anyhow::bail!("the handler fails after changing secrets")
    }
}

#[test]
fn a_failed_hook_keeps_no_secret_change() {
    let state = State::default()
        .with_secret(Secret::owned(id(OWNED), Scope::Unit, content("old")))
        .with_secret(
            Secret::consumed(id(CONSUMED), content("one"))
                .revision(content("two"))
                .tracking(1),
        );
    let failure = harness("failing")
        .run("config-changed", &state)
        .expect_err("the handler fails");
    assert_eq!(failure.state, state);
    assert_eq!(failure.record.calls_to("secret-add").count(), 1);
    assert_eq!(failure.record.calls_to("secret-set").count(), 1);
    let shown = format!(
        "{failure:?} {failure} {:#} {:?}",
        failure.error, failure.record
    );
    assert!(!shown.contains(SENTINEL), "{shown}");
}

mod secret_hooks {
    use super::*;
    use charms_reactive::secrets;

    fn report(kind: &str) -> Result<()> {
        let s = secrets::hook_secret().expect("a secret hook has a secret");
        saw(format!(
            "{kind} {} {:?} {:?}",
            s.id.unique(),
            s.label,
            s.revision
        ));
        Ok(())
    }

    #[when("secret.changed.db")]
    fn changed() -> Result<()> {
        report("changed")
    }

    #[when("secret.rotate.db")]
    fn rotate() -> Result<()> {
        report("rotate")
    }

    #[when("secret.expired.db")]
    fn expired() -> Result<()> {
        report("expired")
    }

    #[when("secret.remove.db")]
    fn remove() -> Result<()> {
        report("remove")
    }

    #[when("secret.changed.cd88u16ffbaql5kgmlh0")]
    fn unlabelled() -> Result<()> {
        report("unlabelled")
    }
}

#[test]
fn each_secret_hook_sets_its_flag_for_the_hook_only() {
    let labelled = State::default()
        .with_secret(Secret::owned(id(OWNED), Scope::Unit, content("x")).label("db"));
    for (hook, kind, revision) in [
        ("secret-changed", "changed", Some(2)),
        ("secret-rotate", "rotate", None),
        ("secret-expired", "expired", Some(1)),
        ("secret-remove", "remove", Some(1)),
    ] {
        let out = harness("secret_hooks")
            .run_secret(hook, &id(OWNED), revision, &labelled)
            .unwrap_or_else(|f| panic!("{hook}: {:#}", f.error));
        assert_eq!(
            seen(),
            [format!("{kind} {OWNED} Some(\"db\") {revision:?}")],
            "{hook}"
        );
        assert_eq!(out.invoked, [format!("secrets::secret_hooks::{kind}")]);
        assert!(
            !out.state.flags().iter().any(|f| f.starts_with("secret.")),
            "{:?}",
            out.state.flags()
        );
    }
    // Without a label, the flag names the secret by its unique id.
    let unlabelled = State::default().with_secret(Secret::consumed(id(CONSUMED), content("x")));
    harness("secret_hooks")
        .run_secret("secret-changed", &id(CONSUMED), None, &unlabelled)
        .unwrap_or_else(|f| panic!("{:#}", f.error));
    assert_eq!(seen(), [format!("unlabelled {CONSUMED} None None")]);
    // Other hooks have no secret and set no secret flag.
    let out = run("secret_hooks", &labelled);
    assert_eq!(out.invoked, Vec::<String>::new());
}

#[test]
fn run_secret_refuses_other_hooks_and_unknown_secrets() {
    let state = State::default();
    let e = harness("secret_hooks")
        .run_secret("install", &id(OWNED), None, &state)
        .expect_err("not a secret hook");
    assert!(
        e.error.to_string().contains("is not a secret hook"),
        "{:#}",
        e.error
    );
    let e = harness("secret_hooks")
        .run_secret("secret-changed", &id(OWNED), None, &state)
        .expect_err("not in the state");
    assert_eq!(
        e.error.to_string(),
        format!("secret secret:{OWNED} is not in the state")
    );
}

mod leaky {
    use super::*;
    use charms_reactive::secrets::{self, NewSecret, SecretRef, SecretUpdate};

    #[when_not("test.done")]
    fn everything() -> Result<()> {
        let id = secrets::add(
            NewSecret::new(content(SENTINEL))
                .owner(Scope::Unit)
                .label("s"),
        )?;
        let got = secrets::get(SecretRef::label("s"), SecretRead::Peek)?;
        // An author logging what they hold sees keys only.
        tracing::info!("content: {got:?}, id: {id:?}");
        secrets::set(
            &id,
            SecretUpdate::content(content(&format!("{SENTINEL}-2"))),
        )?;
        let errors = [
            secrets::set(self::id(CONSUMED), SecretUpdate::content(content(SENTINEL))),
            secrets::add(NewSecret::new(SecretContent::from([("X", SENTINEL)]))).map(drop),
            secrets::get(SecretRef::label("missing"), SecretRead::Tracked).map(drop),
        ];
        for e in errors {
            let e = e.expect_err("refused");
            let plain = format!("{e} {e:?}");
            let shown = format!("{plain} {:#}", anyhow::Error::from(e));
            saw(shown);
        }
        set_flag("test.done");
        Ok(())
    }
}

#[test]
fn content_never_shows_in_debug_logs_records_or_errors() {
    let state =
        State::default().with_secret(Secret::consumed(id(CONSUMED), content(SENTINEL)).tracking(1));
    let out = run("leaky", &state);
    let errors = seen();
    assert_eq!(errors.len(), 3);
    for shown in &errors {
        assert!(!shown.contains(SENTINEL), "{shown}");
    }
    let everything = format!("{out:?} {:?} {:#?}", out.record, out.state);
    assert!(!everything.contains(SENTINEL), "{everything}");
    assert!(everything.contains("password"), "keys are shown");
    let logs: Vec<&str> = out.record.logs.iter().map(|(_, l)| l.as_str()).collect();
    assert!(
        logs.iter().any(|l| l.contains("content: SecretContent")),
        "{logs:?}"
    );
    assert!(!logs.iter().any(|l| l.contains(SENTINEL)), "{logs:?}");
    // The content is there, for whoever reads it on purpose.
    let s = out.state.secret_by_label("s").unwrap();
    assert_eq!(
        s.latest_content().and_then(|c| c.get("password")),
        Some(format!("{SENTINEL}-2").as_str())
    );
}

mod secret_config {
    use super::*;
    use charms_reactive::secrets;

    #[when_not("test.done")]
    fn read() -> Result<()> {
        let id: SecretId = config::get("tls")?;
        let tls = secrets::get(&id, SecretRead::Tracked)?;
        saw(tls.get("password").unwrap_or_default());
        set_flag("test.done");
        Ok(())
    }
}

#[test]
fn a_secret_config_option_reads_as_a_secret_id() {
    let state = State::default()
        .with_config("tls", format!("secret:{CONSUMED}"))
        .with_secret(Secret::consumed(id(CONSUMED), content("pem")));
    harness("secret_config")
        .config_yaml("options:\n  tls: {type: secret}\n")
        .unwrap()
        .run("config-changed", &state)
        .unwrap_or_else(|f| panic!("{:#}", f.error));
    assert_eq!(seen(), ["pem"]);
}
