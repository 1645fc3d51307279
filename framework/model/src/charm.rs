//! What the model needs to know about a built charm: endpoints, config options, actions.
//! Bottom layer (vocabulary): uses only [`crate::gostr`].

use charms_reactive_juju::names;
use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One relation endpoint of a charm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointSpec {
    /// `provides`, `requires` or `peers`.
    pub role: String,
    /// Interface name.
    pub interface: String,
}

/// One config option.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionSpec {
    /// `string`, `int`, `float`, `boolean` or `secret`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Default value (`null` when none).
    pub default: Value,
}

/// A charm as the model sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CharmInfo {
    /// `metadata.yaml` name.
    pub name: String,
    /// Endpoints by name.
    pub endpoints: BTreeMap<String, EndpointSpec>,
    /// Config options by name.
    pub options: BTreeMap<String, OptionSpec>,
    /// Action names.
    pub actions: Vec<String>,
    /// Per action: parameter defaults from `actions.yaml`.
    #[serde(default)]
    pub action_defaults: BTreeMap<String, serde_json::Map<String, Value>>,
    /// Per action: required parameters.
    #[serde(default)]
    pub action_required: BTreeMap<String, Vec<String>>,
}

fn yaml(path: &Path) -> anyhow::Result<Option<serde_yaml::Value>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(
            serde_yaml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow::anyhow!("{}: {e}", path.display())),
    }
}

impl CharmInfo {
    /// Reads a charm directory (a directory is a charm if it has `metadata.yaml`).
    pub fn read(dir: &Path) -> anyhow::Result<CharmInfo> {
        let meta = yaml(&dir.join("metadata.yaml"))?.ok_or_else(|| {
            anyhow::anyhow!("{} is not a charm: it has no metadata.yaml", dir.display())
        })?;
        let name = meta
            .get("name")
            .and_then(serde_yaml::Value::as_str)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "{}: metadata: name: expected string, got nothing",
                    dir.join("metadata.yaml").display()
                )
            })?
            .to_string();
        let mut endpoints = BTreeMap::new();
        for role in ["provides", "requires", "peers"] {
            if let Some(map) = meta.get(role).and_then(serde_yaml::Value::as_mapping) {
                for (k, v) in map {
                    let interface = v
                        .as_str()
                        .or_else(|| v.get("interface").and_then(serde_yaml::Value::as_str))
                        .unwrap_or_default()
                        .to_string();
                    if let Some(k) = k.as_str() {
                        endpoints.insert(
                            k.to_string(),
                            EndpointSpec {
                                role: role.to_string(),
                                interface,
                            },
                        );
                    }
                }
            }
        }
        let mut options = BTreeMap::new();
        if let Some(cfg) = yaml(&dir.join("config.yaml"))? {
            if let Some(map) = cfg.get("options").and_then(serde_yaml::Value::as_mapping) {
                for (k, v) in map {
                    let kind = v
                        .get("type")
                        .and_then(serde_yaml::Value::as_str)
                        .unwrap_or("string")
                        .to_string();
                    let default = v
                        .get("default")
                        .map(|d| serde_json::to_value(d).unwrap_or(Value::Null))
                        .unwrap_or(Value::Null);
                    if let Some(k) = k.as_str() {
                        options.insert(k.to_string(), OptionSpec { kind, default });
                    }
                }
            }
        }
        let actions_doc = yaml(&dir.join("actions.yaml"))?;
        let mut actions = Vec::new();
        let mut action_defaults = BTreeMap::new();
        let mut action_required = BTreeMap::new();
        for (k, spec) in actions_doc
            .as_ref()
            .and_then(serde_yaml::Value::as_mapping)
            .into_iter()
            .flatten()
        {
            let Some(name) = k.as_str() else { continue };
            actions.push(name.to_string());
            let mut defaults = serde_json::Map::new();
            for (p, pspec) in spec
                .get("params")
                .and_then(serde_yaml::Value::as_mapping)
                .into_iter()
                .flatten()
            {
                if let (Some(p), Some(d)) = (p.as_str(), pspec.get("default")) {
                    defaults.insert(
                        p.to_string(),
                        serde_json::to_value(d).unwrap_or(Value::Null),
                    );
                }
            }
            action_defaults.insert(name.to_string(), defaults);
            let required: Vec<String> = spec
                .get("required")
                .and_then(serde_yaml::Value::as_sequence)
                .map(|r| {
                    r.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            action_required.insert(name.to_string(), required);
        }
        // Names become file names (hooks/<endpoint>-relation-*, actions/<name>): hold
        // them to Juju's rules before trusting them.
        for e in endpoints.keys() {
            anyhow::ensure!(
                names::is_endpoint_name(e),
                "{}: invalid endpoint name {e:?}",
                dir.join("metadata.yaml").display()
            );
        }
        for a in &actions {
            anyhow::ensure!(
                names::is_action_name(a),
                "{}: bad action name {a:?}",
                dir.join("actions.yaml").display()
            );
        }
        Ok(CharmInfo {
            name,
            endpoints,
            options,
            actions,
            action_defaults,
            action_required,
        })
    }

    /// Parses `value` for option `key` as `juju config` does (ParseInt, ParseFloat,
    /// ParseBool); the error names the option and the expected type.
    pub fn parse_config(&self, key: &str, value: &str) -> anyhow::Result<Value> {
        let spec = self
            .options
            .get(key)
            .ok_or_else(|| anyhow::anyhow!("unknown option {key:?}"))?;
        let bad = || anyhow::anyhow!("option {key:?} expected {}, got {value:?}", spec.kind);
        Ok(match spec.kind.as_str() {
            "int" => Value::from(value.parse::<i64>().map_err(|_| bad())?),
            "float" => serde_json::Number::from_f64(value.parse::<f64>().map_err(|_| bad())?)
                .map(Value::Number)
                .ok_or_else(bad)?,
            "boolean" => Value::Bool(crate::gostr::parse_bool(value).map_err(|_| bad())?),
            // Juju 3.4+: a secret's URI, which the charm may read once the secret is
            // granted to its application.
            "secret" => {
                crate::secret::parse_uri(value).map_err(|_| bad())?;
                Value::String(value.to_string())
            }
            _ => Value::String(value.to_string()),
        })
    }
}
