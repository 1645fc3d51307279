//! One relation of an endpoint and its joined units.

use crate::backend::{Settings, ToolError};
use crate::context::{current, Context};
use crate::Scope;
use charms_reactive_juju::endpoint::Role;

use super::views::{Publish, PublishRaw, Received};

/// One relation (`endpoint:N`) as this unit sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    id: String,
    endpoint: String,
    application: Option<String>,
    units: Vec<RelatedUnit>,
}

/// A remote unit joined on a relation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedUnit {
    relation_id: String,
    name: String,
}

impl Relation {
    pub(super) fn load(
        ctx: &Context,
        endpoint: &str,
        role: Role,
        id: &str,
    ) -> Result<Relation, ToolError> {
        let mut names = ctx.backend.relation_list(id)?;
        names.sort();
        let application = super::lookup::remote_app(ctx, role, id)?;
        Ok(Relation {
            id: id.to_string(),
            endpoint: endpoint.to_string(),
            application,
            units: names
                .into_iter()
                .map(|name| RelatedUnit {
                    relation_id: id.to_string(),
                    name,
                })
                .collect(),
        })
    }

    /// Relation id, `endpoint:N`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Endpoint name.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The remote application (this unit's own for a peer relation).
    pub fn application_name(&self) -> Option<&str> {
        self.application.as_deref()
    }

    /// Joined remote units, sorted by name.
    pub fn joined_units(&self) -> &[RelatedUnit] {
        &self.units
    }

    /// The remote application's data, JSON-decoded.
    pub fn received_app(&self) -> Result<Received, ToolError> {
        Ok(Received::new(self.received_app_raw()?))
    }

    /// The remote application's data as strings.
    pub fn received_app_raw(&self) -> Result<Settings, ToolError> {
        match &self.application {
            Some(app) => current().backend.relation_get(&self.id, app, Scope::App),
            None => Ok(Settings::new()),
        }
    }

    /// This unit's data, values JSON-encoded with sorted keys.
    pub fn to_publish(&self) -> Publish {
        Publish::new(&self.id, Scope::Unit)
    }

    /// This unit's data, values as given.
    pub fn to_publish_raw(&self) -> PublishRaw {
        PublishRaw::new(&self.id, Scope::Unit)
    }

    /// This application's data (leader only), values JSON-encoded.
    pub fn to_publish_app(&self) -> Publish {
        Publish::new(&self.id, Scope::App)
    }

    /// This application's data (leader only), values as given.
    pub fn to_publish_app_raw(&self) -> PublishRaw {
        PublishRaw::new(&self.id, Scope::App)
    }
}

impl RelatedUnit {
    /// Unit name, `app/N`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The relation it is joined on.
    pub fn relation_id(&self) -> &str {
        &self.relation_id
    }

    /// Its data, JSON-decoded (a value that is not JSON is returned as a string).
    pub fn received(&self) -> Result<Received, ToolError> {
        Ok(Received::new(self.received_raw()?))
    }

    /// Its data as strings.
    pub fn received_raw(&self) -> Result<Settings, ToolError> {
        current()
            .backend
            .relation_get(&self.relation_id, &self.name, Scope::Unit)
    }
}
