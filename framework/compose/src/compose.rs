//! `reactive build` from start to end: name the charm, find and order its layers, plan
//! its files, compile `dispatch`, write the output directory and, if asked, the `.charm`
//! file.

use std::path::{Path, PathBuf};

use charms_reactive_juju::names;
use serde_yaml::Value;

use crate::cargo::{compile, CompileSettings};
use crate::error::{io, BuildError};
use crate::layers::{resolve, SearchPath};
use crate::plan::{plan, Plan};
use crate::progress::Step;
use crate::{output, yaml};

/// What to build and how.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The top layer (the charm's source).
    pub layer_dir: PathBuf,
    /// The output goes to `<build_parent>/<charm name>/`; see
    /// [`output::default_parent`] for the default.
    pub build_parent: PathBuf,
    /// Overwrite files changed by hand since the last build.
    pub force: bool,
    /// Also write `<name>.charm` in the build parent.
    pub charm_file: bool,
    /// Where to find layers.
    pub search: SearchPath,
    /// How to compile.
    pub compile: CompileSettings,
    /// Told each step as it starts (and when compiling ends); the library prints
    /// nothing itself. `Step`'s `Display` is the line `reactive build` prints.
    pub progress: fn(&Step<'_>),
}

impl BuildOptions {
    /// The defaults for the charm whose top layer is `layer_dir`: the output under
    /// [`output::default_parent`], layers from [`SearchPath::from_env`], compiled as
    /// [`CompileSettings::for_layer`] says, no `--force`, no `.charm` file, progress
    /// ignored. Fails if the runtime crate cannot be found.
    pub fn for_layer(layer_dir: &Path) -> Result<BuildOptions, BuildError> {
        Ok(BuildOptions {
            layer_dir: layer_dir.to_path_buf(),
            build_parent: output::default_parent(layer_dir),
            force: false,
            charm_file: false,
            search: SearchPath::from_env(layer_dir),
            compile: CompileSettings::for_layer(layer_dir)?,
            progress: |_| {},
        })
    }
}

/// What a build did.
#[derive(Debug)]
pub struct BuildReport {
    /// The charm's name.
    pub name: String,
    /// The built charm directory.
    pub output: PathBuf,
    /// The `.charm` file, when asked for.
    pub charm_file: Option<PathBuf>,
    /// Layer urls in merge order.
    pub layers: Vec<String>,
    /// Each file with its origin, for `--verbose`.
    pub plan: Vec<(String, String)>,
    /// Warnings (overridden files, unused interfaces, …).
    pub warnings: Vec<String>,
}

/// The charm name: the top layer's `metadata.yaml` name, else its directory name.
///
/// The name becomes a directory under `-o`, a `.charm` file, a cargo package and Juju's
/// application name, so it must be one plain path component and follow Juju's
/// application name rule ([`names::is_application_name`]); checked before anything is
/// compiled.
pub fn charm_name(layer_dir: &Path) -> Result<String, BuildError> {
    let meta = layer_dir.join("metadata.yaml");
    if meta.exists() {
        if let Some(name) = yaml::load(&meta)?.get("name").and_then(Value::as_str) {
            return check_name(name, &meta, "name").map(|()| name.to_string());
        }
    }
    let dir = std::fs::canonicalize(layer_dir).map_err(io(layer_dir))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    check_name(
        &name,
        &dir,
        "metadata.yaml has no name, and the folder's name",
    )?;
    Ok(name)
}

/// `name` (taken from `what` in `path`) can name the charm: see [`charm_name`].
fn check_name(name: &str, path: &Path, what: &str) -> Result<(), BuildError> {
    let plain = !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\', '\0']);
    let message = if !plain {
        format!("{what} {name:?} cannot name the built charm's directory")
    } else if !names::is_application_name(name) {
        format!(
            "{what} {name:?} is not a valid charm name: Juju wants lowercase letters and \
             digits, starting with a letter, in parts joined by single hyphens (each part \
             with a letter)"
        )
    } else {
        return Ok(());
    };
    Err(BuildError::Invalid {
        path: path.to_path_buf(),
        line: None,
        message,
    })
}

/// Resolves and plans without compiling or writing anything.
pub fn plan_only(layer_dir: &Path, search: &SearchPath) -> Result<(String, Plan), BuildError> {
    if !layer_dir.join("layer.yaml").exists() && !layer_dir.join("metadata.yaml").exists() {
        return Err(BuildError::Invalid {
            path: layer_dir.to_path_buf(),
            line: None,
            message: "not a layer: no layer.yaml or metadata.yaml".into(),
        });
    }
    let name = charm_name(layer_dir)?;
    let layers = resolve(layer_dir, &name, search)?;
    Ok((name.clone(), plan(layers, &name)?))
}

/// Builds the charm, telling `opts.progress` each step (composing, compiling, writing);
/// cargo's own progress lines go to stderr.
pub fn build(opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    (opts.progress)(&Step::Composing {
        layer_dir: &opts.layer_dir,
    });
    let (name, plan) = plan_only(&opts.layer_dir, &opts.search)?;
    let output = opts.build_parent.join(&name);
    output::check_outside_layer(&opts.build_parent, &opts.layer_dir)?;
    let old = output::previous_build(&output, opts.force)?;

    let binary = compile(&name, &plan.layers, &opts.compile, opts.progress)?;
    (opts.progress)(&Step::Writing { output: &output });
    output::write(&plan, &output, &binary, old.as_ref())?;
    let charm_file = if opts.charm_file {
        let path = opts.build_parent.join(format!("{name}.charm"));
        crate::charm_file::write(&output, &path)?;
        Some(path)
    } else {
        None
    };
    Ok(BuildReport {
        name,
        output,
        charm_file,
        layers: plan.layers.iter().map(|l| l.url.clone()).collect(),
        plan: plan
            .files
            .iter()
            .map(|(r, e)| (r.clone(), e.origin.clone()))
            .collect(),
        warnings: plan.warnings,
    })
}
