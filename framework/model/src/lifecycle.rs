//! The life of one hook or action on a unit, shared by both: number it, build its
//! context, launch it and serve its tool calls, then apply what it did (immediate
//! effects always, transactional ones only on success). Hooks add the uniter's status
//! rules and move the unit's bookkeeping on; [`crate::action`] adds parameters and
//! results. Layer: the hook lifecycle, above applying effects.
//!
//! Preparing and finishing need the model; running does not, so hooks of different
//! units run at the same time ([`crate::scheduler`] is the layer above).

use std::process::Output;

use crate::context::{HookContextData, Status};
use crate::context_build::build_context;
use crate::effects::{apply_immediate, apply_transactional};
use crate::gostr::go_status;
use crate::hook::Hook;
use crate::launch::{hook_vars, Launch, LaunchError, Vars};
use crate::logs::append;
use crate::paths::Paths;
use crate::state::{Agent, ModelState};
use crate::uniter::{advance_observed, observe, Observed};

/// A hook or action ready to run: numbered, its context built, its command set up.
pub struct Prepared {
    unit: String,
    seq: u64,
    ctx: HookContextData,
    /// The command; `None` when the charm has no such hook or action, or why it cannot
    /// run.
    launch: Result<Option<Launch>, LaunchError>,
}

/// How a run ended.
pub enum Exit {
    /// The charm has no such hook or action (for a hook, a success, as in Juju).
    Missing,
    /// It could not be started; why.
    NotRun(LaunchError),
    /// The model could not serve it (its agent socket could not be made, …): the
    /// executable and the model's error.
    AgentFailed(String, anyhow::Error),
    /// It ran; its exit status and output.
    Exited(Output),
}

/// A hook or action that has run: its context holds what it did, not yet applied.
pub struct Finished {
    unit: String,
    seq: u64,
    ctx: HookContextData,
    /// How Juju names what ran (`hook dispatching script: dispatch`), for the uniter's
    /// log records.
    handler: &'static str,
}

/// Numbers the next hook or action of `unit_name` and builds the context it sees;
/// `label` names it in the context id.
pub(crate) fn begin(
    model: &mut ModelState,
    unit_name: &str,
    hook: &Hook,
    label: &str,
) -> anyhow::Result<(u64, HookContextData)> {
    model.hooks_run += 1;
    let seq = model.hooks_run;
    let context_id = format!("{unit_name}-{label}-{seq}");
    let ctx = build_context(model, unit_name, hook, &context_id)?;
    Ok((seq, ctx))
}

impl Prepared {
    /// Sets up `program` (`hooks/<name>` or `actions/<name>`) on `unit_name` with the
    /// context `ctx` and the run's own environment `vars`.
    pub(crate) fn new(
        paths: &Paths,
        model: &ModelState,
        unit_name: &str,
        seq: u64,
        ctx: HookContextData,
        program: &str,
        vars: Vars,
    ) -> anyhow::Result<Prepared> {
        let unit = model.unit(unit_name)?;
        let launch = Launch::prepare(
            paths,
            model,
            unit_name,
            unit,
            program,
            &ctx.context_id,
            vars,
        );
        Ok(Prepared {
            unit: unit_name.to_string(),
            seq,
            ctx,
            launch,
        })
    }

    /// Runs it, serving its tool calls; the model is not touched.
    pub fn run(self) -> (Finished, Exit) {
        let Prepared {
            unit,
            seq,
            mut ctx,
            launch,
        } = self;
        // As Juju names them; a file found but not startable keeps its handler.
        let handler_of = |exe: &std::path::Path| {
            if exe.file_name().is_some_and(|n| n == "dispatch") {
                "hook dispatching script: dispatch"
            } else {
                "explicit, bespoke hook script"
            }
        };
        let handler = match &launch {
            Ok(Some(l)) => handler_of(l.exe()),
            Err(LaunchError::Spawn { exe, .. }) => handler_of(exe),
            _ => "unknown/invalid hook handler",
        };
        let exit = match launch {
            Err(e) => Exit::NotRun(e),
            Ok(None) => Exit::Missing,
            Ok(Some(launch)) => {
                let launch_exe = launch.exe().to_path_buf();
                let exe = launch_exe.display().to_string();
                match launch.run(&mut ctx) {
                    Err(e) => Exit::AgentFailed(exe, e),
                    // A program that cannot be started (bad interpreter, …) is a
                    // failed hook, as in Juju.
                    Ok(Err(source)) => Exit::NotRun(LaunchError::Spawn {
                        exe: launch_exe,
                        source,
                    }),
                    Ok(Ok(output)) => Exit::Exited(output),
                }
            }
        };
        (
            Finished {
                unit,
                seq,
                ctx,
                handler,
            },
            exit,
        )
    }
}

impl Finished {
    /// Its context, with what it did.
    pub fn context(&self) -> &HookContextData {
        &self.ctx
    }

    /// Applies its immediate effects, and its transactional ones if `committed`.
    pub(crate) fn apply(&self, model: &mut ModelState, committed: bool) -> anyhow::Result<()> {
        apply_immediate(model, &self.unit, &self.ctx)?;
        if committed {
            apply_transactional(model, &self.unit, &self.ctx);
        }
        Ok(())
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

/// A hook ready to run: its context built, its command set up and the uniter's
/// pre-hook status applied. Running it needs no access to the model, so hooks of
/// different units can run at the same time ([`crate::scheduler`]).
pub struct PreparedHook {
    prepared: Prepared,
    hook: Hook,
    observed: Option<Observed>,
}

/// A hook that has run: what it did, not yet applied to the model.
pub struct RanHook {
    finished: Finished,
    exit: Exit,
    hook: Hook,
    observed: Option<Observed>,
}

/// Builds the hook's context and command; numbers the hook in the model.
pub fn prepare_hook(
    paths: &Paths,
    model: &mut ModelState,
    unit_name: &str,
    hook: &Hook,
) -> anyhow::Result<PreparedHook> {
    let (seq, ctx) = begin(model, unit_name, hook, &hook.name)?;
    // The uniter's own status (`beforeHook` in Juju's runhook.go): before install,
    // "installing charm software" unless the charm already set a status; before stop
    // and remove, always (the context keeps the status from before).
    if let Some(u) = model.units.get_mut(unit_name) {
        let message = match hook.name.as_str() {
            "install" if !u.charm_set_status => Some("installing charm software"),
            "stop" => Some("stopping charm software"),
            "remove" => Some("cleaning up prior to charm deletion"),
            _ => None,
        };
        if let Some(message) = message {
            u.status_history.push(u.status.clone());
            u.status = Status {
                status: "maintenance".into(),
                message: message.into(),
                data: Default::default(),
            };
        }
    }
    let vars = hook_vars(hook, &ctx);
    let program = format!("hooks/{}", hook.name);
    let prepared = Prepared::new(paths, model, unit_name, seq, ctx, &program, vars)?;
    Ok(PreparedHook {
        prepared,
        hook: hook.clone(),
        observed: observe(model, unit_name, hook),
    })
}

impl PreparedHook {
    /// Runs the hook, serving its tool calls; the model is not touched. A hook the
    /// model cannot serve (its socket cannot be made, …) counts as failed.
    pub fn run(self) -> RanHook {
        let (finished, exit) = self.prepared.run();
        RanHook {
            finished,
            exit,
            hook: self.hook,
            observed: self.observed,
        }
    }
}

/// Applies what a hook did: its output and immediate effects always; transactional
/// effects and the unit's progress only if it succeeded.
pub fn finish_hook(paths: &Paths, model: &mut ModelState, ran: RanHook) -> anyhow::Result<Outcome> {
    let RanHook {
        finished,
        exit,
        hook,
        observed,
    } = ran;
    let unit_name = finished.unit.as_str();
    // The hook's output and juju-log calls were recorded as they came.
    let missing = matches!(exit, Exit::Missing);
    let outcome = match exit {
        Exit::Missing => Outcome::Ok,
        Exit::NotRun(why) => Outcome::Failed(error_chain(why)),
        Exit::AgentFailed(exe, e) => Outcome::Failed(format!("cannot run {exe}: {e:#}")),
        Exit::Exited(output) if output.status.success() => Outcome::Ok,
        Exit::Exited(output) => Outcome::Failed(go_status(&output.status)),
    };
    uniter_record(paths, model, &finished, &hook.name, missing, &outcome);
    finished.apply(model, outcome == Outcome::Ok)?;
    let status = match &outcome {
        Outcome::Ok => {
            // The uniter's own status (`afterHook`): after start, "unknown" unless the
            // charm set one; after stop, maintenance with no message.
            if let Some(u) = model.units.get_mut(unit_name) {
                let after = match hook.name.as_str() {
                    "start" if !u.charm_set_status => Some("unknown"),
                    "stop" => Some("maintenance"),
                    _ => None,
                };
                if let Some(status) = after {
                    u.status_history.push(u.status.clone());
                    u.status = Status {
                        status: status.into(),
                        message: String::new(),
                        data: Default::default(),
                    };
                }
            }
            if let Some(observed) = &observed {
                advance_observed(model, unit_name, &hook, observed);
            }
            // A removed unit's directory and machine go once the state that no longer
            // has it is saved (`reconcile::collect_garbage`): a command killed in
            // between leaves debris the next one removes, never a unit without them.
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
        &format!("{} {unit_name} {} {status}\n", finished.seq, hook.label()),
    )?;
    // Apart from the hook log, which depends only on the seed: CPU time differs by run.
    if let Some(cpu) = finished.ctx.cpu {
        append(
            &paths.hook_usage_log(),
            &format!(
                "{} {unit_name} {} user={:.3} sys={:.3}\n",
                finished.seq,
                hook.label(),
                cpu.user.as_secs_f64(),
                cpu.system.as_secs_f64()
            ),
        )?;
    }
    Ok(outcome)
}

/// What Juju's uniter logs once a hook has run (module `juju.worker.uniter.operation`,
/// as in its [runhook.go](https://github.com/juju/juju/blob/3.6/internal/worker/uniter/operation/runhook.go)):
/// `ran "install" hook (via …)`, `skipped "install" hook (missing)`, or, at ERROR, `hook
/// "install" (via …) failed: …`, also for a hook that could not start.
fn uniter_record(
    paths: &Paths,
    model: &ModelState,
    finished: &Finished,
    hook: &str,
    missing: bool,
    outcome: &Outcome,
) {
    use crate::logging_config::Level;
    let log = crate::logs::DebugLog::new(paths.debug_log(), &finished.unit, model.logging());
    let module = "juju.worker.uniter.operation";
    let via = finished.handler;
    match outcome {
        Outcome::Ok if missing => log.record(
            Level::Info,
            module,
            &format!("skipped {hook:?} hook (missing)"),
        ),
        Outcome::Ok => log.record(
            Level::Info,
            module,
            &format!("ran {hook:?} hook (via {via})"),
        ),
        Outcome::Failed(why) => log.record(
            Level::Error,
            module,
            &format!("hook {hook:?} (via {via}) failed: {why}"),
        ),
    }
}

/// A launch error with its sources, as one line (`cannot run …: No such file …`): what
/// the hook log and `juju status` show for a hook that could not start.
pub(crate) fn error_chain(e: LaunchError) -> String {
    format!("{:#}", anyhow::Error::from(e))
}
