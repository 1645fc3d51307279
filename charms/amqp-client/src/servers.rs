//! What the `amqp` relation tells about the RabbitMQ cluster: the server units joined,
//! the addresses of those that answered with credentials, and the user and vhost this
//! unit asked for.

use charms_reactive::prelude::*;

use crate::round_trip::{Target, AMQP_PORT};

/// The cluster as the relation shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Cluster {
    /// Server units joined on the relation: the cluster's size as the provider side
    /// tells it.
    pub units: usize,
    /// Where to connect: one target per server unit that sent a password and an
    /// address, in unit order.
    pub targets: Vec<Target>,
}

// The targets carry the password: Debug shows only what Target's Debug shows.
impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("units", &self.units)
            .field("targets", &self.targets)
            .finish()
    }
}

/// The user and vhost this unit asks for: the config values, else the application's
/// name.
pub fn requested_access() -> Result<(String, String)> {
    let app = unit_name()
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let or_app = |v: String| if v.trim().is_empty() { app.clone() } else { v };
    Ok((
        or_app(config::string("username")?),
        or_app(config::string("vhost")?),
    ))
}

/// Reads the relation named `endpoint`: every joined server unit, and a target for each
/// one that sent credentials (`hostname`, else `private-address`, and `password`).
pub fn read(endpoint: &Endpoint) -> Result<Cluster> {
    let (username, vhost) = requested_access()?;
    let mut cluster = Cluster {
        units: 0,
        targets: Vec::new(),
    };
    for unit in endpoint.all_joined_units()? {
        cluster.units += 1;
        let data = unit.received_raw()?;
        let get = |k: &str| data.get(k).filter(|v| !v.is_empty()).cloned();
        if let (Some(password), Some(host)) = (
            get("password"),
            get("hostname").or_else(|| get("private-address")),
        ) {
            cluster.targets.push(Target {
                host,
                port: AMQP_PORT,
                username: username.clone(),
                password,
                vhost: vhost.clone(),
            });
        }
    }
    Ok(cluster)
}
