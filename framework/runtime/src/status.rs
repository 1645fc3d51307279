//! The workload status `juju status` shows for this unit or its application.
//!
//! Every status goes through [`set`], so a layer that wants to rank statuses (e.g. keep
//! a `blocked` from being overwritten by a later `active`) has one place to do it: it
//! installs a [`StatusPolicy`](crate::low_level::status_policy::StatusPolicy) for the
//! hook, which receives every request with the layer that made it. Without one (a
//! charm without the base layer) a status is set at once. With the base layer
//! (`layer:base`), `maintenance` is set at once and the others are decided at the end
//! of the hook: `blocked` over `waiting` over `active`, ties to the higher layer, then to
//! the latest call.
//!
//! ```no_run
//! use charms_reactive::prelude::*;
//!
//! #[when("app.configured")]
//! fn ready() -> Result<()> {
//!     status::active("ready")?;
//!     if leadership::is_leader()? {
//!         status::set(Scope::App, WorkloadStatus::Active, "serving")?;
//!     }
//!     Ok(())
//! }
//! ```

use crate::backend::ToolError;
use crate::context::current;
use crate::low_level::status_policy::{calling_layer_in, StatusRequest};
use crate::Scope;

pub use crate::backend::{StatusInfo, WorkloadStatus};

/// Sets the status of this unit ([`Scope::Unit`]) or of its application ([`Scope::App`],
/// leader only). Juju applies it at once, even if the hook fails later; a status policy
/// installed by a layer (the base layer's) may instead keep it until the hook ends.
pub fn set(scope: Scope, status: WorkloadStatus, message: &str) -> Result<(), ToolError> {
    let ctx = current();
    let policy = ctx.status_policy.borrow().clone();
    match policy {
        Some(policy) => {
            let (layer, rank) = calling_layer_in(&ctx);
            policy.request(StatusRequest {
                scope,
                status,
                message: message.to_string(),
                layer,
                rank,
            })
        }
        None => ctx.backend.status_set(scope, status, message),
    }
}

/// Reads the status of this unit or of its application (leader only).
pub fn get(scope: Scope) -> Result<StatusInfo, ToolError> {
    current().backend.status_get(scope)
}

/// This unit is working: `active`.
pub fn active(message: &str) -> Result<(), ToolError> {
    set(Scope::Unit, WorkloadStatus::Active, message)
}

/// This unit needs the operator (a missing relation or a bad option): `blocked`.
pub fn blocked(message: &str) -> Result<(), ToolError> {
    set(Scope::Unit, WorkloadStatus::Blocked, message)
}

/// This unit is busy with itself (installing, upgrading): `maintenance`.
pub fn maintenance(message: &str) -> Result<(), ToolError> {
    set(Scope::Unit, WorkloadStatus::Maintenance, message)
}

/// This unit waits on something outside it that will come by itself: `waiting`.
pub fn waiting(message: &str) -> Result<(), ToolError> {
    set(Scope::Unit, WorkloadStatus::Waiting, message)
}

/// Sets the workload version `juju status` shows for the application
/// (`application-version-set`). Juju applies it at once.
pub fn workload_version(version: &str) -> Result<(), ToolError> {
    current().backend.application_version_set(version)
}
