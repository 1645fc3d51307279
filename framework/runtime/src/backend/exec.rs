//! Running Juju hook tools as subprocesses, with a per-hook read cache.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde::de::DeserializeOwned;

use super::error::{redact, ToolError};

/// The real backend: Juju's hook tools found on `PATH`.
///
/// Reads (`config-get`, `relation-get`, …) are cached for the life of this value, which
/// is one hook; a write through the same family drops that family's cached reads.
#[derive(Debug, Default)]
pub struct JujuTools {
    cache: RefCell<HashMap<Vec<String>, Vec<u8>>>,
    dir: Option<PathBuf>,
}

impl JujuTools {
    /// A backend for the current hook, finding the tools on `PATH` as Juju arranges.
    pub fn new() -> JujuTools {
        JujuTools::default()
    }

    /// A backend running the tools found in `dir` (e.g. a local model's tools directory).
    pub fn in_dir(dir: impl Into<PathBuf>) -> JujuTools {
        JujuTools { dir: Some(dir.into()), ..JujuTools::default() }
    }

    /// Runs `tool args…` (an argument vector, never a shell) and returns its stdout.
    pub(crate) fn run(&self, tool: &str, args: &[&str], stdin: Option<&[u8]>) -> Result<Vec<u8>, ToolError> {
        let io = |source| ToolError::Io { tool: tool.to_string(), source };
        let mut cmd = match &self.dir {
            Some(dir) => Command::new(dir.join(tool)),
            None => Command::new(tool),
        };
        cmd.args(args)
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ToolError::Missing { tool: tool.to_string() })
            }
            Err(e) => return Err(io(e)),
        };
        if let (Some(data), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(data).map_err(io)?;
        }
        let output = child.wait_with_output().map_err(io)?;
        if output.status.success() {
            return Ok(output.stdout);
        }
        Err(ToolError::Failed {
            tool: tool.to_string(),
            args: redact(args),
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
            code: output.status.code(),
        })
    }

    /// Runs a read-only tool, answering repeated calls from the cache.
    pub(crate) fn read(&self, tool: &str, args: &[&str]) -> Result<Vec<u8>, ToolError> {
        let key: Vec<String> = std::iter::once(tool).chain(args.iter().copied()).map(String::from).collect();
        if let Some(hit) = self.cache.borrow().get(&key) {
            return Ok(hit.clone());
        }
        let out = self.run(tool, args, None)?;
        self.cache.borrow_mut().insert(key, out.clone());
        Ok(out)
    }

    /// Runs a read-only tool with `--format=json` and decodes its output. Empty output
    /// (some tools print nothing for "no value") decodes as JSON `null`.
    pub(crate) fn read_json<T: DeserializeOwned>(&self, tool: &str, args: &[&str]) -> Result<T, ToolError> {
        let mut full: Vec<&str> = args.to_vec();
        full.push("--format=json");
        let out = self.read(tool, &full)?;
        let text = std::str::from_utf8(&out).map_err(|e| bad(tool, e))?.trim();
        serde_json::from_str(if text.is_empty() { "null" } else { text }).map_err(|e| bad(tool, e))
    }

    /// Runs a tool that changes something, dropping cached reads of `invalidates`.
    pub(crate) fn write(&self, tool: &str, args: &[&str], stdin: Option<&[u8]>, invalidates: &[&str]) -> Result<(), ToolError> {
        self.cache.borrow_mut().retain(|k, _| !invalidates.contains(&k[0].as_str()));
        self.run(tool, args, stdin).map(drop)
    }
}

fn bad(tool: &str, reason: impl std::fmt::Display) -> ToolError {
    ToolError::BadOutput { tool: tool.to_string(), reason: reason.to_string() }
}
