//! Facts about Juju that every crate of charms-reactive relies on, written once.
//!
//! - [`names`]: application, unit, endpoint and action name rules;
//! - [`hooks`]: the hooks every charm gets and the shape of relation and storage hooks;
//! - [`env`](mod@env): the environment variables Juju sets for a hook or action (and the one the local model adds);
//! - [`settings`]: the string map relation data and leader settings are made of, and
//!   Juju's merge rule for it;
//! - [`endpoint`]: the `{endpoint_name}` placeholder of interface layers and endpoint roles;
//! - [`ports`]: port ranges as `open-port` takes them;
//! - [`secrets`]: secret URIs and xids, rotate policies, secret times.
//!
//! The crate has no dependencies: the proc-macro crate, the runtime linked into every
//! charm binary, the composer and the local model all use it.
//!
//! ```
//! use charms_reactive_juju::{hooks, names};
//!
//! assert!(names::is_application_name("rabbitmq-server"));
//! assert_eq!(
//!     hooks::RelationHook::parse("amqp-relation-joined").map(|h| h.endpoint),
//!     Some("amqp")
//! );
//! ```

pub mod endpoint;
pub mod env;
pub mod hooks;
pub mod names;
pub mod ports;
pub mod secrets;
pub mod settings;
