//! The model's status as `juju status` shows it: one typed document that every rendering
//! (`reactive model status` as a table, `--format=json`, `--format=yaml`) uses. Its JSON
//! keys are those of `juju status --format=json`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::state::{Agent, ModelState, Unit};

/// The whole status: the model and its applications by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// The model.
    pub model: ModelStatus,
    /// Applications by name.
    pub applications: BTreeMap<String, ApplicationStatus>,
}

/// The model's line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelStatus {
    /// The model's name.
    pub name: String,
    /// The seed of its hooks' interleaving.
    pub seed: u64,
    /// `local` or `machines`.
    pub provider: String,
}

/// A status value and its message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusValue {
    /// `active`, `blocked`, `error`, …
    pub current: String,
    /// The message set with it.
    pub message: String,
}

/// An agent's status (no message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentStatus {
    /// `idle`, `executing`, …
    pub current: String,
}

/// An application's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplicationStatus {
    /// The charm's name.
    pub charm: String,
    /// The workload version: the first one set by a unit, as `juju status` shows it
    /// (omitted while none is set, as Juju omits it).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// Number of units.
    pub scale: usize,
    /// The application's status (set by its leader).
    #[serde(rename = "application-status")]
    pub application_status: StatusValue,
    /// Its units, in the order they were added; serialised as a map by unit name.
    #[serde(serialize_with = "as_map")]
    pub units: Vec<(String, UnitStatus)>,
}

/// A unit's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitStatus {
    /// Workload status: `error` and the failed hook while a hook has failed, as
    /// `juju status` shows it.
    #[serde(rename = "workload-status")]
    pub workload_status: StatusValue,
    /// The unit agent's status.
    #[serde(rename = "juju-status")]
    pub juju_status: AgentStatus,
    /// Whether it is its application's leader.
    pub leader: bool,
    /// Its address.
    pub address: String,
    /// Its machine (`None` with the local provider).
    pub machine: Option<String>,
    /// The version its charm set with `application-version-set`.
    #[serde(rename = "workload-version")]
    pub workload_version: String,
}

/// A list of named entries as a map, keeping the list's order.
fn as_map<S: serde::Serializer>(
    entries: &[(String, UnitStatus)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(entries.iter().map(|(k, v)| (k, v)))
}

/// What a unit shows: a unit in error shows `error` and the failed hook.
fn unit_status(unit: &Unit, leader: bool) -> UnitStatus {
    let workload_status = match &unit.agent {
        Agent::Error { hook } => StatusValue {
            current: "error".to_string(),
            message: format!("hook failed: {:?}", hook.name),
        },
        Agent::Idle => StatusValue {
            current: unit.status.status.clone(),
            message: unit.status.message.clone(),
        },
    };
    UnitStatus {
        workload_status,
        juju_status: AgentStatus {
            current: "idle".to_string(),
        },
        leader,
        address: unit.address.clone(),
        machine: unit.machine.clone(),
        workload_version: unit.workload_version.clone(),
    }
}

/// The status of `model`.
pub(super) fn status_of(model: &ModelState) -> Status {
    let applications = model
        .applications
        .iter()
        .map(|(name, app)| {
            let units: Vec<(&String, &Unit)> = app
                .units
                .iter()
                .filter_map(|n| model.units.get(n).map(|u| (n, u)))
                .collect();
            let version = units
                .iter()
                .map(|(_, u)| u.workload_version.clone())
                .find(|v| !v.is_empty())
                .unwrap_or_default();
            let units = units
                .into_iter()
                .map(|(n, u)| {
                    let leader = app.leader.as_deref() == Some(n.as_str());
                    (n.clone(), unit_status(u, leader))
                })
                .collect();
            let status = ApplicationStatus {
                charm: app.charm.name.clone(),
                version,
                scale: app.units.len(),
                application_status: StatusValue {
                    current: app.status.status.clone(),
                    message: app.status.message.clone(),
                },
                units,
            };
            (name.clone(), status)
        })
        .collect();
    Status {
        model: ModelStatus {
            name: model.name.clone(),
            seed: model.seed,
            provider: model.provider.name().to_string(),
        },
        applications,
    }
}
