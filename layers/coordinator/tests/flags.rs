//! Every flag of layer:coordinator, one test each named after the flag, and the lock
//! protocol as one unit's hooks see it: requests in the peer data, grants in the leader
//! settings, in charmhelpers' formats.

use charms_reactive::testing::{Harness, Relation, State};

const META: &str =
    "name: app\nsummary: s\ndescription: d\npeers:\n  coordinator: {interface: coordinator}\n";
const RID: &str = "coordinator:0";
const T1: &str = "2024-01-01 00:00:01.000000Z";
const T2: &str = "2024-01-01 00:00:02.000000Z";
const T3: &str = "2024-01-01 00:00:03.000000Z";

/// A charm asking for `restart` when `test.ask` is set.
mod charm {
    use charms_reactive::prelude::*;

    #[when("test.ask")]
    fn ask() -> Result<()> {
        clear_flag("test.ask");
        if layer_coordinator::acquire("restart")? {
            set_flag("test.acquired-at-once");
        }
        Ok(())
    }

    #[when("coordinator.granted.restart")]
    fn work() -> Result<()> {
        set_flag("test.worked");
        Ok(())
    }
}

fn harness() -> Harness {
    Harness::new()
        .only(["layer_coordinator::", "flags::charm::"])
        .layers(["layer_coordinator", "flags"])
        .metadata(META)
        .unwrap()
}

/// `unit` with the peer relation, peers' data `peers` (unit, raw `coordinator` value) and
/// its own published `coordinator` value `own`.
fn state(unit: &str, leader: bool, peers: &[(&str, &str)], own: Option<&str>) -> State {
    let mut rel = Relation::new("coordinator", 0, "app");
    for (peer, raw) in peers {
        rel = rel.unit(peer, [("coordinator", *raw)]);
    }
    if let Some(own) = own {
        rel.local_unit_data
            .insert("coordinator".into(), own.to_string());
    }
    State {
        unit: unit.into(),
        ..State::default()
    }
    .with_leader(leader)
    .with_relation(rel)
}

fn has(state: &State, flag: &str) -> bool {
    state.flags().iter().any(|f| f == flag)
}

fn published(state: &State) -> String {
    state
        .relation(RID)
        .and_then(|r| r.local_unit_data.get("coordinator").cloned())
        .unwrap_or_default()
}

fn grants(state: &State) -> String {
    state
        .leader_settings
        .get("coordinator")
        .cloned()
        .unwrap_or_default()
}

#[test]
fn coordinator_requested_lock() {
    let h = harness();
    let s = state("app/1", false, &[("app/0", "{}")], None).with_flags(["test.ask"]);
    let out = h.run("config-changed", &s).unwrap();
    assert!(has(&out.state, "coordinator.requested.restart"));
    assert!(!has(&out.state, "coordinator.granted.restart"));
    assert!(!has(&out.state, "test.worked"));
    // charmhelpers' format: {"lock": "UTC timestamp"}, json.dumps with sorted keys.
    let raw = published(&out.state);
    let ts = raw
        .strip_prefix("{\"restart\": \"")
        .and_then(|r| r.strip_suffix("Z\"}"))
        .unwrap_or_else(|| panic!("{raw}"));
    assert_eq!(ts.len(), "2024-01-01 00:00:00.000000".len(), "{raw}");
    // Still waiting in the next hook, and the request is not made again.
    let out2 = h.run("update-status", &out.state).unwrap();
    assert!(has(&out2.state, "coordinator.requested.restart"));
    assert_eq!(published(&out2.state), raw);
}

#[test]
fn coordinator_granted_lock() {
    let h = harness();
    let own = format!("{{\"restart\": \"{T2}\"}}");
    let mut s = state("app/1", false, &[("app/0", "{}")], Some(&own));
    s.leader_settings.insert(
        "coordinator".into(),
        format!("{{\"app/1\": {{\"restart\": \"{T2}\"}}}}"),
    );
    let out = h.run("leader-settings-changed", &s).unwrap();
    assert!(has(&out.state, "coordinator.granted.restart"));
    assert!(!has(&out.state, "coordinator.requested.restart"));
    assert!(has(&out.state, "test.worked"));
    // Released at the end of the hook: the request is withdrawn.
    assert_eq!(published(&out.state), "{}");
    // The grant lasted one hook.
    let out = h.run("update-status", &out.state).unwrap();
    assert!(!has(&out.state, "coordinator.granted.restart"));
    assert!(!has(&out.state, "coordinator.requested.restart"));
}

#[test]
fn a_grant_for_an_older_request_is_not_a_grant() {
    let h = harness();
    let own = format!("{{\"restart\": \"{T3}\"}}");
    let mut s = state("app/1", false, &[], Some(&own));
    s.leader_settings.insert(
        "coordinator".into(),
        format!("{{\"app/1\": {{\"restart\": \"{T1}\"}}}}"),
    );
    let out = h.run("leader-settings-changed", &s).unwrap();
    assert!(!has(&out.state, "coordinator.granted.restart"));
    assert!(has(&out.state, "coordinator.requested.restart"));
}

#[test]
fn a_leader_whose_request_comes_first_is_granted_at_once() {
    let h = harness();
    let s = state("app/0", true, &[("app/1", "{}")], None).with_flags(["test.ask"]);
    let out = h.run("config-changed", &s).unwrap();
    assert!(has(&out.state, "test.acquired-at-once"));
    assert!(has(&out.state, "test.worked"));
    let g = grants(&out.state);
    assert!(g.starts_with("{\"app/0\": {\"restart\": \""), "{g}");
    assert_eq!(published(&out.state), "{}");
    // Its next hook: the grant is dropped, as its request is gone.
    let out = h.run("update-status", &out.state).unwrap();
    assert_eq!(grants(&out.state), "{}");
}

#[test]
fn the_leader_grants_first_come_first_served() {
    let h = harness();
    let peers = [
        ("app/1", &*format!("{{\"restart\": \"{T2}\"}}")),
        ("app/2", &*format!("{{\"restart\": \"{T1}\"}}")),
    ];
    let s = state("app/0", true, &peers, None);
    let out = h
        .run_relation("coordinator-relation-changed", RID, Some("app/1"), &s)
        .unwrap();
    assert_eq!(
        grants(&out.state),
        format!("{{\"app/2\": {{\"restart\": \"{T1}\"}}}}")
    );
}

#[test]
fn a_departed_unit_s_grant_goes_to_the_next_in_line() {
    let h = harness();
    let peers = [
        ("app/1", &*format!("{{\"restart\": \"{T1}\"}}")),
        ("app/2", &*format!("{{\"restart\": \"{T2}\"}}")),
    ];
    let mut s = state("app/0", true, &peers, None);
    s.leader_settings.insert(
        "coordinator".into(),
        format!("{{\"app/1\": {{\"restart\": \"{T1}\"}}}}"),
    );
    // While app/1 is present it keeps the lock.
    let out = h.run("update-status", &s).unwrap();
    assert_eq!(grants(&out.state), grants(&s));
    let out = h
        .run_relation("coordinator-relation-departed", RID, Some("app/1"), &s)
        .unwrap();
    assert_eq!(
        grants(&out.state),
        format!("{{\"app/2\": {{\"restart\": \"{T2}\"}}}}")
    );
}

#[test]
fn a_new_leader_keeps_the_grants_it_finds() {
    let h = harness();
    let peers = [
        ("app/1", &*format!("{{\"restart\": \"{T2}\"}}")),
        ("app/2", &*format!("{{\"restart\": \"{T1}\"}}")),
    ];
    let mut s = state("app/0", true, &peers, None);
    // The old leader granted app/1 (app/2's request came later to its knowledge).
    let held = format!("{{\"app/1\": {{\"restart\": \"{T2}\"}}}}");
    s.leader_settings.insert("coordinator".into(), held.clone());
    let out = h.run("leader-elected", &s).unwrap();
    assert_eq!(grants(&out.state), held);
}

#[test]
fn a_unit_leaving_the_relation_withdraws_its_requests() {
    let h = harness();
    let own = format!("{{\"restart\": \"{T1}\"}}");
    let s = state("app/1", false, &[("app/0", "{}")], Some(&own));
    let out = h.run("update-status", &s).unwrap();
    assert!(has(&out.state, "coordinator.requested.restart"));
    let out = h
        .run_relation(
            "coordinator-relation-departed",
            RID,
            Some("app/1"),
            &out.state,
        )
        .unwrap();
    assert!(!has(&out.state, "coordinator.requested.restart"));
}

#[test]
fn class_simple_lets_one_unit_hold_locks_at_a_time() {
    let h = harness().layer_yaml("options:\n  coordinator:\n    class: simple\n");
    let peers = [
        ("app/1", &*format!("{{\"restart\": \"{T1}\"}}")),
        ("app/2", &*format!("{{\"upgrade\": \"{T2}\"}}")),
    ];
    let s = state("app/0", true, &peers, None);
    let out = h.run("leader-elected", &s).unwrap();
    assert_eq!(
        grants(&out.state),
        format!("{{\"app/1\": {{\"restart\": \"{T1}\"}}}}")
    );
    // Serial grants both locks.
    let out = harness().run("leader-elected", &s).unwrap();
    assert!(
        grants(&out.state).contains("app/2"),
        "{}",
        grants(&out.state)
    );
    // A bad class fails the hook, naming the option.
    let bad = harness().layer_yaml("options:\n  coordinator:\n    class: chaos\n");
    let e = bad.run("leader-elected", &s).unwrap_err();
    assert!(
        format!("{:#}", e.error).contains("coordinator.class is \"chaos\""),
        "{:#}",
        e.error
    );
}

#[test]
fn requests_of_a_unit_upgraded_from_a_python_charm_are_kept() {
    // The unit state is new (Rust charm), the relation holds charmhelpers' request.
    let h = harness();
    let own = format!("{{\"restart\": \"{T1}\"}}");
    let mut s = state("app/1", false, &[], Some(&own));
    s.leader_settings.insert(
        "coordinator".into(),
        format!("{{\"app/1\": {{\"restart\": \"{T1}\"}}}}"),
    );
    let out = h.run("upgrade-charm", &s).unwrap();
    assert!(has(&out.state, "coordinator.granted.restart"));
}

#[test]
fn a_quiet_hook_reads_no_peer_data_and_writes_nothing() {
    let h = harness();
    let waiting = format!("{{\"restart\": \"{T1}\"}}");
    for (unit, leader) in [("app/0", true), ("app/3", false)] {
        let mut s = state(unit, leader, &[("app/1", "{}"), ("app/2", &waiting)], None);
        s.leader_settings.insert(
            "coordinator".into(),
            format!("{{\"app/2\": {{\"restart\": \"{T1}\"}}}}"),
        );
        let first = h.run("update-status", &s).unwrap();
        let out = h.run("update-status", &first.state).unwrap();
        let calls: Vec<String> = out
            .record
            .calls
            .iter()
            .filter(|c| {
                matches!(c.tool.as_str(), "relation-set" | "leader-set")
                    || (c.tool == "relation-get" && !c.args.iter().any(|a| a == "--app"))
            })
            .map(|c| format!("{} {}", c.tool, c.args.join(" ")))
            .collect();
        assert!(calls.is_empty(), "{unit}: {calls:?}");
        assert_eq!(out.state.unit_state, first.state.unit_state, "{unit}");
    }
}

#[test]
fn only_the_peer_a_relation_hook_is_about_is_read_again() {
    let h = harness();
    let s = state("app/0", true, &[("app/1", "{}"), ("app/2", "{}")], None);
    let first = h.run("update-status", &s).unwrap();
    let mut next = first.state.clone();
    let rel = next
        .relations
        .iter_mut()
        .find(|r| r.id == RID)
        .expect("the peer relation");
    rel.remote_units
        .get_mut("app/1")
        .unwrap()
        .insert("coordinator".into(), format!("{{\"restart\": \"{T1}\"}}"));
    let out = h
        .run_relation("coordinator-relation-changed", RID, Some("app/1"), &next)
        .unwrap();
    assert_eq!(
        grants(&out.state),
        format!("{{\"app/1\": {{\"restart\": \"{T1}\"}}}}")
    );
    let peers_read: Vec<String> = out
        .record
        .calls
        .iter()
        .filter(|c| c.tool == "relation-get" && !c.args.iter().any(|a| a == "--app"))
        .map(|c| c.args.join(" "))
        .collect();
    assert!(
        peers_read.iter().all(|a| a.contains("app/1")),
        "{peers_read:?}"
    );
}

#[test]
fn with_no_request_anywhere_a_hook_asks_juju_nothing() {
    let h = harness();
    for (unit, leader) in [("app/0", true), ("app/3", false)] {
        let s = state(unit, leader, &[("app/1", "{}"), ("app/2", "{}")], None);
        let first = h.run("update-status", &s).unwrap();
        let out = h.run("update-status", &first.state).unwrap();
        let asked: Vec<&str> = out
            .record
            .calls
            .iter()
            .map(|c| c.tool.as_str())
            .filter(|t| matches!(*t, "is-leader" | "leader-get" | "leader-set"))
            .collect();
        assert!(asked.is_empty(), "{unit}: {asked:?}");
    }
}

#[test]
fn requests_a_python_charm_kept_before_the_peer_relation_existed_are_kept() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("coordinator-python-file");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(".charmhelpers.coordinator.Serial"),
        format!("{{\"restart\": \"{T1}\"}}"),
    )
    .unwrap();
    // A lone unit, leader, no peer relation yet: it grants its own request at once.
    let s = State {
        unit: "app/0".into(),
        ..State::default()
    }
    .with_leader(true);
    let out = harness().charm_dir(&dir).run("upgrade-charm", &s).unwrap();
    assert!(has(&out.state, "coordinator.granted.restart"));
    assert_eq!(
        grants(&out.state),
        format!("{{\"app/0\": {{\"restart\": \"{T1}\"}}}}")
    );
    // From now on the unit state is what counts: the file is read once.
    let out = harness()
        .charm_dir(&dir)
        .run("update-status", &out.state)
        .unwrap();
    assert!(!has(&out.state, "coordinator.granted.restart"));
    assert!(!has(&out.state, "coordinator.requested.restart"));
}
