//! `reactive model …`: the local Juju model.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use charms_reactive_model::runner::Paths;
use charms_reactive_model::scheduler::{settle, MAX_HOOKS};
use charms_reactive_model::state::{Agent, ModelState};
use charms_reactive_model::{ops, tools};
use clap::Subcommand;

/// Default seed of a new model's interleaving.
pub const DEFAULT_SEED: u64 = 1;

#[derive(Subcommand)]
pub enum ModelCommand {
    /// Create the model.
    Init {
        /// Seed of the hooks' interleaving across units.
        #[arg(long, default_value_t = DEFAULT_SEED)]
        seed: u64,
        /// How many units' hooks run at the same time (1: one hook at a time).
        #[arg(long, default_value_t = charms_reactive_model::state::DEFAULT_JOBS,
              value_parser = clap::value_parser!(u32).range(1..=64))]
        jobs: u32,
        /// Where hooks run: `local` (on this host) or `machines` (a namespace machine
        /// per unit: own hostname, address, filesystem and processes; needs root).
        #[arg(long, default_value = "local")]
        provider: String,
    },
    /// Deploy a built charm.
    Deploy {
        charm_dir: PathBuf,
        app: Option<String>,
        #[arg(short = 'n', default_value_t = 1)]
        n: u32,
    },
    /// Add units to an application.
    AddUnit {
        app: String,
        #[arg(short = 'n', default_value_t = 1)]
        n: u32,
    },
    /// Remove a unit.
    RemoveUnit { unit: String },
    /// Relate two endpoints (`app[:endpoint]`).
    Relate { a: String, b: String },
    /// Remove a relation.
    Unrelate { a: String, b: String },
    /// Set config values (`key=value`; an empty value resets to the default).
    Config { app: String, pairs: Vec<String> },
    /// Run an action on a unit (`key=value` parameters; values are YAML).
    Run {
        unit: String,
        action: String,
        params: Vec<String>,
    },
    /// Retry a failed hook (or skip it with --no-retry).
    Resolve {
        unit: String,
        #[arg(long)]
        no_retry: bool,
    },
    /// Upgrade an application to another build of its charm.
    Upgrade { app: String, charm_dir: PathBuf },
    /// Run an update-status tick on every unit.
    Tick,
    /// The model's status, like `juju status`.
    Status {
        #[arg(long, default_value = "tabular")]
        format: String,
    },
    /// One unit's state as JSON.
    ShowUnit { unit: String },
    /// The hooks' logs.
    DebugLog {
        #[arg(long)]
        unit: Option<String>,
    },
    /// Run a command in a unit's machine (local provider: on the host, in the unit's
    /// charm directory): `reactive model ssh <unit> -- <cmd> [args…]`.
    Ssh {
        unit: String,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
        command: Vec<String>,
    },
    /// Remove the model and everything in it.
    Destroy,
}

/// The model directory: `--model`, else `REACTIVE_MODEL`, else the user's data dir.
pub fn model_dir(arg: Option<PathBuf>) -> PathBuf {
    arg.or_else(|| std::env::var_os("REACTIVE_MODEL").map(PathBuf::from))
        .unwrap_or_else(|| {
            let base = std::env::var_os("XDG_DATA_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
                .unwrap_or_else(|| PathBuf::from("."));
            base.join("reactive").join("model")
        })
}

/// The model's paths, nothing written.
fn model_paths(dir: &Path) -> anyhow::Result<Paths> {
    let me = std::env::current_exe()?;
    Ok(Paths {
        dir: dir.to_path_buf(),
        machine_helper: me.with_file_name("reactive-machine"),
    })
}

/// The model's paths, with its tools directory brought up to date.
fn paths(dir: &Path) -> anyhow::Result<Paths> {
    let me = std::env::current_exe()?;
    let exe = hook_tool_binary(&me);
    let paths = model_paths(dir)?;
    // A copy of the tool binary in the model, and one relative link per hook tool to it,
    // so the tools work wherever the model's tools directory is seen: on the host, and
    // bound into each machine, where the build tree may be hidden.
    let tools_dir = paths.tools_dir();
    std::fs::create_dir_all(&tools_dir)?;
    let copy = tools_dir.join(TOOL_BINARY);
    if !same_file(&exe, &copy) {
        let tmp = tools_dir.join(format!(".{TOOL_BINARY}.tmp"));
        let copied = std::fs::copy(&exe, &tmp).and_then(|_| {
            // The copy takes the source's time, so the next command recognises it.
            let modified = std::fs::metadata(&exe)?.modified()?;
            std::fs::File::options()
                .write(true)
                .open(&tmp)?
                .set_modified(modified)
        });
        copied
            .map_err(|e| anyhow::anyhow!("copying {} to {}: {e}", exe.display(), tmp.display()))?;
        std::fs::rename(&tmp, &copy)?;
    }
    for name in tools::TOOL_NAMES {
        let link = tools_dir.join(name);
        if std::fs::read_link(&link).ok().as_deref() != Some(Path::new(TOOL_BINARY)) {
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(TOOL_BINARY, &link)?;
        }
    }
    Ok(paths)
}

/// The binary that answers as every hook tool: `REACTIVE_HOOK_TOOL` if set; else a
/// static musl build of `reactive-hook-tool` from the same cargo target directory and
/// profile (`cargo build --release --target x86_64-unknown-linux-musl --bin
/// reactive-hook-tool`), which starts in a third of the time a glibc binary takes (glibc
/// probes the CPU at every start, which traps to the hypervisor on VMs; BENCHMARKS.md);
/// else the `reactive-hook-tool` beside `reactive`; else `reactive` itself.
fn hook_tool_binary(me: &Path) -> PathBuf {
    if let Some(explicit) = std::env::var_os("REACTIVE_HOOK_TOOL") {
        return PathBuf::from(explicit);
    }
    let beside = me.with_file_name(TOOL_BINARY);
    // <target>/<profile>/reactive → <target>/x86_64-unknown-linux-musl/<profile>/…
    let musl = me.parent().and_then(|profile_dir| {
        let profile = profile_dir.file_name()?;
        let target = profile_dir.parent()?;
        Some(
            target
                .join("x86_64-unknown-linux-musl")
                .join(profile)
                .join(TOOL_BINARY),
        )
    });
    match musl {
        // Only a build at least as new as the glibc one: never a stale tool.
        Some(m) if m.is_file() && newer_or_same(&m, &beside) => m,
        _ if beside.is_file() => beside,
        _ => me.to_path_buf(),
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

/// The hook-tool binary's name in the model's tools directory.
const TOOL_BINARY: &str = "reactive-hook-tool";

/// Same length and modification time: the copy carries its source's time.
fn same_file(a: &Path, b: &Path) -> bool {
    let stamp = |p: &Path| {
        let m = std::fs::metadata(p).ok()?;
        Some((m.len(), m.modified().ok()?))
    };
    matches!((stamp(a), stamp(b)), (Some(x), Some(y)) if x == y)
}

pub fn run(dir: PathBuf, cmd: ModelCommand) -> anyhow::Result<()> {
    // Hooks run in their unit's directory: every path the model stores must be absolute.
    let dir = std::path::absolute(&dir)?;
    if let ModelCommand::Init {
        seed,
        jobs,
        provider,
    } = cmd
    {
        anyhow::ensure!(
            !dir.join(charms_reactive_model::state::STATE_FILE).exists(),
            "a model already exists in {}",
            dir.display()
        );
        let model = ModelState {
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
            jobs,
            ..ModelState::default()
        };
        // Checked before anything is written: a host that cannot make machines gets a
        // one-line error and no model.
        let provider = charms_reactive_model::provider::Provider::for_new_model(
            &provider,
            &format!("{}:{}", model.uuid, dir.display()),
        )?;
        let model = ModelState { provider, ..model };
        std::fs::create_dir_all(&dir)?;
        model.save(&dir)?;
        paths(&dir)?;
        println!(
            "model {} in {} (seed {seed}, provider {})",
            model.name,
            dir.display(),
            model.provider.name()
        );
        return Ok(());
    }
    // One command changes a model at a time (each loads, settles and saves it).
    let read_only = matches!(
        cmd,
        ModelCommand::Status { .. }
            | ModelCommand::ShowUnit { .. }
            | ModelCommand::DebugLog { .. }
            | ModelCommand::Ssh { .. }
    );
    let _lock = if !read_only && dir.join(charms_reactive_model::state::STATE_FILE).exists() {
        Some(lock_model(&dir)?)
    } else {
        None
    };
    if let ModelCommand::Destroy = cmd {
        let model = ModelState::load(&dir)?;
        // Machines first: their processes may hold files in the units' directories.
        let paths = model_paths(&dir)?;
        charms_reactive_model::provider::destroy_all(&paths, &model)?;
        // Only what the model made: the directory may hold other things.
        for entry in [
            paths.dir.join("units"),
            paths.tools_dir(),
            paths.machines_dir(),
        ] {
            if entry.exists() {
                std::fs::remove_dir_all(&entry)?;
            }
        }
        for file in [
            dir.join(charms_reactive_model::state::STATE_FILE),
            paths.hook_log(),
            paths.debug_log(),
            dir.join(LOCK_FILE),
        ] {
            let _ = std::fs::remove_file(file);
        }
        // The directory itself goes only if nothing else is left in it.
        let _ = std::fs::remove_dir(&dir);
        println!("destroyed {}", dir.display());
        return Ok(());
    }
    // Commands that run hooks bring the tools up to date; the others only read.
    let paths = if read_only {
        model_paths(&dir)?
    } else {
        paths(&dir)?
    };
    let mut model = ModelState::load(&dir)?;
    let mut failure: Option<String> = None;
    let changed = match cmd {
        ModelCommand::Deploy { charm_dir, app, n } => {
            let name = ops::deploy(&mut model, &paths, &charm_dir, app.as_deref(), n)?;
            eprintln!(
                "deployed {name} ({n} unit{})",
                if n == 1 { "" } else { "s" }
            );
            true
        }
        ModelCommand::AddUnit { app, n } => {
            ops::add_unit(&mut model, &paths, &app, n)?;
            true
        }
        ModelCommand::RemoveUnit { unit } => {
            ops::remove_unit(&mut model, &unit)?;
            true
        }
        ModelCommand::Relate { a, b } => {
            ops::relate(&mut model, &a, &b)?;
            true
        }
        ModelCommand::Unrelate { a, b } => {
            ops::unrelate(&mut model, &a, &b)?;
            true
        }
        ModelCommand::Config { app, pairs } => {
            if pairs.is_empty() {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&model.effective_config(&app))?
                );
                false
            } else {
                ops::config(&mut model, &app, &pairs)?;
                true
            }
        }
        ModelCommand::Run {
            unit,
            action,
            params,
        } => {
            let mut map = serde_json::Map::new();
            for p in &params {
                let (k, v) = p
                    .split_once('=')
                    .ok_or_else(|| anyhow::anyhow!("expected key=value, got {p:?}"))?;
                let value: serde_json::Value = serde_yaml::from_str(v)
                    .unwrap_or_else(|_| serde_json::Value::String(v.to_string()));
                map.insert(k.to_string(), value);
            }
            let result = charms_reactive_model::runner::run_action(
                &paths,
                &mut model,
                &unit,
                &action,
                serde_json::Value::Object(map),
            )?;
            print!("{}", serde_yaml::to_string(&result)?);
            if result.status != "completed" {
                // Reported after settling: hooks the action caused still run.
                failure = Some(format!(
                    "action {action} failed on {unit}: {}",
                    result.message.clone().unwrap_or_default()
                ));
            }
            true
        }
        ModelCommand::Resolve { unit, no_retry } => {
            ops::resolve(&mut model, &unit, no_retry)?;
            true
        }
        ModelCommand::Upgrade { app, charm_dir } => {
            ops::upgrade(&mut model, &app, &charm_dir)?;
            true
        }
        ModelCommand::Tick => {
            ops::tick(&mut model);
            true
        }
        ModelCommand::Status { format } => {
            print_status(&model, &format)?;
            false
        }
        ModelCommand::ShowUnit { unit } => {
            println!("{}", serde_json::to_string_pretty(model.unit(&unit)?)?);
            false
        }
        ModelCommand::DebugLog { unit } => {
            let text = std::fs::read_to_string(paths.debug_log()).unwrap_or_default();
            for line in text.lines().filter(|l| {
                unit.as_ref()
                    .is_none_or(|u| l.starts_with(&format!("{u} ")))
            }) {
                println!("{line}");
            }
            false
        }
        ModelCommand::Ssh { unit, command } => {
            let code = ssh(&paths, &model, &unit, &command)?;
            if code != 0 {
                std::process::exit(code);
            }
            false
        }
        ModelCommand::Init { .. } | ModelCommand::Destroy => false,
    };
    if changed {
        model.save(&dir)?;
        let done = settle(&paths, &mut model, MAX_HOOKS)?;
        eprintln!("settled after {} hooks (seed {})", done.hooks, model.seed);
        if !done.errors.is_empty() {
            eprintln!("units in error: {} (see `reactive model debug-log`, then `reactive model resolve`)", done.errors.join(", "));
        }
    }
    if let Some(f) = failure {
        anyhow::bail!(f);
    }
    Ok(())
}

/// The lock file of a model directory.
const LOCK_FILE: &str = ".lock";

/// Takes the model's lock, waiting (and saying so) while another command holds it.
fn lock_model(dir: &Path) -> anyhow::Result<std::fs::File> {
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
            eprintln!(
                "waiting for another `reactive model` command on {} to finish…",
                dir.display()
            );
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

/// Runs `command` in the unit's machine (or, local provider, in its charm directory on
/// the host) with the terminal's stdio; returns its exit code.
fn ssh(paths: &Paths, model: &ModelState, unit: &str, command: &[String]) -> anyhow::Result<i32> {
    let u = model.unit(unit)?;
    let Some((program, args)) = command.split_first() else {
        anyhow::bail!("no command given: reactive model ssh {unit} -- <cmd> [args…]");
    };
    let view = charms_reactive_model::provider::UnitView::of(paths, unit, u.machine.as_deref());
    let mut cmd = view.command(paths, model, Path::new(program))?;
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
    let status = cmd
        .status()
        .map_err(|e| anyhow::anyhow!("cannot run {program} on {unit}: {e}"))?;
    use std::os::unix::process::ExitStatusExt;
    Ok(status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
}

fn print_status(model: &ModelState, format: &str) -> anyhow::Result<()> {
    match format {
        "json" => {
            println!("{}", serde_json::to_string_pretty(&status_doc(model))?);
            return Ok(());
        }
        "yaml" => {
            print!("{}", serde_yaml::to_string(&status_doc(model))?);
            return Ok(());
        }
        "tabular" => {}
        other => anyhow::bail!("unknown format {other:?}: use tabular, json or yaml"),
    }
    let colour = std::io::stdout().is_terminal();
    let paint = |status: &str, text: String| -> String {
        if !colour {
            return text;
        }
        let code = match status {
            "active" | "idle" => "32",
            "error" | "blocked" => "31",
            "waiting" | "maintenance" | "executing" => "33",
            _ => "0",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    };
    println!(
        "{:<10} {:<6} {:<9}\n{:<10} {:<6} {:<9}\n",
        "Model",
        "Seed",
        "Provider",
        model.name,
        model.seed,
        model.provider.name()
    );
    println!(
        "{:<16} {:<10} {:<12} {:>5}  {:<16} Message",
        "App", "Version", "Status", "Scale", "Charm"
    );
    for (name, app) in &model.applications {
        let version = app
            .units
            .iter()
            .filter_map(|u| model.units.get(u))
            .map(|u| u.workload_version.clone())
            .find(|v| !v.is_empty())
            .unwrap_or_default();
        println!(
            "{:<16} {:<10} {} {:>5}  {:<16} {}",
            name,
            version,
            paint(&app.status.status, format!("{:<12}", app.status.status)),
            app.units.len(),
            app.charm.name,
            app.status.message
        );
    }
    println!(
        "\n{:<16} {:<12} {:<10} {:<12} {:<14} Message",
        "Unit", "Workload", "Agent", "Machine", "Address"
    );
    for name in model.applications.values().flat_map(|a| a.units.iter()) {
        let Some(u) = model.units.get(name) else {
            continue;
        };
        let leader = model
            .applications
            .get(&u.app)
            .and_then(|a| a.leader.as_deref())
            == Some(name.as_str());
        let (workload, agent, message) = match &u.agent {
            Agent::Error { hook } => (
                "error".to_string(),
                "idle".to_string(),
                format!("hook failed: {:?}", hook.name),
            ),
            Agent::Idle => (
                u.status.status.clone(),
                "idle".to_string(),
                u.status.message.clone(),
            ),
        };
        let label = format!("{name}{}", if leader { "*" } else { "" });
        println!(
            "{:<16} {} {} {:<12} {:<14} {message}",
            label,
            paint(&workload, format!("{workload:<12}")),
            paint(&agent, format!("{agent:<10}")),
            u.machine.as_deref().unwrap_or("-"),
            u.address
        );
    }
    Ok(())
}

fn status_doc(model: &ModelState) -> serde_json::Value {
    let apps: serde_json::Map<String, serde_json::Value> = model
        .applications
        .iter()
        .map(|(name, app)| {
            let units: serde_json::Map<String, serde_json::Value> = app
                .units
                .iter()
                .filter_map(|n| model.units.get(n).map(|u| (n, u)))
                .map(|(n, u)| {
                    let (status, message) = match &u.agent {
                        Agent::Error { hook } => ("error".to_string(), format!("hook failed: {:?}", hook.name)),
                        Agent::Idle => (u.status.status.clone(), u.status.message.clone()),
                    };
                    (n.clone(), serde_json::json!({
                        "workload-status": {"current": status, "message": message},
                        "juju-status": {"current": "idle"},
                        "leader": app.leader.as_deref() == Some(n.as_str()),
                        "address": u.address,
                        "machine": u.machine,
                        "workload-version": u.workload_version,
                    }))
                })
                .collect();
            (name.clone(), serde_json::json!({
                "charm": app.charm.name,
                "scale": app.units.len(),
                "application-status": {"current": app.status.status, "message": app.status.message},
                "units": units,
            }))
        })
        .collect();
    serde_json::json!({"model": {"name": model.name, "seed": model.seed, "provider": model.provider.name()}, "applications": apps})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_musl_hook_tool_is_preferred_only_when_at_least_as_new() {
        let root = std::env::temp_dir().join(format!("hook-tool-pick-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let release = root.join("release");
        let musl_dir = root.join("x86_64-unknown-linux-musl").join("release");
        std::fs::create_dir_all(&release).unwrap();
        std::fs::create_dir_all(&musl_dir).unwrap();
        let me = release.join("reactive");
        std::fs::write(&me, "").unwrap();
        // Nothing but `reactive`: it answers as the tools itself.
        assert_eq!(hook_tool_binary(&me), me);
        let glibc = release.join(TOOL_BINARY);
        std::fs::write(&glibc, "").unwrap();
        assert_eq!(hook_tool_binary(&me), glibc);
        let musl = musl_dir.join(TOOL_BINARY);
        std::fs::write(&musl, "").unwrap();
        let set = |p: &Path, secs: u64| {
            let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
            let f = std::fs::File::options().write(true).open(p).unwrap();
            f.set_modified(t).unwrap();
        };
        set(&glibc, 2_000_000_000);
        set(&musl, 1_000_000_000);
        assert_eq!(
            hook_tool_binary(&me),
            glibc,
            "a stale musl build is not used"
        );
        set(&musl, 2_000_000_001);
        assert_eq!(hook_tool_binary(&me), musl);
        let _ = std::fs::remove_dir_all(&root);
    }
}
