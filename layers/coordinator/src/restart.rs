//! Restarts one unit at a time: a handler asks for services to be restarted
//! ([`request`]); the restart happens only while this unit holds the lock `restart`,
//! in the hook where it is granted; an optional check after the restart decides whether
//! the request is done or retried in a later hook; an optional callback runs after a
//! restart that is done (e.g. to publish data).
//!
//! ```no_run
//! use charms_reactive::prelude::*;
//! use layer_coordinator::restart::{self, Check, RestartHooks, RestartRequest};
//!
//! fn cluster_healthy(_: &RestartRequest) -> anyhow::Result<Check> {
//!     Ok(Check::Done) // or Check::Retry("node not back in the cluster yet".into())
//! }
//!
//! #[startup]
//! fn hooks() -> Result<()> {
//!     restart::configure(RestartHooks {
//!         check: Some(cluster_healthy),
//!         ..RestartHooks::default()
//!     });
//!     Ok(())
//! }
//!
//! #[when("config.changed")]
//! fn reconfigure() -> Result<()> {
//!     // … write the configuration …
//!     restart::request(&["rabbitmq-server"], serde_json::json!({"reason": "config"}))?;
//!     Ok(())
//! }
//! ```
//!
//! Services are restarted with `systemctl restart <name>` (layer:base's service control)
//! unless [`RestartHooks::restart`] says otherwise.

use std::cell::Cell;

use anyhow::Context as _;
use charms_reactive::low_level::with_unit_state;
use charms_reactive::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{acquire, release, retry_later, CoordinatorError};

/// The lock restarts hold.
pub const LOCK: &str = "restart";
/// Unit state: the pending restart request.
const PENDING_KEY: &str = "coordinator.restart.pending";

/// What is to be restarted, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestartRequest {
    /// The services (systemd units) to restart, sorted, each once.
    pub services: Vec<String>,
    /// What the last [`request`] gave: the reason, a configuration hash, … for the check
    /// and the callback.
    pub context: Value,
    /// Restarts done for this request so far (1 in the first check).
    pub attempts: u32,
}

/// The check's verdict after a restart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The request is done.
    Done,
    /// Not done: restart again in a later hook, after the units already waiting. The
    /// reason is logged.
    Retry(String),
}

/// How restarts are done, checked and followed up. Set it from a `#[startup]` function
/// with [`configure`] (it lasts one hook).
#[derive(Debug, Clone, Copy, Default)]
pub struct RestartHooks {
    /// Restarts one service; default `systemctl restart <name>`.
    pub restart: Option<fn(&str) -> anyhow::Result<()>>,
    /// Decides after the restart whether the request is done; default done.
    pub check: Option<fn(&RestartRequest) -> anyhow::Result<Check>>,
    /// Runs after a restart that is done, still holding the lock (e.g. to publish data).
    pub restarted: Option<fn(&RestartRequest) -> anyhow::Result<()>>,
}

thread_local! {
    static HOOKS: Cell<RestartHooks> = Cell::new(RestartHooks::default());
}

/// Sets how restarts are done for the running hook; call it from a `#[startup]` function.
pub fn configure(hooks: RestartHooks) {
    HOOKS.with(|h| h.set(hooks));
}

/// Back to the defaults, at every hook start (before the charm's startup functions).
pub(crate) fn reset_hooks() {
    configure(RestartHooks::default());
}

/// Asks for `services` to be restarted, with `context` (the latest context is kept; the
/// services add up until the restart). Requests the lock `restart`; returns `true` if it
/// is granted now, in which case the restart happens later in this hook.
pub fn request(services: &[&str], context: Value) -> Result<bool, CoordinatorError> {
    let mut pending = pending().unwrap_or(RestartRequest {
        services: Vec::new(),
        context: Value::Null,
        attempts: 0,
    });
    pending
        .services
        .extend(services.iter().map(|s| s.to_string()));
    pending.services.sort();
    pending.services.dedup();
    pending.context = context;
    save(Some(&pending));
    acquire(LOCK)
}

/// The restart request waiting for the lock, if any.
pub fn pending() -> Option<RestartRequest> {
    with_unit_state(|kv| kv.get(PENDING_KEY)).and_then(|v| serde_json::from_value(v).ok())
}

fn save(request: Option<&RestartRequest>) {
    with_unit_state(|kv| match request.map(serde_json::to_value) {
        Some(Ok(v)) => kv.set(PENDING_KEY, &v),
        _ => {
            kv.unset(PENDING_KEY);
        }
    });
}

/// Holding the lock with a restart pending: restart, check, follow up, release.
#[when("coordinator.granted.restart")]
fn perform_restart() -> Result<()> {
    // The charm may hold the lock for work of its own.
    let Some(mut request) = pending() else {
        return Ok(());
    };
    let hooks = HOOKS.with(Cell::get);
    for service in &request.services {
        match hooks.restart {
            Some(restart) => restart(service),
            None => layer_base::service::restart(service).map_err(anyhow::Error::from),
        }
        .with_context(|| format!("restarting {service}"))?;
    }
    request.attempts += 1;
    let check = match hooks.check {
        Some(check) => check(&request).context("checking the restart")?,
        None => Check::Done,
    };
    match check {
        Check::Done => {
            save(None);
            tracing::info!(
                "coordinator: restarted {} (attempt {})",
                request.services.join(", "),
                request.attempts
            );
            if let Some(restarted) = hooks.restarted {
                restarted(&request).context("after the restart")?;
            }
        }
        Check::Retry(why) => {
            tracing::warn!(
                "coordinator: restart of {} to be retried: {why}",
                request.services.join(", ")
            );
            save(Some(&request));
            retry_later(LOCK)?;
        }
    }
    release(LOCK)?;
    Ok(())
}
