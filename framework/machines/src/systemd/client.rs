//! The client side of `systemctl` and `journalctl`: arguments to the manager's socket, its
//! output and exit code back.

use std::io::{BufReader, Write};
use std::os::unix::net::UnixStream;

use super::{CliRequest, CliResponse, SYSTEMD_SOCKET};
use crate::protocol;

/// What systemd's tools say where no systemd runs (outside a machine).
const NOT_BOOTED: &str = "System has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down";

/// Sends `program args` to the manager and returns its answer.
pub(crate) fn call(program: &str, args: Vec<String>) -> Result<CliResponse, String> {
    let mut stream = UnixStream::connect(SYSTEMD_SOCKET).map_err(|_| NOT_BOOTED.to_string())?;
    let request = CliRequest {
        program: program.to_string(),
        args,
    };
    protocol::send(&mut stream, &request).map_err(|e| format!("{program}: {e:#}"))?;
    protocol::receive::<CliResponse, _>(&mut BufReader::new(&stream))
        .map_err(|e| format!("{program}: {e:#}"))?
        .ok_or_else(|| format!("{program}: the service manager closed the connection"))
}

/// Prints a response and returns its exit code.
pub(crate) fn print(response: CliResponse) -> i32 {
    let _ = std::io::stdout().write_all(response.stdout.as_bytes());
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().write_all(response.stderr.as_bytes());
    response.code
}

/// `systemctl` or `journalctl` (argv\[0\] `program`).
pub(crate) fn main(program: &str, args: Vec<String>) -> i32 {
    match call(program, args) {
        Ok(response) => print(response),
        Err(e) => {
            eprintln!("{e}");
            1
        }
    }
}
