//! The model's status as `juju status` shows it.

use serde_json::Value;

use crate::state::{Agent, ModelState, Unit};

/// What a unit shows as its workload status, agent status and message: a unit in error
/// shows `error` and the failed hook, as `juju status` does.
pub fn unit_display(unit: &Unit) -> UnitDisplay {
    match &unit.agent {
        Agent::Error { hook } => UnitDisplay {
            workload: "error".to_string(),
            agent: "idle".to_string(),
            message: format!("hook failed: {:?}", hook.name),
        },
        Agent::Idle => UnitDisplay {
            workload: unit.status.status.clone(),
            agent: "idle".to_string(),
            message: unit.status.message.clone(),
        },
    }
}

/// A unit's statuses as `juju status` shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitDisplay {
    /// Workload status (`error` while a hook has failed).
    pub workload: String,
    /// Agent status.
    pub agent: String,
    /// The workload's message, or the failed hook.
    pub message: String,
}

pub(super) fn status_doc(model: &ModelState) -> Value {
    let apps: serde_json::Map<String, Value> = model
        .applications
        .iter()
        .map(|(name, app)| {
            let units: serde_json::Map<String, Value> = app
                .units
                .iter()
                .filter_map(|n| model.units.get(n).map(|u| (n, u)))
                .map(|(n, u)| {
                    let shown = unit_display(u);
                    (
                        n.clone(),
                        serde_json::json!({
                            "workload-status": {"current": shown.workload, "message": shown.message},
                            "juju-status": {"current": "idle"},
                            "leader": app.leader.as_deref() == Some(n.as_str()),
                            "address": u.address,
                            "machine": u.machine,
                            "workload-version": u.workload_version,
                        }),
                    )
                })
                .collect();
            (
                name.clone(),
                serde_json::json!({
                    "charm": app.charm.name,
                    "scale": app.units.len(),
                    "application-status": {"current": app.status.status, "message": app.status.message},
                    "units": units,
                }),
            )
        })
        .collect();
    serde_json::json!({
        "model": {"name": model.name, "seed": model.seed, "provider": model.provider.name()},
        "applications": apps,
    })
}
