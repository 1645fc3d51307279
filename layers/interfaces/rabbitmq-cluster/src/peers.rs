//! The peer endpoint: publish this unit's node, see the others'.

use charms_reactive::prelude::*;

/// Another unit of the application, as it describes itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// Unit name.
    pub unit: String,
    /// Its hostname, once published.
    pub hostname: Option<String>,
    /// Whether it says it has joined the cluster.
    pub clustered: bool,
}

/// A peer endpoint of the `rabbitmq-cluster` interface.
#[derive(Debug, Clone)]
pub struct ClusterPeers(Endpoint);

impl ClusterPeers {
    /// The endpoint called `name`, if it is this interface's peer endpoint.
    pub fn from_name(name: &str) -> Option<ClusterPeers> {
        Endpoint::from_name(name)
            .filter(|e| e.interface() == "rabbitmq-cluster" && e.role() == Role::Peers)
            .map(ClusterPeers)
    }

    fn current() -> Result<ClusterPeers> {
        Endpoint::current()
            .map(ClusterPeers)
            .ok_or_else(|| anyhow::anyhow!("no endpoint bound to this handler"))
    }

    /// The generic endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.0
    }

    /// Publishes this unit's hostname on every peer relation.
    pub fn publish_hostname(&self, hostname: &str) -> Result<()> {
        for rel in self.0.relations()? {
            rel.to_publish_raw().set("hostname", hostname)?;
        }
        Ok(())
    }

    /// Marks this unit as clustered (or not).
    pub fn set_clustered(&self, clustered: bool) -> Result<()> {
        let me = unit_name();
        for rel in self.0.relations()? {
            rel.to_publish_raw()
                .set("clustered", if clustered { &me } else { "" })?;
        }
        Ok(())
    }

    /// The other units, sorted by name.
    pub fn peers(&self) -> Result<Vec<Peer>> {
        let mut out = Vec::new();
        for unit in self.0.all_joined_units()? {
            let data = unit.received_raw()?;
            let get = |k: &str| data.get(k).filter(|v| !v.is_empty()).cloned();
            out.push(Peer {
                unit: unit.name().to_string(),
                hostname: get("hostname"),
                clustered: get("clustered").is_some(),
            });
        }
        Ok(out)
    }
}

#[when("endpoint.{endpoint_name}.joined")]
fn joined() -> Result<()> {
    let ep = ClusterPeers::current()?;
    set_flag(&ep.0.expand_name("{endpoint_name}.connected"));
    Ok(())
}

#[when_not("endpoint.{endpoint_name}.joined")]
fn not_joined() -> Result<()> {
    let ep = ClusterPeers::current()?;
    clear_flag(&ep.0.expand_name("{endpoint_name}.connected"));
    Ok(())
}

#[when("endpoint.{endpoint_name}.changed")]
fn changed() -> Result<()> {
    let ep = ClusterPeers::current()?;
    set_flag(&ep.0.expand_name("{endpoint_name}.peers-changed"));
    ep.0.clear_changed();
    Ok(())
}
