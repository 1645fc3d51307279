//! `install_sources` / `install_keys` (config) and the layer option `keys`: apt sources
//! and the keys that sign them.
//!
//! * A `deb …`/`deb-src …` line goes to `/etc/apt/sources.list.d/<app>-charm.list`, which
//!   the layer rewrites whole from the config (so removing a line removes the source).
//! * `ppa:owner/name` is added with `add-apt-repository --yes --no-update`.
//! * An armoured key (`-----BEGIN PGP PUBLIC KEY BLOCK-----`) is written to
//!   `/etc/apt/trusted.gpg.d/<app>-charm-<n>.asc`; `null` or empty means none.
//! * Each `keys` file (charm-relative) is copied to
//!   `/etc/apt/trusted.gpg.d/<app>-charm-layer-<n>.asc` (`.gpg` for a binary key).

use std::path::Path;

use serde_yaml::Value;

use crate::apt_get::{run_with_retries, AptFailure};
use crate::system::System;

/// A source or key the layer cannot use; the message is the blocked status.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SourceError {
    /// `install_sources` or `install_keys` is not a YAML list of strings.
    #[error("config {option}: not a YAML list of strings: {problem}")]
    NotAList {
        /// The option.
        option: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// More keys than sources, or fewer (and not none).
    #[error("config install_keys: {keys} key(s) for {sources} source(s); give one per source (null for none)")]
    KeyCount {
        /// Sources given.
        sources: usize,
        /// Keys given.
        keys: usize,
    },
    /// A source this layer does not know how to add.
    #[error("config install_sources: unsupported source {entry:?} (use ppa:owner/name or a 'deb …' line)")]
    Unsupported {
        /// The source.
        entry: String,
    },
    /// A key that is not an armoured public key.
    #[error("config install_keys: entry {index} is not an armoured public key (key ids need a keyserver, which this layer does not use)")]
    KeyId {
        /// 1-based position.
        index: usize,
    },
    /// A file could not be read or written.
    #[error("{path}: {problem}")]
    File {
        /// The file.
        path: String,
        /// The OS error.
        problem: String,
    },
    /// `add-apt-repository` failed.
    #[error("adding a source failed: {0}")]
    Command(#[from] AptFailure),
}

/// `install_sources`/`install_keys` as a list: a YAML list, a single string, or empty.
pub fn yaml_list(option: &'static str, text: &str) -> Result<Vec<Option<String>>, SourceError> {
    let bad = |problem: String| SourceError::NotAList { option, problem };
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let value: Value = serde_yaml::from_str(text).map_err(|e| bad(e.to_string()))?;
    match value {
        Value::Null => Ok(Vec::new()),
        Value::String(s) => Ok(vec![Some(s)]),
        Value::Sequence(items) => items
            .into_iter()
            .map(|i| match i {
                Value::Null => Ok(None),
                Value::String(s) if s.trim().is_empty() => Ok(None),
                Value::String(s) => Ok(Some(s)),
                other => Err(bad(format!("{other:?} is not a string"))),
            })
            .collect(),
        other => Err(bad(format!("{other:?}"))),
    }
}

fn write(path: &Path, text: &[u8]) -> Result<(), SourceError> {
    let fail = |e: std::io::Error| SourceError::File {
        path: path.display().to_string(),
        problem: e.to_string(),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    std::fs::write(path, text).map_err(fail)
}

/// Configures every source and key; the caller then updates the package lists.
pub fn configure(
    system: &dyn System,
    app: &str,
    charm_dir: &Path,
    sources_text: &str,
    keys_text: &str,
    layer_keys: &[String],
) -> Result<(), SourceError> {
    let sources = yaml_list("install_sources", sources_text)?;
    let keys = yaml_list("install_keys", keys_text)?;
    if !keys.is_empty() && keys.len() != sources.len() {
        return Err(SourceError::KeyCount {
            sources: sources.len(),
            keys: keys.len(),
        });
    }
    let root = system.root();
    let trusted = root.join("etc/apt/trusted.gpg.d");
    for (n, file) in layer_keys.iter().enumerate() {
        let path = charm_dir.join(file);
        let key = std::fs::read(&path).map_err(|e| SourceError::File {
            path: path.display().to_string(),
            problem: e.to_string(),
        })?;
        let ext = if key.starts_with(b"-----BEGIN") {
            "asc"
        } else {
            "gpg"
        };
        write(&trusted.join(format!("{app}-charm-layer-{n}.{ext}")), &key)?;
    }
    for (i, key) in keys.iter().enumerate() {
        let Some(key) = key else { continue };
        if !key
            .trim_start()
            .starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----")
        {
            return Err(SourceError::KeyId { index: i + 1 });
        }
        write(
            &trusted.join(format!("{app}-charm-{i}.asc")),
            key.as_bytes(),
        )?;
    }
    let mut deb_lines = String::new();
    for source in sources.iter().flatten() {
        let s = source.trim();
        if s.starts_with("deb ") || s.starts_with("deb-src ") {
            deb_lines.push_str(s);
            deb_lines.push('\n');
        } else if s.starts_with("ppa:") {
            let argv: Vec<String> = ["add-apt-repository", "--yes", "--no-update", s]
                .map(String::from)
                .to_vec();
            run_with_retries(system, &argv, || {})?;
        } else if s != "distro" {
            return Err(SourceError::Unsupported { entry: s.into() });
        }
    }
    let list = root.join(format!("etc/apt/sources.list.d/{app}-charm.list"));
    if deb_lines.is_empty() {
        let _ = std::fs::remove_file(&list);
    } else {
        write(&list, deb_lines.as_bytes())?;
    }
    Ok(())
}
