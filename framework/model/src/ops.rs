//! Model operations, each as `juju` does it: they change the model's state; the hooks
//! they cause run when the model settles ([`crate::scheduler`]). Layer: operations,
//! above the scheduler; only [`crate::model`] (the library's handle) is above them.

use std::path::{Path, PathBuf};

use charms_reactive_juju::names;
use serde_json::Value;

use crate::charm::CharmInfo;
use crate::context::Status;
use crate::hook::Hook;
use crate::paths::Paths;
use crate::state::{Agent, Application, ModelState, Relation, Seen, Unit};
use crate::uniter::{advance, elect_leaders};

/// Copies a directory, keeping symlinks and modes, over whatever `to` holds (a file or
/// link in the way is replaced). The unit's state database is never copied; a socket or
/// FIFO is an error naming it.
pub fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to).map_err(|e| anyhow::anyhow!("{}: {e}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|e| anyhow::anyhow!("{}: {e}", from.display()))? {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let ft = entry.file_type()?;
        if ft.is_symlink() {
            let _ = std::fs::remove_file(&dst);
            std::os::unix::fs::symlink(std::fs::read_link(&src)?, &dst)
                .map_err(|e| anyhow::anyhow!("{}: {e}", dst.display()))?;
        } else if ft.is_dir() {
            copy_dir(&src, &dst)?;
        } else if !ft.is_file() {
            // A socket or FIFO: refused by name (reading a FIFO to copy it would block).
            anyhow::bail!(
                "{}: not a file, directory or link, so it cannot be copied",
                src.display()
            );
        } else if entry.file_name() != ".unit-state.db" {
            if dst
                .symlink_metadata()
                .is_ok_and(|m| m.file_type().is_symlink())
            {
                let _ = std::fs::remove_file(&dst);
            }
            std::fs::copy(&src, &dst).map_err(|e| anyhow::anyhow!("{}: {e}", src.display()))?;
        }
    }
    Ok(())
}

/// Where the list of a unit's charm files is kept: beside its charm directory
/// (`charm.manifest`), so `upgrade` knows which files came from the charm, as Juju's
/// charm deployer keeps a manifest per deployed charm.
fn manifest_path(charm_dir: &Path) -> PathBuf {
    charm_dir.with_extension("manifest")
}

/// The files, links and directories under `dir`, relative to it, each directory after
/// its contents (so they can be removed in this order).
fn charm_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
        let here = root.join(rel);
        for entry in
            std::fs::read_dir(&here).map_err(|e| anyhow::anyhow!("{}: {e}", here.display()))?
        {
            let entry = entry?;
            let path = rel.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                walk(root, &path, out)?;
            }
            out.push(path);
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, Path::new(""), &mut out)?;
    Ok(out)
}

fn write_manifest(charm_dir: &Path, files: &[PathBuf]) -> anyhow::Result<()> {
    let path = manifest_path(charm_dir);
    std::fs::write(&path, serde_json::to_vec(files)?)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// The unit's charm files from its manifest; a unit deployed before manifests were kept
/// falls back to the files of the charm the application was deployed from.
fn read_manifest(charm_dir: &Path, fallback: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let path = manifest_path(charm_dir);
    match std::fs::read(&path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok(charm_files(fallback).unwrap_or_default())
        }
        Err(e) => Err(anyhow::anyhow!("{}: {e}", path.display())),
    }
}

/// Refuses a folder no hook could run from: Juju runs `dispatch`, else `hooks/<name>`.
fn ensure_runnable(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if dir.join("dispatch").symlink_metadata().is_ok() {
        return Ok(());
    }
    let executable_hook = std::fs::read_dir(dir.join("hooks"))
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| {
            std::fs::metadata(e.path())
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        });
    anyhow::ensure!(
        executable_hook,
        "{} has neither a dispatch script nor an executable hook in hooks/: no hook could run",
        dir.display()
    );
    Ok(())
}

/// Juju refuses `--num-units` below 1 (deploy and add-unit alike).
fn ensure_positive(n: u32) -> anyhow::Result<()> {
    anyhow::ensure!(n >= 1, "--num-units must be a positive integer");
    Ok(())
}

fn add_units(
    model: &mut ModelState,
    paths: &Paths,
    app: &str,
    n: u32,
) -> anyhow::Result<Vec<String>> {
    let mut added = Vec::new();
    for _ in 0..n {
        add_one_unit(model, paths, app, &mut added)?;
    }
    elect_leaders(model);
    Ok(added)
}

/// Whether a unit's charm copy is complete: its manifest is written after the copy.
pub(crate) fn charm_installed(charm_dir: &Path) -> bool {
    manifest_path(charm_dir).exists()
}

/// Copies the charm in `src` to a unit's `charm_dir` (over whatever a cut-short copy
/// left), then writes its manifest, which marks the copy complete.
pub(crate) fn install_charm(src: &Path, charm_dir: &Path) -> anyhow::Result<()> {
    copy_dir(src, charm_dir)?;
    write_manifest(charm_dir, &charm_files(src)?)
}

/// Records a new unit of `app` in the state: its name, charm directory, address and
/// machine. Nothing is made on disk here: the state is saved first, then
/// [`crate::reconcile::provision_unit`] makes the unit's charm copy and machine, so a
/// command killed in between leaves a unit the next command finishes making.
fn add_one_unit(
    model: &mut ModelState,
    paths: &Paths,
    app: &str,
    added: &mut Vec<String>,
) -> anyhow::Result<()> {
    let a = model
        .applications
        .get_mut(app)
        .ok_or_else(|| anyhow::anyhow!("application {app:?} not found"))?;
    let num = a.next_unit;
    a.next_unit += 1;
    let name = format!("{app}/{num}");
    a.units.push(name.clone());
    let charm_dir = paths.agent_dir(&name).join("charm");
    let taken: Vec<&str> = model.units.values().map(|u| u.address.as_str()).collect();
    let (machine, address) = crate::provider::placement(&model.provider, &taken, &name)?;
    model.units.insert(
        name.clone(),
        Unit {
            app: app.to_string(),
            charm_dir,
            dying: false,
            agent: Agent::Idle,
            status: Status {
                status: "waiting".into(),
                message: "agent initialising".into(),
                data: Default::default(),
            },
            status_history: Vec::new(),
            workload_version: String::new(),
            opened_ports: Vec::new(),
            state: Default::default(),
            address,
            machine,
            seen: Seen::default(),
            update_status_due: false,
            charm_set_status: false,
            hook_failures: 0,
            retry_at: None,
        },
    );
    added.push(name);
    Ok(())
}

/// `deploy <charm-dir> [app] [-n N]`.
pub fn deploy(
    model: &mut ModelState,
    paths: &Paths,
    charm_dir: &Path,
    app: Option<&str>,
    n: u32,
) -> anyhow::Result<String> {
    let charm = CharmInfo::read(charm_dir)?;
    ensure_runnable(charm_dir)?;
    let name = app.unwrap_or(&charm.name).to_string();
    anyhow::ensure!(
        names::is_application_name(&name),
        "invalid application name {name:?}"
    );
    anyhow::ensure!(
        !model.applications.contains_key(&name),
        "application {name:?} already exists"
    );
    ensure_positive(n)?;
    let charm_dir = std::fs::canonicalize(charm_dir)?;
    let peers: Vec<(String, String)> = charm
        .endpoints
        .iter()
        .filter(|(_, e)| e.role == "peers")
        .map(|(n, e)| (n.clone(), e.interface.clone()))
        .collect();
    model.applications.insert(
        name.clone(),
        Application {
            charm_dir,
            charm,
            charm_revision: 0,
            config: Default::default(),
            config_version: 1,
            leader: None,
            leader_settings: Default::default(),
            resigned: None,
            status: Status {
                status: "unknown".into(),
                ..Status::default()
            },
            status_history: Vec::new(),
            units: Vec::new(),
            next_unit: 0,
            dying: false,
        },
    );
    for (endpoint, interface) in peers {
        model.add_relation(vec![(name.clone(), endpoint)], interface, true);
    }
    add_units(model, paths, &name, n)?;
    Ok(name)
}

/// `add-unit <app> [-n N]`.
pub fn add_unit(
    model: &mut ModelState,
    paths: &Paths,
    app: &str,
    n: u32,
) -> anyhow::Result<Vec<String>> {
    model.app(app)?;
    ensure_positive(n)?;
    add_units(model, paths, app, n)
}

/// `remove-unit <unit>`: the unit dies (departs its relations, stops, is removed).
pub fn remove_unit(model: &mut ModelState, unit: &str) -> anyhow::Result<()> {
    let u = model
        .units
        .get_mut(unit)
        .ok_or_else(|| anyhow::anyhow!("unit {unit:?} not found"))?;
    u.dying = true;
    let app = u.app.clone();
    // A dying leader resigns silently; the next leader is elected once it is removed
    // (as Juju does: leadership is not handed over while the old leader tears down).
    if let Some(a) = model.applications.get_mut(&app) {
        if a.leader.as_deref() == Some(unit) {
            a.leader = None;
            a.resigned = Some(unit.to_string());
        }
    }
    Ok(())
}

/// `remove-application <app>`: as `juju remove-application`, its relations die (the
/// other side's units see its units depart, then the relation break), every unit leaves
/// in Juju's order (departed and broken for each relation, `stop`, `remove`), and the
/// application goes with its last unit; its name can then be deployed again.
pub fn remove_application(model: &mut ModelState, app: &str) -> anyhow::Result<()> {
    let a = model
        .applications
        .get_mut(app)
        .ok_or_else(|| anyhow::anyhow!("application {app:?} not found"))?;
    anyhow::ensure!(!a.dying, "application {app:?} is already being removed");
    a.dying = true;
    let units = a.units.clone();
    for rel in model.relations.values_mut() {
        if rel.ends.iter().any(|(a, _)| a == app) {
            rel.dying = true;
        }
    }
    for unit in &units {
        if model.units.get(unit).is_some_and(|u| !u.dying) {
            remove_unit(model, unit)?;
        }
    }
    crate::uniter::remove_dead_applications(model);
    Ok(())
}

fn split_endpoint(s: &str) -> anyhow::Result<(String, Option<String>)> {
    Ok(match s.split_once(':') {
        Some((a, e)) => (a.to_string(), Some(e.to_string())),
        None => (s.to_string(), None),
    })
}

/// `relate <a[:ep]> <b[:ep]>`: endpoints must have the same interface and opposite roles.
pub fn relate(model: &mut ModelState, a: &str, b: &str) -> anyhow::Result<u32> {
    let (app_a, ep_a) = split_endpoint(a)?;
    let (app_b, ep_b) = split_endpoint(b)?;
    anyhow::ensure!(
        app_a != app_b,
        "cannot relate application {app_a:?} to itself"
    );
    let ca = &model.app(&app_a)?.charm;
    let cb = &model.app(&app_b)?.charm;
    let mut candidates = Vec::new();
    for (na, ea) in ca
        .endpoints
        .iter()
        .filter(|(n, _)| ep_a.as_deref().is_none_or(|e| e == n.as_str()))
    {
        for (nb, eb) in cb
            .endpoints
            .iter()
            .filter(|(n, _)| ep_b.as_deref().is_none_or(|e| e == n.as_str()))
        {
            let roles_match = matches!(
                (ea.role.as_str(), eb.role.as_str()),
                ("provides", "requires") | ("requires", "provides")
            );
            if roles_match && ea.interface == eb.interface {
                candidates.push((na.clone(), nb.clone(), ea.interface.clone()));
            }
        }
    }
    for (app, ep, charm) in [(&app_a, &ep_a, ca), (&app_b, &ep_b, cb)] {
        if let Some(ep) = ep {
            anyhow::ensure!(
                charm.endpoints.contains_key(ep),
                "application {app:?} has no endpoint {ep:?}"
            );
        }
    }
    let (na, nb, interface) = match candidates.as_slice() {
        [one] => one.clone(),
        [] => anyhow::bail!("no compatible endpoints between {a} and {b} (relations need the same interface, provides to requires)"),
        _ => anyhow::bail!("ambiguous relation between {a} and {b}: name the endpoints"),
    };
    let exists = model.relations.values().any(|r| {
        !r.dying
            && r.ends.contains(&(app_a.clone(), na.clone()))
            && r.ends.contains(&(app_b.clone(), nb.clone()))
    });
    anyhow::ensure!(!exists, "relation {app_a}:{na} {app_b}:{nb} already exists");
    let id = model.add_relation(vec![(app_a, na), (app_b, nb)], interface, false);
    // Units already installed enter the relation's scope at once.
    let addresses: Vec<(String, String)> = model
        .units
        .iter()
        .filter(|(_, u)| {
            u.seen.installed
                && model.relations[&id]
                    .ends
                    .iter()
                    .any(|(app, _)| *app == u.app)
        })
        .map(|(n, u)| (n.clone(), u.address.clone()))
        .collect();
    if let Some(rel) = model.relations.get_mut(&id) {
        for (n, addr) in addresses {
            rel.enter_scope(&n, &addr);
        }
    }
    Ok(id)
}

/// `unrelate <a[:ep]> <b[:ep]>`.
pub fn unrelate(model: &mut ModelState, a: &str, b: &str) -> anyhow::Result<()> {
    let (app_a, ep_a) = split_endpoint(a)?;
    let (app_b, ep_b) = split_endpoint(b)?;
    let matches = |r: &Relation| {
        !r.peer
            && !r.dying
            && r.ends
                .iter()
                .any(|(app, ep)| *app == app_a && ep_a.as_ref().is_none_or(|e| e == ep))
            && r.ends
                .iter()
                .any(|(app, ep)| *app == app_b && ep_b.as_ref().is_none_or(|e| e == ep))
    };
    let rel = model
        .relations
        .values_mut()
        .find(|r| matches(r))
        .ok_or_else(|| anyhow::anyhow!("relation {a} {b} not found"))?;
    rel.dying = true;
    Ok(())
}

/// `config <app> k=v …`: values are parsed by the option's type; nothing changes unless
/// every pair is valid.
pub fn config(model: &mut ModelState, app: &str, pairs: &[String]) -> anyhow::Result<()> {
    let a = model.app(app)?;
    let mut parsed: Vec<(String, Option<Value>)> = Vec::new();
    for pair in pairs {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("expected key=value, got {pair:?}"))?;
        // An empty value resets the option to its default.
        parsed.push((
            k.to_string(),
            if v.is_empty() {
                a.charm
                    .options
                    .get(k)
                    .map(|_| None)
                    .ok_or_else(|| anyhow::anyhow!("unknown option {k:?}"))?
            } else {
                Some(a.charm.parse_config(k, v)?)
            },
        ));
    }
    let a = model
        .applications
        .get_mut(app)
        .ok_or_else(|| anyhow::anyhow!("application {app:?} not found"))?;
    let before = a.config.clone();
    for (k, v) in parsed {
        match v {
            Some(v) => a.config.insert(k, v),
            None => a.config.remove(&k),
        };
    }
    if a.config != before {
        a.config_version += 1;
    }
    Ok(())
}

/// What `resolve` does with a unit's failed hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolve {
    /// Run the failed hook again (`juju resolve`).
    Retry,
    /// Mark it done without running it (`juju resolve --no-retry`).
    Skip,
}

/// `resolve <unit> [--no-retry]`: retry the failed hook, or mark it done without
/// running it.
pub fn resolve(model: &mut ModelState, unit: &str, how: Resolve) -> anyhow::Result<Option<Hook>> {
    let u = model
        .units
        .get_mut(unit)
        .ok_or_else(|| anyhow::anyhow!("unit {unit:?} not found"))?;
    let Agent::Error { hook } = std::mem::take(&mut u.agent) else {
        anyhow::bail!("unit {unit:?} is not in an error state");
    };
    if how == Resolve::Skip {
        advance(model, unit, &hook);
    }
    Ok(Some(hook))
}

/// `upgrade <app> <charm-dir>`: every unit gets the new charm and runs `upgrade-charm`.
/// As Juju's charm deployer does, only the old charm's own files are replaced: files a
/// unit made in its charm directory (`.juju-persistent-config`, `.unit-state.db`, a
/// hook's output) stay. A charm with another name is refused with Juju's message.
pub fn upgrade(model: &mut ModelState, app: &str, charm_dir: &Path) -> anyhow::Result<()> {
    let charm = CharmInfo::read(charm_dir)?;
    ensure_runnable(charm_dir)?;
    let charm_dir = std::fs::canonicalize(charm_dir)?;
    let old_src = model.app(app)?.charm_dir.clone();
    let old_name = model.app(app)?.charm.name.clone();
    anyhow::ensure!(
        charm.name == old_name,
        "cannot upgrade application {app:?} to charm {:?}: cannot change an application's charm name",
        charm.name
    );
    let new_files = charm_files(&charm_dir)?;
    let units: Vec<(String, std::path::PathBuf)> = model
        .units
        .iter()
        .filter(|(_, u)| u.app == app)
        .map(|(n, u)| (n.clone(), u.charm_dir.clone()))
        .collect();
    let a = model
        .applications
        .get_mut(app)
        .ok_or_else(|| anyhow::anyhow!("application {app:?} not found"))?;
    a.charm = charm;
    a.charm_dir = charm_dir.clone();
    a.charm_revision += 1;
    // Stage every unit's new charm directory first (its files minus the old charm's,
    // plus the new charm's; the state database moves at the swap); only then swap them
    // in, so a failed copy changes no unit.
    let mut staged = Vec::new();
    for (_, dir) in &units {
        let new = dir.with_extension("new");
        let _ = std::fs::remove_dir_all(&new);
        if let Err(e) = stage(dir, &new, &old_src, &charm_dir) {
            for (_, n) in &staged {
                let _ = std::fs::remove_dir_all(n);
            }
            let _ = std::fs::remove_dir_all(&new);
            return Err(e);
        }
        staged.push((dir.clone(), new));
    }
    // Swap; if one unit's swap fails, put back the units already swapped, so either
    // every unit has the new charm or none has.
    let mut swapped: Vec<(std::path::PathBuf, std::path::PathBuf)> = Vec::new();
    for (i, (dir, new)) in staged.iter().enumerate() {
        if let Err(e) = swap_in(dir, new) {
            for (dir, old) in swapped.iter().rev() {
                let _ = swap_back(dir, old);
            }
            for (_, n) in &staged[i..] {
                let _ = std::fs::remove_dir_all(n);
            }
            return Err(e.context(format!("upgrading {}", dir.display())));
        }
        swapped.push((dir.clone(), dir.with_extension("old")));
    }
    for (_, old) in swapped {
        let _ = std::fs::remove_dir_all(&old);
    }
    for (_, dir) in &units {
        write_manifest(dir, &new_files)?;
    }
    Ok(())
}

/// Builds a unit's upgraded charm directory in `new`: a copy of `dir` without the files
/// the old charm shipped (a directory of it stays if a unit's file is in it), then the
/// new charm's files over it.
fn stage(dir: &Path, new: &Path, old_src: &Path, new_src: &Path) -> anyhow::Result<()> {
    copy_dir(dir, new)?;
    for rel in read_manifest(dir, old_src)? {
        let path = new.join(&rel);
        match path.symlink_metadata() {
            Ok(m) if m.is_dir() => {
                let _ = std::fs::remove_dir(&path);
            }
            Ok(_) => std::fs::remove_file(&path)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
            Err(_) => {}
        }
    }
    copy_dir(new_src, new)
}

/// Moves the unit's state database into the staged charm, then the staged charm in
/// place of `dir` (kept as `dir.old` until every unit is done).
fn swap_in(dir: &Path, new: &Path) -> anyhow::Result<()> {
    let db = dir.join(".unit-state.db");
    let moved_db = db.exists();
    if moved_db {
        std::fs::rename(&db, new.join(".unit-state.db"))?;
    }
    let old = dir.with_extension("old");
    if let Err(e) = std::fs::rename(dir, &old) {
        if moved_db {
            let _ = std::fs::rename(new.join(".unit-state.db"), &db);
        }
        return Err(e.into());
    }
    if let Err(e) = std::fs::rename(new, dir) {
        let _ = std::fs::rename(&old, dir);
        if moved_db {
            let _ = std::fs::rename(new.join(".unit-state.db"), &db);
        }
        return Err(e.into());
    }
    Ok(())
}

/// Undoes [`swap_in`]: the old charm back in place, with the state database.
fn swap_back(dir: &Path, old: &Path) -> anyhow::Result<()> {
    let db = dir.join(".unit-state.db");
    if db.exists() {
        std::fs::rename(&db, old.join(".unit-state.db"))?;
    }
    std::fs::remove_dir_all(dir)?;
    std::fs::rename(old, dir)?;
    Ok(())
}

/// Moves the model clock on by `duration` (Go's duration syntax; whole seconds count).
pub fn advance_clock(model: &mut ModelState, duration: &str) -> anyhow::Result<()> {
    let nanos = crate::secret::parse_duration(duration).ok_or_else(|| {
        anyhow::anyhow!("invalid duration {duration:?} (use Go's syntax: 1h, 90m, 24h)")
    })?;
    anyhow::ensure!(nanos >= 0, "the model clock cannot go back ({duration:?})");
    let secs = i64::try_from(nanos / 1_000_000_000)
        .map_err(|_| anyhow::anyhow!("duration {duration:?} is too long"))?;
    model.clock = model
        .clock
        .checked_add(secs)
        .ok_or_else(|| anyhow::anyhow!("duration {duration:?} is too long"))?;
    Ok(())
}

/// An `update-status` tick on every unit.
pub fn tick(model: &mut ModelState) {
    for u in model.units.values_mut() {
        u.update_status_due = true;
    }
}
