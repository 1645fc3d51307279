//! The agent socket's wire format, one call per connection.
//!
//! Request: a JSON [`Request`] line, then, when `stdin` is true, the caller's whole
//! standard input until end of stream. Reply: a JSON [`Reply`] line, then `stdout` and
//! `stderr` bytes of the lengths it gives. A tool that needs standard input (`--file -`)
//! and did not get it is answered with `needs_stdin`, having changed nothing (tools read
//! their input before recording any effect); the caller asks again with its input
//! (Juju's client does the same).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::tools::ToolOutput;

/// One tool call.
#[derive(Debug, Serialize, Deserialize)]
pub struct Request {
    /// `JUJU_CONTEXT_ID` of the caller.
    pub context_id: String,
    /// The tool, `basename(argv0)`.
    pub command: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// The caller's working directory (absolute), for relative `--file`/`-o` paths.
    pub dir: PathBuf,
    /// Whether standard input follows the request line.
    pub stdin: bool,
}

/// The answer to one call.
#[derive(Debug, Serialize, Deserialize)]
pub struct Reply {
    /// Exit code.
    pub code: i32,
    /// Length of the standard output bytes that follow.
    pub stdout: usize,
    /// Length of the standard error bytes that follow.
    pub stderr: usize,
    /// The tool reads standard input: ask again with it.
    #[serde(default)]
    pub needs_stdin: bool,
}

/// Writes `request` and, if it says so, the caller's standard input `input`.
pub fn write_request(w: &mut impl Write, request: &Request, input: &[u8]) -> std::io::Result<()> {
    let mut head = serde_json::to_vec(request).map_err(std::io::Error::other)?;
    head.push(b'\n');
    w.write_all(&head)?;
    w.write_all(input)
}

/// Reads a request line (the standard input, if any, follows it in `r`).
pub fn read_request(r: &mut impl BufRead) -> std::io::Result<Request> {
    let mut line = Vec::new();
    r.read_until(b'\n', &mut line)?;
    serde_json::from_slice(&line).map_err(std::io::Error::other)
}

/// Writes the answer: the reply line, then the tool's output.
pub fn write_reply(w: &mut impl Write, out: &ToolOutput, needs_stdin: bool) -> std::io::Result<()> {
    let reply = Reply {
        code: out.code,
        stdout: out.stdout.len(),
        stderr: out.stderr.len(),
        needs_stdin,
    };
    let mut head = serde_json::to_vec(&reply).map_err(std::io::Error::other)?;
    head.push(b'\n');
    w.write_all(&head)?;
    w.write_all(&out.stdout)?;
    w.write_all(&out.stderr)
}

/// Reads an answer: the reply line and the output it announces.
pub fn read_reply(r: &mut impl BufRead) -> std::io::Result<(Reply, ToolOutput)> {
    let mut line = Vec::new();
    r.read_until(b'\n', &mut line)?;
    let reply: Reply = serde_json::from_slice(&line).map_err(std::io::Error::other)?;
    let mut stdout = vec![0; reply.stdout];
    r.read_exact(&mut stdout)?;
    let mut stderr = vec![0; reply.stderr];
    r.read_exact(&mut stderr)?;
    let code = reply.code;
    Ok((
        reply,
        ToolOutput {
            stdout,
            stderr,
            code,
        },
    ))
}

/// Unix socket paths are limited to 107 bytes; longer ones are reached through
/// `/proc/self/fd/<dir fd>/<name>`, which stays short whatever the directory.
pub struct SocketPath {
    short: PathBuf,
    _dir: Option<std::fs::File>,
}

impl SocketPath {
    /// A usable path for socket `path` (its directory must exist).
    pub fn new(path: &Path) -> std::io::Result<SocketPath> {
        if path.as_os_str().len() < 100 {
            return Ok(SocketPath {
                short: path.to_path_buf(),
                _dir: None,
            });
        }
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            return Err(std::io::Error::other(format!(
                "bad socket path {}",
                path.display()
            )));
        };
        let dir_file = std::fs::File::open(dir)?;
        use std::os::fd::AsRawFd;
        let short = PathBuf::from(format!("/proc/self/fd/{}", dir_file.as_raw_fd())).join(name);
        Ok(SocketPath {
            short,
            _dir: Some(dir_file),
        })
    }

    /// The path to bind or connect to, valid while `self` lives.
    pub fn path(&self) -> &Path {
        &self.short
    }
}
