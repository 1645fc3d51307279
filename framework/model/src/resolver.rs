//! What a unit runs next: the Juju 3.6 uniter's resolver (`worker/uniter/resolver.go`
//! in Juju's source), reduced to what the local model needs. Layer: the uniter, beside
//! `uniter`'s bookkeeping, above [`crate::state`]. See
//! <https://juju.is/docs/sdk/charm-lifecycle> for the order of hooks.
//!
//! Order: install; `-relation-created` per relation; leadership (`leader-elected`, or
//! `leader-settings-changed` on a non-leader whose seen version is behind);
//! `config-changed` (first time, and on change) then `start`; `upgrade-charm`; relations
//! (non-peer first, peer last; per relation: the `-changed` owed after a `-joined`,
//! `-departed` for members gone, `-broken` when dying (non-peer), app-level `-changed`,
//! `-joined` for new members in name order, `-changed` for members whose data moved);
//! a dying unit tears down (departed/broken for every relation, `stop`, `remove`);
//! `update-status` last, when a tick is due. Secret hooks come right after leadership,
//! as Juju's secrets resolver does (`internal/worker/uniter/secrets/resolver.go`):
//! `secret-expired`, then `secret-rotate`, then `secret-changed`, then `secret-remove`.

use crate::hook::{Hook, SecretHook};
use crate::secret::Owner;
use crate::state::{unit_order, ModelState, Relation};

/// The next hook of `unit`, or `None` when it is idle.
pub fn next_hook(model: &ModelState, unit_name: &str) -> Option<Hook> {
    let unit = model.units.get(unit_name)?;
    let app = model.applications.get(&unit.app)?;
    let seen = &unit.seen;
    if unit.dying {
        return teardown(model, unit_name);
    }
    if !seen.installed {
        return Some(Hook::plain("install"));
    }
    for rel in model.relations_of(&unit.app) {
        if !seen.created.contains(&rel.id) && !rel.dying {
            let ep = rel.endpoint_of(&unit.app)?;
            return Some(Hook::relation(ep, "created", rel.id, None));
        }
    }
    let is_leader = app.leader.as_deref() == Some(unit_name);
    if is_leader && !seen.leader {
        return Some(Hook::plain("leader-elected"));
    }
    if !is_leader && seen.leader_settings < app.leader_settings.version.max(1) {
        return Some(Hook::plain("leader-settings-changed"));
    }
    // Juju's secrets resolver runs only when no hook is queued: not between the first
    // config-changed and start, nor between upgrade-charm and its config-changed.
    let queued = (seen.config >= 1 && !seen.started) || (seen.config == 0 && seen.started);
    if !queued {
        if let Some(h) = secret_hook(model, unit_name) {
            return Some(h);
        }
    }
    if seen.charm_revision < app.charm_revision {
        return Some(Hook::plain("upgrade-charm"));
    }
    if seen.config < app.config_version.max(1) {
        return Some(Hook::plain("config-changed"));
    }
    if !seen.started {
        return Some(Hook::plain("start"));
    }
    let mut rels: Vec<&Relation> = model.relations_of(&unit.app).collect();
    rels.sort_by_key(|r| (r.peer, r.id));
    for rel in rels {
        if let Some(h) = relation_hook(model, unit_name, rel) {
            return Some(h);
        }
    }
    unit.update_status_due.then(|| Hook::plain("update-status"))
}

/// Remote units this unit should know on `rel`: the other side's units in scope (the
/// other peers for a peer relation).
pub fn remote_members(model: &ModelState, unit_name: &str, rel: &Relation) -> Vec<String> {
    let Some(unit) = model.units.get(unit_name) else {
        return Vec::new();
    };
    let Some(remote_app) = rel.remote_app_of(&unit.app) else {
        return Vec::new();
    };
    if rel.dying {
        return Vec::new();
    }
    model
        .in_scope(remote_app)
        .into_iter()
        .filter(|u| u != unit_name)
        .collect()
}

fn relation_hook(model: &ModelState, unit_name: &str, rel: &Relation) -> Option<Hook> {
    let unit = model.units.get(unit_name)?;
    let ep = rel.endpoint_of(&unit.app)?;
    let seen = &unit.seen;
    if let Some(u) = seen.pending_changed.get(&rel.id) {
        return Some(Hook::relation(ep, "changed", rel.id, Some(u)));
    }
    let known: Vec<&String> = seen
        .members
        .get(&rel.id)
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    let members = remote_members(model, unit_name, rel);
    let mut gone: Vec<&String> = known
        .iter()
        .copied()
        .filter(|u| !members.contains(u))
        .collect();
    gone.sort_by(|a, b| unit_order(a, b));
    if let Some(u) = gone.first() {
        return Some(Hook::relation(ep, "departed", rel.id, Some(u)));
    }
    if rel.dying {
        if !rel.peer && seen.created.contains(&rel.id) {
            return Some(Hook::relation(ep, "broken", rel.id, None));
        }
        return None;
    }
    let remote_app = rel.remote_app_of(&unit.app)?;
    let app_version = rel.app_data.get(remote_app).map_or(0, |d| d.version);
    let is_leader = model
        .applications
        .get(&unit.app)
        .and_then(|a| a.leader.as_deref())
        == Some(unit_name);
    let own_peer_data = rel.peer && is_leader;
    if app_version > 0
        && !own_peer_data
        && seen.app_versions.get(&rel.id).copied().unwrap_or(0) < app_version
    {
        return Some(Hook::relation(ep, "changed", rel.id, None));
    }
    for u in &members {
        if !known.contains(&u) {
            return Some(Hook::relation(ep, "joined", rel.id, Some(u)));
        }
    }
    for u in &members {
        let current = rel.unit_data.get(u).map_or(0, |d| d.version);
        let last = seen
            .members
            .get(&rel.id)
            .and_then(|m| m.get(u))
            .map_or(0, |d| d.version);
        if current > last {
            return Some(Hook::relation(ep, "changed", rel.id, Some(u)));
        }
    }
    None
}

/// A dying unit: every relation's members depart, non-peer relations break, then
/// `stop`, then `remove` (the resolver code's order).
fn teardown(model: &ModelState, unit_name: &str) -> Option<Hook> {
    let unit = model.units.get(unit_name)?;
    let mut rels: Vec<&Relation> = model.relations_of(&unit.app).collect();
    rels.sort_by_key(|r| (r.peer, r.id));
    for rel in rels {
        let ep = rel.endpoint_of(&unit.app)?;
        if let Some(m) = unit.seen.members.get(&rel.id) {
            let mut names: Vec<&String> = m.keys().collect();
            names.sort_by(|a, b| unit_order(a, b));
            if let Some(u) = names.first() {
                return Some(Hook {
                    departing_unit: Some(unit_name.to_string()),
                    ..Hook::relation(ep, "departed", rel.id, Some(u))
                });
            }
        }
        if !rel.peer && unit.seen.created.contains(&rel.id) {
            return Some(Hook::relation(ep, "broken", rel.id, None));
        }
    }
    if unit.seen.started {
        return Some(Hook::plain("stop"));
    }
    Some(Hook::plain("remove"))
}

/// The next secret hook of an installed, live unit, in Juju's order: an expired
/// revision (owner), a due rotation (owner), a newer revision than the one it tracks
/// (consumer), an old revision nobody tracks (owner). The owner of an application's
/// secret is its leader.
fn secret_hook(model: &ModelState, unit_name: &str) -> Option<Hook> {
    let unit = model.units.get(unit_name)?;
    let app = model.applications.get(&unit.app)?;
    let leader = app.leader.as_deref() == Some(unit_name);
    let now = model.clock;
    let store = &model.secrets;
    let owns = |owner: &Owner| match owner {
        Owner::Unit(u) => u == unit_name,
        Owner::Application(a) => *a == unit.app && leader,
    };
    let hook = |name: &str, id: &str, label: Option<&String>, revision, latest| {
        Hook::secret(
            name,
            SecretHook {
                id: id.to_string(),
                label: label.cloned().unwrap_or_default(),
                revision,
                latest,
            },
        )
    };
    for (id, s) in store.secrets.iter().filter(|(_, s)| owns(&s.owner)) {
        for (rev, r) in &s.revisions {
            if r.expire_due.is_some_and(|due| due <= now) {
                return Some(hook(
                    "secret-expired",
                    id,
                    s.label.as_ref(),
                    Some(*rev),
                    s.latest,
                ));
            }
        }
    }
    for (id, s) in store.secrets.iter().filter(|(_, s)| owns(&s.owner)) {
        if s.next_rotate.is_some_and(|due| due <= now) {
            return Some(hook("secret-rotate", id, s.label.as_ref(), None, s.latest));
        }
    }
    for (id, s) in store.secrets.iter().filter(|(_, s)| !owns(&s.owner)) {
        let Some(c) = s.consumers.get(unit_name) else {
            continue;
        };
        if s.latest > c.tracked && s.latest > c.notified && store.readable(id, unit_name, &unit.app)
        {
            // Units of the owning application know it by the owner's label.
            let label = match (&c.label, &s.owner) {
                (Some(l), _) => Some(l),
                (None, Owner::Application(a)) if *a == unit.app => s.label.as_ref(),
                _ => None,
            };
            return Some(hook("secret-changed", id, label, Some(s.latest), s.latest));
        }
    }
    for (id, s) in store.secrets.iter().filter(|(_, s)| owns(&s.owner)) {
        if let Some(rev) = s.obsolete().first() {
            return Some(hook(
                "secret-remove",
                id,
                s.label.as_ref(),
                Some(*rev),
                s.latest,
            ));
        }
    }
    None
}
