//! The charm's configuration (`config.yaml` options, as `juju config` set them).
//!
//! ```no_run
//! use charms_reactive::prelude::*;
//!
//! #[when("app.installed", "config.changed.port")]
//! fn report_port() -> Result<()> {
//!     let port: u16 = config::get("port")?;
//!     match config::get::<Option<String>>("tls-cert")? {
//!         Some(_) => status::active(&format!("serving on {port}"))?,
//!         None => status::blocked("set tls-cert to serve")?,
//!     }
//!     Ok(())
//! }
//! ```
//!
//! A read fails with a [`ConfigError`] naming the option: unknown to `config.yaml`,
//! unset with no default (ask for `Option<T>` to allow that), or not of the type asked.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::backend::ToolError;
use crate::context::current;

/// A config option that could not be read as asked.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `config-get` failed.
    #[error("cannot read the charm's config")]
    Tool(#[from] ToolError),
    /// No such option in `config.yaml`.
    #[error("config option {key:?} is not in config.yaml")]
    Unknown {
        /// The option asked for.
        key: String,
    },
    /// The option has no value and no default (ask for an `Option<T>` to allow that).
    #[error("config option {key:?} is not set and has no default")]
    Unset {
        /// The option asked for.
        key: String,
    },
    /// The option's value is not of the type asked for.
    #[error("config option {key:?} is not a valid {expected}")]
    Type {
        /// The option asked for.
        key: String,
        /// The Rust type asked for.
        expected: &'static str,
        /// The decoder's error.
        source: serde_json::Error,
    },
}

/// Every option with its value (the default where unset; `null` for an option with
/// neither), as `config-get --all` prints them.
pub fn all() -> Result<Map<String, Value>, ToolError> {
    current().backend.config_get()
}

/// The value of option `key` as a `T`: `u16`, `bool`, `String`, a `serde` struct, or
/// `Option<T>` for an option that may have no value.
pub fn get<T: DeserializeOwned>(key: &str) -> Result<T, ConfigError> {
    let value = all()?
        .remove(key)
        .ok_or_else(|| ConfigError::Unknown { key: key.into() })?;
    let null = value.is_null();
    serde_json::from_value(value).map_err(|source| {
        if null {
            ConfigError::Unset { key: key.into() }
        } else {
            ConfigError::Type {
                key: key.into(),
                expected: std::any::type_name::<T>(),
                source,
            }
        }
    })
}

/// The value of string option `key`.
pub fn string(key: &str) -> Result<String, ConfigError> {
    get(key)
}
