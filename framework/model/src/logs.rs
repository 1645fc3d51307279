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

/// One record of the debug log: as stored, one line per line of its message, each
/// `<unit> <time> <LEVEL> <module> <line>` (time in UTC, to the microsecond:
/// `2025-01-01T12:01:02.123456Z`), so every line of a multi-line message carries the
/// unit, time, level and module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// The unit (`app/n`).
    pub unit: String,
    /// When it was recorded, as stored (`2025-01-01T12:01:02.123456Z`).
    pub time: String,
    /// `TRACE` … `CRITICAL`.
    pub level: String,
    /// Juju's logging module (`unit.app/0.juju-log`, `unit.app/0.install`,
    /// `juju.worker.uniter.operation`).
    pub module: String,
    /// One line of the message.
    pub text: String,
}

impl LogLine {
    /// Parses a stored line; `None` for a line of another shape (a log from before
    /// records had times).
    pub fn parse(line: &str) -> Option<LogLine> {
        let mut p = line.splitn(5, ' ');
        let (unit, time, level, module) = (p.next()?, p.next()?, p.next()?, p.next()?);
        let text = p.next().unwrap_or("");
        let well_formed = time.len() == 27
            && time.ends_with('Z')
            && time.as_bytes()[10] == b'T'
            && crate::logging_config::Level::parse(level).is_some();
        well_formed.then(|| LogLine {
            unit: unit.to_string(),
            time: time.to_string(),
            level: level.to_string(),
            module: module.to_string(),
            text: text.to_string(),
        })
    }
}

/// Where a hook's records go: the model's debug log, for one unit, keeping only the
/// levels the model's `logging-config` records.
#[derive(Debug, Clone)]
pub struct DebugLog {
    path: std::path::PathBuf,
    unit: String,
    config: crate::logging_config::LoggingConfig,
}

/// Held while a record is stamped and written: records of concurrent hooks land in
/// the file in the order of their times.
static DEBUG_LOG_WRITE: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl DebugLog {
    /// The debug log at `path` for `unit`, filtered by `config`.
    pub fn new(
        path: std::path::PathBuf,
        unit: &str,
        config: crate::logging_config::LoggingConfig,
    ) -> DebugLog {
        DebugLog {
            path,
            unit: unit.to_string(),
            config,
        }
    }

    /// The unit the records are of.
    pub fn unit(&self) -> &str {
        &self.unit
    }

    /// Records `message` (each of its lines) from `module` at `level`, now, if the
    /// logging config keeps it. A record that cannot be written is dropped: logging
    /// never fails a hook (the model's own errors surface elsewhere).
    pub fn record(&self, level: crate::logging_config::Level, module: &str, message: &str) {
        if !self.config.records(module, level) {
            return;
        }
        let _order = DEBUG_LOG_WRITE.lock().unwrap_or_else(|e| e.into_inner());
        let time = now_utc();
        let mut text = String::new();
        let message = message.strip_suffix('\n').unwrap_or(message);
        for line in message.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            text.push_str(&format!(
                "{} {time} {} {module} {line}\n",
                self.unit,
                level.as_str()
            ));
        }
        let _ = append(&self.path, &text);
    }
}

/// The time now, UTC, as stored: `2025-01-01T12:01:02.123456Z`.
fn now_utc() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = crate::secret::format_time(now.as_secs() as i64);
    format!("{}.{:06}Z", secs.trim_end_matches('Z'), now.subsec_micros())
}
