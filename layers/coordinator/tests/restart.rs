//! The restart helper: restart only while holding `restart`, the check, the callback.

use charms_reactive::testing::{Harness, Relation, State};

const META: &str =
    "name: app\nsummary: s\ndescription: d\npeers:\n  coordinator: {interface: coordinator}\n";

mod charm {
    use charms_reactive::prelude::*;
    use layer_coordinator::restart::{self, Check, RestartHooks, RestartRequest};

    fn fake_restart(service: &str) -> anyhow::Result<()> {
        if is_flag_set("test.restart-fails") {
            anyhow::bail!("{service} would not start");
        }
        set_flag(&format!("test.restarted.{service}"));
        Ok(())
    }

    fn check(request: &RestartRequest) -> anyhow::Result<Check> {
        set_flag_value("test.checked", serde_json::json!(request.attempts));
        if is_flag_set("test.not-healthy") {
            return Ok(Check::Retry("not healthy yet".into()));
        }
        Ok(Check::Done)
    }

    fn restarted(request: &RestartRequest) -> anyhow::Result<()> {
        set_flag_value("test.after", request.context.clone());
        Ok(())
    }

    #[startup]
    fn hooks() -> Result<()> {
        restart::configure(RestartHooks {
            restart: Some(fake_restart),
            check: Some(check),
            restarted: Some(restarted),
        });
        Ok(())
    }

    #[when("test.ask")]
    fn ask() -> Result<()> {
        clear_flag("test.ask");
        restart::request(&["web", "db"], serde_json::json!({"generation": 2}))?;
        restart::request(&["web"], serde_json::json!({"generation": 3}))?;
        Ok(())
    }
}

fn harness() -> Harness {
    Harness::new()
        .only(["layer_coordinator::", "restart::charm::"])
        .layers(["layer_coordinator", "restart"])
        .metadata(META)
        .unwrap()
}

fn state(unit: &str, leader: bool) -> State {
    State {
        unit: unit.into(),
        ..State::default()
    }
    .with_leader(leader)
    .with_relation(Relation::new("coordinator", 0, "app").unit("app/9", [("coordinator", "{}")]))
}

fn has(state: &State, flag: &str) -> bool {
    state.flags().iter().any(|f| f == flag)
}

fn flag_value(state: &State, flag: &str) -> Option<String> {
    state
        .unit_state
        .get(&format!("reactive.states.{flag}"))
        .cloned()
}

#[test]
fn the_restart_happens_while_holding_the_lock_then_the_callback_runs_and_the_lock_is_passed_on() {
    let out = harness()
        .run(
            "config-changed",
            &state("app/0", true).with_flags(["test.ask"]),
        )
        .unwrap();
    let s = &out.state;
    assert!(has(s, "test.restarted.web") && has(s, "test.restarted.db"));
    assert_eq!(flag_value(s, "test.checked").as_deref(), Some("1"));
    // The latest context reaches the callback.
    assert_eq!(
        flag_value(s, "test.after").as_deref(),
        Some("{\"generation\": 3}")
    );
    assert!(layer_coordinator_pending(s).is_none());
    // Released: the flag is gone and the leader dropped its own grant at once.
    assert!(!has(s, "coordinator.granted.restart"));
    assert_eq!(
        s.leader_settings.get("coordinator").map(String::as_str),
        Some("{}")
    );
}

fn layer_coordinator_pending(state: &State) -> Option<&String> {
    state.unit_state.get("coordinator.restart.pending")
}

#[test]
fn without_the_lock_nothing_is_restarted() {
    let out = harness()
        .run(
            "config-changed",
            &state("app/1", false).with_flags(["test.ask"]),
        )
        .unwrap();
    let s = &out.state;
    assert!(!has(s, "test.restarted.web"));
    assert!(has(s, "coordinator.requested.restart"));
    let pending = layer_coordinator_pending(s).cloned().unwrap_or_default();
    assert!(pending.contains("\"db\", \"web\""), "{pending}");
}

#[test]
fn a_failed_check_asks_again_behind_the_others() {
    let out = harness()
        .run(
            "config-changed",
            &state("app/0", true).with_flags(["test.ask", "test.not-healthy"]),
        )
        .unwrap();
    let s = &out.state;
    assert!(has(s, "test.restarted.web"));
    assert!(!has(s, "test.after"));
    assert!(has(s, "coordinator.requested.restart"));
    assert!(!has(s, "coordinator.granted.restart"));
    let pending = layer_coordinator_pending(s).cloned().unwrap_or_default();
    assert!(pending.contains("\"attempts\": 1"), "{pending}");
    // The new request is published; the leader may grant it again in a later hook.
    let own = &s.relation("coordinator:0").unwrap().local_unit_data;
    assert!(own["coordinator"].starts_with("{\"restart\": "), "{own:?}");
    // Healthy now: the next hook restarts again (attempt 2) and is done.
    let mut next = out.state.clone();
    next.unit_state.remove("reactive.states.test.not-healthy");
    let out = harness().run("update-status", &next).unwrap();
    assert_eq!(flag_value(&out.state, "test.checked").as_deref(), Some("2"));
    assert!(has(&out.state, "test.after"));
    assert!(!has(&out.state, "coordinator.requested.restart"));
}

#[test]
fn a_failed_restart_fails_the_hook_and_keeps_the_request() {
    let failure = harness()
        .run(
            "config-changed",
            &state("app/0", true).with_flags(["test.ask", "test.restart-fails"]),
        )
        .unwrap_err();
    let e = format!("{:#}", failure.error);
    assert!(
        e.contains("restarting db") && e.contains("would not start"),
        "{e}"
    );
}
