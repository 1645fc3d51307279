//! What the interruption tests share: starting, signalling and waiting for `reactive`
//! commands, reading a model's units, and completing a model after a killed command.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use test_support::cli::CliModel;

pub const REACTIVE: &str = env!("CARGO_BIN_EXE_reactive");

/// How long a test waits for something a real process does.
pub const DEADLINE: Duration = Duration::from_secs(300);

/// Polls `check` until it gives a value, failing the test after [`DEADLINE`].
pub fn poll<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether process `pid` is alive (exists and is not a zombie).
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z'))
    })
}

pub fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .unwrap_or_else(|e| panic!("running kill: {e}"));
    // The command may have finished on its own just before: that is a moment too.
    let _ = status;
}

/// Waits for `child` to exit (at most [`DEADLINE`]); returns its exit code (None: killed
/// by a signal) and its stderr.
pub fn finish(mut child: Child) -> (Option<i32>, String) {
    let status = poll("the command to exit", || child.try_wait().ok().flatten());
    let mut err = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        use std::io::Read;
        let _ = pipe.read_to_string(&mut err);
    }
    (status.code(), err)
}

/// Starts `reactive model <args…>` without waiting; stdout is dropped, stderr kept.
pub fn start(m: &CliModel, args: &[&str]) -> Child {
    m.command(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting reactive model {args:?}: {e}"))
}

/// The model's units as its state records them.
pub fn units(m: &CliModel) -> serde_json::Map<String, Value> {
    m.files().state()["units"]
        .as_object()
        .cloned()
        .unwrap_or_default()
}

pub fn units_in_error(m: &CliModel) -> Vec<String> {
    units(m)
        .iter()
        .filter(|(_, u)| u["agent"]["state"] == "error")
        .map(|(n, _)| n.clone())
        .collect()
}

/// What a user runs after a command was killed, until the model is settled: a command
/// (`tick`), which recovers the model (a hook the killed command had started is recorded
/// as failed, as Juju records a hook its agent never saw finish) and settles whatever the
/// killed command left to run; then `resolve` for each unit in error. Returns the
/// commands run.
pub fn complete(m: &CliModel) -> Vec<String> {
    m.ok(&["tick"]);
    let mut ran = vec!["tick".to_string()];
    for _ in 0..20 {
        let errored = units_in_error(m);
        if errored.is_empty() {
            break;
        }
        for unit in errored {
            m.ok(&["resolve", &unit]);
            ran.push(format!("resolve {unit}"));
        }
    }
    assert!(units_in_error(m).is_empty(), "{:#?}", units(m));
    ran
}

/// Each unit's workload status and message, and whether it started.
pub fn unit_states(m: &CliModel) -> Vec<(String, String, String, bool)> {
    units(m)
        .iter()
        .map(|(n, u)| {
            (
                n.clone(),
                u["status"]["status"].as_str().unwrap_or("").to_string(),
                u["status"]["message"].as_str().unwrap_or("").to_string(),
                u["seen"]["started"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

/// splitmix64, to derive a kill moment from a seed.
pub fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

pub fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}
