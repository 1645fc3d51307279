//! The machine's filesystem view, built by its init inside its new mount namespace.
//!
//! An overlay of the host's `/` (lower) with a per-machine upper directory; fresh `/proc`
//! (the machine's PID namespace), `/sys` (its network namespace), a recursive bind of `/dev`
//! with a private `/dev/shm`, tmpfs `/run` and `/tmp`; the fleet's shared apt download cache;
//! the helper binary and its links (also at the usual paths of systemd's tools, `apt-get` and
//! `apt`, whose real programs are kept in [`crate::apt::REAL_APT_DIR`]); the caller's binds; empty read-only tmpfs over hidden
//! paths (at least the fleet's base directory, which holds the other machines' upper
//! directories). Then `pivot_root` into it and a lazy unmount of the old root, so the machine
//! holds no copy of any host mount (not even other machines' namespace files).

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::sys;

/// What the init needs to build a machine; the host passes it as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct InitConfig {
    pub name: String,
    pub upper: PathBuf,
    pub work: PathBuf,
    pub merged: PathBuf,
    /// Host directory shared as `/var/cache/apt/archives`.
    pub apt_archives: PathBuf,
    /// Host file used as the fleet's package lock.
    pub apt_lock: PathBuf,
    /// The multi-call helper binary on the host.
    pub helper_binary: PathBuf,
    /// Host paths to hide.
    pub hidden: Vec<PathBuf>,
    /// `(host, inside)` bind mounts.
    pub binds: Vec<(PathBuf, PathBuf)>,
    /// Initial `/etc/hosts`.
    pub hosts: String,
}

/// `target` (absolute, inside the machine) as a path under the new root.
pub(crate) fn under(root: &Path, target: &Path) -> PathBuf {
    let mut out = root.to_path_buf();
    for component in target.components() {
        if let Component::Normal(part) = component {
            out.push(part);
        }
    }
    out
}

fn mount_fs(
    fstype: &str,
    target: &Path,
    flags: libc::c_ulong,
    data: Option<&str>,
) -> anyhow::Result<()> {
    fs::create_dir_all(target)
        .with_context(|| format!("creating mount point {}", target.display()))?;
    sys::mount(Some(Path::new(fstype)), target, Some(fstype), flags, data)
        .with_context(|| format!("mounting {fstype} on {}", target.display()))
}

fn bind(source: &Path, target: &Path, recursive: bool) -> anyhow::Result<()> {
    let flags = libc::MS_BIND | if recursive { libc::MS_REC } else { 0 };
    sys::mount(Some(source), target, None, flags, None)
        .with_context(|| format!("bind-mounting {} on {}", source.display(), target.display()))
}

/// Creates `target` as the same kind of thing as `source` (directory or empty file) so it
/// can be a bind mount point.
fn make_mount_point(source: &Path, target: &Path) -> anyhow::Result<()> {
    let meta = fs::metadata(source).with_context(|| format!("bind source {}", source.display()))?;
    if meta.is_dir() {
        fs::create_dir_all(target).with_context(|| format!("creating {}", target.display()))?;
    } else {
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        if fs::symlink_metadata(target).is_err() {
            fs::File::create(target).with_context(|| format!("creating {}", target.display()))?;
        }
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Builds the root filesystem and pivots into it. Runs in the init, in its new mount
/// namespace, before anything else can see that namespace.
pub(crate) fn build(cfg: &InitConfig) -> anyhow::Result<()> {
    // Our mount namespace is a copy of the host's; stop mount events flowing either way (on a
    // systemd host `/` is shared).
    sys::mount(
        None,
        Path::new("/"),
        None,
        libc::MS_REC | libc::MS_PRIVATE,
        None,
    )
    .context("making mounts private")?;

    let root = &cfg.merged;
    let data = format!(
        "lowerdir=/,upperdir={},workdir={}",
        cfg.upper.display(),
        cfg.work.display()
    );
    sys::mount(
        Some(Path::new("overlay")),
        root,
        Some("overlay"),
        0,
        Some(&data),
    )
    .with_context(|| format!("mounting the overlay on {} ({data})", root.display()))?;

    write(&root.join("etc/hostname"), &format!("{}\n", cfg.name))?;
    write(&root.join("etc/hosts"), &cfg.hosts)?;
    if root.join("etc/apt").is_dir() {
        write(
            &under(root, Path::new(crate::apt::KEEP_DEBS_CONF)),
            crate::apt::KEEP_DEBS_TEXT,
        )?;
    }

    // /proc before pivot_root: it must show the new PID namespace, and umount needs it.
    let nosuid_nodev_noexec = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
    mount_fs("proc", &root.join("proc"), nosuid_nodev_noexec, None)?;
    mount_fs("sysfs", &root.join("sys"), nosuid_nodev_noexec, None)?;
    fs::create_dir_all(root.join("dev")).context("creating /dev")?;
    bind(Path::new("/dev"), &root.join("dev"), true)?;
    // Fresh tmpfs on /dev/shm, /run and /tmp (which hides the host's /tmp from the lower layer).
    for (dir, options) in [
        ("dev/shm", "mode=1777"),
        ("run", "mode=755"),
        ("tmp", "mode=1777"),
    ] {
        mount_fs(
            "tmpfs",
            &root.join(dir),
            libc::MS_NOSUID | libc::MS_NODEV,
            Some(options),
        )?;
    }
    // `/run/systemd/system` is how `sd_booted()` and maintainer scripts tell that systemd
    // runs: they then use `systemctl`, which is the machine's service manager.
    for (dir, mode) in [
        ("run/lock", 0o1777),
        ("run/reactive", 0o755),
        ("run/systemd/system", 0o755),
    ] {
        let path = root.join(dir);
        fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        fs::set_permissions(&path, fs::Permissions::from_mode(mode))
            .with_context(|| format!("setting permissions of {}", path.display()))?;
    }

    // The shared download cache.
    let archives = root.join("var/cache/apt/archives");
    fs::create_dir_all(&archives).with_context(|| format!("creating {}", archives.display()))?;
    bind(&cfg.apt_archives, &archives, false)?;

    // The helper binary and its links, at a fixed path whatever the host layout.
    let bin_dir = under(root, Path::new(crate::MACHINE_BIN_DIR));
    let helper = bin_dir.join("reactive-machine");
    make_mount_point(&cfg.helper_binary, &helper)?;
    bind(&cfg.helper_binary, &helper, false)?;
    // The real apt-get and apt, kept where the shim finds them, before their usual paths
    // become the shim (the host's files, bound: nothing copied per machine).
    let real_dir = under(root, Path::new(crate::apt::REAL_APT_DIR));
    for (program, path) in crate::apt::PROGRAMS.iter().zip(crate::apt::SYSTEM_PATHS) {
        let host = Path::new(path);
        if !host.is_file() {
            continue;
        }
        let kept = real_dir.join(program);
        make_mount_point(host, &kept)?;
        bind(host, &kept, false)?;
    }
    for link in ["reactive-service"]
        .into_iter()
        .chain(crate::apt::PROGRAMS)
        .chain(crate::systemd::PROGRAMS)
    {
        let path = bin_dir.join(link);
        if fs::symlink_metadata(&path).is_err() {
            symlink("reactive-machine", &path)
                .with_context(|| format!("linking {}", path.display()))?;
        }
    }
    // systemd's and Debian's tools, apt-get and apt at their usual paths are the machine's,
    // whatever `PATH` a maintainer script or hook has. Replacing a host file leaves a
    // whiteout over it.
    let system_paths = crate::systemd::PROGRAMS
        .iter()
        .zip(crate::systemd::SYSTEM_PATHS)
        .chain(crate::apt::PROGRAMS.iter().zip(crate::apt::SYSTEM_PATHS));
    for (program, path) in system_paths {
        let target = under(root, Path::new(path));
        let wanted = Path::new(crate::MACHINE_BIN_DIR).join(program);
        if fs::read_link(&target).is_ok_and(|t| t == wanted) {
            continue;
        }
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        match fs::remove_file(&target) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("replacing {}", target.display())),
        }
        symlink(&wanted, &target).with_context(|| format!("linking {}", target.display()))?;
    }
    // A host's deny-all policy-rc.d (container images have one) would stop package scripts
    // from starting daemons; a Juju machine has none.
    let policy = under(root, Path::new(crate::systemd::compat::POLICY_RC_D));
    match fs::remove_file(&policy) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("removing {}", policy.display())),
    }

    // Hide first (read-write, so bind targets can be made inside), bind, then seal.
    let mut sealed = Vec::new();
    for hidden in &cfg.hidden {
        let target = under(root, hidden);
        if !target.is_dir() {
            continue;
        }
        mount_fs(
            "tmpfs",
            &target,
            libc::MS_NOSUID | libc::MS_NODEV,
            Some("mode=755,size=1m"),
        )?;
        sealed.push(target);
    }
    for (host, inside) in &cfg.binds {
        let target = under(root, inside);
        make_mount_point(host, &target)?;
        bind(host, &target, true)?;
    }
    for target in &sealed {
        sys::mount(
            None,
            target,
            None,
            libc::MS_REMOUNT | libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV,
            None,
        )
        .with_context(|| format!("making hidden {} read-only", target.display()))?;
    }

    // pivot_root(".", ".") stacks the old root on the new one; detaching "." then drops it
    // (the pivot_root(2) idiom, no directory left in the upper layer).
    std::env::set_current_dir(root).with_context(|| format!("entering {}", root.display()))?;
    sys::pivot_root(Path::new("."), Path::new(".")).context("pivot_root")?;
    sys::umount2(Path::new("."), libc::MNT_DETACH).context("detaching the old root")?;
    std::env::set_current_dir("/").context("entering the new root")?;
    Ok(())
}
