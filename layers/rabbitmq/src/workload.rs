//! What the layer touches outside the charm: programs it runs (`rabbitmqctl`,
//! `rabbitmq-plugins`), the service, files it writes, the host name and the OS's
//! randomness. [`Host`] is the real machine; harness tests put a stand-in for the current
//! thread with [`with_workload`].

use std::cell::RefCell;
use std::io::{Read as _, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::rc::Rc;

/// What a program printed and how it exited: layer:apt's type, the same for both layers.
pub use layer_apt::system::Output;

/// The machine as this layer sees it.
pub trait Workload {
    /// Runs `argv` (no shell); `stdin` is written to its standard input (else
    /// `/dev/null`). Used for secrets: a password goes through stdin, never argv.
    fn run(&self, argv: &[&str], stdin: Option<&str>) -> std::io::Result<Output>;
    /// `start`, `stop`, `restart` or `enable` of a systemd unit (layer:base's control).
    fn service(&self, verb: &str, unit: &str) -> anyhow::Result<()>;
    /// `systemctl is-active <unit>`'s answer (`active`, `activating`, `failed`, …).
    fn service_state(&self, unit: &str) -> String;
    /// This machine's host name (the node is `rabbit@<hostname>`).
    fn hostname(&self) -> std::io::Result<String>;
    /// A file's content, `None` if it does not exist.
    fn read(&self, path: &Path) -> std::io::Result<Option<Vec<u8>>>;
    /// Writes `content` to `path` with `mode`, owned by `owner` (a user name; `None`:
    /// root), replacing it atomically.
    fn write(
        &self,
        path: &Path,
        content: &[u8],
        mode: u32,
        owner: Option<&str>,
    ) -> std::io::Result<()>;
    /// `n` bytes from the OS's randomness.
    fn random(&self, n: usize) -> std::io::Result<Vec<u8>>;
}

/// The machine the hook runs on.
#[derive(Debug, Default, Clone, Copy)]
pub struct Host;

impl Workload for Host {
    fn run(&self, argv: &[&str], stdin: Option<&str>) -> std::io::Result<Output> {
        let (program, args) = argv.split_first().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "empty command")
        })?;
        let mut cmd = Command::new(program);
        cmd.args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            });
        let mut child = cmd.spawn()?;
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(text.as_bytes())?;
            // Dropping the pipe ends the input.
        }
        let out = child.wait_with_output()?;
        Ok(Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    fn service(&self, verb: &str, unit: &str) -> anyhow::Result<()> {
        use layer_base::service;
        match verb {
            "start" => service::start(unit)?,
            "stop" => service::stop(unit)?,
            "restart" => service::restart(unit)?,
            "enable" => service::enable(unit)?,
            other => anyhow::bail!("unknown service verb {other:?}"),
        }
        Ok(())
    }

    fn service_state(&self, unit: &str) -> String {
        match self.run(&["systemctl", "is-active", unit], None) {
            Ok(out) => out.stdout.trim().to_string(),
            Err(e) => format!("unknown ({e})"),
        }
    }

    fn hostname(&self) -> std::io::Result<String> {
        // The UTS namespace's name: what the Erlang node takes for its short name.
        Ok(std::fs::read_to_string("/proc/sys/kernel/hostname")?
            .trim()
            .to_string())
    }

    fn read(&self, path: &Path) -> std::io::Result<Option<Vec<u8>>> {
        match std::fs::read(path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn write(
        &self,
        path: &Path,
        content: &[u8],
        mode: u32,
        owner: Option<&str>,
    ) -> std::io::Result<()> {
        use std::os::unix::fs::OpenOptionsExt;
        let dir = path.parent().unwrap_or(Path::new("/"));
        std::fs::create_dir_all(dir)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(".{name}.charm-new"));
        let _ = std::fs::remove_file(&tmp);
        // Created with its final mode (0400 for the cookie), so it is never readable by
        // others, even for a moment.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        file.write_all(content)?;
        file.sync_all()?;
        drop(file);
        if let Some(user) = owner {
            let (uid, gid) = user_ids(user)?;
            std::os::unix::fs::chown(&tmp, Some(uid), Some(gid))?;
        }
        std::fs::rename(&tmp, path)
    }

    fn random(&self, n: usize) -> std::io::Result<Vec<u8>> {
        let mut bytes = vec![0u8; n];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
        Ok(bytes)
    }
}

/// A user's uid and primary gid, from `/etc/passwd`.
fn user_ids(user: &str) -> std::io::Result<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd")?;
    passwd
        .lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            (f.len() > 3 && f[0] == user)
                .then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
                .flatten()
        })
        .next()
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("no user {user:?} in /etc/passwd"),
            )
        })
}

thread_local! {
    static WORKLOAD: RefCell<Option<Rc<dyn Workload>>> = const { RefCell::new(None) };
}

/// The workload of the current thread: [`Host`] unless a test put another.
pub fn workload() -> Rc<dyn Workload> {
    WORKLOAD
        .with(|w| w.borrow().clone())
        .unwrap_or_else(|| Rc::new(Host))
}

/// Runs `f` with `workload` in place of the machine, on this thread.
pub fn with_workload<R>(workload: Rc<dyn Workload>, f: impl FnOnce() -> R) -> R {
    let before = WORKLOAD.with(|w| w.replace(Some(workload)));
    let out = f();
    WORKLOAD.with(|w| *w.borrow_mut() = before);
    out
}
