//! The model's logs (`hooks.log`, `debug.log`): appending to them as hooks run, reading
//! them back. Layer: vocabulary and layout (it depends on no other module of the crate).

use anyhow::Context;
use std::path::Path;

/// Appends `text` to the log at `path`; the error names the file.
pub(crate) fn append(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| path.display().to_string())?;
    f.write_all(text.as_bytes())
        .with_context(|| path.display().to_string())
}

/// A log's text: empty if the log is not written yet; any other error names the file.
pub(crate) fn read_log(path: &Path) -> anyhow::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(anyhow::Error::new(e).context(format!("reading {}", path.display()))),
    }
}
