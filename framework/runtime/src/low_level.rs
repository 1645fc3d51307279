//! What charm code rarely needs: the hook tools behind the runtime, the unit state
//! database, the logging layer, JSON as Python writes it ([`pyjson`]), hook and metadata
//! parsing, and the dispatcher's limits.
//!
//! Handlers use [`crate::prelude`] instead; these items are for tools built on the
//! runtime, tests, and the odd charm that needs a hook tool the runtime has no wrapper
//! for:
//!
//! ```no_run
//! use charms_reactive::low_level::{backend::UnitTools, hook_tools};
//! # fn f() -> anyhow::Result<()> {
//! let address = hook_tools().unit_get("private-address")?;
//! # Ok(()) }
//! ```

pub mod backend;
pub mod describe;
pub mod logging;
pub mod pyjson;
pub mod status_policy;
pub mod unit_state;

pub use crate::dispatch::MAX_ITERATIONS;
pub use crate::entry::main_with_layers;
pub use crate::flags::FLAG_PREFIX;
pub use crate::hook::{HookInfo, UnknownHook};
pub use crate::hook_pattern::hook_matches;
pub use crate::kv::{Kv, KvChanges};
pub use crate::metadata::{CharmFileError, EndpointMeta, Metadata};

use crate::context;

/// The hook tools of the running hook (the real ones, or the harness's).
pub fn hook_tools() -> std::rc::Rc<dyn backend::Backend> {
    context::current().backend.clone()
}

/// The hook or action being dispatched.
pub fn current_hook() -> HookInfo {
    context::current().hook.clone()
}

/// The charm's metadata.
pub fn metadata() -> Metadata {
    context::current().metadata.clone()
}

/// Runs `f` on the running hook's unit state (the key-value store committed only when
/// the hook succeeds): for layers that keep their own records, under a prefix of their
/// own (e.g. `apt.`), beside flags and `data_changed` hashes.
///
/// ```no_run
/// use charms_reactive::low_level::with_unit_state;
/// # fn f() {
/// let queued: Vec<String> =
///     with_unit_state(|kv| kv.keys_with_prefix("apt.install_queue.").map(String::from).collect());
/// # }
/// ```
pub fn with_unit_state<R>(f: impl FnOnce(&mut Kv) -> R) -> R {
    let ctx = context::current();
    let mut kv = ctx.kv.borrow_mut();
    f(&mut kv)
}

/// Sets `flag` for the rest of the running hook only: it is removed at the end of the
/// hook, before the unit state is committed, without firing clear-triggers (as the
/// automatic `config.*` flags are). For layers that add automatic flags of their own,
/// from a `#[startup]` function (the base layer's `hook.<name>`).
pub fn set_flag_for_this_hook(flag: &str) {
    crate::auto_flags::set_for_this_hook(&context::current(), flag.to_string());
}

/// In a relation hook, the remote unit it is about (`JUJU_REMOTE_UNIT`); `None` elsewhere
/// and for `-created`, `-broken` and application-level `-changed`.
pub fn remote_unit() -> Option<String> {
    context::current().relation.as_ref()?.remote_unit.clone()
}

/// In a `-relation-departed` hook, the unit leaving (`JUJU_DEPARTING_UNIT`): this unit
/// itself when it is the one being removed.
pub fn departing_unit() -> Option<String> {
    context::current().relation.as_ref()?.departing_unit.clone()
}
