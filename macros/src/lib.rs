//! Attribute macros (`#[when]`, `#[hook]`, …) for the `charms-reactive` runtime crate.
//!
//! Use them through the runtime crate (`use charms_reactive::prelude::*;`, or
//! `charms_reactive::when` and friends); the generated code refers to
//! `::charms_reactive`, so a charm never names this crate.
//!
//! Several attributes may be stacked on one handler; their conditions are ANDed. The
//! outermost attribute does all the work: it collects its siblings from the item, checks
//! them together (so conflicting combinations are compile errors with a span) and emits
//! one registration. A handler is a plain `fn name() -> anyhow::Result<()>`.
//!
//! ```ignore
//! use charms_reactive::prelude::*;
//!
//! #[when("apt.installed.rabbitmq-server")]
//! #[when_not("rabbitmq.configured")]
//! fn configure() -> Result<()> {
//!     set_flag("rabbitmq.configured");
//!     Ok(())
//! }
//! ```

mod conditions;
mod expand;
mod scan;
mod validate;

use proc_macro::TokenStream;

/// Runs the handler when all flags are set (alias of [`macro@when_all`]).
#[proc_macro_attribute]
pub fn when(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::handler("when", attr, item)
}

/// Runs the handler when all of the flags are set.
#[proc_macro_attribute]
pub fn when_all(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::handler("when_all", attr, item)
}

/// Runs the handler when at least one of the flags is set.
#[proc_macro_attribute]
pub fn when_any(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::handler("when_any", attr, item)
}

/// Runs the handler when none of the flags is set (alias of [`macro@when_none`]).
#[proc_macro_attribute]
pub fn when_not(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::handler("when_not", attr, item)
}

/// Runs the handler when none of the flags is set.
#[proc_macro_attribute]
pub fn when_none(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::handler("when_none", attr, item)
}

/// Runs the handler when at least one of the flags is not set.
#[proc_macro_attribute]
pub fn when_not_all(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::handler("when_not_all", attr, item)
}

/// Runs the handler in the hooks phase when the hook name matches one of the patterns.
/// Patterns support `{a,b}` alternation and `{requires:iface}` / `{provides:iface}` /
/// `{peers:iface}` expansion from the charm's metadata.
#[proc_macro_attribute]
pub fn hook(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::handler("hook", attr, item)
}

/// Runs the handler when one of the files changed since this handler last ran
/// successfully.
#[proc_macro_attribute]
pub fn when_file_changed(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::handler("when_file_changed", attr, item)
}

/// Runs the handler at most once in the life of the unit (once it has succeeded).
#[proc_macro_attribute]
pub fn only_once(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::handler("only_once", attr, item)
}

/// Runs the handler for the Juju action(s) named (`actions/<name>` dispatch).
#[proc_macro_attribute]
pub fn action(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::handler("action", attr, item)
}

/// Runs the handler in the restricted `collect-metrics` hook.
#[proc_macro_attribute]
pub fn collect_metrics(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::handler("collect_metrics", attr, item)
}

/// Runs the handler in the restricted `meter-status-changed` hook.
#[proc_macro_attribute]
pub fn meter_status_changed(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::handler("meter_status_changed", attr, item)
}

/// Runs the function at the start of every (non-restricted) hook, before automatic flags
/// are managed and before any handler: the place to call `register_trigger`. Startup
/// functions run in layer order; a flag one of them sets fires only triggers registered
/// before it.
#[proc_macro_attribute]
pub fn startup(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::startup(attr, item)
}
