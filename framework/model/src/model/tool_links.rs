//! The hook-tool links: a copy of the tool binary in `<model>/tools` and one link per
//! tool name to it, there and in the agent binaries' directory Juju has
//! (`<model>/tools/<version>/`, see `juju_files`).

use anyhow::Context;
use std::path::Path;

use super::helpers::HOOK_TOOL_BINARY;
use crate::paths::Paths;
use crate::tools;

/// Puts a copy of `binary` in the model's tools directory and one relative link per hook
/// tool to it, so the tools work wherever that directory is seen: on the host, and bound
/// into each machine, where the build tree may be hidden. The copy is redone only when
/// `binary` changed (the copy takes its source's time, so size and time tell).
pub(crate) fn link_hook_tools(paths: &Paths, binary: &Path) -> anyhow::Result<()> {
    let tools_dir = paths.tools_dir();
    std::fs::create_dir_all(&tools_dir).with_context(|| tools_dir.display().to_string())?;
    let copy = tools_dir.join(HOOK_TOOL_BINARY);
    if !same_file(binary, &copy) {
        let tmp = tools_dir.join(format!(".{HOOK_TOOL_BINARY}.tmp"));
        let copied = std::fs::copy(binary, &tmp).and_then(|_| {
            let modified = std::fs::metadata(binary)?.modified()?;
            std::fs::File::options()
                .write(true)
                .open(&tmp)?
                .set_modified(modified)
        });
        copied.with_context(|| format!("copying {} to {}", binary.display(), tmp.display()))?;
        std::fs::rename(&tmp, &copy).with_context(|| copy.display().to_string())?;
    }
    crate::juju_files::ensure_agent_binaries(paths, HOOK_TOOL_BINARY, tools::TOOL_NAMES)?;
    for name in tools::TOOL_NAMES {
        let link = tools_dir.join(name);
        if std::fs::read_link(&link).ok().as_deref() != Some(Path::new(HOOK_TOOL_BINARY)) {
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(HOOK_TOOL_BINARY, &link)
                .with_context(|| link.display().to_string())?;
        }
    }
    Ok(())
}

/// Same length and modification time: the copy carries its source's time.
fn same_file(a: &Path, b: &Path) -> bool {
    let stamp = |p: &Path| {
        let m = std::fs::metadata(p).ok()?;
        Some((m.len(), m.modified().ok()?))
    };
    matches!((stamp(a), stamp(b)), (Some(x), Some(y)) if x == y)
}
