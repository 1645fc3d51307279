//! The model's side of the agent socket: while a hook runs, each tool call is answered
//! from the hook's [`HookContextData`], which stays in the model's memory and records the
//! call's effects, one call at a time (Juju holds a mutex per context).

use std::io::{BufReader, Read};
use std::os::fd::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Output};
use std::time::Duration;

use super::protocol::{read_request, write_reply, SocketPath};
use crate::context::{HookContextData, Immediate};
use crate::gostr;
use crate::logging_config::Level;
use crate::logs::DebugLog;
use crate::tools::{run_tool_in, ToolOutput};

/// A bound agent socket for one hook or action.
pub struct ToolServer {
    listener: UnixListener,
    path: PathBuf,
    /// Where the hook's records go as they are made (`juju-log` calls, output lines).
    log: Option<HookLog>,
}

/// The debug log of one hook or action and the name Juju logs its output under.
struct HookLog {
    log: DebugLog,
    /// The hook's or action's name: the output's module is `unit.<unit>.<name>`.
    name: String,
}

/// How long one call may take to send its request or read its answer: a stalled
/// caller must not hold up the rest of the hook (calls are answered one at a time).
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

impl ToolServer {
    /// Binds `path` (a stale socket file there is replaced).
    pub fn bind(path: &Path) -> anyhow::Result<ToolServer> {
        let _ = std::fs::remove_file(path);
        let sp = SocketPath::new(path)
            .map_err(|e| anyhow::anyhow!("agent socket {}: {e}", path.display()))?;
        let listener = UnixListener::bind(sp.path())
            .map_err(|e| anyhow::anyhow!("agent socket {}: {e}", path.display()))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| anyhow::anyhow!("agent socket {}: {e}", path.display()))?;
        Ok(ToolServer {
            listener,
            path: path.to_path_buf(),
            log: None,
        })
    }

    /// Records the hook's `juju-log` calls in `log` as they are made, and its output
    /// lines as they are written ([`ToolServer::serve`]), as Juju's unit agent logs them:
    /// stdout at DEBUG and stderr at WARNING under the module `unit.<unit>.<name>`
    /// (`name`: the hook's or action's).
    pub(crate) fn with_log(mut self, log: DebugLog, name: &str) -> ToolServer {
        self.log = Some(HookLog {
            log,
            name: name.to_string(),
        });
        self
    }

    /// Serves tool calls against `ctx` until `child` (the hook) exits; returns its
    /// output, each line of which is also recorded as it comes when there is a log
    /// ([`ToolServer::with_log`]). Calls that arrive after that find no socket.
    pub fn serve(self, ctx: &mut HookContextData, child: Child) -> anyhow::Result<Output> {
        let output_log = self.log.as_ref().map(|l| {
            let module = format!("unit.{}.{}", l.log.unit(), l.name);
            (l.log.clone(), module)
        });
        let (output, cpu) =
            self.serve_until(ctx, move || super::output::wait_logging(child, output_log))??;
        ctx.cpu = Some(cpu);
        Ok(output)
    }

    /// Serves tool calls against `ctx` while `work` runs on another thread (the hook's
    /// waiter, or a test's calls); returns what `work` returned. Calls still queued when
    /// `work` ends are refused, so what a hook's stray background processes manage to do
    /// does not depend on timing after the hook has exited.
    pub fn serve_until<T: Send + 'static>(
        self,
        ctx: &mut HookContextData,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let (wake_read, wake_write) = std::io::pipe()
            .map_err(|e| anyhow::anyhow!("agent socket {}: {e}", self.path.display()))?;
        let waiter = std::thread::spawn(move || {
            // Dropping the write end (even on a panic in `work`) wakes the loop below.
            let _wake = wake_write;
            work()
        });
        let mut fds = [
            libc::pollfd {
                fd: self.listener.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: wake_read.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        'serve: loop {
            // SAFETY: `fds` is a valid array of two pollfd for the whole call.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
            if n < 0 {
                if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                break;
            }
            if fds[1].revents != 0 {
                break;
            }
            loop {
                match self.listener.accept() {
                    Ok((conn, _)) => {
                        let logged = ctx.immediate.len();
                        // A caller that went away mid-call: nothing to answer.
                        let _ = self.answer(conn, ctx);
                        self.record_logs(&ctx.immediate[logged.min(ctx.immediate.len())..]);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    // Out of descriptors or worse: stop serving; the hook's later
                    // calls fail, and the hook with them.
                    Err(_) => break 'serve,
                }
            }
        }
        // Refuse whatever is still queued: the hook has ended.
        while let Ok((conn, _)) = self.listener.accept() {
            drop(conn);
        }
        let _ = std::fs::remove_file(&self.path);
        waiter
            .join()
            .map_err(|_| anyhow::anyhow!("the hook waiter thread panicked"))
    }

    /// Records the `juju-log` calls among `effects` (a call's new effects), as the
    /// unit agent does when the call is made: module `unit.<unit>.juju-log`.
    fn record_logs(&self, effects: &[Immediate]) {
        let Some(l) = &self.log else { return };
        for effect in effects {
            if let Immediate::Log { level, message } = effect {
                let level = Level::parse(level).unwrap_or(Level::Info);
                let module = format!("unit.{}.juju-log", l.log.unit());
                l.log.record(level, &module, message);
            }
        }
    }

    /// Answers one connection.
    fn answer(&self, conn: UnixStream, ctx: &mut HookContextData) -> std::io::Result<()> {
        conn.set_nonblocking(false)?;
        conn.set_read_timeout(Some(CALL_TIMEOUT))?;
        conn.set_write_timeout(Some(CALL_TIMEOUT))?;
        let root = caller_root(&conn);
        let mut reader = BufReader::new(&conn);
        let req = read_request(&mut reader)?;
        let (out, needs_stdin) = if req.context_id != ctx.context_id {
            let msg = format!(
                "ERROR bad request: wrong context ID; got {}\n",
                gostr::quote(&req.context_id)
            );
            (error_output(msg), false)
        } else if req.stdin {
            let mut input = Vec::new();
            reader.read_to_end(&mut input)?;
            let out = run_tool_in(
                &req.command,
                &req.args,
                &mut std::io::Cursor::new(input),
                &root,
                &req.dir,
                ctx,
            );
            (out, false)
        } else {
            // Tools read standard input before they record any effect (`--file -` is
            // parsed first), so one that asks for it fails here having changed nothing,
            // and the caller asks again with its input.
            let mut probe = StdinProbe::default();
            let out = run_tool_in(&req.command, &req.args, &mut probe, &root, &req.dir, ctx);
            (out, probe.asked)
        };
        write_reply(&mut &conn, &out, needs_stdin)
    }
}

/// The caller's root directory as this process reaches it: `/proc/<pid>/root` of the
/// tool process (from the socket's peer credentials), so `--file`/`-o` paths of a hook in
/// a machine name files in that machine. `/` if the peer is unknown.
fn caller_root(conn: &UnixStream) -> PathBuf {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` and `len` are valid for writing and sized for SO_PEERCRED.
    let rc = unsafe {
        libc::getsockopt(
            conn.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if rc == 0 && cred.pid > 0 {
        PathBuf::from(format!("/proc/{}/root", cred.pid))
    } else {
        PathBuf::from("/")
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
