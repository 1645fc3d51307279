//! `layer:rabbitmq`: a RabbitMQ cluster from Debian's `rabbitmq-server` package, as the
//! classic rabbitmq-server charm runs it, written as flags:
//!
//! ```text
//! apt.installed.rabbitmq-server ─▶ rabbitmq.installed ─▶ cookie.synced ─┐
//!                                   (leader: cookie secret)             │
//! cluster peers' hostnames ─▶ cluster.peers.sufficient ─────────────────┤
//!                                                                       ▼
//!        leader: rabbitmq.clustered   others: coordinator lock `cluster` ─▶ rabbitmq.clustered
//!                                                                       │
//!                      amqp requests ─▶ users, vhosts, answers ◀────────┘
//! ```
//!
//! See `layers/rabbitmq/README.md` for every flag, the leader settings, the statuses and
//! where this layer differs from the classic charm. The modules: [`install`] (the
//! package, the service, `rabbitmq.conf` and its restarts), [`cookie`], [`cluster`]
//! (peers, joining, leaving, forgetting), [`amqp`] (the provider), [`health`] (statuses),
//! [`actions`] (what the charm's actions call), [`ctl`] (`rabbitmqctl`), [`random`]
//! and [`workload`] (the machine, replaceable in tests).

pub mod actions;
pub mod amqp;
pub mod cluster;
pub mod cookie;
pub mod ctl;
pub mod health;
pub mod install;
pub mod random;
pub mod workload;

// Flags these functions set for the handlers calling them (for `reactive graph`).
charms_reactive::declare_flags!(fn sync => "cookie.synced");
charms_reactive::declare_flags!(fn mark_clustered => "rabbitmq.clustered");
charms_reactive::declare_flags!(fn leave => "rabbitmq.left");
charms_reactive::declare_flags!(fn recount => "cluster.peers.sufficient");

/// The Debian package and its systemd unit.
pub const PACKAGE: &str = "rabbitmq-server";
/// The systemd unit of the node.
pub const SERVICE: &str = "rabbitmq-server";
/// The peer endpoint (interface `rabbitmq-cluster`).
pub const PEER: &str = "cluster";
/// The provider endpoint (interface `rabbitmq`).
pub const AMQP: &str = "amqp";
/// The coordinator lock a unit holds while it joins the cluster.
pub const CLUSTER_LOCK: &str = "cluster";

/// Where the node reads its Erlang cookie.
pub const COOKIE_PATH: &str = "/var/lib/rabbitmq/.erlang.cookie";
/// The node's configuration file (`rabbitmq.conf`, sysctl-like format).
pub const CONF_PATH: &str = "/etc/rabbitmq/rabbitmq.conf";

/// Flags this layer sets.
pub mod flags {
    /// The package is installed, the unit enabled and `rabbitmq.conf` written.
    pub const INSTALLED: &str = "rabbitmq.installed";
    /// The node runs with the application's Erlang cookie.
    pub const COOKIE_SYNCED: &str = "cookie.synced";
    /// `min-cluster-size` units (this one included) have published their hostnames.
    pub const PEERS_SUFFICIENT: &str = "cluster.peers.sufficient";
    /// This node is in the leader's cluster (the leader's own node by definition).
    pub const CLUSTERED: &str = "rabbitmq.clustered";
    /// This unit published its hostname on the peer relation.
    pub const HOSTNAME_PUBLISHED: &str = "rabbitmq.hostname.published";
    /// The leader setting `leader-hostname` names this unit (leader only).
    pub const LEADER_HOSTNAME_MINE: &str = "rabbitmq.leader-hostname.mine";
    /// This unit is leaving: its node left the cluster (reset).
    pub const LEFT: &str = "rabbitmq.left";
    /// A config value is invalid; the value is the operator's message.
    pub const CONFIG_INVALID: &str = "rabbitmq.config.invalid";
}

/// Keys of the leader settings this layer writes. Secret *ids* only: the cookie and the
/// passwords live in application-owned Juju secrets.
pub mod settings {
    /// The id of the secret holding the Erlang cookie (content key `cookie`).
    pub const COOKIE_SECRET: &str = "cookie-secret-id";
    /// The leader's host name: the node others join is `rabbit@<leader-hostname>`.
    pub const LEADER_HOSTNAME: &str = "leader-hostname";
    /// `amqp-user.<username>`: the id of the secret holding that user's password
    /// (content key `password`).
    pub const USER_SECRET_PREFIX: &str = "amqp-user.";
}
