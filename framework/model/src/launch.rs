//! Starting a hook or an action as Juju does: which executable (`dispatch`, else
//! `hooks/<name>` or `actions/<name>`), Juju's environment built from scratch, the
//! unit's machine if it has one, and the agent socket served until the program exits.
//! Layer: process launch, above context building and the agent socket. See
//! <https://juju.is/docs/sdk/charm-lifecycle> and
//! <https://juju.is/docs/juju/hook#heading--hook-execution>.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use charms_reactive_juju::env;

use crate::agent::ToolServer;
use crate::context::HookContextData;
use crate::hook::Hook;
use crate::logs::DebugLog;
use crate::paths::{agent_socket, Paths};
use crate::provider::UnitView;
use crate::state::{ModelState, Unit};

/// A hook or action ready to start: its command with Juju's environment, the executable
/// it runs (as the host sees it) and the agent socket to serve.
pub struct Launch {
    cmd: Command,
    exe: PathBuf,
    socket: PathBuf,
    /// The unit's debug log and the hook's or action's name, for its records.
    log: (DebugLog, String),
    program: String,
}

/// Why a hook or action could not be started: for a hook, a failure as when Juju cannot
/// run one (the unit goes into error with this message).
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// `dispatch`, or the hook or action file without it, is not executable.
    #[error("{program} is not executable")]
    NotExecutable {
        /// `dispatch`, `hooks/<name>` or `actions/<name>`.
        program: String,
    },
    /// The unit's machine cannot run it (it is gone, …).
    #[error(transparent)]
    Machine(anyhow::Error),
    /// The executable could not be started (bad interpreter, …).
    #[error("cannot run {}", exe.display())]
    Spawn {
        /// The executable, as the host sees it.
        exe: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Environment variables of one kind of run, on top of [`Launch::prepare`]'s base.
pub type Vars = Vec<(&'static str, String)>;

impl Launch {
    /// The launch of `program` (`hooks/<name>` or `actions/<name>`, also the dispatch
    /// path) on `unit_name`, with the base environment plus `vars`. `Ok(None)` when the
    /// charm has neither `dispatch` nor `program`; `Err` says why it cannot run (the
    /// file is not executable, the unit's machine is gone, …).
    pub fn prepare(
        paths: &Paths,
        model: &ModelState,
        unit_name: &str,
        unit: &Unit,
        program: &str,
        context_id: &str,
        vars: Vars,
    ) -> Result<Option<Launch>, LaunchError> {
        let Some(exe) = executable(&unit.charm_dir, program)? else {
            return Ok(None);
        };
        crate::juju_files::prepare_unit(paths, model, unit_name, unit)
            .map_err(LaunchError::Machine)?;
        let view = UnitView::of(paths, unit_name, unit.machine.as_deref());
        let mut cmd = view
            .command(paths, &model.provider, &view.inside(&unit.charm_dir, &exe))
            // No machine to run it in: a failed hook, as when Juju cannot run one.
            .map_err(LaunchError::Machine)?;
        base_env(&mut cmd, model, &view, unit_name, context_id);
        cmd.env(env::DISPATCH_PATH, program);
        for (var, value) in vars {
            cmd.env(var, value);
        }
        Ok(Some(Launch {
            cmd,
            exe,
            socket: agent_socket(&unit.charm_dir),
            log: (
                DebugLog::new(paths.debug_log(), unit_name, model.logging()),
                program.rsplit('/').next().unwrap_or(program).to_string(),
            ),
            program: program.to_string(),
        }))
    }

    /// The executable, as the host sees it.
    pub fn exe(&self) -> &Path {
        &self.exe
    }

    /// Starts the program in a process group of its own (so an interrupted command can
    /// end all of it, see [`crate::interrupt`]) and serves its tool calls against `ctx`
    /// until it exits. The outer error is the model's (the socket); the inner one means
    /// the program could not start.
    pub fn run(self, ctx: &mut HookContextData) -> anyhow::Result<std::io::Result<Output>> {
        let Launch {
            mut cmd,
            socket,
            log,
            program,
            ..
        } = self;
        let server = ToolServer::bind(&socket)?.with_log(log.0, &log.1);
        let unit_dir = socket.parent().unwrap_or(&socket).to_path_buf();
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let (child, running) = match crate::interrupt::spawn(&mut cmd, &unit_dir, &program) {
            Ok(started) => started,
            Err(e) => return Ok(Err(e)),
        };
        let output = server.serve(ctx, child);
        drop(running);
        Ok(Ok(output?))
    }
}

/// A hook's own variables: its name, and for a relation hook the relation, remote unit,
/// remote application and departing unit.
pub fn hook_vars(hook: &Hook, ctx: &HookContextData) -> Vars {
    let mut vars = vec![(env::HOOK_NAME, hook.name.clone())];
    if let Some(rel) = &ctx.relation {
        let view = ctx.relations.get(&rel.id);
        vars.extend([
            (
                env::RELATION,
                view.map(|v| v.endpoint.clone()).unwrap_or_default(),
            ),
            (
                env::RELATION_ID,
                ctx.relation_key(rel.id).unwrap_or_default(),
            ),
            (
                env::REMOTE_UNIT,
                rel.remote_unit.clone().unwrap_or_default(),
            ),
            (
                env::REMOTE_APP,
                view.map(|v| v.remote_app.clone()).unwrap_or_default(),
            ),
        ]);
        if let Some(d) = &rel.departing_unit {
            vars.push((env::DEPARTING_UNIT, d.clone()));
        }
    }
    // Juju sets the revision only when there is one (not for secret-rotate).
    if let Some(secret) = &hook.secret {
        vars.push((env::SECRET_ID, format!("secret:{}", secret.id)));
        vars.push((env::SECRET_LABEL, secret.label.clone()));
        if let Some(r) = secret.revision.filter(|r| *r > 0) {
            vars.push((env::SECRET_REVISION, r.to_string()));
        }
    }
    vars
}

/// An action's own variables: no hook name, the action's name, id and tag.
pub fn action_vars(name: &str, id: u64) -> Vars {
    vec![
        (env::HOOK_NAME, String::new()),
        (env::ACTION_NAME, name.to_string()),
        (env::ACTION_UUID, id.to_string()),
        (env::ACTION_TAG, format!("action-{id}")),
    ]
}

/// The executable Juju would run: `dispatch` if present (it must be executable), else
/// `fallback` (`hooks/<name>` or `actions/<name>`); `None` when neither exists.
fn executable(charm_dir: &Path, fallback: &str) -> Result<Option<PathBuf>, LaunchError> {
    let executable = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    };
    let dispatch = charm_dir.join("dispatch");
    if std::fs::symlink_metadata(&dispatch).is_ok() {
        return if executable(&dispatch) {
            kernel_can_run(&dispatch).map(|()| Some(dispatch))
        } else {
            Err(LaunchError::NotExecutable {
                program: "dispatch".into(),
            })
        };
    }
    let legacy = charm_dir.join(fallback);
    if std::fs::symlink_metadata(&legacy).is_ok() {
        return if executable(&legacy) {
            kernel_can_run(&legacy).map(|()| Some(legacy))
        } else {
            Err(LaunchError::NotExecutable {
                program: fallback.to_string(),
            })
        };
    }
    Ok(None)
}

/// Refuses a file the kernel cannot run (neither a `#!` script nor an ELF program) with
/// the kernel's error, as Juju's uniter fails such a hook (`exec format error`): the
/// C library's execvp, which starts hooks here, would otherwise hand the file to
/// `/bin/sh`. A file that cannot be read is left to the start itself to report.
fn kernel_can_run(exe: &Path) -> Result<(), LaunchError> {
    use std::io::Read;
    let mut head = Vec::with_capacity(4);
    let read = std::fs::File::open(exe).and_then(|f| f.take(4).read_to_end(&mut head));
    if read.is_err() || head.starts_with(b"#!") || head == b"\x7fELF" {
        return Ok(());
    }
    Err(LaunchError::Spawn {
        exe: exe.to_path_buf(),
        source: std::io::Error::from_raw_os_error(libc::ENOEXEC),
    })
}

/// The environment every hook and action gets, built from scratch as Juju's uniter
/// does: the charm directory, context, unit, model and agent socket, Juju's fixed
/// values and empty proxy settings.
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
        .env(env::REACTIVE_MODEL_PROVIDER, model.provider.name())
        // Juju tells hooks nothing of its logging-config; this framework's runtime
        // reads its level from here, so the model passes the level juju-log records
        // are kept at.
        .env(
            "CHARMS_REACTIVE_LOG",
            model
                .logging()
                .level_of(&format!("unit.{unit_name}.juju-log"))
                .runtime_filter(),
        )
        .env(env::LEGACY_CHARM_DIR, charm_dir)
        .env(env::CHARM_DIR, charm_dir)
        .env(env::CONTEXT_ID, context_id)
        .env(env::UNIT_NAME, unit_name)
        .env(env::MODEL_UUID, &model.uuid)
        .env(env::MODEL_NAME, &model.name)
        .env(env::AGENT_SOCKET_ADDRESS, &view.socket)
        .env(env::AGENT_SOCKET_NETWORK, "unix")
        .env(env::API_ADDRESSES, "127.0.0.1:17070")
        .env(env::SLA, "unsupported")
        .env(
            env::MACHINE_ID,
            crate::juju_files::machine_id(model, unit_name).to_string(),
        )
        .env(env::PRINCIPAL_UNIT, "")
        .env(env::AVAILABILITY_ZONE, "")
        .env(env::VERSION, crate::juju_files::JUJU_VERSION)
        .env("CLOUD_API_VERSION", "")
        .env("APT_LISTCHANGES_FRONTEND", "none")
        .env("DEBIAN_FRONTEND", "noninteractive")
        .env("LANG", "C.UTF-8")
        .env("TERM", "tmux-256color");
    for var in env::CHARM_PROXIES
        .iter()
        .chain(&["http_proxy", "https_proxy", "no_proxy"])
    {
        cmd.env(var, "");
    }
}
