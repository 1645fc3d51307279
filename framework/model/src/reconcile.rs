//! Bringing the model's folders, machines and processes in line with its state, so a
//! command killed at any moment (SIGKILL, a crash, a power cut of the shell) leaves a
//! model the next command can use.
//!
//! The rule that makes it possible: what a command makes is recorded first (the state
//! names a new unit, its address and its machine, and is saved, before the unit's
//! directory and machine are made), and what it removes is recorded first too (the state
//! drops a unit and is saved before its directory and machine go). So after a kill:
//! * the state may name a unit whose charm copy or machine is missing or half made:
//!   [`provision_unit`] makes it (again);
//! * folders and machines may exist that the state does not name: [`collect_garbage`]
//!   removes them (the machines provider also ends machines whose create was cut short
//!   before it recorded them);
//! * hooks may still run from the killed command (each records itself in its unit's
//!   directory, see [`crate::interrupt`]): their process groups are ended and each hook
//!   is recorded as failed, as Juju's unit agent reports a hook it started but never saw
//!   finish (its operation state still says the hook is pending).
//!
//! [`recover`] ends the hooks and removes the debris when a command opens the model for
//! changes; [`provision_all`] makes what is missing before hooks run.
//!
//! Layer: operations (it uses the provider, the state, the resolver and `ops`' charm
//! copy); only the model handle is above it.

use std::collections::BTreeSet;

use crate::hook::Hook;
use crate::paths::{unit_dir_name, Paths};
use crate::resolver::next_hook;
use crate::state::{Agent, ModelState, Seen};

/// Makes what the state says `unit_name` has, if a killed command did not: its charm
/// copy (only for a unit that never ran a hook: an older unit keeps its directory as it
/// is) and its machine. Returns what it made, for the command's output.
pub(crate) fn provision_unit(
    paths: &Paths,
    model: &ModelState,
    unit_name: &str,
) -> anyhow::Result<Vec<String>> {
    let unit = model.unit(unit_name)?;
    let app = model.app(&unit.app)?;
    let mut made = Vec::new();
    if unit.seen == Seen::default() && !crate::ops::charm_installed(&unit.charm_dir) {
        crate::ops::install_charm(&app.charm_dir, &unit.charm_dir)
            .map_err(|e| e.context(format!("copying the charm of {unit_name}")))?;
        made.push(format!("charm of {unit_name}"));
    }
    if let Some(machine) = &unit.machine {
        if crate::provider::ensure_machine(
            paths,
            &model.provider,
            unit_name,
            machine,
            &unit.address,
        )? {
            made.push(format!("machine {machine} of {unit_name}"));
        }
    }
    Ok(made)
}

/// Removes what the state no longer names: unit directories under `units/` and machines
/// of units that are gone, and machines whose create was cut short. Returns what it
/// removed.
pub(crate) fn collect_garbage(paths: &Paths, model: &ModelState) -> anyhow::Result<Vec<String>> {
    let mut removed = Vec::new();
    let live_dirs: BTreeSet<String> = model.units.keys().map(|u| unit_dir_name(u)).collect();
    let live_machines: BTreeSet<&str> = model
        .units
        .values()
        .filter_map(|u| u.machine.as_deref())
        .collect();
    if let Some(mut fleet) = crate::provider::fleet_if_made(paths, &model.provider)? {
        for machine in fleet.machines() {
            if !live_machines.contains(machine.name.as_str()) {
                fleet.destroy(&machine.name)?;
                removed.push(format!("machine {}", machine.name));
            }
        }
        for name in fleet.reap_interrupted()? {
            removed.push(format!("machine {name} (its create was interrupted)"));
        }
    }
    // The agent tools links of units and machines that are gone (`unit-<app>-<n>`,
    // `machine-<id>` in the tools folder).
    let live_ids: BTreeSet<String> = model
        .units
        .keys()
        .map(|u| format!("machine-{}", crate::juju_files::machine_id(model, u)))
        .collect();
    if let Ok(entries) = std::fs::read_dir(paths.tools_dir()) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let gone = (name.starts_with("unit-") && !live_dirs.contains(&name))
                || (name.starts_with("machine-") && !live_ids.contains(&name));
            if gone && entry.file_type().is_ok_and(|t| t.is_symlink()) {
                let path = entry.path();
                std::fs::remove_file(&path)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            }
        }
    }
    let units = paths.dir.join("units");
    let entries = match std::fs::read_dir(&units) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(removed),
        Err(e) => anyhow::bail!("{}: {e}", units.display()),
    };
    for entry in entries {
        let entry = entry.map_err(|e| anyhow::anyhow!("{}: {e}", units.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if live_dirs.contains(&name) {
            continue;
        }
        let path = entry.path();
        // A hook of a removed unit may still run from a killed command.
        crate::interrupt::end_recorded(&path)?;
        std::fs::remove_dir_all(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        removed.push(format!("directory units/{name}"));
    }
    Ok(removed)
}

/// Recovers a model a killed command may have left: hooks it left running are ended and
/// recorded as failed (their units go into error, `hook failed: "<hook>"`, and the hook
/// log says why), and folders and machines the state does not name are removed. Run when
/// a command opens the model for changes; saves the state if it changed anything.
/// Returns one line per thing done (empty when there was nothing to do).
pub(crate) fn recover(paths: &Paths, model: &mut ModelState) -> anyhow::Result<Vec<String>> {
    let mut done = Vec::new();
    let units: Vec<String> = model.units.keys().cloned().collect();
    for unit_name in &units {
        let Some(record) = crate::interrupt::end_recorded(&paths.agent_dir(unit_name))? else {
            continue;
        };
        // An action leaves no error: Juju fails the action, not the unit.
        if record.program.starts_with("actions/") {
            done.push(format!(
                "ended {} on {unit_name} (its command was killed)",
                record.program
            ));
            continue;
        }
        let name = record.program.strip_prefix("hooks/").unwrap_or_default();
        // The state is as it was before the hook ran, so the resolver picks that hook
        // again: it is the one that failed (with its relation and remote unit).
        let hook = next_hook(model, unit_name)
            .filter(|h| name.is_empty() || h.name == name)
            .unwrap_or_else(|| Hook::plain(name));
        let failed_now = model.units.get_mut(unit_name).is_some_and(|u| {
            let idle = u.agent == Agent::Idle;
            if idle {
                u.agent = Agent::Error { hook: hook.clone() };
            }
            idle
        });
        if failed_now {
            // Retried like any failed hook (`automatically-retry-hooks`).
            crate::retry::record_failure(model, unit_name);
        }
        crate::logs::append(
            &paths.hook_log(),
            &format!(
                "- {unit_name} {} error (interrupted: the command running it was killed)\n",
                hook.label()
            ),
        )?;
        done.push(format!(
            "the {} hook of {unit_name} was cut short by a killed command: recorded as failed",
            hook.name
        ));
    }
    if !done.is_empty() {
        model.save(&paths.dir)?;
    }
    for removed in collect_garbage(paths, model)? {
        done.push(format!("removed {removed}, no longer in the model"));
    }
    Ok(done)
}

/// Makes every recorded unit's missing charm copy and machine ([`provision_unit`]):
/// what a command killed after recording new units left unmade. Returns what it made.
pub(crate) fn provision_all(paths: &Paths, model: &ModelState) -> anyhow::Result<Vec<String>> {
    let mut done = Vec::new();
    for unit_name in model.units.keys() {
        for made in provision_unit(paths, model, unit_name)? {
            done.push(format!("made the {made}"));
        }
    }
    Ok(done)
}

/// Ends every hook or action a command (this one's predecessor, killed) left running
/// from the model's unit directories (their `hook.run` records): `destroy` calls it.
pub(crate) fn end_recorded_runs(paths: &Paths) -> anyhow::Result<()> {
    let units = paths.dir.join("units");
    let Ok(entries) = std::fs::read_dir(&units) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        crate::interrupt::end_recorded(&entry.path())?;
    }
    Ok(())
}

/// What is left of the model on the host after `destroy` ended it: a mount under its
/// directory, a process whose mounts name its machines' folder, its bridge. One line
/// each; empty when nothing is left.
pub(crate) fn leftovers(paths: &Paths, provider: &crate::provider::Provider) -> Vec<String> {
    let mut left = Vec::new();
    let dir = paths.dir.display().to_string();
    if let Ok(text) = std::fs::read_to_string("/proc/self/mountinfo") {
        for point in text.lines().filter_map(|l| l.split(' ').nth(4)) {
            if point == dir || point.starts_with(&format!("{dir}/")) {
                left.push(format!("mount {point}"));
            }
        }
    }
    let machines = paths.machines_dir().display().to_string();
    let me = std::process::id().to_string();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for pid in entries
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
        {
            if !pid.bytes().all(|b| b.is_ascii_digit()) || pid == me {
                continue;
            }
            if std::fs::read_to_string(format!("/proc/{pid}/mountinfo"))
                .is_ok_and(|t| t.contains(&format!("{machines}/")))
            {
                left.push(format!("process {pid} (in a machine's filesystem)"));
            }
        }
    }
    if let Some(bridge) = crate::provider::bridge_left(provider) {
        left.push(format!("bridge {bridge}"));
    }
    left
}
