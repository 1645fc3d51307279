//! What a handler file needs, in one import: `use charms_reactive::prelude::*;`.
//!
//! * the handler attributes: [`when`], [`when_all`], [`when_any`], [`when_not`],
//!   [`when_none`], [`when_not_all`], [`hook`], [`action`], [`only_once`],
//!   [`when_file_changed`], [`startup`], [`collect_metrics`], [`meter_status_changed`];
//! * the flag functions: [`set_flag`], [`clear_flag`], [`is_flag_set`],
//!   [`all_flags_set`], [`any_flags_set`], [`get_flags`], [`get_unset_flags`],
//!   [`get_flag_value`], [`set_flag_value`], and [`toggle_flag`] (charms.reactive's, the
//!   one positional boolean kept);
//! * triggers: [`register_trigger`], [`Trigger`];
//! * the modules [`status`], [`config`], [`leadership`] and [`secrets`], with
//!   [`WorkloadStatus`] and [`Scope`];
//! * relations: [`Endpoint`] and its [`Role`];
//! * [`data_changed`], [`is_data_changed`], [`unit_name`], [`charm_dir`];
//! * [`Result`], which is [`anyhow::Result`]: handlers return `Result<()>`.
//!
//! ```no_run
//! use charms_reactive::prelude::*;
//!
//! #[when("endpoint.db.changed")]
//! fn db_changed() -> Result<()> {
//!     if let Some(db) = Endpoint::from_name("db") {
//!         if db.received()?.get_raw("host").is_some() {
//!             set_flag("app.db-ready");
//!         } else {
//!             clear_flag("app.db-ready");
//!         }
//!         db.clear_changed();
//!     }
//!     Ok(())
//! }
//! ```

pub use crate::{
    action, collect_metrics, hook, meter_status_changed, only_once, startup, when, when_all,
    when_any, when_file_changed, when_none, when_not, when_not_all,
};
pub use crate::{
    all_flags_set, any_flags_set, clear_flag, get_flag_value, get_flags, get_unset_flags,
    is_flag_set, set_flag, set_flag_value, toggle_flag,
};
pub use crate::{charm_dir, data_changed, is_data_changed, unit_name};

pub use crate::endpoint::{Endpoint, Role};
pub use crate::status::WorkloadStatus;
pub use crate::triggers::{register_trigger, Trigger};
pub use crate::Scope;
pub use crate::{config, leadership, secrets, status};

pub use anyhow::Result;
