//! A reactive event-flag framework for Juju charms: Python's `charms.reactive`, in Rust.
//!
//! Charm authors write handlers gated on flags; on every hook the dispatcher runs the
//! handlers whose conditions hold, again and again, until no flag changes. State lives in
//! the unit's `.unit-state.db` (charmhelpers' format) and changes only when a whole hook
//! succeeds.
//!
//! A handler file starts with `use charms_reactive::prelude::*;` (see [`prelude`]):
//!
//! ```no_run
//! use charms_reactive::prelude::*;
//!
//! #[hook("install")]
//! fn install() -> Result<()> {
//!     status::maintenance("installing")?;
//!     // install packages…
//!     set_flag("hello.installed");
//!     Ok(())
//! }
//!
//! #[when("hello.installed", "config.changed.greeting")]
//! fn reconfigure() -> Result<()> {
//!     clear_flag("hello.configured");
//!     Ok(())
//! }
//!
//! #[when("hello.installed")]
//! #[when_not("hello.configured")]
//! fn configure() -> Result<()> {
//!     let greeting = config::string("greeting")?;
//!     status::active(&format!("{greeting}, world"))?;
//!     set_flag("hello.configured");
//!     Ok(())
//! }
//! ```
//!
//! A charm's handlers live in a library crate; `reactive build` generates the binary,
//! whose `main` is [`charm_main!`] naming every layer crate in layer order. A single-crate
//! charm built by hand can also call [`main`] from its own `fn main`.
//!
//! # Where things are
//!
//! * The crate root: the handler attributes ([`when`], [`hook`], …), the flag functions
//!   ([`set_flag`], [`clear_flag`], …), [`data_changed`], [`Scope`], [`unit_name`],
//!   [`charm_dir`], [`main`] and the macros [`charm_main!`], [`interface!`] and
//!   [`declare_flags!`] (flags a layer sets under computed names, for `reactive graph`
//!   and the flag lint); the
//!   hook tools' error [`ToolError`] and the string map [`Settings`].
//! * [`status`], [`config`], [`leadership`], [`endpoint`], [`triggers`], [`secrets`]:
//!   what handlers use.
//! * [`service`]: start and stop the workload's services.
//! * [`layer_options`]: the layer options of the built charm (`layer.yaml`).
//! * `testing` (feature `testing`): run hooks in-process against a described state.
//! * [`low_level`]: the hook tools themselves, the unit state, logging, hook and
//!   metadata parsing; for tools and tests more than for charms.
//! * [`guide`]: the charm author's guide, from an empty folder to deployed units.
//! * [`differences`]: what this framework does differently from charms.reactive.
//!
//! # Automatic flags
//!
//! The framework sets these for the duration of one hook (they are never stored):
//! `config.changed`, `config.changed.<option>`, `config.set.<option>` and
//! `config.default.<option>` when the configuration changed, is set, or is at its
//! default; and in the secret hooks `secret.changed.<label>`, `secret.rotate.<label>`,
//! `secret.expired.<label>` or `secret.remove.<label>` (see [`secrets`]; `<label>` is the
//! secret's unique id when this unit gave it no label). Endpoints set their own flags
//! ([`endpoint`]); layers may add hook-lifetime flags of their own
//! ([`low_level::set_flag_for_this_hook`]; the base layer's `hook.<name>`).
//!
//! # Errors
//!
//! Handlers return [`anyhow::Result`] (the prelude's `Result`): the error chain of a
//! failed hook is printed on stderr and sent to `juju-log`. Below that boundary each
//! module has its own error type ([`ToolError`],
//! [`config::ConfigError`], …), each keeping its cause as its `source`.
//!
//! # Dispatch
//!
//! Kept from charms.reactive: `#[hook]` handlers (and bare `#[only_once]` /
//! `#[when_file_changed]` handlers) run first, then the flag loop. A flag set during an
//! iteration takes effect in the next one; clearing a flag re-tests the rest of the
//! current queue; after the first iteration a handler is re-tested only when one of its
//! own flags transitioned; triggers run synchronously and cascade; `collect-metrics` and
//! `meter-status-changed` run in restricted mode (one pass of `#[collect_metrics]` /
//! `#[meter_status_changed]` handlers, no startup, no automatic flags).

#![warn(missing_docs)]

extern crate self as charms_reactive;

mod auto_flags;
pub mod config;
mod context;
mod dispatch;
pub mod endpoint;
mod entry;
mod flags;
mod handler;
mod helpers;
mod hook;
mod hook_pattern;
mod kv;
pub mod layer_options;
pub mod leadership;
pub mod low_level;
mod metadata;
pub mod prelude;
mod run;
mod scope;
pub mod secrets;
pub mod service;
pub mod status;
pub mod triggers;

#[cfg(feature = "testing")]
pub mod testing;

// Inside the crate the low-level modules keep their short paths (`crate::backend`).
use low_level::{backend, logging, pyjson, unit_state};

#[doc = include_str!("../../../docs/differences.md")]
pub mod differences {}

#[doc = include_str!("../../../docs/guide.md")]
pub mod guide {}

pub use charms_reactive_macros::{
    action, collect_metrics, hook, meter_status_changed, only_once, startup, when, when_all,
    when_any, when_file_changed, when_none, when_not, when_not_all,
};

pub use entry::main;
pub use flags::{
    all_flags_set, any_flags_set, clear_flag, get_flag_value, get_flags, get_unset_flags,
    is_flag_set, set_flag, set_flag_value, toggle_flag,
};
pub use helpers::{data_changed, is_data_changed};
pub use scope::Scope;

/// A map of strings: relation data and leader settings.
pub use low_level::backend::Settings;
/// The error of every hook-tool call (status, config, leadership, relation data), so
/// handlers and helpers can name it without reaching into [`low_level`].
pub use low_level::backend::ToolError;

/// This unit's name, `app/N` (`JUJU_UNIT_NAME`).
pub fn unit_name() -> String {
    context::current().unit_name.clone()
}

/// The charm directory of the running hook.
pub fn charm_dir() -> std::path::PathBuf {
    context::current().charm_dir.clone()
}

#[doc(hidden)]
pub mod __private {
    pub use crate::handler::{
        BodyDef, CallDef, Condition, FlagArgOther, FlagArgStr, FlagDecl, HandlerDef, InterfaceDef,
        NameThunk, Probe, StartupDef, TriggerDef, FLAG_DECLS, HANDLERS, INTERFACES, STARTUP,
    };
    pub use anyhow;
    pub use linkme;
}
