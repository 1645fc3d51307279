//! What the apt layer touches outside the charm: programs it runs, files it writes,
//! dpkg's database and the clock of its retries. [`Host`] is the real machine; tests
//! replace it for the current thread with [`with_system`].

use std::cell::RefCell;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::Duration;

/// What a program printed and how it exited.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    /// The exit code (`None`: killed by a signal).
    pub code: Option<i32>,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

impl Output {
    /// Whether it exited 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

/// The machine as the apt layer sees it.
pub trait System {
    /// Runs `argv` (program and arguments, no shell) with `env` added to the environment
    /// and stdin from `/dev/null`.
    fn run(&self, argv: &[String], env: &[(&str, &str)]) -> std::io::Result<Output>;
    /// Waits before a retry.
    fn sleep(&self, duration: Duration);
    /// A value that changes whenever dpkg's database does (the modification time of
    /// `/var/lib/dpkg/status`); `None` if it cannot be read.
    fn dpkg_stamp(&self) -> Option<String>;
    /// Where `/etc/apt/...` files are written: `/` on a machine.
    fn root(&self) -> PathBuf;
}

/// The machine the hook runs on.
#[derive(Debug, Default, Clone, Copy)]
pub struct Host;

impl System for Host {
    fn run(&self, argv: &[String], env: &[(&str, &str)]) -> std::io::Result<Output> {
        let (program, args) = argv.split_first().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "empty command")
        })?;
        let out = Command::new(program)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .output()?;
        Ok(Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }

    fn dpkg_stamp(&self) -> Option<String> {
        let meta = std::fs::metadata("/var/lib/dpkg/status").ok()?;
        let modified = meta.modified().ok()?;
        let since = modified.duration_since(std::time::UNIX_EPOCH).ok()?;
        Some(format!(
            "{}.{:09}:{}",
            since.as_secs(),
            since.subsec_nanos(),
            meta.len()
        ))
    }

    fn root(&self) -> PathBuf {
        PathBuf::from("/")
    }
}

thread_local! {
    static SYSTEM: RefCell<Option<Rc<dyn System>>> = const { RefCell::new(None) };
}

/// Runs `f` with `system` standing for the machine on this thread (the harness runs
/// handlers on the test's thread), then restores the previous one.
pub fn with_system<R>(system: Rc<dyn System>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Rc<dyn System>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            SYSTEM.with(|s| *s.borrow_mut() = previous);
        }
    }
    let _restore = Restore(SYSTEM.with(|s| s.borrow_mut().replace(system)));
    f()
}

/// The machine of the current thread: a test's stand-in, else [`Host`].
pub fn current() -> Rc<dyn System> {
    SYSTEM
        .with(|s| s.borrow().clone())
        .unwrap_or_else(|| Rc::new(Host))
}
