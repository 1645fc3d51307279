//! The client side: request a user and vhost, read the credentials back.

use charms_reactive::prelude::*;

/// Credentials received from a RabbitMQ server unit.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Server address (`hostname`, else the unit's `private-address`).
    pub hostname: String,
    /// The password for the requested user.
    pub password: String,
    /// The user this unit requested.
    pub username: Option<String>,
    /// The vhost this unit requested.
    pub vhost: Option<String>,
    /// TLS port, when the server has TLS on.
    pub ssl_port: Option<String>,
    /// TLS CA certificate, when the server has TLS on.
    pub ssl_ca: Option<String>,
}

// The password is a secret: never print it.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("hostname", &self.hostname)
            .field("password", &"<redacted>")
            .field("username", &self.username)
            .field("vhost", &self.vhost)
            .field("ssl_port", &self.ssl_port)
            .finish_non_exhaustive()
    }
}

/// A requirer endpoint of the `rabbitmq` interface.
#[derive(Debug, Clone)]
pub struct AmqpRequires(Endpoint);

impl AmqpRequires {
    /// The endpoint called `name`, if it uses this interface as a requirer.
    pub fn from_name(name: &str) -> Option<AmqpRequires> {
        Endpoint::from_name(name)
            .filter(|e| e.interface() == "rabbitmq" && e.role() == Role::Requires)
            .map(AmqpRequires)
    }

    /// The endpoint of the running interface handler.
    fn current() -> Result<AmqpRequires> {
        Endpoint::current()
            .map(AmqpRequires)
            .ok_or_else(|| anyhow::anyhow!("no endpoint bound to this handler"))
    }

    /// The generic endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.0
    }

    /// Asks every related server for `username` on `vhost`.
    pub fn request_access(&self, username: &str, vhost: &str) -> Result<()> {
        for rel in self.0.relations()? {
            let bag = rel.to_publish_raw();
            bag.set("username", username)?;
            bag.set("vhost", vhost)?;
        }
        Ok(())
    }

    /// The credentials from the first server unit (by relation id, then unit name) that
    /// sent a password and an address.
    pub fn credentials(&self) -> Result<Option<Credentials>> {
        for rel in self.0.relations()? {
            let own = rel.to_publish_raw();
            for unit in rel.joined_units() {
                let data = unit.received_raw()?;
                let get = |k: &str| data.get(k).filter(|v| !v.is_empty()).cloned();
                if let (Some(password), Some(hostname)) = (
                    get("password"),
                    get("hostname").or_else(|| get("private-address")),
                ) {
                    return Ok(Some(Credentials {
                        hostname,
                        password,
                        username: own.get("username")?,
                        vhost: own.get("vhost")?,
                        ssl_port: get("ssl_port"),
                        ssl_ca: get("ssl_ca"),
                    }));
                }
            }
        }
        Ok(None)
    }
}

#[when("endpoint.{endpoint_name}.joined")]
fn joined() -> Result<()> {
    let ep = AmqpRequires::current()?;
    set_flag(&ep.0.expand_name("{endpoint_name}.connected"));
    Ok(())
}

#[when_not("endpoint.{endpoint_name}.joined")]
fn not_joined() -> Result<()> {
    let ep = AmqpRequires::current()?;
    clear_flag(&ep.0.expand_name("{endpoint_name}.connected"));
    clear_flag(&ep.0.expand_name("{endpoint_name}.available"));
    Ok(())
}

#[when("endpoint.{endpoint_name}.changed")]
fn changed() -> Result<()> {
    let ep = AmqpRequires::current()?;
    toggle_flag(
        &ep.0.expand_name("{endpoint_name}.available"),
        ep.credentials()?.is_some(),
    );
    ep.0.clear_changed();
    Ok(())
}
