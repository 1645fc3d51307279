//! The metadata sections charm proof checks with colander schemas: `storage`, `devices`,
//! `payloads`, `resources` and `deployment`, with colander's error wording, plus the few extra
//! rules Juju applies to storage and resources.
//!
//! Keys the schemas do not know are errors (colander's strict mappings), unless `layer.yaml`'s
//! `proof:` section declares them. Juju knows a few keys charm proof does not (`properties` on
//! storage, `countmin`/`countmax` on devices); charm proof's error is the stricter result and
//! is kept.

use super::{metadata::Extensions, names, python, Lint};
use serde_yaml::{Mapping, Value};

/// What a field must hold.
enum Kind {
    /// A non-empty string (colander treats empty and falsy values as missing).
    Str,
    /// A string from a fixed set.
    OneOf(&'static [&'static str]),
    /// A bool, or the strings `true`/`false` (charm proof's lenient `Boolean`).
    Bool,
    /// Anything Python's `int()` accepts.
    Int,
    /// A string the predicate accepts; otherwise the message.
    Pattern(fn(&str) -> bool, &'static str),
    /// A nested strict mapping.
    Map(&'static [Field]),
}

struct Field {
    name: &'static str,
    kind: Kind,
    required: bool,
}

const fn field(name: &'static str, kind: Kind, required: bool) -> Field {
    Field {
        name,
        kind,
        required,
    }
}

const STORAGE: &[Field] = &[
    field("type", Kind::OneOf(&["filesystem", "block"]), true),
    field("description", Kind::Str, false),
    field("shared", Kind::Bool, false),
    field("read-only", Kind::Bool, false),
    field(
        "minimum-size",
        Kind::Pattern(
            names::is_storage_size,
            "must be a number followed by an optional M/G/T/P, e.g. 100M",
        ),
        false,
    ),
    field("location", Kind::Str, false),
    field(
        "multiple",
        Kind::Map(&[field(
            "range",
            Kind::Pattern(
                names::is_storage_range,
                "supported formats are: m (a fixed number), m-n (an explicit range), \
                 and m- (a minimum number)",
            ),
            true,
        )]),
        false,
    ),
];

const DEVICES: &[Field] = &[
    field("type", Kind::Str, true),
    field("count", Kind::Int, false),
];

const PAYLOADS: &[Field] = &[field("type", Kind::OneOf(&["kvm", "docker"]), true)];

const RESOURCES: &[Field] = &[
    field("type", Kind::OneOf(&["file", "oci-image"]), true),
    field("filename", Kind::Str, false),
    field("description", Kind::Str, false),
];

const DEPLOYMENT: &[Field] = &[
    field(
        "type",
        Kind::OneOf(&["stateless", "stateful", "daemon"]),
        false,
    ),
    field(
        "service",
        Kind::OneOf(&["loadbalancer", "cluster", "omit"]),
        true,
    ),
    field("min-version", Kind::Str, false),
];

/// `storage` and `devices` (charm proof runs them before `series`), plus Juju's storage rules.
pub(super) fn check_storage_and_devices(meta: &Mapping, ext: &Extensions, lint: &mut Lint) {
    if let Some(storage) = meta.get("storage") {
        check_definitions("storage", "storage", storage, STORAGE, &ext.storage, lint);
        if let Some(storage) = storage.as_mapping() {
            for (name, item) in storage {
                if let Some(item) = item.as_mapping() {
                    check_storage_juju(&python::py_str(name), item, lint);
                }
            }
        }
    }
    match meta.get("devices") {
        None => {}
        Some(Value::Mapping(m)) if m.is_empty() => {}
        Some(devices) => {
            check_definitions("devices", "device", devices, DEVICES, &ext.devices, lint);
        }
    }
}

/// `payloads` (charm proof runs it after `extra-bindings`).
pub(super) fn check_payloads(meta: &Mapping, ext: &Extensions, lint: &mut Lint) {
    if let Some(payloads) = meta.get("payloads") {
        check_definitions(
            "payloads",
            "payload",
            payloads,
            PAYLOADS,
            &ext.payloads,
            lint,
        );
    }
}

/// `resources`, plus Juju's rule that a file resource names a plain file name.
pub(super) fn check_resources(meta: &Mapping, ext: &Extensions, lint: &mut Lint) {
    let Some(resources) = meta.get("resources") else {
        return;
    };
    check_definitions(
        "resources",
        "resource",
        resources,
        RESOURCES,
        &ext.resources,
        lint,
    );
    for (name, item) in resources.as_mapping().into_iter().flatten() {
        let Some(item) = item.as_mapping() else {
            continue;
        };
        let is_file = match item.get("type") {
            None => true,
            Some(t) => t.as_str() == Some("file"),
        };
        if !is_file {
            continue;
        }
        let prefix = format!("resources.{}.filename", python::py_str(name));
        match item.get("filename").and_then(Value::as_str) {
            None | Some("") => lint.err(format!(
                "{prefix}: Required (Juju needs a filename for file resources)"
            )),
            Some(f) if f.contains('/') => {
                lint.err(format!("{prefix}: \"{f}\" must be a file name, not a path"))
            }
            Some(_) => {}
        }
    }
}

/// `deployment` (a single definition; colander's paths read `deployment.deployment.*`).
pub(super) fn check_deployment(meta: &Mapping, ext: &Extensions, lint: &mut Lint) {
    let deployment = match meta.get("deployment") {
        None => return,
        Some(Value::Mapping(m)) if m.is_empty() => return,
        Some(Value::Mapping(m)) => m,
        Some(_) => {
            lint.err("deployment: must be a dict of config");
            return;
        }
    };
    check_item(
        "deployment.deployment",
        deployment,
        DEPLOYMENT,
        &ext.deployment,
        lint,
    );
}

/// A section mapping names to definitions, each checked against `fields`.
fn check_definitions(
    section: &str,
    noun: &str,
    value: &Value,
    fields: &[Field],
    ext: &[String],
    lint: &mut Lint,
) {
    let Some(defs) = value.as_mapping().filter(|m| !m.is_empty()) else {
        lint.err(format!(
            "{section}: must be a dictionary of {noun} definitions"
        ));
        return;
    };
    for (name, item) in defs {
        let prefix = format!("{section}.{}", python::py_str(name));
        match item.as_mapping() {
            Some(item) => check_item(&prefix, item, fields, ext, lint),
            None => lint.err(format!(
                "{prefix}: \"{}\" is not a mapping type",
                python::py_str(item)
            )),
        }
    }
}

fn check_item(prefix: &str, item: &Mapping, fields: &[Field], ext: &[String], lint: &mut Lint) {
    for f in fields {
        let path = format!("{prefix}.{}", f.name);
        check_field(&path, f, item.get(f.name), lint);
    }
    let unknown: Mapping = item
        .iter()
        .filter(|(k, _)| {
            let k = python::py_str(k);
            !fields.iter().any(|f| f.name == k) && !ext.contains(&k)
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !unknown.is_empty() {
        lint.err(format!(
            "{prefix}: Unrecognized keys in mapping: \"{}\"",
            python::py_repr(&Value::Mapping(unknown))
        ));
    }
}

fn check_field(path: &str, f: &Field, value: Option<&Value>, lint: &mut Lint) {
    // colander's String and Number treat falsy values as absent.
    let missing = match (&f.kind, value) {
        (_, None) => true,
        (Kind::Bool, Some(_)) => false,
        (Kind::Int, Some(v)) => {
            !python::truthy(v) && v.as_i64() != Some(0) && v.as_f64() != Some(0.0)
        }
        (_, Some(v)) => !python::truthy(v),
    };
    let Some(value) = value.filter(|_| !missing) else {
        if f.required {
            lint.err(format!("{path}: Required"));
        }
        return;
    };
    let shown = python::py_str(value);
    let as_str = || match value {
        Value::String(s) => Ok(s.as_str()),
        _ => Err(format!("{path}: {shown} is not a string")),
    };
    let problem = match &f.kind {
        Kind::Str => as_str().err(),
        Kind::OneOf(allowed) => match as_str() {
            Ok(s) if allowed.contains(&s) => None,
            Ok(_) => Some(format!(
                "{path}: \"{shown}\" is not one of {}",
                allowed.join(", ")
            )),
            Err(e) => Some(e),
        },
        Kind::Bool => match value {
            Value::Bool(_) => None,
            Value::String(s) if s == "true" || s == "false" => None,
            _ => Some(format!("{path}: \"{shown}\" is not one of true, false")),
        },
        Kind::Int => match value {
            Value::Number(_) | Value::Bool(_) => None,
            Value::String(s) if python::parse_py_int(s).is_some() => None,
            _ => Some(format!("{path}: \"{shown}\" is not a number")),
        },
        Kind::Pattern(ok, msg) => match as_str() {
            Ok(s) if ok(s) => None,
            Ok(_) => Some(format!("{path}: {msg}")),
            Err(e) => Some(e),
        },
        Kind::Map(fields) => match value.as_mapping() {
            Some(m) => {
                check_item(path, m, fields, &[], lint);
                None
            }
            None => Some(format!("{path}: \"{shown}\" is not a mapping type")),
        },
    };
    if let Some(problem) = problem {
        lint.err(problem);
    }
}

/// Juju's storage rules that charm proof lacks: no `location` on block storage, and a
/// `multiple.range` whose maximum is at least 1 and not below the minimum.
fn check_storage_juju(name: &str, item: &Mapping, lint: &mut Lint) {
    let is_block = item.get("type").and_then(Value::as_str) == Some("block");
    if is_block && item.get("location").is_some_and(python::truthy) {
        lint.err(format!(
            "storage.{name}.location: location may not be specified for \"type: block\""
        ));
    }
    let range = item
        .get("multiple")
        .and_then(|m| m.get("range"))
        .and_then(Value::as_str)
        .filter(|r| names::is_storage_range(r));
    if let Some(range) = range {
        let (min, max) = match range.split_once('-') {
            Some((min, "")) => (min, None),
            Some((min, max)) => (min, Some(max)),
            None => (range, Some(range)),
        };
        let (min, max) = (min.parse::<u64>().ok(), max.map(|m| m.parse::<u64>().ok()));
        let bad = match (min, max) {
            (Some(min), Some(Some(max))) => max == 0 || max < min,
            _ => false,
        };
        if bad {
            lint.err(format!(
                "storage.{name}.multiple.range: invalid range \"{range}\": the maximum must be \
                 at least 1 and at least the minimum"
            ));
        }
    }
}
