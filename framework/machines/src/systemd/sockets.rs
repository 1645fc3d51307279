//! Socket units' listening sockets ([systemd.socket(5)]): `ListenStream=` as a port
//! (`4369`: every address, IPv6 and IPv4), an address and port (`0.0.0.0:4369`,
//! `[::1]:4369`) or a file system path. The manager opens them when the socket unit starts
//! and passes them to its service as systemd does ([sd_listen_fds(3)]): descriptors from 3,
//! `LISTEN_FDS`, `LISTEN_FDNAMES`, and `LISTEN_PID` (set by the helper the service is
//! started through, since only the started process knows its PID).
//!
//! [systemd.socket(5)]: https://www.freedesktop.org/software/systemd/man/latest/systemd.socket.html
//! [sd_listen_fds(3)]: https://www.freedesktop.org/software/systemd/man/latest/sd_listen_fds.html

use std::net::{SocketAddr, TcpListener};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixListener;
use std::path::Path;

use super::directives::UnitConfig;

/// Opens every `ListenStream=` of socket unit `unit`.
pub(crate) fn listen(unit: &UnitConfig) -> Result<Vec<OwnedFd>, String> {
    let mut fds = Vec::new();
    for value in &unit.listen_stream {
        let fd: OwnedFd = if value.starts_with('/') {
            let path = Path::new(value);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("Failed to create {}: {e}", dir.display()))?;
            }
            let _ = std::fs::remove_file(path);
            let listener = UnixListener::bind(path)
                .map_err(|e| format!("Failed to listen on {value}: {e}"))?;
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(unit.socket_mode))
                .map_err(|e| format!("Failed to set the mode of {value}: {e}"))?;
            listener.into()
        } else if let Ok(port) = value.parse::<u16>() {
            // Every address: IPv6 with IPv4 mapped (Linux's default), else IPv4 only.
            let listener = TcpListener::bind(("::", port))
                .or_else(|_| TcpListener::bind(("0.0.0.0", port)))
                .map_err(|e| format!("Failed to listen on port {port}: {e}"))?;
            listener.into()
        } else {
            let addr: SocketAddr = value
                .parse()
                .map_err(|_| format!("ListenStream={value} is not a port, address or path"))?;
            TcpListener::bind(addr)
                .map_err(|e| format!("Failed to listen on {value}: {e}"))?
                .into()
        };
        fds.push(fd);
    }
    Ok(fds)
}

/// Removes the file system sockets of `unit` once it stops listening.
pub(crate) fn unlink(unit: &UnitConfig) {
    for value in &unit.listen_stream {
        if value.starts_with('/') {
            let _ = std::fs::remove_file(value);
        }
    }
}

/// `reactive-machine listen-exec PROGRAM ARGV0 [ARGS…]`: sets `LISTEN_PID` to this process
/// (which the program becomes) and runs the program.
pub(crate) fn listen_exec_main(args: Vec<String>) -> i32 {
    use std::os::unix::process::CommandExt;
    let mut args = args.into_iter();
    let (Some(program), Some(argv0)) = (args.next(), args.next()) else {
        eprintln!("usage: reactive-machine listen-exec PROGRAM ARGV0 [ARGS...]");
        return 2;
    };
    let err = std::process::Command::new(&program)
        .arg0(argv0)
        .args(args)
        .env("LISTEN_PID", std::process::id().to_string())
        .exec();
    eprintln!("Failed to execute {program}: {err}");
    203
}
