//! What the workspace's tests share instead of copying: fresh temporary folders
//! ([`tmp!`]), charm fixtures ([`charm`]), and two ways to drive a local model: through
//! the library (module `model`, feature `model`) and through the `reactive` binary ([`cli::CliModel`]), with
//! readers for the files a model writes ([`ModelFiles`]).
//!
//! Helpers panic with a message naming the file or command: they run inside tests, where
//! a panic is the failure report.

pub mod charm;
pub mod cli;
mod files;
#[cfg(feature = "model")]
pub mod model;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use files::{trace, ModelFiles};
#[cfg(feature = "model")]
pub use model::TestModel;

/// A fresh, empty directory `<base>/<name>`: whatever an earlier run left there is removed
/// first, and the directory stays after the test for a look at what it did.
pub fn fresh_dir(base: impl AsRef<Path>, name: &str) -> PathBuf {
    let dir = base.as_ref().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

/// `tmp!("name")`: a fresh, empty directory under the calling test crate's
/// `CARGO_TARGET_TMPDIR` (see [`fresh_dir`]). A macro because only the integration test
/// being compiled knows that directory.
#[macro_export]
macro_rules! tmp {
    ($name:expr) => {
        $crate::fresh_dir(env!("CARGO_TARGET_TMPDIR"), &$name)
    };
}

/// `target_dir!()`: the calling test crate's cargo target directory (the parent of its
/// `CARGO_TARGET_TMPDIR`), where tests keep what they build once and share, such as the
/// charms `reactive build` compiles (`<target>/reactive-build`). A macro for the same
/// reason as [`tmp!`].
#[macro_export]
macro_rules! target_dir {
    () => {
        $crate::target_dir_of(env!("CARGO_TARGET_TMPDIR"))
    };
}

/// The cargo target directory holding `tmpdir` (a test crate's `CARGO_TARGET_TMPDIR`);
/// the repository's `target` if it has no parent.
pub fn target_dir_of(tmpdir: &str) -> PathBuf {
    Path::new(tmpdir)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| repo_root().join("target"))
}

/// The repository's root directory.
pub fn repo_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    root.canonicalize()
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
}

/// Runs `cmd`, which must start and succeed; returns its output. The panic message shows
/// the command, its exit status, its stdout and its stderr.
pub fn run_ok(cmd: &mut Command) -> Output {
    let shown = format!("{cmd:?}");
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
    assert!(
        out.status.success(),
        "{shown} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Whether the host's package lists offer `package` (`apt-cache policy` shows a
/// candidate); false when `apt-cache` cannot run.
pub fn apt_candidate(package: &str) -> bool {
    Command::new("apt-cache")
        .args(["policy", package])
        .output()
        .map(|o| {
            let text = String::from_utf8_lossy(&o.stdout).into_owned();
            text.contains("Candidate:") && !text.contains("Candidate: (none)")
        })
        .unwrap_or(false)
}

/// Whether the host has `package` installed (`dpkg-query` says `install ok installed`);
/// false when `dpkg-query` cannot run.
pub fn host_has_package(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f", "${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

/// Writes `text` to `path`, creating its parent directories.
pub fn write_file(path: impl AsRef<Path>, text: &str) {
    let path = path.as_ref();
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Writes `text` to `path` as an executable (mode 0755).
pub fn write_executable(path: impl AsRef<Path>, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = path.as_ref();
    write_file(path, text);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Reads `path` as text; the panic names the file.
pub fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Owned strings, for comparing with lists of hooks and the like.
pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Whether this process runs as root (`/proc/self` belongs to the effective user).
pub fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}
