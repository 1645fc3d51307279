//! The multi-call binary's side: environment, the context file and its lock.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::{gostr, run_tool, ToolOutput};
use crate::context::{HookContextData, CONTEXT_FILE_ENV};

/// `tool_main` with its environment read.
pub(super) fn main(argv0: &str, args: Vec<String>) -> i32 {
    let context_id = std::env::var("JUJU_CONTEXT_ID").ok();
    let context_file = std::env::var_os(CONTEXT_FILE_ENV).map(PathBuf::from);
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let mut stdin = std::io::stdin().lock();
    let out = tool_main_with_env(
        argv0,
        &args,
        context_id.as_deref(),
        context_file.as_deref(),
        &mut stdin,
        &cwd,
    );
    // Nothing useful can be done if the caller closed our output.
    let _ = std::io::stdout().write_all(&out.stdout);
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().write_all(&out.stderr);
    out.code
}

/// What [`super::tool_main`] does, with the environment given: `context_id` is
/// `JUJU_CONTEXT_ID` and `context_file` is `REACTIVE_HOOK_CONTEXT` (`None` when
/// unset). Reads the context, checks the id, runs the tool and writes the context
/// back if it changed, all under an exclusive lock on `<context_file>.lock`.
pub fn tool_main_with_env(
    argv0: &str,
    args: &[String],
    context_id: Option<&str>,
    context_file: Option<&Path>,
    stdin: &mut dyn Read,
    cwd: &Path,
) -> ToolOutput {
    let name = Path::new(argv0)
        .file_name()
        .map_or_else(|| argv0.to_string(), |n| n.to_string_lossy().into_owned());
    let Some(context_id) = context_id.filter(|id| !id.is_empty()) else {
        return error("JUJU_CONTEXT_ID not set");
    };
    let Some(path) = context_file.filter(|p| !p.as_os_str().is_empty()) else {
        return error(&format!("{CONTEXT_FILE_ENV} not set"));
    };
    let lock_path = crate::context::lock_path(path);
    let lock = match std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
    {
        Ok(file) => file,
        Err(e) => {
            let why = gostr::path_error("open", &lock_path, &e);
            return error(&format!("cannot lock hook context: {why}"));
        }
    };
    // `File::lock` is stable since Rust 1.89, newer than the workspace's declared
    // `rust-version`; the toolchain building this crate is newer.
    #[allow(clippy::incompatible_msrv)]
    if let Err(e) = lock.lock() {
        return error(&format!(
            "cannot lock hook context {}: {e}",
            lock_path.display()
        ));
    }
    let mut ctx = match HookContextData::read(path) {
        Ok(ctx) => ctx,
        Err(e) => return error(&format!("cannot read hook context: {e}")),
    };
    if ctx.context_id != context_id {
        return error(&format!(
            "bad request: wrong context ID; got {}",
            gostr::quote(context_id)
        ));
    }
    let before = ctx.clone();
    let mut out = run_tool(&name, args, stdin, cwd, &mut ctx);
    if ctx != before {
        if let Err(e) = ctx.write(path) {
            let msg = format!("ERROR cannot save hook context: {e}\n");
            out.stderr.extend_from_slice(msg.as_bytes());
            if out.code == 0 {
                out.code = 1;
            }
        }
    }
    // The lock is released when `lock` is dropped, after the write.
    drop(lock);
    out
}

fn error(msg: &str) -> ToolOutput {
    ToolOutput {
        stdout: Vec::new(),
        stderr: format!("ERROR {msg}\n").into_bytes(),
        code: 1,
    }
}
