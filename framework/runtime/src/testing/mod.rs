//! Run one hook in-process against an in-memory model (feature `testing`).
//!
//! ```
//! use charms_reactive::testing::{Harness, State};
//! use charms_reactive::{set_flag, when_not};
//!
//! #[when_not("demo.ready")]
//! fn get_ready() -> anyhow::Result<()> {
//!     set_flag("demo.ready");
//!     Ok(())
//! }
//!
//! let out = Harness::new().run("install", &State::default()).unwrap();
//! assert!(out.state.flags().contains(&"demo.ready".to_string()));
//! assert_eq!(out.invoked, ["rust_out::get_ready"]);
//! ```
//!
//! A failed hook returns a [`Failure`] holding the error and the unchanged input state,
//! plus what Juju would keep anyway (statuses, logs, leader settings).

mod memory;
mod record;
mod state;

use std::path::PathBuf;
use std::rc::Rc;

use serde_json::{Map, Value};
use tracing::level_filters::LevelFilter;

pub use record::{Record, ToolCall};
pub use state::{Relation, State};

use crate::context::Context;
use crate::handler;
use crate::hook::HookInfo;
use crate::kv::Kv;
use crate::logging;
use crate::metadata::{parse_config_defaults, Metadata};
use crate::run::run_hook;
use memory::MemoryBackend;

/// A successful run.
#[derive(Debug)]
pub struct Outcome {
    /// The state after the hook.
    pub state: State,
    /// Ids of the handlers invoked, in order.
    pub invoked: Vec<String>,
    /// Calls, logs and immediate side effects.
    pub record: Record,
}

/// A failed run.
#[derive(Debug)]
pub struct Failure {
    /// The hook's error.
    pub error: anyhow::Error,
    /// The input state, unchanged: nothing of a failed hook is committed.
    pub state: State,
    /// Ids of the handlers invoked before the failure.
    pub invoked: Vec<String>,
    /// Calls, logs and immediate side effects (which Juju keeps after a failure).
    pub record: Record,
}

/// Runs hooks of the handlers linked into the test binary.
pub struct Harness {
    metadata: Metadata,
    defaults: Map<String, Value>,
    charm_dir: PathBuf,
    layers: Vec<String>,
    prefixes: Vec<String>,
    level: LevelFilter,
}

impl Default for Harness {
    fn default() -> Self {
        Harness::new()
    }
}

impl Harness {
    /// A harness over every registered handler, with empty metadata and config.
    pub fn new() -> Harness {
        Harness {
            metadata: Metadata::default(),
            defaults: Map::new(),
            charm_dir: std::env::temp_dir(),
            layers: Vec::new(),
            prefixes: Vec::new(),
            level: LevelFilter::DEBUG,
        }
    }

    /// Uses this `metadata.yaml` text.
    pub fn metadata(mut self, yaml: &str) -> anyhow::Result<Harness> {
        self.metadata = Metadata::parse(yaml).map_err(|e| anyhow::anyhow!("metadata.yaml: {e}"))?;
        Ok(self)
    }

    /// Uses this `config.yaml` text for option defaults.
    pub fn config_yaml(mut self, yaml: &str) -> anyhow::Result<Harness> {
        let defaults =
            parse_config_defaults(yaml).map_err(|e| anyhow::anyhow!("config.yaml: {e}"))?;
        self.defaults = defaults.into_iter().collect();
        Ok(self)
    }

    /// The charm directory (for `#[when_file_changed]` paths); default the temp dir.
    pub fn charm_dir(mut self, dir: impl Into<PathBuf>) -> Harness {
        self.charm_dir = dir.into();
        self
    }

    /// Only handlers (and startup functions) whose id starts with one of these prefixes,
    /// e.g. `module_path!()`; lets each test use its own handlers.
    pub fn only<'a>(mut self, prefixes: impl IntoIterator<Item = &'a str>) -> Harness {
        self.prefixes
            .extend(prefixes.into_iter().map(str::to_string));
        self
    }

    /// The layer (crate) order.
    pub fn layers<'a>(mut self, layers: impl IntoIterator<Item = &'a str>) -> Harness {
        self.layers = layers.into_iter().map(str::to_string).collect();
        self
    }

    /// The most detailed log level recorded (default DEBUG).
    pub fn log_level(mut self, level: LevelFilter) -> Harness {
        self.level = level;
        self
    }

    /// Runs hook `hook` (e.g. `config-changed`) on `state`.
    pub fn run(&self, hook: &str, state: &State) -> Result<Outcome, Box<Failure>> {
        self.execute(HookInfo::Hook(hook.to_string()), None, state)
    }

    /// Runs action `action` with `params` on `state`.
    pub fn run_action(
        &self,
        action: &str,
        params: Value,
        state: &State,
    ) -> Result<Outcome, Box<Failure>> {
        self.execute(HookInfo::Action(action.to_string()), Some(params), state)
    }

    fn selected(&self, id: &str) -> bool {
        self.prefixes.is_empty() || self.prefixes.iter().any(|p| id.starts_with(p.as_str()))
    }

    fn execute(
        &self,
        hook: HookInfo,
        params: Option<Value>,
        state: &State,
    ) -> Result<Outcome, Box<Failure>> {
        let backend = Rc::new(MemoryBackend {
            state: state.clone().into(),
            record: Default::default(),
            defaults: self.defaults.clone(),
            action_params: params,
        });
        let defaults = self.defaults.clone().into_iter().collect();
        let kv = Kv::new(state.unit_state.clone());
        let ctx = Rc::new(Context::new(
            backend.clone(),
            hook,
            self.metadata.clone(),
            defaults,
            self.charm_dir.clone(),
            kv,
        ));
        let layers: Vec<&str> = self.layers.iter().map(String::as_str).collect();
        let select = |id: &str| self.selected(id);
        let handlers = handler::handlers(&layers, &select);
        let startups = handler::startups(&layers, &select);
        let result =
            tracing::subscriber::with_default(logging::subscriber(self.level, false), || {
                run_hook(ctx.clone(), &handlers, &startups)
            });
        let invoked = ctx.invoked.borrow().clone();
        let record = backend.record.borrow().clone();
        match result {
            Ok(()) => {
                let mut out = backend.state.borrow().clone();
                out.unit_state = ctx.kv.borrow().snapshot().clone();
                Ok(Outcome {
                    state: out,
                    invoked,
                    record,
                })
            }
            Err(error) => Err(Box::new(Failure {
                error,
                state: state.clone(),
                invoked,
                record,
            })),
        }
    }
}
