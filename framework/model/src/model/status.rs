//! The model's status as `juju status` shows it: one typed document that every rendering
//! (`reactive model status` as a table, `--format=json`, `--format=yaml`) uses. Its keys,
//! their order and which ones are left out when empty are those of `juju status
//! --format=json` in Juju 3.6 (`cmd/juju/status/formatted.go`): `model`, `machines`,
//! `applications` with their `units`.
//!
//! What Juju derives, the model derives the same way: the application's status from its
//! units' when its leader set none (the most severe, `DeriveStatus` in Juju's
//! `core/status`), a unit in error shown as `error` with `hook failed: "<hook>"`, the
//! agent `executing` with the uniter's message while a hook or action runs (read from
//! the unit's running record, so a status taken while a command runs hooks shows it).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::juju_files::{machine_id, JUJU_VERSION};
use crate::paths::Paths;
use crate::provider::{machine_name, Provider};
use crate::state::{Agent, ModelState, Unit};

/// The whole status: the model, its machines and its applications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// The model.
    pub model: ModelStatus,
    /// Machines by id (`0`, `1`, …).
    pub machines: BTreeMap<String, MachineStatus>,
    /// Applications by name.
    pub applications: BTreeMap<String, ApplicationStatus>,
}

/// The model's own entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelStatus {
    /// The model's name.
    pub name: String,
    /// `iaas`: units run on machines.
    #[serde(rename = "type")]
    pub model_type: String,
    /// The controller's name: `reactive` (there is no controller; the model is local).
    pub controller: String,
    /// The cloud: the provider, `local` or `machines`.
    pub cloud: String,
    /// The Juju version the model's agents report.
    pub version: String,
    /// The model's status: `available`.
    #[serde(rename = "model-status")]
    pub model_status: StatusInfo,
    /// The seed of its hooks' interleaving (not in Juju's document; the table shows it).
    #[serde(skip)]
    pub seed: u64,
}

/// A status value with its message, as Juju's `statusInfoContents` (empty fields left
/// out, as Juju's `omitempty` leaves them out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatusInfo {
    /// `active`, `blocked`, `error`, `idle`, `executing`, …
    #[serde(skip_serializing_if = "String::is_empty")]
    pub current: String,
    /// The message set with it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// The agent's version (agent statuses only).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
}

impl StatusInfo {
    fn new(current: &str, message: &str) -> StatusInfo {
        StatusInfo {
            current: current.to_string(),
            message: message.to_string(),
            version: String::new(),
        }
    }
}

/// A machine's base, as Juju names it (`ubuntu`, `24.04`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Base {
    /// The OS (`ID` in `/etc/os-release`).
    pub name: String,
    /// Its version (`VERSION_ID`).
    pub channel: String,
}

/// A machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MachineStatus {
    /// The machine agent's status: `started`.
    #[serde(rename = "juju-status")]
    pub juju_status: StatusInfo,
    /// Its hostname.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub hostname: String,
    /// Its address.
    #[serde(rename = "dns-name", skip_serializing_if = "String::is_empty")]
    pub dns_name: String,
    /// Its addresses.
    #[serde(rename = "ip-addresses", skip_serializing_if = "Vec::is_empty")]
    pub ip_addresses: Vec<String>,
    /// The instance: `localhost` (local provider) or the namespace machine's name.
    #[serde(rename = "instance-id", skip_serializing_if = "String::is_empty")]
    pub instance_id: String,
    /// The instance's status: `running`.
    #[serde(rename = "machine-status")]
    pub machine_status: StatusInfo,
    /// Its base, from the host's `/etc/os-release` (machines share the host's
    /// packages); left out if that cannot be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<Base>,
}

/// One end of a relation as an application sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelationEnd {
    /// The application on the other side (itself, for a peer relation).
    #[serde(rename = "related-application")]
    pub related_application: String,
    /// The relation's interface.
    pub interface: String,
    /// `global` (subordinates' container scope is not modelled).
    pub scope: String,
}

/// An application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplicationStatus {
    /// The charm as Juju names a local charm: `local:<name>-<revision>`.
    pub charm: String,
    /// `local`: every charm is deployed from a directory.
    #[serde(rename = "charm-origin")]
    pub charm_origin: String,
    /// The charm's name.
    #[serde(rename = "charm-name")]
    pub charm_name: String,
    /// The charm's revision (0 at deploy, one more at each upgrade).
    #[serde(rename = "charm-rev")]
    pub charm_rev: u64,
    /// Always `false`: nothing is firewalled, so nothing is exposed.
    pub exposed: bool,
    /// The application's status: the one its leader set, else derived from its units.
    #[serde(rename = "application-status")]
    pub application_status: StatusInfo,
    /// Its relations by endpoint.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub relations: BTreeMap<String, Vec<RelationEnd>>,
    /// Its units, in the order they were added; serialised as a map by unit name.
    #[serde(serialize_with = "as_map", skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<(String, UnitStatus)>,
    /// The workload version: the first one set by a unit, as `juju status` shows it
    /// (left out while none is set).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
}

/// A unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitStatus {
    /// Workload status: `error` and the failed hook while a hook has failed, as
    /// `juju status` shows it.
    #[serde(rename = "workload-status")]
    pub workload_status: StatusInfo,
    /// The unit agent's status: `idle`, or `executing` with what it runs.
    #[serde(rename = "juju-status")]
    pub juju_status: StatusInfo,
    /// Whether it is its application's leader (left out when not).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub leader: bool,
    /// Its machine's id.
    pub machine: String,
    /// Its open ports (`80/tcp`, `8000-8010/udp`, `icmp`), sorted.
    #[serde(rename = "open-ports", skip_serializing_if = "Vec::is_empty")]
    pub open_ports: Vec<String>,
    /// Its address.
    #[serde(rename = "public-address", skip_serializing_if = "String::is_empty")]
    pub public_address: String,
}

/// A list of named entries as a map, keeping the list's order.
fn as_map<S: serde::Serializer>(
    entries: &[(String, UnitStatus)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(entries.iter().map(|(k, v)| (k, v)))
}

/// Juju's severities (`statusSeverities` in `core/status`): the application shows the
/// most severe of its units' statuses.
fn severity(status: &str) -> u8 {
    match status {
        "error" => 100,
        "blocked" => 90,
        "maintenance" => 80,
        "waiting" => 70,
        "active" => 60,
        "terminated" => 50,
        "unknown" => 40,
        _ => 0,
    }
}

/// Juju's `DeriveStatus`: `unknown`, unless a unit shows something more severe; the
/// first unit with the highest severity gives the status and its message.
fn derive(units: &[&StatusInfo]) -> StatusInfo {
    let mut result = StatusInfo::new("unknown", "");
    for unit in units {
        if severity(&unit.current) > severity(&result.current) {
            result = StatusInfo::new(&unit.current, &unit.message);
        }
    }
    result
}

/// What a unit shows: a unit in error shows `error` and the failed hook (unless its
/// hook is being run again); the agent is `executing` while its hook or action runs.
fn unit_status(paths: &Paths, model: &ModelState, name: &str, unit: &Unit) -> UnitStatus {
    let running = crate::running::read(paths, name);
    let workload_status = match (&unit.agent, &running) {
        (Agent::Error { hook }, None) => {
            StatusInfo::new("error", &format!("hook failed: {:?}", hook.name))
        }
        _ => StatusInfo::new(&unit.status.status, &unit.status.message),
    };
    let juju_status = match &running {
        Some(r) => StatusInfo::new("executing", &r.message),
        None => StatusInfo::new("idle", ""),
    };
    let leader = model
        .applications
        .get(&unit.app)
        .is_some_and(|a| a.leader.as_deref() == Some(name));
    let mut open_ports: Vec<String> = unit
        .opened_ports
        .iter()
        .map(|p| match p.protocol.as_str() {
            "icmp" => "icmp".to_string(),
            proto if p.from == p.to => format!("{}/{proto}", p.from),
            proto => format!("{}-{}/{proto}", p.from, p.to),
        })
        .collect();
    // One entry per range, whatever its endpoints (Juju's unique port ranges).
    open_ports.sort();
    open_ports.dedup();
    UnitStatus {
        workload_status,
        juju_status: StatusInfo {
            version: JUJU_VERSION.to_string(),
            ..juju_status
        },
        leader,
        machine: machine_id(model, name).to_string(),
        open_ports,
        public_address: unit.address.clone(),
    }
}

/// The host's base, from `/etc/os-release` (`ID`, `VERSION_ID`).
fn host_base() -> Option<Base> {
    let text = std::fs::read_to_string("/etc/os-release").ok()?;
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .map(|v| v.trim_matches('"').to_string())
    };
    Some(Base {
        name: field("ID")?,
        channel: field("VERSION_ID")?,
    })
}

/// A started machine.
fn machine(
    hostname: String,
    address: &str,
    instance: String,
    base: &Option<Base>,
) -> MachineStatus {
    MachineStatus {
        juju_status: StatusInfo {
            version: JUJU_VERSION.to_string(),
            ..StatusInfo::new("started", "")
        },
        hostname,
        dns_name: address.to_string(),
        ip_addresses: vec![address.to_string()],
        instance_id: instance,
        machine_status: StatusInfo::new("running", "Running"),
        base: base.clone(),
    }
}

/// The model's machines: with the local provider the host is machine `0` (all units
/// share it, as units placed `--to 0`); with the machines provider each unit's own.
fn machines_of(model: &ModelState) -> BTreeMap<String, MachineStatus> {
    let base = host_base();
    let mut machines = BTreeMap::new();
    match model.provider {
        Provider::Local => {
            if !model.units.is_empty() {
                let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
                    .map(|h| h.trim().to_string())
                    .unwrap_or_default();
                machines.insert(
                    "0".to_string(),
                    machine(hostname, "127.0.0.1", "localhost".into(), &base),
                );
            }
        }
        Provider::Machines { .. } => {
            for (name, unit) in &model.units {
                let name_on_host = unit.machine.clone().unwrap_or_else(|| machine_name(name));
                machines.insert(
                    machine_id(model, name).to_string(),
                    machine(name_on_host.clone(), &unit.address, name_on_host, &base),
                );
            }
        }
    }
    machines
}

/// The status of `model`, whose files are at `paths`.
pub(super) fn status_of(paths: &Paths, model: &ModelState) -> Status {
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
            let units: Vec<(String, UnitStatus)> = units
                .into_iter()
                .map(|(n, u)| (n.clone(), unit_status(paths, model, n, u)))
                .collect();
            // A charm cannot set `unknown`: an application still `unknown` has no status
            // from its leader, and Juju derives one from its units.
            let application_status = if app.status.status == "unknown" {
                derive(
                    &units
                        .iter()
                        .map(|(_, u)| &u.workload_status)
                        .collect::<Vec<_>>(),
                )
            } else {
                StatusInfo::new(&app.status.status, &app.status.message)
            };
            let mut relations: BTreeMap<String, Vec<RelationEnd>> = BTreeMap::new();
            for rel in model.relations_of(name).filter(|r| !r.dying) {
                if let (Some(ep), Some(remote)) = (rel.endpoint_of(name), rel.remote_app_of(name)) {
                    relations
                        .entry(ep.to_string())
                        .or_default()
                        .push(RelationEnd {
                            related_application: remote.to_string(),
                            interface: rel.interface.clone(),
                            scope: "global".into(),
                        });
                }
            }
            for ends in relations.values_mut() {
                ends.sort_by(|a, b| a.related_application.cmp(&b.related_application));
            }
            let status = ApplicationStatus {
                charm: format!("local:{}-{}", app.charm.name, app.charm_revision),
                charm_origin: "local".into(),
                charm_name: app.charm.name.clone(),
                charm_rev: app.charm_revision,
                exposed: false,
                application_status,
                relations,
                units,
                version,
            };
            (name.clone(), status)
        })
        .collect();
    Status {
        model: ModelStatus {
            name: model.name.clone(),
            model_type: "iaas".into(),
            controller: "reactive".into(),
            cloud: model.provider.name().to_string(),
            version: JUJU_VERSION.to_string(),
            model_status: StatusInfo::new("available", ""),
            seed: model.seed,
        },
        machines: machines_of(model),
        applications,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_severe_unit_status_wins_and_the_first_of_equals_gives_the_message() {
        let s = |c: &str, m: &str| StatusInfo::new(c, m);
        let (a, b, w, e) = (
            s("active", "a"),
            s("blocked", "b1"),
            s("waiting", "w"),
            s("error", "e"),
        );
        let b2 = s("blocked", "b2");
        assert_eq!(derive(&[&a, &w, &b, &b2]), b);
        assert_eq!(derive(&[&a, &e, &b]), e);
        assert_eq!(derive(&[&a]), a);
        assert_eq!(derive(&[]), s("unknown", ""));
        assert_eq!(derive(&[&s("unknown", "x")]), s("unknown", ""));
    }
}
