//! The layer option `no_start`: services a package's maintainer scripts must not start
//! while this layer installs it, because the charm has to configure them first (a
//! daemon that clusters, say, must not come up once with the package's own secrets).
//!
//! Debian's way: while `apt-get install` runs, `/usr/sbin/policy-rc.d` answers 101
//! ("action forbidden") to `invoke-rc.d` and `deb-systemd-invoke` for those services
//! (see [invoke-rc.d(8)] and Debian's `policy-rc.d` interface in
//! `/usr/share/doc/init-system-helpers/README.policy-rc.d`); an action in parentheses
//! (one invoke-rc.d's own policy refuses, such as starting a service that is not
//! enabled) is refused too, as it would be with no helper; anything else is allowed.
//! Enabling the service at boot is not a policy action and still happens. The file
//! carries a marker line; it is removed when the install returns, and at the start of
//! the next hook if a killed hook left it. A machine's own `policy-rc.d` is never
//! replaced: then the packages' scripts do what it says.
//!
//! [invoke-rc.d(8)]: https://manpages.debian.org/bookworm/init-system-helpers/invoke-rc.d.8.en.html

use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use crate::system::System;

/// The policy helper, below the machine's root.
pub const POLICY_RC_D: &str = "usr/sbin/policy-rc.d";
/// The line that marks the helper as this layer's.
pub const MARKER: &str = "# layer:apt no_start";

/// A service name as systemd and init scripts spell it; anything else could not be
/// matched safely in the helper's `case`.
pub fn check_service(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@._+-:".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "layer option apt.no_start: {name:?} is not a service name"
        ))
    }
}

/// The helper's text: 101 for starting one of `services` (with or without `.service`),
/// 0 for everything else.
pub fn script(services: &[String]) -> String {
    let names = services.join("|");
    format!(
        "#!/bin/sh\n\
         {MARKER}: written while the charm installs packages, removed after.\n\
         # policy-rc.d [options] <service> <action>: deny starting {names}.\n\
         # \"(start)\": invoke-rc.d itself would not run it; 0 would override that.\n\
         service=\n\
         for arg in \"$@\"; do\n\
         \x20   case \"$arg\" in -*) continue ;; \\(*\\)) exit 101 ;; esac\n\
         \x20   if [ -z \"$service\" ]; then service=\"${{arg%.service}}\"; continue; fi\n\
         \x20   case \"$service:$arg\" in\n\
         \x20       {patterns}) exit 101 ;;\n\
         \x20   esac\n\
         \x20   break\n\
         done\n\
         exit 0\n",
        patterns = services
            .iter()
            .flat_map(|s| {
                let s = s.strip_suffix(".service").unwrap_or(s);
                ["start", "restart", "try-restart"].map(|a| format!("{s}:{a}"))
            })
            .collect::<Vec<_>>()
            .join("|"),
    )
}

fn path(system: &dyn System) -> PathBuf {
    system.root().join(POLICY_RC_D)
}

fn is_ours(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .is_ok_and(|text| text.lines().nth(1).is_some_and(|l| l.starts_with(MARKER)))
}

/// The helper in place for the duration of an install; dropping it removes the file.
#[derive(Debug)]
pub struct Held {
    path: PathBuf,
}

impl Drop for Held {
    fn drop(&mut self) {
        // A package may have put its own helper there meanwhile: only ours goes.
        if !is_ours(&self.path) {
            return;
        }
        if let Err(e) = std::fs::remove_file(&self.path) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!("removing {}: {e}", self.path.display());
            }
        }
    }
}

/// Whether anything is at `path`, a dangling link included (Debian manages the helper
/// with alternatives, so it may be a link).
fn present(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Puts the helper in place for `services` (nothing to do for none). A `policy-rc.d`
/// that is not this layer's is left alone (`None`; logged).
pub fn hold(system: &dyn System, services: &[String]) -> std::io::Result<Option<Held>> {
    if services.is_empty() {
        return Ok(None);
    }
    let path = path(system);
    if present(&path) && !is_ours(&path) {
        tracing::info!(
            "{} exists and is not this layer's: the packages' scripts may start {}",
            path.display(),
            services.join(", ")
        );
        return Ok(None);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // Written beside it and renamed, so the helper is never seen half-written.
    let tmp = path.with_extension("layer-apt-tmp");
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o755)
            .open(&tmp)?;
        file.write_all(script(services).as_bytes())?;
        file.set_permissions(std::fs::Permissions::from_mode(0o755))?;
        drop(file);
        std::fs::rename(&tmp, &path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(Some(Held { path }))
}

/// At a hook's start: removes the helper a killed hook left behind.
pub fn remove_stale(system: &dyn System) {
    let path = path(system);
    if present(&path) && is_ours(&path) {
        match std::fs::remove_file(&path) {
            Ok(()) => tracing::warn!("removed {} left by an interrupted install", path.display()),
            Err(e) => tracing::warn!("removing {}: {e}", path.display()),
        }
    }
}
