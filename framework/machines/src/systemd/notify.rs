//! The notification socket of `Type=notify` units ([sd_notify(3)]): the manager gives each
//! such unit a datagram socket (its path in `NOTIFY_SOCKET`) and reads `READY=1`,
//! `MAINPID=`, `STATUS=`, `STOPPING=1` and `RELOADING=1` from it, with the sender's PID from
//! the kernel (`SO_PASSCRED`), so `NotifyAccess=` can be applied.
//!
//! [sd_notify(3)]: https://www.freedesktop.org/software/systemd/man/latest/sd_notify.html

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};

/// Where units' notification sockets live, inside the machine.
pub(crate) const NOTIFY_DIR: &str = "/run/reactive/notify";

/// One message: its sender and its `KEY=VALUE` fields.
#[derive(Debug, Clone)]
pub(crate) struct Message {
    pub sender: i32,
    pub fields: Vec<(String, String)>,
}

/// Binds the notification socket of `unit`, writable by every user (services drop
/// privileges before they notify).
pub(crate) fn bind(unit: &str) -> std::io::Result<(PathBuf, OwnedFd)> {
    std::fs::create_dir_all(NOTIFY_DIR)?;
    let path = Path::new(NOTIFY_DIR).join(unit);
    let _ = std::fs::remove_file(&path);
    // SAFETY: plain system call.
    let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd == -1 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a fresh fd we own.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let bytes = path.as_os_str().as_encoded_bytes();
    // SAFETY: sockaddr_un is plain data.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    if bytes.len() >= addr.sun_path.len() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("socket path {} too long", path.display()),
        ));
    }
    for (dst, src) in addr.sun_path.iter_mut().zip(bytes) {
        *dst = *src as libc::c_char;
    }
    let one: libc::c_int = 1;
    // SAFETY: valid fd, address and option pointers with their sizes.
    unsafe {
        if libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PASSCRED,
            (&one as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        ) == -1
            || libc::bind(
                fd.as_raw_fd(),
                (&addr as *const libc::sockaddr_un).cast(),
                std::mem::size_of::<libc::sockaddr_un>() as libc::socklen_t,
            ) == -1
        {
            return Err(std::io::Error::last_os_error());
        }
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777))?;
    Ok((path, fd))
}

/// Receives the next message (blocking).
pub(crate) fn receive(fd: &OwnedFd) -> std::io::Result<Message> {
    let mut buf = vec![0u8; 4096];
    // SAFETY: CMSG_SPACE is a pure size computation.
    let space = unsafe { libc::CMSG_SPACE(std::mem::size_of::<libc::ucred>() as u32) } as usize;
    let mut control = vec![0u8; space + 64];
    loop {
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        // SAFETY: msghdr is plain data; the pointers set point into live buffers.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = control.len() as _;
        // SAFETY: msg describes live buffers.
        let got = unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC) };
        if got < 0 {
            let err = std::io::Error::last_os_error();
            if err.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        let mut sender = 0;
        // SAFETY: walking the control messages the kernel filled in; descriptors sent along
        // are closed.
        unsafe {
            let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
            while !cmsg.is_null() {
                if (*cmsg).cmsg_level == libc::SOL_SOCKET {
                    if (*cmsg).cmsg_type == libc::SCM_CREDENTIALS {
                        let cred: libc::ucred =
                            std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast());
                        sender = cred.pid;
                    } else if (*cmsg).cmsg_type == libc::SCM_RIGHTS {
                        let data = libc::CMSG_DATA(cmsg).cast::<libc::c_int>();
                        let count = ((*cmsg).cmsg_len as usize - libc::CMSG_LEN(0) as usize)
                            / std::mem::size_of::<libc::c_int>();
                        for i in 0..count {
                            drop(OwnedFd::from_raw_fd(std::ptr::read_unaligned(data.add(i))));
                        }
                    }
                }
                cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
            }
        }
        let text = String::from_utf8_lossy(&buf[..got as usize]).into_owned();
        return Ok(Message {
            sender,
            fields: parse_fields(&text),
        });
    }
}

/// `KEY=VALUE` lines of a notification.
pub(crate) fn parse_fields(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// `systemd-notify`'s sending side: one datagram to `$NOTIFY_SOCKET`.
pub(crate) fn send(socket: &str, text: &str) -> std::io::Result<()> {
    let sock = std::os::unix::net::UnixDatagram::unbound()?;
    sock.send_to(text.as_bytes(), socket)?;
    Ok(())
}

/// `systemd-notify [--ready] [--pid=PID] [--status=TEXT] [--stopping] [--reloading]
/// [VAR=VALUE…]`.
pub(crate) fn systemd_notify_main(args: Vec<String>) -> i32 {
    let mut lines = Vec::new();
    for arg in &args {
        match arg.as_str() {
            "--ready" => lines.push("READY=1".to_string()),
            "--stopping" => lines.push("STOPPING=1".to_string()),
            "--reloading" => lines.push("RELOADING=1".to_string()),
            "--booted" => {
                return if Path::new("/run/systemd/system").is_dir() {
                    0
                } else {
                    1
                };
            }
            "--no-block" => {}
            "--pid" => {
                // SAFETY: plain system call.
                lines.push(format!("MAINPID={}", unsafe { libc::getppid() }));
            }
            other => {
                if let Some(pid) = other.strip_prefix("--pid=") {
                    lines.push(format!("MAINPID={pid}"));
                } else if let Some(status) = other.strip_prefix("--status=") {
                    lines.push(format!("STATUS={status}"));
                } else if other.contains('=') && !other.starts_with('-') {
                    lines.push(other.to_string());
                } else {
                    eprintln!("systemd-notify: unknown option {other:?}");
                    return 1;
                }
            }
        }
    }
    let Ok(socket) = std::env::var("NOTIFY_SOCKET") else {
        eprintln!("No status data could be sent: $NOTIFY_SOCKET was not set");
        return 1;
    };
    if lines.is_empty() {
        eprintln!("systemd-notify: no status data given");
        return 1;
    }
    match send(&socket, &lines.join("\n")) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("Failed to notify init system: {e}");
            1
        }
    }
}
