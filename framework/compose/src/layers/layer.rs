//! One layer of a build: where it is, its kind, its `layer.yaml`, its interface name and
//! the package name of its crate.

use std::path::{Path, PathBuf};

use serde_yaml::Value;

use super::LayerYaml;
use crate::error::{io, toml_error, BuildError};
use crate::yaml;

/// What kind of layer it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerKind {
    /// A base layer (`layer:NAME` or a path).
    Layer,
    /// An interface layer (`interface:NAME`).
    Interface,
    /// The charm's own (top) layer.
    Top,
}

/// One layer of a build.
#[derive(Debug, Clone)]
pub struct Layer {
    /// The include as written (`layer:base`, `interface:amqp`, a path); the charm name for
    /// the top layer.
    pub url: String,
    /// The options namespace: `layer:foo` → `foo`, a path → its last component, or
    /// `layer.yaml`'s `name`.
    pub name: String,
    /// Where it is.
    pub dir: PathBuf,
    /// Its kind.
    pub kind: LayerKind,
    /// Its `layer.yaml` (empty when it has none).
    pub config: LayerYaml,
    /// For interface layers: the interface name from `interface.yaml`.
    pub interface: Option<String>,
    /// The Rust package name from the layer's `Cargo.toml`, when it has one.
    pub package: Option<String>,
}

/// The interface name in `<dir>/interface.yaml`.
fn interface_name(dir: &Path) -> Result<Option<String>, BuildError> {
    let path = dir.join("interface.yaml");
    if !path.exists() {
        return Ok(None);
    }
    let v = yaml::load(&path)?;
    v.get("name")
        .and_then(Value::as_str)
        .map(|n| Some(n.to_string()))
        .ok_or_else(|| BuildError::Invalid {
            path,
            line: None,
            message: "interface.yaml needs a `name`".into(),
        })
}

/// The package name in `<dir>/Cargo.toml`.
fn package_name(dir: &Path) -> Result<Option<String>, BuildError> {
    let path = dir.join("Cargo.toml");
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(io(&path))?;
    let doc: toml::Value =
        toml::from_str(&text).map_err(|source| toml_error(&path, &text, source))?;
    let name = doc
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(toml::Value::as_str)
        .ok_or_else(|| BuildError::Invalid {
            path: path.clone(),
            line: None,
            message: "Cargo.toml needs [package] name".into(),
        })?;
    Ok(Some(name.to_string()))
}

impl Layer {
    /// Loads the layer in `dir`, included as `url`.
    pub fn load(url: &str, dir: &Path, kind: LayerKind) -> Result<Layer, BuildError> {
        let config = LayerYaml::load(dir)?;
        let base = url.rsplit([':', '/']).next().unwrap_or(url).to_string();
        let name = config.name.clone().unwrap_or(base);
        Ok(Layer {
            url: url.to_string(),
            name,
            dir: dir.to_path_buf(),
            kind,
            interface: interface_name(dir)?,
            package: package_name(dir)?,
            config,
        })
    }

    /// The crate name as Rust code names it (`-` written `_`).
    pub fn crate_name(&self) -> Option<String> {
        self.package.as_ref().map(|p| p.replace('-', "_"))
    }

    /// Whether this layer has a `layer.yaml`.
    pub fn has_layer_yaml(&self) -> bool {
        self.config.path.is_some()
    }
}
