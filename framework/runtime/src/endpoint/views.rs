//! Views of relation data: what was received (read-only) and what to publish.

use serde::Serialize;
use serde_json::Value;

use charms_reactive_juju::names::unit_application;

use crate::backend::{Settings, ToolError};
use crate::context::{current, Context};
use crate::pyjson;
use crate::Scope;

/// Data received from a remote unit or application.
///
/// Values are JSON-decoded where they are JSON, returned as strings otherwise (so a
/// field written raw by a classic charm reads fine). A key with an empty value is treated
/// as absent, as Juju does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Received {
    raw: Settings,
}

impl Received {
    pub(crate) fn new(mut raw: Settings) -> Received {
        raw.retain(|_, v| !v.is_empty());
        Received { raw }
    }

    /// The value of `key`, JSON-decoded, or the raw string if it is not JSON.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.raw.get(key).map(|raw| decode(raw))
    }

    /// The raw string of `key`.
    pub fn get_raw(&self, key: &str) -> Option<&str> {
        self.raw.get(key).map(String::as_str)
    }

    /// Keys, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.raw.keys().map(String::as_str)
    }

    /// Whether there is no data.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// All raw data.
    pub fn raw(&self) -> &Settings {
        &self.raw
    }
}

/// JSON-decodes a relation value, falling back to the string itself.
pub(crate) fn decode(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()))
}

/// Why relation data could not be published or read back.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// Application data can only be written by the leader.
    #[error("relation {relation}: cannot write application data for key {key:?}: this unit ({unit}) is not the leader")]
    NotLeader {
        /// The relation id, `<endpoint>:<n>`.
        relation: String,
        /// The key being written.
        key: String,
        /// This unit.
        unit: String,
    },
    /// The value could not be JSON-encoded.
    #[error("cannot encode the value of key {key:?} as JSON")]
    Encode {
        /// The key being written.
        key: String,
        /// The encoder's error.
        source: serde_json::Error,
    },
    /// A hook tool (`is-leader`, `relation-get`) failed.
    #[error(transparent)]
    Tool(#[from] ToolError),
}

/// This unit's or application's data on one relation, written at the end of a successful
/// hook: only keys whose value differs from what the relation already holds are sent.
#[derive(Debug, Clone)]
struct Bag {
    relation_id: String,
    scope: Scope,
}

impl Bag {
    fn write(&self, key: &str, value: String) -> Result<(), PublishError> {
        let ctx = current();
        if self.scope.is_app() && !ctx.backend.is_leader()? {
            return Err(PublishError::NotLeader {
                relation: self.relation_id.clone(),
                key: key.to_string(),
                unit: ctx.unit_name.clone(),
            });
        }
        ctx.publish
            .borrow_mut()
            .entry((self.relation_id.clone(), self.scope))
            .or_default()
            .insert(key.to_string(), value);
        Ok(())
    }

    fn read(&self, key: &str) -> Result<Option<String>, PublishError> {
        let ctx = current();
        if let Some(v) = ctx
            .publish
            .borrow()
            .get(&(self.relation_id.clone(), self.scope))
            .and_then(|m| m.get(key))
        {
            return Ok(Some(v.clone()).filter(|v| !v.is_empty()));
        }
        Ok(own_bag(&ctx, &self.relation_id, self.scope)?
            .remove(key)
            .filter(|v| !v.is_empty()))
    }
}

/// The bag this unit writes to, as the relation holds it now.
pub(crate) fn own_bag(
    ctx: &Context,
    relation_id: &str,
    scope: Scope,
) -> Result<Settings, ToolError> {
    let target = match scope {
        Scope::App => unit_application(&ctx.unit_name),
        Scope::Unit => ctx.unit_name.as_str(),
    };
    ctx.backend.relation_get(relation_id, target, scope)
}

/// Published data with JSON-encoded values (sorted keys), as charms.reactive writes them.
#[derive(Debug, Clone)]
pub struct Publish(Bag);

impl Publish {
    pub(crate) fn new(relation_id: &str, scope: Scope) -> Publish {
        Publish(Bag {
            relation_id: relation_id.to_string(),
            scope,
        })
    }

    /// Sets `key` to `value`, JSON-encoded. Fails for application data on a non-leader.
    pub fn set(&self, key: &str, value: &impl Serialize) -> Result<(), PublishError> {
        let value = serde_json::to_value(value).map_err(|source| PublishError::Encode {
            key: key.to_string(),
            source,
        })?;
        self.0.write(key, pyjson::dumps(&value))
    }

    /// Removes `key`.
    pub fn remove(&self, key: &str) -> Result<(), PublishError> {
        self.0.write(key, String::new())
    }

    /// The value of `key` as it will be after this hook, JSON-decoded.
    pub fn get(&self, key: &str) -> Result<Option<Value>, PublishError> {
        Ok(self.0.read(key)?.map(|raw| decode(&raw)))
    }
}

/// Published data with values sent as given (the wire format of classic interfaces).
#[derive(Debug, Clone)]
pub struct PublishRaw(Bag);

impl PublishRaw {
    pub(crate) fn new(relation_id: &str, scope: Scope) -> PublishRaw {
        PublishRaw(Bag {
            relation_id: relation_id.to_string(),
            scope,
        })
    }

    /// Sets `key` to `value`; an empty value removes the key, as in Juju.
    pub fn set(&self, key: &str, value: &str) -> Result<(), PublishError> {
        self.0.write(key, value.to_string())
    }

    /// Removes `key`.
    pub fn remove(&self, key: &str) -> Result<(), PublishError> {
        self.0.write(key, String::new())
    }

    /// The value of `key` as it will be after this hook.
    pub fn get(&self, key: &str) -> Result<Option<String>, PublishError> {
        self.0.read(key)
    }
}
