//! The model's lock: one command changes a model at a time (`flock` on `<model>/.lock`,
//! released when the file closes).

use anyhow::Context;
use std::path::Path;

/// The lock file of a model directory: one command changes a model at a time.
pub(super) const LOCK_FILE: &str = ".lock";

/// Takes the lock of the model in `dir` (creating the lock file), calling `waiting`
/// before blocking while another command holds it.
pub(super) fn lock_model(dir: &Path, waiting: impl FnOnce()) -> anyhow::Result<std::fs::File> {
    let path = dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| path.display().to_string())?;
    // `File::try_lock` is newer than the declared rust-version; the toolchain has it.
    #[allow(clippy::incompatible_msrv)]
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            waiting();
            #[allow(clippy::incompatible_msrv)]
            file.lock().with_context(|| path.display().to_string())?;
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(anyhow::Error::new(e).context(path.display().to_string()));
        }
    }
    Ok(file)
}
