//! Issue 16's items 4 and 7 through the library: Juju's rules for upgrade, removing an
//! application, deploying and adding units; and the model's files kept private.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use charms_reactive_model::Helpers;
use test_support::charm::{write_charm, KV, NOOP, WEB};
use test_support::{strings as s, tmp, TestModel};

fn helpers() -> Helpers {
    test_support::model::helpers(env!("CARGO_BIN_EXE_reactive-hook-tool"))
}

fn new_model(root: &Path) -> anyhow::Result<TestModel> {
    TestModel::init(&helpers(), root, 1, None)
}

/// A hook writes a file into the charm directory (its working directory) on install.
const WRITES_ON_INSTALL: &str = "#!/bin/sh\nif [ \"$JUJU_HOOK_NAME\" = install ]; then echo made-by-hook > hook-output; echo '{}' > .juju-persistent-config; fi\nexit 0\n";

#[test]
fn item_7_upgrade_keeps_the_files_a_unit_made_and_replaces_the_old_charms_own() -> anyhow::Result<()>
{
    let root = tmp!("rules-upgrade-keeps");
    let v1 = write_charm(&root, "kv", KV, WRITES_ON_INSTALL);
    test_support::write_file(v1.join("templates/old.tmpl"), "old");
    test_support::write_file(v1.join("shipped-v1-only"), "v1");
    let mut m = new_model(&root)?;
    m.step(|m| m.deploy(&v1, None, 1))?;
    let charm = m.dir().join("units/unit-kv-0/charm");
    assert_eq!(
        std::fs::read_to_string(charm.join("hook-output"))?,
        "made-by-hook\n"
    );
    // A unit's own file inside a directory the old charm shipped.
    std::fs::write(charm.join("templates/unit-made"), "unit")?;
    let v2 = write_charm(&root, "kv-v2", KV, "#!/bin/sh\n# v2\nexit 0\n");
    test_support::write_file(v2.join("shipped-v2-only"), "v2");
    m.step(|m| m.upgrade("kv", &v2))?;
    assert_eq!(
        std::fs::read_to_string(charm.join("dispatch"))?,
        "#!/bin/sh\n# v2\nexit 0\n"
    );
    assert_eq!(
        std::fs::read_to_string(charm.join("hook-output"))?,
        "made-by-hook\n"
    );
    assert!(charm.join(".juju-persistent-config").exists());
    assert!(charm.join("shipped-v2-only").exists());
    assert!(
        !charm.join("shipped-v1-only").exists(),
        "the old charm's file is gone"
    );
    assert!(!charm.join("templates/old.tmpl").exists());
    assert!(
        charm.join("templates/unit-made").exists(),
        "a unit's file stays"
    );
    assert_eq!(
        m.trace("kv/0").last().map(String::as_str),
        Some("config-changed")
    );
    // A second upgrade replaces v2's own files (from the unit's manifest), not v1's.
    let v3 = write_charm(&root, "kv-v3", KV, NOOP);
    m.step(|m| m.upgrade("kv", &v3))?;
    assert!(!charm.join("shipped-v2-only").exists());
    assert!(charm.join("hook-output").exists());
    Ok(())
}

#[test]
fn item_7_upgrade_to_a_charm_with_another_name_is_refused_with_jujus_message() -> anyhow::Result<()>
{
    let root = tmp!("rules-upgrade-name");
    let kv = write_charm(&root, "kv", KV, NOOP);
    let web = write_charm(&root, "web", WEB, NOOP);
    let mut m = new_model(&root)?;
    m.step(|m| m.deploy(&kv, None, 1))?;
    let before = m.json();
    let err = m.step(|m| m.upgrade("kv", &web)).unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "cannot upgrade application \"kv\" to charm \"web\": cannot change an application's charm name"
    );
    assert_eq!(m.json(), before, "nothing changed");
    Ok(())
}

#[test]
fn item_7_remove_application_takes_its_units_away_in_jujus_order_and_frees_the_name(
) -> anyhow::Result<()> {
    let root = tmp!("rules-remove-app");
    let kv = write_charm(&root, "kv", KV, NOOP);
    let web = write_charm(&root, "web", WEB, NOOP);
    let mut m = new_model(&root)?;
    m.step(|m| m.deploy(&kv, None, 2))?;
    m.step(|m| m.deploy(&web, None, 1))?;
    m.step(|m| m.relate("kv:db", "web:database"))?;
    m.clear_log();
    m.step(|m| m.remove_application("kv"))?;
    assert_eq!(
        m.trace("kv/1"),
        s(&[
            "db-relation-departed(web/0)",
            "db-relation-broken",
            "cluster-relation-departed(kv/0)",
            "stop",
            "remove"
        ])
    );
    let web_trace = m.trace("web/0");
    assert_eq!(
        web_trace.last().map(String::as_str),
        Some("database-relation-broken"),
        "{web_trace:?}"
    );
    let state = m.json();
    assert!(state["applications"].get("kv").is_none(), "{state}");
    assert!(state["units"].get("kv/0").is_none());
    assert_eq!(state["relations"].as_object().map(|r| r.len()), Some(0));
    assert!(!m.dir().join("units/unit-kv-0").exists());
    // Unknown or already gone: an error naming it.
    let err = m.step(|m| m.remove_application("kv")).unwrap_err();
    assert!(format!("{err:#}").contains("\"kv\" not found"), "{err:#}");
    // The name can be used again.
    m.step(|m| m.deploy(&kv, None, 1))?;
    assert_eq!(m.json()["units"]["kv/0"]["agent"]["state"], "idle");
    Ok(())
}

#[test]
fn item_7_a_folder_with_no_dispatch_and_no_executable_hook_is_not_deployed() -> anyhow::Result<()> {
    let root = tmp!("rules-no-hooks");
    let dir = root.join("charms/empty");
    test_support::write_file(
        dir.join("metadata.yaml"),
        "name: empty\nsummary: s\ndescription: d\n",
    );
    // A hook that is not executable does not count.
    test_support::write_file(dir.join("hooks/install"), "#!/bin/sh\n");
    let mut m = new_model(&root)?;
    let err = m.step(|m| m.deploy(&dir, None, 1)).unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains("has neither a dispatch script nor an executable hook in hooks/"),
        "{text}"
    );
    assert!(!text.contains('\n'), "one line: {text}");
    assert!(m.json()["applications"].get("empty").is_none());
    // An executable hook is enough.
    std::fs::set_permissions(
        dir.join("hooks/install"),
        std::fs::Permissions::from_mode(0o755),
    )?;
    m.step(|m| m.deploy(&dir, None, 1))?;
    Ok(())
}

#[test]
fn item_7_add_unit_of_zero_units_is_refused() -> anyhow::Result<()> {
    let root = tmp!("rules-add-zero");
    let kv = write_charm(&root, "kv", KV, NOOP);
    let mut m = new_model(&root)?;
    m.step(|m| m.deploy(&kv, None, 1))?;
    let err = m.step(|m| m.add_unit("kv", 0)).unwrap_err();
    assert_eq!(format!("{err:#}"), "--num-units must be a positive integer");
    let err = m.step(|m| m.deploy(&kv, Some("kv2"), 0)).unwrap_err();
    assert_eq!(format!("{err:#}"), "--num-units must be a positive integer");
    Ok(())
}

/// A value only the tests' charm and operator know.
const SENTINEL: &str = "s3cr3t-sentinel-7431";

#[test]
fn item_4_secrets_at_rest_no_model_file_readable_by_others_holds_a_secret() -> anyhow::Result<()> {
    let root = tmp!("rules-private-files");
    let meta = "name: kv\nsummary: s\ndescription: d\npeers:\n  cluster: {interface: kv-peers}\n";
    // The leader sets the config value as a leader setting and as relation data, and
    // logs it, so it reaches every kind of file the model writes.
    let dispatch = "#!/bin/sh\nv=$(config-get password)\nif [ \"$(is-leader --format=json)\" = true ]; then leader-set \"p=$v\"; fi\ncase \"$JUJU_HOOK_NAME\" in cluster-relation-*) relation-set \"p=$v\";; esac\njuju-log \"saw $v\"\necho \"printed $v\"\nexit 0\n";
    let dir = write_charm(&root, "kv", meta, dispatch);
    test_support::write_file(
        dir.join("config.yaml"),
        "options:\n  password: {type: string, default: ''}\n",
    );
    let mut m = new_model(&root)?;
    m.step(|m| m.deploy(&dir, None, 2))?;
    m.step(|m| m.config("kv", &[format!("password={SENTINEL}")]))?;
    let state = m.json();
    assert!(
        state.to_string().contains(SENTINEL),
        "the value reached the model"
    );
    let model_dir = m.dir().to_path_buf();
    let mode = std::fs::metadata(&model_dir)?.permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "the model directory");
    let mut holders = Vec::new();
    check_tree(&model_dir, &mut holders)?;
    assert!(
        holders.iter().any(|p| p.ends_with("model.json")),
        "{holders:?}"
    );
    // An old model with loose modes is tightened when opened.
    std::fs::set_permissions(&model_dir, std::fs::Permissions::from_mode(0o755))?;
    let state_file = model_dir.join("model.json");
    std::fs::set_permissions(&state_file, std::fs::Permissions::from_mode(0o644))?;
    drop(m);
    let reopened = charms_reactive_model::Model::open(&model_dir, &helpers())?;
    assert_eq!(
        std::fs::metadata(&model_dir)?.permissions().mode() & 0o777,
        0o700
    );
    assert_eq!(
        std::fs::metadata(&state_file)?.permissions().mode() & 0o777,
        0o600
    );
    drop(reopened);
    Ok(())
}

/// Every file under `dir` holding the sentinel has no permission bit for group or others
/// (collected in `holders`).
fn check_tree(dir: &Path, holders: &mut Vec<std::path::PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let ft = entry.file_type()?;
        let path = entry.path();
        if ft.is_dir() {
            check_tree(&path, holders)?;
        } else if ft.is_file() {
            let bytes = std::fs::read(&path)?;
            let text = String::from_utf8_lossy(&bytes);
            if text.contains(SENTINEL) {
                let mode = entry.metadata()?.permissions().mode() & 0o777;
                assert_eq!(mode & 0o077, 0, "{} is {mode:o}", path.display());
                holders.push(path);
            }
        }
    }
    Ok(())
}
