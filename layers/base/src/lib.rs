//! `layer:base`, the layer every charm includes: what charm-tools users got from
//! layer-basic and layer:status, for charms built with `reactive build`.
//!
//! * **The hook entry.** `reactive build` writes the charm's `dispatch` binary, whose
//!   `main` is [`charms_reactive::charm_main!`] naming every layer crate in layer order;
//!   Juju runs it for every hook and action.
//! * **Automatic flags**, for the duration of one hook: `hook.<name>` (set by this layer,
//!   see [`HOOK_FLAG_PREFIX`]), and the runtime's `config.changed`,
//!   `config.changed.<opt>`, `config.set.<opt>`, `config.default.<opt>`; and
//!   `upgrade.series.in-progress` from `pre-series-upgrade` to `post-series-upgrade`.
//! * **Layer options** of any layer, checked at build time against the layer's
//!   `defines` and read at run time: [`options`].
//! * **Status with layer:status's rules** ([`status`]): every `status::*` call of every
//!   layer goes through them.
//! * **Service control** for a named systemd unit ([`service`]).
//! * **`exec.d/*/charm-pre-install`** run once, before the first handler of the charm's
//!   first hook ([`exec_d`]).
//!
//! The README (`layers/base/README.md`) lists every flag, option and function, and
//! where this layer differs from layer-basic and layer:status.

use charms_reactive::low_level::{current_hook, set_flag_for_this_hook, status_policy};
use charms_reactive::prelude::*;

pub mod exec_d;
pub mod service;
pub mod status;

charms_reactive::declare_flags!("hook.{hook}");

/// Layer options of any layer, from the built `layer.yaml`: `options::get::<T>(layer,
/// option)` (the runtime's [`charms_reactive::layer_options`]).
pub use charms_reactive::layer_options as options;

/// `hook.<name>` (e.g. `hook.upgrade-charm`, `hook.db-relation-changed`) is set for the
/// duration of hook `<name>`, so a handler can wait for a hook and for flags at once:
/// `#[when("hook.upgrade-charm", "app.installed")]`. Not set in actions nor in the
/// restricted hooks (`collect-metrics`, `meter-status-changed`).
pub const HOOK_FLAG_PREFIX: &str = "hook.";

/// This layer's name in `layer.yaml` options.
pub const LAYER: &str = "base";

/// Runs first in every (non-restricted) hook, before every other layer's startup
/// functions and any handler: the hook flag, the status policy, exec.d.
#[startup]
fn base_start() -> Result<()> {
    let hook = current_hook();
    if let Some(name) = hook.hook_name() {
        set_flag_for_this_hook(&format!("{HOOK_FLAG_PREFIX}{name}"));
    }
    // A charm without a built layer.yaml (a harness test) gets the default; a damaged
    // one fails the hook instead of silently changing how statuses are set.
    let ranked = match options::get::<bool>(LAYER, "ranked_status") {
        Ok(ranked) => ranked,
        Err(
            options::LayerOptionError::NoLayer { .. } | options::LayerOptionError::Unset { .. },
        ) => true,
        Err(e) => return Err(e.into()),
    };
    if ranked {
        status_policy::install(std::rc::Rc::new(status::Ranked::default()));
    }
    exec_d::run_pending(hook.hook_name())?;
    Ok(())
}
