//! The environment variables Juju sets for a hook or an action. See
//! <https://juju.is/docs/juju/hook#heading--hook-execution> and the unit agent's
//! `runner/context` package in Juju's source.

/// The charm's directory (also given as `CHARM_DIR`).
pub const CHARM_DIR: &str = "JUJU_CHARM_DIR";
/// The legacy name of [`CHARM_DIR`], still set by Juju and read by charmhelpers.
pub const LEGACY_CHARM_DIR: &str = "CHARM_DIR";
/// What to run: `hooks/<name>` or `actions/<name>`.
pub const DISPATCH_PATH: &str = "JUJU_DISPATCH_PATH";
/// The hook's name (empty for an action).
pub const HOOK_NAME: &str = "JUJU_HOOK_NAME";
/// The context the hook tools talk to.
pub const CONTEXT_ID: &str = "JUJU_CONTEXT_ID";
/// The unit agent's socket the hook tools call.
pub const AGENT_SOCKET_ADDRESS: &str = "JUJU_AGENT_SOCKET_ADDRESS";
/// `unix` or `tcp`.
pub const AGENT_SOCKET_NETWORK: &str = "JUJU_AGENT_SOCKET_NETWORK";
/// The unit the hook runs for.
pub const UNIT_NAME: &str = "JUJU_UNIT_NAME";
/// The model's UUID.
pub const MODEL_UUID: &str = "JUJU_MODEL_UUID";
/// The model's name.
pub const MODEL_NAME: &str = "JUJU_MODEL_NAME";
/// The machine the unit is on.
pub const MACHINE_ID: &str = "JUJU_MACHINE_ID";
/// The principal of a subordinate unit (empty otherwise).
pub const PRINCIPAL_UNIT: &str = "JUJU_PRINCIPAL_UNIT";
/// The controller's API addresses.
pub const API_ADDRESSES: &str = "JUJU_API_ADDRESSES";
/// The model's SLA level.
pub const SLA: &str = "JUJU_SLA";
/// The machine's availability zone.
pub const AVAILABILITY_ZONE: &str = "JUJU_AVAILABILITY_ZONE";
/// The agent's Juju version.
pub const VERSION: &str = "JUJU_VERSION";
/// Relation hooks: the endpoint name.
pub const RELATION: &str = "JUJU_RELATION";
/// Relation hooks: `<endpoint>:<id>`.
pub const RELATION_ID: &str = "JUJU_RELATION_ID";
/// Relation hooks about a unit: that remote unit.
pub const REMOTE_UNIT: &str = "JUJU_REMOTE_UNIT";
/// Relation hooks: the remote application.
pub const REMOTE_APP: &str = "JUJU_REMOTE_APP";
/// `-relation-departed`: the unit that leaves.
pub const DEPARTING_UNIT: &str = "JUJU_DEPARTING_UNIT";
/// Actions: the action's name.
pub const ACTION_NAME: &str = "JUJU_ACTION_NAME";
/// Actions: the action's id.
pub const ACTION_UUID: &str = "JUJU_ACTION_UUID";
/// Actions: the action's tag, `action-<id>`.
pub const ACTION_TAG: &str = "JUJU_ACTION_TAG";
/// Secret hooks: the secret's URI (`secret:<id>`, or `secret://<model-uuid>/<id>` for a
/// secret of another model).
pub const SECRET_ID: &str = "JUJU_SECRET_ID";
/// Secret hooks: the secret's label as this unit knows it (the owner's label in
/// `secret-rotate`, `secret-expired` and `secret-remove`, the consumer's in
/// `secret-changed`); empty when it has none.
pub const SECRET_LABEL: &str = "JUJU_SECRET_LABEL";
/// `secret-expired` and `secret-remove`: the revision concerned (also `secret-changed`
/// when the new revision is known).
pub const SECRET_REVISION: &str = "JUJU_SECRET_REVISION";
/// The model's proxy settings, given to hooks under these names.
pub const CHARM_PROXIES: &[&str] = &[
    "JUJU_CHARM_HTTP_PROXY",
    "JUJU_CHARM_HTTPS_PROXY",
    "JUJU_CHARM_FTP_PROXY",
    "JUJU_CHARM_NO_PROXY",
];

// Set by the local model (`reactive model`), not by Juju: the variables below never
// appear in a hook Juju runs.

/// Set by the local model, not Juju: the provider the unit runs on (`local` or
/// `machines`). Its presence tells the runtime it runs on the local model.
pub const REACTIVE_MODEL_PROVIDER: &str = "REACTIVE_MODEL_PROVIDER";
