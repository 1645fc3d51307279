//! A layer: a directory with `layer.yaml` (or `interface.yaml`), YAML fragments, plain
//! files and optionally the Rust crate holding its handlers.

use std::path::{Path, PathBuf};

use serde_yaml::{Mapping, Value};

use crate::error::{io, line_of_key, BuildError};
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

/// The parsed `layer.yaml` of a layer.
#[derive(Debug, Clone, Default)]
pub struct LayerYaml {
    /// The file (absent for a layer without one).
    pub path: Option<PathBuf>,
    /// Its text, to find lines for errors.
    pub text: String,
    /// The whole document.
    pub raw: Mapping,
    /// `includes`.
    pub includes: Vec<String>,
    /// `options`: layer name → options.
    pub options: Mapping,
    /// `defines`: option → JSON-schema subset.
    pub defines: Mapping,
    /// `ignore` patterns (apply to every lower layer).
    pub ignore: Vec<String>,
    /// `exclude` patterns (this layer's own files).
    pub exclude: Vec<String>,
    /// `<file>: {deletes: [...]}` for metadata, config, actions.
    pub deletes: Vec<(String, Vec<String>)>,
    /// `name`, overriding the layer name.
    pub name: Option<String>,
    /// `bases` for manifest.yaml.
    pub bases: Option<Value>,
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

impl Layer {
    /// The crate name as Rust code names it (`-` written `_`).
    pub fn crate_name(&self) -> Option<String> {
        self.package.as_ref().map(|p| p.replace('-', "_"))
    }
}

fn strings(
    path: &Path,
    text: &str,
    key: &str,
    v: Option<&Value>,
) -> Result<Vec<String>, BuildError> {
    let bad = || BuildError::Invalid {
        path: path.to_path_buf(),
        line: line_of_key(text, key, 1),
        message: format!("`{key}` must be a list of strings"),
    };
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Sequence(items)) => items
            .iter()
            .map(|i| i.as_str().map(String::from).ok_or_else(bad))
            .collect(),
        Some(_) => Err(bad()),
    }
}

fn mapping(path: &Path, text: &str, key: &str, v: Option<&Value>) -> Result<Mapping, BuildError> {
    match v {
        None | Some(Value::Null) => Ok(Mapping::new()),
        Some(Value::Mapping(m)) => Ok(m.clone()),
        Some(_) => Err(BuildError::Invalid {
            path: path.to_path_buf(),
            line: line_of_key(text, key, 1),
            message: format!("`{key}` must be a map"),
        }),
    }
}

impl LayerYaml {
    /// Reads `<dir>/layer.yaml` if present.
    pub fn load(dir: &Path) -> Result<LayerYaml, BuildError> {
        let path = dir.join("layer.yaml");
        if !path.exists() {
            return Ok(LayerYaml::default());
        }
        let text = std::fs::read_to_string(&path).map_err(io(&path))?;
        let raw = match yaml::parse(&path, &text)? {
            Value::Null => Mapping::new(),
            Value::Mapping(m) => m,
            _ => {
                return Err(BuildError::Invalid {
                    path,
                    line: Some(1),
                    message: "layer.yaml must be a map".into(),
                })
            }
        };
        let get = |k: &str| raw.get(k);
        let mut deletes = Vec::new();
        for section in ["metadata", "config", "actions"] {
            let m = mapping(&path, &text, section, get(section))?;
            let list = strings(&path, &text, "deletes", m.get("deletes"))?;
            if !list.is_empty() {
                deletes.push((section.to_string(), list));
            }
        }
        Ok(LayerYaml {
            includes: strings(&path, &text, "includes", get("includes"))?,
            options: mapping(&path, &text, "options", get("options"))?,
            defines: mapping(&path, &text, "defines", get("defines"))?,
            ignore: strings(&path, &text, "ignore", get("ignore"))?,
            exclude: strings(&path, &text, "exclude", get("exclude"))?,
            name: get("name").and_then(Value::as_str).map(String::from),
            bases: get("bases").cloned(),
            deletes,
            raw,
            text,
            path: Some(path),
        })
    }
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
    let doc: toml::Value = toml::from_str(&text).map_err(|e| BuildError::Invalid {
        path: path.clone(),
        line: e.span().map(|s| text[..s.start].lines().count().max(1)),
        message: e.message().to_string(),
    })?;
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

    /// Whether this layer has a `layer.yaml`.
    pub fn has_layer_yaml(&self) -> bool {
        self.config.path.is_some()
    }
}
