//! The AMQP provider (endpoint `amqp`, interface `rabbitmq`): the leader creates each
//! requested user and vhost with a random password, kept in an application-owned secret
//! (its id in the leader settings, `amqp-user.<username>`) so that every unit answers the
//! same; it grants the user every permission on the vhost. Every clustered unit answers
//! on its relations with its own hostname and that password (`hostname`, `password`: the
//! keys existing clients read).

use charms_reactive::prelude::*;
use charms_reactive::secrets::{NewSecret, SecretContent, SecretId, SecretRead};
use interface_amqp::{Access, AccessRequest, AmqpProvides};
use layer_leadership::{leader_get, leader_set_one};
use serde_json::Value;

use crate::settings::USER_SECRET_PREFIX;
use crate::workload::workload;
use crate::{ctl, random, AMQP};

/// The secret's content key.
pub const KEY: &str = "password";

/// A user or vhost name rabbitmqctl takes as one argument and not as an option.
fn check_name(what: &str, name: &str) -> anyhow::Result<()> {
    let ok = !name.is_empty()
        && !name.starts_with('-')
        && name.len() <= 255
        && name.chars().all(|c| !c.is_control());
    anyhow::ensure!(ok, "amqp request: {what} {name:?} is not usable");
    Ok(())
}

/// The password's secret id from the leader settings, if the leader made it.
fn secret_id(username: &str) -> anyhow::Result<Option<SecretId>> {
    let Some(raw) = leader_get(&format!("{USER_SECRET_PREFIX}{username}"))? else {
        return Ok(None);
    };
    Ok(Some(raw.parse().map_err(|e| {
        anyhow::anyhow!("leader setting {USER_SECRET_PREFIX}{username}: {e}")
    })?))
}

/// The user's password, read from its secret.
fn password_of(id: SecretId) -> anyhow::Result<String> {
    let content = secrets::get(id, SecretRead::Tracked)?;
    content
        .get(KEY)
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("a user's secret has no key {KEY:?}"))
}

/// Names in a `rabbitmqctl list_… --formatter json` answer.
fn names(json: &str) -> Vec<String> {
    serde_json::from_str::<Value>(json.trim())
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e.get("name").and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// The leader: the user's password (made and kept in a new secret the first time), the
/// user and the vhost in RabbitMQ, every permission granted. The password reaches
/// `rabbitmqctl` on its standard input only.
pub fn provision(request: &AccessRequest) -> anyhow::Result<String> {
    check_name("username", &request.username)?;
    check_name("vhost", &request.vhost)?;
    let user = request.username.as_str();
    let password = match secret_id(user)? {
        Some(id) => password_of(id)?,
        None => {
            let password = random::password()?;
            let content = SecretContent::from([(KEY, password.as_str())]);
            let id = secrets::add(
                NewSecret::new(content)
                    .label(format!("amqp-user-{user}"))
                    .description(format!("Password of the AMQP user {user:?}")),
            )?;
            leader_set_one(&format!("{USER_SECRET_PREFIX}{user}"), &id.to_string())?;
            password
        }
    };
    let users = names(&ctl::ctl(&["list_users", "--formatter", "json"], None)?);
    if users.iter().any(|u| u == user) {
        ctl::ctl(&["change_password", user], Some(&password))?;
    } else {
        ctl::ctl(&["add_user", user], Some(&password))?;
    }
    let vhosts = names(&ctl::ctl(&["list_vhosts", "--formatter", "json"], None)?);
    if !vhosts.contains(&request.vhost) {
        ctl::ctl(&["add_vhost", &request.vhost], None)?;
    }
    ctl::ctl(
        &[
            "set_permissions",
            "-p",
            &request.vhost,
            user,
            ".*",
            ".*",
            ".*",
        ],
        None,
    )?;
    tracing::info!(
        "rabbitmq: user {user:?} may use vhost {:?} (for {})",
        request.vhost,
        request.application.as_deref().unwrap_or("?")
    );
    Ok(password)
}

fn access(password: String) -> anyhow::Result<Access> {
    Ok(Access {
        hostname: workload().hostname()?,
        password,
        ssl_port: None,
        ssl_ca: None,
    })
}

/// The leader answers new requests once its node is clustered.
#[when_all("leadership.is_leader", "rabbitmq.clustered", "amqp.requested")]
fn leader_answers() -> Result<()> {
    let Some(ep) = AmqpProvides::from_name(AMQP) else {
        return Ok(());
    };
    for request in ep.pending_requests()? {
        let password = provision(&request)?;
        ep.grant(&request, &access(password)?)?;
    }
    Ok(())
}

/// Another unit answers, once clustered, with the password the leader made.
#[when_all("rabbitmq.clustered", "amqp.requested")]
#[when_not("leadership.is_leader")]
fn follower_answers() -> Result<()> {
    let Some(ep) = AmqpProvides::from_name(AMQP) else {
        return Ok(());
    };
    for request in ep.pending_requests()? {
        if let Some(id) = secret_id(&request.username)? {
            ep.grant(&request, &access(password_of(id)?)?)?;
        }
    }
    Ok(())
}
