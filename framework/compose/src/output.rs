//! The built charm's directory: where it goes by default, refusing to overwrite files
//! changed by hand, writing the planned files and the build manifest.
//!
//! The default parent is `$CHARM_BUILD_DIR` if set (charm-tools' variable), else
//! `charms/` inside the cargo target directory of the charm's workspace
//! ([`crate::cargo::charm_target_dir`]): `target/charms/<name>` for a charm in this
//! repository, `<charm>/target/charms/<name>` for a charm outside any workspace. Either
//! way the output never lands in a source folder, and `cargo clean` removes it.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::build_manifest::{sha256, LayerRef, Manifest};
use crate::error::{io, BuildError};
use crate::plan::{Content, Plan};

/// The directory the charm directory goes in when `-o` is not given (see the module
/// docs).
pub fn default_parent(top: &Path) -> PathBuf {
    match std::env::var_os("CHARM_BUILD_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => crate::cargo::charm_target_dir(top).join("charms"),
    }
}

/// Refuses an output inside the layer being built (the next build would copy it back),
/// except under the layer's `target/`, which is never copied.
pub(crate) fn check_outside_layer(parent: &Path, layer_dir: &Path) -> Result<(), BuildError> {
    let src = std::fs::canonicalize(layer_dir).map_err(io(layer_dir))?;
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let canonical = std::fs::canonicalize(parent).map_err(io(parent))?;
    if canonical.starts_with(&src) && !canonical.starts_with(src.join("target")) {
        return Err(BuildError::Invalid {
            path: parent.to_path_buf(),
            line: None,
            message: format!(
                "the build directory is inside the layer being built ({})",
                src.display()
            ),
        });
    }
    Ok(())
}

/// The previous build's manifest, after checking that nothing in `output` changed since
/// that build (or, with no manifest, that `output` is empty); `force` skips the check.
pub(crate) fn previous_build(output: &Path, force: bool) -> Result<Option<Manifest>, BuildError> {
    let old = Manifest::read(output)?;
    if force {
        return Ok(old);
    }
    match &old {
        Some(old) => {
            let changes = old.changes_in(output)?;
            if !changes.is_empty() {
                return Err(BuildError::Conflicts {
                    dir: output.to_path_buf(),
                    conflicts: changes,
                });
            }
        }
        None => {
            let non_empty = std::fs::read_dir(output)
                .map(|mut d| d.next().is_some())
                .unwrap_or(false);
            if non_empty {
                return Err(BuildError::Conflicts {
                    dir: output.to_path_buf(),
                    conflicts: vec![
                        "the directory exists, is not empty and has no .build.manifest".into(),
                    ],
                });
            }
        }
    }
    Ok(old)
}

/// Writes every planned file into `output` (`binary` is the compiled `dispatch`),
/// removes the files of the previous build that this one no longer has, and writes the
/// build manifest.
pub(crate) fn write(
    plan: &Plan,
    output: &Path,
    binary: &Path,
    old: Option<&Manifest>,
) -> Result<(), BuildError> {
    std::fs::create_dir_all(output).map_err(io(output))?;
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
                std::fs::copy(binary, &dest).map_err(io(binary))?;
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
    if let Some(old) = old {
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
    manifest.write(output)
}

/// The layer's git revision, `""` when it is not in a git checkout.
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory outside any cargo workspace.
    fn outside(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("reactive-compose-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_output_may_be_under_the_layers_target_but_nowhere_else_inside_it() {
        let layer = outside("inside");
        assert!(check_outside_layer(&layer.join("target/charms"), &layer).is_ok());
        let err = check_outside_layer(&layer.join("out"), &layer).unwrap_err();
        assert!(
            err.to_string().contains("inside the layer being built"),
            "{err}"
        );
        std::fs::remove_dir_all(&layer).unwrap();
    }

    #[test]
    fn a_charm_outside_any_workspace_builds_into_its_own_target() {
        if std::env::var_os("CARGO_TARGET_DIR").is_some() {
            // cargo's own override wins, as it does for cargo; nothing to check here.
            return;
        }
        let charm = outside("alone");
        std::fs::write(charm.join("Cargo.toml"), "[package]\nname = \"alone\"\n").unwrap();
        let canonical = std::fs::canonicalize(&charm).unwrap();
        assert_eq!(
            crate::cargo::charm_target_dir(&charm),
            canonical.join("target")
        );
        if std::env::var_os("CHARM_BUILD_DIR").is_none() {
            assert_eq!(default_parent(&charm), canonical.join("target/charms"));
        }
        std::fs::remove_dir_all(&charm).unwrap();
    }
}
