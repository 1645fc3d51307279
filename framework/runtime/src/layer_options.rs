//! Layer options, read at run time from the built charm's `layer.yaml`.
//!
//! A layer declares its options in its own `layer.yaml` (`defines`: one JSON-schema per
//! option); any layer of a charm sets them (`options: {<layer>: {<option>: value}}`).
//! `reactive build` checks every value against the owner's schema (an option the layer
//! does not define, or a value of the wrong type, fails the build naming the file and
//! key), fills in defaults, and writes the result to the built `layer.yaml`, one section
//! per layer. These functions read that section, as charms.layer.options does in
//! Python ([layer options](https://charmsreactive.readthedocs.io/en/latest/layer-basic.html#layer-configuration)).
//!
//! ```no_run
//! use charms_reactive::layer_options;
//! # fn f() -> anyhow::Result<()> {
//! let packages: Vec<String> = layer_options::get("apt", "packages")?;
//! let full: bool = layer_options::get("apt", "full_version")?;
//! # Ok(()) }
//! ```
//!
//! The file is read once per hook, on first use.

use serde::de::DeserializeOwned;
use serde_yaml::{Mapping, Value};

use crate::context::current;

/// A layer option that could not be read as asked.
#[derive(Debug, thiserror::Error)]
pub enum LayerOptionError {
    /// The built `layer.yaml` is missing or unreadable.
    #[error("cannot read the layer options: {0}")]
    File(String),
    /// No section for this layer: it is not part of the charm (or defines no option and
    /// nobody set one).
    #[error("layer {layer:?} has no options in the built layer.yaml (is it included?)")]
    NoLayer {
        /// The layer asked for.
        layer: String,
    },
    /// The layer's section has no such option (not defined, no default, never set).
    #[error("layer option {layer}.{option} is not set and has no default")]
    Unset {
        /// The layer.
        layer: String,
        /// The option.
        option: String,
    },
    /// The value is not of the type asked for.
    #[error("layer option {layer}.{option} is not a valid {expected}")]
    Type {
        /// The layer.
        layer: String,
        /// The option.
        option: String,
        /// The Rust type asked for.
        expected: &'static str,
        /// The decoder's error.
        source: serde_yaml::Error,
    },
}

/// The `options` of a `layer.yaml` text; `what` names it in errors.
pub(crate) fn parse(text: &str, what: &str) -> Result<Mapping, String> {
    let doc: Value = serde_yaml::from_str(text).map_err(|e| format!("{what}: {e}"))?;
    match doc.get("options") {
        None | Some(Value::Null) => Ok(Mapping::new()),
        Some(Value::Mapping(m)) => Ok(m.clone()),
        Some(_) => Err(format!("{what}: `options` is not a map")),
    }
}

fn with_options<R>(
    f: impl FnOnce(&Mapping) -> Result<R, LayerOptionError>,
) -> Result<R, LayerOptionError> {
    let ctx = current();
    let options = ctx.layer_options.get_or_init(|| {
        let path = ctx.charm_dir.join("layer.yaml");
        match std::fs::read_to_string(&path) {
            Ok(text) => parse(&text, &path.display().to_string()),
            // A charm not built by `reactive build` (a harness test, a hand-made charm)
            // has no layer options: every layer's lookup says `NoLayer`.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Mapping::new()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    });
    match options {
        Ok(m) => f(m),
        Err(e) => Err(LayerOptionError::File(e.clone())),
    }
}

/// Every option of `layer` with its value (defaults filled in by the build), as JSON.
pub fn section(
    layer: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, LayerOptionError> {
    with_options(|m| {
        let section = m.get(layer).ok_or_else(|| LayerOptionError::NoLayer {
            layer: layer.into(),
        })?;
        let json = serde_json::to_value(section).unwrap_or(serde_json::Value::Null);
        Ok(match json {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        })
    })
}

/// Option `option` of layer `layer` as a `T` (`bool`, `String`, `Vec<String>`, a
/// `serde` struct, or `Option<T>` for an option that may be absent).
pub fn get<T: DeserializeOwned>(layer: &str, option: &str) -> Result<T, LayerOptionError> {
    with_options(|m| {
        let section = m.get(layer).ok_or_else(|| LayerOptionError::NoLayer {
            layer: layer.into(),
        })?;
        let value = section.get(option).cloned().unwrap_or(Value::Null);
        let null = value.is_null();
        serde_yaml::from_value(value).map_err(|source| {
            if null {
                LayerOptionError::Unset {
                    layer: layer.into(),
                    option: option.into(),
                }
            } else {
                LayerOptionError::Type {
                    layer: layer.into(),
                    option: option.into(),
                    expected: std::any::type_name::<T>(),
                    source,
                }
            }
        })
    })
}
