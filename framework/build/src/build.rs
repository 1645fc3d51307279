//! `reactive build`: resolve layers, plan, compile, write the charm.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_yaml::Value;

use crate::compile::{compile, CompileSettings};
use crate::error::{io, BuildError};
use crate::manifest::{sha256, LayerRef, Manifest};
use crate::plan::{plan, Content, Plan};
use crate::resolve::{resolve, SearchPath};
use crate::yaml;

/// What to build and how.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The top layer (the charm's source).
    pub layer_dir: PathBuf,
    /// The output goes to `<build_parent>/<charm name>/`.
    pub build_parent: PathBuf,
    /// Overwrite files changed by hand since the last build.
    pub force: bool,
    /// Also write `<name>.charm` in the build parent.
    pub charm_file: bool,
    /// Where to find layers.
    pub search: SearchPath,
    /// How to compile.
    pub compile: CompileSettings,
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
fn charm_name(layer_dir: &Path) -> Result<String, BuildError> {
    let meta = layer_dir.join("metadata.yaml");
    if meta.exists() {
        if let Some(name) = yaml::load(&meta)?.get("name").and_then(Value::as_str) {
            // The name becomes a directory under `-o`, a `.charm` file and a crate
            // directory: it must be one plain path component (proof checks Juju's rule).
            let plain =
                !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\', '\0']);
            if !plain {
                return Err(BuildError::Invalid {
                    path: meta,
                    line: None,
                    message: format!("name {name:?} cannot name the built charm's directory"),
                });
            }
            return Ok(name.to_string());
        }
    }
    let dir = std::fs::canonicalize(layer_dir).map_err(io(layer_dir))?;
    Ok(dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default())
}

fn layer_rev(dir: &Path) -> String {
    std::process::Command::new("git")
        .args(["-C"])
        .arg(dir)
        .args(["rev-parse", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
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

/// Builds the charm.
pub fn build(opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    let (name, plan) = plan_only(&opts.layer_dir, &opts.search)?;
    let output = opts.build_parent.join(&name);
    let src = std::fs::canonicalize(&opts.layer_dir).map_err(io(&opts.layer_dir))?;
    std::fs::create_dir_all(&opts.build_parent).map_err(io(&opts.build_parent))?;
    let parent = std::fs::canonicalize(&opts.build_parent).map_err(io(&opts.build_parent))?;
    if parent.starts_with(&src) {
        return Err(BuildError::Invalid {
            path: opts.build_parent.clone(),
            line: None,
            message: format!(
                "the build directory is inside the layer being built ({})",
                src.display()
            ),
        });
    }
    let old = Manifest::read(&output)?;
    if let Some(old) = &old {
        let changes = old.changes_in(&output)?;
        if !changes.is_empty() && !opts.force {
            return Err(BuildError::Conflicts {
                dir: output,
                conflicts: changes,
            });
        }
    } else if output.exists()
        && std::fs::read_dir(&output)
            .map(|mut d| d.next().is_some())
            .unwrap_or(false)
        && !opts.force
    {
        return Err(BuildError::Conflicts {
            dir: output.clone(),
            conflicts: vec!["the directory exists, is not empty and has no .build.manifest".into()],
        });
    }

    let binary = compile(&name, &plan.layers, &opts.compile)?;
    std::fs::create_dir_all(&output).map_err(io(&output))?;
    let mut manifest = Manifest {
        layers: plan
            .layers
            .iter()
            .map(|l| LayerRef {
                url: l.url.clone(),
                rev: layer_rev(&l.dir),
            })
            .collect(),
        ..Manifest::default()
    };
    for (rel, entry) in &plan.files {
        let dest = output.join(rel);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        // Replace whatever is there (a file, or a symlink we must not write through).
        if std::fs::symlink_metadata(&dest).is_ok() {
            std::fs::remove_file(&dest).map_err(io(&dest))?;
        }
        let signature = match &entry.content {
            Content::Copy(from) => {
                std::fs::copy(from, &dest).map_err(io(from))?;
                let data = std::fs::read(&dest).map_err(io(&dest))?;
                sha256(&data)
            }
            Content::Text(text) => {
                std::fs::write(&dest, text).map_err(io(&dest))?;
                sha256(text.as_bytes())
            }
            Content::Symlink(target) => {
                std::os::unix::fs::symlink(target, &dest).map_err(io(&dest))?;
                sha256(target.as_bytes())
            }
            Content::Binary => {
                std::fs::copy(&binary, &dest).map_err(io(&binary))?;
                std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o755))
                    .map_err(io(&dest))?;
                sha256(&std::fs::read(&dest).map_err(io(&dest))?)
            }
        };
        let kind = if entry.dynamic { "dynamic" } else { "static" };
        manifest
            .signatures
            .insert(rel.clone(), (entry.origin.clone(), kind.into(), signature));
    }
    // Files of the previous build that this one no longer has.
    if let Some(old) = &old {
        for rel in old
            .signatures
            .keys()
            .filter(|r| !manifest.signatures.contains_key(*r))
        {
            let path = output.join(rel);
            if std::fs::symlink_metadata(&path).is_ok() {
                std::fs::remove_file(&path).map_err(io(&path))?;
            }
        }
    }
    manifest.write(&output)?;
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
