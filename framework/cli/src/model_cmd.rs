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

fn paths(dir: &Path) -> anyhow::Result<Paths> {
    // The small tool binary built beside `reactive`, else `reactive` itself (which also
    // answers as any tool).
    let me = std::env::current_exe()?;
    let small = me.with_file_name("reactive-hook-tool");
    let exe = if small.is_file() { small } else { me };
    let paths = Paths {
        dir: dir.to_path_buf(),
    };
    // One link per hook tool to this binary, which answers as the tool it is called as.
    let tools_dir = paths.tools_dir();
    std::fs::create_dir_all(&tools_dir)?;
    for name in tools::TOOL_NAMES {
        let link = tools_dir.join(name);
        if std::fs::read_link(&link).ok().as_deref() != Some(exe.as_path()) {
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(&exe, &link)?;
        }
    }
    Ok(paths)
}

pub fn run(dir: PathBuf, cmd: ModelCommand) -> anyhow::Result<()> {
    // Hooks run in their unit's directory: every path the model stores must be absolute.
    let dir = std::path::absolute(&dir)?;
    if let ModelCommand::Init { seed, jobs } = cmd {
        anyhow::ensure!(
            !dir.join(charms_reactive_model::state::STATE_FILE).exists(),
            "a model already exists in {}",
            dir.display()
        );
        std::fs::create_dir_all(&dir)?;
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
        model.save(&dir)?;
        paths(&dir)?;
        println!("model {} in {} (seed {seed})", model.name, dir.display());
        return Ok(());
    }
    if let ModelCommand::Destroy = cmd {
        ModelState::load(&dir)?;
        // Only what the model made: the directory may hold other things.
        for entry in ["units", "contexts", "tools"] {
            let p = dir.join(entry);
            if p.exists() {
                std::fs::remove_dir_all(&p)?;
            }
        }
        for file in [
            charms_reactive_model::state::STATE_FILE,
            "hooks.log",
            "debug.log",
        ] {
            let _ = std::fs::remove_file(dir.join(file));
        }
        // The directory itself goes only if nothing else is left in it.
        let _ = std::fs::remove_dir(&dir);
        println!("destroyed {}", dir.display());
        return Ok(());
    }
    let paths = paths(&dir)?;
    let mut model = ModelState::load(&dir)?;
    let mut failure: Option<String> = None;
    let changed = match cmd {
        ModelCommand::Deploy { charm_dir, app, n } => {
            let name = ops::deploy(&mut model, &dir, &charm_dir, app.as_deref(), n)?;
            eprintln!(
                "deployed {name} ({n} unit{})",
                if n == 1 { "" } else { "s" }
            );
            true
        }
        ModelCommand::AddUnit { app, n } => {
            ops::add_unit(&mut model, &dir, &app, n)?;
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
            model.save(&dir)?;
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
        "{:<10} {:<6}\n{:<10} {:<6}\n",
        "Model", "Seed", model.name, model.seed
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
        "\n{:<16} {:<12} {:<10} {:<12} Message",
        "Unit", "Workload", "Agent", "Address"
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
            "{:<16} {} {} {:<12} {message}",
            label,
            paint(&workload, format!("{workload:<12}")),
            paint(&agent, format!("{agent:<10}")),
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
    serde_json::json!({"model": {"name": model.name, "seed": model.seed}, "applications": apps})
}
