//! What a harness run observed.

use crate::backend::{LogLevel, Settings, StatusInfo};

/// One hook-tool call: the tool and its arguments (values of settings left out; secret
/// content shown as `key#file=…`, as the real tools receive it but without the path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCall {
    /// Tool name, e.g. `relation-set`.
    pub tool: String,
    /// Arguments.
    pub args: Vec<String>,
}

/// Side effects of a run that Juju keeps even when the hook fails, plus the call log.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    /// Every hook-tool call, in order.
    pub calls: Vec<ToolCall>,
    /// `juju-log` records, one per line.
    pub logs: Vec<(LogLevel, String)>,
    /// Unit statuses set, in order.
    pub unit_statuses: Vec<StatusInfo>,
    /// Application statuses set, in order.
    pub app_statuses: Vec<StatusInfo>,
    /// Leader settings written.
    pub leader_settings: Settings,
    /// Workload versions set.
    pub workload_versions: Vec<String>,
    /// Action results (`action-set`).
    pub action_results: Settings,
    /// `action-fail` message, if any.
    pub action_failure: Option<String>,
    /// `action-log` messages.
    pub action_logs: Vec<String>,
}

impl Record {
    /// The calls to one tool.
    pub fn calls_to<'a>(&'a self, tool: &'a str) -> impl Iterator<Item = &'a ToolCall> + 'a {
        self.calls.iter().filter(move |c| c.tool == tool)
    }
}
