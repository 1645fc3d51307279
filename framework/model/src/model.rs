//! A model directory as one handle: [`Model::init`] makes it, [`Model::open`] loads it for
//! a command (taking its lock and bringing its hook-tool links up to date),
//! [`Model::destroy`] removes what it made; [`ModelView::open`] loads it only to read it. The operations a user runs (deploy, relate,
//! config, actions, resolve, upgrade, …) are methods; [`Model::settle`] then runs hooks
//! until every unit is idle or in error, as Juju's unit agents would.
//!
//! Layer: the top of the crate; it uses the operations, the scheduler and the state, and
//! nothing below imports it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::paths::Paths;
pub use crate::ops::Resolve;
use crate::provider::{Provider, UnitView};
use crate::scheduler::{Settled, MAX_HOOKS};
use crate::state::{Agent, ModelState, Unit, DEFAULT_JOBS, STATE_FILE};
use crate::{action, ops, tools};

/// Default seed of a new model's interleaving.
pub const DEFAULT_SEED: u64 = 1;

/// The hook-tool binary's name in the model's tools directory (and beside `reactive`).
pub const HOOK_TOOL_BINARY: &str = "reactive-hook-tool";

/// The machines provider's helper binary's name (beside `reactive`).
pub const MACHINE_HELPER_BINARY: &str = "reactive-machine";

/// The lock file of a model directory: one command changes a model at a time.
const LOCK_FILE: &str = ".lock";

/// The programs a model runs besides the charms.
#[derive(Debug, Clone)]
pub struct Helpers {
    /// The binary that answers as every hook tool (by the name it is called with); the
    /// model keeps a copy and links each tool's name to it.
    pub hook_tool: PathBuf,
    /// The `reactive-machine` binary (the machines provider's init, supervisor and entry
    /// helper).
    pub machine_helper: PathBuf,
}

impl Helpers {
    /// The helpers of the `reactive` binary at `exe`. The hook tool is, in order:
    /// `REACTIVE_HOOK_TOOL` if set; a static musl build of `reactive-hook-tool` from the
    /// same cargo target directory and profile (`cargo build --release --target
    /// x86_64-unknown-linux-musl --bin reactive-hook-tool`) if it is at least as new as
    /// the glibc one, because it starts in a third of the time (glibc probes the CPU at
    /// every start, which traps to the hypervisor on VMs; see BENCHMARKS.md); the
    /// `reactive-hook-tool` beside `exe`; else `exe` itself, which answers as the tools
    /// too. The machine helper is the `reactive-machine` beside `exe`.
    pub fn beside(exe: &Path) -> Helpers {
        Helpers {
            hook_tool: std::env::var_os("REACTIVE_HOOK_TOOL")
                .map(PathBuf::from)
                .unwrap_or_else(|| hook_tool_beside(exe)),
            machine_helper: exe.with_file_name(MACHINE_HELPER_BINARY),
        }
    }
}

/// The hook-tool binary found from `exe`'s location, ignoring the environment.
pub fn hook_tool_beside(exe: &Path) -> PathBuf {
    let beside = exe.with_file_name(HOOK_TOOL_BINARY);
    // <target>/<profile>/reactive → <target>/x86_64-unknown-linux-musl/<profile>/…
    let musl = exe.parent().and_then(|profile_dir| {
        let profile = profile_dir.file_name()?;
        let target = profile_dir.parent()?;
        Some(
            target
                .join("x86_64-unknown-linux-musl")
                .join(profile)
                .join(HOOK_TOOL_BINARY),
        )
    });
    match musl {
        // Only a build at least as new as the glibc one: never a stale tool.
        Some(m) if m.is_file() && newer_or_same(&m, &beside) => m,
        _ if beside.is_file() => beside,
        _ => exe.to_path_buf(),
    }
}

fn newer_or_same(a: &Path, b: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(a), modified(b)) {
        (Some(x), Some(y)) => x >= y,
        (Some(_), None) => true,
        _ => false,
    }
}

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
}

impl Default for InitOptions {
    fn default() -> InitOptions {
        InitOptions {
            seed: DEFAULT_SEED,
            jobs: DEFAULT_JOBS,
            provider: "local".into(),
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
        let state = ModelState::load(&dir)?;
        Ok(ModelView {
            paths: paths_of(&dir, helpers),
            state,
        })
    }

    /// The model's directory (absolute).
    pub fn dir(&self) -> &Path {
        &self.paths.dir
    }

    /// Where the model keeps its files.
    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// The model's state as loaded and changed since.
    pub fn state(&self) -> &ModelState {
        &self.state
    }

    /// One unit's state; the error names the unit.
    pub fn unit(&self, name: &str) -> anyhow::Result<&Unit> {
        self.state.unit(name)
    }

    /// The hook log: one line per hook run (`<seq> <unit> <hook>[(<remote>)] …`); empty
    /// before the first hook. The error names the file.
    pub fn hook_log(&self) -> anyhow::Result<String> {
        read_log(&self.paths.hook_log())
    }

    /// The debug log's lines, all or only `unit`'s; none before the first hook. The
    /// error names the file.
    pub fn debug_log(&self, unit: Option<&str>) -> anyhow::Result<Vec<String>> {
        let text = read_log(&self.paths.debug_log())?;
        Ok(text
            .lines()
            .filter(|l| unit.is_none_or(|u| l.starts_with(&format!("{u} "))))
            .map(str::to_string)
            .collect())
    }

    /// A command running `command` on `unit`'s machine (local provider: on the host, in
    /// the unit's charm directory) with the environment of a shell on a Juju machine:
    /// the hook tools on `PATH`, `HOME`, `LANG`, `JUJU_UNIT_NAME` and the caller's `TERM`.
    pub fn ssh_command(&self, unit: &str, command: &[String]) -> anyhow::Result<Command> {
        let u = self.state.unit(unit)?;
        let Some((program, args)) = command.split_first() else {
            anyhow::bail!("no command given: reactive model ssh {unit} -- <cmd> [args…]");
        };
        let view = UnitView::of(&self.paths, unit, u.machine.as_deref());
        let mut cmd = view.command(&self.paths, &self.state.provider, Path::new(program))?;
        cmd.args(args)
            .env("PATH", &view.path)
            .env(
                "HOME",
                match u.machine {
                    Some(_) => "/root".to_string(),
                    None => std::env::var("HOME").unwrap_or_else(|_| "/".to_string()),
                },
            )
            .env("LANG", "C.UTF-8")
            .env("JUJU_UNIT_NAME", unit);
        if let Ok(term) = std::env::var("TERM") {
            cmd.env("TERM", term);
        }
        Ok(cmd)
    }

    /// Runs [`Model::ssh_command`] with this process's stdio; returns its exit code
    /// (128 + the signal's number if a signal ended it).
    pub fn ssh(&self, unit: &str, command: &[String]) -> anyhow::Result<i32> {
        let mut cmd = self.ssh_command(unit, command)?;
        let program = command.first().map(String::as_str).unwrap_or_default();
        let status = cmd
            .status()
            .map_err(|e| anyhow::anyhow!("cannot run {program} on {unit}: {e}"))?;
        use std::os::unix::process::ExitStatusExt;
        Ok(status
            .code()
            .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
    }

    /// The model's status as `juju status --format=json` shapes it.
    pub fn status(&self) -> Value {
        status_doc(&self.state)
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
            uuid: format!(
                "{:032x}",
                seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) as u128 ^ 0x5eed
            ),
            seed,
            rng: seed,
            jobs: options.jobs,
            ..ModelState::default()
        };
        // Checked before anything is written: a host that cannot make machines gets a
        // one-line error and no model.
        let provider = Provider::for_new_model(
            &options.provider,
            &format!("{}:{}", state.uuid, dir.display()),
        )?;
        let state = ModelState { provider, ..state };
        std::fs::create_dir_all(&dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
        let lock = lock_model(&dir, || {})?;
        exists()?;
        state.save(&dir)?;
        let paths = paths_of(&dir, helpers);
        link_hook_tools(&paths, &helpers.hook_tool)?;
        Ok(Model {
            view: ModelView { paths, state },
            _lock: lock,
        })
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
        let state = ModelState::load(&dir)?;
        let paths = paths_of(&dir, helpers);
        link_hook_tools(&paths, &helpers.hook_tool)?;
        Ok(Model {
            view: ModelView { paths, state },
            _lock: lock,
        })
    }

    /// Removes this model: its machines first (their processes may hold files in the
    /// units' directories), then only what the model made (the directory may hold other
    /// things; it goes only if nothing else is left in it). The lock is held throughout
    /// and released last. Returns the model's absolute directory.
    pub fn destroy(self) -> anyhow::Result<PathBuf> {
        let Model { view, _lock } = self;
        let ModelView { paths, state } = view;
        let dir = paths.dir.clone();
        crate::provider::destroy_all(&paths, &state.provider)?;
        for entry in [
            paths.dir.join("units"),
            paths.tools_dir(),
            paths.machines_dir(),
        ] {
            if entry.exists() {
                std::fs::remove_dir_all(&entry)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", entry.display()))?;
            }
        }
        for file in [
            dir.join(STATE_FILE),
            paths.hook_log(),
            paths.debug_log(),
            dir.join(LOCK_FILE),
        ] {
            let _ = std::fs::remove_file(file);
        }
        drop(_lock);
        let _ = std::fs::remove_dir(&dir);
        Ok(dir)
    }

    /// Deploys the built charm in `charm_dir` as `app` (default: the charm's name) with
    /// `n` units; returns the application's name.
    pub fn deploy(
        &mut self,
        charm_dir: &Path,
        app: Option<&str>,
        n: u32,
    ) -> anyhow::Result<String> {
        self.all_or_nothing(|state, paths| ops::deploy(state, paths, charm_dir, app, n))
    }

    /// Adds `n` units to `app`; returns their names.
    pub fn add_unit(&mut self, app: &str, n: u32) -> anyhow::Result<Vec<String>> {
        self.all_or_nothing(|state, paths| ops::add_unit(state, paths, app, n))
    }

    /// Marks `unit` dying: it departs its relations, stops and is removed as hooks run.
    pub fn remove_unit(&mut self, unit: &str) -> anyhow::Result<()> {
        self.all_or_nothing(|state, _| ops::remove_unit(state, unit))
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
    /// Juju), with `key=value` parameters whose values are YAML (a value that is not
    /// YAML is a string).
    pub fn run_action(
        &mut self,
        unit: &str,
        action: &str,
        params: &[String],
    ) -> anyhow::Result<action::ActionResult> {
        let params = action_params(params)?;
        self.all_or_nothing(|state, paths| action::run_action(paths, state, unit, action, params))
    }

    /// Retries the failed hook of `unit` ([`Resolve::Retry`]) or marks it done
    /// ([`Resolve::Skip`]).
    pub fn resolve(&mut self, unit: &str, how: Resolve) -> anyhow::Result<()> {
        self.all_or_nothing(|state, _| ops::resolve(state, unit, how).map(|_| ()))
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

    /// Saves the model, then runs hooks until every unit is idle or in error (at most
    /// [`MAX_HOOKS`]).
    pub fn settle(&mut self) -> anyhow::Result<Settled> {
        self.view.state.save(&self.view.paths.dir)?;
        crate::scheduler::settle(&self.view.paths, &mut self.view.state, MAX_HOOKS)
    }
}

/// What a unit shows as its workload status, agent status and message: a unit in error
/// shows `error` and the failed hook, as `juju status` does.
pub fn unit_display(unit: &Unit) -> UnitDisplay {
    match &unit.agent {
        Agent::Error { hook } => UnitDisplay {
            workload: "error".to_string(),
            agent: "idle".to_string(),
            message: format!("hook failed: {:?}", hook.name),
        },
        Agent::Idle => UnitDisplay {
            workload: unit.status.status.clone(),
            agent: "idle".to_string(),
            message: unit.status.message.clone(),
        },
    }
}

/// A unit's statuses as `juju status` shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitDisplay {
    /// Workload status (`error` while a hook has failed).
    pub workload: String,
    /// Agent status.
    pub agent: String,
    /// The workload's message, or the failed hook.
    pub message: String,
}

/// A log's text: empty if the log is not written yet; any other error names the file.
fn read_log(path: &Path) -> anyhow::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(anyhow::Error::new(e).context(format!("reading {}", path.display()))),
    }
}

/// An action's `key=value` parameters as a JSON object; values are YAML.
fn action_params(params: &[String]) -> anyhow::Result<Value> {
    let mut map = serde_json::Map::new();
    for p in params {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("expected key=value, got {p:?}"))?;
        let value: Value = serde_yaml::from_str(v).unwrap_or_else(|_| Value::String(v.to_string()));
        map.insert(k.to_string(), value);
    }
    Ok(Value::Object(map))
}

fn paths_of(dir: &Path, helpers: &Helpers) -> Paths {
    Paths {
        dir: dir.to_path_buf(),
        machine_helper: helpers.machine_helper.clone(),
    }
}

/// Puts a copy of `binary` in the model's tools directory and one relative link per hook
/// tool to it, so the tools work wherever that directory is seen: on the host, and bound
/// into each machine, where the build tree may be hidden. The copy is redone only when
/// `binary` changed (the copy takes its source's time, so size and time tell).
pub fn link_hook_tools(paths: &Paths, binary: &Path) -> anyhow::Result<()> {
    let tools_dir = paths.tools_dir();
    std::fs::create_dir_all(&tools_dir)
        .map_err(|e| anyhow::anyhow!("{}: {e}", tools_dir.display()))?;
    let copy = tools_dir.join(HOOK_TOOL_BINARY);
    if !same_file(binary, &copy) {
        let tmp = tools_dir.join(format!(".{HOOK_TOOL_BINARY}.tmp"));
        let copied = std::fs::copy(binary, &tmp).and_then(|_| {
            let modified = std::fs::metadata(binary)?.modified()?;
            std::fs::File::options()
                .write(true)
                .open(&tmp)?
                .set_modified(modified)
        });
        copied.map_err(|e| {
            anyhow::anyhow!("copying {} to {}: {e}", binary.display(), tmp.display())
        })?;
        std::fs::rename(&tmp, &copy).map_err(|e| anyhow::anyhow!("{}: {e}", copy.display()))?;
    }
    for name in tools::TOOL_NAMES {
        let link = tools_dir.join(name);
        if std::fs::read_link(&link).ok().as_deref() != Some(Path::new(HOOK_TOOL_BINARY)) {
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(HOOK_TOOL_BINARY, &link)
                .map_err(|e| anyhow::anyhow!("{}: {e}", link.display()))?;
        }
    }
    Ok(())
}

/// Same length and modification time: the copy carries its source's time.
fn same_file(a: &Path, b: &Path) -> bool {
    let stamp = |p: &Path| {
        let m = std::fs::metadata(p).ok()?;
        Some((m.len(), m.modified().ok()?))
    };
    matches!((stamp(a), stamp(b)), (Some(x), Some(y)) if x == y)
}

/// Takes the lock of the model in `dir` (creating the lock file), calling `waiting`
/// before blocking while another command holds it.
fn lock_model(dir: &Path, waiting: impl FnOnce()) -> anyhow::Result<std::fs::File> {
    let path = dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    // `File::try_lock` is newer than the declared rust-version; the toolchain has it.
    #[allow(clippy::incompatible_msrv)]
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            waiting();
            #[allow(clippy::incompatible_msrv)]
            file.lock()
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        }
        Err(std::fs::TryLockError::Error(e)) => {
            anyhow::bail!("{}: {e}", path.display())
        }
    }
    Ok(file)
}

fn status_doc(model: &ModelState) -> Value {
    let apps: serde_json::Map<String, Value> = model
        .applications
        .iter()
        .map(|(name, app)| {
            let units: serde_json::Map<String, Value> = app
                .units
                .iter()
                .filter_map(|n| model.units.get(n).map(|u| (n, u)))
                .map(|(n, u)| {
                    let shown = unit_display(u);
                    (
                        n.clone(),
                        serde_json::json!({
                            "workload-status": {"current": shown.workload, "message": shown.message},
                            "juju-status": {"current": "idle"},
                            "leader": app.leader.as_deref() == Some(n.as_str()),
                            "address": u.address,
                            "machine": u.machine,
                            "workload-version": u.workload_version,
                        }),
                    )
                })
                .collect();
            (
                name.clone(),
                serde_json::json!({
                    "charm": app.charm.name,
                    "scale": app.units.len(),
                    "application-status": {"current": app.status.status, "message": app.status.message},
                    "units": units,
                }),
            )
        })
        .collect();
    serde_json::json!({
        "model": {"name": model.name, "seed": model.seed, "provider": model.provider.name()},
        "applications": apps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_musl_hook_tool_is_preferred_only_when_at_least_as_new() -> anyhow::Result<()> {
        let root = std::env::temp_dir().join(format!("hook-tool-pick-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let release = root.join("release");
        let musl_dir = root.join("x86_64-unknown-linux-musl").join("release");
        std::fs::create_dir_all(&release)?;
        std::fs::create_dir_all(&musl_dir)?;
        let me = release.join("reactive");
        std::fs::write(&me, "")?;
        // Nothing but `reactive`: it answers as the tools itself.
        assert_eq!(hook_tool_beside(&me), me);
        let glibc = release.join(HOOK_TOOL_BINARY);
        std::fs::write(&glibc, "")?;
        assert_eq!(hook_tool_beside(&me), glibc);
        let musl = musl_dir.join(HOOK_TOOL_BINARY);
        std::fs::write(&musl, "")?;
        let set = |p: &Path, secs: u64| -> std::io::Result<()> {
            let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
            std::fs::File::options()
                .write(true)
                .open(p)?
                .set_modified(t)
        };
        set(&glibc, 2_000_000_000)?;
        set(&musl, 1_000_000_000)?;
        assert_eq!(
            hook_tool_beside(&me),
            glibc,
            "a stale musl build is not used"
        );
        set(&musl, 2_000_000_001)?;
        assert_eq!(hook_tool_beside(&me), musl);
        let _ = std::fs::remove_dir_all(&root);
        Ok(())
    }

    #[test]
    fn action_parameters_are_yaml_values_else_strings() -> anyhow::Result<()> {
        let got = action_params(&["n=3".into(), "s=a: b: c".into(), "t=x".into()])?;
        assert_eq!(got, serde_json::json!({"n": 3, "s": "a: b: c", "t": "x"}));
        let err = action_params(&["novalue".into()]).map(|_| ()).unwrap_err();
        assert_eq!(err.to_string(), "expected key=value, got \"novalue\"");
        Ok(())
    }
}
