//! `reactive`: build, lint and inspect reactive charms.

use std::path::PathBuf;
use std::process::ExitCode;

use charms_reactive_compose::proof::{exit_code, proof, Level};
use charms_reactive_compose::{build, origins, BuildOptions};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "reactive",
    version,
    about = "Build, lint and inspect reactive Juju charms"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compose a layer and everything it includes into a charm Juju can run.
    ///
    /// The charm goes to <OUTPUT>/<charm name>/. Without -o, OUTPUT is $CHARM_BUILD_DIR if
    /// set, else charms/ in the cargo target directory of the charm's workspace
    /// (target/charms/<name> for a charm in a workspace, <charm>/target/charms/<name> for
    /// one outside any). cargo compiles the charm's dispatch binary in $REACTIVE_TARGET_DIR
    /// if set, else in reactive-build/ beside it; the first build there compiles the
    /// framework too, which takes a few minutes. A set $CARGO_TARGET_DIR is that cargo
    /// target directory, so it moves both the charm and cargo's work.
    Build {
        /// The charm's top layer: its directory (holding layer.yaml).
        layer_dir: PathBuf,
        /// Parent of the output; the charm goes to <OUTPUT>/<charm name> [default:
        /// $CHARM_BUILD_DIR, else <cargo target dir>/charms].
        #[arg(short = 'o', long = "output", value_name = "OUTPUT")]
        output: Option<PathBuf>,
        /// Also write <name>.charm (a zip) next to the output.
        #[arg(long)]
        charm_file: bool,
        /// Overwrite files changed by hand since the last build.
        #[arg(short, long)]
        force: bool,
        /// Show the merge plan, and run cargo with --verbose.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Lint a charm directory (charm proof's rules plus Juju 3's).
    Proof {
        /// The charm directory to lint (built or not).
        charm_dir: PathBuf,
    },
    /// Draw a charm's handlers and flags: handler -> flag it sets or clears, flag ->
    /// handler it enables or disables, grouped by layer.
    ///
    /// A charm source (a folder with layer.yaml) is built first, as `reactive build`
    /// does; a built charm's `dispatch --describe` gives the handlers. SVG is drawn
    /// in-process (no Graphviz needed).
    Graph {
        /// A built charm directory, or a charm's top layer to build.
        charm: PathBuf,
        /// Output format: `svg`, `dot` (Graphviz, layers as clusters) or `json`.
        #[arg(long, value_name = "FORMAT", default_value = "svg")]
        format: String,
        /// Write to FILE instead of stdout.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Create a new charm layer in ./<NAME> that builds, proofs clean and passes its
    /// test at once.
    New {
        /// The charm's name (Juju's application name rule).
        name: String,
        /// Layers to include besides layer:base, comma-separated (`apt,leadership`,
        /// `interface:amqp`).
        #[arg(long, value_name = "LAYERS", value_delimiter = ',')]
        layers: Vec<String>,
        /// The charms-reactive checkout the charm depends on [default: the one this
        /// `reactive` was built from].
        #[arg(long, value_name = "PATH")]
        framework: Option<PathBuf>,
    },
    /// List every file of a built charm with the layer it came from.
    Layers {
        /// The built charm directory.
        charm_dir: PathBuf,
    },
    /// The local Juju model.
    Model {
        /// The model directory [default: $REACTIVE_MODEL, else $XDG_DATA_HOME/reactive/model,
        /// else $HOME/.local/share/reactive/model].
        #[arg(long, global = true, value_name = "DIR")]
        model: Option<PathBuf>,
        #[command(subcommand)]
        command: model_cmd::ModelCommand,
    },
}

mod debug_log;
mod explain;
mod graph;
mod model_cmd;
mod new_cmd;
mod status_render;

fn main() -> ExitCode {
    // Called as a hook tool (config-get, relation-set, …) through the model's links.
    // args_os: an argument that is not UTF-8 must not panic (clap reports it for the
    // CLI; the tools pass it on lossily).
    let argv0 = std::env::args_os().next().unwrap_or_default();
    let name = std::path::Path::new(&argv0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if charms_reactive_model::tools::TOOL_NAMES.contains(&name.as_str()) {
        let code = charms_reactive_model::agent::tool_main(std::env::args_os());
        return ExitCode::from(code.clamp(0, 255) as u8);
    }
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            // Interrupted: 128 + the signal, as a shell reports a command it killed.
            match charms_reactive_model::interrupt::interrupted() {
                Some(signal) => ExitCode::from((128 + signal).clamp(1, 255) as u8),
                None => ExitCode::FAILURE,
            }
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Build {
            layer_dir,
            output,
            charm_file,
            force,
            verbose,
        } => {
            let mut opts = BuildOptions::for_layer(&layer_dir)?;
            if let Some(parent) = output {
                opts.build_parent = parent;
            }
            opts.force = force;
            opts.charm_file = charm_file;
            opts.compile.verbose = verbose;
            opts.progress = |step| eprintln!("{step}");
            let report = build(&opts)?;
            for w in &report.warnings {
                eprintln!("warning: {w}");
            }
            if verbose {
                eprintln!("layers (merge order): {}", report.layers.join(" -> "));
                for (rel, origin) in &report.plan {
                    eprintln!("  {rel}  <- {origin}");
                }
            }
            // The built charm is linted; only errors (which Juju would refuse) fail the build.
            let findings = proof(&report.output);
            for f in findings.iter().filter(|f| f.level >= Level::Warning) {
                eprintln!("{f}");
            }
            println!("wrote {}", report.output.display());
            if let Some(file) = &report.charm_file {
                println!("wrote {}", file.display());
            }
            Ok(if findings.iter().any(|f| f.level == Level::Error) {
                ExitCode::from(200)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Proof { charm_dir } => {
            let findings = proof(&charm_dir);
            for f in &findings {
                println!("{f}");
            }
            Ok(ExitCode::from(exit_code(&findings) as u8))
        }
        Command::Model { model, command } => {
            // SIGINT and SIGTERM end the running hooks' process groups and record those
            // hooks as failed before the command stops (see the model's `interrupt`).
            charms_reactive_model::interrupt::install()?;
            model_cmd::run(model_cmd::model_dir(model)?, command)
        }
        Command::Graph {
            charm,
            format,
            output,
        } => {
            graph::run(&charm, &format, output.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::New {
            name,
            layers,
            framework,
        } => {
            new_cmd::run(&name, &layers, framework)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Layers { charm_dir } => {
            for line in origins::layers_report(&charm_dir)? {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every argument and option of `cmd` and its subcommands, as `path: id`, that has no
    /// description in `--help` (clap's own `--help` and `--version` aside).
    fn undescribed(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if id == "help" || id == "version" {
                continue;
            }
            let said = arg
                .get_help()
                .or(arg.get_long_help())
                .map(|h| h.to_string())
                .unwrap_or_default();
            if said.trim().is_empty() {
                out.push(format!("{path}: {id}"));
            }
        }
        for sub in cmd.get_subcommands() {
            if sub.get_name() == "help" {
                continue;
            }
            if sub.get_about().is_none() {
                out.push(format!("{path} {}: (no description)", sub.get_name()));
            }
            undescribed(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn item_10_every_argument_and_option_of_every_command_is_described() {
        let cmd = Cli::command();
        cmd.clone().debug_assert();
        let mut missing = Vec::new();
        undescribed(&cmd, "reactive", &mut missing);
        assert!(missing.is_empty(), "no description in --help: {missing:#?}");
        // What a value looks like is in its placeholder, as the help shows it.
        let mut model = cmd
            .find_subcommand("model")
            .cloned()
            .unwrap_or_else(|| clap::Command::new("missing"));
        let mut config = model
            .find_subcommand_mut("config")
            .cloned()
            .unwrap_or_else(|| clap::Command::new("missing"));
        let help = config.render_long_help().to_string();
        assert!(help.contains("[KEY=VALUE]..."), "{help}");
        let status = model
            .find_subcommand_mut("status")
            .map(|s| s.render_long_help().to_string())
            .unwrap_or_default();
        assert!(status.contains("`tabular`, `json` or `yaml`"), "{status}");
    }
}
