//! Wire format of the machine's sockets: one JSON object per line, in each direction.
//!
//! Requests that stream output (the apt shim) also pass the client's stdin, stdout and stderr
//! as file descriptors (`SCM_RIGHTS`) with the request, so the server runs the program straight
//! on the client's terminal or pipes: nothing is copied and output streams as it comes.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::Arc;

use anyhow::Context;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Longest accepted request or response line.
const MAX_LINE: usize = 1 << 20;
/// Most descriptors accepted with one request.
const MAX_FDS: usize = 3;

/// Accepts clients on `listener` forever, each answered by `handle` on a thread of its own.
pub(crate) fn serve_each<S: Send + Sync + 'static>(
    server: Arc<S>,
    listener: UnixListener,
    handle: fn(&S, UnixStream),
) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let server = Arc::clone(&server);
        std::thread::spawn(move || handle(&server, stream));
    }
}

/// Writes `value` as one JSON line.
pub(crate) fn send<T: Serialize>(stream: &mut UnixStream, value: &T) -> anyhow::Result<()> {
    let mut line = serde_json::to_vec(value).context("encoding message")?;
    line.push(b'\n');
    stream.write_all(&line).context("writing to the socket")?;
    Ok(())
}

/// Reads one JSON line. `Ok(None)` at a clean end of stream.
pub(crate) fn receive<T: DeserializeOwned, R: Read>(
    reader: &mut BufReader<R>,
) -> anyhow::Result<Option<T>> {
    let mut line = Vec::new();
    let read = reader
        .by_ref()
        .take(MAX_LINE as u64)
        .read_until(b'\n', &mut line)
        .context("reading from the socket")?;
    if read == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        anyhow::bail!("message truncated or longer than {MAX_LINE} bytes");
    }
    let value = serde_json::from_slice(&line).context("decoding message")?;
    Ok(Some(value))
}

/// Sends `value` as one JSON line with `fds` attached.
pub(crate) fn send_with_fds<T: Serialize>(
    stream: &UnixStream,
    value: &T,
    fds: &[RawFd],
) -> anyhow::Result<()> {
    let mut line = serde_json::to_vec(value).context("encoding message")?;
    line.push(b'\n');
    let fd_bytes = std::mem::size_of_val(fds) as u32;
    // SAFETY: CMSG_SPACE is a pure size computation.
    let space = unsafe { libc::CMSG_SPACE(fd_bytes) } as usize;
    let mut control = vec![0u8; space];
    let mut iov = libc::iovec {
        iov_base: line.as_mut_ptr().cast(),
        iov_len: line.len(),
    };
    // SAFETY: msghdr is plain data; all pointers set below point into live buffers.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = space as _;
    // SAFETY: the control buffer is CMSG_SPACE(fd_bytes) long, so the first header and its
    // data fit.
    unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        if cmsg.is_null() {
            anyhow::bail!("no room for the descriptors");
        }
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(fd_bytes) as _;
        std::ptr::copy_nonoverlapping(
            fds.as_ptr(),
            libc::CMSG_DATA(cmsg).cast::<RawFd>(),
            fds.len(),
        );
    }
    // SAFETY: msg describes live buffers.
    let sent = unsafe { libc::sendmsg(stream.as_raw_fd(), &msg, libc::MSG_NOSIGNAL) };
    if sent < 0 {
        return Err(io::Error::last_os_error()).context("sending the request");
    }
    let sent = sent as usize;
    if sent < line.len() {
        // The descriptors went with the first part; the rest is ordinary data.
        (&*stream)
            .write_all(&line[sent..])
            .context("sending the request")?;
    }
    Ok(())
}

/// Receives one JSON line sent by [`send_with_fds`], with the descriptors that came with it.
pub(crate) fn receive_with_fds<T: DeserializeOwned>(
    stream: &UnixStream,
) -> anyhow::Result<(T, Vec<OwnedFd>)> {
    let mut buf = vec![0u8; 64 * 1024];
    // SAFETY: CMSG_SPACE is a pure size computation.
    let space =
        unsafe { libc::CMSG_SPACE((MAX_FDS * std::mem::size_of::<RawFd>()) as u32) } as usize;
    let mut control = vec![0u8; space];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: msghdr is plain data; pointers set below point into live buffers.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = space as _;
    // SAFETY: msg describes live buffers; MSG_CMSG_CLOEXEC keeps the fds out of unrelated children.
    let got = unsafe { libc::recvmsg(stream.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC) };
    if got < 0 {
        return Err(io::Error::last_os_error()).context("receiving the request");
    }
    let mut fds = Vec::new();
    // SAFETY: walking the control messages the kernel filled in, within msg_controllen.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_RIGHTS {
                let data = libc::CMSG_DATA(cmsg).cast::<RawFd>();
                let header = libc::CMSG_LEN(0) as usize;
                let count = ((*cmsg).cmsg_len as usize - header) / std::mem::size_of::<RawFd>();
                for i in 0..count {
                    let fd = std::ptr::read_unaligned(data.add(i));
                    fds.push(OwnedFd::from_raw_fd(fd));
                }
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    if msg.msg_flags & libc::MSG_CTRUNC != 0 {
        anyhow::bail!("too many descriptors with the request");
    }
    let mut line = buf[..got as usize].to_vec();
    if !line.ends_with(b"\n") {
        let mut reader = BufReader::new(stream);
        reader
            .by_ref()
            .take((MAX_LINE - line.len().min(MAX_LINE)) as u64)
            .read_until(b'\n', &mut line)
            .context("reading the request")?;
    }
    if !line.ends_with(b"\n") {
        anyhow::bail!("request truncated");
    }
    let value = serde_json::from_slice(&line).context("decoding the request")?;
    Ok((value, fds))
}
