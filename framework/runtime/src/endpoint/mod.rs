//! Endpoints: one object per relation name in `metadata.yaml`, with automatic flags and
//! JSON views of relation data.
//!
//! Flags managed at every hook start, as charms.reactive's `Endpoint` manages them:
//! `endpoint.<name>.joined` (a remote unit is joined), `endpoint.<name>.changed` and
//! `endpoint.<name>.changed.<field>` (a remote unit's field differs from what this unit
//! last saw), `endpoint.<name>.departed` (set in `-relation-departed`, cleared while the
//! endpoint is still joined). `changed*` and `departed` are left for the charm to clear
//! ([`Endpoint::clear_changed`] clears `changed*`).
//!
//! Differences from charms.reactive (all of them are listed in [`crate::differences`]), each
//! asked for by its users:
//! * remote **application** data raises `endpoint.<name>.changed` and
//!   `endpoint.<name>.changed.app.<field>` (charms.reactive never looks at it);
//! * a unit's **departure** (and a field's removal) raises `changed` and
//!   `changed.<field>` for the fields that went away (charms.reactive #170);
//! * every endpoint's flags are managed in **every** hook, not only in the endpoint's own
//!   relation hooks (charms.reactive skips joined endpoints elsewhere): membership
//!   and application bags are read each hook. A member unit's bag is read in hooks about
//!   that unit (its `-joined`/`-changed`), when the unit is first seen, and in
//!   `upgrade-charm`. Elsewhere Juju's agent answers `relation-get` for a member from a
//!   cache refreshed only when a hook about that member starts, so a read would return
//!   what this unit already saw while costing one tool process per member per hook
//!   (20 peers: 19 processes in every hook). Any new data from a member arrives with a
//!   `-changed` hook for it. One case is not covered: if that `-changed` hook fails and
//!   the operator skips it (`juju resolve --no-retry`), the member's change is seen only
//!   with its next change (charms.reactive would see it in the endpoint's next relation
//!   hook);
//! * change-tracking keys of departed units and broken relations are **deleted**
//!   (charms.reactive keeps them forever);
//! * `to_publish` sends **only keys whose value changed**, at the end of a successful
//!   hook (charms.reactive re-sends every written view on every hook);
//! * interface-layer handlers have no `self`: an interface layer's handler asks for its
//!   endpoint with [`Endpoint::current`].

mod lookup;
mod manage;
mod relation;
mod views;

/// The side of a relation an endpoint takes: `requires`, `provides` or `peers`.
pub use charms_reactive_juju::endpoint::Role;
pub(crate) use manage::{flush, on_start, refuse_publish_in_restricted};
pub use relation::{RelatedUnit, Relation};
pub use views::{Publish, PublishError, PublishRaw, Received};

use serde_json::Value;

use crate::backend::{Settings, ToolError};
use crate::context::current;
use crate::flags;
use charms_reactive_juju::endpoint as placeholder;

/// Unit-state key of the departed-units cache (charms.reactive's).
const DEPARTED_PREFIX: &str = "reactive.endpoints.departed.";

/// A relation endpoint of this charm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    name: String,
    role: Role,
    interface: String,
}

impl Endpoint {
    /// The endpoint called `name` in `metadata.yaml`, if there is one.
    pub fn from_name(name: &str) -> Option<Endpoint> {
        let ctx = current();
        ctx.metadata
            .endpoints
            .iter()
            .find(|e| e.name == name)
            .map(|e| Endpoint {
                name: e.name.clone(),
                role: e.role,
                interface: e.interface.clone(),
            })
    }

    /// The endpoint a set flag belongs to: `endpoint.<name>.…`, or `<name>.…` for
    /// interface flags such as `amqp.available`. `None` if the flag is unset or names no
    /// endpoint.
    ///
    /// ```no_run
    /// # use charms_reactive::endpoint::Endpoint;
    /// let db = Endpoint::from_flag("endpoint.db.joined");
    /// ```
    pub fn from_flag(flag: &str) -> Option<Endpoint> {
        if !flags::is_flag_set(flag) {
            return None;
        }
        let mut parts = flag.split('.');
        let first = parts.next()?;
        let name = if first == "endpoint" {
            parts.next()?
        } else {
            first
        };
        Endpoint::from_name(name)
    }

    /// The endpoint the running interface-layer handler is bound to.
    pub fn current() -> Option<Endpoint> {
        let name = current().current_endpoint.borrow().clone()?;
        Endpoint::from_name(&name)
    }

    /// Endpoint name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The section of `metadata.yaml` the endpoint is declared in.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Interface name.
    pub fn interface(&self) -> &str {
        &self.interface
    }

    /// Expands a flag for this endpoint: `joined` → `endpoint.<name>.joined`;
    /// `{endpoint_name}.available` → `<name>.available`.
    ///
    /// ```
    /// # use charms_reactive::endpoint::Endpoint;
    /// assert_eq!(Endpoint::expand("db", "joined"), "endpoint.db.joined");
    /// assert_eq!(Endpoint::expand("db", "{endpoint_name}.available"), "db.available");
    /// ```
    pub fn expand_name(&self, flag: &str) -> String {
        Endpoint::expand(&self.name, flag)
    }

    /// [`Endpoint::expand_name`] for an endpoint name.
    pub fn expand(name: &str, flag: &str) -> String {
        if placeholder::has_placeholder(flag) {
            placeholder::expand(name, flag)
        } else {
            format!("endpoint.{name}.{flag}")
        }
    }

    /// The endpoint's relations, sorted by id.
    pub fn relations(&self) -> Result<Vec<Relation>, ToolError> {
        let ctx = current();
        let mut ids = lookup::relation_ids(&ctx, &self.name, self.role)?;
        ids.sort();
        ids.iter()
            .map(|id| Relation::load(&ctx, &self.name, self.role, id))
            .collect()
    }

    /// Clears `endpoint.<name>.changed` and every `endpoint.<name>.changed.<field>` flag:
    /// what a handler does once it has acted on the endpoint's new data.
    ///
    /// ```no_run
    /// # use charms_reactive::prelude::*;
    /// #[when("endpoint.db.changed")]
    /// fn db_changed() -> Result<()> {
    ///     let Some(db) = Endpoint::from_name("db") else { return Ok(()) };
    ///     // read db.received()? …
    ///     db.clear_changed();
    ///     Ok(())
    /// }
    /// ```
    pub fn clear_changed(&self) {
        let changed = self.expand_name("changed");
        let fields = format!("{changed}.");
        for flag in flags::get_flags() {
            if flag == changed || flag.starts_with(&fields) {
                flags::clear_flag(&flag);
            }
        }
    }

    /// Whether any remote unit is joined.
    pub fn is_joined(&self) -> bool {
        flags::is_flag_set(&self.expand_name("joined"))
    }

    /// Every joined unit, sorted by (relation id, unit name).
    pub fn all_joined_units(&self) -> Result<Vec<RelatedUnit>, ToolError> {
        Ok(self
            .relations()?
            .into_iter()
            .flat_map(|r| r.joined_units().to_vec())
            .collect())
    }

    /// Data merged over all joined units; on conflicts the lowest (relation id, unit name)
    /// wins, as in charms.reactive.
    pub fn received(&self) -> Result<Received, ToolError> {
        let mut merged = Settings::new();
        for unit in self.all_joined_units()?.iter().rev() {
            merged.extend(unit.received_raw()?);
        }
        Ok(Received::new(merged))
    }

    /// Units that departed since the charm last called [`Endpoint::clear_departed_units`]:
    /// `(relation id, unit name, last data)`.
    pub fn all_departed_units(&self) -> Vec<(String, String, Settings)> {
        let ctx = current();
        let kv = ctx.kv.borrow();
        let list = kv.get(&format!("{DEPARTED_PREFIX}{}", self.name));
        list.and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|entry| {
                let rid = entry.get("relation")?.as_str()?.to_string();
                let unit = entry.get("unit_name")?.as_str()?.to_string();
                let data = entry
                    .get("data")
                    .and_then(Value::as_object)
                    .map(|m| {
                        m.iter()
                            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                            .collect()
                    })
                    .unwrap_or_default();
                Some((rid, unit, data))
            })
            .collect()
    }

    /// Forgets the departed units.
    pub fn clear_departed_units(&self) {
        current()
            .kv
            .borrow_mut()
            .unset(&format!("{DEPARTED_PREFIX}{}", self.name));
    }
}
