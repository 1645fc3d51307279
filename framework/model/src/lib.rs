//! A local Juju model: model state on disk, the hook tools, and a scheduler that runs
//! built charms' hooks in the order Juju 3.6 does.
//!
//! The boundary between the model and a running hook is the unit agent's socket
//! ([`agent`]), as in Juju: before the hook starts the runner builds everything the unit
//! may see ([`context::HookContextData`]); each hook tool sends its call over the socket
//! named by `JUJU_AGENT_SOCKET_ADDRESS` and is answered from that context, which records
//! what it changed; after the hook the runner applies the immediate effects, and the
//! transactional ones only if the hook exited 0.
//!
//! # What it does as Juju 3.6 does
//! Hook order (the uniter resolver of reference §3.1; the worked traces of §3.3 are
//! tests), hook environment (§2.2) and lookup (`dispatch`, else `hooks/<name>`, §2.3),
//! the hook tools' arguments, output formats, error strings and exit codes (§1),
//! transactions (§2.4: relation-set, state-set/delete and ports only on exit 0;
//! status-set, leader-set, application-version-set and logs at once), a failed hook
//! holding its unit until `resolve`, data visibility (§4: a write is seen after the
//! writer's hook commits; remote unit data as of the observer's last hook for that unit).
//!
//! # Where it is simpler, on purpose
//! * Units' hooks run in rounds: up to `--jobs` ready units (default 8) are drawn from a
//!   seeded generator, run at once, and their results applied in the order drawn, so
//!   runs are reproducible (`--seed`), and a different seed explores another
//!   interleaving. Hooks of one round do not see each other's commits (as concurrent
//!   units in Juju may not).
//! * Leadership is decided by the model: the lowest-numbered live unit. A dying leader
//!   resigns at once and the next one is elected when it is gone.
//! * `update-status` runs on `reactive model tick`, not on a timer; failed hooks are not
//!   retried with backoff: `reactive model resolve` retries (or skips) them.
//! * With the `local` provider all units share the host: each has its own charm
//!   directory and unit state, and a loopback address of its own. The `machines`
//!   provider gives each unit a namespace machine instead ([`provider`]); the host's
//!   kernel, users and packages installed before the machine was made are shared.
//! * Secrets, storage, payloads, k8s specs and resources are not modelled; their tools
//!   say so (see [`tools`]).

pub mod agent;
pub mod charm;
pub mod context;
pub mod hook;
pub mod ops;
pub mod provider;
pub mod resolver;
pub mod runner;
pub mod scheduler;
pub mod state;
pub mod tools;
