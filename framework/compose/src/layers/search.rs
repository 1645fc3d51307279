//! Where `layer:NAME` and `interface:NAME` includes are found: `CHARM_LAYERS_DIR`,
//! `CHARM_INTERFACES_DIR`, then the `layers/` of the framework's workspace holding the
//! charm, or for a charm outside it, of the checkout the runtime comes from; a path
//! include is relative to the layer that includes it.

use std::path::{Path, PathBuf};

use super::LayerKind;

/// Where `layer:` and `interface:` includes are looked up.
#[derive(Debug, Clone, Default)]
pub struct SearchPath {
    /// Directories holding layers (`CHARM_LAYERS_DIR` entries, then the workspace's `layers/`).
    pub layers: Vec<PathBuf>,
    /// Directories holding interface layers (`CHARM_INTERFACES_DIR`, then `layers/interfaces/`).
    pub interfaces: Vec<PathBuf>,
}

impl SearchPath {
    /// `CHARM_LAYERS_DIR` / `CHARM_INTERFACES_DIR` (colon-separated lists), then the
    /// `layers/` and `layers/interfaces/` of the workspace holding `top` (see
    /// [`workspace_root`]), or, for a charm outside any such workspace, of the
    /// charms-reactive checkout its runtime comes from
    /// ([`crate::cargo::runtime_checkout`]: the one holding `$REACTIVE_RUNTIME_DIR`, else
    /// the one this tool was built from).
    pub fn from_env(top: &Path) -> SearchPath {
        let split = |var: &str| -> Vec<PathBuf> {
            std::env::var(var)
                .unwrap_or_default()
                .split(':')
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .collect()
        };
        let mut sp = SearchPath {
            layers: split("CHARM_LAYERS_DIR"),
            interfaces: split("CHARM_INTERFACES_DIR"),
        };
        let root = workspace_root(top)
            .or_else(|| crate::cargo::runtime_checkout().filter(|c| c.join("layers").is_dir()));
        if let Some(root) = root {
            sp.layers.push(root.join("layers"));
            sp.interfaces.push(root.join("layers/interfaces"));
        }
        sp
    }
}

/// The nearest ancestor of `dir` that is a Cargo workspace root (its `Cargo.toml` has a
/// `[workspace]` table) with a `layers/` directory. A member crate that happens to have
/// a `layers/` directory of its own is not one.
pub fn workspace_root(dir: &Path) -> Option<PathBuf> {
    let dir = std::fs::canonicalize(dir).ok()?;
    dir.ancestors()
        .find(|a| a.join("layers").is_dir() && crate::cargo::is_workspace_root(a))
        .map(Path::to_path_buf)
}

pub(super) fn locate(
    include: &str,
    from: &Path,
    search: &SearchPath,
) -> Result<(PathBuf, LayerKind), Vec<PathBuf>> {
    let (dirs, name, prefix, kind) = if let Some(n) = include.strip_prefix("layer:") {
        (&search.layers, n, "layer-", LayerKind::Layer)
    } else if let Some(n) = include.strip_prefix("interface:") {
        (&search.interfaces, n, "interface-", LayerKind::Interface)
    } else {
        // A path: relative to the including layer (charm-tools resolves it from the
        // working directory, so the same layer builds differently from elsewhere).
        let p = from.join(include);
        return if p.is_dir() {
            Ok((p, LayerKind::Layer))
        } else {
            Err(vec![p])
        };
    };
    let name = name.split('@').next().unwrap_or(name);
    let mut looked = Vec::new();
    for dir in dirs {
        for candidate in [dir.join(name), dir.join(format!("{prefix}{name}"))] {
            if candidate.is_dir() {
                return Ok((candidate, kind));
            }
            looked.push(candidate);
        }
    }
    Err(looked)
}
