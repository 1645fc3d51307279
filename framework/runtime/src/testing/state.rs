//! The model state a harness run starts from and ends with.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::backend::{Port, Settings, StatusInfo};
use crate::flags::FLAG_PREFIX;
use crate::pyjson;

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

    /// The relation with this id.
    pub fn relation(&self, id: &str) -> Option<&Relation> {
        self.relations.iter().find(|r| r.id == id)
    }
}
