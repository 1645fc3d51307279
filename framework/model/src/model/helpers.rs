//! The programs a model runs besides the charms: the hook-tool binary and the machines
//! provider's helper, found beside the `reactive` binary.

use std::path::{Path, PathBuf};

/// The hook-tool binary's name in the model's tools directory (and beside `reactive`).
pub const HOOK_TOOL_BINARY: &str = "reactive-hook-tool";

/// The machines provider's helper binary's name (beside `reactive`).
pub const MACHINE_HELPER_BINARY: &str = "reactive-machine";

/// The programs a model runs besides the charms.
#[derive(Debug, Clone)]
pub struct Helpers {
    /// The binary that answers as every hook tool (by the name it is called with); the
    /// model keeps a copy and links each tool's name to it.
    pub hook_tool: PathBuf,
    /// The `reactive-machine` binary (the machines provider's init, supervisor and entry
    /// helper).
    pub machine_helper: PathBuf,
}

impl Helpers {
    /// The helpers of the `reactive` binary at `exe`. The hook tool is, in order:
    /// `REACTIVE_HOOK_TOOL` if set; a static musl build of `reactive-hook-tool` from the
    /// same cargo target directory and profile (`cargo build --release --target
    /// x86_64-unknown-linux-musl --bin reactive-hook-tool`) if it is at least as new as
    /// the glibc one, because it starts in a third of the time (glibc probes the CPU at
    /// every start, which traps to the hypervisor on VMs; see BENCHMARKS.md); the
    /// `reactive-hook-tool` beside `exe`; else `exe` itself, which answers as the tools
    /// too. The machine helper is the `reactive-machine` beside `exe`.
    pub fn beside(exe: &Path) -> Helpers {
        Helpers {
            hook_tool: std::env::var_os("REACTIVE_HOOK_TOOL")
                .map(PathBuf::from)
                .unwrap_or_else(|| hook_tool_beside(exe)),
            machine_helper: exe.with_file_name(MACHINE_HELPER_BINARY),
        }
    }
}

/// The hook-tool binary found from `exe`'s location, ignoring the environment.
pub fn hook_tool_beside(exe: &Path) -> PathBuf {
    let beside = exe.with_file_name(HOOK_TOOL_BINARY);
    // <target>/<profile>/reactive → <target>/x86_64-unknown-linux-musl/<profile>/…
    let musl = exe.parent().and_then(|profile_dir| {
        let profile = profile_dir.file_name()?;
        let target = profile_dir.parent()?;
        Some(
            target
                .join("x86_64-unknown-linux-musl")
                .join(profile)
                .join(HOOK_TOOL_BINARY),
        )
    });
    match musl {
        // Only a build at least as new as the glibc one: never a stale tool.
        Some(m) if m.is_file() && newer_or_same(&m, &beside) => m,
        _ if beside.is_file() => beside,
        _ => exe.to_path_buf(),
    }
}

fn newer_or_same(a: &Path, b: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(a), modified(b)) {
        (Some(x), Some(y)) => x >= y,
        (Some(_), None) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_musl_hook_tool_is_preferred_only_when_at_least_as_new() -> anyhow::Result<()> {
        let root = std::env::temp_dir().join(format!("hook-tool-pick-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let release = root.join("release");
        let musl_dir = root.join("x86_64-unknown-linux-musl").join("release");
        std::fs::create_dir_all(&release)?;
        std::fs::create_dir_all(&musl_dir)?;
        let me = release.join("reactive");
        std::fs::write(&me, "")?;
        // Nothing but `reactive`: it answers as the tools itself.
        assert_eq!(hook_tool_beside(&me), me);
        let glibc = release.join(HOOK_TOOL_BINARY);
        std::fs::write(&glibc, "")?;
        assert_eq!(hook_tool_beside(&me), glibc);
        let musl = musl_dir.join(HOOK_TOOL_BINARY);
        std::fs::write(&musl, "")?;
        let set = |p: &Path, secs: u64| -> std::io::Result<()> {
            let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
            std::fs::File::options()
                .write(true)
                .open(p)?
                .set_modified(t)
        };
        set(&glibc, 2_000_000_000)?;
        set(&musl, 1_000_000_000)?;
        assert_eq!(
            hook_tool_beside(&me),
            glibc,
            "a stale musl build is not used"
        );
        set(&musl, 2_000_000_001)?;
        assert_eq!(hook_tool_beside(&me), musl);
        let _ = std::fs::remove_dir_all(&root);
        Ok(())
    }
}
