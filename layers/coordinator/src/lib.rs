//! `layer:coordinator`: locks shared by the units of an application, so that only one
//! unit at a time does something disruptive (restarting a clustered service, upgrading
//! it). The protocol is charmhelpers' `coordinator.Serial`
//! ([charm-helpers](https://github.com/juju/charm-helpers/blob/master/charmhelpers/coordinator.py)),
//! as [layer-coordinator](https://github.com/stub42/layer-coordinator) gives Python
//! charms, over the peer relation `coordinator` this layer adds and the leader settings:
//!
//! * a unit asks for a lock with [`acquire`]: the request, with its UTC timestamp, goes
//!   into the unit's data on the peer relation (key `coordinator`, published at the end
//!   of the hook);
//! * the leader grants requests first come, first served, in the leader settings (key
//!   `coordinator`), as the layer option `class` says ([`protocol::Class`]);
//! * a unit holds a grant for one hook: `coordinator.granted.<lock>` is set in the hook
//!   where the grant is first seen, and the request is withdrawn at the end of that hook
//!   (or earlier with [`release`]), which frees the lock;
//! * the state lives in the relation and the leader settings, so it survives a change of
//!   leader; a unit that leaves the relation loses its requests and grants.
//!
//! The [`restart`] module builds the common case on it: restart services one unit at a
//! time.
//!
//! ```no_run
//! use charms_reactive::prelude::*;
//!
//! #[when("app.config-written")]
//! fn ask() -> Result<()> {
//!     clear_flag("app.config-written");
//!     layer_coordinator::acquire("upgrade")?; // guarded: every request fires hooks
//!     Ok(())
//! }
//!
//! #[when("coordinator.granted.upgrade")]
//! fn upgrade() -> Result<()> {
//!     // … the one unit allowed to upgrade now …
//!     layer_coordinator::release("upgrade")?; // done: the leader passes it on at once
//!     Ok(())
//! }
//! ```

pub mod protocol;
pub mod restart;

charms_reactive::declare_flags!("coordinator.requested.{lock}", "coordinator.granted.{lock}");
charms_reactive::declare_flags!(fn acquire => "coordinator.requested.{0}");

use charms_reactive::endpoint::{PublishError, Relation};
use charms_reactive::layer_options::{self, LayerOptionError};
use charms_reactive::low_level::{current_hook, departing_unit, remote_unit, with_unit_state};
use charms_reactive::prelude::*;
use charms_reactive::ToolError;
use serde_json::{json, Value};

use protocol::{decide, dumps_locks, dumps_table, parse_locks, parse_table, Class, Locks, Table};

/// The peer relation this layer adds to `metadata.yaml`.
pub const RELATION: &str = "coordinator";
/// The key of the requests in the peer data and of the grants in the leader settings
/// (charmhelpers' `relation_key`).
pub const KEY: &str = "coordinator";
/// `coordinator.requested.<lock>`: this unit asked for the lock and does not hold it.
pub const REQUESTED_PREFIX: &str = "coordinator.requested.";
/// `coordinator.granted.<lock>`: this unit holds the lock, for this hook.
pub const GRANTED_PREFIX: &str = "coordinator.granted.";
/// This layer's name in `layer.yaml` options.
pub const LAYER: &str = "coordinator";

/// Unit state: this unit's requests as they will be after this hook.
const OWN_KEY: &str = "coordinator.requests";
/// Unit state: the peers' requests as last read, `{unit: {lock: ts}}`.
const PEERS_KEY: &str = "coordinator.peers";
/// Unit state: what this unit last published, `{"relation": id, "value": raw}`.
const PUBLISHED_KEY: &str = "coordinator.published";
/// Unit state, on the leader: whether the grants it last wrote or read hold anything.
const LEADER_GRANTS_KEY: &str = "coordinator.leader-grants";
/// charmhelpers' local files (in the charm directory) for requests made before the peer
/// relation existed, one per coordinator class.
const PYTHON_STATE_FILES: [&str; 2] = [
    ".charmhelpers.coordinator.Serial",
    ".charmhelpers.coordinator.SimpleCoordinator",
];

/// Why a coordinator call failed.
#[derive(Debug, thiserror::Error)]
pub enum CoordinatorError {
    /// A hook tool failed.
    #[error(transparent)]
    Tool(#[from] ToolError),
    /// The requests could not be published on the peer relation.
    #[error(transparent)]
    Publish(#[from] PublishError),
    /// The layer option `class` is not usable.
    #[error("{0}")]
    Option(String),
}

/// Asks for `lock`. Returns `true` if this unit holds it now (`coordinator.granted.<lock>`
/// is set): a leader whose request comes first is granted at once. Otherwise the request
/// stays until granted, in a later hook, and `coordinator.requested.<lock>` is set.
///
/// A request changes the peer data, which runs hooks on every peer: call it when the
/// work is needed, not in every hook. Asking again while a request is outstanding
/// changes nothing.
pub fn acquire(lock: &str) -> Result<bool, CoordinatorError> {
    let granted_flag = format!("{GRANTED_PREFIX}{lock}");
    if is_flag_set(&granted_flag) {
        return Ok(true);
    }
    let rel = peer_relation()?;
    let mut own = own_requests(rel.as_ref())?;
    if !own.contains_key(lock) {
        own.insert(lock.to_string(), protocol::timestamp_now());
        save_own(&own, rel.as_ref())?;
        tracing::info!("coordinator: requested {lock}");
    }
    if leadership::is_leader()? {
        let grants = lead(peers_of(rel.as_ref())?, &own)?;
        if let Some(ts) = granted_to_me(&grants, &own, lock) {
            take_grant(lock, &ts, &mut own, rel.as_ref())?;
            return Ok(true);
        }
    }
    set_flag(&format!("{REQUESTED_PREFIX}{lock}"));
    Ok(false)
}

/// Whether this unit holds `lock` in this hook.
pub fn granted(lock: &str) -> bool {
    is_flag_set(&format!("{GRANTED_PREFIX}{lock}"))
}

/// Whether this unit asked for `lock` and does not hold it yet.
pub fn requested(lock: &str) -> bool {
    is_flag_set(&format!("{REQUESTED_PREFIX}{lock}"))
}

/// Done with `lock` before the end of the hook: `coordinator.granted.<lock>` is cleared
/// and, on the leader, the lock goes to the next unit at once (otherwise the leader
/// passes it on in its next hook). Does nothing if this unit does not hold it.
pub fn release(lock: &str) -> Result<(), CoordinatorError> {
    let flag = format!("{GRANTED_PREFIX}{lock}");
    if !is_flag_set(&flag) {
        return Ok(());
    }
    clear_flag(&flag);
    tracing::info!("coordinator: released {lock}");
    if leadership::is_leader()? {
        let rel = peer_relation()?;
        let own = own_requests(rel.as_ref())?;
        lead(peers_of(rel.as_ref())?, &own)?;
    }
    Ok(())
}

/// Asks for `lock` again, behind every request made so far: for work that could not be
/// finished while holding it (the unit keeps the lock for the rest of this hook if it
/// holds it; call [`release`] to let the others go first at once).
pub fn retry_later(lock: &str) -> Result<(), CoordinatorError> {
    let rel = peer_relation()?;
    let mut own = own_requests(rel.as_ref())?;
    own.insert(lock.to_string(), protocol::timestamp_now());
    save_own(&own, rel.as_ref())?;
    set_flag(&format!("{REQUESTED_PREFIX}{lock}"));
    tracing::info!("coordinator: {lock} asked for again, to be retried later");
    Ok(())
}

/// The layer option `class`: `serial` unless the built `layer.yaml` says otherwise.
pub fn class() -> Result<Class, CoordinatorError> {
    match layer_options::get::<Option<String>>(LAYER, "class") {
        Ok(Some(name)) => name.parse().map_err(CoordinatorError::Option),
        // No built layer.yaml (a harness test) or no section: the default.
        Ok(None)
        | Err(LayerOptionError::File(_))
        | Err(LayerOptionError::NoLayer { .. })
        | Err(LayerOptionError::Unset { .. }) => Ok(Class::Serial),
        Err(e) => Err(CoordinatorError::Option(e.to_string())),
    }
}

/// Hook start: release what the previous hook held, let the leader decide, and set the
/// flags from this unit's requests and grants.
#[startup]
fn coordinator_start() -> Result<()> {
    restart::reset_hooks();
    let me = unit_name();
    let hook = current_hook();
    let own_hook = hook.relation_hook().filter(|h| h.endpoint == RELATION);
    // This unit leaves the peer relation: it withdraws every request.
    let leaving = own_hook.as_ref().is_some_and(|h| {
        h.kind == "broken" || (h.kind == "departed" && departing_unit().as_deref() == Some(&me))
    });
    let rel = if leaving { None } else { peer_relation()? };
    // Locks held in an earlier hook were released at its end.
    for flag in get_flags() {
        if flag.starts_with(GRANTED_PREFIX) {
            clear_flag(&flag);
        }
    }
    let mut own = own_requests(rel.as_ref())?;
    if leaving {
        own.clear();
        withdraw_published()?;
    }
    let peers = peers_of(rel.as_ref())?;
    // With no request anywhere there is nothing to grant nor to release: a quiet hook
    // asks Juju nothing (a new leader looks at the grants it inherits all the same).
    let busy = !own.is_empty()
        || peers.values().any(|locks| !locks.is_empty())
        || with_unit_state(|kv| kv.contains(LEADER_GRANTS_KEY))
        || hook.hook_name() == Some("leader-elected");
    // A leader that is leaving decides nothing more: it no longer sees its peers.
    let grants = if !busy {
        Table::new()
    } else if !leaving && leadership::is_leader()? {
        lead(peers, &own)?
    } else {
        with_unit_state(|kv| kv.unset(LEADER_GRANTS_KEY));
        leader_grants()?
    };
    let locks: Vec<String> = own.keys().cloned().collect();
    for lock in locks {
        if let Some(ts) = granted_to_me(&grants, &own, &lock) {
            take_grant(&lock, &ts, &mut own, rel.as_ref())?;
        }
    }
    save_own(&own, rel.as_ref())?;
    for flag in get_flags() {
        if let Some(lock) = flag.strip_prefix(REQUESTED_PREFIX) {
            if !own.contains_key(lock) {
                clear_flag(&flag);
            }
        }
    }
    for lock in own.keys() {
        set_flag(&format!("{REQUESTED_PREFIX}{lock}"));
    }
    Ok(())
}

/// The timestamp of `lock` if `grants` give it to this unit for its current request.
fn granted_to_me(grants: &Table, own: &Locks, lock: &str) -> Option<String> {
    let ts = grants.get(&unit_name())?.get(lock)?;
    (own.get(lock) == Some(ts)).then(|| ts.clone())
}

/// This unit holds `lock` for this hook: the flag (whose value is the request's
/// timestamp, so the leader keeps the grant while the hook runs), and the request
/// withdrawn from what is published at the end of the hook.
fn take_grant(
    lock: &str,
    ts: &str,
    own: &mut Locks,
    rel: Option<&Relation>,
) -> Result<(), CoordinatorError> {
    set_flag_value(&format!("{GRANTED_PREFIX}{lock}"), json!(ts));
    clear_flag(&format!("{REQUESTED_PREFIX}{lock}"));
    own.remove(lock);
    save_own(own, rel)?;
    tracing::info!("coordinator: granted {lock}");
    Ok(())
}

/// The locks this unit holds in this hook, with their request timestamps.
fn held() -> Locks {
    get_flags()
        .into_iter()
        .filter_map(|flag| {
            let lock = flag.strip_prefix(GRANTED_PREFIX)?.to_string();
            let ts = get_flag_value(&flag)?.as_str()?.to_string();
            Some((lock, ts))
        })
        .collect()
}

/// The leader's turn: drop the grants that were released or whose unit left, grant what
/// can be granted, and write the leader settings if that changed anything. `requests`
/// are the peers' requests, `own` this unit's; the locks it holds in this hook count as
/// still requested.
fn lead(mut requests: Table, own: &Locks) -> Result<Table, CoordinatorError> {
    let mut mine = own.clone();
    mine.extend(held());
    requests.insert(unit_name(), mine);
    let before = leader_grants()?;
    let after = decide(class()?, &before, &requests);
    if after != before {
        for (unit, locks) in &after {
            for lock in locks.keys() {
                if !protocol::holds(&before, unit, lock) {
                    tracing::info!("coordinator: leader grants {lock} to {unit}");
                }
            }
        }
        leadership::set_one(KEY, &dumps_table(&after))?;
    }
    with_unit_state(|kv| {
        if after.is_empty() {
            kv.unset(LEADER_GRANTS_KEY);
        } else {
            kv.set(LEADER_GRANTS_KEY, &Value::Bool(true));
        }
    });
    Ok(after)
}

/// The grants in the leader settings (empty if none or unreadable, which is logged).
fn leader_grants() -> Result<Table, CoordinatorError> {
    let Some(raw) = leadership::get(KEY)?.filter(|r| !r.is_empty()) else {
        return Ok(Table::new());
    };
    Ok(parse_table(&raw).unwrap_or_else(|| {
        tracing::warn!(
            "coordinator: leader setting {KEY:?} is not a table of grants: {raw:?}; ignored"
        );
        Table::new()
    }))
}

/// The peers' requests on `rel`, none without it.
fn peers_of(rel: Option<&Relation>) -> Result<Table, CoordinatorError> {
    match rel {
        Some(rel) => peer_requests(rel),
        None => Ok(Table::new()),
    }
}

/// The peer relation, if it exists yet.
fn peer_relation() -> Result<Option<Relation>, CoordinatorError> {
    let Some(endpoint) = Endpoint::from_name(RELATION) else {
        return Ok(None);
    };
    Ok(endpoint.relations()?.into_iter().next())
}

/// This unit's requests as they will be after this hook: from the unit state; the first
/// time, from what a Python charm left (its peer data, or charmhelpers' local file).
fn own_requests(rel: Option<&Relation>) -> Result<Locks, CoordinatorError> {
    if let Some(Value::Object(map)) = with_unit_state(|kv| kv.get(OWN_KEY)) {
        return Ok(map
            .into_iter()
            .filter_map(|(k, v)| Some((k, v.as_str()?.to_string())))
            .collect());
    }
    if let Some(rel) = rel {
        if let Some(raw) = rel.to_publish_raw().get(KEY)? {
            return Ok(parse_locks(&raw).unwrap_or_default());
        }
    }
    for file in PYTHON_STATE_FILES {
        if let Ok(raw) = std::fs::read_to_string(charm_dir().join(file)) {
            return Ok(parse_locks(&raw).unwrap_or_default());
        }
    }
    Ok(Locks::new())
}

/// Keeps this unit's requests and publishes them on the peer relation when they differ
/// from what was published last (nothing is published before the first request).
fn save_own(own: &Locks, rel: Option<&Relation>) -> Result<(), CoordinatorError> {
    let value = Value::Object(
        own.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    );
    with_unit_state(|kv| kv.set(OWN_KEY, &value));
    let Some(rel) = rel else { return Ok(()) };
    let raw = dumps_locks(own);
    // What was last published on this relation: `Some(None)` if nothing was.
    let last = with_unit_state(|kv| kv.get(PUBLISHED_KEY))
        .filter(|l| l.get("relation").and_then(Value::as_str) == Some(rel.id()))
        .map(|l| l.get("value").and_then(Value::as_str).map(str::to_string));
    let changed = match &last {
        Some(Some(published)) => *published != raw,
        Some(None) => !own.is_empty(),
        // First time on this relation: a Python charm may have published already.
        None => !own.is_empty() || rel.to_publish_raw().get(KEY)?.is_some(),
    };
    if changed {
        rel.to_publish_raw().set(KEY, &raw)?;
    }
    if changed || last.is_none() {
        let value = if changed { json!(raw) } else { Value::Null };
        with_unit_state(|kv| {
            kv.set(
                PUBLISHED_KEY,
                &json!({"relation": rel.id(), "value": value}),
            )
        });
    }
    Ok(())
}

/// Forgets what was published: the relation is going away.
fn withdraw_published() -> Result<(), CoordinatorError> {
    with_unit_state(|kv| {
        kv.unset(PUBLISHED_KEY);
        kv.unset(PEERS_KEY);
    });
    Ok(())
}

/// The requests of the peers joined on `rel`. A peer's data is read when it may have
/// changed (a hook of the peer relation about that peer, a peer not seen before, a new
/// leader, a charm upgrade); otherwise what was read last is used, as Juju's agent would
/// answer the same from its cache. Peers gone are forgotten.
fn peer_requests(rel: &Relation) -> Result<Table, CoordinatorError> {
    let mut cache: Table = with_unit_state(|kv| kv.get(PEERS_KEY))
        .and_then(|v| parse_table(&v.to_string()))
        .unwrap_or_default();
    let hook = current_hook();
    let all = matches!(hook.hook_name(), Some("leader-elected" | "upgrade-charm"));
    let about = hook
        .relation_hook()
        .filter(|h| h.endpoint == RELATION)
        .and_then(|_| remote_unit());
    let joined = rel.joined_units();
    let mut peers = Table::new();
    for unit in joined {
        let name = unit.name();
        let cached = cache.remove(name);
        let read = all || about.as_deref() == Some(name) || cached.is_none();
        let locks = if read {
            match unit.received_raw()?.get(KEY).filter(|r| !r.is_empty()) {
                None => Locks::new(),
                Some(raw) => parse_locks(raw).unwrap_or_else(|| {
                    tracing::warn!(
                        "coordinator: {name}'s {KEY:?} on {} is not a map of requests: {raw:?}; ignored",
                        rel.id()
                    );
                    Locks::new()
                }),
            }
        } else {
            cached.unwrap_or_default()
        };
        peers.insert(name.to_string(), locks);
    }
    let value: Value = serde_json::from_str(&dumps_table(&peers)).unwrap_or(Value::Null);
    with_unit_state(|kv| kv.set(PEERS_KEY, &value));
    Ok(peers)
}
