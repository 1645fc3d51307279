//! Interface layer for the `rabbitmq-cluster` peer relation.
//!
//! Each unit publishes its `hostname` (the node is `rabbit@<hostname>`) and, once it has
//! joined the cluster, `clustered` (its own unit name, as the classic rabbitmq-server
//! charm writes it). Values are plain strings.
//!
//! Flags, per peer endpoint `<ep>`: `<ep>.connected` (another unit is joined) and
//! `<ep>.peers-changed` (a peer's data changed; the charm clears it when handled).

charms_reactive::interface!("rabbitmq-cluster");
charms_reactive::declare_flags!("{endpoint_name}.connected", "{endpoint_name}.peers-changed");

pub mod peers;

pub use peers::{ClusterPeers, Peer};
