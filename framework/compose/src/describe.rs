//! Reading a built charm's handlers and flags: its `dispatch --describe` (JSON written by
//! the runtime's `low_level::describe`), run without a hook.
//!
//! Only a compiled `dispatch` (an ELF file) is asked: a script could do anything when
//! run, and a charm built by another tool has no description. The process gets no Juju
//! variable, so even a binary that does not know `--describe` cannot act as a hook: it
//! fails on the missing `JUJU_UNIT_NAME` and its output is refused as not a description.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

/// The `format` of the descriptions this crate reads.
pub const FORMAT: &str = "charms-reactive-describe/1";

/// A charm's handlers and flags.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Description {
    /// Always [`FORMAT`].
    pub format: String,
    /// The charm's name (from `metadata.yaml`).
    #[serde(default)]
    pub charm: String,
    /// The layer crates in layer order.
    #[serde(default)]
    pub layers: Vec<String>,
    /// Every handler, in dispatch order (one per endpoint for interface handlers).
    pub handlers: Vec<HandlerInfo>,
    /// Every `#[startup]` function.
    #[serde(default)]
    pub startups: Vec<StartupInfo>,
    /// Flags layers declare they set by themselves.
    #[serde(default)]
    pub declared: Vec<FlagSource>,
    /// The runtime's automatic flags, by source (`config`, `endpoint`, …).
    #[serde(default)]
    pub automatic: Vec<FlagSource>,
}

/// One handler.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct HandlerInfo {
    /// `<crate>::<module>::<fn>`, with `:<endpoint>` for an interface handler.
    pub id: String,
    /// The crate (layer) it belongs to.
    pub layer: String,
    /// The source file.
    pub file: String,
    /// The line of the function's name.
    pub line: u32,
    /// `hooks`, `flags`, `action` or `restricted`.
    pub phase: String,
    /// Its conditions.
    pub conditions: Conditions,
    /// Flags its body (or a declared layer function it calls) sets.
    #[serde(default)]
    pub sets: Vec<String>,
    /// Flags its body clears.
    #[serde(default)]
    pub clears: Vec<String>,
    /// Flags its body tests (`is_flag_set`, …).
    #[serde(default)]
    pub reads: Vec<String>,
    /// Triggers its body registers.
    #[serde(default)]
    pub triggers: Vec<TriggerInfo>,
}

/// A handler's conditions, ANDed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Conditions {
    /// Every one set.
    #[serde(default)]
    pub when_all: Vec<String>,
    /// Groups of which at least one is set (one group per `#[when_any]`).
    #[serde(default)]
    pub when_any: Vec<Vec<String>>,
    /// None set.
    #[serde(default)]
    pub when_none: Vec<String>,
    /// Groups of which at least one is not set.
    #[serde(default)]
    pub when_not_all: Vec<Vec<String>>,
    /// Hook patterns (`#[hook]`, or the restricted hook).
    #[serde(default)]
    pub hooks: Vec<String>,
    /// Action names.
    #[serde(default)]
    pub actions: Vec<String>,
    /// Watched files.
    #[serde(default)]
    pub files_changed: Vec<String>,
    /// `#[only_once]`.
    #[serde(default)]
    pub only_once: bool,
}

/// One `#[startup]` function.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct StartupInfo {
    /// `<crate>::<module>::<fn>`.
    pub id: String,
    /// Its crate.
    pub layer: String,
    /// The source file.
    pub file: String,
    /// The line.
    pub line: u32,
    /// Flags its body sets.
    #[serde(default)]
    pub sets: Vec<String>,
    /// Flags its body clears.
    #[serde(default)]
    pub clears: Vec<String>,
    /// Triggers it registers.
    #[serde(default)]
    pub triggers: Vec<TriggerInfo>,
}

/// A trigger: when `when` is set (or `when_not` cleared), set and clear these flags.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TriggerInfo {
    /// The flag whose setting fires it.
    pub when: Option<String>,
    /// The flag whose clearing fires it.
    pub when_not: Option<String>,
    /// Flags it sets.
    #[serde(default)]
    pub sets: Vec<String>,
    /// Flags it clears.
    #[serde(default)]
    pub clears: Vec<String>,
}

/// Flags set by a layer or by the runtime. A `{placeholder}` stands for any name.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct FlagSource {
    /// The declaring layer crate.
    #[serde(default)]
    pub layer: Option<String>,
    /// The runtime's source (`config`, `endpoint`, `secret`, …).
    #[serde(default)]
    pub source: Option<String>,
    /// The flags, or patterns.
    pub flags: Vec<String>,
}

/// Why a charm has no description.
#[derive(Debug, thiserror::Error)]
pub enum DescribeError {
    /// No compiled `dispatch`.
    #[error("{0} is not a compiled reactive dispatch binary")]
    NotCompiled(PathBuf),
    /// It could not be run.
    #[error("running {path} --describe")]
    Run {
        /// The binary.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// It failed or printed something else.
    #[error("{path} --describe gave no description (built by an older reactive?): {detail}")]
    Invalid {
        /// The binary.
        path: PathBuf,
        /// The exit status or parse error, and the first line of stderr.
        detail: String,
    },
}

/// Whether `charm_dir/dispatch` is a compiled binary.
pub fn has_compiled_dispatch(charm_dir: &Path) -> bool {
    let mut head = [0u8; 4];
    std::fs::File::open(charm_dir.join("dispatch"))
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && head == *b"\x7fELF"
}

/// Runs `charm_dir/dispatch --describe` and parses what it prints.
pub fn describe(charm_dir: &Path) -> Result<Description, DescribeError> {
    let absolute = std::path::absolute(charm_dir);
    let charm_dir = absolute.as_deref().unwrap_or(charm_dir);
    let path = charm_dir.join("dispatch");
    if !has_compiled_dispatch(charm_dir) {
        return Err(DescribeError::NotCompiled(path));
    }
    let mut cmd = Command::new(&path);
    cmd.arg("--describe")
        .current_dir(charm_dir)
        .stdin(Stdio::null())
        .env("JUJU_CHARM_DIR", charm_dir);
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("JUJU_") && key != "JUJU_CHARM_DIR" || key == "CHARM_DIR" {
            cmd.env_remove(&key);
        }
    }
    let out = cmd.output().map_err(|source| DescribeError::Run {
        path: path.clone(),
        source,
    })?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let first_err = stderr.lines().next().unwrap_or("").to_string();
    if !out.status.success() {
        return Err(DescribeError::Invalid {
            path,
            detail: format!("{}: {first_err}", out.status),
        });
    }
    let parsed: Description =
        serde_json::from_slice(&out.stdout).map_err(|e| DescribeError::Invalid {
            path: path.clone(),
            detail: e.to_string(),
        })?;
    if parsed.format != FORMAT {
        return Err(DescribeError::Invalid {
            path,
            detail: format!("format {:?}, expected {FORMAT:?}", parsed.format),
        });
    }
    Ok(parsed)
}
