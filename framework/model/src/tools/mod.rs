//! The Juju 3.6 hook tools (`config-get`, `relation-get`, …) as pure functions over a
//! [`HookContextData`]: same argument parsing, output, error strings and exit codes as
//! the real `jujuc` commands, with effects recorded in the context. Layer: the hook
//! tools, above the vocabulary ([`crate::context`], [`crate::gostr`]) and independent of
//! the model's state; [`crate::agent`] serves them over the agent socket. See
//! <https://juju.is/docs/sdk/hook-tools> for the tools themselves.
//!
//! Effects: immediate ones (`status-set`, `leader-set`, `juju-log`,
//! `application-version-set`) go to `ctx.immediate` and also update what the rest of
//! the hook sees; transactional ones (`relation-set`, `state-set`, `state-delete`,
//! `open-port`, `close-port`) go to `ctx.transactional`, and the first three also
//! update the in-hook view (Juju's own-bag and state reads see the hook's writes).
//! `opened-ports` shows committed ports only. Action tools record into `ctx.action`.
//! The secret tools (`secret-add`, `secret-get`, `secret-set`, `secret-remove`,
//! `secret-grant`, `secret-revoke`, `secret-ids`, `secret-info-get`) read
//! `ctx.secrets` and record every change, and the tracking `secret-get` moves, as
//! transactional.
//!
//! Tools outside the common set, and what the local model does for them:
//! * minimal behaviour: `add-metric` (validates, then fails as Juju does outside
//!   `collect-metrics`: `cannot record metric: metrics not allowed in this context`),
//!   `credential-get` (the local model never trusts an application: `cannot access
//!   cloud credentials: permission denied`), `goal-state` (derived from the context:
//!   this unit and its peers `active`, each relation's remote application `joined`
//!   and its members `active`, no `since`), `resource-get` (the local model has no
//!   resources: `could not download resource: resource "x" not found`),
//!   `storage-list` (no storage: empty list), `juju-reboot` (refused inside an action
//!   as Juju does, otherwise not supported);
//! * not supported (`ERROR <tool> is not supported by the local model`, exit 1;
//!   `--help` still works): `storage-add`, `storage-get`, and the legacy
//!   `payload-register`,
//!   `payload-unregister`, `payload-status-set`, `k8s-spec-set`, `k8s-spec-get`,
//!   `k8s-raw-set`, `k8s-raw-get`, `pod-spec-set`, `pod-spec-get`.

mod action;
mod args;
mod cmd;
mod config;
mod extra;
mod json;
mod keyvalues;
mod leader;
mod legacy;
mod log;
mod node;
mod output;
mod ports;
mod relation;
mod secret;
mod state;
mod status;
mod unit;
mod yaml;

use std::io::Read;
use std::path::Path;

use crate::context::HookContextData;

/// Names of the tools this module implements (every hook tool of Juju 3.6, including the
/// legacy payload and k8s ones, which are stubs), for creating PATH entries.
pub const TOOL_NAMES: &[&str] = &[
    "action-fail",
    "action-get",
    "action-log",
    "action-set",
    "add-metric",
    "application-version-set",
    "close-port",
    "config-get",
    "credential-get",
    "goal-state",
    "is-leader",
    "juju-log",
    "juju-reboot",
    "k8s-raw-get",
    "k8s-raw-set",
    "k8s-spec-get",
    "k8s-spec-set",
    "leader-get",
    "leader-set",
    "network-get",
    "open-port",
    "opened-ports",
    "payload-register",
    "payload-status-set",
    "payload-unregister",
    "pod-spec-get",
    "pod-spec-set",
    "relation-get",
    "relation-ids",
    "relation-list",
    "relation-model-get",
    "relation-set",
    "resource-get",
    "secret-add",
    "secret-get",
    "secret-grant",
    "secret-ids",
    "secret-info-get",
    "secret-remove",
    "secret-revoke",
    "secret-set",
    "state-delete",
    "state-get",
    "state-set",
    "status-get",
    "status-set",
    "storage-add",
    "storage-get",
    "storage-list",
    "unit-get",
];

/// What a tool printed and its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolOutput {
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: Vec<u8>,
    /// Exit code: 0 success, 1 run error, 2 usage error.
    pub code: i32,
}

/// Every tool, by family.
const FAMILIES: &[&[cmd::Tool]] = &[
    action::TOOLS,
    config::TOOLS,
    extra::TOOLS,
    leader::TOOLS,
    legacy::TOOLS,
    log::TOOLS,
    ports::TOOLS,
    relation::TOOLS,
    secret::TOOLS,
    state::TOOLS,
    status::TOOLS,
    unit::TOOLS,
];

fn find(name: &str) -> Option<&'static cmd::Tool> {
    FAMILIES
        .iter()
        .flat_map(|family| family.iter())
        .find(|tool| tool.spec.name == name)
}

/// Runs hook tool `name` with `args` against `ctx`, reading `stdin` only when asked
/// (`--file -`). `cwd` resolves relative `--file`/`-o` paths. Effects are recorded
/// in `ctx` (see the module documentation).
pub fn run_tool(
    name: &str,
    args: &[String],
    stdin: &mut dyn Read,
    cwd: &Path,
    ctx: &mut HookContextData,
) -> ToolOutput {
    run_tool_in(name, args, stdin, Path::new("/"), cwd, ctx)
}

/// [`run_tool`] for a caller whose filesystem is reached under `root` (a hook in a
/// machine: `/proc/<pid>/root`); `cwd` and the paths it names are the caller's.
pub fn run_tool_in(
    name: &str,
    args: &[String],
    stdin: &mut dyn Read,
    root: &Path,
    cwd: &Path,
    ctx: &mut HookContextData,
) -> ToolOutput {
    let mut io = cmd::Io {
        stdin,
        cwd,
        root,
        stdout: Vec::new(),
        stderr: Vec::new(),
    };
    let code = match find(name) {
        Some(tool) => cmd::execute(tool, args, ctx, &mut io),
        None => {
            let msg = format!("ERROR bad request: unknown hook command: {name}\n");
            io.stderr.extend_from_slice(msg.as_bytes());
            1
        }
    };
    ToolOutput {
        stdout: io.stdout,
        stderr: io.stderr,
        code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_has_a_tool_and_every_tool_a_name() {
        for name in TOOL_NAMES {
            assert!(find(name).is_some(), "{name} has no tool");
        }
        let count: usize = FAMILIES.iter().map(|f| f.len()).sum();
        assert_eq!(count, TOOL_NAMES.len());
        assert_eq!(TOOL_NAMES.len(), 50);
    }
}
