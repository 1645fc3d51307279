//! The model's logs (`hooks.log`, `debug.log`) and private files (mode 0600 in a 0700
//! model directory): appending to the logs as hooks run, reading
//! them back. Layer: vocabulary and layout (it depends on no other module of the crate).

use anyhow::Context;
use std::path::Path;

/// Appends `text` to the log at `path`; the error names the file.
pub(crate) fn append(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    // Logs carry what hooks print, relation data and config included: owner only.
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .mode(PRIVATE_FILE)
        .append(true)
        .open(path)
        .with_context(|| path.display().to_string())?;
    f.write_all(text.as_bytes())
        .with_context(|| path.display().to_string())
}

/// The mode of every model file that may hold config, relation data, leader settings
/// or logs.
pub(crate) const PRIVATE_FILE: u32 = 0o600;

/// The mode of the model directory: nothing in it is reachable by other users.
pub(crate) const PRIVATE_DIR: u32 = 0o700;

/// Writes `bytes` to `path`, readable and writable by its owner only (an existing file
/// is tightened first); the error names the file.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(PRIVATE_FILE)
        .open(path)
        .with_context(|| path.display().to_string())?;
    f.set_permissions(std::fs::Permissions::from_mode(PRIVATE_FILE))
        .and_then(|()| f.write_all(bytes))
        .with_context(|| path.display().to_string())
}

/// Makes the model directory 0700 and its own files directly in it (state, secrets,
/// logs, lock) 0600: a model made before these modes were kept is tightened when opened.
pub(crate) fn tighten(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let set = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("making {} private", path.display()))
    };
    set(dir, PRIVATE_DIR)?;
    for entry in std::fs::read_dir(dir).with_context(|| dir.display().to_string())? {
        let entry = entry.with_context(|| dir.display().to_string())?;
        // Only the model's own files: the directory may hold other things.
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = name == ".lock" || [".json", ".log", ".tmp"].iter().any(|x| name.ends_with(x));
        if ours && entry.file_type().is_ok_and(|t| t.is_file()) {
            let path = entry.path();
            let mode = entry
                .metadata()
                .map(|m| m.permissions().mode())
                .unwrap_or(0);
            if mode & 0o077 != 0 {
                set(&path, mode & 0o700)?;
            }
        }
    }
    Ok(())
}

/// A log's text: empty if the log is not written yet; any other error names the file.
pub(crate) fn read_log(path: &Path) -> anyhow::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(anyhow::Error::new(e).context(format!("reading {}", path.display()))),
    }
}
