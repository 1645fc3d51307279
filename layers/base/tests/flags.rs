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

#[test]
fn config_changed() -> anyhow::Result<()> {
    let h = harness().config_yaml(
        "options:\n  port: {type: int, default: 80}\n  name: {type: string, default: ''}\n",
    )?;
    let first = h.run("config-changed", &State::default().with_config("name", "x"))?;
    let mut seen: Vec<String> =
        serde_json::from_value(value(&first.state, "test.config").unwrap_or_default())?;
    seen.sort();
    assert_eq!(
        seen,
        [
            "config.changed",
            "config.changed.name",
            "config.changed.port",
            "config.default.port",
            "config.set.name",
            "config.set.port"
        ]
    );
    assert!(!first.state.flags().iter().any(|f| f.starts_with("config.")));
    // Nothing changed: the handler on config.changed does not run again.
    let mut again = first.state.clone();
    again.unit_state.remove(&format!(
        "{}test.config",
        charms_reactive::low_level::FLAG_PREFIX
    ));
    let second = h.run("update-status", &again)?;
    assert_eq!(value(&second.state, "test.config"), None);
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
