//! `juju-log`.

use super::{JujuTools, ToolError};

/// A `juju-log` level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// TRACE
    Trace,
    /// DEBUG
    Debug,
    /// INFO
    Info,
    /// WARNING
    Warning,
    /// ERROR
    Error,
}

impl LogLevel {
    /// The level word `juju-log -l` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "TRACE",
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warning => "WARNING",
            LogLevel::Error => "ERROR",
        }
    }

    /// The Juju level for a `tracing` level.
    pub fn from_tracing(level: &tracing::Level) -> LogLevel {
        match *level {
            tracing::Level::TRACE => LogLevel::Trace,
            tracing::Level::DEBUG => LogLevel::Debug,
            tracing::Level::INFO => LogLevel::Info,
            tracing::Level::WARN => LogLevel::Warning,
            tracing::Level::ERROR => LogLevel::Error,
        }
    }
}

/// The unit's log in the controller.
pub trait LogTools {
    /// Writes one (possibly multi-line) message at `level`.
    fn juju_log(&self, level: LogLevel, message: &str) -> Result<(), ToolError>;
}

impl LogTools for JujuTools {
    fn juju_log(&self, level: LogLevel, message: &str) -> Result<(), ToolError> {
        // If juju-log fails after this returns, the record goes to stderr as the caller
        // would have written it (Juju records a hook's stderr).
        let on_failure: String = message
            .lines()
            .map(|line| format!("{} {line}\n", level.as_str()))
            .collect();
        self.write_detached(
            "juju-log",
            &["-l", level.as_str(), "--", message],
            on_failure,
        )
    }
}
