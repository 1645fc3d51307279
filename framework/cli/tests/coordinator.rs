//! layer:coordinator on the local model: the test charm `coordinated`
//! (layers/coordinator/tests/coordinated, built here with `reactive build`) restarts a
//! harmless "service" on every unit through the restart helper. Its restarts are lines
//! in a marker file with the model's hook number and the hook's start and end times;
//! with the model's hook log and the units' `juju-log` lines they show that every unit
//! restarted once and that no two restarting hooks overlapped. No sleeps: the model runs
//! until it settles, with a seed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;
use test_support::cli::CliModel;
use test_support::target_dir;
use test_support::{repo_root, tmp};

const REACTIVE: &str = env!("CARGO_BIN_EXE_reactive");
const APP: &str = "coordinated";

/// The test charm, built once for every test of this file.
fn charm() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let out = tmp!("coordinator-charm");
        let source = repo_root().join("layers/coordinator/tests/coordinated");
        test_support::run_ok(
            Command::new(REACTIVE)
                .arg("build")
                .arg(&source)
                .arg("-o")
                .arg(&out)
                .env("REACTIVE_TARGET_DIR", target_dir!().join("reactive-build")),
        );
        out.join(APP)
    })
}

/// A model with the charm deployed on five units and its marker directory set; the
/// marker directory is returned with it.
fn deployed(name: &str, seed: u64) -> (CliModel, PathBuf) {
    let root = tmp!(name);
    let marks = root.join("marks");
    std::fs::create_dir_all(&marks).expect("mkdir marks");
    let m = CliModel::new(REACTIVE, root.join("model"));
    m.ok(&["init", "--seed", &seed.to_string()]);
    m.ok(&["deploy", &charm().display().to_string(), "-n", "5"]);
    m.ok(&["config", APP, &format!("marker-dir={}", marks.display())]);
    (m, marks)
}

/// One restart, from the marker file.
#[derive(Debug, Clone)]
struct Restart {
    unit: String,
    seq: u64,
    start: u128,
    end: u128,
    generation: String,
}

/// The restarts recorded in `marks/restarts.log`, in the order they were written; every
/// one must have its hook's end.
fn restarts(marks: &Path) -> Vec<Restart> {
    let text = std::fs::read_to_string(marks.join("restarts.log")).unwrap_or_default();
    let mut out: Vec<Restart> = Vec::new();
    let mut ends: BTreeMap<(String, u64), u128> = BTreeMap::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        let num = |i: usize| -> u128 {
            f.get(i)
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("bad line {line:?}"))
        };
        match f.first() {
            Some(&"restart") => out.push(Restart {
                unit: f[1].to_string(),
                seq: num(2) as u64,
                start: num(3),
                end: 0,
                generation: f.get(5).copied().unwrap_or_default().to_string(),
            }),
            Some(&"end") => {
                ends.insert((f[1].to_string(), num(2) as u64), num(3));
            }
            _ => panic!("bad line {line:?}"),
        }
    }
    for r in &mut out {
        r.end = ends
            .get(&(r.unit.clone(), r.seq))
            .copied()
            .unwrap_or_else(|| panic!("no end for {r:?}"));
    }
    out
}

/// No two restarting hooks overlapped in time, and each is a successful hook of its unit
/// in the model's hook log, with the unit's `juju-log` line for it.
fn assert_one_at_a_time(m: &CliModel, restarts: &[Restart]) {
    let mut sorted = restarts.to_vec();
    sorted.sort_by_key(|r| r.start);
    for pair in sorted.windows(2) {
        assert!(
            pair[0].end < pair[1].start,
            "two units held the restart lock in overlapping hooks: {:?} and {:?}",
            pair[0],
            pair[1]
        );
        assert!(pair[0].seq < pair[1].seq, "{pair:?}");
    }
    let files = m.files();
    let log = files.log();
    let debug = files.debug_log();
    for r in restarts {
        let line = format!("{} {} ", r.seq, r.unit);
        let hook = log
            .lines()
            .find(|l| l.starts_with(&line))
            .unwrap_or_else(|| panic!("hook {} of {} not in the hook log:\n{log}", r.seq, r.unit));
        assert!(hook.ends_with(" ok"), "{hook}");
        let said = format!("coordinated: restarted demo in hook {}", r.seq);
        assert!(
            debug
                .lines()
                .any(|l| l.contains(&r.unit) && l.contains(&said)),
            "no juju-log line {said:?} of {}",
            r.unit
        );
    }
}

/// Units of `generation` that restarted, with how many times.
fn counts(restarts: &[Restart], generation: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in restarts.iter().filter(|r| r.generation == generation) {
        *out.entry(r.unit.clone()).or_insert(0) += 1;
    }
    out
}

fn units(names: &[u32]) -> Vec<String> {
    names.iter().map(|n| format!("{APP}/{n}")).collect()
}

fn state(m: &CliModel) -> Value {
    m.files().state()
}

/// The grants in the leader settings (charmhelpers' JSON), `{}` if none.
fn grants(m: &CliModel) -> Value {
    let raw = state(m)["applications"][APP]["leader_settings"]["data"]["coordinator"]
        .as_str()
        .unwrap_or("{}")
        .to_string();
    serde_json::from_str(&raw).unwrap_or_else(|e| panic!("grants {raw:?}: {e}"))
}

/// The unit's workload status message: the test charm shows `leader` or `follower`, as
/// layer:leadership's `leadership.is_leader` says.
fn message(m: &CliModel, unit: &str) -> String {
    state(m)["units"][unit]["status"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn agent(m: &CliModel, unit: &str) -> String {
    state(m)["units"][unit]["agent"]["state"]
        .as_str()
        .unwrap_or("gone")
        .to_string()
}

/// The unit that took `fail-next-follower`.
fn failed_follower(marks: &Path) -> String {
    let taken: Vec<String> = std::fs::read_dir(marks)
        .expect("read marks")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            let unit = name.strip_prefix("failed-")?;
            let (app, n) = unit.rsplit_once('-')?;
            Some(format!("{app}/{n}"))
        })
        .collect();
    assert_eq!(taken.len(), 1, "{taken:?}");
    taken[0].clone()
}

#[test]
fn five_units_asked_at_once_each_restart_once_never_two_at_a_time() {
    for seed in [3, 11, 2026] {
        let (m, marks) = deployed(&format!("coordinator-five-{seed}"), seed);
        m.ok(&["config", APP, "generation=1"]);
        let all = restarts(&marks);
        let want: BTreeMap<String, usize> = units(&[0, 1, 2, 3, 4])
            .into_iter()
            .map(|u| (u, 1))
            .collect();
        assert_eq!(counts(&all, "1"), want, "seed {seed}: {all:?}");
        assert_one_at_a_time(&m, &all);
        assert_eq!(grants(&m), serde_json::json!({}), "seed {seed}");
        let leader = state(&m)["applications"][APP]["leader"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        for u in units(&[0, 1, 2, 3, 4]) {
            assert_eq!(agent(&m, &u), "idle", "seed {seed}: {u}");
            let role = if u == leader { "leader" } else { "follower" };
            assert_eq!(message(&m, &u), role, "seed {seed}: {u}");
        }
    }
}

#[test]
fn removing_a_unit_that_holds_the_grant_frees_it() {
    let (m, marks) = deployed("coordinator-remove-holder", 5);
    std::fs::write(marks.join("fail-next-follower"), "").expect("marker");
    m.ok(&["config", APP, "generation=1"]);
    // The first follower granted the lock failed while holding it: the others wait.
    let holder = failed_follower(&marks);
    assert_eq!(agent(&m, &holder), "error");
    assert!(grants(&m).get(&holder).is_some(), "{}", grants(&m));
    let before = counts(&restarts(&marks), "1");
    let waiting: Vec<String> = units(&[0, 1, 2, 3, 4])
        .into_iter()
        .filter(|u| *u != holder && !before.contains_key(u))
        .collect();
    assert!(
        !waiting.is_empty(),
        "nobody waits behind {holder}: {before:?}"
    );

    // Removed while in error (it runs no hook): the leader frees its grant.
    m.ok(&["remove-unit", &holder]);
    let all = restarts(&marks);
    let after = counts(&all, "1");
    for u in units(&[0, 1, 2, 3, 4]).into_iter().filter(|u| *u != holder) {
        assert_eq!(after.get(&u), Some(&1), "{u}: {all:?}");
    }
    assert!(!after.contains_key(&holder));
    assert_one_at_a_time(&m, &all);
    assert!(grants(&m).get(&holder).is_none(), "{}", grants(&m));
    // Skipping its failed hook lets it go; it restarts nothing on its way out.
    m.ok(&["resolve", "--no-retry", &holder]);
    assert_eq!(agent(&m, &holder), "gone");
    assert_eq!(counts(&restarts(&marks), "1"), after);
}

#[test]
fn removing_the_leader_in_the_middle_still_completes_every_restart() {
    let (m, marks) = deployed("coordinator-remove-leader", 9);
    std::fs::write(marks.join("fail-next-follower"), "").expect("marker");
    m.ok(&["config", APP, "generation=1"]);
    let holder = failed_follower(&marks);
    let leader = state(&m)["applications"][APP]["leader"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_ne!(leader, holder);
    let held = grants(&m);
    assert!(held.get(&holder).is_some(), "{held}");

    // The leader goes while the holder is stuck: the new leader keeps the grant it
    // finds in the leader settings, so nobody else restarts meanwhile.
    let before = restarts(&marks).len();
    m.ok(&["remove-unit", &leader]);
    let new_leader = state(&m)["applications"][APP]["leader"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!new_leader.is_empty() && new_leader != leader);
    // layer:leadership follows, except on the holder stuck in error (it runs no hook).
    for u in units(&[0, 1, 2, 3, 4])
        .into_iter()
        .filter(|u| *u != leader && *u != holder)
    {
        let role = if u == new_leader {
            "leader"
        } else {
            "follower"
        };
        assert_eq!(message(&m, &u), role, "{u}");
    }
    assert_eq!(restarts(&marks).len(), before);
    assert_eq!(grants(&m), held);

    // The holder's restart works now: the rest follow, one at a time.
    m.ok(&["resolve", &holder]);
    let all = restarts(&marks);
    let done = counts(&all, "1");
    for u in units(&[0, 1, 2, 3, 4]).into_iter().filter(|u| *u != leader) {
        assert_eq!(done.get(&u), Some(&1), "{u}: {all:?}");
    }
    assert!(done.get(&leader).is_none_or(|n| *n == 1), "{done:?}");
    assert_one_at_a_time(&m, &all);
    assert_eq!(grants(&m), serde_json::json!({}));
}
