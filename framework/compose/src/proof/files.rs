//! Files around the metadata: `icon.svg`, `copyright`, README, `hooks/`, `dispatch`,
//! `tests/00-autogen` and `revision`.

use super::{python, Lint};
use std::fs;
use std::io::Read;
use std::path::Path;

/// Windows charms name hooks with these extensions and need no exec bit.
const WINDOWS_HOOK_EXTS: [&str; 4] = [".ps1", ".cmd", ".bat", ".exe"];
const EC2_METADATA: &[u8] = b"http://169.254.169.254/";

/// What the charm's `dispatch` file looks like. Juju runs `dispatch`, when it exists, for
/// every hook and action; charm proof predates it and does not look at it.
pub(super) enum Dispatch {
    Missing,
    /// Present and runnable: Juju will use it for every hook.
    Runnable,
    /// Present but Juju cannot run it; every hook would fail.
    Broken(String),
}

impl Dispatch {
    pub(super) fn inspect(dir: &Path) -> Dispatch {
        let path = dir.join("dispatch");
        if fs::symlink_metadata(&path).is_err() {
            return Dispatch::Missing;
        }
        let meta = match fs::metadata(&path) {
            Ok(meta) if meta.is_file() => meta,
            Ok(_) => return Dispatch::Broken("dispatch is not a regular file".into()),
            Err(e) => return Dispatch::Broken(format!("cannot read dispatch: {e}")),
        };
        if !is_executable(&meta) {
            return Dispatch::Broken("dispatch is not executable".into());
        }
        // Only the first bytes: a compiled dispatch can be a large binary.
        match read_head(&path) {
            Ok(head) if head.starts_with(b"#!") || is_elf(&head) => Dispatch::Runnable,
            Ok(_) => Dispatch::Broken(
                "dispatch has no #! line and is not an ELF binary, so it cannot be executed".into(),
            ),
            Err(e) => Dispatch::Broken(format!("cannot read dispatch: {e}")),
        }
    }

    /// Whether Juju will run `dispatch` for every hook, making `hooks/*` and `actions/*`
    /// optional.
    pub(super) fn runs_hooks(&self) -> bool {
        matches!(self, Dispatch::Runnable)
    }

    pub(super) fn report(&self, lint: &mut Lint) {
        if let Dispatch::Broken(why) = self {
            lint.err(format!("{why}: Juju would fail every hook"));
        }
    }
}

/// The first four bytes of a file (fewer if it is shorter).
fn read_head(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(4);
    fs::File::open(path)?.take(4).read_to_end(&mut head)?;
    Ok(head)
}

fn is_elf(head: &[u8]) -> bool {
    head.starts_with(b"\x7fELF")
}

#[cfg(unix)]
pub(super) fn is_executable(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
pub(super) fn is_executable(_meta: &fs::Metadata) -> bool {
    true
}

/// icon.svg (I), hooks/ (I), copyright (W) and README (W), in charm proof's order. The
/// template icon and README boilerplate comparisons need charm-tools' template files and are
/// not done.
pub(super) fn check_root_files(dir: &Path, dispatch: bool, lint: &mut Lint) {
    if !dir.join("icon.svg").exists() {
        lint.info("No icon.svg file.");
    }
    if !dispatch && !dir.join("hooks").exists() {
        lint.info("no hooks directory");
    }
    if !dir.join("copyright").exists() {
        lint.warn("no copyright file");
    }
    let readmes: Vec<String> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.to_uppercase().contains("README"))
        .collect();
    if readmes.is_empty() {
        lint.warn("no README file");
    } else if readmes.iter().any(|r| r == "README.ex") {
        lint.warn("Includes template README.ex file");
    }
}

/// charm proof's `check_hook`: reports a non-executable hook (I) and one that reads the EC2
/// metadata service (W). Returns whether the hook exists.
pub(super) fn check_hook(dir: &Path, hook: &str, recommended: bool, lint: &mut Lint) -> bool {
    let hooks = dir.join("hooks");
    let windows = WINDOWS_HOOK_EXTS
        .iter()
        .map(|ext| hooks.join(format!("{hook}{ext}")))
        .find(|p| p.is_file());
    let path = windows.clone().unwrap_or_else(|| hooks.join(hook));
    let missing = |lint: &mut Lint| {
        if recommended {
            lint.info(format!("missing recommended hook {hook}"));
        }
        false
    };
    let Ok(meta) = fs::metadata(&path) else {
        return missing(lint);
    };
    if windows.is_none() && !is_executable(&meta) {
        lint.info(format!("{hook} not executable"));
    }
    let Ok(head) = read_head(&path) else {
        return missing(lint);
    };
    // A binary hook (often a link to a compiled dispatch) has no URLs worth scanning for.
    if is_elf(&head) {
        return true;
    }
    let Ok(content) = fs::read(&path) else {
        return missing(lint);
    };
    for (i, line) in content.split(|&b| b == b'\n').enumerate() {
        if line.windows(EC2_METADATA.len()).any(|w| w == EC2_METADATA) {
            lint.warn(format!(
                "({hook}:{}) - hook accesses EC2 metadata service directly",
                i + 1
            ));
        }
    }
    true
}

/// The hooks charm proof recommends. With a runnable `dispatch` they are not needed (Juju
/// runs `dispatch` instead), so only existing ones are checked.
pub(super) fn check_recommended_hooks(dir: &Path, dispatch: bool, lint: &mut Lint) {
    for hook in ["install", "start", "stop"] {
        check_hook(dir, hook, !dispatch, lint);
    }
    let has_config = dir.join("config.yaml").exists();
    check_hook(dir, "config-changed", has_config && !dispatch, lint);
}

/// The template test file (W) and a non-numeric `revision` file (E; Juju: "invalid revision
/// file").
pub(super) fn check_leftovers(dir: &Path, lint: &mut Lint) {
    if dir.join("tests").join("00-autogen").exists() {
        lint.warn("Includes template test file, tests/00-autogen");
    }
    let revision = dir.join("revision");
    if !revision.exists() {
        return;
    }
    match fs::read_to_string(&revision) {
        Ok(content) if python::parse_py_int(&content).is_some() => {}
        Ok(_) => lint.err("revision file contains non-numeric data"),
        Err(e) => lint.err(format!("cannot read {}: {e}", revision.display())),
    }
}
