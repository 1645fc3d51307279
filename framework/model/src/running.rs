//! What a unit's agent is running now, readable by another process: before a hook or
//! action starts, the command running it writes a small record (`running.json`, mode
//! 0600) in the unit's directory, and removes it when the run ends. `reactive model
//! status` takes no lock, so it reads these records to show the agent `executing` with
//! Juju's message ("running install hook") while the hook runs.
//!
//! A record names the process that wrote it (its pid and start time): a record whose
//! writer is gone (a `reactive` killed mid-hook) is stale, reads as nothing, and is
//! removed by the next command that opens the model. Layer: vocabulary and layout (it
//! uses `hook`, `paths` and `logs` only).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::hook::Hook;
use crate::paths::Paths;

/// The record's file name inside the unit's directory.
const RECORD: &str = "running.json";

/// One unit's running hook or action, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Running {
    /// The agent's message, as Juju's uniter writes it (`running install hook`).
    pub message: String,
    /// The process that runs it.
    pub pid: u32,
    /// That process's start time (clock ticks after boot, `/proc/<pid>/stat` field 22):
    /// a pid reused by another process does not keep a stale record alive.
    pub started: u64,
}

/// The agent's message while `hook` runs, as Juju's uniter sets it
/// (`RunningHookMessage` in `internal/worker/uniter/operation/runhook.go`): `running
/// <hook> hook`, `… for <remote unit>` in a relation hook about a unit, `… for
/// secret:<id>[/<revision>]` in a secret hook (the revision for `secret-expired` and
/// `secret-remove`). `None` for `update-status`: Juju does not record that it runs it.
pub fn hook_message(hook: &Hook) -> Option<String> {
    if hook.name == "update-status" {
        return None;
    }
    let name = &hook.name;
    if let (Some(_), Some(remote)) = (hook.relation, &hook.remote_unit) {
        return Some(format!("running {name} hook for {remote}"));
    }
    if let Some(secret) = &hook.secret {
        let revision = match (name.as_str(), secret.revision) {
            ("secret-expired" | "secret-remove", Some(r)) if r > 0 => format!("/{r}"),
            _ => String::new(),
        };
        return Some(format!(
            "running {name} hook for secret:{}{revision}",
            secret.id
        ));
    }
    Some(format!("running {name} hook"))
}

/// The agent's message while action `name` runs (`runaction.go`).
pub fn action_message(name: &str) -> String {
    format!("running action {name}")
}

fn record_path(paths: &Paths, unit: &str) -> PathBuf {
    paths.agent_dir(unit).join(RECORD)
}

/// This process's start time, from `/proc/<pid>/stat` (`None` if it cannot be read).
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields follow the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    // After ')': state is field 3, so starttime (field 22) is the 20th from here.
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Records that `unit`'s agent runs what `message` says, written atomically (0600).
pub fn mark(paths: &Paths, unit: &str, message: &str) -> anyhow::Result<()> {
    let pid = std::process::id();
    let record = Running {
        message: message.to_string(),
        pid,
        started: start_time(pid).unwrap_or(0),
    };
    let path = record_path(paths, unit);
    let Some(dir) = path.parent().filter(|d| d.is_dir()) else {
        // The unit's directory is gone (it is being removed): nothing to show.
        return Ok(());
    };
    let tmp = dir.join(format!("{RECORD}.tmp"));
    crate::logs::write_private(&tmp, serde_json::to_string(&record)?.as_bytes())?;
    std::fs::rename(&tmp, &path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Removes `unit`'s record: its run has ended. Best effort: a record left behind is
/// stale once this process ends, and the next command removes it.
pub fn clear(paths: &Paths, unit: &str) {
    let _ = std::fs::remove_file(record_path(paths, unit));
}

/// What `unit`'s agent runs now: its record, if the process that wrote it still runs.
pub fn read(paths: &Paths, unit: &str) -> Option<Running> {
    let text = std::fs::read_to_string(record_path(paths, unit)).ok()?;
    let record: Running = serde_json::from_str(&text).ok()?;
    alive(&record).then_some(record)
}

/// Whether the process that wrote `record` still runs (the same process, not another
/// one that got its pid).
fn alive(record: &Running) -> bool {
    match start_time(record.pid) {
        Some(started) => record.started == 0 || started == record.started,
        None => false,
    }
}

/// Removes every unit's record: called by a command that holds the model's lock, so no
/// other command can be running a hook and every record left is stale.
pub fn clear_all(paths: &Paths) {
    let units = paths.dir.join("units");
    let Ok(entries) = std::fs::read_dir(&units) else {
        return;
    };
    for entry in entries.flatten() {
        let _ = std::fs::remove_file(Path::new(&entry.path()).join(RECORD));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_of_this_process_is_alive_and_one_of_a_start_time_that_differs_is_not() {
        let pid = std::process::id();
        let started = start_time(pid).expect("this process's start time");
        let mine = Running {
            message: "running install hook".into(),
            pid,
            started,
        };
        assert!(alive(&mine));
        assert!(!alive(&Running {
            started: started + 1,
            ..mine.clone()
        }));
        // No such process (pids are below 2^22 on Linux).
        assert!(!alive(&Running {
            pid: u32::MAX - 1,
            ..mine
        }));
    }

    #[test]
    fn messages_are_jujus() {
        let relation = Hook::relation("db", "changed", 0, Some("mysql/0"));
        assert_eq!(
            hook_message(&relation).as_deref(),
            Some("running db-relation-changed hook for mysql/0")
        );
        let broken = Hook::relation("db", "broken", 0, None);
        assert_eq!(
            hook_message(&broken).as_deref(),
            Some("running db-relation-broken hook")
        );
        assert_eq!(
            hook_message(&Hook::plain("install")).as_deref(),
            Some("running install hook")
        );
        assert_eq!(hook_message(&Hook::plain("update-status")), None);
        let secret = |name: &str| {
            Hook::secret(
                name,
                crate::hook::SecretHook {
                    id: "abc".into(),
                    label: String::new(),
                    revision: Some(2),
                    latest: 2,
                },
            )
        };
        assert_eq!(
            hook_message(&secret("secret-remove")).as_deref(),
            Some("running secret-remove hook for secret:abc/2")
        );
        assert_eq!(
            hook_message(&secret("secret-changed")).as_deref(),
            Some("running secret-changed hook for secret:abc")
        );
        assert_eq!(action_message("backup"), "running action backup");
    }
}
