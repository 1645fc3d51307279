//! `reactive model …`: the local Juju model's commands: their arguments, how their results
//! print, and their exit codes. What they do is the model crate's [`Model`].

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use charms_reactive_model::model::{
    user_friendly_duration, ActionArgs, SecretDetails, ShowSecret, DEFAULT_SEED,
};
use charms_reactive_model::{Helpers, InitOptions, Model, ModelView, Resolve};
use clap::Subcommand;

/// The `reactive model` subcommands: making and removing a model, reading it, changing
/// it.
#[derive(Subcommand)]
pub enum ModelCommand {
    /// Create the model.
    Init {
        /// Seed of the hooks' interleaving across units: an integer from 0 to 2^64-1;
        /// the same seed runs the same hooks in the same order.
        #[arg(long, value_name = "SEED", default_value_t = DEFAULT_SEED)]
        seed: u64,
        /// How many units' hooks run at the same time: 1 to 64 (1: one hook at a time).
        #[arg(long, value_name = "N", default_value_t = charms_reactive_model::state::DEFAULT_JOBS,
              value_parser = clap::value_parser!(u32).range(1..=64))]
        jobs: u32,
        /// Where hooks run: `local` (on this host) or `machines` (a namespace machine
        /// per unit: own hostname, address, filesystem and processes; needs root).
        #[arg(long, value_name = "PROVIDER", default_value = "local")]
        provider: String,
        /// Do not retry failed hooks automatically (Juju's model option
        /// `automatically-retry-hooks=false`); `resolve` still retries them.
        #[arg(long)]
        no_retry_hooks: bool,
    },
    #[command(flatten)]
    Change(ChangeCommand),
    #[command(flatten)]
    Read(ReadCommand),
    /// Remove the model and everything in it, ending its machines' processes.
    Destroy {
        /// Remove it even if its state (model.json, secrets.json) cannot be read: the
        /// provider is then found from the model's own folders.
        #[arg(long)]
        force: bool,
    },
}

/// Commands that only read the model: no lock, nothing written.
#[derive(Subcommand)]
pub enum ReadCommand {
    /// The model's status, like `juju status`.
    Status {
        /// Output format: `tabular`, `json` or `yaml` (the JSON has `juju status
        /// --format=json`'s keys).
        #[arg(long, value_name = "FORMAT", default_value = "tabular")]
        format: String,
    },
    /// One unit's state as JSON.
    ShowUnit {
        /// The unit (`app/n`).
        unit: String,
    },
    /// The model's secrets, like `juju secrets` (content is never shown).
    Secrets {
        /// Output format: `tabular`, `yaml` or `json` (yaml and json keyed by secret id).
        #[arg(long, value_name = "FORMAT", default_value = "tabular")]
        format: String,
    },
    /// One secret's details, like `juju show-secret`: by id, `secret:` URI or label.
    ShowSecret {
        /// The secret: its id, `secret:<id>` URI, or its owner's label.
        id: String,
        /// Show the content too.
        #[arg(long)]
        reveal: bool,
        /// Show every revision's metadata.
        #[arg(long)]
        revisions: bool,
        /// Show this revision number (with --reveal: its content) instead of the latest.
        #[arg(long, short = 'r', value_name = "REVISION")]
        revision: Option<u32>,
        /// Output format: `yaml` or `json`.
        #[arg(long, value_name = "FORMAT", default_value = "yaml")]
        format: String,
    },
    /// The units' log records, like `juju debug-log`: `<entity>: <time> <LEVEL> <module>
    /// <message>`, the last 10 unless --replay or --lines; --tail follows new records.
    DebugLog(crate::debug_log::DebugLogArgs),
    /// Run a command in a unit's machine (local provider: on the host, in the unit's
    /// charm directory): `reactive model ssh <unit> -- <cmd> [args…]`.
    Ssh {
        /// The unit (`app/n`).
        unit: String,
        /// The command and its arguments (after `--`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
        command: Vec<String>,
    },
    /// Which handlers a hook would run for a unit's current flags, and for each that
    /// would not, the condition that fails (reads the unit's state; runs no hook).
    Explain {
        /// The unit (`app/n`).
        unit: String,
        /// The hook to explain [default: the unit's next hook as the model would pick
        /// it, or update-status, the hook an idle unit gets].
        #[arg(long, value_name = "HOOK")]
        hook: Option<String>,
    },
}

/// Commands that change the model (under its lock), then run the hooks they caused.
#[derive(Subcommand)]
pub enum ChangeCommand {
    /// Deploy a built charm.
    Deploy {
        /// The built charm's directory (what `reactive build` wrote).
        charm_dir: PathBuf,
        /// The application's name [default: the charm's name].
        app: Option<String>,
        /// How many units to deploy (1 or more); each unit gets its own number.
        #[arg(short = 'n', value_name = "COUNT", default_value_t = 1)]
        n: u32,
    },
    /// Add units to an application.
    AddUnit {
        /// The application.
        app: String,
        /// How many units to add (1 or more).
        #[arg(short = 'n', value_name = "COUNT", default_value_t = 1)]
        n: u32,
    },
    /// Remove a unit.
    RemoveUnit {
        /// The unit (`app/n`).
        unit: String,
    },
    /// Remove an application: its relations end, its units leave (each relation
    /// departed and broken, stop, remove), then the application goes.
    RemoveApplication {
        /// The application's name.
        app: String,
    },
    /// Relate two endpoints.
    Relate {
        /// One end: `app` or `app:endpoint`.
        a: String,
        /// The other end: `app` or `app:endpoint`.
        b: String,
    },
    /// Remove a relation.
    Unrelate {
        /// One end: `app` or `app:endpoint`.
        a: String,
        /// The other end: `app` or `app:endpoint`.
        b: String,
    },
    /// Set config values, or print the application's config when none is given.
    Config {
        /// The application.
        app: String,
        /// Options to set, each `key=value` (e.g. `port=8080 name=web`); the value is
        /// parsed by the option's type, and an empty value (`key=`) resets the option to
        /// its default.
        #[arg(value_name = "KEY=VALUE")]
        pairs: Vec<String>,
    },
    /// Run an action on a unit.
    Run {
        /// The unit (`app/n`).
        unit: String,
        /// The action's name.
        action: String,
        /// Parameters, each `key=value` or `key.key=value` for a nested map (e.g. `n=3
        /// name=web file.kind=xz`); values are YAML (`n=3` is a number, `yes` a boolean)
        /// unless --string-args. They are checked against the action's schema in
        /// actions.yaml, as `juju run` checks them.
        #[arg(value_name = "KEY=VALUE")]
        params: Vec<String>,
        /// Take every parameter value as a string, not as YAML.
        #[arg(long)]
        string_args: bool,
        /// A YAML file of parameters (a map); `KEY=VALUE` arguments override it.
        #[arg(long = "params", value_name = "FILE")]
        params_file: Option<PathBuf>,
    },
    /// Retry a failed hook (or skip it with --no-retry).
    Resolve {
        /// The unit in error (`app/n`).
        unit: String,
        /// Mark the failed hook done instead of running it again.
        #[arg(long)]
        no_retry: bool,
    },
    /// Upgrade an application to another build of its charm.
    Upgrade {
        /// The application.
        app: String,
        /// The new build's directory.
        charm_dir: PathBuf,
    },
    /// Show or set the model's options, like `juju model-config`: no argument lists
    /// them, `KEY` prints one, `KEY=VALUE` sets it (`automatically-retry-hooks=false`).
    ModelConfig {
        /// Options to show (`KEY`) or set (`KEY=VALUE`, e.g.
        /// `automatically-retry-hooks=false`).
        #[arg(value_name = "KEY[=VALUE]")]
        keys: Vec<String>,
    },
    /// Run an update-status tick on every unit; with --advance, move the model clock
    /// first (secret rotations and expiries that fall due fire).
    Tick {
        /// How far to move the model clock, in Go's duration syntax (`1h`, `90m`,
        /// `24h`).
        #[arg(long, value_name = "DURATION")]
        advance: Option<String>,
    },
}

/// The model directory: `--model`, else the model crate's default ([`Model::default_dir`]).
pub fn model_dir(arg: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    arg.map_or_else(Model::default_dir, Ok)
}

/// The programs the model runs, found beside this binary.
fn helpers() -> anyhow::Result<Helpers> {
    Ok(Helpers::beside(&std::env::current_exe()?))
}

/// Said on stderr while another command holds the model's lock.
fn waiting(dir: &Path) -> impl FnOnce() + '_ {
    move || {
        eprintln!(
            "waiting for another `reactive model` command on {} to finish…",
            dir.display()
        )
    }
}

/// Runs one `reactive model` command on the model in `dir`; the exit code is `ssh`'s
/// command's, else success (errors are returned).
pub fn run(dir: PathBuf, cmd: ModelCommand) -> anyhow::Result<ExitCode> {
    // Printed paths are absolute, as the model stores them.
    let dir = std::path::absolute(&dir)?;
    let helpers = helpers()?;
    match cmd {
        ModelCommand::Init {
            seed,
            jobs,
            provider,
            no_retry_hooks,
        } => {
            let options = InitOptions {
                seed,
                jobs,
                provider,
                retry_hooks: !no_retry_hooks,
            };
            let model = Model::init(&dir, &options, &helpers)?;
            println!(
                "model {} in {} (seed {seed}, provider {})",
                model.state().name,
                dir.display(),
                model.state().provider.name()
            );
            Ok(ExitCode::SUCCESS)
        }
        ModelCommand::Destroy { force } => {
            let gone = if force {
                Model::destroy_forced(&dir, &helpers, waiting(&dir))?
            } else {
                Model::open_waiting(&dir, &helpers, waiting(&dir))?.destroy()?
            };
            println!("destroyed {}", gone.display());
            Ok(ExitCode::SUCCESS)
        }
        ModelCommand::Read(cmd) => read(&ModelView::open(&dir, &helpers)?, cmd),
        ModelCommand::Change(cmd) => {
            change(Model::open_waiting(&dir, &helpers, waiting(&dir))?, cmd)
        }
    }
}

/// Runs a command that reads the model.
fn read(model: &ModelView, cmd: ReadCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ReadCommand::Status { format } => {
            print!(
                "{}",
                crate::status_render::render(&model.status(), &format)?
            )
        }
        ReadCommand::ShowUnit { unit } => {
            println!("{}", serde_json::to_string_pretty(model.unit(&unit)?)?);
        }
        ReadCommand::Secrets { format } => print_secrets(model, &format)?,
        ReadCommand::ShowSecret {
            id,
            reveal,
            revisions,
            revision,
            format,
        } => {
            let how = ShowSecret {
                reveal,
                revisions,
                revision,
            };
            let shown = model.show_secret(&id, how)?;
            print!("{}", by_id(&[shown], &format)?);
        }
        ReadCommand::DebugLog(args) => return crate::debug_log::run(model, args),
        ReadCommand::Explain { unit, hook } => crate::explain::run(model, &unit, hook)?,
        ReadCommand::Ssh { unit, command } => {
            let code = model.ssh(&unit, &command)?;
            return Ok(ExitCode::from(code.clamp(0, 255) as u8));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs a command that changes the model, then settles it.
fn change(mut model: Model, cmd: ChangeCommand) -> anyhow::Result<ExitCode> {
    // What a killed command left, and what opening the model did about it.
    for line in model.recovered() {
        eprintln!("{line}");
    }
    let mut failure: Option<String> = None;
    match cmd {
        ChangeCommand::Deploy { charm_dir, app, n } => {
            let name = model.deploy(&charm_dir, app.as_deref(), n)?;
            eprintln!(
                "deployed {name} ({n} unit{})",
                if n == 1 { "" } else { "s" }
            );
        }
        ChangeCommand::AddUnit { app, n } => {
            model.add_unit(&app, n)?;
        }
        ChangeCommand::RemoveUnit { unit } => model.remove_unit(&unit)?,
        ChangeCommand::RemoveApplication { app } => {
            let units = model.state().app(&app)?.units.clone();
            model.remove_application(&app)?;
            // As `juju remove-application` reports it.
            eprintln!("will remove application {app}");
            for unit in units {
                eprintln!("- will remove unit {unit}");
            }
        }
        ChangeCommand::Relate { a, b } => {
            model.relate(&a, &b)?;
        }
        ChangeCommand::Unrelate { a, b } => model.unrelate(&a, &b)?,
        ChangeCommand::Config { app, pairs } if pairs.is_empty() => {
            println!(
                "{}",
                serde_json::to_string_pretty(&model.effective_config(&app))?
            );
            return Ok(ExitCode::SUCCESS);
        }
        ChangeCommand::Config { app, pairs } => model.config(&app, &pairs)?,
        ChangeCommand::Run {
            unit,
            action,
            params,
            string_args,
            params_file,
        } => {
            let args = ActionArgs {
                pairs: params,
                string_args,
                params_file,
            };
            let result = model.run_action_args(&unit, &action, &args)?;
            print!("{}", serde_yaml::to_string(&result)?);
            if result.status != "completed" {
                // Reported after settling: hooks the action caused still run.
                failure = Some(format!(
                    "action {action} failed on {unit}: {}",
                    result.message.clone().unwrap_or_default()
                ));
            }
        }
        ChangeCommand::Resolve { unit, no_retry } => {
            let how = if no_retry {
                Resolve::Skip
            } else {
                Resolve::Retry
            };
            model.resolve(&unit, how)?
        }
        ChangeCommand::Upgrade { app, charm_dir } => model.upgrade(&app, &charm_dir)?,
        ChangeCommand::ModelConfig { keys } if keys.iter().all(|k| !k.contains('=')) => {
            print!("{}", model_config_listing(&model, &keys)?);
            return Ok(ExitCode::SUCCESS);
        }
        ChangeCommand::ModelConfig { keys } => model.set_model_config(&keys)?,
        ChangeCommand::Tick { advance: None } => model.tick(),
        ChangeCommand::Tick {
            advance: Some(duration),
        } => model.tick_advance(&duration)?,
    }
    let done = model.settle()?;
    eprintln!(
        "settled after {} hooks (seed {})",
        done.hooks,
        model.state().seed
    );
    if !done.errors.is_empty() {
        eprintln!(
            "units in error: {} (see `reactive model debug-log`, then `reactive model resolve`)",
            done.errors.join(", ")
        );
    }
    // Automatic retries wait on the model clock: the command does not wait for them.
    for retry in &done.retries {
        eprintln!("{retry}");
    }
    if let Some(f) = failure {
        anyhow::bail!(f);
    }
    Ok(ExitCode::SUCCESS)
}

/// Secrets keyed by id, as `juju secrets` and `juju show-secret` print them in yaml or
/// json (compact, as Juju's).
fn by_id(secrets: &[SecretDetails], format: &str) -> anyhow::Result<String> {
    let map: std::collections::BTreeMap<&str, &SecretDetails> =
        secrets.iter().map(|s| (s.id.as_str(), s)).collect();
    match format {
        "yaml" => Ok(serde_yaml::to_string(&map)?),
        "json" => Ok(format!("{}\n", serde_json::to_string(&map)?)),
        other => anyhow::bail!("unknown format {other:?}: use yaml or json"),
    }
}

/// `juju secrets`: a table (ID, Name, Owner, Rotation, Revision, Last updated), sorted
/// by owner then newest revision first, or yaml/json keyed by id.
fn print_secrets(m: &ModelView, format: &str) -> anyhow::Result<()> {
    let mut secrets = m.secrets();
    if format != "tabular" {
        print!("{}", by_id(&secrets, format)?);
        return Ok(());
    }
    secrets.sort_by(|a, b| a.owner.cmp(&b.owner).then(b.revision.cmp(&a.revision)));
    let mut rows = vec![[
        "ID".to_string(),
        "Name".into(),
        "Owner".into(),
        "Rotation".into(),
        "Revision".into(),
        "Last updated".into(),
    ]];
    for s in &secrets {
        rows.push([
            s.id.clone(),
            // Charm secrets have labels, not names.
            "-".into(),
            s.owner.clone(),
            s.rotation.clone().unwrap_or_else(|| "never".into()),
            s.revision.to_string(),
            user_friendly_duration(s.updated_at, m.clock()),
        ]);
    }
    let widths: Vec<usize> = (0..6)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let w = widths[c];
            if c == 5 {
                line.push_str(cell);
            } else if c == 4 {
                // Juju right-aligns the revision.
                line.push_str(&format!("{cell:>w$}  "));
            } else {
                line.push_str(&format!("{cell:<w$}  "));
            }
        }
        println!("{}", line.trim_end());
    }
    Ok(())
}

/// `juju model-config`: every option as a table (Attribute, From, Value), or the
/// values of the options named, one a line.
fn model_config_listing(model: &Model, keys: &[String]) -> anyhow::Result<String> {
    let options = model.model_config();
    // Strings as they are (Juju prints `<root>=INFO`, not a JSON string).
    let shown = |value: &serde_json::Value| match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let mut out = String::new();
    if keys.is_empty() {
        let width = options.keys().map(String::len).max().unwrap_or(0).max(9);
        out.push_str(&format!("{:<width$}  From     Value\n", "Attribute"));
        for (key, option) in &options {
            out.push_str(&format!(
                "{key:<width$}  {:<7}  {}\n",
                option.from,
                shown(&option.value)
            ));
        }
        return Ok(out);
    }
    for key in keys {
        let option = options.get(key).ok_or_else(|| {
            anyhow::anyhow!(
                "unknown model config key {key:?} (the local model has: {})",
                charms_reactive_model::model::MODEL_CONFIG_KEYS.join(", ")
            )
        })?;
        out.push_str(&format!("{}\n", shown(&option.value)));
    }
    Ok(out)
}
