//! Running Juju hook tools as subprocesses, with a per-hook read cache.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde::de::DeserializeOwned;

use super::error::{redact, scrub, ToolError};

/// `args` with `--format=json` appended, for the tools whose output is decoded.
fn json_args<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut full = args.to_vec();
    full.push("--format=json");
    full
}

/// The real backend: Juju's hook tools found on `PATH`.
///
/// Reads (`config-get`, `relation-get`, …) are cached for the life of this value, which
/// is one hook; a write through the same family drops that family's cached reads.
///
/// Hook tools cost a process each, so two calls are overlapped with the runtime's own
/// work: [`JujuTools::prefetch_json`] starts a read early (the entry point starts
/// `config-get` before opening the unit state), and `juju-log` runs while the next step
/// goes on (one call outstanding at a time, so records stay in order;
/// [`JujuTools::wait_detached`] or drop waits for it).
#[derive(Debug, Default)]
pub struct JujuTools {
    cache: RefCell<HashMap<Vec<String>, Vec<u8>>>,
    prefetched: RefCell<HashMap<Vec<String>, Child>>,
    /// The outstanding detached call: its tool, its process, and what to write on stderr
    /// if it fails (so that a log record is not lost).
    detached: RefCell<Option<(String, Child, String)>>,
    /// The last `is-leader` answer and when it was given.
    pub(crate) leader_seen: std::cell::Cell<Option<(bool, std::time::Instant)>>,
    dir: Option<PathBuf>,
}

impl JujuTools {
    /// A backend for the current hook, finding the tools on `PATH` as Juju arranges.
    pub fn new() -> JujuTools {
        JujuTools::default()
    }

    /// A backend running the tools found in `dir` (e.g. a local model's tools directory).
    pub fn in_dir(dir: impl Into<PathBuf>) -> JujuTools {
        let mut tools = JujuTools::default();
        tools.dir = Some(dir.into());
        tools
    }

    fn key(tool: &str, args: &[&str]) -> Vec<String> {
        std::iter::once(tool)
            .chain(args.iter().copied())
            .map(String::from)
            .collect()
    }

    /// Starts `tool args… --format=json` now; a later identical read takes its output.
    /// A failure to start is ignored here: the read runs the tool again and reports it.
    pub fn prefetch_json(&self, tool: &str, args: &[&str]) {
        let full = json_args(args);
        if let Ok(child) = self.spawn(tool, &full, false) {
            self.prefetched
                .borrow_mut()
                .insert(JujuTools::key(tool, &full), child);
        }
    }

    fn spawn(&self, tool: &str, args: &[&str], with_stdin: bool) -> Result<Child, ToolError> {
        let mut cmd = match &self.dir {
            Some(dir) => Command::new(dir.join(tool)),
            None => Command::new(tool),
        };
        cmd.args(args)
            .stdin(if with_stdin {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        match cmd.spawn() {
            Ok(child) => Ok(child),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ToolError::Missing {
                tool: tool.to_string(),
            }),
            Err(source) => Err(ToolError::Io {
                tool: tool.to_string(),
                source,
            }),
        }
    }

    fn finish(
        tool: &str,
        args: &[&str],
        sensitive: &[&str],
        child: Child,
    ) -> Result<Vec<u8>, ToolError> {
        let output = child.wait_with_output().map_err(|source| ToolError::Io {
            tool: tool.to_string(),
            source,
        })?;
        if output.status.success() {
            return Ok(output.stdout);
        }
        Err(ToolError::Failed {
            tool: tool.to_string(),
            args: redact(args),
            status: output.status.to_string(),
            stderr: scrub(
                String::from_utf8_lossy(&output.stderr).trim(),
                args,
                sensitive,
            ),
            code: output.status.code(),
        })
    }

    /// Runs `tool args…` (an argument vector, never a shell) and returns its stdout.
    pub(crate) fn run(
        &self,
        tool: &str,
        args: &[&str],
        stdin: Option<&[u8]>,
    ) -> Result<Vec<u8>, ToolError> {
        self.run_with(tool, args, stdin, &[])
    }

    /// Like [`JujuTools::run`], scrubbing `sensitive` strings (secret content passed in
    /// files) from the error as well as the arguments' values.
    pub(crate) fn run_scrubbed(
        &self,
        tool: &str,
        args: &[&str],
        sensitive: &[&str],
    ) -> Result<Vec<u8>, ToolError> {
        self.run_with(tool, args, None, sensitive)
    }

    fn run_with(
        &self,
        tool: &str,
        args: &[&str],
        stdin: Option<&[u8]>,
        sensitive: &[&str],
    ) -> Result<Vec<u8>, ToolError> {
        let mut child = self.spawn(tool, args, stdin.is_some())?;
        if let (Some(data), Some(mut pipe)) = (stdin, child.stdin.take()) {
            // A tool that fails on its arguments exits without reading stdin: the broken
            // pipe is not the error to report, the tool's own exit status and stderr are.
            if let Err(e) = pipe.write_all(data) {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(ToolError::Io {
                        tool: tool.to_string(),
                        source: e,
                    });
                }
            }
        }
        JujuTools::finish(tool, args, sensitive, child)
    }

    /// Runs a read-only tool, answering repeated calls from the cache.
    pub(crate) fn read(&self, tool: &str, args: &[&str]) -> Result<Vec<u8>, ToolError> {
        let key = JujuTools::key(tool, args);
        if let Some(hit) = self.cache.borrow().get(&key) {
            return Ok(hit.clone());
        }
        let pending = self.prefetched.borrow_mut().remove(&key);
        let out = match pending {
            Some(child) => JujuTools::finish(tool, args, &[], child)?,
            None => self.run(tool, args, None)?,
        };
        self.cache.borrow_mut().insert(key, out.clone());
        Ok(out)
    }

    /// Runs a read-only tool with `--format=json` and decodes its output. Empty output
    /// (some tools print nothing for "no value") decodes as JSON `null`.
    pub(crate) fn read_json<T: DeserializeOwned>(
        &self,
        tool: &str,
        args: &[&str],
    ) -> Result<T, ToolError> {
        decode(tool, &self.read(tool, &json_args(args))?)
    }

    /// Runs a tool with `--format=json`, uncached, and decodes its output.
    pub(crate) fn run_json<T: DeserializeOwned>(
        &self,
        tool: &str,
        args: &[&str],
    ) -> Result<T, ToolError> {
        decode(tool, &self.run(tool, &json_args(args), None)?)
    }

    /// Runs a tool that changes something, dropping cached reads of `invalidates`.
    pub(crate) fn write(
        &self,
        tool: &str,
        args: &[&str],
        stdin: Option<&[u8]>,
        invalidates: &[&str],
    ) -> Result<(), ToolError> {
        self.cache
            .borrow_mut()
            .retain(|k, _| !invalidates.contains(&k[0].as_str()));
        self.run(tool, args, stdin).map(drop)
    }

    /// Starts a tool whose outcome only matters for reporting (`juju-log`), after the
    /// previous such call finished.
    pub(crate) fn write_detached(
        &self,
        tool: &str,
        args: &[&str],
        on_failure: String,
    ) -> Result<(), ToolError> {
        self.wait_detached();
        let child = self.spawn(tool, args, false)?;
        *self.detached.borrow_mut() = Some((tool.to_string(), child, on_failure));
        Ok(())
    }

    /// Waits for the outstanding detached call; its failure is reported on stderr.
    pub fn wait_detached(&self) {
        if let Some((tool, child, on_failure)) = self.detached.borrow_mut().take() {
            if let Err(e) = JujuTools::finish(&tool, &[], &[], child) {
                let mut err = std::io::stderr().lock();
                let _ = writeln!(err, "WARNING {e}");
                let _ = write!(err, "{on_failure}");
            }
        }
    }
}

impl Drop for JujuTools {
    fn drop(&mut self) {
        self.wait_detached();
        for (_, mut child) in self.prefetched.get_mut().drain() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Decodes `--format=json` output; empty output (some tools print nothing for "no
/// value") is JSON `null`.
fn decode<T: DeserializeOwned>(tool: &str, out: &[u8]) -> Result<T, ToolError> {
    let text = std::str::from_utf8(out)
        .map_err(|e| ToolError::bad_output(tool, e))?
        .trim();
    serde_json::from_str(if text.is_empty() { "null" } else { text })
        .map_err(|e| ToolError::bad_output(tool, e))
}
