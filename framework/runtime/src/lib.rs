//! A reactive event-flag framework for Juju charms: Python's `charms.reactive`, in Rust.
//!
//! Charm authors write handlers gated on flags; on every hook the dispatcher runs the
//! handlers whose conditions hold, again and again, until no flag changes. State lives in
//! the unit's `.unit-state.db` (charmhelpers' format) and changes only when a whole hook
//! succeeds.
//!
//! ```no_run
//! use charms_reactive::{clear_flag, set_flag, when, when_not, hook};
//!
//! #[hook("install")]
//! fn install() -> anyhow::Result<()> {
//!     // install packages…
//!     set_flag("hello.installed");
//!     Ok(())
//! }
//!
//! #[when("hello.installed", "config.changed.greeting")]
//! fn reconfigure() -> anyhow::Result<()> {
//!     clear_flag("hello.configured");
//!     Ok(())
//! }
//!
//! #[when("hello.installed")]
//! #[when_not("hello.configured")]
//! fn configure() -> anyhow::Result<()> {
//!     set_flag("hello.configured");
//!     Ok(())
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     charms_reactive::main()
//! }
//! ```
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
//!
//! # Differences from charms.reactive, on purpose
//!
//! * **Deterministic order.** Handlers run in layer order (from the build, see
//!   [`charm_main!`]), then source order (file, line) within a layer. charms.reactive uses
//!   import order, which follows the file system's directory order.
//! * **The iteration cap fails the hook.** After [`MAX_ITERATIONS`] iterations that still
//!   queue handlers, the hook fails with an error naming the handlers that kept running
//!   and the flags that kept changing. charms.reactive stops silently and commits.
//! * **Predicates have no side effects.** `#[when_file_changed]` compares hashes without
//!   storing them; the hash (per handler, key `reactive.files_changed.<handler id>:<path>`)
//!   and the `#[only_once]` mark (`reactive.invoked.<handler id>`) are recorded only after
//!   the handler succeeded. This fixes three charms.reactive bugs: file changes eaten by the
//!   tracer (F1) or by a re-test (F2), and decorator order mattering (F3). Several handlers
//!   can watch one file.
//! * **Clearing an unset flag is a no-op.** charms.reactive re-tests the queue even then.
//! * **A handler with no flag conditions** (`#[when()]`) runs in the first iteration only;
//!   charms.reactive runs it in every iteration, 100 times.
//! * **Restricted hooks run only restricted handlers.** charms.reactive also runs bare
//!   `@only_once` and `@when_file_changed` handlers there (F4).
//! * **`#[hook]` stacked with `#[when*]` is a compile error.** Such a handler could never run.
//! * **Actions** dispatch (`#[action("name")]`); charms.reactive never had them. Action
//!   handlers run first (they may also have flag conditions); then the hook handlers and
//!   the flag loop run as in any hook. An action for which no handler could run is marked
//!   failed with `action-fail` and a message saying why.
//! * **Handler ids** are `<crate>::<module path>::<fn>`, not `<path>:<line>:<fn>`, so
//!   `#[only_once]` marks survive moving code around. They do not carry over from Python.
//! * **Triggers** are registered in code (in `#[startup]` functions, the equivalent of
//!   module-level `register_trigger` calls), not stored in the unit state. Startup
//!   functions run in layer order before any automatic flag is set, so every trigger
//!   sees the automatic flags; a flag that a startup function itself sets fires only the
//!   triggers registered before it (in Python all triggers exist before any startup
//!   code runs). Register triggers first and set flags in handlers.
//! * **Restricted hooks** (`collect-metrics`, `meter-status-changed`) run no startup
//!   function, so no trigger exists there, and relation data written there fails the
//!   hook instead of being silently dropped.
//! * **A cycle of triggers** fails the hook with the chain of flags (Python overflows its
//!   recursion limit).
//! * **Logs to `juju-log` are batched** per hook (see [`logging`]); stderr gets every
//!   line at once.
//! * **Automatic config flags** remember the previous configuration in the unit state
//!   (`charms_reactive.config.previous`, committed with the hook) rather than in
//!   `.juju-persistent-config`, which is read only once, when upgrading from a Python
//!   charm. They are removed at hook end without firing clear-triggers.
//! * **Dispatch bookkeeping** (`reactive.state_watch`, `reactive.dispatch.*`) is kept in
//!   memory, not in the database; a kill at any point leaves the database as it was.
//!   Note that `std::process::exit` in a handler also ends the hook without committing
//!   (charms.reactive commits on `SystemExit(0)`); return from the handler instead.

#![warn(missing_docs)]

extern crate self as charms_reactive;

mod auto_flags;
pub mod backend;
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
pub mod logging;
mod metadata;
mod pyjson;
mod run;
pub mod service;
mod triggers;
pub mod unit_state;

#[cfg(feature = "testing")]
pub mod testing;

pub use charms_reactive_macros::{
    action, collect_metrics, hook, meter_status_changed, only_once, startup, when, when_all,
    when_any, when_file_changed, when_none, when_not, when_not_all,
};

pub use backend::Backend;
pub use context::RelationContext;
pub use dispatch::MAX_ITERATIONS;
pub use entry::{main, main_with_layers};
pub use flags::{
    all_flags_set, any_flags_set, clear_flag, get_flag_value, get_flags, get_unset_flags,
    is_flag_set, set_flag, set_flag_value, toggle_flag, FLAG_PREFIX,
};
pub use helpers::{data_changed, is_data_changed};
pub use hook::HookInfo;
pub use hook_pattern::hook_matches;
pub use kv::Kv;
pub use metadata::{EndpointMeta, Metadata};
pub use triggers::{register_trigger, NoTriggerAction, Trigger};

/// The hook tools of the running hook (the real ones, or the harness's).
///
/// ```no_run
/// use charms_reactive::backend::{StatusTools, WorkloadStatus};
/// # fn f() -> anyhow::Result<()> {
/// charms_reactive::hook_tools().status_set(false, WorkloadStatus::Active, "ready")?;
/// # Ok(()) }
/// ```
pub fn hook_tools() -> std::rc::Rc<dyn Backend> {
    context::current().backend.clone()
}

/// The hook or action being dispatched.
pub fn current_hook() -> HookInfo {
    context::current().hook.clone()
}

/// This unit's name, `app/N` (`JUJU_UNIT_NAME`).
pub fn unit_name() -> String {
    context::current().unit_name.clone()
}

/// The charm directory of the running hook.
pub fn charm_dir() -> std::path::PathBuf {
    context::current().charm_dir.clone()
}

/// The charm's metadata.
pub fn metadata() -> Metadata {
    context::current().metadata.clone()
}

#[doc(hidden)]
pub mod __private {
    pub use crate::handler::{
        Condition, HandlerDef, InterfaceDef, StartupDef, HANDLERS, INTERFACES, STARTUP,
    };
    pub use anyhow;
    pub use linkme;
}
