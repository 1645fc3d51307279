//! A model directory as one handle: [`Model::init`] makes it, [`Model::open`] loads it for
//! a command (taking its lock and bringing its hook-tool links up to date),
//! [`Model::destroy`] removes what it made; [`ModelView::open`] loads it only to read it.
//! The operations a user runs (deploy, relate, config, actions, resolve, upgrade, …) are
//! methods; [`Model::settle`] then runs hooks until every unit is idle or in error, as
//! Juju's unit agents would.
//!
//! Layer: the model as a library, the top of the crate; it uses the operations, the
//! scheduler and the state, and nothing below imports it.

use anyhow::Context;

mod action_params;
mod helpers;
mod location;
mod lock;
mod logs;
mod model_config;
mod secrets;
mod ssh;
mod status;
mod tool_links;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use self::action_params::action_params;
pub use self::action_params::ActionArgs;
pub use self::helpers::{hook_tool_beside, Helpers, HOOK_TOOL_BINARY, MACHINE_HELPER_BINARY};
pub use self::location::MODEL_VAR;
use self::lock::{lock_model, LOCK_FILE};
pub use self::logs::{entity_tag, DebugLogFollower, LogFilter, LogLine, TimeFormat};
pub use self::model_config::{ModelConfigValue, MODEL_CONFIG_KEYS};
pub use self::secrets::{
    user_friendly_duration, AccessDetails, Revealed, RevisionDetails, SecretDetails, ShowSecret,
};
use self::status::status_of;
pub use self::status::{
    ApplicationStatus, Base, MachineStatus, ModelStatus, RelationEnd, Status, StatusInfo,
    UnitStatus,
};
use self::tool_links::link_hook_tools;
pub use crate::ops::Resolve;
use crate::paths::Paths;
use crate::provider::Provider;
pub use crate::scheduler::Settled;
use crate::scheduler::MAX_HOOKS;
use crate::state::{ModelState, Unit, DEFAULT_JOBS, STATE_FILE};
use crate::{action, ops};

/// Default seed of a new model's interleaving.
pub const DEFAULT_SEED: u64 = 1;

/// What `reactive model init` chooses.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// Seed of the hooks' interleaving across units.
    pub seed: u64,
    /// How many units' hooks run at the same time (1: one hook at a time).
    pub jobs: u32,
    /// Where hooks run: `local` (on this host) or `machines` (a namespace machine per
    /// unit; needs root).
    pub provider: String,
    /// Juju's `automatically-retry-hooks`: failed hooks are retried with a growing
    /// delay on the model clock (default `true`).
    pub retry_hooks: bool,
}

impl Default for InitOptions {
    fn default() -> InitOptions {
        InitOptions {
            seed: DEFAULT_SEED,
            jobs: DEFAULT_JOBS,
            provider: "local".into(),
            retry_hooks: true,
        }
    }
}

/// A model opened to read it: its files and its state as loaded. No lock is taken and
/// nothing is written; `reactive model status`, `show-unit`, `debug-log` and `ssh` use
/// it. A [`Model`] is a view too (it derefs to one), with the lock and the operations.
#[derive(Debug)]
pub struct ModelView {
    paths: Paths,
    state: ModelState,
}

/// A model open for changes: its view ([`ModelView`], through `Deref`) and its lock, held
/// until the `Model` is dropped or destroyed. Operations change the state in memory;
/// [`Model::settle`] saves it and runs the hooks they caused.
#[derive(Debug)]
pub struct Model {
    view: ModelView,
    /// The model's lock file, locked: one command changes a model at a time.
    _lock: std::fs::File,
    /// What opening it did to recover from a killed command ([`Model::recovered`]).
    recovered: Vec<String>,
}

impl std::ops::Deref for Model {
    type Target = ModelView;
    fn deref(&self) -> &ModelView {
        &self.view
    }
}

impl ModelView {
    /// Opens the model in `dir` to read it: no lock, the hook tools left alone.
    pub fn open(dir: &Path, helpers: &Helpers) -> anyhow::Result<ModelView> {
        let dir = std::path::absolute(dir)?;
        let mut state = ModelState::load(&dir)?;
        crate::juju_files::upgrade_state(&mut state);
        Ok(ModelView {
            paths: paths_of(&dir, helpers),
            state,
        })
    }

    /// The model's directory (absolute).
    pub fn dir(&self) -> &Path {
        &self.paths.dir
    }

    /// The model's state as loaded and changed since.
    pub fn state(&self) -> &ModelState {
        &self.state
    }

    /// One unit's state; the error names the unit.
    pub fn unit(&self, name: &str) -> anyhow::Result<&Unit> {
        self.state.unit(name)
    }

    /// The model's status; serialised, it has the shape of `juju status --format=json`.
    /// A unit whose hook or action runs now (in the command holding the lock) shows its
    /// agent `executing`.
    pub fn status(&self) -> Status {
        status_of(&self.paths, &self.state)
    }

    /// The model's options, as `juju model-config` lists them.
    pub fn model_config(&self) -> BTreeMap<String, ModelConfigValue> {
        model_config::model_config(&self.state)
    }
}

impl Model {
    /// Creates a model in `dir` (made absolute: hooks run in their units' directories)
    /// and links the hook tools into it; the new model is returned open, with its lock.
    /// Refused if `dir` already holds a model (checked again under the lock, so of two
    /// inits at once one fails), and, before anything is written, if the host cannot run
    /// the provider (the machines provider needs root).
    pub fn init(dir: &Path, options: &InitOptions, helpers: &Helpers) -> anyhow::Result<Model> {
        let dir = std::path::absolute(dir)?;
        let exists = || {
            anyhow::ensure!(
                !dir.join(STATE_FILE).exists(),
                "a model already exists in {}",
                dir.display()
            );
            Ok(())
        };
        exists()?;
        let seed = options.seed;
        let state = ModelState {
            name: dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "default".into()),
            uuid: crate::juju_files::new_model_uuid()?,
            seed,
            rng: seed,
            jobs: options.jobs,
            clock: crate::secret::MODEL_EPOCH,
            automatically_retry_hooks: options.retry_hooks,
            ..ModelState::default()
        };
        // Checked before anything is written: a host that cannot make machines gets a
        // one-line error and no model.
        let provider = Provider::for_new_model(
            &options.provider,
            &format!("{}:{}", state.uuid, dir.display()),
        )?;
        let state = ModelState { provider, ..state };
        std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
        crate::logs::tighten(&dir)?;
        let lock = lock_model(&dir, || {})?;
        exists()?;
        state.save(&dir)?;
        let paths = paths_of(&dir, helpers);
        link_hook_tools(&paths, &helpers.hook_tool)?;
        Ok(Model {
            view: ModelView { paths, state },
            _lock: lock,
            recovered: Vec::new(),
        })
    }

    /// The model directory used when none is given: `REACTIVE_MODEL`, else
    /// `$XDG_DATA_HOME/reactive/model`, else `$HOME/.local/share/reactive/model` (empty
    /// values count as unset); an error if none of them is set.
    pub fn default_dir() -> anyhow::Result<PathBuf> {
        location::default_dir_from(|name| std::env::var_os(name))
    }

    /// Opens the model in `dir` for changes: waits for its lock (another command may be
    /// changing it), loads it and brings its hook-tool links up to date.
    pub fn open(dir: &Path, helpers: &Helpers) -> anyhow::Result<Model> {
        Model::open_waiting(dir, helpers, || {})
    }

    /// [`Model::open`], calling `waiting` first if another command holds the lock.
    pub fn open_waiting(
        dir: &Path,
        helpers: &Helpers,
        waiting: impl FnOnce(),
    ) -> anyhow::Result<Model> {
        let dir = std::path::absolute(dir)?;
        if !dir.join(STATE_FILE).exists() {
            // No model: loading says why (and to run init), and nothing is written.
            ModelState::load(&dir)?;
        }
        let lock = lock_model(&dir, waiting)?;
        crate::logs::tighten(&dir)?;
        let mut state = ModelState::load(&dir)?;
        crate::juju_files::upgrade_state(&mut state);
        let paths = paths_of(&dir, helpers);
        // With the lock held no other command runs hooks: a running record left is a
        // killed command's.
        crate::running::clear_all(&paths);
        link_hook_tools(&paths, &helpers.hook_tool)?;
        // A command killed outright (SIGKILL) may have left hooks running and folders or
        // machines its state does not name: see `reconcile`.
        let recovered = crate::reconcile::recover(&paths, &mut state)?;
        Ok(Model {
            view: ModelView { paths, state },
            _lock: lock,
            recovered,
        })
    }

    /// What opening the model did to recover from a command that was killed: hooks it
    /// left running ended and recorded as failed, folders and machines it left removed;
    /// one line each (empty when there was nothing to do).
    pub fn recovered(&self) -> &[String] {
        &self.recovered
    }

    /// Removes this model: its machines first (their processes may hold files in the
    /// units' directories), then only what the model made (the directory may hold other
    /// things; it goes only if nothing else is left in it). The lock is held throughout
    /// and released last. Returns the model's absolute directory.
    pub fn destroy(self) -> anyhow::Result<PathBuf> {
        let Model { view, _lock, .. } = self;
        let ModelView { paths, state } = view;
        remove_model(&paths, &state.provider, _lock)
    }

    /// Removes the model in `dir` even if its state cannot be read (truncated, not JSON,
    /// unreadable): `reactive model destroy --force`. The provider comes from the state
    /// if it loads, else from the model's own folders (a `machines/` folder holding a
    /// fleet is destroyed from the fleet's record of its network), so the machines'
    /// processes end either way. Waits for the lock like any command; `waiting` is called
    /// first if another command holds it. Returns the model's absolute directory.
    pub fn destroy_forced(
        dir: &Path,
        helpers: &Helpers,
        waiting: impl FnOnce(),
    ) -> anyhow::Result<PathBuf> {
        let dir = std::path::absolute(dir)?;
        anyhow::ensure!(
            dir.join(STATE_FILE).exists()
                || dir.join(LOCK_FILE).exists()
                || dir.join("units").exists()
                || dir.join("machines").exists(),
            "no model in {} (nothing to destroy)",
            dir.display()
        );
        let lock = lock_model(&dir, waiting)?;
        let paths = paths_of(&dir, helpers);
        let provider = match ModelState::load(&dir) {
            Ok(state) => state.provider,
            Err(_) => provider_from_folders(&paths)?,
        };
        remove_model(&paths, &provider, lock)
    }
}

/// The provider of a model whose state cannot be read: `machines` if its machines folder
/// records a fleet's network (`machines/fleet.json`), else `local`.
fn provider_from_folders(paths: &Paths) -> anyhow::Result<Provider> {
    let record = paths.machines_dir().join("fleet.json");
    let bytes = match std::fs::read(&record) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Provider::Local),
        Err(e) => anyhow::bail!("{}: {e}", record.display()),
    };
    let fleet: Value = serde_json::from_slice(&bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}: cannot find the machines' network in it ({e}); end the machines by hand",
            record.display()
        )
    })?;
    match fleet.get("net") {
        Some(net) if !net.is_null() => {
            let net: charms_reactive_machines::NetConfig = serde_json::from_value(net.clone())
                .with_context(|| format!("{}: the machines' network", record.display()))?;
            Ok(Provider::Machines {
                bridge: net.bridge,
                subnet: net.subnet,
            })
        }
        // No network recorded: the fleet never made a machine.
        _ => Ok(Provider::Local),
    }
}

/// Removes a model: its machines first (their processes may hold files in the units'
/// directories), then only what the model made (the directory may hold other things; it
/// goes only if nothing else is left in it). `lock` is released last.
fn remove_model(
    paths: &Paths,
    provider: &Provider,
    lock: std::fs::File,
) -> anyhow::Result<PathBuf> {
    let dir = paths.dir.clone();
    // Hooks a killed command left running (recorded in the units' folders), then the
    // machines (found from the machines' folder, recorded or not).
    crate::reconcile::end_recorded_runs(paths)?;
    crate::provider::destroy_all(paths, provider)?;
    let left = crate::reconcile::leftovers(paths, provider);
    anyhow::ensure!(
        left.is_empty(),
        "destroying the model in {} left {}; the model's files are kept: end those, then destroy it again",
        dir.display(),
        left.join(", ")
    );
    for entry in [
        paths.dir.join("units"),
        paths.tools_dir(),
        paths.machines_dir(),
    ] {
        if entry.exists() {
            std::fs::remove_dir_all(&entry).with_context(|| entry.display().to_string())?;
        }
    }
    // The state goes last but for the lock: a destroy killed before it is run again.
    for file in [
        dir.join(crate::secret_store::SECRETS_FILE),
        paths.hook_log(),
        paths.hook_usage_log(),
        paths.debug_log(),
        dir.join(STATE_FILE),
        dir.join(LOCK_FILE),
    ] {
        let _ = std::fs::remove_file(file);
    }
    drop(lock);
    let _ = std::fs::remove_dir(&dir);
    Ok(dir)
}

impl Model {
    /// Deploys the built charm in `charm_dir` as `app` (default: the charm's name) with
    /// `n` units; returns the application's name.
    pub fn deploy(
        &mut self,
        charm_dir: &Path,
        app: Option<&str>,
        n: u32,
    ) -> anyhow::Result<String> {
        let before = self.view.state.clone();
        let app = self.all_or_nothing(|state, paths| {
            let app = ops::deploy(state, paths, charm_dir, app, n)?;
            crate::juju_files::assign_machine_ids(state);
            Ok(app)
        })?;
        self.make_recorded_units(before)?;
        Ok(app)
    }

    /// Adds `n` units to `app`; returns their names.
    pub fn add_unit(&mut self, app: &str, n: u32) -> anyhow::Result<Vec<String>> {
        let before = self.view.state.clone();
        let units = self.all_or_nothing(|state, paths| {
            let units = ops::add_unit(state, paths, app, n)?;
            crate::juju_files::assign_machine_ids(state);
            Ok(units)
        })?;
        self.make_recorded_units(before)?;
        Ok(units)
    }

    /// Saves the state that records new units, then makes their charm copies and
    /// machines: a command killed in between leaves units the next one finishes
    /// making (`reconcile`). If making fails, the state goes back to `before` and what
    /// was made is removed.
    fn make_recorded_units(&mut self, before: ModelState) -> anyhow::Result<()> {
        let paths = &self.view.paths;
        self.view.state.save(&paths.dir)?;
        if let Err(e) = crate::reconcile::provision_all(paths, &self.view.state) {
            self.view.state = before;
            self.view.state.save(&paths.dir)?;
            if let Err(cleanup) = crate::reconcile::collect_garbage(paths, &self.view.state) {
                return Err(e.context(format!("and removing what was made failed: {cleanup:#}")));
            }
            return Err(e);
        }
        Ok(())
    }

    /// Marks `unit` dying: it departs its relations, stops and is removed as hooks run.
    pub fn remove_unit(&mut self, unit: &str) -> anyhow::Result<()> {
        self.all_or_nothing(|state, _| ops::remove_unit(state, unit))
    }

    /// Removes `app`: its relations end, its units leave in Juju's order as hooks run
    /// (departed and broken for each relation, `stop`, `remove`), and the application
    /// goes with its last unit.
    pub fn remove_application(&mut self, app: &str) -> anyhow::Result<()> {
        self.all_or_nothing(|state, _| ops::remove_application(state, app))
    }

    /// Relates two endpoints given as `app[:endpoint]`; returns the relation's id.
    pub fn relate(&mut self, a: &str, b: &str) -> anyhow::Result<u32> {
        self.all_or_nothing(|state, _| ops::relate(state, a, b))
    }

    /// Removes the relation between two `app[:endpoint]`s.
    pub fn unrelate(&mut self, a: &str, b: &str) -> anyhow::Result<()> {
        self.all_or_nothing(|state, _| ops::unrelate(state, a, b))
    }

    /// Sets `app`'s config from `key=value` pairs (an empty value resets the default).
    pub fn config(&mut self, app: &str, pairs: &[String]) -> anyhow::Result<()> {
        self.all_or_nothing(|state, _| ops::config(state, app, pairs))
    }

    /// `app`'s config as its hooks see it: the defaults with the values set.
    pub fn effective_config(&self, app: &str) -> BTreeMap<String, Value> {
        self.view.state.effective_config(app)
    }

    /// Runs action `action` on `unit` now (allowed while the unit is in error, as in
    /// Juju), with `key=value` (or `key.key…=value`) parameters whose values are YAML,
    /// as `juju run` takes them; see [`Model::run_action_args`].
    pub fn run_action(
        &mut self,
        unit: &str,
        action: &str,
        params: &[String],
    ) -> anyhow::Result<action::ActionResult> {
        let args = ActionArgs {
            pairs: params.to_vec(),
            ..Default::default()
        };
        self.run_action_args(unit, action, &args)
    }

    /// Runs action `action` on `unit` now with the parameters `juju run` would send
    /// (a `--params` file, `key.key…=value` pairs, `--string-args`). Parameters that do
    /// not match the action's schema are refused with Juju's message, and nothing runs.
    pub fn run_action_args(
        &mut self,
        unit: &str,
        action: &str,
        args: &ActionArgs,
    ) -> anyhow::Result<action::ActionResult> {
        let params = action_params(args)?;
        // `reactive model status` shows the agent executing the action meanwhile.
        if self.view.state.units.contains_key(unit) {
            crate::running::mark(
                &self.view.paths,
                unit,
                &crate::running::action_message(action),
            )?;
        }
        let result = self
            .all_or_nothing(|state, paths| action::run_action(paths, state, unit, action, params));
        crate::running::clear(&self.view.paths, unit);
        result
    }

    /// Sets model options from `key=value` pairs, as `juju model-config` does (all or
    /// none); see [`MODEL_CONFIG_KEYS`].
    pub fn set_model_config(&mut self, pairs: &[String]) -> anyhow::Result<()> {
        self.all_or_nothing(|state, _| model_config::set_model_config(state, pairs))
    }

    /// Retries the failed hook of `unit` ([`Resolve::Retry`]) or marks it done
    /// ([`Resolve::Skip`]).
    pub fn resolve(&mut self, unit: &str, how: Resolve) -> anyhow::Result<()> {
        self.all_or_nothing(|state, _| {
            ops::resolve(state, unit, how)?;
            // Resolved by hand: no automatic retry is pending; a skipped hook also ends
            // the failures in a row (a retried one counts on if it fails again).
            if let Some(u) = state.units.get_mut(unit) {
                u.retry_at = None;
                if how == Resolve::Skip {
                    u.hook_failures = 0;
                }
            }
            Ok(())
        })
    }

    /// Upgrades `app` to the build of its charm in `charm_dir`; every unit or none.
    pub fn upgrade(&mut self, app: &str, charm_dir: &Path) -> anyhow::Result<()> {
        self.all_or_nothing(|state, _| ops::upgrade(state, app, charm_dir))
    }

    /// Runs `change` on the state; if it fails, the state is put back as it was, so an
    /// operation is all or nothing in memory as on disk (the next [`Model::settle`] saves
    /// whatever the state holds, and the operations mutate step by step).
    fn all_or_nothing<T>(
        &mut self,
        change: impl FnOnce(&mut ModelState, &Paths) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let before = self.view.state.clone();
        let result = change(&mut self.view.state, &self.view.paths);
        if result.is_err() {
            self.view.state = before;
        }
        result
    }

    /// Queues an update-status hook on every unit.
    pub fn tick(&mut self) {
        ops::tick(&mut self.view.state)
    }

    /// Moves the model clock on by `duration` (Go's duration syntax: `1h`, `90m`,
    /// `24h`), then queues an update-status hook on every unit; secret rotations and
    /// expiries whose time has come fire as the model settles.
    pub fn tick_advance(&mut self, duration: &str) -> anyhow::Result<()> {
        self.all_or_nothing(|state, _| ops::advance_clock(state, duration))?;
        self.tick();
        Ok(())
    }

    /// Saves the model, then runs hooks until every unit is idle or in error (at most
    /// 10 000 hooks).
    pub fn settle(&mut self) -> anyhow::Result<Settled> {
        let paths = &self.view.paths;
        // Units recorded by a command killed before it made them are made now.
        crate::reconcile::provision_all(paths, &self.view.state)?;
        self.view.state.save(&paths.dir)?;
        let settled = crate::scheduler::settle(paths, &mut self.view.state, MAX_HOOKS)?;
        // Removed units' directories and machines go once the state without them is saved.
        crate::reconcile::collect_garbage(paths, &self.view.state)?;
        Ok(settled)
    }
}

fn paths_of(dir: &Path, helpers: &Helpers) -> Paths {
    Paths {
        dir: dir.to_path_buf(),
        machine_helper: helpers.machine_helper.clone(),
    }
}
