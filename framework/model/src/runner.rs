//! Running one hook on one unit: build its context, execute it as Juju does (§2.2,
//! §2.3), then apply what it did (§2.4): immediate effects always, transactional ones
//! and the unit's progress only if it exited 0.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::agent::ToolServer;
use crate::context::{
    merge_settings, CurrentRelation, HookContextData, Immediate, RelationView, Status,
    Transactional,
};
use crate::hook::Hook;
use crate::provider::UnitView;
use crate::state::{Agent, ModelState, Versioned};

/// Where the model keeps its files.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The model directory.
    pub dir: PathBuf,
    /// The `reactive-machine` binary (machines' init, supervisor and entry helper).
    pub machine_helper: PathBuf,
}

impl Paths {
    /// `<model>/tools`: one link per hook tool, put first on the hooks' `PATH`.
    pub fn tools_dir(&self) -> PathBuf {
        self.dir.join("tools")
    }
    /// `<model>/machines`: the machines provider's state.
    pub fn machines_dir(&self) -> PathBuf {
        self.dir.join("machines")
    }
    /// The hook log: one line per hook run.
    pub fn hook_log(&self) -> PathBuf {
        self.dir.join("hooks.log")
    }
    /// The debug log: hooks' juju-log records and output.
    pub fn debug_log(&self) -> PathBuf {
        self.dir.join("debug.log")
    }
}

/// How a hook ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0 (or no hook file: Juju skips a missing hook and counts it a success).
    Ok,
    /// Non-zero exit or a signal.
    Failed(String),
}

fn relation_view(
    model: &ModelState,
    unit_name: &str,
    hook: &Hook,
    id: u32,
) -> Option<RelationView> {
    let unit = model.units.get(unit_name)?;
    let rel = model.relations.get(&id)?;
    let remote_app = rel.remote_app_of(&unit.app)?.to_string();
    let known = unit.seen.members.get(&id).cloned().unwrap_or_default();
    let mut members: Vec<String> = known.keys().cloned().collect();
    let mut unit_data = std::collections::BTreeMap::new();
    // Departed and not-yet-joined units stay readable with their current data.
    for (u, d) in &rel.unit_data {
        unit_data.insert(u.clone(), d.data.clone());
    }
    // Remote members: as last seen (the per-observer cache).
    for (u, d) in &known {
        unit_data.insert(u.clone(), d.data.clone());
    }
    let is_leader = model
        .applications
        .get(&unit.app)
        .and_then(|a| a.leader.as_deref())
        == Some(unit_name);
    if hook.relation == Some(id) {
        if let Some(u) = &hook.remote_unit {
            match hook.name.rsplit('-').next() {
                // The hook's own remote unit is read fresh (its hook refreshes the cache).
                Some(kind @ ("joined" | "changed")) => {
                    if kind == "joined" {
                        members.push(u.clone());
                    }
                    let current = rel
                        .unit_data
                        .get(u)
                        .map(|d| d.data.clone())
                        .unwrap_or_default();
                    unit_data.insert(u.clone(), current);
                }
                Some("departed") => members.retain(|m| m != u),
                _ => {}
            }
        }
    }
    members.sort_by(|a, b| crate::state::unit_order(a, b));
    members.dedup();
    let mut app_data = std::collections::BTreeMap::new();
    app_data.insert(
        remote_app.clone(),
        rel.app_data
            .get(&remote_app)
            .map(|d| d.data.clone())
            .unwrap_or_default(),
    );
    if rel.peer || is_leader {
        app_data.insert(
            unit.app.clone(),
            rel.app_data
                .get(&unit.app)
                .map(|d| d.data.clone())
                .unwrap_or_default(),
        );
    }
    Some(RelationView {
        endpoint: rel.endpoint_of(&unit.app)?.to_string(),
        interface: rel.interface.clone(),
        remote_app,
        peer: rel.peer,
        members,
        unit_data,
        app_data,
        broken: hook.name.ends_with("-relation-broken") && hook.relation == Some(id),
    })
}

/// The context a hook of `unit_name` sees.
pub fn build_context(
    model: &ModelState,
    unit_name: &str,
    hook: &Hook,
    context_id: &str,
) -> anyhow::Result<HookContextData> {
    let unit = model.unit(unit_name)?;
    let app = model.app(&unit.app)?;
    let relations = model
        .relations_of(&unit.app)
        .filter_map(|r| relation_view(model, unit_name, hook, r.id).map(|v| (r.id, v)))
        .collect();
    let mut bindings: Vec<String> = app.charm.endpoints.keys().cloned().collect();
    bindings.push("juju-info".into());
    Ok(HookContextData {
        context_id: context_id.to_string(),
        unit: unit_name.to_string(),
        hook_name: hook.name.clone(),
        relation: hook.relation.map(|id| CurrentRelation {
            id,
            remote_unit: hook.remote_unit.clone(),
            departing_unit: hook.departing_unit.clone(),
        }),
        leader: app.leader.as_deref() == Some(unit_name),
        config: model.effective_config(&unit.app),
        relations,
        leader_settings: app.leader_settings.data.clone(),
        unit_status: unit.status.clone(),
        app_status: app.status.clone(),
        unit_statuses: app
            .units
            .iter()
            .filter_map(|u| model.units.get(u).map(|x| (u.clone(), x.status.clone())))
            .collect(),
        opened_ports: unit.opened_ports.clone(),
        address: unit.address.clone(),
        public_address: unit.address.clone(),
        bindings,
        state: unit.state.clone(),
        action: None,
        model_uuid: model.uuid.clone(),
        immediate: Vec::new(),
        transactional: Vec::new(),
    })
}

/// The executable Juju would run (§2.3): `dispatch` if present (it must be executable),
/// else `fallback` (`hooks/<name>` or `actions/<name>`); `None` when neither exists.
fn hook_executable(charm_dir: &Path, fallback: &str) -> Result<Option<PathBuf>, String> {
    let executable = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    };
    let dispatch = charm_dir.join("dispatch");
    if std::fs::symlink_metadata(&dispatch).is_ok() {
        return if executable(&dispatch) {
            Ok(Some(dispatch))
        } else {
            Err("dispatch is not executable".into())
        };
    }
    let legacy = charm_dir.join(fallback);
    if std::fs::symlink_metadata(&legacy).is_ok() {
        return if executable(&legacy) {
            Ok(Some(legacy))
        } else {
            Err(format!("{fallback} is not executable"))
        };
    }
    Ok(None)
}

fn append(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// A hook ready to run: its context built, its command set up and the uniter's
/// pre-hook status applied. Running it needs no access to the model, so hooks of
/// different units can run at the same time ([`crate::scheduler`]).
pub struct PreparedHook {
    unit: String,
    hook: Hook,
    seq: u64,
    ctx: HookContextData,
    observed: Option<Observed>,
    /// The command, `None` when the charm has no such hook (a success, as in Juju), or
    /// why it cannot run.
    launch: Result<Option<(Command, PathBuf, PathBuf)>, String>,
}

/// A hook that has run: what it did, not yet applied to the model.
pub struct RanHook {
    prepared: PreparedHook,
    outcome: Outcome,
    output_log: String,
}

/// Runs `hook` on `unit_name` and applies its effects to `model`.
pub fn run_hook(
    paths: &Paths,
    model: &mut ModelState,
    unit_name: &str,
    hook: &Hook,
) -> anyhow::Result<Outcome> {
    let ran = prepare_hook(paths, model, unit_name, hook)?.run();
    finish_hook(paths, model, ran)
}

/// Builds the hook's context and command; numbers the hook in the model.
pub fn prepare_hook(
    paths: &Paths,
    model: &mut ModelState,
    unit_name: &str,
    hook: &Hook,
) -> anyhow::Result<PreparedHook> {
    model.hooks_run += 1;
    let seq = model.hooks_run;
    let context_id = format!("{unit_name}-{}-{seq}", hook.name);
    let ctx = build_context(model, unit_name, hook, &context_id)?;
    // The uniter's status rules (§2.4): before install, "installing charm software"
    // unless the charm already set a status.
    if let Some(u) = model.units.get_mut(unit_name) {
        if hook.name == "install" && !u.charm_set_status {
            u.status_history.push(u.status.clone());
            u.status = Status {
                status: "maintenance".into(),
                message: "installing charm software".into(),
                data: Default::default(),
            };
        }
    }
    let unit = model.unit(unit_name)?.clone();
    let view = UnitView::of(paths, unit_name, unit.machine.as_deref());
    let launch = match hook_executable(&unit.charm_dir, &format!("hooks/{}", hook.name)) {
        Err(e) => Err(e),
        Ok(None) => Ok(None),
        Ok(Some(exe)) => {
            let inside = view.inside(&unit.charm_dir, &exe);
            match hook_command(paths, model, &view, &inside, hook, &ctx) {
                Ok(cmd) => Ok(Some((cmd, exe, agent_socket(&unit.charm_dir)))),
                // No machine to run it in: a failed hook, as when Juju cannot run one.
                Err(e) => Err(format!("{e:#}")),
            }
        }
    };
    Ok(PreparedHook {
        unit: unit_name.to_string(),
        hook: hook.clone(),
        seq,
        ctx,
        observed: observe(model, unit_name, hook),
        launch,
    })
}

impl PreparedHook {
    /// The unit it runs on.
    pub fn unit(&self) -> &str {
        &self.unit
    }

    /// Runs the hook, serving its tool calls; the model is not touched. A hook the
    /// model cannot serve (its socket cannot be made, …) counts as failed.
    pub fn run(mut self) -> RanHook {
        let launch = std::mem::replace(&mut self.launch, Ok(None));
        let (outcome, output_log) = match launch {
            Err(e) => (Outcome::Failed(e), String::new()),
            Ok(None) => (Outcome::Ok, String::new()),
            Ok(Some((cmd, exe, socket))) => {
                match serve_while_running(cmd, &socket, &mut self.ctx)
                    .unwrap_or_else(|e| Err(std::io::Error::other(format!("{e:#}"))))
                {
                    // A hook that cannot be started (bad interpreter, …) is a failed
                    // hook, as in Juju.
                    Err(e) => (
                        Outcome::Failed(format!("cannot run {}: {e}", exe.display())),
                        String::new(),
                    ),
                    Ok(output) => {
                        let mut log = String::new();
                        for (stream, data) in
                            [("stdout", &output.stdout), ("stderr", &output.stderr)]
                        {
                            for line in String::from_utf8_lossy(data).lines() {
                                log.push_str(&format!(
                                    "{} {} {stream}: {line}\n",
                                    self.unit, self.hook.name
                                ));
                            }
                        }
                        let outcome = if output.status.success() {
                            Outcome::Ok
                        } else {
                            Outcome::Failed(go_status(&output.status))
                        };
                        (outcome, log)
                    }
                }
            }
        };
        RanHook {
            prepared: self,
            outcome,
            output_log,
        }
    }
}

/// Applies what a hook did: its output and immediate effects always; transactional
/// effects and the unit's progress only if it succeeded.
pub fn finish_hook(paths: &Paths, model: &mut ModelState, ran: RanHook) -> anyhow::Result<Outcome> {
    let RanHook {
        prepared,
        outcome,
        output_log,
    } = ran;
    let PreparedHook {
        unit,
        hook,
        seq,
        ctx,
        observed,
        ..
    } = prepared;
    let unit_name = unit.as_str();
    let hook = &hook;
    if !output_log.is_empty() {
        append(&paths.debug_log(), &output_log)?;
    }
    let done = ctx;
    apply_immediate(paths, model, unit_name, hook, &done)?;
    let status = match &outcome {
        Outcome::Ok => {
            if let Some(u) = model.units.get_mut(unit_name) {
                if hook.name == "start" && !u.charm_set_status {
                    u.status_history.push(u.status.clone());
                    u.status = Status {
                        status: "unknown".into(),
                        message: String::new(),
                        data: Default::default(),
                    };
                }
            }
            apply_transactional(model, unit_name, &done);
            let machine = model.units.get(unit_name).and_then(|u| u.machine.clone());
            if let Some(observed) = &observed {
                advance_observed(model, unit_name, hook, observed);
            }
            // A removed unit's machine goes with it.
            if let (Some(m), false) = (machine, model.units.contains_key(unit_name)) {
                crate::provider::remove_machine(paths, model, &m)?;
            }
            "ok".to_string()
        }
        Outcome::Failed(why) => {
            if let Some(u) = model.units.get_mut(unit_name) {
                u.agent = Agent::Error { hook: hook.clone() };
            }
            format!("error ({why})")
        }
    };
    append(
        &paths.hook_log(),
        &format!("{seq} {unit_name} {} {status}\n", hook.label()),
    )?;
    Ok(outcome)
}

/// The environment every hook and action gets (§2.2), built from scratch.
fn base_env(
    cmd: &mut Command,
    model: &ModelState,
    view: &UnitView,
    unit_name: &str,
    context_id: &str,
) {
    let charm_dir = &view.charm_dir;
    cmd.stdin(Stdio::null())
        .env("PATH", &view.path)
        // Tells charms_reactive::service which service manager the unit has.
        .env("REACTIVE_MODEL_PROVIDER", model.provider.name())
        .env("CHARM_DIR", charm_dir)
        .env("JUJU_CHARM_DIR", charm_dir)
        .env("JUJU_CONTEXT_ID", context_id)
        .env("JUJU_UNIT_NAME", unit_name)
        .env("JUJU_MODEL_UUID", &model.uuid)
        .env("JUJU_MODEL_NAME", &model.name)
        .env(crate::tools::SOCKET_ENV, &view.socket)
        .env("JUJU_AGENT_SOCKET_NETWORK", "unix")
        .env("JUJU_API_ADDRESSES", "127.0.0.1:17070")
        .env("JUJU_SLA", "unsupported")
        .env("JUJU_MACHINE_ID", "0")
        .env("JUJU_PRINCIPAL_UNIT", "")
        .env("JUJU_AVAILABILITY_ZONE", "")
        .env("JUJU_VERSION", "3.6.4")
        .env("CLOUD_API_VERSION", "")
        .env("APT_LISTCHANGES_FRONTEND", "none")
        .env("DEBIAN_FRONTEND", "noninteractive")
        .env("LANG", "C.UTF-8")
        .env("TERM", "tmux-256color");
    for var in [
        "JUJU_CHARM_HTTP_PROXY",
        "JUJU_CHARM_HTTPS_PROXY",
        "JUJU_CHARM_FTP_PROXY",
        "JUJU_CHARM_NO_PROXY",
        "http_proxy",
        "https_proxy",
        "no_proxy",
    ] {
        cmd.env(var, "");
    }
}

/// The command that runs a hook, with Juju's environment (§2.2).
fn hook_command(
    paths: &Paths,
    model: &ModelState,
    view: &UnitView,
    exe: &Path,
    hook: &Hook,
    ctx: &HookContextData,
) -> anyhow::Result<Command> {
    let mut cmd = view.command(paths, model, exe)?;
    base_env(&mut cmd, model, view, &ctx.unit, &ctx.context_id);
    cmd.env("JUJU_HOOK_NAME", &hook.name)
        .env("JUJU_DISPATCH_PATH", format!("hooks/{}", hook.name));
    if let Some(rel) = &ctx.relation {
        let view = ctx.relations.get(&rel.id);
        cmd.env(
            "JUJU_RELATION",
            view.map(|v| v.endpoint.as_str()).unwrap_or_default(),
        )
        .env(
            "JUJU_RELATION_ID",
            ctx.relation_key(rel.id).unwrap_or_default(),
        )
        .env(
            "JUJU_REMOTE_UNIT",
            rel.remote_unit.as_deref().unwrap_or_default(),
        )
        .env(
            "JUJU_REMOTE_APP",
            view.map(|v| v.remote_app.as_str()).unwrap_or_default(),
        );
        if let Some(d) = &rel.departing_unit {
            cmd.env("JUJU_DEPARTING_UNIT", d);
        }
    }
    Ok(cmd)
}

/// The unit agent's socket: beside the unit's charm directory.
fn agent_socket(charm_dir: &Path) -> PathBuf {
    charm_dir.parent().unwrap_or(charm_dir).join("agent.socket")
}

/// Starts `cmd` and serves its tool calls against `ctx` until it exits. The outer
/// error is the model's (socket); the inner one means the program could not start.
fn serve_while_running(
    mut cmd: Command,
    socket: &Path,
    ctx: &mut HookContextData,
) -> anyhow::Result<std::io::Result<std::process::Output>> {
    let server = ToolServer::bind(socket)?;
    let child = match cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn() {
        Ok(child) => child,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(server.serve(ctx, child)?))
}

/// An exit status as Go (and so Juju) prints it: `exit status 1`, `signal: killed`.
fn go_status(status: &std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(c), _) => format!("exit status {c}"),
        (None, Some(9)) => "signal: killed".into(),
        (None, Some(15)) => "signal: terminated".into(),
        (None, Some(s)) => format!("signal: {s}"),
        (None, None) => "exit status unknown".into(),
    }
}

fn apply_immediate(
    paths: &Paths,
    model: &mut ModelState,
    unit_name: &str,
    hook: &Hook,
    ctx: &HookContextData,
) -> anyhow::Result<()> {
    let app_name = model.unit(unit_name)?.app.clone();
    let mut log = String::new();
    for effect in &ctx.immediate {
        match effect {
            Immediate::StatusSet {
                app: true,
                status,
                message,
            } => {
                if let Some(a) = model.applications.get_mut(&app_name) {
                    let old = a.status.clone();
                    a.status_history.push(old);
                    a.status = Status {
                        status: status.clone(),
                        message: message.clone(),
                        data: Default::default(),
                    };
                }
            }
            Immediate::StatusSet {
                app: false,
                status,
                message,
            } => {
                if let Some(u) = model.units.get_mut(unit_name) {
                    u.charm_set_status = true;
                    let old = std::mem::replace(
                        &mut u.status,
                        Status {
                            status: status.clone(),
                            message: message.clone(),
                            data: Default::default(),
                        },
                    );
                    u.status_history.push(old);
                }
            }
            Immediate::LeaderSet { settings } => {
                if let Some(a) = model.applications.get_mut(&app_name) {
                    let before = a.leader_settings.data.clone();
                    merge_settings(&mut a.leader_settings.data, settings);
                    if a.leader_settings.data != before {
                        a.leader_settings.version = a.leader_settings.version.max(1) + 1;
                    }
                }
            }
            Immediate::Log { level, message } => {
                log.push_str(&format!("{unit_name} {} {level}: {message}\n", hook.name))
            }
            Immediate::ApplicationVersion { version } => {
                if let Some(u) = model.units.get_mut(unit_name) {
                    u.workload_version = version.clone();
                }
            }
        }
    }
    append(&paths.debug_log(), &log)
}

fn apply_transactional(model: &mut ModelState, unit_name: &str, ctx: &HookContextData) {
    let Some(app_name) = model.units.get(unit_name).map(|u| u.app.clone()) else {
        return;
    };
    for effect in &ctx.transactional {
        match effect {
            Transactional::RelationSet {
                relation_id,
                app,
                settings,
            } => {
                if let Some(rel) = model.relations.get_mut(relation_id) {
                    let key = if *app {
                        app_name.clone()
                    } else {
                        unit_name.to_string()
                    };
                    let bag = if *app {
                        rel.app_data.entry(key).or_default()
                    } else {
                        rel.unit_data.entry(key).or_default()
                    };
                    let before = bag.data.clone();
                    merge_settings(&mut bag.data, settings);
                    if bag.data != before {
                        bag.version += 1;
                    }
                }
            }
            Transactional::StateSet { settings } => {
                if let Some(u) = model.units.get_mut(unit_name) {
                    u.state.extend(settings.clone());
                }
            }
            Transactional::StateDelete { key } => {
                if let Some(u) = model.units.get_mut(unit_name) {
                    u.state.remove(key);
                }
            }
            Transactional::OpenPort { port } => {
                if let Some(u) = model.units.get_mut(unit_name) {
                    if !u.opened_ports.contains(port) {
                        u.opened_ports.push(port.clone());
                        u.opened_ports.sort();
                    }
                }
            }
            Transactional::ClosePort { port } => {
                if let Some(u) = model.units.get_mut(unit_name) {
                    u.opened_ports.retain(|p| p != port);
                }
            }
        }
    }
}

/// Records that the unit handled `hook` (the uniter's state moves on).
pub fn advance(model: &mut ModelState, unit_name: &str, hook: &Hook) {
    if let Some(observed) = observe(model, unit_name, hook) {
        advance_observed(model, unit_name, hook, &observed);
    }
}

/// The versions a hook sees when it starts, which its unit is recorded as having seen
/// once it succeeds. Taken before the hook runs: hooks of other units running at the
/// same time may commit newer ones, which must still reach this unit in later hooks.
#[derive(Debug, Clone)]
pub struct Observed {
    leader_version: u64,
    config_version: u64,
    revision: u64,
    /// The remote unit's bag, for a relation hook about a unit.
    snapshot: Option<(u32, String, Versioned)>,
    /// The remote application's bag version, for a relation hook.
    app_version: Option<u64>,
}

/// What `hook` of `unit_name` sees of the model now (`None` if the unit is gone).
pub fn observe(model: &ModelState, unit_name: &str, hook: &Hook) -> Option<Observed> {
    let unit = model.units.get(unit_name)?;
    let app = unit.app.clone();
    let (leader_version, config_version, revision) = model
        .applications
        .get(&app)
        .map(|a| {
            (
                a.leader_settings.version.max(1),
                a.config_version.max(1),
                a.charm_revision,
            )
        })
        .unwrap_or((1, 1, 0));
    let current = |model: &ModelState, id: u32, u: &str| -> Versioned {
        model
            .relations
            .get(&id)
            .and_then(|r| r.unit_data.get(u).cloned())
            .unwrap_or_default()
    };
    let snapshot = hook
        .relation
        .zip(hook.remote_unit.clone())
        .map(|(id, u)| (id, u.clone(), current(model, id, &u)));
    let app_version = hook.relation.and_then(|id| {
        let rel = model.relations.get(&id)?;
        let remote = rel.remote_app_of(&app)?;
        Some(rel.app_data.get(remote).map_or(0, |d| d.version))
    });
    Some(Observed {
        leader_version,
        config_version,
        revision,
        snapshot,
        app_version,
    })
}

/// [`advance`] with the versions observed when the hook started.
pub fn advance_observed(model: &mut ModelState, unit_name: &str, hook: &Hook, observed: &Observed) {
    let Some(unit) = model.units.get(unit_name) else {
        return;
    };
    let app = unit.app.clone();
    let address = unit.address.clone();
    let Observed {
        leader_version,
        config_version,
        revision,
        snapshot,
        app_version,
    } = observed.clone();
    let kind = hook.name.rsplit('-').next().unwrap_or_default().to_string();
    if hook.name == "install" {
        // Entering scope: Juju fills the unit's bag in every relation.
        let ids: Vec<u32> = model.relations_of(&app).map(|r| r.id).collect();
        for id in ids {
            if let Some(rel) = model.relations.get_mut(&id) {
                rel.enter_scope(unit_name, &address);
            }
        }
    }
    let Some(unit) = model.units.get_mut(unit_name) else {
        return;
    };
    let seen = &mut unit.seen;
    match hook.name.as_str() {
        "install" => {
            seen.installed = true;
            // Installed from the current charm: no upgrade-charm for it.
            seen.charm_revision = revision;
        }
        "leader-elected" => seen.leader = true,
        "leader-settings-changed" => seen.leader_settings = leader_version,
        "config-changed" => seen.config = config_version,
        "start" => seen.started = true,
        "stop" => seen.started = false,
        "upgrade-charm" => {
            seen.charm_revision = revision;
            seen.config = 0;
        }
        "update-status" => unit.update_status_due = false,
        "remove" => {}
        _ => match (hook.relation, kind.as_str()) {
            (Some(id), "created") => {
                seen.created.insert(id);
            }
            (Some(id), "joined") | (Some(id), "changed") => {
                if let Some((_, u, data)) = snapshot {
                    seen.members.entry(id).or_default().insert(u.clone(), data);
                    if kind == "joined" {
                        seen.pending_changed.insert(id, u);
                    } else if seen.pending_changed.get(&id) == Some(&u) {
                        seen.pending_changed.remove(&id);
                    }
                } else if let Some(v) = app_version {
                    seen.app_versions.insert(id, v);
                }
            }
            (Some(id), "departed") => {
                if let Some(u) = &hook.remote_unit {
                    if let Some(m) = seen.members.get_mut(&id) {
                        m.remove(u);
                    }
                }
            }
            (Some(id), "broken") => {
                seen.created.remove(&id);
                seen.members.remove(&id);
                seen.app_versions.remove(&id);
            }
            _ => {}
        },
    }
    if hook.name == "remove" {
        remove_unit(model, unit_name);
    }
}

/// Drops a unit that ran `remove`; a leader's application elects the lowest remaining
/// unit.
fn remove_unit(model: &mut ModelState, unit_name: &str) {
    let Some(unit) = model.units.remove(unit_name) else {
        return;
    };
    // Its relation data stays readable for the life of the relation (§4).
    let had_leader = model
        .applications
        .get(&unit.app)
        .and_then(|a| a.leader.clone());
    if let Some(app) = model.applications.get_mut(&unit.app) {
        app.units.retain(|u| u != unit_name);
        if app.leader.as_deref() == Some(unit_name) {
            app.leader = None;
        }
    }
    crate::ops::elect_leaders(model);
    // A new leader: the others hear of it through leader-settings-changed.
    if let Some(app) = model.applications.get_mut(&unit.app) {
        if app.leader.is_some() && app.leader != had_leader {
            app.leader_settings.version = app.leader_settings.version.max(1) + 1;
        }
    }
    let _ = std::fs::remove_dir_all(unit.charm_dir.parent().unwrap_or(&unit.charm_dir));
}

/// The result of an action run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ActionResult {
    /// `completed` or `failed`.
    pub status: String,
    /// The failure message, if any.
    pub message: Option<String>,
    /// `action-set` results plus `return-code`, `stdout`, `stderr`.
    pub results: std::collections::BTreeMap<String, serde_json::Value>,
    /// `action-log` messages.
    pub log: Vec<String>,
}

/// Runs action `name` with `params` on `unit_name` (allowed even while the unit is in
/// error, as in Juju). Immediate effects apply; like a hook, transactional ones only on
/// success.
pub fn run_action(
    paths: &Paths,
    model: &mut ModelState,
    unit_name: &str,
    name: &str,
    params: serde_json::Value,
) -> anyhow::Result<ActionResult> {
    let unit = model.unit(unit_name)?.clone();
    let app = model.app(&unit.app)?.clone();
    anyhow::ensure!(
        app.charm.actions.iter().any(|a| a == name),
        "application {:?} has no action {name:?}",
        unit.app
    );
    model.hooks_run += 1;
    let seq = model.hooks_run;
    let context_id = format!("{unit_name}-{name}-{seq}");
    let hook = Hook::plain("");
    let mut ctx = build_context(model, unit_name, &hook, &context_id)?;
    // Juju fills schema defaults in when the action is queued, and checks required ones.
    let mut params = params;
    if let Some(map) = params.as_object_mut() {
        for (k, v) in app.charm.action_defaults.get(name).into_iter().flatten() {
            map.entry(k.clone()).or_insert_with(|| v.clone());
        }
        for r in app.charm.action_required.get(name).into_iter().flatten() {
            anyhow::ensure!(map.contains_key(r), "action {name:?} needs parameter {r:?}");
        }
    }
    let ctx_params = params.clone();
    ctx.action = Some(crate::context::ActionData {
        name: name.to_string(),
        params,
        ..Default::default()
    });
    let failed = |message: String| ActionResult {
        status: "failed".into(),
        message: Some(message),
        results: Default::default(),
        log: Vec::new(),
    };
    let exe = match hook_executable(&unit.charm_dir, &format!("actions/{name}")) {
        Ok(Some(exe)) => exe,
        Ok(None) => {
            return Ok(failed(format!(
                "action not implemented on unit {unit_name:?}"
            )))
        }
        Err(e) => return Ok(failed(e)),
    };
    let socket = agent_socket(&unit.charm_dir);
    let view = UnitView::of(paths, unit_name, unit.machine.as_deref());
    let mut cmd = match view.command(paths, model, &view.inside(&unit.charm_dir, &exe)) {
        Ok(cmd) => cmd,
        Err(e) => return Ok(failed(format!("{e:#}"))),
    };
    base_env(&mut cmd, model, &view, unit_name, &context_id);
    cmd.env("JUJU_HOOK_NAME", "")
        .env("JUJU_DISPATCH_PATH", format!("actions/{name}"))
        .env("JUJU_ACTION_NAME", name)
        .env("JUJU_ACTION_UUID", seq.to_string())
        .env("JUJU_ACTION_TAG", format!("action-{seq}"));
    let output = match serve_while_running(cmd, &socket, &mut ctx)? {
        Ok(o) => o,
        Err(e) => return Ok(failed(format!("cannot run {}: {e}", exe.display()))),
    };
    let done = ctx;
    apply_immediate(
        paths,
        model,
        unit_name,
        &Hook::plain(&format!("action-{name}")),
        &done,
    )?;
    let action = done.action.clone().unwrap_or_default();
    let mut results = action.results.clone();
    results.insert(
        "return-code".into(),
        serde_json::Value::from(output.status.code().unwrap_or(-1)),
    );
    results.insert(
        "stdout".into(),
        String::from_utf8_lossy(&output.stdout).into_owned().into(),
    );
    results.insert(
        "stderr".into(),
        String::from_utf8_lossy(&output.stderr).into_owned().into(),
    );
    // Juju flushes the context whenever the action exited 0, also after action-fail.
    if output.status.success() {
        apply_transactional(model, unit_name, &done);
    }
    let (status, message) = if !output.status.success() {
        ("failed", Some(go_status(&output.status)))
    } else if let Some(m) = action.failed.clone() {
        ("failed", Some(m))
    } else {
        ("completed", None)
    };
    append(
        &paths.hook_log(),
        &format!("{seq} {unit_name} action:{name} {status}\n"),
    )?;
    model.actions.push(crate::state::ActionRecord {
        id: seq,
        unit: unit_name.to_string(),
        name: name.to_string(),
        params: ctx_params,
        status: status.to_string(),
        message: message.clone(),
        results: results.clone(),
    });
    Ok(ActionResult {
        status: status.into(),
        message,
        results,
        log: action.logs,
    })
}
