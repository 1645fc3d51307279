//! The parts of the charm's `metadata.yaml` and `config.yaml` the runtime needs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use charms_reactive_juju::endpoint::Role;
use serde::Deserialize;

/// `metadata.yaml` or `config.yaml` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CharmFileError {
    /// Reading the file failed (a missing file is not an error: it means no entries).
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not the YAML expected.
    #[error("{} is not valid", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The YAML parser's error.
        source: serde_yaml::Error,
    },
}

/// The text of `path`; `None` if there is no such file.
fn read_optional(path: &Path) -> Result<Option<String>, CharmFileError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(CharmFileError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// One relation endpoint declared in `metadata.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointMeta {
    /// Endpoint (relation) name.
    pub name: String,
    /// The section it is declared in: `requires`, `provides` or `peers`.
    pub role: Role,
    /// Interface name.
    pub interface: String,
}

/// Charm metadata: name and relation endpoints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// Charm name.
    pub name: String,
    /// Endpoints of all three roles, sorted by name.
    pub endpoints: Vec<EndpointMeta>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum EndpointSpec {
    Interface(String),
    Full { interface: String },
}

/// `key:` with nothing under it is YAML null; treat it as an empty map.
fn null_as_empty<'de, D, T>(d: D) -> Result<BTreeMap<String, T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<BTreeMap<String, T>>::deserialize(d)?.unwrap_or_default())
}

#[derive(Deserialize, Default)]
struct RawMetadata {
    #[serde(default)]
    name: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    requires: BTreeMap<String, EndpointSpec>,
    #[serde(default, deserialize_with = "null_as_empty")]
    provides: BTreeMap<String, EndpointSpec>,
    #[serde(default, deserialize_with = "null_as_empty")]
    peers: BTreeMap<String, EndpointSpec>,
}

impl Metadata {
    /// Parses `metadata.yaml` text.
    pub fn parse(text: &str) -> Result<Metadata, serde_yaml::Error> {
        let raw: RawMetadata = serde_yaml::from_str(text)?;
        let mut endpoints = Vec::new();
        for (role, map) in [
            (Role::Requires, raw.requires),
            (Role::Provides, raw.provides),
            (Role::Peers, raw.peers),
        ] {
            for (name, spec) in map {
                let interface = match spec {
                    EndpointSpec::Interface(i) | EndpointSpec::Full { interface: i } => i,
                };
                endpoints.push(EndpointMeta {
                    name,
                    role,
                    interface,
                });
            }
        }
        endpoints.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Metadata {
            name: raw.name,
            endpoints,
        })
    }

    /// Reads `<charm_dir>/metadata.yaml`; a missing file gives empty metadata.
    pub fn load(charm_dir: &Path) -> Result<Metadata, CharmFileError> {
        let path = charm_dir.join("metadata.yaml");
        match read_optional(&path)? {
            Some(text) => {
                Metadata::parse(&text).map_err(|source| CharmFileError::Parse { path, source })
            }
            None => Ok(Metadata::default()),
        }
    }

    /// Names of the endpoints with this role and interface, sorted.
    pub fn endpoints_for(&self, role: Role, interface: &str) -> Vec<String> {
        self.endpoints
            .iter()
            .filter(|e| e.role == role && e.interface == interface)
            .map(|e| e.name.clone())
            .collect()
    }
}

/// Default values of the options in `config.yaml` (`null` for options without one, as
/// `config-get --all` shows them).
pub fn config_defaults(
    charm_dir: &Path,
) -> Result<BTreeMap<String, serde_json::Value>, CharmFileError> {
    let path = charm_dir.join("config.yaml");
    let Some(text) = read_optional(&path)? else {
        return Ok(BTreeMap::new());
    };
    parse_config_defaults(&text).map_err(|source| CharmFileError::Parse { path, source })
}

/// Parses the defaults out of `config.yaml` text.
pub fn parse_config_defaults(
    text: &str,
) -> Result<BTreeMap<String, serde_json::Value>, serde_yaml::Error> {
    #[derive(Deserialize, Default)]
    struct Raw {
        #[serde(default, deserialize_with = "null_as_empty")]
        options: BTreeMap<String, Option<Opt>>,
    }
    #[derive(Deserialize, Default)]
    struct Opt {
        default: Option<serde_json::Value>,
    }
    let raw: Option<Raw> = serde_yaml::from_str(text)?;
    Ok(raw
        .unwrap_or_default()
        .options
        .into_iter()
        .map(|(k, o)| {
            (
                k,
                o.and_then(|o| o.default).unwrap_or(serde_json::Value::Null),
            )
        })
        .collect())
}
