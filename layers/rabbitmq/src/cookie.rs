//! The Erlang cookie: made once by the leader from the OS's randomness, kept in an
//! application-owned Juju secret (every unit of the application may read it); only the
//! secret's id travels, in the leader settings. Every unit writes it to
//! `/var/lib/rabbitmq/.erlang.cookie` (owner `rabbitmq`, mode 0400) and starts its node
//! with it → `cookie.synced`. The package's scripts do not start the node (layer:apt's
//! `no_start`), so a node first comes up with the application's cookie: one start, not
//! a start with the package's cookie and a restart.

use std::path::Path;

use charms_reactive::prelude::*;
use charms_reactive::secrets::{NewSecret, SecretContent, SecretId, SecretRead};
use layer_leadership::{leader_get, leader_set_one};

use crate::flags::COOKIE_SYNCED;
use crate::settings::COOKIE_SECRET;
use crate::workload::workload;
use crate::{ctl, random, COOKIE_PATH, SERVICE};

/// This unit's label for the cookie's secret.
pub const LABEL: &str = "rabbitmq-erlang-cookie";
/// The secret's content key.
pub const KEY: &str = "cookie";

/// Makes the node run with `cookie`: if the file differs, the service is stopped if it
/// runs (with another cookie: a machine's own policy-rc.d let the package start it) and
/// the file written; then, unless the node already runs with it, the service is started
/// and the node awaited. Sets `cookie.synced`.
pub fn sync(cookie: &str) -> anyhow::Result<()> {
    let path = Path::new(COOKIE_PATH);
    let state = workload().service_state(SERVICE);
    let written = workload().read(path)?.as_deref() == Some(cookie.as_bytes());
    // Written but not running: a hook wrote the file and failed before the node came up
    // (the package does not start it); this is its retry.
    let running = matches!(state.as_str(), "active" | "activating" | "reloading");
    if !written || !running {
        status::maintenance("Starting RabbitMQ with the application's Erlang cookie")?;
        // The node starts with the current rabbitmq.conf too: no second restart for it.
        crate::install::write_conf()?;
        if !written {
            if !matches!(state.as_str(), "inactive" | "failed") {
                workload().service("stop", SERVICE)?;
            }
            workload().write(path, cookie.as_bytes(), 0o400, Some("rabbitmq"))?;
        }
        workload().service("start", SERVICE)?;
        ctl::await_startup()?;
        crate::install::conf_applied()?;
        tracing::info!("rabbitmq: the node runs with the application's Erlang cookie");
    }
    set_flag(COOKIE_SYNCED);
    Ok(())
}

/// The leader, once: a new cookie, its node started with it, the secret created and
/// its id in the leader settings (last, as `leader-set` applies at once).
#[when_all("leadership.is_leader", "rabbitmq.installed")]
#[when_not("leadership.set.cookie-secret-id")]
fn generate() -> Result<()> {
    let cookie = random::cookie()?;
    sync(&cookie)?;
    let content = SecretContent::from([(KEY, cookie.as_str())]);
    let id = secrets::add(
        NewSecret::new(content)
            .label(LABEL)
            .description("RabbitMQ's Erlang cookie, shared by every node of the cluster"),
    )?;
    leader_set_one(COOKIE_SECRET, &id.to_string())?;
    tracing::info!("rabbitmq: Erlang cookie created in secret {id}");
    Ok(())
}

/// Every other unit (and a leader that did not make it): the cookie read from the secret
/// named in the leader settings.
#[when_all("rabbitmq.installed", "leadership.set.cookie-secret-id")]
#[when_not("cookie.synced")]
fn from_secret() -> Result<()> {
    let raw = leader_get(COOKIE_SECRET)?.unwrap_or_default();
    let id: SecretId = raw
        .parse()
        .map_err(|e| anyhow::anyhow!("leader setting {COOKIE_SECRET}: {e}"))?;
    let content = secrets::get(id, SecretRead::Tracked)?;
    let cookie = content
        .get(KEY)
        .ok_or_else(|| anyhow::anyhow!("the cookie's secret has no key {KEY:?}"))?;
    sync(cookie)
}
