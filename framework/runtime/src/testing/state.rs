//! The model state a harness run starts from and ends with.

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use serde_json::{Map, Value};

use crate::backend::{Port, RotatePolicy, SecretContent, SecretId, Settings, StatusInfo};
use crate::flags::FLAG_PREFIX;
use crate::pyjson;
use crate::Scope;

/// One relation as seen by the unit under test.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Relation {
    /// Relation id, `endpoint:N`.
    pub id: String,
    /// Endpoint name.
    pub endpoint: String,
    /// Remote application (this unit's own for a peer relation).
    pub remote_app: String,
    /// Joined remote units and their databags.
    pub remote_units: BTreeMap<String, Settings>,
    /// The remote application's databag.
    pub remote_app_data: Settings,
    /// This unit's databag.
    pub local_unit_data: Settings,
    /// This application's databag.
    pub local_app_data: Settings,
}

impl Relation {
    /// A relation `endpoint:id` with `remote_app`.
    pub fn new(endpoint: &str, id: u32, remote_app: &str) -> Relation {
        Relation {
            id: format!("{endpoint}:{id}"),
            endpoint: endpoint.to_string(),
            remote_app: remote_app.to_string(),
            ..Relation::default()
        }
    }

    /// Adds a joined remote unit with its data.
    pub fn unit<'a>(
        mut self,
        unit: &str,
        data: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Relation {
        self.remote_units
            .insert(unit.to_string(), to_settings(data));
        self
    }

    /// Sets the remote application's data.
    pub fn app_data<'a>(mut self, data: impl IntoIterator<Item = (&'a str, &'a str)>) -> Relation {
        self.remote_app_data = to_settings(data);
        self
    }
}

fn to_settings<'a>(data: impl IntoIterator<Item = (&'a str, &'a str)>) -> Settings {
    data.into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Access to a secret given over a relation: to the whole remote application, or to one
/// of its units.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SecretGrant {
    /// The relation, `endpoint:N`.
    pub relation_id: String,
    /// The unit granted; `None` for the whole remote application.
    pub unit: Option<String>,
}

/// A secret as the unit under test sees it: one it (or its application) owns, or one it
/// was granted. Its `Debug` output shows content keys, never values.
#[derive(Debug, Clone, PartialEq)]
pub struct Secret {
    /// The secret's URI.
    pub id: SecretId,
    /// [`Scope::Unit`]: owned by this unit; [`Scope::App`]: by its application (managed
    /// by the leader); `None`: owned by another application, this unit consumes it.
    pub owner: Option<Scope>,
    /// The content of every revision still existing, by revision number.
    pub revisions: BTreeMap<u32, SecretContent>,
    /// The revision this unit reads; `None` until its first read, which tracks the
    /// latest.
    pub tracked: Option<u32>,
    /// This unit's label for it (the owner's label for an owned secret).
    pub label: Option<String>,
    /// The description (owned secrets).
    pub description: Option<String>,
    /// When the latest revision expires (owned secrets).
    pub expire: Option<SystemTime>,
    /// The rotation policy (owned secrets).
    pub rotate: Option<RotatePolicy>,
    /// Who else may read it (owned secrets).
    pub grants: BTreeSet<SecretGrant>,
}

impl Secret {
    /// A secret owned by this unit ([`Scope::Unit`]) or its application ([`Scope::App`]),
    /// at revision 1 with `content`, tracked at 1.
    pub fn owned(id: SecretId, owner: Scope, content: SecretContent) -> Secret {
        Secret {
            owner: Some(owner),
            tracked: Some(1),
            ..Secret::consumed(id, content)
        }
    }

    /// A secret of another application that this unit may read, at revision 1 with
    /// `content`, not read yet.
    pub fn consumed(id: SecretId, content: SecretContent) -> Secret {
        Secret {
            id,
            owner: None,
            revisions: BTreeMap::from([(1, content)]),
            tracked: None,
            label: None,
            description: None,
            expire: None,
            rotate: None,
            grants: BTreeSet::new(),
        }
    }

    /// With a new latest revision holding `content`.
    pub fn revision(mut self, content: SecretContent) -> Secret {
        let next = self.latest().unwrap_or(0) + 1;
        self.revisions.insert(next, content);
        self
    }

    /// Tracking revision `revision`.
    pub fn tracking(mut self, revision: u32) -> Secret {
        self.tracked = Some(revision);
        self
    }

    /// With this unit's label.
    pub fn label(mut self, label: &str) -> Secret {
        self.label = Some(label.to_string());
        self
    }

    /// With a description.
    pub fn description(mut self, description: &str) -> Secret {
        self.description = Some(description.to_string());
        self
    }

    /// With a rotation policy.
    pub fn rotate(mut self, policy: RotatePolicy) -> Secret {
        self.rotate = Some(policy);
        self
    }

    /// Granted over `relation_id` to its remote application, or to `unit` only.
    pub fn granted(mut self, relation_id: &str, unit: Option<&str>) -> Secret {
        self.grants.insert(SecretGrant {
            relation_id: relation_id.to_string(),
            unit: unit.map(str::to_string),
        });
        self
    }

    /// The latest revision.
    pub fn latest(&self) -> Option<u32> {
        self.revisions.keys().next_back().copied()
    }

    /// The content of the latest revision.
    pub fn latest_content(&self) -> Option<&SecretContent> {
        self.revisions.values().next_back()
    }

    /// The content of the tracked revision.
    pub fn tracked_content(&self) -> Option<&SecretContent> {
        self.revisions.get(&self.tracked?)
    }
}

/// Everything the hook can observe and change.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Unit name, `app/N`.
    pub unit: String,
    /// Whether the unit is the leader.
    pub leader: bool,
    /// Configuration values set by the operator (defaults come from `config.yaml`).
    pub config: Map<String, Value>,
    /// The unit-state database: keys and raw JSON values (flags are `reactive.states.*`).
    pub unit_state: BTreeMap<String, String>,
    /// Relations.
    pub relations: Vec<Relation>,
    /// Leader settings.
    pub leader_settings: Settings,
    /// Unit status.
    pub unit_status: StatusInfo,
    /// Application status.
    pub app_status: StatusInfo,
    /// Workload version.
    pub workload_version: String,
    /// Opened ports.
    pub opened_ports: BTreeSet<Port>,
    /// `state-get` storage.
    pub stored_state: Settings,
    /// The unit's address (`unit-get private-address`, `network-get`).
    pub address: String,
    /// The secrets this unit owns or was granted.
    pub secrets: Vec<Secret>,
}

impl Default for State {
    fn default() -> State {
        State {
            unit: "test/0".into(),
            leader: false,
            config: Map::new(),
            unit_state: BTreeMap::new(),
            relations: Vec::new(),
            leader_settings: Settings::new(),
            unit_status: StatusInfo {
                status: "unknown".into(),
                message: String::new(),
            },
            app_status: StatusInfo {
                status: "unknown".into(),
                message: String::new(),
            },
            workload_version: String::new(),
            opened_ports: BTreeSet::new(),
            stored_state: Settings::new(),
            address: "192.0.2.1".into(),
            secrets: Vec::new(),
        }
    }
}

impl State {
    /// With these flags set (plain, `null` value).
    pub fn with_flags<'a>(mut self, flags: impl IntoIterator<Item = &'a str>) -> State {
        for f in flags {
            self.unit_state
                .insert(format!("{FLAG_PREFIX}{f}"), "null".into());
        }
        self
    }

    /// With a config value.
    pub fn with_config(mut self, key: &str, value: impl Into<Value>) -> State {
        self.config.insert(key.to_string(), value.into());
        self
    }

    /// With leadership.
    pub fn with_leader(mut self, leader: bool) -> State {
        self.leader = leader;
        self
    }

    /// With a relation.
    pub fn with_relation(mut self, relation: Relation) -> State {
        self.relations.push(relation);
        self
    }

    /// With a unit-state key holding a JSON value.
    pub fn with_unit_state(mut self, key: &str, value: &Value) -> State {
        self.unit_state
            .insert(key.to_string(), pyjson::dumps(value));
        self
    }

    /// The set flags, sorted.
    pub fn flags(&self) -> Vec<String> {
        self.unit_state
            .keys()
            .filter_map(|k| k.strip_prefix(FLAG_PREFIX))
            .map(str::to_string)
            .collect()
    }

    /// With a secret.
    pub fn with_secret(mut self, secret: Secret) -> State {
        self.secrets.push(secret);
        self
    }

    /// The secret with this URI.
    pub fn secret(&self, id: &SecretId) -> Option<&Secret> {
        self.secrets.iter().find(|s| s.id.unique() == id.unique())
    }

    /// The secret with this label.
    pub fn secret_by_label(&self, label: &str) -> Option<&Secret> {
        self.secrets
            .iter()
            .find(|s| s.label.as_deref() == Some(label))
    }

    /// The relation with this id.
    pub fn relation(&self, id: &str) -> Option<&Relation> {
        self.relations.iter().find(|r| r.id == id)
    }
}
