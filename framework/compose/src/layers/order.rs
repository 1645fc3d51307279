//! The merge order of a charm's layers: depth-first post-order over the includes, each
//! layer after its includes, the first occurrence of a layer kept, the top layer last.

use std::path::{Path, PathBuf};

use super::search::{locate, SearchPath};
use super::{Layer, LayerKind};
use crate::error::BuildError;
use crate::yaml::line_of_text;

/// All layers of the charm whose top layer is `top`, in merge order.
pub fn resolve(
    top: &Path,
    charm_name: &str,
    search: &SearchPath,
) -> Result<Vec<Layer>, BuildError> {
    let top_dir = std::fs::canonicalize(top).map_err(crate::error::io(top))?;
    let mut out: Vec<Layer> = Vec::new();
    let mut stack: Vec<(PathBuf, String)> = Vec::new();
    let top_layer = Layer::load(charm_name, &top_dir, LayerKind::Top)?;
    visit(top_layer, search, &mut stack, &mut out)?;
    Ok(out)
}

fn visit(
    layer: Layer,
    search: &SearchPath,
    stack: &mut Vec<(PathBuf, String)>,
    out: &mut Vec<Layer>,
) -> Result<(), BuildError> {
    stack.push((layer.dir.clone(), layer.url.clone()));
    for include in &layer.config.includes {
        let path = layer
            .config
            .path
            .clone()
            .unwrap_or_else(|| layer.dir.join("layer.yaml"));
        let (dir, kind) =
            locate(include, &layer.dir, search).map_err(|looked| BuildError::UnknownInclude {
                line: line_of_text(&layer.config.text, include),
                path: path.clone(),
                include: include.clone(),
                looked,
            })?;
        let dir = std::fs::canonicalize(&dir).map_err(crate::error::io(&dir))?;
        if let Some(pos) = stack.iter().position(|(d, _)| *d == dir) {
            let mut chain: Vec<String> = stack[pos..].iter().map(|(_, u)| u.clone()).collect();
            chain.push(include.clone());
            return Err(BuildError::Cycle { chain });
        }
        if out.iter().any(|l| l.dir == dir || l.url == *include) {
            continue;
        }
        let child = Layer::load(include, &dir, kind)?;
        visit(child, search, stack, out)?;
    }
    stack.pop();
    out.push(layer);
    Ok(())
}
