//! Automatic endpoint flags at hook start, and relation writes at hook end.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context as _;
use serde_json::{json, Value};

use crate::backend::Settings;
use crate::context::Context;
use crate::flags::{clear_in, set_in};
use crate::metadata::EndpointMeta;
use crate::Scope;

use super::lookup::{relation_ids, remote_app};
use super::views::{decode, own_bag};
use super::{Endpoint, DEPARTED_PREFIX};

/// charms.reactive's key prefix for per-field change tracking:
/// `reactive.data_changed.endpoint.<name>.<relation id>.<unit>.<field>`.
const TRACK_PREFIX: &str = "reactive.data_changed.endpoint.";
/// The "unit" segment of application-data keys (unit names always contain a `/`).
const APP_SEGMENT: &str = "app";

/// Manages every endpoint's automatic flags. A failure to read relation data fails the
/// endpoint's own relation hooks; in any other hook it is logged and that endpoint's
/// flags stay as they were, so one unreadable relation does not wedge every hook.
pub(crate) fn on_start(ctx: &Context) -> anyhow::Result<()> {
    for ep in ctx.metadata.endpoints.clone() {
        let own_hook = ctx
            .hook
            .relation_hook()
            .is_some_and(|h| h.endpoint == ep.name);
        if let Err(e) = manage(ctx, &ep) {
            let e = e.context(format!("managing the flags of endpoint {:?}", ep.name));
            if own_hook {
                return Err(e);
            }
            tracing::warn!("{e:#}; its flags are left unchanged in this hook");
        }
    }
    Ok(())
}

/// Restricted hooks send no relation data: refuse writes made there rather than drop them.
pub(crate) fn refuse_publish_in_restricted(ctx: &Context) -> anyhow::Result<()> {
    let pending = ctx.publish.borrow();
    if let Some(((rid, _), _)) = pending.iter().next() {
        anyhow::bail!(
            "relation data written on {rid} during {:?}, a restricted hook that cannot send it",
            ctx.hook.hook_name().unwrap_or_default()
        );
    }
    Ok(())
}

fn manage(ctx: &Context, ep: &EndpointMeta) -> anyhow::Result<()> {
    let flag = |f: &str| Endpoint::expand(&ep.name, f);
    let mut rids = relation_ids(ctx, &ep.name, ep.role)?;
    rids.sort();
    let prefix = format!("{TRACK_PREFIX}{}.", ep.name);
    let tracked = tracked_fields(ctx, &prefix);
    // Everything currently present: (relation id, unit or "app"); with its data when it
    // was read in this hook (see `must_read`).
    let mut present: BTreeMap<(String, String), Option<Settings>> = BTreeMap::new();
    for rid in &rids {
        let mut units = ctx.backend.relation_list(rid)?;
        units.sort();
        for unit in units {
            let key = (rid.clone(), unit);
            let data = if must_read(ctx, &key, &tracked) {
                Some(ctx.backend.relation_get(rid, &key.1, Scope::Unit)?)
            } else {
                None
            };
            present.insert(key, data);
        }
    }
    let joined = !present.is_empty();
    for rid in &rids {
        if let Some(app) = remote_app(ctx, ep.role, rid)? {
            // Application bags are not cached by the agent: read them in every hook.
            let data = ctx.backend.relation_get(rid, &app, Scope::App)?;
            present.insert((rid.clone(), APP_SEGMENT.to_string()), Some(data));
        }
    }

    if joined {
        set_in(ctx, &flag("joined"), Value::Null);
    } else {
        clear_in(ctx, &flag("joined"));
    }
    let departed_hook = ctx
        .hook
        .relation_hook()
        .is_some_and(|h| h.endpoint == ep.name && h.kind == "departed");
    if departed_hook {
        record_departure(ctx, ep)?;
        set_in(ctx, &flag("departed"), Value::Null);
    } else if joined {
        clear_in(ctx, &flag("departed"));
    }

    let mut changed_fields: BTreeSet<String> = BTreeSet::new();
    for ((rid, who), data) in &present {
        // A member not read in this hook keeps its tracking as it was.
        let Some(data) = data else { continue };
        let is_app = who == APP_SEGMENT;
        let field_flag = |field: &str| {
            if is_app {
                format!("app.{field}")
            } else {
                field.to_string()
            }
        };
        for (field, raw) in data.iter().filter(|(_, v)| !v.is_empty()) {
            let key = format!("{prefix}{rid}.{who}.{field}");
            let hash = crate::helpers::hash_value(&decode(raw));
            let mut kv = ctx.kv.borrow_mut();
            if kv.get(&key).as_ref().and_then(Value::as_str) != Some(hash.as_str()) {
                kv.set(&key, &Value::String(hash));
                changed_fields.insert(field_flag(field));
            }
        }
        // Fields that went away since last seen.
        for field in tracked
            .get(&(rid.clone(), who.clone()))
            .into_iter()
            .flatten()
        {
            if data.get(field).is_none_or(|v| v.is_empty()) {
                ctx.kv
                    .borrow_mut()
                    .unset(&format!("{prefix}{rid}.{who}.{field}"));
                changed_fields.insert(field_flag(field));
            }
        }
    }
    // Departed units and broken relations: their data is gone; forget its tracking.
    for ((rid, who), fields) in &tracked {
        if present.contains_key(&(rid.clone(), who.clone())) {
            continue;
        }
        for field in fields {
            ctx.kv
                .borrow_mut()
                .unset(&format!("{prefix}{rid}.{who}.{field}"));
            changed_fields.insert(if who == APP_SEGMENT {
                format!("app.{field}")
            } else {
                field.clone()
            });
        }
    }
    if !changed_fields.is_empty() {
        set_in(ctx, &flag("changed"), Value::Null);
        for field in &changed_fields {
            set_in(ctx, &flag(&format!("changed.{field}")), Value::Null);
        }
    }
    Ok(())
}

/// Whether a member unit's bag is read in this hook. The agent serves a member's
/// settings from a cache that is refreshed only when a hook about that member starts
/// (see `docs/juju-model.md`, "Relation data"), so a read in any other hook returns
/// what this unit already saw. Reading every member in every hook would cost one tool
/// process per member per hook for nothing. Read: the remote unit of this relation hook,
/// members never seen before (no tracked field), and everyone on `upgrade-charm`, when
/// the tracking may come from an older charm.
fn must_read(
    ctx: &Context,
    (rid, unit): &(String, String),
    tracked: &BTreeMap<(String, String), Vec<String>>,
) -> bool {
    if ctx.hook.hook_name() == Some("upgrade-charm") {
        return true;
    }
    if !tracked.contains_key(&(rid.clone(), unit.clone())) {
        return true;
    }
    ctx.relation
        .as_ref()
        .is_some_and(|r| &r.relation_id == rid && r.remote_unit.as_deref() == Some(unit))
}

/// The tracked fields per (relation id, unit or "app") of one endpoint.
fn tracked_fields(ctx: &Context, prefix: &str) -> BTreeMap<(String, String), Vec<String>> {
    let mut out: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let kv = ctx.kv.borrow();
    for rest in kv.keys_with_prefix(prefix) {
        let mut parts = rest.splitn(3, '.');
        if let (Some(rid), Some(who), Some(field)) = (parts.next(), parts.next(), parts.next()) {
            out.entry((rid.to_string(), who.to_string()))
                .or_default()
                .push(field.to_string());
        }
    }
    out
}

/// Adds the departing unit to charms.reactive's departed-units cache.
fn record_departure(ctx: &Context, ep: &EndpointMeta) -> anyhow::Result<()> {
    let Some(rel) = &ctx.relation else {
        return Ok(());
    };
    let Some(unit) = rel
        .departing_unit
        .clone()
        .or_else(|| rel.remote_unit.clone())
    else {
        return Ok(());
    };
    if unit == ctx.unit_name {
        return Ok(());
    }
    // Departed units' data stays readable for the life of the relation.
    let data = ctx
        .backend
        .relation_get(&rel.relation_id, &unit, Scope::Unit)?;
    let key = format!("{DEPARTED_PREFIX}{}", ep.name);
    let mut kv = ctx.kv.borrow_mut();
    let mut list = kv
        .get(&key)
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default();
    let already = list.iter().any(|e| {
        e.get("unit_name").and_then(Value::as_str) == Some(unit.as_str())
            && e.get("relation").and_then(Value::as_str) == Some(rel.relation_id.as_str())
    });
    if !already {
        list.push(json!({"relation": rel.relation_id, "unit_name": unit, "data": data}));
        kv.set(&key, &Value::Array(list));
    }
    Ok(())
}

/// Sends this hook's relation writes: per bag, only the keys whose value differs from
/// what the relation holds. Runs only after a successful dispatch.
pub(crate) fn flush(ctx: &Context) -> anyhow::Result<()> {
    let pending = std::mem::take(&mut *ctx.publish.borrow_mut());
    for ((rid, scope), desired) in pending {
        let current = own_bag(ctx, &rid, scope)?;
        let changes: Settings = desired
            .into_iter()
            .filter(|(k, v)| match current.get(k) {
                Some(old) => old != v,
                None => !v.is_empty(),
            })
            .collect();
        if !changes.is_empty() {
            ctx.backend
                .relation_set(&rid, scope, &changes)
                .with_context(|| format!("writing relation data on {rid}"))?;
        }
    }
    Ok(())
}
