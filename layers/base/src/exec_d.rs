//! `exec.d/*/charm-pre-install`: the operator's hook point for proxies, certificates
//! and the like (layer-basic's), run before the charm's handlers.
//!
//! Each executable `exec.d/<dir>/charm-pre-install` of the charm directory runs once,
//! in `<dir>` name order, with the charm directory as working directory, before the
//! first handler of the charm's first hook (`install`). One that exits non-zero fails
//! that hook, with its exit status and the last lines of its stderr, and runs again in
//! the next one (as do those that ran before it in the failed hook, since nothing of a
//! failed hook is kept: make them idempotent). A script added by a charm upgrade runs in
//! `upgrade-charm`.
//!
//! Unit-state keys: `layer_base.pre_install.ran.<dir>` for each script that ran,
//! `layer_base.pre_install.done` once all have (so later hooks do not look at the
//! folder).

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context as _};
use charms_reactive::low_level::with_unit_state;
use serde_json::Value;

/// Unit-state key set once every script has run.
pub const DONE_KEY: &str = "layer_base.pre_install.done";
/// Unit-state key prefix of the scripts that ran (`<prefix><dir>`).
pub const RAN_PREFIX: &str = "layer_base.pre_install.ran.";
/// The script's name in each `exec.d/<dir>`.
pub const SCRIPT: &str = "charm-pre-install";

/// Runs the scripts that have not run yet; cheap once all have (one unit-state lookup),
/// except in `upgrade-charm`, which looks for new ones.
pub fn run_pending(hook: Option<&str>) -> anyhow::Result<()> {
    let done = with_unit_state(|kv| kv.contains(DONE_KEY));
    if done && hook != Some("upgrade-charm") {
        return Ok(());
    }
    let charm_dir = charms_reactive::charm_dir();
    for dir in scripts(&charm_dir.join("exec.d"))? {
        let key = format!("{RAN_PREFIX}{dir}");
        if with_unit_state(|kv| kv.contains(&key)) {
            continue;
        }
        run_one(&charm_dir, &dir)?;
        with_unit_state(|kv| kv.set(&key, &Value::Bool(true)));
    }
    with_unit_state(|kv| kv.set(DONE_KEY, &Value::Bool(true)));
    Ok(())
}

/// The `<dir>` names under `exec_d` holding an executable `charm-pre-install`, sorted.
fn scripts(exec_d: &Path) -> anyhow::Result<Vec<String>> {
    let entries = match std::fs::read_dir(exec_d) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", exec_d.display())),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", exec_d.display()))?;
        let script = entry.path().join(SCRIPT);
        let executable = std::fs::metadata(&script)
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
        if executable {
            out.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    out.sort();
    Ok(out)
}

fn run_one(charm_dir: &Path, dir: &str) -> anyhow::Result<()> {
    let shown = format!("exec.d/{dir}/{SCRIPT}");
    let out = Command::new(charm_dir.join("exec.d").join(dir).join(SCRIPT))
        .current_dir(charm_dir)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {shown}"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr.trim().lines().collect();
        let tail = lines[lines.len().saturating_sub(20)..].join("\n");
        bail!(
            "{shown} failed ({}){}",
            out.status,
            if tail.is_empty() {
                String::new()
            } else {
                format!(": {tail}")
            }
        );
    }
    tracing::info!("ran {shown}");
    Ok(())
}
