//! `relation-ids`, `relation-list`, `relation-get`, `relation-set`.

use super::{JujuTools, Settings, ToolError};
use crate::Scope;

/// Relation data.
pub trait RelationTools {
    /// Ids (`endpoint:N`) of the relations on an endpoint.
    fn relation_ids(&self, endpoint: &str) -> Result<Vec<String>, ToolError>;
    /// Remote units joined on a relation, as known to this unit.
    fn relation_list(&self, relation_id: &str) -> Result<Vec<String>, ToolError>;
    /// The remote application of a relation (`relation-list --app`).
    fn relation_remote_app(&self, relation_id: &str) -> Result<Option<String>, ToolError>;
    /// A unit's databag ([`Scope::Unit`], `target` a unit) or an application's
    /// ([`Scope::App`], `target` an application).
    fn relation_get(
        &self,
        relation_id: &str,
        target: &str,
        scope: Scope,
    ) -> Result<Settings, ToolError>;
    /// Merges settings into this unit's (or, as leader, this app's) databag; an empty
    /// value deletes the key. Juju applies it only if the hook succeeds.
    fn relation_set(
        &self,
        relation_id: &str,
        scope: Scope,
        settings: &Settings,
    ) -> Result<(), ToolError>;
}

impl RelationTools for JujuTools {
    fn relation_ids(&self, endpoint: &str) -> Result<Vec<String>, ToolError> {
        Ok(self
            .read_json::<Option<Vec<String>>>("relation-ids", &[endpoint])?
            .unwrap_or_default())
    }

    fn relation_list(&self, relation_id: &str) -> Result<Vec<String>, ToolError> {
        Ok(self
            .read_json::<Option<Vec<String>>>("relation-list", &["-r", relation_id])?
            .unwrap_or_default())
    }

    fn relation_remote_app(&self, relation_id: &str) -> Result<Option<String>, ToolError> {
        self.read_json("relation-list", &["-r", relation_id, "--app"])
    }

    fn relation_get(
        &self,
        relation_id: &str,
        target: &str,
        scope: Scope,
    ) -> Result<Settings, ToolError> {
        let mut args = vec!["-r", relation_id];
        if scope.is_app() {
            args.push("--app");
        }
        args.extend(["-", target]);
        Ok(self
            .read_json::<Option<Settings>>("relation-get", &args)?
            .unwrap_or_default())
    }

    fn relation_set(
        &self,
        relation_id: &str,
        scope: Scope,
        settings: &Settings,
    ) -> Result<(), ToolError> {
        // Values go through stdin (as ops does), so they never show in a process list.
        let body =
            serde_json::to_vec(settings).map_err(|e| ToolError::encode("relation-set", e))?;
        let app_flag = if scope.is_app() {
            "--app=true"
        } else {
            "--app=false"
        };
        self.write(
            "relation-set",
            &["-r", relation_id, app_flag, "--file", "-"],
            Some(&body),
            &["relation-get"],
        )
    }
}
