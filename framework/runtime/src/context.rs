//! The state of the hook being dispatched, reachable from handlers (which take no
//! arguments) through a thread-local.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;

use crate::backend::{Backend, LogLevel, Settings};
use crate::hook::HookInfo;
use crate::kv::Kv;
use crate::metadata::Metadata;
use crate::triggers::Triggers;
use crate::Scope;

/// Flag transitions seen by the dispatcher.
#[derive(Debug, Default)]
pub(crate) struct Watch {
    /// Flags that transitioned (set→unset or unset→set) in the current iteration.
    pub pending: Vec<String>,
    /// Whether a set flag was cleared since the dispatcher last looked.
    pub cleared: bool,
}

impl Watch {
    pub fn change(&mut self, flag: &str) {
        if !self.pending.iter().any(|f| f == flag) {
            self.pending.push(flag.to_string());
        }
    }
}

/// Where a relation hook happens (`JUJU_RELATION_ID`, `JUJU_REMOTE_UNIT`, …).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RelationContext {
    /// `endpoint:N`.
    pub relation_id: String,
    /// The remote unit, when the hook is about one.
    pub remote_unit: Option<String>,
    /// The remote application.
    pub remote_app: Option<String>,
    /// In `-relation-departed`: the unit leaving.
    pub departing_unit: Option<String>,
}

/// Everything one hook invocation works on.
pub(crate) struct Context {
    pub backend: Rc<dyn Backend>,
    pub hook: HookInfo,
    /// This unit, `app/N`.
    pub unit_name: String,
    /// The relation of a relation hook.
    pub relation: Option<RelationContext>,
    /// The secret of a secret hook (set after [`Context::new`]).
    pub secret: Option<crate::secrets::HookSecret>,
    /// Relation data written this hook, by (relation id, bag): key → value, where an
    /// empty value deletes. Sent at the end of a successful hook.
    pub publish: RefCell<BTreeMap<(String, Scope), Settings>>,
    /// The endpoint of the interface-layer handler being invoked.
    pub current_endpoint: RefCell<Option<String>>,
    pub metadata: Metadata,
    /// Defaults from `config.yaml`.
    pub config_defaults: BTreeMap<String, serde_json::Value>,
    pub charm_dir: PathBuf,
    pub kv: RefCell<Kv>,
    pub triggers: RefCell<Triggers>,
    pub watch: RefCell<Watch>,
    /// Flags whose triggers are firing, outermost first (to stop cycles).
    pub trigger_chain: RefCell<Vec<String>>,
    /// Flags set by the automatic-flag code this hook, removed at hook end.
    pub hook_lifetime_flags: RefCell<Vec<String>>,
    /// Errors returned by trigger callbacks; they fail the running handler.
    pub callback_errors: RefCell<Vec<anyhow::Error>>,
    /// Log records not yet sent to `juju-log`.
    pub logs: RefCell<Vec<(LogLevel, String)>>,
    /// Ids of the handlers invoked so far, in order.
    pub invoked: RefCell<Vec<String>>,
    /// The layer (crate) order from the build, first layer first (set after
    /// [`Context::new`]; empty when unknown).
    pub layers: Vec<String>,
    /// The id of the handler or startup function running now.
    pub current_handler: RefCell<Option<String>>,
    /// The status policy a layer installed for this hook (see
    /// [`crate::low_level::status_policy`]).
    pub status_policy: RefCell<Option<Rc<dyn crate::low_level::status_policy::StatusPolicy>>>,
    /// The built `layer.yaml`'s `options`, read on first use.
    pub layer_options: std::cell::OnceCell<Result<serde_yaml::Mapping, String>>,
}

impl Context {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        backend: Rc<dyn Backend>,
        hook: HookInfo,
        unit_name: String,
        relation: Option<RelationContext>,
        metadata: Metadata,
        config_defaults: BTreeMap<String, serde_json::Value>,
        charm_dir: PathBuf,
        kv: Kv,
    ) -> Context {
        Context {
            backend,
            hook,
            unit_name,
            relation,
            secret: None,
            publish: RefCell::default(),
            current_endpoint: RefCell::default(),
            metadata,
            config_defaults,
            charm_dir,
            kv: RefCell::new(kv),
            triggers: RefCell::default(),
            watch: RefCell::default(),
            trigger_chain: RefCell::default(),
            hook_lifetime_flags: RefCell::default(),
            callback_errors: RefCell::default(),
            logs: RefCell::default(),
            invoked: RefCell::default(),
            layers: Vec::new(),
            current_handler: RefCell::default(),
            status_policy: RefCell::default(),
            layer_options: std::cell::OnceCell::new(),
        }
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<Context>>> = const { RefCell::new(None) };
}

/// Makes `ctx` the current hook context until the guard is dropped.
pub(crate) fn enter(ctx: Rc<Context>) -> Entered {
    let previous = CURRENT.with(|c| c.borrow_mut().replace(ctx));
    Entered { previous }
}

/// Restores the previous context when dropped (also on panic).
pub(crate) struct Entered {
    previous: Option<Rc<Context>>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // Drop the context being left only after the thread-local is released: its drop
        // may log, and logging looks the context up.
        let left = CURRENT.with(|c| c.replace(previous));
        drop(left);
    }
}

/// The current context, if a hook is being dispatched on this thread.
pub(crate) fn try_current() -> Option<Rc<Context>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// The current context. Calling the flag API outside a dispatch is a programming error
/// (there is no unit state to act on), so it panics with a message saying so.
pub(crate) fn current() -> Rc<Context> {
    try_current().unwrap_or_else(|| {
        panic!("charms_reactive: flag and hook-tool functions can only be used while a hook is dispatched (from handlers, #[startup] functions or trigger callbacks)")
    })
}
