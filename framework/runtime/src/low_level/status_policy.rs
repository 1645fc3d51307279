//! The extension point behind [`crate::status::set`]: a layer may install, for one hook,
//! a policy that receives every status request and decides what Juju is told, and when.
//!
//! Every status of the charm goes through `status::set` (the `active`, `blocked`, …
//! helpers included), so an installed policy sees them all, with the layer of the
//! handler that asked. The runtime itself ranks nothing: without a policy a status is
//! set at once. The base layer (`layers/base`) installs one with layer:status's rules
//! (maintenance at once; blocked > waiting > active decided at hook end).
//!
//! A policy is installed from a `#[startup]` function, lives for the running hook and
//! is told when the dispatch is over ([`StatusPolicy::end_of_hook`], after the last
//! handler of a hook that succeeded so far, before its state is committed). Restricted
//! hooks (`collect-metrics`, `meter-status-changed`) run no startup function and so have
//! no policy.

use std::rc::Rc;

use crate::backend::{ToolError, WorkloadStatus};
use crate::context::{current, Context};
use crate::handler::crate_of;
use crate::Scope;

/// One call of [`crate::status::set`], with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRequest {
    /// This unit or its application.
    pub scope: Scope,
    /// The status asked for.
    pub status: WorkloadStatus,
    /// Its message.
    pub message: String,
    /// The layer (crate) of the handler or startup function that asked; `None` outside
    /// one (e.g. in a trigger fired by an automatic flag).
    pub layer: Option<String>,
    /// That layer's place in the build's layer order (0 = the lowest layer; the charm's
    /// own layer is the highest). A crate not in the order, or no layer, ranks above every
    /// listed layer, as the dispatcher orders such crates after the listed ones.
    pub rank: usize,
}

/// Decides what becomes of the statuses set during one hook.
pub trait StatusPolicy {
    /// A status was asked for. Apply it now with [`apply`], keep it for later, or drop
    /// it; an error fails the calling handler.
    fn request(&self, request: StatusRequest) -> Result<(), ToolError>;

    /// The dispatch is over and no handler failed: apply what was kept. An error fails
    /// the hook.
    fn end_of_hook(&self) -> Result<(), ToolError>;
}

/// Installs `policy` for the rest of the running hook, replacing any other. Call it from
/// a `#[startup]` function, so it sees every status of the hook.
pub fn install(policy: Rc<dyn StatusPolicy>) {
    *current().status_policy.borrow_mut() = Some(policy);
}

/// Whether a policy is installed for the running hook.
pub fn installed() -> bool {
    current().status_policy.borrow().is_some()
}

/// Sets a status at once (`status-set`), bypassing the policy: what a policy calls to
/// apply a status.
pub fn apply(scope: Scope, status: WorkloadStatus, message: &str) -> Result<(), ToolError> {
    current().backend.status_set(scope, status, message)
}

/// The layer of the running handler or startup function and its rank (see
/// [`StatusRequest::rank`]).
pub fn calling_layer() -> (Option<String>, usize) {
    calling_layer_in(&current())
}

pub(crate) fn calling_layer_in(ctx: &Context) -> (Option<String>, usize) {
    let Some(krate) = ctx
        .current_handler
        .borrow()
        .as_deref()
        .map(|id| crate_of(id).to_string())
    else {
        return (None, ctx.layers.len());
    };
    let rank = ctx
        .layers
        .iter()
        .position(|l| l.replace('-', "_") == krate)
        .unwrap_or(ctx.layers.len());
    (Some(krate), rank)
}

/// Runs the installed policy's [`StatusPolicy::end_of_hook`], once.
pub(crate) fn end_of_hook(ctx: &Context) -> Result<(), ToolError> {
    let policy = ctx.status_policy.borrow_mut().take();
    match policy {
        Some(p) => p.end_of_hook(),
        None => Ok(()),
    }
}
