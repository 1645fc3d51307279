//! Harness tests of every flag the base layer sets or manages, one test per flag,
//! named after it.

use charms_reactive::prelude::*;
use charms_reactive::testing::{Harness, State};
use layer_base as _;

/// Records the flags a handler of the test layer saw, for the test to read back.
mod seen {
    use charms_reactive::prelude::*;

    #[when_any(
        "hook.install",
        "hook.upgrade-charm",
        "hook.db-relation-changed",
        "hook.update-status"
    )]
    fn saw_hook() -> Result<()> {
        let hooks: Vec<String> = get_flags()
            .into_iter()
            .filter(|f| f.starts_with("hook."))
            .collect();
        set_flag_value("test.saw", serde_json::json!(hooks));
        Ok(())
    }

    #[when("config.changed")]
    fn saw_config() -> Result<()> {
        let cfg: Vec<String> = get_flags()
            .into_iter()
            .filter(|f| f.starts_with("config."))
            .collect();
        set_flag_value("test.config", serde_json::json!(cfg));
        Ok(())
    }

    #[when("upgrade.series.in-progress")]
    fn saw_series() -> Result<()> {
        set_flag("test.series");
        Ok(())
    }

    #[action("touch")]
    fn action_flags() -> Result<()> {
        let hooks = get_flags()
            .into_iter()
            .filter(|f| f.starts_with("hook."))
            .count();
        set_flag_value("test.action_hook_flags", serde_json::json!(hooks));
        Ok(())
    }
}

fn harness() -> Harness {
    Harness::new()
        .only(["layer_base", "flags::seen"])
        .layers(["layer_base", "flags"])
}

fn value(state: &State, flag: &str) -> Option<serde_json::Value> {
    state
        .unit_state
        .get(&format!(
            "{}{flag}",
            charms_reactive::low_level::FLAG_PREFIX
        ))
        .and_then(|raw| serde_json::from_str(raw).ok())
}

#[test]
fn hook_name() -> anyhow::Result<()> {
    for hook in ["install", "upgrade-charm", "update-status"] {
        let out = harness().run(hook, &State::default())?;
        assert_eq!(
            value(&out.state, "test.saw"),
            Some(serde_json::json!([format!("hook.{hook}")])),
            "{hook}"
        );
        // Gone once the hook is over.
        assert!(
            !out.state.flags().iter().any(|f| f.starts_with("hook.")),
            "{hook}"
        );
    }
    let rel = charms_reactive::testing::Relation::new("db", 1, "pg").unit("pg/0", []);
    let h = harness().metadata("name: t\nrequires:\n  db:\n    interface: pgsql\n")?;
    let out = h.run_relation(
        "db-relation-changed",
        "db:1",
        Some("pg/0"),
        &State::default().with_relation(rel),
    )?;
    assert_eq!(
        value(&out.state, "test.saw"),
        Some(serde_json::json!(["hook.db-relation-changed"]))
    );
    // Not in actions.
    let out = harness().run_action("touch", serde_json::json!({}), &State::default())?;
    assert_eq!(
        value(&out.state, "test.action_hook_flags"),
        Some(serde_json::json!(0))
    );
    Ok(())
}

fn config_harness() -> Harness {
    harness()
        .config_yaml(
            "options:\n  port: {type: int, default: 80}\n  name: {type: string, default: ''}\n",
        )
        .expect("config.yaml")
}

/// The config.* flags a handler saw during a hook on `state`, sorted (empty if
/// `config.changed` was not set, so the handler did not run), and the state after.
fn config_flags(hook: &str, state: &State) -> anyhow::Result<(Vec<String>, State)> {
    let out = config_harness().run(hook, state)?;
    let mut seen: Vec<String> = match value(&out.state, "test.config") {
        Some(v) => serde_json::from_value(v)?,
        None => Vec::new(),
    };
    seen.sort();
    // Gone once the hook is over.
    assert!(!out.state.flags().iter().any(|f| f.starts_with("config.")));
    let mut after = out.state.clone();
    after.unit_state.remove(&format!(
        "{}test.config",
        charms_reactive::low_level::FLAG_PREFIX
    ));
    Ok((seen, after))
}

#[test]
fn config_changed() -> anyhow::Result<()> {
    // The first hook sees every option as changed.
    let (seen, after) = config_flags("install", &State::default())?;
    assert!(seen.contains(&"config.changed".to_string()), "{seen:?}");
    // Nothing changed: no config.changed, so the handler waiting for it does not run.
    let (seen, after) = config_flags("update-status", &after)?;
    assert!(seen.is_empty(), "{seen:?}");
    let (seen, _) = config_flags("config-changed", &after.with_config("name", "x"))?;
    assert!(seen.contains(&"config.changed".to_string()), "{seen:?}");
    Ok(())
}

#[test]
fn config_changed_option() -> anyhow::Result<()> {
    let (seen, after) = config_flags("install", &State::default())?;
    assert!(
        seen.contains(&"config.changed.port".to_string())
            && seen.contains(&"config.changed.name".to_string()),
        "{seen:?}"
    );
    let (seen, _) = config_flags("config-changed", &after.with_config("name", "x"))?;
    assert!(
        seen.contains(&"config.changed.name".to_string()),
        "{seen:?}"
    );
    assert!(
        !seen.contains(&"config.changed.port".to_string()),
        "{seen:?}"
    );
    Ok(())
}

#[test]
fn config_set_option() -> anyhow::Result<()> {
    let (seen, after) = config_flags("install", &State::default())?;
    // port has a true default; name is empty.
    assert!(seen.contains(&"config.set.port".to_string()), "{seen:?}");
    assert!(!seen.contains(&"config.set.name".to_string()), "{seen:?}");
    let (seen, _) = config_flags("config-changed", &after.with_config("name", "x"))?;
    assert!(seen.contains(&"config.set.name".to_string()), "{seen:?}");
    Ok(())
}

#[test]
fn config_default_option() -> anyhow::Result<()> {
    let (seen, after) = config_flags("install", &State::default())?;
    assert!(
        seen.contains(&"config.default.port".to_string())
            && seen.contains(&"config.default.name".to_string()),
        "{seen:?}"
    );
    let (seen, _) = config_flags("config-changed", &after.with_config("port", 8080))?;
    assert!(
        !seen.contains(&"config.default.port".to_string()),
        "{seen:?}"
    );
    assert!(
        seen.contains(&"config.default.name".to_string()),
        "{seen:?}"
    );
    Ok(())
}

#[test]
fn upgrade_series_in_progress() -> anyhow::Result<()> {
    let pre = harness().run("pre-series-upgrade", &State::default())?;
    assert!(pre
        .state
        .flags()
        .contains(&"upgrade.series.in-progress".to_string()));
    assert!(pre.state.flags().contains(&"test.series".to_string()));
    let post = harness().run("post-series-upgrade", &pre.state)?;
    assert!(!post
        .state
        .flags()
        .contains(&"upgrade.series.in-progress".to_string()));
    Ok(())
}

#[allow(dead_code)]
fn _uses_prelude() -> Result<()> {
    Ok(())
}
