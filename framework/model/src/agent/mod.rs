//! The unit agent's socket: while a hook or action runs, the model serves its hook-tool
//! calls over a unix socket (`JUJU_AGENT_SOCKET_ADDRESS`), as Juju's uniter does.
//! [`protocol`] is the wire format, [`server`] the model's side (answering calls from
//! the hook's [`crate::context::HookContextData`] with [`crate::tools`]), [`client`] the
//! multi-call tool binary's side. Layer: above the hook tools, below process launch.

pub mod client;
mod output;
pub mod protocol;
pub mod server;

pub use client::{tool_main, tool_main_with_env};
pub use server::ToolServer;
