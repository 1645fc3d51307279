//! A local Juju model: model state on disk, the hook tools, and a scheduler that runs
//! built charms' hooks in the order Juju 3.6 does.
//!
//! The boundary between the model and a running hook is one file per hook, the
//! [`context::HookContextData`]: the runner writes everything the unit may see before
//! the hook starts; each hook tool reads it, answers, and records what it changed; after
//! the hook the runner applies the immediate effects, and the transactional ones only if
//! the hook exited 0.

pub mod charm;
pub mod context;
pub mod hook;
pub mod ops;
pub mod resolver;
pub mod runner;
pub mod scheduler;
pub mod state;
pub mod tools;
