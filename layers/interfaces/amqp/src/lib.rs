//! Interface layer for the `rabbitmq` relation (AMQP access to RabbitMQ).
//!
//! The wire format is the one the Juju ecosystem's rabbitmq-server and its clients use,
//! so a Python client charm can relate to a charm built with this layer and back:
//! the requirer's unit sends `username` and `vhost`; the provider's unit answers
//! `hostname` and `password`, plus `ssl_port` and `ssl_ca` when TLS is on (absent when
//! off). All values are plain strings, not JSON.
//!
//! Flags, per endpoint `<ep>` using this interface:
//! * requirer: `<ep>.connected` (a server unit is joined), `<ep>.available` (credentials
//!   received);
//! * provider: `<ep>.connected`, `<ep>.requested` (a client asked and is not answered
//!   yet), `<ep>.available` (every request is answered).

charms_reactive::interface!("rabbitmq");
charms_reactive::declare_flags!(
    "{endpoint_name}.connected",
    "{endpoint_name}.requested",
    "{endpoint_name}.available"
);

pub mod provides;
pub mod requires;

pub use provides::{Access, AccessRequest, AmqpProvides};
pub use requires::{AmqpRequires, Credentials};
