//! What a hook can see and what its tools changed: the per-hook context, held by the
//! unit agent while the hook runs, and the status and port types the model's state
//! shares with it. Bottom layer (vocabulary): depends only on [`crate::secret`].
//!
//! Databags (relation data, leader settings, unit state) are the facts crate's
//! [`Settings`], changed with its merge rule (an empty value deletes a key).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use charms_reactive_juju::settings::Settings;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::secret::{Grant, GrantTarget, Owner, SecretContent};

/// The relation of a relation hook.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentRelation {
    /// Relation id number (`endpoint:N` is built from the relation's endpoint).
    pub id: u32,
    /// The remote unit, when the hook is about one (`JUJU_REMOTE_UNIT`).
    pub remote_unit: Option<String>,
    /// In `-relation-departed`: the unit leaving (`JUJU_DEPARTING_UNIT`).
    pub departing_unit: Option<String>,
}

/// One relation as this unit sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationView {
    /// This unit's endpoint name.
    pub endpoint: String,
    /// The interface.
    pub interface: String,
    /// The remote application (this unit's own for a peer relation).
    pub remote_app: String,
    /// Peer relation?
    pub peer: bool,
    /// Remote units known locally (joined and not departed), sorted. Printed by
    /// `relation-list`.
    pub members: Vec<String>,
    /// Unit databags readable by this unit: its own (including writes made earlier in
    /// this hook), members', departed units'. Remote units' bags are as this unit last
    /// saw them (the per-observer cache).
    pub unit_data: BTreeMap<String, Settings>,
    /// Application databags readable by this unit: the remote app's; its own app's
    /// (always for peers, for a non-peer relation only when leader).
    pub app_data: BTreeMap<String, Settings>,
    /// Broken or dying: left out of `relation-ids`, still usable with `-r`.
    pub broken: bool,
}

/// A workload status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// maintenance | blocked | waiting | active | unknown | error …
    pub status: String,
    /// Message.
    pub message: String,
    /// Status data.
    #[serde(default)]
    pub data: BTreeMap<String, Value>,
}

/// An opened port range, as `open-port` takes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PortRange {
    /// `tcp`, `udp` or `icmp`.
    pub protocol: String,
    /// First port (0 for icmp).
    pub from: u16,
    /// Last port (0 for icmp).
    pub to: u16,
    /// Endpoints it applies to; empty = all (`*`).
    #[serde(default)]
    pub endpoints: Vec<String>,
}

/// The running action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionData {
    /// Action name.
    pub name: String,
    /// Parameters, schema defaults filled in.
    pub params: Value,
    /// Results set with `action-set` (nested by dotted keys).
    #[serde(default)]
    pub results: BTreeMap<String, Value>,
    /// `action-fail` message.
    #[serde(default)]
    pub failed: Option<String>,
    /// `action-log` messages.
    #[serde(default)]
    pub logs: Vec<String>,
}

/// Changes applied at once, whatever the hook's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Immediate {
    /// `status-set` (unit, or application with `app`).
    StatusSet {
        app: bool,
        status: String,
        message: String,
    },
    /// `leader-set`: the merged keys (empty value = delete).
    LeaderSet { settings: Settings },
    /// `juju-log`.
    Log { level: String, message: String },
    /// `application-version-set`.
    ApplicationVersion { version: String },
}

/// Changes applied only if the hook exits 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Transactional {
    /// `relation-set` (merge; empty value = delete).
    RelationSet {
        relation_id: u32,
        app: bool,
        settings: Settings,
    },
    /// `state-set`.
    StateSet { settings: Settings },
    /// `state-delete`.
    StateDelete { key: String },
    /// `open-port`.
    OpenPort { port: PortRange },
    /// `close-port`.
    ClosePort { port: PortRange },
    /// A secret tool's change (`secret-add`, `secret-set`, …, and the tracking moved by
    /// `secret-get`).
    Secret { change: SecretChange },
}

/// A change to the model's secrets, made by a hook and committed only if it succeeds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum SecretChange {
    /// `secret-add`: a new secret at revision 1.
    Create {
        /// Its id (the xid).
        id: String,
        /// Its owner.
        owner: Owner,
        /// The owner's label.
        label: Option<String>,
        /// Its description.
        description: Option<String>,
        /// Its rotate policy.
        rotate: Option<String>,
        /// When revision 1 expires (model clock, seconds).
        expire: Option<i64>,
        /// Revision 1's content.
        content: SecretContent,
    },
    /// `secret-set`: new metadata, and a new revision when the content changed.
    Update {
        /// The secret's id.
        id: String,
        /// A new owner's label.
        label: Option<String>,
        /// A new description.
        description: Option<String>,
        /// A new rotate policy.
        rotate: Option<String>,
        /// When the latest (or new) revision expires.
        expire: Option<i64>,
        /// New content: a new revision.
        content: Option<SecretContent>,
    },
    /// `secret-remove`: the whole secret, or one revision.
    Remove {
        /// The secret's id.
        id: String,
        /// Only this revision.
        revision: Option<u32>,
    },
    /// `secret-grant`.
    Grant {
        /// The secret's id.
        id: String,
        /// The access given.
        grant: Grant,
    },
    /// `secret-revoke`.
    Revoke {
        /// The secret's id.
        id: String,
        /// Whose access ends.
        target: GrantTarget,
    },
    /// `secret-get`: the revision this unit tracks from now on, and its label for the
    /// secret (a consumer's label).
    Track {
        /// The secret's id.
        id: String,
        /// The tracked revision.
        revision: u32,
        /// The consumer label set with `--label`.
        label: Option<String>,
    },
}

/// One secret as a hook's unit sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretView {
    /// Its owner.
    pub owner: Option<Owner>,
    /// This unit may change it: it owns it, or leads the application that owns it.
    pub manage: bool,
    /// This unit may read it: it owns it, its application owns it, or it was granted.
    pub readable: bool,
    /// The owner's label.
    pub label: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// The rotate policy, as given.
    pub rotate: Option<String>,
    /// When it rotates next (model clock).
    pub next_rotate: Option<i64>,
    /// The latest revision.
    pub latest: u32,
    /// When the latest revision expires.
    pub latest_expire: Option<i64>,
    /// Its grants (shown to a unit that manages it).
    pub grants: Vec<Grant>,
    /// The revision this unit tracks, and its consumer label.
    pub tracked: Option<u32>,
    /// This unit's label for it, as a consumer.
    pub consumer_label: Option<String>,
    /// Content of the revisions it may read now (tracked and latest).
    pub contents: BTreeMap<u32, SecretContent>,
    /// Content set by `secret-set` in this hook (the next revision, once committed).
    pub pending: Option<SecretContent>,
    /// Created by `secret-add` in this hook.
    pub created_here: bool,
}

/// What the secret tools of a hook see: the model clock, the secrets this unit owns,
/// may read or tracks, and every secret id of the model (so that an id the unit may
/// not read is told from one that does not exist).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretsView {
    /// The model clock (seconds since the Unix epoch).
    pub now: i64,
    /// The hook's sequence number: new secret ids are drawn from it.
    pub seq: u64,
    /// Secrets created so far in this hook.
    pub created: u32,
    /// Every secret id in the model.
    pub known: BTreeSet<String>,
    /// The secrets this unit sees, by id.
    pub secrets: BTreeMap<String, SecretView>,
    /// Relation tags by relation id (`relation-web.database#kv.db`), for grants.
    pub relation_tags: BTreeMap<u32, String>,
}

/// Everything a hook's tools need, and what they did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookContextData {
    /// `JUJU_CONTEXT_ID` of the hook; a tool run with another id refuses.
    pub context_id: String,
    /// This unit, `app/N`.
    pub unit: String,
    /// The hook name (`""` for an action).
    pub hook_name: String,
    /// The relation of a relation hook.
    pub relation: Option<CurrentRelation>,
    /// Whether this unit is the leader.
    pub leader: bool,
    /// Config values: options with a value or a default; `null` for options with
    /// neither (shown only by `config-get --all`).
    pub config: BTreeMap<String, Value>,
    /// Relations by id.
    pub relations: BTreeMap<u32, RelationView>,
    /// The application's leader settings.
    pub leader_settings: Settings,
    /// This unit's status.
    pub unit_status: Status,
    /// The application's status.
    pub app_status: Status,
    /// Every unit's status, for `status-get --application`.
    pub unit_statuses: BTreeMap<String, Status>,
    /// Committed opened ports.
    pub opened_ports: Vec<PortRange>,
    /// The unit's address (private-address, ingress, bind).
    pub address: String,
    /// The unit's public address.
    pub public_address: String,
    /// Binding names `network-get` knows: endpoints, extra-bindings and `juju-info`.
    pub bindings: Vec<String>,
    /// Controller-side unit state (`state-get`).
    pub state: Settings,
    /// The running action, if this is one.
    pub action: Option<ActionData>,
    /// The model's UUID.
    pub model_uuid: String,
    /// The secrets this unit sees.
    #[serde(default)]
    pub secrets: SecretsView,
    /// Effects applied whatever the outcome, in order.
    #[serde(default)]
    pub immediate: Vec<Immediate>,
    /// Effects applied only on success, in order.
    #[serde(default)]
    pub transactional: Vec<Transactional>,
    /// The CPU time the hook's process used, once it has exited.
    #[serde(skip)]
    pub cpu: Option<CpuTime>,
}

/// The CPU time a hook's process and every descendant it waited for used (the hook
/// tools, the programs it ran), from `wait4`'s resource usage; not the daemons a service
/// manager started for it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTime {
    /// User time.
    pub user: Duration,
    /// System time.
    pub system: Duration,
}

impl HookContextData {
    /// `endpoint:N` for a relation id.
    pub fn relation_key(&self, id: u32) -> Option<String> {
        self.relations
            .get(&id)
            .map(|r| format!("{}:{id}", r.endpoint))
    }
}
