//! `metadata.yaml`: charm proof's root-level rules and Juju's `CheckMeta` rules that are not
//! about relations (those live in `relations`).

use super::{manifest_yaml::Manifest, names, python, schema, Lint};
use charms_reactive_juju::endpoint::Role;
use charms_reactive_juju::names as juju_names;
use serde_yaml::{Mapping, Value};
use std::path::Path;

/// Root keys charm proof knows; others are reported as info (Juju ignores them).
const KNOWN_KEYS: &[&str] = &[
    "name",
    "display-name",
    "summary",
    "docs",
    "maintainer",
    "maintainers",
    "min-juju-version",
    "description",
    "categories",
    "subordinate",
    "provides",
    "requires",
    "format",
    "peers",
    "tags",
    "series",
    "storage",
    "extra-bindings",
    "payloads",
    "terms",
    "resources",
    "devices",
    "deployment",
];

/// Keys only metadata v1 may have, and keys only v2 may have (Juju's format selection).
const V1_ONLY: &[&str] = &["series", "deployment", "min-juju-version"];
const V2_ONLY: &[&str] = &["containers", "assumes", "charm-user"];

/// Extra field names `layer.yaml`'s `proof:` section allows in the schema-checked sections.
#[derive(Default)]
pub(super) struct Extensions {
    pub(super) storage: Vec<String>,
    pub(super) devices: Vec<String>,
    pub(super) resources: Vec<String>,
    pub(super) payloads: Vec<String>,
    pub(super) deployment: Vec<String>,
}

/// Reads the `proof:` extensions from `layer.yaml` (a built reactive charm carries one).
pub(super) fn proof_extensions(dir: &Path, lint: &mut Lint) -> Extensions {
    let path = dir.join("layer.yaml");
    if !path.is_file() {
        return Extensions::default();
    }
    let layer = match python::load(&path) {
        Ok(layer) => layer,
        Err(e) => {
            lint.warn(format!("cannot parse {}: {e}", path.display()));
            return Extensions::default();
        }
    };
    let proof = layer.get("proof");
    let names = |section: &str| -> Vec<String> {
        proof
            .and_then(|p| p.get(section))
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .filter_map(|ext| ext.get("name").map(python::py_str))
            .collect()
    };
    Extensions {
        storage: names("storage"),
        devices: names("devices"),
        resources: names("resources"),
        payloads: names("payloads"),
        deployment: names("deployment"),
    }
}

/// The root-level metadata checks, in charm proof's order, each followed by Juju's rule for
/// the same field.
pub(super) fn check(
    dir: &Path,
    meta: &Mapping,
    ext: &Extensions,
    manifest: &Manifest,
    lint: &mut Lint,
) {
    check_keys(meta, lint);
    check_name(dir, meta, lint);
    if let Some(Value::String(summary)) = meta.get("summary") {
        if summary.chars().count() > 72 {
            lint.warn("summary should be less than 72");
        }
    }
    check_display_name(meta, lint);
    check_maintainer(meta, lint);
    check_tags(meta, lint);
    schema::check_storage_and_devices(meta, ext, lint);
    check_series(meta, lint);
    check_min_juju_version(meta, lint);
    check_extra_bindings(meta, lint);
    schema::check_payloads(meta, ext, lint);
    check_terms(meta, lint);
    schema::check_resources(meta, ext, lint);
    schema::check_deployment(meta, ext, lint);
    check_format(meta, manifest, lint);
}

/// Unknown root keys (I); `name` and `summary` required (E, charm proof). Juju also requires
/// `description`, and all three must be strings.
fn check_keys(meta: &Mapping, lint: &mut Lint) {
    for key in meta.keys() {
        let key = python::py_str(key);
        if !KNOWN_KEYS.contains(&key.as_str()) {
            lint.info(format!("Unknown root metadata field ({key})"));
        }
    }
    for key in ["name", "summary", "description"] {
        match meta.get(key) {
            None => lint.err(format!("Missing required metadata field ({key})")),
            Some(Value::String(_)) => {}
            Some(other) => lint.err(format!(
                "metadata field ({key}) must be a string, not {}",
                python::py_type(other)
            )),
        }
    }
}

/// The directory name (I, charm proof) and Juju's charm name pattern (E).
fn check_name(dir: &Path, meta: &Mapping, lint: &mut Lint) {
    let name = meta
        .get("name")
        .map_or_else(|| "None".into(), python::py_str);
    // `canonicalize` so `.` and trailing slashes give the real directory name.
    let base = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.display().to_string());
    if name != base {
        lint.info(format!(
            "metadata name ({name}) must match directory name ({base}) exactly for local \
             deployment."
        ));
    }
    if let Some(Value::String(name)) = meta.get("name") {
        if !juju_names::is_application_name(name) {
            lint.err(format!(
                "metadata name ({name}) is not a valid Juju charm name: lowercase letters, \
                 digits and hyphens, starting with a letter, and each part after a hyphen \
                 must contain a letter"
            ));
        }
    }
}

fn check_display_name(meta: &Mapping, lint: &mut Lint) {
    match meta.get("display-name") {
        None => lint.info("`display-name` not provided, add for custom naming in the UI"),
        Some(Value::String(s)) if names::is_display_name(s) => {}
        Some(_) => lint.err(
            "display-name: not in valid format. Only letters, numbers, dashes, and hyphens are \
             permitted.",
        ),
    }
}

fn check_maintainer(meta: &Mapping, lint: &mut Lint) {
    let maintainers = match (meta.get("maintainer"), meta.get("maintainers")) {
        (Some(_), Some(_)) => {
            lint.err("Charm must not have both maintainer and maintainers fields");
            return;
        }
        (None, None) => {
            lint.err("Charm must have either a maintainer or maintainers field");
            return;
        }
        (Some(Value::Sequence(_)), None) => {
            lint.err("Maintainer field must not be a list");
            return;
        }
        (Some(one), None) => std::slice::from_ref(one),
        (None, Some(Value::Sequence(many))) => many.as_slice(),
        (None, Some(_)) => {
            lint.err("Maintainers field must be a list");
            return;
        }
    };
    for m in maintainers {
        let ok = m.as_str().is_some_and(is_name_and_email);
        if !ok {
            lint.warn(format!(
                "Maintainer format should be \"Name <Email>\", not \"{}\"",
                python::py_str(m)
            ));
        }
    }
}

/// Python's `email.utils.parseaddr` giving both a name and an address: `Name <addr>` or
/// `addr (Name)`.
fn is_name_and_email(s: &str) -> bool {
    let s = s.trim();
    if let Some((name, rest)) = s.split_once('<') {
        let name = name.trim().trim_matches('"').trim();
        return match rest.split_once('>') {
            Some((addr, tail)) => {
                !name.is_empty() && !addr.trim().is_empty() && tail.trim().is_empty()
            }
            None => false,
        };
    }
    if let Some((addr, rest)) = s.split_once('(') {
        return match rest.rsplit_once(')') {
            Some((name, tail)) => {
                !name.trim().is_empty() && !addr.trim().is_empty() && tail.trim().is_empty()
            }
            None => false,
        };
    }
    false
}

/// `tags`/`categories` (W, charm proof); Juju needs them to be lists of strings (E).
fn check_tags(meta: &Mapping, lint: &mut Lint) {
    let (tags, categories) = (meta.get("tags"), meta.get("categories"));
    if tags.is_none() && categories.is_none() {
        lint.warn("Metadata missing required field \"tags\"");
        return;
    }
    if let Some(tags) = tags {
        if !is_non_empty_list(tags) {
            lint.warn("Metadata field \"tags\" must be a non-empty list");
        }
        if !is_string_list(tags) {
            lint.err("Metadata field \"tags\" must be a list of strings");
        }
    }
    if let Some(categories) = categories {
        if !is_non_empty_list(categories) {
            lint.warn(
                "Categories metadata must be a list of one or more of: applications, \
                 app-servers, databases, file-servers, cache-proxy, misc",
            );
        }
        if !is_string_list(categories) {
            lint.err("Metadata field \"categories\" must be a list of strings");
        }
        lint.warn(
            "Categories are being deprecated in favor of tags. Please rename the \
             \"categories\" field to \"tags\".",
        );
    }
}

fn is_non_empty_list(value: &Value) -> bool {
    matches!(value.as_sequence(), Some(items) if !items.is_empty())
}

/// A list whose items are all strings (an empty list included).
fn is_string_list(value: &Value) -> bool {
    value
        .as_sequence()
        .is_some_and(|items| items.iter().all(Value::is_string))
}

/// `series` is deprecated (I); Juju still reads it for v1 charms, as a list of strings.
fn check_series(meta: &Mapping, lint: &mut Lint) {
    let Some(series) = meta.get("series") else {
        return;
    };
    lint.info("DEPRECATED: series parameter is ignored by charmcraft,use bases in charmcraft.yaml");
    if !is_string_list(series) {
        lint.err("series: must be a list of series names");
    }
}

fn check_min_juju_version(meta: &Mapping, lint: &mut Lint) {
    let Some(version) = meta.get("min-juju-version") else {
        return;
    };
    match names::min_juju_version_major(&python::py_str(version)) {
        None => lint.err("min-juju-version: invalid format, try X.Y.Z"),
        Some(major) if major < 2 => {
            lint.err("min-juju-version: invalid version, must be 2.0.0 or greater")
        }
        Some(_) => {}
    }
}

/// A dict (E, charm proof). Juju: not empty, names mapped to nothing, and no name shared
/// with a relation endpoint.
fn check_extra_bindings(meta: &Mapping, lint: &mut Lint) {
    let Some(bindings) = meta.get("extra-bindings") else {
        return;
    };
    let Some(bindings) = bindings.as_mapping() else {
        lint.err("extra-bindings: must be a dictionary");
        return;
    };
    if bindings.is_empty() {
        lint.err("extra-bindings: must not be empty");
        return;
    }
    let endpoints: Vec<String> = Role::ALL
        .iter()
        .filter_map(|r| meta.get(r.as_str()).and_then(Value::as_mapping))
        .flat_map(|m| m.keys().map(python::py_str))
        .collect();
    let mut clashes = Vec::new();
    for (name, value) in bindings {
        let name = python::py_str(name);
        if !value.is_null() {
            lint.err(format!(
                "extra-bindings.{name}: must have no value (Juju expects \"{name}:\" alone)"
            ));
        }
        if endpoints.contains(&name) {
            clashes.push(name);
        }
    }
    if !clashes.is_empty() {
        lint.err(format!(
            "extra-bindings: relation names ({}) cannot be used in extra bindings",
            clashes.join(", ")
        ));
    }
}

fn check_terms(meta: &Mapping, lint: &mut Lint) {
    if meta.get("terms").is_some_and(|t| !is_string_list(t)) {
        lint.err("terms: must be a list of term ids");
    }
}

/// Juju's metadata format selection: v2 when `manifest.yaml` has bases and there is no
/// `series`, else v1. Each format refuses the other's keys, and mixing them is ambiguous.
fn check_format(meta: &Mapping, manifest: &Manifest, lint: &mut Lint) {
    let present = |keys: &[&'static str]| -> Vec<&'static str> {
        keys.iter()
            .copied()
            .filter(|k| meta.contains_key(*k))
            .collect()
    };
    let (v1, v2) = (present(V1_ONLY), present(V2_ONLY));
    let quoted = |keys: &[&str]| {
        keys.iter()
            .map(|k| format!("\"{k}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !v1.is_empty() && !v2.is_empty() {
        lint.err(format!(
            "ambiguous metadata: keys {} cannot be used with {}",
            quoted(&v1),
            quoted(&v2)
        ));
        return;
    }
    let has_series = meta.contains_key("series");
    if manifest.has_bases() && !has_series {
        if !v1.is_empty() {
            lint.err(format!(
                "{} not valid in metadata v2 (manifest.yaml has bases and there is no series)",
                quoted(&v1)
            ));
        }
    } else {
        if !v2.is_empty() {
            lint.err(format!(
                "{} not valid in metadata v1 (needs bases in manifest.yaml and no series)",
                quoted(&v2)
            ));
        }
        if !has_series && !manifest.has_bases() {
            lint.info(
                "no series in metadata.yaml and no bases in manifest.yaml: Juju cannot tell \
                 which bases the charm runs on",
            );
        }
    }
}

/// A `revision` key is obsolete (W), and must be an int ≥ 0 (W). charm proof runs this
/// after the relation checks.
pub(super) fn check_revision_field(meta: &Mapping, lint: &mut Lint) {
    let Some(revision) = meta.get("revision") else {
        return;
    };
    lint.warn(
        "Revision should not be stored in metadata.yaml anymore. Move it to the revision file",
    );
    match python::py_int(revision) {
        Some(r) if r >= 0 => {}
        _ => lint.warn("revision should be a positive integer"),
    }
}
