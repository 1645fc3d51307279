//! The model's state on disk: `<model>/model.json`, written atomically after every
//! change, so a command that fails leaves the model as it was. Layer: state (above the
//! vocabulary and `provider`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::charm::CharmInfo;
use charms_reactive_juju::names;
use charms_reactive_juju::settings::Settings;

use crate::context::{PortRange, Status};
pub use crate::provider::Provider;
use crate::secret::MODEL_EPOCH;
use crate::secret_store::{SecretContents, SecretStore};

/// A versioned databag: the version goes up on every committed change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Versioned {
    /// The data.
    pub data: Settings,
    /// 0 until the first write.
    pub version: u64,
}

/// An application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Application {
    /// The built charm it was deployed from.
    pub charm_dir: PathBuf,
    /// What the charm declares.
    pub charm: CharmInfo,
    /// Incremented by `upgrade`.
    pub charm_revision: u64,
    /// Values set by the operator (defaults come from `charm.options`).
    pub config: BTreeMap<String, Value>,
    /// Incremented by every config change.
    pub config_version: u64,
    /// The leader unit.
    pub leader: Option<String>,
    /// Leader settings.
    pub leader_settings: Versioned,
    /// A leader that resigned because it is dying; nobody is elected until it is gone.
    #[serde(default)]
    pub resigned: Option<String>,
    /// Application status (set by the leader).
    pub status: Status,
    /// Previous application statuses, oldest first.
    #[serde(default)]
    pub status_history: Vec<Status>,
    /// Units, in creation order.
    pub units: Vec<String>,
    /// The next unit number.
    pub next_unit: u32,
    /// `remove-application` ran: its units are leaving, and the application goes with
    /// the last of them.
    #[serde(default)]
    pub dying: bool,
}

/// A unit's agent state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Agent {
    /// Nothing to do, or waiting for its turn.
    #[default]
    Idle,
    /// A hook failed; later hooks wait for `resolve`.
    Error {
        /// The failed hook.
        hook: crate::hook::Hook,
    },
}

/// What a unit has seen: the uniter's local state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// `install` ran.
    pub installed: bool,
    /// `start` ran.
    pub started: bool,
    /// Leadership this unit has run `leader-elected` for.
    pub leader: bool,
    /// Leader-settings version last seen (non-leaders).
    pub leader_settings: u64,
    /// Config version last seen.
    pub config: u64,
    /// Charm revision last seen.
    pub charm_revision: u64,
    /// Relations whose `-created` ran.
    pub created: BTreeSet<u32>,
    /// Per relation: remote members joined, with the data version last seen and the
    /// data as last seen (the per-observer cache).
    pub members: BTreeMap<u32, BTreeMap<String, Versioned>>,
    /// Per relation: the remote app's data version last seen.
    pub app_versions: BTreeMap<u32, u64>,
    /// Per relation: a `-changed` owed right after a `-joined`.
    pub pending_changed: BTreeMap<u32, String>,
}

/// A unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    /// Its application.
    pub app: String,
    /// Its own copy of the charm (`…/unit-<app>-<n>/charm`).
    pub charm_dir: PathBuf,
    /// Dying units tear down and are removed.
    pub dying: bool,
    /// Agent state.
    pub agent: Agent,
    /// Workload status as the charm set it.
    pub status: Status,
    /// Previous statuses, oldest first.
    pub status_history: Vec<Status>,
    /// Workload version.
    pub workload_version: String,
    /// Committed opened ports.
    pub opened_ports: Vec<PortRange>,
    /// Controller-side unit state (`state-set`).
    pub state: Settings,
    /// Its address.
    pub address: String,
    /// Its machine (machines provider).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<String>,
    /// What it has seen.
    pub seen: Seen,
    /// `update-status` ticks not yet handled.
    pub update_status_due: bool,
    /// Whether the charm ever set this unit's status (the uniter's own status rules
    /// apply until it does).
    #[serde(default)]
    pub charm_set_status: bool,
    /// Hooks failed in a row (0 once a hook succeeds): the retry delay grows with it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub hook_failures: u32,
    /// When the failed hook is retried, on the model clock (`automatically-retry-hooks`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<i64>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A relation between two endpoints (or a peer relation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relation {
    /// Relation id.
    pub id: u32,
    /// (application, endpoint) of each side; one entry for a peer relation.
    pub ends: Vec<(String, String)>,
    /// Interface.
    pub interface: String,
    /// Peer relation?
    pub peer: bool,
    /// Unit databags.
    pub unit_data: BTreeMap<String, Versioned>,
    /// Application databags.
    pub app_data: BTreeMap<String, Versioned>,
    /// Being removed.
    pub dying: bool,
}

impl Relation {
    /// This application's endpoint in the relation.
    pub fn endpoint_of(&self, app: &str) -> Option<&str> {
        self.ends
            .iter()
            .find(|(a, _)| a == app)
            .map(|(_, e)| e.as_str())
    }

    /// `unit` enters the relation's scope: Juju fills its bag with its addresses.
    pub fn enter_scope(&mut self, unit: &str, address: &str) {
        let bag = self.unit_data.entry(unit.to_string()).or_default();
        for (k, v) in [
            ("private-address", address.to_string()),
            ("ingress-address", address.to_string()),
            ("egress-subnets", format!("{address}/32")),
        ] {
            bag.data.insert(k.into(), v);
        }
        bag.version += 1;
    }

    /// The other application (the same one for a peer relation).
    pub fn remote_app_of(&self, app: &str) -> Option<&str> {
        if self.peer {
            return self.ends.first().map(|(a, _)| a.as_str());
        }
        self.ends
            .iter()
            .find(|(a, _)| a != app)
            .map(|(a, _)| a.as_str())
    }
}

/// The whole model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelState {
    /// Model name.
    pub name: String,
    /// Model UUID.
    pub uuid: String,
    /// Seed of the scheduler's interleaving.
    pub seed: u64,
    /// Applications by name.
    pub applications: BTreeMap<String, Application>,
    /// Units by name.
    pub units: BTreeMap<String, Unit>,
    /// Relations by id.
    pub relations: BTreeMap<u32, Relation>,
    /// The next relation id.
    pub next_relation_id: u32,
    /// Hooks run so far (numbers the hook log).
    pub hooks_run: u64,
    /// Scheduler state (advances with every choice).
    pub rng: u64,
    /// Where hooks run (the host, or one namespace machine per unit).
    #[serde(default)]
    pub provider: crate::provider::Provider,
    /// How many units' hooks run at the same time (the scheduler's round size).
    #[serde(default = "default_jobs")]
    pub jobs: u32,
    /// Juju's model option `logging-config` (`<root>=INFO;unit=DEBUG`): which levels
    /// reach the debug log, and the level hooks are told to log at; `None` until set
    /// (`<root>=INFO`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging_config: Option<String>,
    /// Every action run, oldest first.
    #[serde(default)]
    pub actions: Vec<ActionRecord>,
    /// The model clock: seconds since the Unix epoch (UTC). It starts at
    /// [`MODEL_EPOCH`] and moves only with `reactive model tick --advance`.
    #[serde(default = "model_epoch")]
    pub clock: i64,
    /// The secrets' metadata, revisions, grants and tracking (no content).
    #[serde(default)]
    pub secrets: SecretStore,
    /// The secrets' content: kept out of `model.json`, in `secrets.json` (mode 0600).
    #[serde(skip)]
    pub secret_contents: SecretContents,
    /// With the machines provider, each unit's machine number (`JUJU_MACHINE_ID`), given
    /// in creation order by `juju_files`.
    #[serde(default)]
    pub machine_ids: BTreeMap<String, u32>,
    /// The next machine number: numbers are never reused.
    #[serde(default)]
    pub next_machine_id: u32,
    /// Juju's model option `automatically-retry-hooks`: failed hooks are retried with
    /// a growing delay on the model clock (on unless the model was made without it).
    #[serde(default = "retry_by_default")]
    pub automatically_retry_hooks: bool,
}

fn retry_by_default() -> bool {
    true
}

impl ModelState {
    /// The model's `logging-config`, parsed (the default, `<root>=INFO`, if unset or if
    /// the stored text is damaged: it was checked when set).
    pub fn logging(&self) -> crate::logging_config::LoggingConfig {
        self.logging_config
            .as_deref()
            .and_then(|spec| crate::logging_config::LoggingConfig::parse(spec).ok())
            .unwrap_or_default()
    }
}

fn model_epoch() -> i64 {
    MODEL_EPOCH
}

/// One action run and its outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionRecord {
    /// Sequence number (shared with the hook log).
    pub id: u64,
    /// The unit it ran on.
    pub unit: String,
    /// Action name.
    pub name: String,
    /// Its parameters.
    pub params: Value,
    /// `completed` or `failed`.
    pub status: String,
    /// The failure message.
    pub message: Option<String>,
    /// Results, including `return-code`, `stdout`, `stderr`.
    pub results: BTreeMap<String, Value>,
}

/// The file holding the state inside the model directory.
pub const STATE_FILE: &str = "model.json";

/// Hooks run at the same time unless `reactive model init --jobs` says otherwise: fixed,
/// not the CPU count, so a seed gives the same run on every machine.
pub const DEFAULT_JOBS: u32 = 8;

fn default_jobs() -> u32 {
    DEFAULT_JOBS
}

impl ModelState {
    /// Reads `<dir>/model.json` (and the secrets' content). A missing file says to run
    /// `init`; a file that is there but cannot be read or parsed (truncated, not JSON,
    /// unreadable) is [`unreadable`]: one line naming the file and `destroy --force`.
    pub fn load(dir: &Path) -> anyhow::Result<ModelState> {
        let path = dir.join(STATE_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                anyhow::anyhow!("{}: {e} (run `reactive model init` first?)", path.display())
            } else {
                unreadable(&path, &e.to_string())
            }
        })?;
        let mut state: ModelState =
            serde_json::from_str(&text).map_err(|e| unreadable(&path, &json_reason(&e)))?;
        state.secret_contents = SecretContents::load(dir).map_err(|e| {
            let secrets = dir.join(crate::secret_store::SECRETS_FILE);
            // Its error already starts with the file's name.
            let text = e.to_string();
            let prefix = format!("{}: ", secrets.display());
            unreadable(&secrets, text.strip_prefix(&prefix).unwrap_or(&text))
        })?;
        Ok(state)
    }

    /// Writes it atomically: `model.json` (mode 0600), and the secrets' content in `secrets.json`
    /// (mode 0600).
    pub fn save(&self, dir: &Path) -> anyhow::Result<()> {
        self.secret_contents.save(dir)?;
        let path = dir.join(STATE_FILE);
        let tmp = dir.join(format!("{STATE_FILE}.tmp"));
        // It holds config, relation data and leader settings: readable by its owner only.
        crate::logs::write_private(&tmp, serde_json::to_string_pretty(self)?.as_bytes())?;
        std::fs::rename(&tmp, &path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// Adds a live relation and returns its id.
    pub fn add_relation(
        &mut self,
        ends: Vec<(String, String)>,
        interface: String,
        peer: bool,
    ) -> u32 {
        let id = self.next_relation_id;
        self.next_relation_id += 1;
        let rel = Relation {
            id,
            ends,
            interface,
            peer,
            unit_data: BTreeMap::new(),
            app_data: BTreeMap::new(),
            dying: false,
        };
        self.relations.insert(id, rel);
        id
    }

    /// The unit, or an error naming it.
    pub fn unit(&self, name: &str) -> anyhow::Result<&Unit> {
        self.units
            .get(name)
            .ok_or_else(|| anyhow::anyhow!("unit {name:?} not found"))
    }

    /// The application, or an error naming it.
    pub fn app(&self, name: &str) -> anyhow::Result<&Application> {
        self.applications
            .get(name)
            .ok_or_else(|| anyhow::anyhow!("application {name:?} not found"))
    }

    /// The effective config of an application: defaults overlaid with set values.
    pub fn effective_config(&self, app: &str) -> BTreeMap<String, Value> {
        let Some(a) = self.applications.get(app) else {
            return BTreeMap::new();
        };
        let mut out: BTreeMap<String, Value> = a
            .charm
            .options
            .iter()
            .map(|(k, o)| (k.clone(), o.default.clone()))
            .collect();
        out.extend(a.config.clone());
        out
    }

    /// Relations an application takes part in, by id.
    pub fn relations_of<'a>(&'a self, app: &'a str) -> impl Iterator<Item = &'a Relation> + 'a {
        self.relations
            .values()
            .filter(move |r| r.ends.iter().any(|(a, _)| a == app))
    }

    /// Units of `app` that are in a relation's scope: installed and alive.
    pub fn in_scope(&self, app: &str) -> Vec<String> {
        let mut units: Vec<String> = self
            .units
            .iter()
            .filter(|(_, u)| u.app == app && u.seen.installed && !u.dying)
            .map(|(n, _)| n.clone())
            .collect();
        units.sort_by(|a, b| unit_order(a, b));
        units
    }
}

/// The error of a model state file that exists but cannot be read: one line naming the
/// file, why, and the way out (`destroy --force` needs none of the state).
pub fn unreadable(path: &Path, reason: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "cannot read the model state {}: {reason}; the model may be damaged: \
         `reactive model destroy --force` removes it",
        path.display()
    )
}

/// Where and how JSON failed to parse, without quoting the text (it may hold config
/// values or relation data).
fn json_reason(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Eof => "it ends early (truncated?)",
        Category::Syntax => "invalid JSON",
        Category::Data => "unexpected content",
        Category::Io => "read error",
    };
    format!("{what} at line {} column {}", e.line(), e.column())
}

/// Unit names sorted by application, then number (`kv/2` before `kv/10`).
pub fn unit_order(a: &str, b: &str) -> std::cmp::Ordering {
    let key = |u| {
        (
            names::unit_application(u),
            names::unit_number(u).unwrap_or(0),
        )
    };
    key(a).cmp(&key(b))
}
