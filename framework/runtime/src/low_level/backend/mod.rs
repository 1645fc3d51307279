//! The hook environment behind one trait, [`Backend`].
//!
//! Each hook-tool family has its own trait and module (config, relation, leader, status,
//! log, unit, ports, action, state, secret); [`Backend`] is all of them. [`JujuTools`] runs the
//! real Juju hook tools as subprocesses; the `testing` feature provides an in-memory
//! implementation so everything above this trait runs in unit tests.

mod action;
mod config;
mod error;
mod exec;
mod leader;
mod log;
mod ports;
mod relation;
mod secret;
mod state;
mod status;
mod unit;

#[cfg(feature = "testing")]
pub(crate) use action::check_action_key;
pub use action::ActionTools;
pub use config::ConfigTools;
pub use error::ToolError;
pub use exec::JujuTools;
#[cfg(feature = "testing")]
pub(crate) use leader::check_leader_settings;
pub use leader::LeaderTools;
pub use log::{LogLevel, LogTools};
pub use ports::{ParsePortError, Port, PortTools, Protocol};
pub use relation::RelationTools;
#[cfg(feature = "testing")]
pub(crate) use secret::{
    add_args, get_args, grant_args, info_args, remove_args, set_args, ContentArgs,
};
pub use secret::{
    Expire, NewSecret, ParseRotatePolicyError, ParseSecretIdError, Revisions, RotatePolicy,
    SecretContent, SecretId, SecretInfo, SecretRead, SecretRef, SecretTools, SecretUpdate,
};
pub use state::StateTools;
pub use status::{StatusInfo, StatusTools, WorkloadStatus};
pub use unit::UnitTools;

/// A string-to-string settings map (relation databags, leader settings, unit state);
/// Juju's merge rule for it is [`charms_reactive_juju::settings::merge`].
pub use charms_reactive_juju::settings::Settings;

/// Every hook tool the framework uses.
pub trait Backend:
    ConfigTools
    + RelationTools
    + LeaderTools
    + StatusTools
    + LogTools
    + UnitTools
    + PortTools
    + ActionTools
    + StateTools
    + SecretTools
{
}

impl<T> Backend for T where
    T: ConfigTools
        + RelationTools
        + LeaderTools
        + StatusTools
        + LogTools
        + UnitTools
        + PortTools
        + ActionTools
        + StateTools
        + SecretTools
{
}
