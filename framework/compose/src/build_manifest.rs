//! `.build.manifest`: the layers of a build and, per file, its origin, kind and sha256;
//! used to detect files changed by hand before a rebuild.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{io, BuildError};

/// The manifest's file name.
pub const FILE: &str = ".build.manifest";

/// One layer of the build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRef {
    /// The include as written (the charm name for the top layer).
    pub url: String,
    /// VCS revision, `""` when unknown.
    pub rev: String,
}

/// The manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Layers in merge order.
    pub layers: Vec<LayerRef>,
    /// Path → `[origin, "static" | "dynamic", sha256]`.
    pub signatures: BTreeMap<String, (String, String, String)>,
}

/// sha256 of bytes, hex.
pub fn sha256(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The hash a file at `path` is signed with: its content, or for a symlink its target.
pub fn signature_of(path: &Path) -> Option<String> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(path).ok()?;
        return Some(sha256(target.to_string_lossy().as_bytes()));
    }
    std::fs::read(path).ok().map(|d| sha256(&d))
}

impl Manifest {
    /// Reads `<dir>/.build.manifest`, if there is one.
    pub fn read(dir: &Path) -> Result<Option<Manifest>, BuildError> {
        let path = dir.join(FILE);
        if !path.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path).map_err(io(&path))?;
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|source| BuildError::Manifest { path, source })
    }

    /// Writes it as `<dir>/.build.manifest`.
    pub fn write(&self, dir: &Path) -> Result<(), BuildError> {
        let path = dir.join(FILE);
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        std::fs::write(&path, text).map_err(io(&path))
    }

    /// Files of `dir` that differ from this manifest: changed, deleted, or added (any
    /// file the manifest does not list).
    pub fn changes_in(&self, dir: &Path) -> Result<Vec<String>, BuildError> {
        let mut out = Vec::new();
        for (rel, (_, _, sig)) in &self.signatures {
            match signature_of(&dir.join(rel)) {
                None => out.push(format!("deleted after the build: {rel}")),
                Some(s) if &s != sig => out.push(format!("modified after the build: {rel}")),
                Some(_) => {}
            }
        }
        let mut present = Vec::new();
        list_files(dir, dir, &mut present)?;
        for rel in present {
            if rel != FILE && !self.signatures.contains_key(&rel) {
                out.push(format!("added after the build: {rel}"));
            }
        }
        Ok(out)
    }
}

/// Every file (and symlink) under `dir`, relative, sorted.
pub fn list_files(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), BuildError> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let mut entries: Vec<_> = entries.collect::<Result<Vec<_>, _>>().map_err(io(dir))?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let ft = e.file_type().map_err(io(&path))?;
        if ft.is_dir() {
            list_files(root, &path, out)?;
        } else {
            out.push(
                path.strip_prefix(root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
    Ok(())
}
