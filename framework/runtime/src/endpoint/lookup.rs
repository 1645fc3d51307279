//! An endpoint's relation ids and a relation's remote application: answered from what
//! the hook already knows when it can, else by the hook tools. Flag management and the
//! endpoint views both ask here, so neither runs a tool the other avoided.

use charms_reactive_juju::endpoint::Role;
use charms_reactive_juju::names;

use crate::backend::ToolError;
use crate::context::Context;

/// The relation ids of endpoint `name` (role `role`). A peer endpoint has exactly one
/// relation, so in its own relation hooks (but `-broken`) the hook's
/// `JUJU_RELATION_ID` is the answer.
pub(crate) fn relation_ids(
    ctx: &Context,
    name: &str,
    role: Role,
) -> Result<Vec<String>, ToolError> {
    if role == Role::Peers {
        let own = ctx.relation.as_ref().filter(|r| {
            r.relation_id
                .split_once(':')
                .is_some_and(|(ep, _)| ep == name)
        });
        let broken = ctx
            .hook
            .relation_hook()
            .is_some_and(|h| h.endpoint == name && h.kind == "broken");
        if let (Some(rel), false) = (own, broken) {
            return Ok(vec![rel.relation_id.clone()]);
        }
    }
    ctx.backend.relation_ids(name)
}

/// The remote application of relation `rid` on an endpoint of role `role`: the charm's
/// own for a peer relation, the hook's `JUJU_REMOTE_APP` for the hook's relation, else
/// `relation-list --app`.
pub(crate) fn remote_app(
    ctx: &Context,
    role: Role,
    rid: &str,
) -> Result<Option<String>, ToolError> {
    if role == Role::Peers {
        let app = names::unit_application(&ctx.unit_name);
        if !app.is_empty() {
            return Ok(Some(app.to_string()));
        }
    }
    if let Some(app) = ctx
        .relation
        .as_ref()
        .filter(|r| r.relation_id == rid)
        .and_then(|r| r.remote_app.clone())
        .filter(|a| !a.is_empty())
    {
        return Ok(Some(app));
    }
    ctx.backend.relation_remote_app(rid)
}
