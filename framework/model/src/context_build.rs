//! Building what a hook sees: its [`HookContextData`], taken from the model's state
//! before the hook starts (relation data as this unit last saw it, the hook's own
//! remote unit read fresh). Layer: context building, above the uniter's bookkeeping.

use std::collections::BTreeMap;

use charms_reactive_juju::hooks::RelationHook;

use crate::context::{CurrentRelation, HookContextData, RelationView};
use crate::hook::Hook;
use crate::state::{unit_order, ModelState};

fn relation_view(
    model: &ModelState,
    unit_name: &str,
    hook: &Hook,
    id: u32,
) -> Option<RelationView> {
    let unit = model.units.get(unit_name)?;
    let rel = model.relations.get(&id)?;
    let remote_app = rel.remote_app_of(&unit.app)?.to_string();
    let known = unit.seen.members.get(&id).cloned().unwrap_or_default();
    let mut members: Vec<String> = known.keys().cloned().collect();
    let mut unit_data = BTreeMap::new();
    // Departed and not-yet-joined units stay readable with their current data.
    for (u, d) in &rel.unit_data {
        unit_data.insert(u.clone(), d.data.clone());
    }
    // Remote members: as last seen (the per-observer cache).
    for (u, d) in &known {
        unit_data.insert(u.clone(), d.data.clone());
    }
    let is_leader = model
        .applications
        .get(&unit.app)
        .and_then(|a| a.leader.as_deref())
        == Some(unit_name);
    let kind = RelationHook::parse(&hook.name).map(|h| h.kind);
    if hook.relation == Some(id) {
        if let Some(u) = &hook.remote_unit {
            match kind {
                // The hook's own remote unit is read fresh (its hook refreshes the cache).
                Some(kind @ ("joined" | "changed")) => {
                    if kind == "joined" {
                        members.push(u.clone());
                    }
                    let current = rel
                        .unit_data
                        .get(u)
                        .map(|d| d.data.clone())
                        .unwrap_or_default();
                    unit_data.insert(u.clone(), current);
                }
                Some("departed") => members.retain(|m| m != u),
                _ => {}
            }
        }
    }
    members.sort_by(|a, b| unit_order(a, b));
    members.dedup();
    let mut app_data = BTreeMap::new();
    app_data.insert(
        remote_app.clone(),
        rel.app_data
            .get(&remote_app)
            .map(|d| d.data.clone())
            .unwrap_or_default(),
    );
    if rel.peer || is_leader {
        app_data.insert(
            unit.app.clone(),
            rel.app_data
                .get(&unit.app)
                .map(|d| d.data.clone())
                .unwrap_or_default(),
        );
    }
    Some(RelationView {
        endpoint: rel.endpoint_of(&unit.app)?.to_string(),
        interface: rel.interface.clone(),
        remote_app,
        peer: rel.peer,
        members,
        unit_data,
        app_data,
        broken: kind == Some("broken") && hook.relation == Some(id),
    })
}

/// The context a hook of `unit_name` sees.
pub fn build_context(
    model: &ModelState,
    unit_name: &str,
    hook: &Hook,
    context_id: &str,
) -> anyhow::Result<HookContextData> {
    let unit = model.unit(unit_name)?;
    let app = model.app(&unit.app)?;
    let relations = model
        .relations_of(&unit.app)
        .filter_map(|r| relation_view(model, unit_name, hook, r.id).map(|v| (r.id, v)))
        .collect();
    let mut bindings: Vec<String> = app.charm.endpoints.keys().cloned().collect();
    bindings.push("juju-info".into());
    Ok(HookContextData {
        context_id: context_id.to_string(),
        unit: unit_name.to_string(),
        hook_name: hook.name.clone(),
        relation: hook.relation.map(|id| CurrentRelation {
            id,
            remote_unit: hook.remote_unit.clone(),
            departing_unit: hook.departing_unit.clone(),
        }),
        leader: app.leader.as_deref() == Some(unit_name),
        config: model.effective_config(&unit.app),
        relations,
        leader_settings: app.leader_settings.data.clone(),
        unit_status: unit.status.clone(),
        app_status: app.status.clone(),
        unit_statuses: app
            .units
            .iter()
            .filter_map(|u| model.units.get(u).map(|x| (u.clone(), x.status.clone())))
            .collect(),
        opened_ports: unit.opened_ports.clone(),
        address: unit.address.clone(),
        public_address: unit.address.clone(),
        bindings,
        state: unit.state.clone(),
        action: None,
        model_uuid: model.uuid.clone(),
        immediate: Vec::new(),
        transactional: Vec::new(),
    })
}
