//! layer:status's rules, as the base layer applies them to every status.

use charms_reactive::low_level::status_policy::StatusRequest;
use charms_reactive::prelude::*;
use charms_reactive::testing::{Harness, State};
use layer_base::status::Ranked;

mod charm {
    use charms_reactive::prelude::*;

    #[when("test.sequence")]
    fn sequence() -> Result<()> {
        status::active("ready")?;
        status::maintenance("configuring")?;
        status::blocked("needs a database")?;
        status::waiting("waiting for peers")?;
        status::active("ready again")?;
        clear_flag("test.sequence");
        Ok(())
    }

    #[when("test.two_blocked")]
    fn two_blocked() -> Result<()> {
        status::blocked("first")?;
        status::blocked("second")?;
        clear_flag("test.two_blocked");
        Ok(())
    }

    #[when("test.waiting_then_active")]
    fn waiting_then_active() -> Result<()> {
        status::waiting("for the leader")?;
        status::active("up")?;
        status::set(Scope::App, WorkloadStatus::Active, "app up")?;
        clear_flag("test.waiting_then_active");
        Ok(())
    }

    #[when("test.fail")]
    fn fail() -> Result<()> {
        status::maintenance("trying")?;
        status::active("never shown")?;
        anyhow::bail!("broken")
    }
}

fn harness() -> Harness {
    Harness::new()
        .only(["layer_base", "status::charm"])
        .layers(["layer_base", "status"])
}

#[test]
fn maintenance_is_set_at_once_and_blocked_wins_at_the_end() -> anyhow::Result<()> {
    let out = harness().run(
        "update-status",
        &State::default().with_flags(["test.sequence"]),
    )?;
    let shown: Vec<(String, String)> = out
        .record
        .unit_statuses
        .iter()
        .map(|s| (s.status.clone(), s.message.clone()))
        .collect();
    assert_eq!(
        shown,
        [
            ("maintenance".to_string(), "configuring".to_string()),
            ("blocked".to_string(), "needs a database".to_string())
        ]
    );
    assert_eq!(out.state.unit_status.status, "blocked");
    Ok(())
}

#[test]
fn between_equals_the_latest_call_wins() -> anyhow::Result<()> {
    let out = harness().run(
        "update-status",
        &State::default().with_flags(["test.two_blocked"]),
    )?;
    assert_eq!(out.record.unit_statuses.len(), 1);
    assert_eq!(out.state.unit_status.message, "second");
    Ok(())
}

#[test]
fn waiting_beats_active_and_unit_and_app_are_decided_apart() -> anyhow::Result<()> {
    let state = State::default()
        .with_leader(true)
        .with_flags(["test.waiting_then_active"]);
    let out = harness().run("update-status", &state)?;
    assert_eq!(
        (
            out.state.unit_status.status.as_str(),
            out.state.unit_status.message.as_str()
        ),
        ("waiting", "for the leader")
    );
    assert_eq!(out.state.app_status.message, "app up");
    Ok(())
}

#[test]
fn a_hook_that_sets_no_status_leaves_the_last_one() -> anyhow::Result<()> {
    let first = harness().run(
        "update-status",
        &State::default().with_flags(["test.two_blocked"]),
    )?;
    let second = harness().run("update-status", &first.state)?;
    assert!(second.record.unit_statuses.is_empty());
    assert_eq!(second.state.unit_status.message, "second");
    Ok(())
}

#[test]
fn a_failed_hook_sets_none_of_the_statuses_it_kept() {
    let failure = harness()
        .run("update-status", &State::default().with_flags(["test.fail"]))
        .expect_err("the handler fails");
    let shown: Vec<&str> = failure
        .record
        .unit_statuses
        .iter()
        .map(|s| s.message.as_str())
        .collect();
    assert_eq!(shown, ["trying"]);
}

#[test]
fn ranked_status_false_sets_each_status_at_once() -> anyhow::Result<()> {
    let h = harness().layer_yaml("options:\n  base: {ranked_status: false}\n");
    let out = h.run(
        "update-status",
        &State::default().with_flags(["test.sequence"]),
    )?;
    assert_eq!(out.record.unit_statuses.len(), 5);
    assert_eq!(out.state.unit_status.message, "ready again");
    Ok(())
}

fn request(status: WorkloadStatus, message: &str, rank: usize) -> StatusRequest {
    StatusRequest {
        scope: Scope::Unit,
        status,
        message: message.into(),
        layer: None,
        rank,
    }
}

#[test]
fn ties_go_to_the_higher_layer_then_the_latest_call() {
    use charms_reactive::low_level::status_policy::StatusPolicy as _;
    // request() keeps non-maintenance statuses without any hook tool.
    let ranked = Ranked::default();
    ranked
        .request(request(WorkloadStatus::Blocked, "charm layer", 3))
        .ok();
    ranked
        .request(request(WorkloadStatus::Blocked, "apt layer, later", 1))
        .ok();
    ranked
        .request(request(WorkloadStatus::Active, "charm active", 3))
        .ok();
    assert_eq!(
        ranked.winner(Scope::Unit).map(|r| r.message),
        Some("charm layer".into())
    );
    ranked
        .request(request(WorkloadStatus::Blocked, "charm layer, later", 3))
        .ok();
    assert_eq!(
        ranked.winner(Scope::Unit).map(|r| r.message),
        Some("charm layer, later".into())
    );
    assert_eq!(ranked.winner(Scope::App), None);
}

#[test]
fn a_ranked_status_option_of_the_wrong_type_fails_the_hook_instead_of_defaulting() {
    let h = harness().layer_yaml("options:\n  base: {ranked_status: sometimes}\n");
    let failed = h
        .run("update-status", &State::default())
        .expect_err("a bad option must fail the hook");
    assert!(
        format!("{:#}", failed.error).contains("ranked_status"),
        "{:#}",
        failed.error
    );
}
