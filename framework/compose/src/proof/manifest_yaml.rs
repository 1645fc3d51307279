//! `manifest.yaml` (written by charmcraft; optional): Juju's rules for `bases`. charm proof does
//! not read this file.

use super::{python, Lint};
use serde_yaml::Value;
use std::path::{Path, PathBuf};

const BASE_NAMES: &[&str] = &[
    "ubuntu",
    "centos",
    "windows",
    "osx",
    "opensuse",
    "genericlinux",
];
const ARCHITECTURES: &[&str] = &["amd64", "arm64", "ppc64el", "s390x", "riscv64"];
const RISKS: &[&str] = &["stable", "candidate", "beta", "edge"];
/// The Ubuntu releases Juju 3.6 deploys to.
const DEPLOYABLE_UBUNTU: &[&str] = &["20.04", "22.04", "24.04"];

/// The parsed `manifest.yaml`, loaded up front because the metadata format rules depend on
/// whether it declares bases.
pub(super) struct Manifest {
    path: PathBuf,
    /// `None` when the file does not exist.
    loaded: Option<Result<Value, String>>,
}

impl Manifest {
    pub(super) fn load(dir: &Path) -> Manifest {
        let path = dir.join("manifest.yaml");
        let loaded = path.exists().then(|| python::load(&path));
        Manifest { path, loaded }
    }

    /// A non-empty `bases` list, which makes Juju read the metadata as format v2.
    pub(super) fn has_bases(&self) -> bool {
        self.bases().is_some_and(|b| !b.is_empty())
    }

    fn bases(&self) -> Option<&Vec<Value>> {
        match &self.loaded {
            Some(Ok(manifest)) => manifest.get("bases").and_then(Value::as_sequence),
            _ => None,
        }
    }

    pub(super) fn check(&self, lint: &mut Lint) {
        let manifest = match &self.loaded {
            None => return,
            Some(Err(e)) => {
                lint.err(format!("cannot parse {}: {e}", self.path.display()));
                return;
            }
            Some(Ok(manifest)) => manifest,
        };
        if !manifest.is_mapping() {
            lint.err("manifest.yaml: must be a YAML map");
            return;
        }
        let bases = match manifest.get("bases") {
            None => return,
            Some(Value::Sequence(bases)) => bases,
            Some(_) => {
                lint.err("manifest.yaml: bases: must be a list");
                return;
            }
        };
        for (i, base) in bases.iter().enumerate() {
            check_base(&format!("manifest.yaml: bases[{i}]"), base, lint);
        }
        let deployable = bases.iter().any(|b| {
            let track = b
                .get("channel")
                .and_then(Value::as_str)
                .map(|c| c.split('/').next().unwrap_or_default());
            b.get("name").and_then(Value::as_str) == Some("ubuntu")
                && track.is_some_and(|t| DEPLOYABLE_UBUNTU.contains(&t))
        });
        // W, not E: other Juju 3 releases support other bases.
        if !bases.is_empty() && !deployable {
            lint.warn(format!(
                "manifest.yaml: no base Juju 3.6 can deploy (ubuntu {})",
                DEPLOYABLE_UBUNTU.join(", ")
            ));
        }
    }
}

fn check_base(prefix: &str, base: &Value, lint: &mut Lint) {
    let Some(base) = base.as_mapping() else {
        lint.err(format!("{prefix}: must be a map"));
        return;
    };
    match base.get("name") {
        None => lint.err(format!("{prefix}.name: required")),
        Some(Value::String(name)) if BASE_NAMES.contains(&name.as_str()) => {}
        Some(name) => lint.err(format!(
            "{prefix}.name: \"{}\" is not one of {}",
            python::py_str(name),
            BASE_NAMES.join(", ")
        )),
    }
    match base.get("channel") {
        None | Some(Value::Null) => lint.err(format!("{prefix}.channel: required")),
        Some(Value::String(channel)) if is_channel(channel) => {}
        Some(Value::String(channel)) => lint.err(format!(
            "{prefix}.channel: \"{channel}\" is not a valid channel (track[/risk])"
        )),
        // Unquoted 22.04 is a float, and 20.10 would even lose its trailing zero.
        Some(other) => lint.err(format!(
            "{prefix}.channel: must be a string, not {} (quote it, e.g. \"22.04\")",
            python::py_type(other)
        )),
    }
    match base.get("architectures") {
        None => {}
        Some(Value::Sequence(archs)) => {
            for arch in archs {
                let known = arch
                    .as_str()
                    .and_then(normalise_arch)
                    .is_some_and(|a| ARCHITECTURES.contains(&a));
                if !known {
                    lint.err(format!(
                        "{prefix}.architectures: \"{}\" is not one of {}",
                        python::py_str(arch),
                        ARCHITECTURES.join(", ")
                    ));
                }
            }
        }
        Some(_) => lint.err(format!("{prefix}.architectures: must be a list")),
    }
}

/// `track`, `track/risk` or `track/risk/branch`.
fn is_channel(channel: &str) -> bool {
    let parts: Vec<&str> = channel.split('/').collect();
    !parts.iter().any(|p| p.is_empty())
        && match parts.as_slice() {
            [_] => true,
            [_, risk] | [_, risk, _] => RISKS.contains(risk),
            _ => false,
        }
}

/// Juju's architecture aliases.
fn normalise_arch(arch: &str) -> Option<&'static str> {
    Some(match arch {
        "amd64" | "x86_64" => "amd64",
        "arm64" | "aarch64" => "arm64",
        "ppc64el" | "ppc64le" | "ppc64" => "ppc64el",
        "s390x" => "s390x",
        "riscv64" | "risc" | "risc-v64" | "risc-V64" => "riscv64",
        _ => return None,
    })
}
