//! Typed hook-tool errors.

/// A hook tool could not be run or failed.
///
/// The message never contains `key=value` argument values or stdin, which may carry
/// secrets; it does carry the tool's stderr, which Juju writes for the operator.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// The tool is not on `PATH`.
    #[error("hook tool `{tool}` not found on PATH (is this process running inside a Juju hook?)")]
    Missing {
        /// Tool name.
        tool: String,
    },
    /// The tool ran and exited non-zero (or was killed).
    #[error("`{tool} {args}` failed ({status}): {stderr}")]
    Failed {
        /// Tool name.
        tool: String,
        /// Arguments, with `key=value` values redacted.
        args: String,
        /// Exit code, or the signal description.
        status: String,
        /// What the tool wrote to stderr, trimmed.
        stderr: String,
        /// The exit code, when there was one.
        code: Option<i32>,
    },
    /// The tool's output was not what its `--format=json` promises.
    #[error("`{tool}` printed output that is not the expected JSON")]
    BadOutput {
        /// Tool name.
        tool: String,
        /// Why it could not be read.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The tool's input could not be encoded (e.g. settings given to `relation-set`).
    #[error("cannot encode the input of hook tool `{tool}`")]
    Encode {
        /// Tool name.
        tool: String,
        /// The encoder's error.
        source: serde_json::Error,
    },
    /// Running the tool failed at the OS level.
    #[error("cannot run hook tool `{tool}`")]
    Io {
        /// Tool name.
        tool: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The call was refused before running anything (e.g. a non-leader app write).
    #[error("{0}")]
    Refused(String),
}

impl ToolError {
    /// A [`ToolError::BadOutput`] for `tool`.
    pub(crate) fn bad_output(
        tool: &str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> ToolError {
        ToolError::BadOutput {
            tool: tool.to_string(),
            source: source.into(),
        }
    }

    /// A [`ToolError::Encode`] for `tool`.
    pub(crate) fn encode(tool: &str, source: serde_json::Error) -> ToolError {
        ToolError::Encode {
            tool: tool.to_string(),
            source,
        }
    }

    /// The tool's exit code, for a tool that ran and failed.
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            ToolError::Failed { code, .. } => *code,
            _ => None,
        }
    }
}

/// `stderr` with the values of `args`' `key=value` arguments, and every string of
/// `sensitive` (secret content sent in files), replaced by `…`: a tool may echo an
/// argument (e.g. a secret given to leader-set) or a value in its error message.
pub(crate) fn scrub(stderr: &str, args: &[&str], sensitive: &[&str]) -> String {
    let mut out = stderr.to_string();
    let mut values: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .filter_map(|a| a.split_once('='))
        .map(|(_, v)| v)
        .chain(sensitive.iter().copied())
        .collect();
    // Longest first, so a value containing another is replaced whole.
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    for value in values {
        if !value.is_empty() {
            out = out.replace(value, "…");
        }
    }
    out
}

/// Arguments for display: values of `key=value` arguments replaced by `…`.
pub(crate) fn redact(args: &[&str]) -> String {
    args.iter()
        .map(|a| match a.split_once('=') {
            Some((k, _)) if !k.starts_with('-') => format!("{k}=…"),
            _ => (*a).to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::ToolError;

    /// The OS error is the source, so a chain printed with `{:#}` shows it once.
    #[test]
    fn an_io_error_is_printed_once() {
        let err = ToolError::Io {
            tool: "relation-get".into(),
            source: std::io::Error::new(std::io::ErrorKind::PermissionDenied, "no access"),
        };
        let chain = format!("{:#}", anyhow::Error::from(err));
        assert_eq!(chain, "cannot run hook tool `relation-get`: no access");
    }

    #[test]
    fn scrubs_argument_values_and_sensitive_strings() {
        assert_eq!(
            super::scrub(
                "ERROR bad pw=s3cret and hunter2 or hunter22",
                &["pw=s3cret", "--label=x"],
                &["hunter2", "hunter22"]
            ),
            "ERROR bad pw=… and … or …"
        );
    }

    #[test]
    fn redacts_values_but_not_options() {
        assert_eq!(
            super::redact(&["--format=json", "password=s3cret", "-r", "db:1"]),
            "--format=json password=… -r db:1"
        );
    }
}
