//! Building what a hook sees: its [`HookContextData`], taken from the model's state
//! before the hook starts (relation data as this unit last saw it, the hook's own
//! remote unit read fresh). Layer: context building, above the uniter's bookkeeping.

use std::collections::BTreeMap;

use charms_reactive_juju::hooks::RelationHook;

use crate::context::{CurrentRelation, HookContextData, RelationView, SecretView, SecretsView};
use crate::hook::Hook;
use crate::secret::Owner;
use crate::state::{unit_order, ModelState, Relation};

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
        secrets: secrets_view(model, unit_name, &unit.app),
        immediate: Vec::new(),
        transactional: Vec::new(),
        cpu: None,
    })
}

/// A relation's Juju tag: its key (requirer end first, then provider, as Juju orders
/// endpoints; `web:database kv:db`) with `:` as `.` and the space as `#`.
fn relation_tag(model: &ModelState, rel: &Relation) -> String {
    let role_order = |app: &str, ep: &str| {
        let role = model
            .applications
            .get(app)
            .and_then(|a| a.charm.endpoints.get(ep))
            .map_or("", |e| e.role.as_str());
        match role {
            "requires" => 0,
            "provides" => 1,
            _ => 2,
        }
    };
    let mut ends: Vec<(u8, String)> = rel
        .ends
        .iter()
        .map(|(a, e)| (role_order(a, e), format!("{a}:{e}")))
        .collect();
    ends.sort();
    let key: Vec<String> = ends.into_iter().map(|(_, e)| e).collect();
    format!(
        "relation-{}",
        key.join(" ").replace(':', ".").replace(' ', "#")
    )
}

/// The secrets `unit_name` (of `app`) sees: those it or its application owns, those it
/// may read, and those it tracks; with the content of the revisions it may read now.
fn secrets_view(model: &ModelState, unit_name: &str, app: &str) -> SecretsView {
    let leader = model
        .applications
        .get(app)
        .and_then(|a| a.leader.as_deref())
        == Some(unit_name);
    let mut secrets = std::collections::BTreeMap::new();
    for (id, s) in &model.secrets.secrets {
        let manage = match &s.owner {
            Owner::Unit(u) => u == unit_name,
            Owner::Application(a) => a == app && leader,
        };
        let readable = model.secrets.readable(id, unit_name, app);
        let consumer = s.consumers.get(unit_name);
        if !manage && !readable && consumer.is_none() {
            continue;
        }
        let mut contents = std::collections::BTreeMap::new();
        if readable {
            for rev in [Some(s.latest), consumer.map(|c| c.tracked)]
                .into_iter()
                .flatten()
            {
                if let Some(c) = model.secret_contents.get(id, rev) {
                    contents.insert(rev, c.clone());
                }
            }
        }
        // The owner's label is known to the owner's units only.
        let own_app = match &s.owner {
            Owner::Unit(u) => u == unit_name,
            Owner::Application(a) => a == app,
        };
        secrets.insert(
            id.clone(),
            SecretView {
                owner: Some(s.owner.clone()),
                manage,
                readable,
                label: if own_app { s.label.clone() } else { None },
                description: s.description.clone(),
                rotate: s.rotate.clone(),
                next_rotate: s.next_rotate,
                latest: s.latest,
                latest_expire: s.revisions.get(&s.latest).and_then(|r| r.expire),
                grants: if manage { s.grants.clone() } else { Vec::new() },
                tracked: consumer.map(|c| c.tracked),
                consumer_label: consumer.and_then(|c| c.label.clone()),
                contents,
                pending: None,
                created_here: false,
            },
        );
    }
    SecretsView {
        now: model.clock,
        seq: model.hooks_run,
        created: 0,
        known: model.secrets.secrets.keys().cloned().collect(),
        secrets,
        relation_tags: model
            .relations_of(app)
            .map(|r| (r.id, relation_tag(model, r)))
            .collect(),
    }
}
