//! The multi-call tool binary's side of the agent socket: read the environment, send the
//! call to the unit agent, print the answer.

use std::io::{BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use charms_reactive_juju::env;

use super::protocol::{read_reply, write_request, Reply, Request, SocketPath};
use crate::tools::ToolOutput;

/// Entry point for the multi-call binary, given its command line as the OS passed it
/// (`std::env::args_os()`): the tool is `basename(argv0)`; the call goes to the unit
/// agent's socket named by `JUJU_AGENT_SOCKET_ADDRESS`, with the `JUJU_CONTEXT_ID` of the
/// environment. Prints the answer and returns the exit code.
///
/// Arguments travel on the socket as JSON strings, so bytes that are not UTF-8 become
/// U+FFFD, as they do in Juju (Go's JSON encoder replaces them on the way to the
/// controller); they never make the tool panic.
pub fn tool_main(mut command_line: impl Iterator<Item = std::ffi::OsString>) -> i32 {
    let argv0 = command_line
        .next()
        .map(|a| a.to_string_lossy().into_owned())
        .unwrap_or_default();
    let args: Vec<String> = command_line
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let context_id = std::env::var(env::CONTEXT_ID).ok();
    let socket = std::env::var_os(env::AGENT_SOCKET_ADDRESS).map(PathBuf::from);
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let mut stdin = std::io::stdin().lock();
    let out = tool_main_with_env(
        &argv0,
        &args,
        context_id.as_deref(),
        socket.as_deref(),
        &mut stdin,
        &cwd,
    );
    // Nothing useful can be done if the caller closed our output.
    let _ = std::io::stdout().write_all(&out.stdout);
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().write_all(&out.stderr);
    out.code
}

/// What [`tool_main`] does, with the environment given: `context_id` is
/// `JUJU_CONTEXT_ID` and `socket` is `JUJU_AGENT_SOCKET_ADDRESS` (`None` when unset).
/// Sends the call; if the tool needs standard input, sends it again with `stdin`.
pub fn tool_main_with_env(
    argv0: &str,
    args: &[String],
    context_id: Option<&str>,
    socket: Option<&Path>,
    stdin: &mut dyn Read,
    cwd: &Path,
) -> ToolOutput {
    let name = Path::new(argv0)
        .file_name()
        .map_or_else(|| argv0.to_string(), |n| n.to_string_lossy().into_owned());
    let Some(context_id) = context_id.filter(|id| !id.is_empty()) else {
        return error(&format!("{} not set", env::CONTEXT_ID));
    };
    let Some(socket) = socket.filter(|p| !p.as_os_str().is_empty()) else {
        return error(&format!("{} not set", env::AGENT_SOCKET_ADDRESS));
    };
    let mut request = Request {
        context_id: context_id.to_string(),
        command: name,
        args: args.to_vec(),
        dir: cwd.to_path_buf(),
        stdin: false,
    };
    match call(socket, &request, &[]) {
        Ok((reply, out)) if reply.needs_stdin => {
            let _ = out;
            let mut input = Vec::new();
            if let Err(e) = stdin.read_to_end(&mut input) {
                return error(&format!("cannot read standard input: {e}"));
            }
            request.stdin = true;
            match call(socket, &request, &input) {
                Ok((_, out)) => out,
                Err(e) => agent_error(socket, &e),
            }
        }
        Ok((_, out)) => out,
        Err(e) => agent_error(socket, &e),
    }
}

fn call(socket: &Path, request: &Request, input: &[u8]) -> std::io::Result<(Reply, ToolOutput)> {
    let sp = SocketPath::new(socket)?;
    let mut conn = UnixStream::connect(sp.path())?;
    write_request(&mut conn, request, input)?;
    conn.shutdown(std::net::Shutdown::Write)?;
    read_reply(&mut BufReader::new(conn))
}

fn agent_error(socket: &Path, e: &std::io::Error) -> ToolOutput {
    error(&format!(
        "cannot reach the unit agent at {}: {e} (tools work only while their hook runs)",
        socket.display()
    ))
}

fn error(msg: &str) -> ToolOutput {
    ToolOutput {
        stdout: Vec::new(),
        stderr: format!("ERROR {msg}\n").into_bytes(),
        code: 1,
    }
}
