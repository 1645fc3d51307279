//! Run one hook in-process against an in-memory model (feature `testing`).
//!
//! ```
//! use charms_reactive::prelude::*;
//! use charms_reactive::testing::{Harness, State};
//!
//! #[when_not("demo.ready")]
//! fn get_ready() -> Result<()> {
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
//!
//! Secrets: give the state the secrets the unit owns or may read ([`Secret`]); the
//! output state shows them as the hook left them (new secrets and revisions, labels,
//! grants, tracked revisions), every `secret-*` call is in the [`Record`] with content
//! shown as `key#file=…`, and [`Harness::run_secret`] runs the secret hooks. As in Juju,
//! nothing of a failed hook's secret changes is kept.
//!
//! In an integration test (`tests/*.rs`) of a layer crate, name the crate
//! (`use my_layer as _;`): handlers register at link time, and the linker drops the
//! registrations of a crate the test binary never names, so none of its handlers would
//! run.

mod memory;
mod record;
mod state;

use std::path::PathBuf;
use std::rc::Rc;

use anyhow::Context as _;
use charms_reactive_juju::hooks::{secret_hook_kind, RelationHook};
use serde_json::{Map, Value};
use tracing::level_filters::LevelFilter;

pub use record::{Record, ToolCall};
pub use state::{Relation, Secret, SecretGrant, State};

use crate::context::{Context, RelationContext};
use crate::handler;
use crate::hook::HookInfo;
use crate::kv::Kv;
use crate::logging;
use crate::metadata::{parse_config_defaults, Metadata};
use crate::run::run_hook;
use crate::secrets::{HookSecret, SecretId};
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

/// A failed run. Its `Debug` output (what `unwrap` prints) shows the error and the
/// handlers run, not the state, so relation data and passwords stay out of test logs.
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

impl std::fmt::Debug for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Failure")
            .field("error", &format_args!("{:#}", self.error))
            .field("invoked", &self.invoked)
            .finish_non_exhaustive()
    }
}

/// So a test returning `anyhow::Result` can use `?` on [`Harness::run`]; the hook's
/// error is the source, printed with its own chain.
impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.invoked.last() {
            Some(last) => write!(f, "the hook failed (last handler run: {last})"),
            None => write!(f, "the hook failed before any handler ran"),
        }
    }
}

impl std::error::Error for Failure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.error.as_ref())
    }
}

/// Runs hooks of the handlers linked into the test binary.
pub struct Harness {
    metadata: Metadata,
    defaults: Map<String, Value>,
    charm_dir: PathBuf,
    layers: Vec<String>,
    prefixes: Vec<String>,
    level: LevelFilter,
    failing: Vec<String>,
    layer_yaml: Option<String>,
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
            failing: Vec::new(),
            layer_yaml: None,
        }
    }

    /// Uses this `metadata.yaml` text.
    pub fn metadata(mut self, yaml: &str) -> anyhow::Result<Harness> {
        self.metadata = Metadata::parse(yaml).context("metadata.yaml")?;
        Ok(self)
    }

    /// Uses this `config.yaml` text for option defaults.
    pub fn config_yaml(mut self, yaml: &str) -> anyhow::Result<Harness> {
        let defaults = parse_config_defaults(yaml).context("config.yaml")?;
        self.defaults = defaults.into_iter().collect();
        Ok(self)
    }

    /// Uses this text as the built charm's `layer.yaml`, whose `options` (one section
    /// per layer, as `reactive build` writes them) [`crate::layer_options`] reads.
    /// Without it, the `layer.yaml` of the charm directory is read.
    pub fn layer_yaml(mut self, yaml: &str) -> Harness {
        self.layer_yaml = Some(yaml.to_string());
        self
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

    /// Makes every call to hook tool `tool` fail (exit 1, `ERROR injected failure`), to
    /// test how a charm copes with a failing tool.
    pub fn failing_tool(mut self, tool: &str) -> Harness {
        self.failing.push(tool.to_string());
        self
    }

    /// The most detailed log level recorded (default DEBUG).
    pub fn log_level(mut self, level: LevelFilter) -> Harness {
        self.level = level;
        self
    }

    /// Runs hook `hook` (e.g. `config-changed`) on `state`.
    pub fn run(&self, hook: &str, state: &State) -> Result<Outcome, Box<Failure>> {
        self.execute(HookInfo::Hook(hook.to_string()), None, None, None, state)
    }

    /// Runs a secret hook (`secret-changed`, `secret-rotate`, `secret-expired` or
    /// `secret-remove`) about secret `id`, which must be in `state`; `revision` is what
    /// Juju gives as `JUJU_SECRET_REVISION` (the revision expired or no longer tracked,
    /// or the new one for `secret-changed`). The label the hook sees is the secret's
    /// label in `state`, as Juju gives this unit's label.
    pub fn run_secret(
        &self,
        hook: &str,
        id: &SecretId,
        revision: Option<u32>,
        state: &State,
    ) -> Result<Outcome, Box<Failure>> {
        let refuse = |why: String| {
            Box::new(Failure {
                error: anyhow::anyhow!(why),
                state: state.clone(),
                invoked: Vec::new(),
                record: Record::default(),
            })
        };
        if secret_hook_kind(hook).is_none() {
            return Err(refuse(format!(
                "{hook:?} is not a secret hook (secret-changed, secret-rotate, secret-expired, secret-remove)"
            )));
        }
        let Some(secret) = state.secret(id) else {
            return Err(refuse(format!("secret {id} is not in the state")));
        };
        let secret = HookSecret {
            id: secret.id.clone(),
            label: secret.label.clone().filter(|l| !l.is_empty()),
            revision,
        };
        self.execute(
            HookInfo::Hook(hook.to_string()),
            None,
            None,
            Some(secret),
            state,
        )
    }

    /// Runs a relation hook, e.g. `db-relation-changed` on `db:1` for remote unit `pg/0`
    /// (`None` for `-created`, `-broken` and app-level `-changed`). As in Juju: during
    /// `-relation-departed` the departing unit is no longer listed but its data stays
    /// readable, and it is removed from the state after the hook; during
    /// `-relation-broken` the relation is no longer listed, and it is removed after.
    pub fn run_relation(
        &self,
        hook: &str,
        relation_id: &str,
        remote_unit: Option<&str>,
        state: &State,
    ) -> Result<Outcome, Box<Failure>> {
        let departing = if RelationHook::parse(hook).is_some_and(|h| h.kind == "departed") {
            remote_unit.map(str::to_string)
        } else {
            None
        };
        let rel = RelationContext {
            relation_id: relation_id.to_string(),
            remote_unit: remote_unit.map(str::to_string),
            remote_app: state.relation(relation_id).map(|r| r.remote_app.clone()),
            departing_unit: departing,
        };
        self.execute(
            HookInfo::Hook(hook.to_string()),
            None,
            Some(rel),
            None,
            state,
        )
    }

    /// Runs action `action` with `params` on `state`.
    pub fn run_action(
        &self,
        action: &str,
        params: Value,
        state: &State,
    ) -> Result<Outcome, Box<Failure>> {
        self.execute(
            HookInfo::Action(action.to_string()),
            Some(params),
            None,
            None,
            state,
        )
    }

    fn selected(&self, id: &str) -> bool {
        // A prefix selects whole path segments: `tests::a` selects `tests::a::*`, not
        // `tests::ab::*`.
        self.prefixes.is_empty()
            || self.prefixes.iter().any(|p| {
                id.strip_prefix(p.as_str()).is_some_and(|rest| {
                    p.ends_with("::")
                        || rest.is_empty()
                        || rest.starts_with("::")
                        || rest.starts_with(':')
                })
            })
    }

    fn execute(
        &self,
        hook: HookInfo,
        params: Option<Value>,
        relation: Option<RelationContext>,
        secret: Option<HookSecret>,
        state: &State,
    ) -> Result<Outcome, Box<Failure>> {
        let is_broken = hook.relation_hook().is_some_and(|h| h.kind == "broken");
        let departing = relation
            .as_ref()
            .and_then(|r| Some((r.relation_id.clone(), r.departing_unit.clone()?)));
        let broken = relation
            .as_ref()
            .filter(|_| is_broken)
            .map(|r| r.relation_id.clone());
        let backend = Rc::new(MemoryBackend {
            state: state.clone().into(),
            record: Default::default(),
            defaults: self.defaults.clone(),
            action_params: params,
            departing: departing.clone(),
            broken: broken.clone(),
            failing: self.failing.clone(),
            next_secret: std::cell::Cell::new(1),
        });
        let defaults = self.defaults.clone().into_iter().collect();
        let kv = Kv::new(state.unit_state.clone());
        let mut ctx = Context::new(
            backend.clone(),
            hook,
            state.unit.clone(),
            relation,
            self.metadata.clone(),
            defaults,
            self.charm_dir.clone(),
            kv,
        );
        ctx.secret = secret;
        ctx.layers = self.layers.clone();
        if let Some(text) = &self.layer_yaml {
            let _ = ctx.layer_options.set(crate::layer_options::parse(
                text,
                "layer.yaml (Harness::layer_yaml)",
            ));
        }
        let ctx = Rc::new(ctx);
        let layers: Vec<&str> = self.layers.iter().map(String::as_str).collect();
        let select = |id: &str| self.selected(id);
        let startups = handler::startups(&layers, &select);
        let result = handler::handlers(&layers, &select, &self.metadata)
            .map_err(anyhow::Error::from)
            .and_then(|handlers| {
                tracing::subscriber::with_default(
                    logging::subscriber(self.level, logging::Echo::None),
                    || run_hook(ctx.clone(), &handlers, &startups),
                )
            });
        let invoked = ctx.invoked.borrow().clone();
        let record = backend.record.borrow().clone();
        match result {
            Ok(()) => {
                let mut out = backend.state.borrow().clone();
                out.unit_state = ctx.kv.borrow().snapshot().clone();
                if let Some((rid, unit)) = departing {
                    if let Some(rel) = out.relations.iter_mut().find(|r| r.id == rid) {
                        rel.remote_units.remove(&unit);
                    }
                }
                if let Some(rid) = broken {
                    out.relations.retain(|r| r.id != rid);
                }
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
