//! Applying what a hook or action did to the model: its immediate effects always, its
//! transactional ones only when it succeeded, as Juju commits a hook's context only on
//! exit 0 (see <https://juju.is/docs/sdk/hook-tools>). Layer: applying effects, above
//! process launch.

use charms_reactive_juju::settings::merge;

use crate::context::{HookContextData, Immediate, Status, Transactional};
use crate::state::ModelState;

/// Applies the effects a hook or action has whatever its outcome (statuses, leader
/// settings, the workload version). Its `juju-log` records reached the debug log when
/// the calls were made (the agent socket's server records them).
pub fn apply_immediate(
    model: &mut ModelState,
    unit_name: &str,
    ctx: &HookContextData,
) -> anyhow::Result<()> {
    let app_name = model.unit(unit_name)?.app.clone();
    for effect in &ctx.immediate {
        match effect {
            Immediate::StatusSet {
                app: true,
                status,
                message,
            } => {
                if let Some(a) = model.applications.get_mut(&app_name) {
                    let old = a.status.clone();
                    a.status_history.push(old);
                    a.status = Status {
                        status: status.clone(),
                        message: message.clone(),
                        data: Default::default(),
                    };
                }
            }
            Immediate::StatusSet {
                app: false,
                status,
                message,
            } => {
                if let Some(u) = model.units.get_mut(unit_name) {
                    u.charm_set_status = true;
                    let old = std::mem::replace(
                        &mut u.status,
                        Status {
                            status: status.clone(),
                            message: message.clone(),
                            data: Default::default(),
                        },
                    );
                    u.status_history.push(old);
                }
            }
            Immediate::LeaderSet { settings } => {
                if let Some(a) = model.applications.get_mut(&app_name) {
                    let before = a.leader_settings.data.clone();
                    merge(&mut a.leader_settings.data, settings);
                    if a.leader_settings.data != before {
                        a.leader_settings.version = a.leader_settings.version.max(1) + 1;
                    }
                }
            }
            Immediate::Log { .. } => {}
            Immediate::ApplicationVersion { version } => {
                if let Some(u) = model.units.get_mut(unit_name) {
                    u.workload_version = version.clone();
                }
            }
        }
    }
    Ok(())
}

/// Applies the effects that need the hook or action to succeed: relation data, unit
/// state, ports and secrets (changes, grants, and the tracking `secret-get` moved).
pub fn apply_transactional(model: &mut ModelState, unit_name: &str, ctx: &HookContextData) {
    let Some(app_name) = model.units.get(unit_name).map(|u| u.app.clone()) else {
        return;
    };
    for effect in &ctx.transactional {
        match effect {
            Transactional::RelationSet {
                relation_id,
                app,
                settings,
            } => {
                if let Some(rel) = model.relations.get_mut(relation_id) {
                    let key = if *app {
                        app_name.clone()
                    } else {
                        unit_name.to_string()
                    };
                    let bag = if *app {
                        rel.app_data.entry(key).or_default()
                    } else {
                        rel.unit_data.entry(key).or_default()
                    };
                    let before = bag.data.clone();
                    merge(&mut bag.data, settings);
                    if bag.data != before {
                        bag.version += 1;
                    }
                }
            }
            Transactional::StateSet { settings } => {
                if let Some(u) = model.units.get_mut(unit_name) {
                    u.state.extend(settings.clone());
                }
            }
            Transactional::StateDelete { key } => {
                if let Some(u) = model.units.get_mut(unit_name) {
                    u.state.remove(key);
                }
            }
            Transactional::OpenPort { port } => {
                if let Some(u) = model.units.get_mut(unit_name) {
                    if !u.opened_ports.contains(port) {
                        u.opened_ports.push(port.clone());
                        u.opened_ports.sort();
                    }
                }
            }
            Transactional::ClosePort { port } => {
                if let Some(u) = model.units.get_mut(unit_name) {
                    u.opened_ports.retain(|p| p != port);
                }
            }
            Transactional::Secret { change } => {
                model
                    .secrets
                    .apply(&mut model.secret_contents, unit_name, model.clock, change)
            }
        }
    }
}
