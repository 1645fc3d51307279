//! The server side: read access requests, answer them with credentials.

use charms_reactive::prelude::*;

/// A client application's request for a user on a vhost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRequest {
    /// The relation it came on.
    pub relation_id: String,
    /// The client application.
    pub application: Option<String>,
    /// Requested user.
    pub username: String,
    /// Requested vhost.
    pub vhost: String,
}

/// What a server grants.
#[derive(Clone, PartialEq, Eq)]
pub struct Access {
    /// Address clients connect to.
    pub hostname: String,
    /// Password of the requested user.
    pub password: String,
    /// TLS port, when TLS is on.
    pub ssl_port: Option<u16>,
    /// TLS CA certificate, when TLS is on.
    pub ssl_ca: Option<String>,
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access")
            .field("hostname", &self.hostname)
            .field("password", &"<redacted>")
            .field("ssl_port", &self.ssl_port)
            .finish_non_exhaustive()
    }
}

/// A provider endpoint of the `rabbitmq` interface.
#[derive(Debug, Clone)]
pub struct AmqpProvides(Endpoint);

impl AmqpProvides {
    /// The endpoint called `name`, if it provides this interface.
    pub fn from_name(name: &str) -> Option<AmqpProvides> {
        Endpoint::from_name(name)
            .filter(|e| e.interface() == "rabbitmq" && e.role() == Role::Provides)
            .map(AmqpProvides)
    }

    fn current() -> Result<AmqpProvides> {
        Endpoint::current()
            .map(AmqpProvides)
            .ok_or_else(|| anyhow::anyhow!("no endpoint bound to this handler"))
    }

    /// The generic endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.0
    }

    /// One request per relation: the first unit (by name) that sent `username` and
    /// `vhost` (all units of a client application ask for the same).
    pub fn requests(&self) -> Result<Vec<AccessRequest>> {
        Ok(self.survey()?.into_iter().map(|(req, _)| req).collect())
    }

    /// Requests not answered yet (no password published on their relation).
    pub fn pending_requests(&self) -> Result<Vec<AccessRequest>> {
        Ok(self
            .survey()?
            .into_iter()
            .filter(|(_, answered)| !answered)
            .map(|(req, _)| req)
            .collect())
    }

    /// Every request with whether it is answered, in one pass over the relations.
    fn survey(&self) -> Result<Vec<(AccessRequest, bool)>> {
        let mut out = Vec::new();
        for rel in self.0.relations()? {
            for unit in rel.joined_units() {
                let data = unit.received_raw()?;
                let get = |k: &str| data.get(k).filter(|v| !v.is_empty()).cloned();
                if let (Some(username), Some(vhost)) = (get("username"), get("vhost")) {
                    let answered = rel.to_publish_raw().get("password")?.is_some();
                    let req = AccessRequest {
                        relation_id: rel.id().to_string(),
                        application: rel.application_name().map(String::from),
                        username,
                        vhost,
                    };
                    out.push((req, answered));
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Answers a request on its relation, and updates this endpoint's flags.
    pub fn grant(&self, request: &AccessRequest, access: &Access) -> Result<()> {
        let rel = self
            .0
            .relations()?
            .into_iter()
            .find(|r| r.id() == request.relation_id)
            .ok_or_else(|| anyhow::anyhow!("relation {} is gone", request.relation_id))?;
        let bag = rel.to_publish_raw();
        bag.set("hostname", &access.hostname)?;
        bag.set("password", &access.password)?;
        bag.set(
            "ssl_port",
            &access.ssl_port.map(|p| p.to_string()).unwrap_or_default(),
        )?;
        bag.set("ssl_ca", access.ssl_ca.as_deref().unwrap_or_default())?;
        self.update_flags()
    }

    fn update_flags(&self) -> Result<()> {
        let survey = self.survey()?;
        let pending = survey.iter().any(|(_, answered)| !answered);
        toggle_flag(&self.0.expand_name("{endpoint_name}.requested"), pending);
        toggle_flag(
            &self.0.expand_name("{endpoint_name}.available"),
            !survey.is_empty() && !pending,
        );
        Ok(())
    }
}

#[when("endpoint.{endpoint_name}.joined")]
fn joined() -> Result<()> {
    let ep = AmqpProvides::current()?;
    set_flag(&ep.0.expand_name("{endpoint_name}.connected"));
    Ok(())
}

#[when_not("endpoint.{endpoint_name}.joined")]
fn not_joined() -> Result<()> {
    let ep = AmqpProvides::current()?;
    for f in ["connected", "requested", "available"] {
        clear_flag(&ep.0.expand_name(&format!("{{endpoint_name}}.{f}")));
    }
    Ok(())
}

#[when("endpoint.{endpoint_name}.changed")]
fn changed() -> Result<()> {
    let ep = AmqpProvides::current()?;
    ep.update_flags()?;
    ep.0.clear_changed();
    Ok(())
}
