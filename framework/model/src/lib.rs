//! A local Juju model: model state on disk, the hook tools, and a scheduler that runs
//! built charms' hooks in the order Juju 3.6 does.
//!
//! The boundary between the model and a running hook is the unit agent's socket
//! ([`agent`]), as in Juju: before the hook starts the model builds everything the unit
//! may see ([`context::HookContextData`]); each hook tool sends its call over the socket
//! named by `JUJU_AGENT_SOCKET_ADDRESS` and is answered from that context, which records
//! what it changed; after the hook the model applies the immediate effects, and the
//! transactional ones only if the hook exited 0.
//!
//! # Layers
//! Each module uses only modules declared before it below (`tests/module_cycles.rs`
//! checks that every import points up this list, so there is no cycle):
//!
//! 1. Vocabulary and layout: [`gostr`] (Go's spellings the tools reproduce), [`secret`]
//!    (secret URIs, owners, grants, rotate policies, the model clock's times, content
//!    that never shows in `Debug`), [`hook`] (a hook and what it is about), [`charm`]
//!    (what a built charm declares), [`action_schema`] (an action's parameters checked
//!    against its schema as Juju checks them), [`context`] (what a hook sees and what it
//!    changed), [`logging_config`] (Juju's `logging-config`), `logs` (the hook log, and the
//!    debug log's records as hooks make them), `paths` (the model directory's layout),
//!    [`running`] (what a unit's agent runs now, readable without the lock),
//!    `provider` (where units run: the host or machines).
//! 2. State: [`secret_store`] (the secrets as the controller keeps them; their content
//!    in `secrets.json`, mode 0600) and [`state`], the model on disk; `juju_files`
//!    (Juju's agent tools directories, `jujud`, the charm's `revision` file, machine
//!    numbers and the model's UUID).
//! 3. The uniter's bookkeeping: [`resolver`] (which hook a unit runs next), [`retry`]
//!    (automatic hook retries on the model clock) and `uniter` (what a unit has seen,
//!    moving it on after a hook, removing units, electing leaders).
//! 4. Context building: `context_build`, what a hook sees, from the state.
//! 5. The hook tools and the unit agent: [`tools`] (each tool as a function of the
//!    context) and [`agent`] (the socket's protocol, its server and the tools' client).
//! 6. Process launch: `launch`, the executable, Juju's environment, the socket served.
//! 7. Applying effects: `effects`, immediate ones always, transactional ones on
//!    success.
//! 8. The hook lifecycle, shared by hooks and actions: `lifecycle`; then [`action`].
//! 9. The scheduler: `scheduler`, rounds of hooks until the model settles.
//! 10. Operations: `ops`, `deploy`, `relate`, `config`, … as `juju` does them.
//! 11. The model as a library: [`model`] (a directory of one concept per file: the
//!     `Model` handle and its operations, `ModelView` for reading, the helpers, the
//!     hook-tool links, the lock, the status, action parameters, ssh, reading logs),
//!     which `reactive model` renders.
//!
//! [`juju_behaviours`] lists what the model reproduces of Juju, with links.
//!
//! # What it does as Juju 3.6 does
//! Hook order (the uniter's resolver; tests replay Juju's documented sequences), the
//! hook environment and lookup (`dispatch`, else `hooks/<name>`), the hook tools'
//! arguments, output formats, error strings and exit codes, transactions (relation-set,
//! state-set/delete, ports and secret changes only on exit 0; status-set, leader-set,
//! application-version-set and logs at once), a failed hook holding its unit until
//! `resolve`, data visibility (a write is seen after the writer's hook commits; remote
//! unit data as of the observer's last hook for that unit). See
//! <https://juju.is/docs/sdk/charm-lifecycle>, <https://juju.is/docs/sdk/hook-tools> and
//! <https://juju.is/docs/sdk/relations>.
//!
//! # Where it is simpler, on purpose
//! * Units' hooks run in rounds: up to `--jobs` ready units (default 8) are drawn from a
//!   seeded generator, run at once, and their results applied in the order drawn, so
//!   runs are reproducible (`--seed`), and a different seed explores another
//!   interleaving. Hooks of one round do not see each other's commits (as concurrent
//!   units in Juju may not).
//! * Leadership is decided by the model: the lowest-numbered live unit. A dying leader
//!   resigns at once and the next one is elected when it is gone.
//! * `update-status` runs on `reactive model tick`, not on a timer; failed hooks are
//!   retried with Juju's backoff on the model clock (moved by `tick --advance`), and
//!   `reactive model resolve` retries (or skips) them at once.
//! * With the `local` provider all units share the host: each has its own charm
//!   directory and unit state, and a loopback address of its own. The `machines`
//!   provider gives each unit a namespace machine instead (`provider`); the host's
//!   kernel, users and packages installed before the machine was made are shared.
//! * Time is the model's clock, which moves only with `reactive model tick --advance`:
//!   secret rotation and expiry fire when it passes their time.
//! * Storage, payloads, k8s specs and resources are not modelled; their tools say so
//!   (see [`tools`]).

// In layer order (blank lines keep rustfmt from sorting them).
pub mod gostr;

pub mod secret;

pub mod hook;

pub mod charm;

pub mod action_schema;

pub mod context;

pub mod logging_config;

mod logs;

pub(crate) mod paths;
pub mod running;

pub(crate) mod provider;

pub mod secret_store;
pub mod state;

pub(crate) mod juju_files;

pub mod resolver;
pub mod retry;
pub(crate) mod uniter;

pub(crate) mod context_build;

pub mod tools;

pub mod agent;

pub mod interrupt;
pub(crate) mod launch;

pub(crate) mod effects;

pub(crate) mod lifecycle;

pub mod action;

pub(crate) mod scheduler;

pub(crate) mod ops;

pub(crate) mod reconcile;

/// Opening, changing and destroying a model directory: the API `reactive model` uses.
pub mod model;
pub use model::{Helpers, InitOptions, Model, ModelView, Resolve};

/// The Juju behaviours this model reproduces, each linked to Juju's documentation, and
/// where it is simpler.
#[doc = include_str!("../../../docs/juju-model.md")]
pub mod juju_behaviours {}
