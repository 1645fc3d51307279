//! The unit agent's side of the hook tools: while a hook runs, the model serves its tool
//! calls over a unix socket (`JUJU_AGENT_SOCKET_ADDRESS`), as Juju's uniter does. The
//! hook's [`HookContextData`] stays in the model's memory; each call is answered from it
//! and records its effects there, one call at a time (Juju holds a mutex per context).
//!
//! Wire format, one call per connection. Request: a JSON [`Request`] line, then, when
//! `stdin` is true, the caller's whole standard input until end of stream. Reply: a
//! JSON [`Reply`] line, then `stdout` and `stderr` bytes of the lengths it gives. A
//! tool that needs standard input (`--file -`) and did not get it is answered with
//! `needs_stdin`, its effects discarded; the caller asks again with its input (Juju's
//! client does the same).

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Output};

use serde::{Deserialize, Serialize};

use crate::context::HookContextData;
use crate::tools::{gostr_quote, run_tool, ToolOutput};

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
    /// Set only by the model itself, to end the service when the hook has exited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<String>,
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

/// A bound agent socket for one hook or action.
pub struct ToolServer {
    listener: UnixListener,
    path: PathBuf,
    stop_token: String,
}

impl ToolServer {
    /// Binds `path` (a stale socket file there is replaced).
    pub fn bind(path: &Path) -> anyhow::Result<ToolServer> {
        let _ = std::fs::remove_file(path);
        let sp = SocketPath::new(path)
            .map_err(|e| anyhow::anyhow!("agent socket {}: {e}", path.display()))?;
        let listener = UnixListener::bind(sp.path())
            .map_err(|e| anyhow::anyhow!("agent socket {}: {e}", path.display()))?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        Ok(ToolServer {
            listener,
            path: path.to_path_buf(),
            stop_token: format!("{}-{nanos}", std::process::id()),
        })
    }

    /// Serves tool calls against `ctx` until `child` (the hook) exits; returns its
    /// output. Calls that arrive after that find no socket.
    pub fn serve(self, ctx: &mut HookContextData, child: Child) -> anyhow::Result<Output> {
        Ok(self.serve_until(ctx, move || child.wait_with_output())??)
    }

    /// Serves tool calls against `ctx` while `work` runs on another thread (the hook's
    /// waiter, or a test's calls); returns what `work` returned.
    pub fn serve_until<T: Send + 'static>(
        self,
        ctx: &mut HookContextData,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let path = self.path.clone();
        let token = self.stop_token.clone();
        let waiter = std::thread::spawn(move || {
            let out = work();
            // Wake the accept loop; connections already queued are served first.
            let stop = Request {
                context_id: String::new(),
                command: String::new(),
                args: Vec::new(),
                dir: PathBuf::new(),
                stdin: false,
                stop: Some(token),
            };
            let sent = SocketPath::new(&path).and_then(|sp| {
                let mut s = UnixStream::connect(sp.path())?;
                let mut line = serde_json::to_vec(&stop).map_err(std::io::Error::other)?;
                line.push(b'\n');
                s.write_all(&line)
            });
            (out, sent)
        });
        for conn in self.listener.incoming() {
            let Ok(conn) = conn else { continue };
            match self.answer(conn, ctx) {
                Ok(true) => break,
                Ok(false) => {}
                // A caller that went away mid-call: nothing to answer.
                Err(_) => {}
            }
        }
        let _ = std::fs::remove_file(&self.path);
        let (out, sent) = waiter
            .join()
            .map_err(|_| anyhow::anyhow!("the hook waiter thread panicked"))?;
        sent.map_err(|e| anyhow::anyhow!("agent socket {}: {e}", self.path.display()))?;
        Ok(out)
    }

    /// Answers one connection; `Ok(true)` for the stop request.
    fn answer(&self, conn: UnixStream, ctx: &mut HookContextData) -> std::io::Result<bool> {
        let mut reader = BufReader::new(&conn);
        let mut line = Vec::new();
        reader.read_until(b'\n', &mut line)?;
        let req: Request = serde_json::from_slice(&line).map_err(std::io::Error::other)?;
        if let Some(token) = &req.stop {
            if *token == self.stop_token {
                return Ok(true);
            }
        }
        let (out, needs_stdin) = if req.context_id != ctx.context_id {
            let msg = format!(
                "ERROR bad request: wrong context ID; got {}\n",
                gostr_quote(&req.context_id)
            );
            (error_output(msg), false)
        } else if req.stdin {
            let mut input = Vec::new();
            reader.read_to_end(&mut input)?;
            let out = run_tool(
                &req.command,
                &req.args,
                &mut std::io::Cursor::new(input),
                &req.dir,
                ctx,
            );
            (out, false)
        } else {
            // Run on a copy: if the tool wants standard input, its effects are dropped
            // and the caller asks again with it.
            let mut trial = ctx.clone();
            let mut probe = StdinProbe::default();
            let out = run_tool(&req.command, &req.args, &mut probe, &req.dir, &mut trial);
            if !probe.asked {
                *ctx = trial;
            }
            (out, probe.asked)
        };
        let reply = Reply {
            code: out.code,
            stdout: out.stdout.len(),
            stderr: out.stderr.len(),
            needs_stdin,
        };
        let mut w = &conn;
        let mut head = serde_json::to_vec(&reply).map_err(std::io::Error::other)?;
        head.push(b'\n');
        w.write_all(&head)?;
        w.write_all(&out.stdout)?;
        w.write_all(&out.stderr)?;
        Ok(false)
    }
}

fn error_output(msg: String) -> ToolOutput {
    ToolOutput {
        stdout: Vec::new(),
        stderr: msg.into_bytes(),
        code: 1,
    }
}

/// Standard input of a call made without it: notes that the tool asked.
#[derive(Default)]
struct StdinProbe {
    asked: bool,
}

impl Read for StdinProbe {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        self.asked = true;
        Err(std::io::Error::other(
            "hook tool requires stdin, none supplied",
        ))
    }
}
