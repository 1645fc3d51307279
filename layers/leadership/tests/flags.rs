//! Every flag of layer:leadership, one test each, named after the flag; and
//! `leader_set` / `leader_get`.

use charms_reactive::testing::{Harness, State};
use charms_reactive::Settings;

/// Handlers of a charm using the layer: they record what they saw as flags.
mod charm {
    use charms_reactive::prelude::*;

    /// The leader sets `seed` once; the `changed` flag then runs `on_seed` in the same hook.
    #[when("leadership.is_leader", "test.set-seed")]
    #[when_not("leadership.set.seed")]
    fn set_seed() -> Result<()> {
        layer_leadership::leader_set_one("seed", "42")?;
        Ok(())
    }

    #[when("leadership.changed.seed")]
    fn on_seed() -> Result<()> {
        let seed = layer_leadership::leader_get("seed")?.unwrap_or_default();
        set_flag(&format!("test.saw-seed.{seed}"));
        Ok(())
    }
}

fn harness() -> Harness {
    Harness::new()
        .only(["layer_leadership::", "flags::charm::"])
        .layers(["layer_leadership", "flags"])
}

fn settings(pairs: &[(&str, &str)]) -> Settings {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn has(state: &State, flag: &str) -> bool {
    state.flags().iter().any(|f| f == flag)
}

#[test]
fn leadership_is_leader() {
    let h = harness();
    let out = h
        .run("update-status", &State::default().with_leader(true))
        .unwrap();
    assert!(has(&out.state, "leadership.is_leader"));
    // Leadership lost: the flag goes at the next hook's start.
    let lost = out.state.clone().with_leader(false);
    let out = h.run("leader-settings-changed", &lost).unwrap();
    assert!(!has(&out.state, "leadership.is_leader"));
}

#[test]
fn leadership_set_key() {
    let h = harness();
    let state = State {
        leader_settings: settings(&[("password", "x"), ("empty", "")]),
        ..State::default()
    };
    let out = h.run("leader-settings-changed", &state).unwrap();
    assert!(has(&out.state, "leadership.set.password"));
    // An empty value is no value.
    assert!(!has(&out.state, "leadership.set.empty"));
    // Deleted: the flag goes.
    let mut deleted = out.state.clone();
    deleted.leader_settings.clear();
    let out = h.run("leader-settings-changed", &deleted).unwrap();
    assert!(!has(&out.state, "leadership.set.password"));
}

#[test]
fn leadership_changed_key() {
    let h = harness();
    let state = State {
        leader_settings: settings(&[("password", "x"), ("other", "y")]),
        ..State::default()
    };
    // First sight: every key is new.
    let out = h.run("leader-settings-changed", &state).unwrap();
    assert!(has(&out.state, "leadership.changed.password"));
    assert!(has(&out.state, "leadership.changed"));
    // Nothing changed: the flags last one hook.
    let out = h.run("update-status", &out.state).unwrap();
    assert!(!has(&out.state, "leadership.changed.password"));
    assert!(!has(&out.state, "leadership.changed"));
    // One key changes: only its flag.
    let mut next = out.state.clone();
    next.leader_settings.insert("password".into(), "z".into());
    let out = h.run("leader-settings-changed", &next).unwrap();
    assert!(has(&out.state, "leadership.changed.password"));
    assert!(!has(&out.state, "leadership.changed.other"));
    assert!(has(&out.state, "leadership.changed"));
    // A deletion is a change too.
    let mut gone = out.state.clone();
    gone.leader_settings.remove("other");
    let out = h.run("leader-settings-changed", &gone).unwrap();
    assert!(has(&out.state, "leadership.changed.other"));
    assert!(!has(&out.state, "leadership.changed.password"));
}

#[test]
fn leadership_changed_key_is_set_at_once_by_leader_set_on_the_leader() {
    let h = harness();
    let state = State::default()
        .with_leader(true)
        .with_flags(["test.set-seed"]);
    let out = h.run("config-changed", &state).unwrap();
    assert_eq!(
        out.state.leader_settings.get("seed").map(String::as_str),
        Some("42")
    );
    // The handler waiting on the changed flag ran in the same hook.
    assert!(
        has(&out.state, "test.saw-seed.42"),
        "{:?}",
        out.state.flags()
    );
    assert!(has(&out.state, "leadership.set.seed"));
    // The leader's next hook does not see its own change again.
    let out = h.run("update-status", &out.state).unwrap();
    assert!(!has(&out.state, "leadership.changed.seed"));
    assert!(has(&out.state, "leadership.set.seed"));
}

/// Handlers calling the API directly, selected one per test.
mod api {
    use charms_reactive::prelude::*;

    #[hook("config-changed")]
    fn follower_set() -> Result<()> {
        let e = layer_leadership::leader_set_one("k", "v").unwrap_err();
        set_flag_value("test.error", serde_json::json!(e.to_string()));
        Ok(())
    }
}

#[test]
fn leader_set_on_a_follower_is_an_error_naming_the_unit_and_keys() {
    let h = Harness::new()
        .only(["layer_leadership::", "flags::api::"])
        .layers(["layer_leadership", "flags"]);
    let state = State {
        unit: "app/3".into(),
        ..State::default()
    };
    let out = h.run("config-changed", &state).unwrap();
    let unit_state = &out.state.unit_state;
    let error = unit_state
        .get("reactive.states.test.error")
        .cloned()
        .unwrap_or_default();
    assert!(
        error.contains("not the leader") && error.contains("app/3") && error.contains("\\\"k\\\""),
        "{error}"
    );
    assert!(out.state.leader_settings.is_empty());
}

/// A handler deleting one key and setting another.
mod deletes {
    use charms_reactive::prelude::*;

    #[hook("config-changed")]
    fn delete() -> Result<()> {
        assert_eq!(layer_leadership::leader_get("a")?.as_deref(), Some("1"));
        layer_leadership::leader_set(&charms_reactive::Settings::from([
            ("a".to_string(), String::new()),
            ("b".to_string(), "2".to_string()),
        ]))?;
        assert_eq!(layer_leadership::leader_get("a")?, None);
        assert_eq!(layer_leadership::leader_get_all()?.len(), 1);
        set_flag("test.deleted");
        Ok(())
    }
}

#[test]
fn leader_set_deletes_with_an_empty_value_and_leader_get_reads() {
    let h = Harness::new()
        .only(["layer_leadership::", "flags::deletes::"])
        .layers(["layer_leadership", "flags"]);
    let state = State {
        leader_settings: settings(&[("a", "1")]),
        ..State::default()
    }
    .with_leader(true);
    let out = h.run("config-changed", &state).unwrap();
    assert!(has(&out.state, "test.deleted"));
    assert!(has(&out.state, "leadership.changed.a"));
    assert!(!has(&out.state, "leadership.set.a"));
    assert!(has(&out.state, "leadership.set.b"));
    assert!(has(&out.state, "leadership.changed.b"));
}

#[test]
fn leadership_changed() {
    let h = harness();
    let state = State {
        leader_settings: settings(&[("a", "1")]),
        ..State::default()
    };
    let out = h.run("leader-settings-changed", &state).unwrap();
    assert!(has(&out.state, "leadership.changed"));
    let out = h.run("leader-settings-changed", &out.state).unwrap();
    assert!(!has(&out.state, "leadership.changed"));
}

#[test]
fn a_quiet_hook_asks_only_whether_this_unit_leads() {
    let h = harness();
    let state = State {
        leader_settings: settings(&[("a", "1")]),
        ..State::default()
    }
    .with_leader(true);
    let first = h.run("install", &state).unwrap();
    let out = h.run("update-status", &first.state).unwrap();
    let tools: Vec<&str> = out.record.calls.iter().map(|c| c.tool.as_str()).collect();
    assert!(!tools.contains(&"leader-get"), "{tools:?}");
    assert_eq!(
        tools.iter().filter(|t| **t == "is-leader").count(),
        1,
        "{tools:?}"
    );
    assert!(has(&out.state, "leadership.is_leader") && has(&out.state, "leadership.set.a"));
}

#[test]
fn a_deposed_leader_loses_leadership_is_leader_in_its_next_hook() {
    // Juju runs no hook on a unit it deposes: the flag must follow is-leader anyway.
    let h = harness();
    let first = h
        .run("install", &State::default().with_leader(true))
        .unwrap();
    assert!(has(&first.state, "leadership.is_leader"));
    let deposed = first.state.with_leader(false);
    let out = h.run("update-status", &deposed).unwrap();
    assert!(!has(&out.state, "leadership.is_leader"));
}

#[test]
fn the_snapshot_of_a_python_charm_is_kept() {
    // layer-leadership's unit state: JSON strings, null for a deleted key.
    let state = State {
        leader_settings: settings(&[("a", "1")]),
        ..State::default()
    }
    .with_unit_state("leadership.settings.a", &serde_json::json!("1"))
    .with_unit_state("leadership.settings.gone", &serde_json::Value::Null);
    let out = harness().run("upgrade-charm", &state).unwrap();
    assert!(!has(&out.state, "leadership.changed.a"));
    assert!(!has(&out.state, "leadership.changed.gone"));
    assert!(!has(&out.state, "leadership.changed"));
    assert!(has(&out.state, "leadership.set.a"));
}
