//! The uniter's bookkeeping: what a unit has seen of the model ([`observe`]), moving
//! it on once a hook succeeds ([`advance`]), removing a unit after its `remove` hook,
//! electing leaders and dropping relations nobody is in any more. Layer: the uniter's
//! bookkeeping, above [`crate::state`]; [`crate::resolver`] beside it decides the next
//! hook from the same state.

use charms_reactive_juju::hooks::RelationHook;

use crate::hook::Hook;
use crate::secret::{next_rotate, EXPIRE_RETRY_DELAY, ROTATE_RETRY_DELAY};
use crate::state::{unit_order, ModelState, Versioned};

/// Records that the unit handled `hook` (the uniter's state moves on).
pub fn advance(model: &mut ModelState, unit_name: &str, hook: &Hook) {
    if let Some(observed) = observe(model, unit_name, hook) {
        advance_observed(model, unit_name, hook, &observed);
    }
}

/// The versions a hook sees when it starts, which its unit is recorded as having seen
/// once it succeeds. Taken before the hook runs: hooks of other units running at the
/// same time may commit newer ones, which must still reach this unit in later hooks.
#[derive(Debug, Clone)]
pub struct Observed {
    leader_version: u64,
    config_version: u64,
    revision: u64,
    /// The remote unit's bag, for a relation hook about a unit.
    snapshot: Option<(u32, String, Versioned)>,
    /// The remote application's bag version, for a relation hook.
    app_version: Option<u64>,
}

/// What `hook` of `unit_name` sees of the model now (`None` if the unit is gone).
pub fn observe(model: &ModelState, unit_name: &str, hook: &Hook) -> Option<Observed> {
    let unit = model.units.get(unit_name)?;
    let app = unit.app.clone();
    let (leader_version, config_version, revision) = model
        .applications
        .get(&app)
        .map(|a| {
            (
                a.leader_settings.version.max(1),
                a.config_version.max(1),
                a.charm_revision,
            )
        })
        .unwrap_or((1, 1, 0));
    let current = |model: &ModelState, id: u32, u: &str| -> Versioned {
        model
            .relations
            .get(&id)
            .and_then(|r| r.unit_data.get(u).cloned())
            .unwrap_or_default()
    };
    let snapshot = hook
        .relation
        .zip(hook.remote_unit.clone())
        .map(|(id, u)| (id, u.clone(), current(model, id, &u)));
    let app_version = hook.relation.and_then(|id| {
        let rel = model.relations.get(&id)?;
        let remote = rel.remote_app_of(&app)?;
        Some(rel.app_data.get(remote).map_or(0, |d| d.version))
    });
    Some(Observed {
        leader_version,
        config_version,
        revision,
        snapshot,
        app_version,
    })
}

/// [`advance`] with the versions observed when the hook started.
pub fn advance_observed(model: &mut ModelState, unit_name: &str, hook: &Hook, observed: &Observed) {
    let Some(unit) = model.units.get(unit_name) else {
        return;
    };
    let app = unit.app.clone();
    let address = unit.address.clone();
    let Observed {
        leader_version,
        config_version,
        revision,
        snapshot,
        app_version,
    } = observed.clone();
    let kind = RelationHook::parse(&hook.name).map_or("", |h| h.kind);
    if let Some(secret) = &hook.secret {
        advance_secret(model, unit_name, &hook.name, secret);
        return;
    }
    if hook.name == "install" {
        // Entering scope: Juju fills the unit's bag in every relation.
        let ids: Vec<u32> = model.relations_of(&app).map(|r| r.id).collect();
        for id in ids {
            if let Some(rel) = model.relations.get_mut(&id) {
                rel.enter_scope(unit_name, &address);
            }
        }
    }
    let Some(unit) = model.units.get_mut(unit_name) else {
        return;
    };
    let seen = &mut unit.seen;
    match hook.name.as_str() {
        "install" => {
            seen.installed = true;
            // Installed from the current charm: no upgrade-charm for it.
            seen.charm_revision = revision;
        }
        "leader-elected" => seen.leader = true,
        "leader-settings-changed" => seen.leader_settings = leader_version,
        "config-changed" => seen.config = config_version,
        "start" => seen.started = true,
        "stop" => seen.started = false,
        "upgrade-charm" => {
            seen.charm_revision = revision;
            seen.config = 0;
        }
        "update-status" => unit.update_status_due = false,
        "remove" => {}
        _ => match (hook.relation, kind) {
            (Some(id), "created") => {
                seen.created.insert(id);
            }
            (Some(id), "joined") | (Some(id), "changed") => {
                if let Some((_, u, data)) = snapshot {
                    seen.members.entry(id).or_default().insert(u.clone(), data);
                    if kind == "joined" {
                        seen.pending_changed.insert(id, u);
                    } else if seen.pending_changed.get(&id) == Some(&u) {
                        seen.pending_changed.remove(&id);
                    }
                } else if let Some(v) = app_version {
                    seen.app_versions.insert(id, v);
                }
            }
            (Some(id), "departed") => {
                if let Some(u) = &hook.remote_unit {
                    if let Some(m) = seen.members.get_mut(&id) {
                        m.remove(u);
                    }
                }
            }
            (Some(id), "broken") => {
                seen.created.remove(&id);
                seen.members.remove(&id);
                seen.app_versions.remove(&id);
            }
            _ => {}
        },
    }
    if hook.name == "remove" {
        remove_unit(model, unit_name);
    }
}

/// After a secret hook succeeded: the consumer was told of the revision; the next
/// rotation is scheduled (by the policy if the charm made a new revision, else 5 minutes
/// on, as Juju retries); an expired revision's hook runs again 5 minutes on unless the
/// revision was removed; an old revision's `secret-remove` ran once.
fn advance_secret(
    model: &mut ModelState,
    unit_name: &str,
    name: &str,
    secret: &crate::hook::SecretHook,
) {
    let now = model.clock;
    let Some(s) = model.secrets.secrets.get_mut(&secret.id) else {
        return;
    };
    match (name, secret.revision) {
        ("secret-changed", _) => {
            if let Some(c) = s.consumers.get_mut(unit_name) {
                c.notified = c.notified.max(secret.latest);
            }
        }
        ("secret-rotate", _) => {
            let last = s.next_rotate.unwrap_or(now);
            s.next_rotate = match s.rotate.as_deref().and_then(|p| next_rotate(p, last, now)) {
                // No new revision: Juju asks again after RotateRetryDelay (from when the
                // hook ran here: the model clock may have jumped past several periods).
                Some(_) if s.latest == secret.latest => Some(last.max(now) + ROTATE_RETRY_DELAY),
                other => other,
            };
        }
        ("secret-expired", Some(rev)) => {
            if let Some(r) = s.revisions.get_mut(&rev) {
                r.expire_due = Some(now + EXPIRE_RETRY_DELAY);
            }
        }
        ("secret-remove", Some(rev)) => {
            s.obsolete_notified.insert(rev);
        }
        _ => {}
    }
}

/// Drops a unit that ran `remove`; a leader's application elects the lowest remaining
/// unit.
fn remove_unit(model: &mut ModelState, unit_name: &str) {
    let Some(unit) = model.units.remove(unit_name) else {
        return;
    };
    // Its own secrets, grants and tracking go with it, as in Juju.
    model
        .secrets
        .forget_unit(&mut model.secret_contents, unit_name);
    // Its relation data stays readable for the life of the relation: Juju keeps a
    // departed unit's settings until the relation is removed.
    let had_leader = model
        .applications
        .get(&unit.app)
        .and_then(|a| a.leader.clone());
    if let Some(app) = model.applications.get_mut(&unit.app) {
        app.units.retain(|u| u != unit_name);
        if app.leader.as_deref() == Some(unit_name) {
            app.leader = None;
        }
    }
    elect_leaders(model);
    // A new leader: the others hear of it through leader-settings-changed.
    if let Some(app) = model.applications.get_mut(&unit.app) {
        if app.leader.is_some() && app.leader != had_leader {
            app.leader_settings.version = app.leader_settings.version.max(1) + 1;
        }
    }
    // Its directory goes once the state without it is saved (`reconcile`).
    remove_dead_applications(model);
}

/// Drops every application being removed whose last unit is gone.
pub fn remove_dead_applications(model: &mut ModelState) {
    model
        .applications
        .retain(|_, a| !(a.dying && a.units.is_empty()));
}

/// Gives every application without a leader its lowest-numbered live unit.
pub fn elect_leaders(model: &mut ModelState) {
    let apps: Vec<String> = model.applications.keys().cloned().collect();
    for app in apps {
        // While a resigned leader is still tearing down, nobody leads.
        let tearing_down = model
            .applications
            .get(&app)
            .and_then(|a| a.resigned.as_ref())
            .is_some_and(|r| model.units.contains_key(r));
        let needs = !tearing_down
            && model.applications.get(&app).is_some_and(|a| {
                a.leader
                    .as_ref()
                    .is_none_or(|l| model.units.get(l).is_none_or(|u| u.dying))
            });
        if needs {
            let mut live: Vec<String> = model
                .units
                .iter()
                .filter(|(_, u)| u.app == app && !u.dying)
                .map(|(n, _)| n.clone())
                .collect();
            live.sort_by(|a, b| unit_order(a, b));
            if let Some(a) = model.applications.get_mut(&app) {
                a.leader = live.first().cloned();
            }
        }
    }
}

/// Removes dying relations once no unit still has them.
pub fn cleanup_relations(model: &mut ModelState) {
    let gone: Vec<u32> = model
        .relations
        .values()
        .filter(|r| r.dying)
        .filter(|r| {
            !model
                .units
                .values()
                .any(|u| u.seen.created.contains(&r.id) || u.seen.members.contains_key(&r.id))
        })
        .map(|r| r.id)
        .collect();
    for id in gone {
        model.relations.remove(&id);
        // A grant ends with the relation it was made in.
        model.secrets.forget_relation(id);
    }
}
