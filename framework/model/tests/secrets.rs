//! Juju secrets in the local model, through its library: owners (application and unit),
//! grants over relations and their revocation, tracked revisions, `secret-changed` on
//! consumers, `secret-remove` on the owner once nobody tracks an old revision,
//! rotation and expiry on the model clock, failed hooks committing nothing, and a
//! secret's content kept out of every log and state file.
//!
//! The test charm's `dispatch` records every hook's secret variables in
//! `<model>/env-<unit>` and then sources `<model>/hook.sh`, which each step rewrites.

use std::path::Path;

use charms_reactive_model::{Helpers, Resolve};
use test_support::charm::{write_charm, KV, WEB};
use test_support::{strings as s, tmp, write_file, TestModel};

fn helpers() -> Helpers {
    test_support::model::helpers(env!("CARGO_BIN_EXE_reactive-hook-tool"))
}

/// Records `<hook> id=… label=… rev=…` for every hook, then runs `hook.sh` (with `$ctl`
/// the model directory and `$u` the unit's name with a dash).
const DISPATCH: &str = "#!/bin/sh\nctl=\"$CHARM_DIR/../../..\"\nu=$(echo \"$JUJU_UNIT_NAME\" | tr / -)\necho \"$JUJU_HOOK_NAME id=${JUJU_SECRET_ID-} label=${JUJU_SECRET_LABEL-} rev=${JUJU_SECRET_REVISION-none}\" >> \"$ctl/env-$u\"\nif [ -f \"$ctl/hook.sh\" ]; then . \"$ctl/hook.sh\"; fi\nexit 0\n";

/// A value no log, state file, status or error may show.
const SENTINEL: &str = "SENTINEL-5f3a9c";

fn new_model(root: &Path) -> anyhow::Result<TestModel> {
    TestModel::init(&helpers(), root, 1, None)
}

/// Rewrites the script every hook sources.
fn script(m: &TestModel, text: &str) {
    write_file(m.dir().join("hook.sh"), text);
}

/// A file the script wrote into the model directory (empty if none).
fn ctl(m: &TestModel, name: &str) -> String {
    std::fs::read_to_string(m.dir().join(name)).unwrap_or_default()
}

/// An update-status round on every unit: each runs `hook.sh` once.
fn tick(m: &mut TestModel) -> anyhow::Result<()> {
    m.step(|m| {
        m.tick();
        Ok(())
    })
}

/// The secret id the script saved in `<model>/id` (`secret-add`'s output).
fn saved_id(m: &TestModel) -> String {
    let uri = ctl(m, "id");
    uri.trim().trim_start_matches("secret:").to_string()
}

/// kv (`n` units, peers) and web (`web_units` units) related over kv:db.
fn kv_and_web(root: &Path, n: u32, web_units: u32) -> anyhow::Result<TestModel> {
    let kv = write_charm(root, "kv", KV, DISPATCH);
    let web = write_charm(root, "web", WEB, DISPATCH);
    let mut m = new_model(root)?;
    m.step(|m| m.deploy(&kv, None, n))?;
    if web_units > 0 {
        m.step(|m| m.deploy(&web, None, web_units))?;
        m.step(|m| m.relate("kv:db", "web:database"))?;
    }
    Ok(m)
}

#[test]
fn an_application_secret_is_read_by_every_unit_and_managed_by_the_leader_only() -> anyhow::Result<()>
{
    let root = tmp!("secrets-app-owned");
    let mut m = kv_and_web(&root, 3, 0)?;
    script(
        &m,
        "if [ \"$JUJU_HOOK_NAME\" = update-status ] && [ \"$u\" = kv-0 ]; then\n  secret-add --label db-pass password=v1 > \"$ctl/id\" || exit 1\nfi\n",
    );
    tick(&mut m)?;
    let id = saved_id(&m);
    assert_eq!(id.len(), 20, "{id:?}");
    // Every unit reads it (owners need no grant), by id and by the owner's label;
    // only the leader may change it.
    script(
        &m,
        &format!(
            "if [ \"$JUJU_HOOK_NAME\" = update-status ]; then\n  secret-get secret:{id} password > \"$ctl/read-$u\" 2>&1\n  secret-get --label db-pass --format json > \"$ctl/label-$u\" 2>&1\n  secret-set secret:{id} password=v2 > \"$ctl/set-$u\" 2>&1\n  echo $? >> \"$ctl/set-$u\"\n  secret-ids > \"$ctl/ids-$u\"\nfi\n"
        ),
    );
    tick(&mut m)?;
    for unit in ["kv-0", "kv-1", "kv-2"] {
        assert_eq!(ctl(&m, &format!("read-{unit}")), "v1\n", "{unit}");
        assert_eq!(
            ctl(&m, &format!("label-{unit}")),
            "{\"password\":\"v1\"}\n",
            "{unit}"
        );
    }
    assert_eq!(ctl(&m, "set-kv-0"), "0\n");
    for unit in ["kv-1", "kv-2"] {
        assert_eq!(
            ctl(&m, &format!("set-{unit}")),
            "ERROR this unit is not the leader\n1\n",
            "{unit}"
        );
        // Only the leader sees the application's secrets among its own.
        assert_eq!(ctl(&m, &format!("ids-{unit}")), "", "{unit}");
    }
    assert_eq!(ctl(&m, "ids-kv-0"), format!("{id}\n"));
    let state = m.json();
    let secret = &state["secrets"]["secrets"][&id];
    assert_eq!(
        secret["owner"],
        serde_json::json!({"kind": "application", "name": "kv"})
    );
    assert_eq!(secret["latest"], 2, "the leader's new revision");
    Ok(())
}

#[test]
fn a_unit_secret_granted_over_a_relation_is_read_by_the_remote_unit_until_revoked(
) -> anyhow::Result<()> {
    let root = tmp!("secrets-grant-revoke");
    let mut m = kv_and_web(&root, 1, 1)?;
    script(
        &m,
        "if [ \"$JUJU_HOOK_NAME\" = update-status ] && [ \"$u\" = kv-0 ]; then\n  secret-add --owner unit --label tls cert=C1 > \"$ctl/id\" || exit 1\n  secret-grant \"$(cat \"$ctl/id\")\" -r \"$(relation-ids db)\" || exit 1\n  secret-info-get --label tls --format json > \"$ctl/info\"\nfi\n",
    );
    tick(&mut m)?;
    let id = saved_id(&m);
    let info: serde_json::Value = serde_json::from_str(&ctl(&m, "info"))?;
    assert_eq!(info[&id]["owner"], "unit");
    assert_eq!(
        info[&id]["access"],
        serde_json::json!([{"target": "application-web", "scope": "relation-web.database#kv.db", "role": "view"}])
    );
    let read = format!(
        "if [ \"$JUJU_HOOK_NAME\" = update-status ] && [ \"$u\" = web-0 ]; then\n  secret-get secret:{id} cert > \"$ctl/read\" 2>&1\n  echo $? >> \"$ctl/read\"\nfi\n"
    );
    script(&m, &read);
    tick(&mut m)?;
    assert_eq!(ctl(&m, "read"), "C1\n0\n");
    script(
        &m,
        &format!(
            "if [ \"$JUJU_HOOK_NAME\" = update-status ] && [ \"$u\" = kv-0 ]; then\n  secret-revoke secret:{id} --app web || exit 1\nfi\n"
        ),
    );
    tick(&mut m)?;
    script(&m, &read);
    tick(&mut m)?;
    assert_eq!(ctl(&m, "read"), "ERROR permission denied\n1\n");
    Ok(())
}

#[test]
fn a_grant_ends_with_its_relation() -> anyhow::Result<()> {
    let root = tmp!("secrets-grant-relation-gone");
    let mut m = kv_and_web(&root, 1, 1)?;
    script(
        &m,
        "if [ \"$JUJU_HOOK_NAME\" = update-status ] && [ \"$u\" = kv-0 ]; then\n  secret-add --label shared token=t1 > \"$ctl/id\" || exit 1\n  secret-grant \"$(cat \"$ctl/id\")\" -r \"$(relation-ids db)\" || exit 1\nfi\n",
    );
    tick(&mut m)?;
    let id = saved_id(&m);
    assert_eq!(
        m.json()["secrets"]["secrets"][&id]["grants"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    m.step(|m| m.unrelate("kv:db", "web:database"))?;
    assert_eq!(
        m.json()["secrets"]["secrets"][&id]["grants"],
        serde_json::json!([])
    );
    script(
        &m,
        &format!(
            "if [ \"$JUJU_HOOK_NAME\" = update-status ] && [ \"$u\" = web-0 ]; then\n  secret-get secret:{id} > \"$ctl/read\" 2>&1\nfi\n"
        ),
    );
    tick(&mut m)?;
    assert_eq!(ctl(&m, "read"), "ERROR permission denied\n");
    Ok(())
}

/// kv (2 units) owns a secret granted to web (2 units); web/0 reads it with its own
/// label and kv/1 (a unit of the owning application) reads it too, both tracking
/// revision 1; web/1 never reads it. Returns the model and the secret's id.
fn shared_secret(name: &str) -> anyhow::Result<(TestModel, String)> {
    let root = tmp!(name);
    let mut m = kv_and_web(&root, 2, 2)?;
    script(
        &m,
        "if [ \"$JUJU_HOOK_NAME\" = update-status ] && [ \"$u\" = kv-0 ]; then\n  secret-add --label shared password=v1 > \"$ctl/id\" || exit 1\n  secret-grant \"$(cat \"$ctl/id\")\" -r \"$(relation-ids db)\" || exit 1\nfi\n",
    );
    tick(&mut m)?;
    let id = saved_id(&m);
    script(
        &m,
        &format!(
            "if [ \"$JUJU_HOOK_NAME\" = update-status ]; then\n  case $u in\n    web-0) secret-get secret:{id} --label mine > \"$ctl/read-$u\" ;;\n    kv-1) secret-get secret:{id} > \"$ctl/read-$u\" ;;\n  esac\nfi\n"
        ),
    );
    tick(&mut m)?;
    assert_eq!(ctl(&m, "read-web-0"), "password: v1\n");
    assert_eq!(ctl(&m, "read-kv-1"), "password: v1\n");
    Ok((m, id))
}

#[test]
fn a_new_revision_fires_secret_changed_on_the_consumers_only() -> anyhow::Result<()> {
    let (mut m, id) = shared_secret("secrets-changed")?;
    script(
        &m,
        &format!(
            "case \"$u:$JUJU_HOOK_NAME\" in\n  kv-0:update-status) secret-set secret:{id} password=v2 || exit 1 ;;\n  *:secret-changed) secret-get \"$JUJU_SECRET_ID\" > \"$ctl/changed-$u\" ;;\nesac\n"
        ),
    );
    m.clear_log();
    tick(&mut m)?;
    let changed = format!("secret-changed(secret:{id})");
    // The consumers that track it get secret-changed (kv/1 too: Juju makes the owning
    // application's other units consumers when they read its secret); the leader, which
    // set it, and web/1, which never read it, do not.
    assert_eq!(m.trace("web/0"), s(&["update-status", &changed]));
    assert_eq!(m.trace("kv/1"), s(&["update-status", &changed]));
    assert_eq!(m.trace("kv/0"), s(&["update-status"]));
    assert_eq!(m.trace("web/1"), s(&["update-status"]));
    // The variables: the id, the unit's own label (the owner's for the owner's
    // application), the new revision.
    assert!(
        ctl(&m, "env-web-0")
            .ends_with(&format!("secret-changed id=secret:{id} label=mine rev=2\n")),
        "{}",
        ctl(&m, "env-web-0")
    );
    assert!(ctl(&m, "env-kv-1").ends_with(&format!(
        "secret-changed id=secret:{id} label=shared rev=2\n"
    )));
    // Without --refresh they still read the revision they track.
    assert_eq!(ctl(&m, "changed-web-0"), "password: v1\n");
    // Told once: another round runs no secret-changed.
    m.clear_log();
    script(&m, "");
    tick(&mut m)?;
    assert_eq!(m.trace("web/0"), s(&["update-status"]));
    Ok(())
}

#[test]
fn refresh_moves_tracking_and_then_secret_remove_fires_on_the_owner() -> anyhow::Result<()> {
    let (mut m, id) = shared_secret("secrets-refresh-remove")?;
    // A new revision; the owner removes old revisions when told nobody tracks them.
    script(
        &m,
        &format!(
            "case \"$u:$JUJU_HOOK_NAME\" in\n  kv-0:update-status) secret-set secret:{id} password=v2 || exit 1 ;;\n  kv-0:secret-remove) secret-remove \"$JUJU_SECRET_ID\" --revision \"$JUJU_SECRET_REVISION\" || exit 1 ;;\nesac\n"
        ),
    );
    tick(&mut m)?;
    let refresh = |unit: &str| {
        format!(
            "case \"$u:$JUJU_HOOK_NAME\" in\n  {unit}:update-status) secret-get secret:{id} --refresh > \"$ctl/refreshed-$u\" || exit 1 ;;\n  kv-0:secret-remove) secret-remove \"$JUJU_SECRET_ID\" --revision \"$JUJU_SECRET_REVISION\" || exit 1 ;;\nesac\n"
        )
    };
    // web/0 moves on; kv/1 still tracks revision 1, so it stays.
    script(&m, &refresh("web-0"));
    m.clear_log();
    tick(&mut m)?;
    assert_eq!(ctl(&m, "refreshed-web-0"), "password: v2\n");
    assert_eq!(m.trace("kv/0"), s(&["update-status"]));
    let state = m.json();
    let secret = &state["secrets"]["secrets"][&id];
    assert_eq!(secret["consumers"]["web/0"]["tracked"], 2);
    assert_eq!(secret["consumers"]["kv/1"]["tracked"], 1);
    // kv/1 moves on too: nobody tracks revision 1, and the owner is told.
    script(&m, &refresh("kv-1"));
    m.clear_log();
    tick(&mut m)?;
    assert_eq!(
        m.trace("kv/0"),
        s(&["update-status", &format!("secret-remove(secret:{id}/1)")])
    );
    assert!(ctl(&m, "env-kv-0").ends_with(&format!(
        "secret-remove id=secret:{id} label=shared rev=1\n"
    )));
    let state = m.json();
    let revisions = state["secrets"]["secrets"][&id]["revisions"]
        .as_object()
        .map(|r| r.keys().cloned().collect::<Vec<_>>());
    assert_eq!(revisions, Some(s(&["2"])));
    Ok(())
}

#[test]
fn a_non_leader_cannot_add_an_application_secret() -> anyhow::Result<()> {
    let root = tmp!("secrets-non-leader-add");
    let mut m = kv_and_web(&root, 2, 0)?;
    script(
        &m,
        "if [ \"$JUJU_HOOK_NAME\" = update-status ] && [ \"$u\" = kv-1 ]; then\n  secret-add --owner application token=x > \"$ctl/out\" 2>&1\n  echo $? >> \"$ctl/out\"\nfi\n",
    );
    tick(&mut m)?;
    assert_eq!(ctl(&m, "out"), "ERROR this unit is not the leader\n1\n");
    assert_eq!(m.json()["secrets"]["secrets"], serde_json::json!({}));
    Ok(())
}

#[test]
fn rotate_hourly_fires_secret_rotate_when_the_model_clock_has_moved_an_hour() -> anyhow::Result<()>
{
    let root = tmp!("secrets-rotate");
    let mut m = kv_and_web(&root, 1, 0)?;
    script(
        &m,
        "case \"$JUJU_HOOK_NAME\" in\n  update-status) [ -f \"$ctl/id\" ] || secret-add --rotate hourly --label rot token=t1 > \"$ctl/id\" || exit 1 ;;\n  secret-rotate) secret-set \"$JUJU_SECRET_ID\" token=t2 || exit 1 ;;\nesac\n",
    );
    tick(&mut m)?;
    let id = saved_id(&m);
    let epoch = m.json()["clock"].as_i64().unwrap_or_default();
    assert_eq!(
        m.json()["secrets"]["secrets"][&id]["next_rotate"].as_i64(),
        Some(epoch + 3600)
    );
    m.clear_log();
    m.step(|m| m.tick_advance("59m"))?;
    assert_eq!(m.trace("kv/0"), s(&["update-status"]));
    m.clear_log();
    m.step(|m| m.tick_advance("1m"))?;
    // Secret hooks come before update-status, as Juju's resolver orders them; the
    // rotation made revision 2, and nobody tracks revision 1, so the owner is told.
    assert_eq!(
        m.trace("kv/0"),
        s(&[
            &format!("secret-rotate(secret:{id})"),
            &format!("secret-remove(secret:{id}/1)"),
            "update-status"
        ])
    );
    assert!(ctl(&m, "env-kv-0").contains(&format!(
        "secret-rotate id=secret:{id} label=rot rev=none\n"
    )));
    // The charm made a new revision: the next rotation is an hour on.
    let state = m.json();
    assert_eq!(state["secrets"]["secrets"][&id]["latest"], 2);
    assert_eq!(
        state["secrets"]["secrets"][&id]["next_rotate"].as_i64(),
        Some(epoch + 7200)
    );
    m.clear_log();
    m.step(|m| m.tick_advance("5m"))?;
    assert_eq!(m.trace("kv/0"), s(&["update-status"]));
    Ok(())
}

#[test]
fn secret_expired_repeats_until_the_revision_is_removed() -> anyhow::Result<()> {
    let root = tmp!("secrets-expire");
    let mut m = kv_and_web(&root, 1, 0)?;
    script(
        &m,
        "case \"$JUJU_HOOK_NAME\" in\n  update-status) [ -f \"$ctl/id\" ] || secret-add --owner unit --expire 1h token=t1 > \"$ctl/id\" || exit 1 ;;\n  secret-expired) [ -f \"$ctl/remove\" ] && { secret-remove \"$JUJU_SECRET_ID\" --revision \"$JUJU_SECRET_REVISION\" || exit 1; } ;;\nesac\n",
    );
    tick(&mut m)?;
    let id = saved_id(&m);
    let expired = format!("secret-expired(secret:{id}/1)");
    m.clear_log();
    m.step(|m| m.tick_advance("1h"))?;
    assert_eq!(m.trace("kv/0"), s(&[&expired, "update-status"]));
    assert!(ctl(&m, "env-kv-0").contains(&format!("secret-expired id=secret:{id} label= rev=1\n")));
    // Not removed: it runs again 5 minutes of model time later, not before.
    m.clear_log();
    m.step(|m| m.tick_advance("4m"))?;
    assert_eq!(m.trace("kv/0"), s(&["update-status"]));
    write_file(m.dir().join("remove"), "");
    m.clear_log();
    m.step(|m| m.tick_advance("1m"))?;
    assert_eq!(m.trace("kv/0"), s(&[&expired, "update-status"]));
    // Removed (its only revision: the secret is gone), so it stops.
    assert_eq!(m.json()["secrets"]["secrets"], serde_json::json!({}));
    m.clear_log();
    m.step(|m| m.tick_advance("1h"))?;
    assert_eq!(m.trace("kv/0"), s(&["update-status"]));
    Ok(())
}

#[test]
fn a_failed_hook_commits_none_of_its_secret_changes() -> anyhow::Result<()> {
    let (mut m, id) = shared_secret("secrets-failed-hook")?;
    let state_before = m.json()["secrets"].clone();
    // The leader changes, grants, revokes and adds; web/0 refreshes; both then fail.
    script(
        &m,
        &format!(
            "if [ \"$JUJU_HOOK_NAME\" = update-status ]; then\n  case $u in\n    kv-0) secret-set secret:{id} password=v2 && secret-revoke secret:{id} --app web && secret-add --owner unit token=x > \"$ctl/new\" && exit 1 ;;\n    web-0) secret-get secret:{id} --refresh > /dev/null && exit 1 ;;\n  esac\nfi\n"
        ),
    );
    tick(&mut m)?;
    assert!(ctl(&m, "new").starts_with("secret:"));
    let state = m.json();
    assert_eq!(state["units"]["kv/0"]["agent"]["state"], "error");
    assert_eq!(state["units"]["web/0"]["agent"]["state"], "error");
    assert_eq!(state["secrets"], state_before, "nothing committed");
    // Skipping the failed hooks keeps them discarded.
    m.step(|m| m.resolve("kv/0", Resolve::Skip))?;
    m.step(|m| m.resolve("web/0", Resolve::Skip))?;
    assert_eq!(m.json()["secrets"], state_before);
    Ok(())
}

#[test]
fn content_is_kept_apart_readable_by_the_owner_only_and_never_in_logs_or_state(
) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let root = tmp!("secrets-at-rest");
    let mut m = kv_and_web(&root, 1, 1)?;
    // Reads, bad calls whose errors could echo a value, and a failing hook.
    script(
        &m,
        &format!(
            "if [ \"$JUJU_HOOK_NAME\" = update-status ] && [ \"$u\" = kv-0 ]; then\n  id=$(secret-add --owner unit --label s password={SENTINEL})\n  secret-get \"$id\" > /dev/null\n  secret-get \"$id\" missing\n  secret-set \"$id\" Bad-Key=x\n  secret-get \"$id\" --format xml\n  secret-info-get \"$id\"\n  juju-log \"read a secret\"\n  echo \"$id\" > \"$ctl/id\"\nfi\n"
        ),
    );
    tick(&mut m)?;
    let id = saved_id(&m);
    let secrets_file = m.dir().join("secrets.json");
    let mode = std::fs::metadata(&secrets_file)?.permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{}", secrets_file.display());
    // Stored base64-encoded, as Juju stores it; nowhere else in any form.
    let encoded = "U0VOVElORUwtNWYzYTlj";
    assert!(std::fs::read_to_string(&secrets_file)?.contains(encoded));
    let debug_log = m.files.debug_log();
    // The failed calls' errors reached the log, without the value.
    for error in [
        "ERROR secret key value \"missing\" not found",
        "ERROR key \"Bad-Key\" not valid",
        "ERROR invalid value \"xml\" for option --format",
    ] {
        assert!(debug_log.contains(error), "{error} not in {debug_log}");
    }
    for (what, text) in [
        ("model.json", m.files.state_text()),
        ("debug.log", debug_log),
        ("hooks.log", m.log()),
        ("status", serde_json::to_string(&m.status())?),
        ("show-unit", serde_json::to_string(m.unit("kv/0")?)?),
        ("state Debug", format!("{:?}", m.state())),
    ] {
        assert!(!text.contains(SENTINEL), "{what} shows the secret");
        assert!(!text.contains(encoded), "{what} shows the stored secret");
    }
    // Only show-secret with reveal shows it.
    let shown = m.show_secret(&id, Default::default())?;
    assert!(!serde_json::to_string(&shown)?.contains(SENTINEL));
    assert!(!format!("{shown:?}").contains(SENTINEL));
    let revealed = m.show_secret(
        &format!("secret:{id}"),
        charms_reactive_model::model::ShowSecret {
            reveal: true,
            ..Default::default()
        },
    )?;
    assert!(serde_json::to_string(&revealed)?.contains(SENTINEL));
    assert!(!format!("{revealed:?}").contains(SENTINEL));
    // The content survives reopening (it is loaded from secrets.json).
    m.reopen()?;
    let reopened = charms_reactive_model::ModelView::open(m.dir(), &helpers())?;
    let again = reopened.show_secret(
        "s",
        charms_reactive_model::model::ShowSecret {
            reveal: true,
            ..Default::default()
        },
    )?;
    assert_eq!(
        again.content.map(|c| c.0),
        Some([("password".to_string(), SENTINEL.to_string())].into())
    );
    Ok(())
}

#[test]
fn secret_config_options_take_a_secret_uri() -> anyhow::Result<()> {
    let root = tmp!("secrets-config");
    let meta = "name: cfg\nsummary: s\ndescription: d\n";
    let charm = write_charm(&root, "cfg", meta, DISPATCH);
    write_file(
        charm.join("config.yaml"),
        "options:\n  creds:\n    type: secret\n    description: a secret's URI\n",
    );
    let mut m = new_model(&root)?;
    m.step(|m| m.deploy(&charm, None, 1))?;
    let bad = m.config("cfg", &["creds=hunter2".to_string()]);
    assert!(
        bad.as_ref()
            .is_err_and(|e| e.to_string() == "option \"creds\" expected secret, got \"hunter2\""),
        "{bad:?}"
    );
    m.step(|m| m.config("cfg", &["creds=secret:9m4e2mr0ui3e8a215n4g".to_string()]))?;
    assert_eq!(
        m.effective_config("cfg")["creds"],
        "secret:9m4e2mr0ui3e8a215n4g"
    );
    Ok(())
}

/// Destroys its model when dropped: a failed test must not leave machines running.
struct Destroyed(Option<charms_reactive_model::Model>);

impl Drop for Destroyed {
    fn drop(&mut self) {
        if let Some(m) = self.0.take() {
            let _ = m.destroy();
        }
    }
}

#[test]
fn in_a_machine_a_file_named_to_secret_add_is_the_machines_own() -> anyhow::Result<()> {
    if !test_support::is_root() {
        eprintln!("skipped: machines need root");
        return Ok(());
    }
    let root = tmp!("secrets-machine");
    // The machine's /tmp is its own: the host has no such file.
    let dispatch = "#!/bin/sh\nset -e\nif [ \"$JUJU_HOOK_NAME\" = install ]; then\n  printf 'from-the-machine' > /tmp/secret-value\n  id=$(secret-add --owner unit --label m token#file=/tmp/secret-value)\n  [ \"$(secret-get \"$id\" token)\" = from-the-machine ]\nfi\n";
    let charm = test_support::charm::write_charm_in(&root.join("m"), KV, dispatch);
    let options = charms_reactive_model::InitOptions {
        provider: "machines".into(),
        ..Default::default()
    };
    let mut guard = Destroyed(Some(charms_reactive_model::Model::init(
        &root.join("model"),
        &options,
        &helpers(),
    )?));
    let Some(model) = guard.0.as_mut() else {
        anyhow::bail!("no model");
    };
    model.deploy(&charm, None, 1)?;
    let settled = model.settle()?;
    assert!(settled.errors.is_empty(), "{:?}", settled.errors);
    let shown = model.show_secret(
        "m",
        charms_reactive_model::model::ShowSecret {
            reveal: true,
            ..Default::default()
        },
    )?;
    assert_eq!(
        shown.content.map(|c| c.0),
        Some([("token".to_string(), "from-the-machine".to_string())].into())
    );
    Ok(())
}
