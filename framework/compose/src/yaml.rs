//! Reading YAML files as PyYAML (and so charm-tools, charm proof and Juju) loads them,
//! with errors that name the file and line; writing values back as plain YAML.

use std::path::Path;

use serde_yaml::Value;

use crate::error::{io, BuildError};

/// Reads and parses a YAML file; an empty file is `null`.
pub fn load(path: &Path) -> Result<Value, BuildError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    parse(path, &text)
}

/// Parses YAML text read from `path` as PyYAML (and so charm-tools) loads it.
pub fn parse(path: &Path, text: &str) -> Result<Value, BuildError> {
    let located = |e: serde_yaml::Error| BuildError::Yaml {
        path: path.to_path_buf(),
        // An unclosed construct is reported past the end; point at the last line.
        line: e
            .location()
            .map(|l| l.line().min(text.lines().count().max(1))),
        source: e,
    };
    let value = serde_yaml::from_str::<Option<Value>>(text)
        .map_err(located)?
        .unwrap_or(Value::Null);
    as_pyyaml(value).map_err(located)
}

/// What PyYAML would have loaded: `<<` merge keys applied (serde_yaml leaves them in the
/// map) and custom `!tags` dropped (charm-tools, charm proof and Juju see only values).
pub(crate) fn as_pyyaml(mut value: Value) -> Result<Value, serde_yaml::Error> {
    value.apply_merge()?;
    Ok(untag(value))
}

fn untag(value: Value) -> Value {
    match value {
        Value::Tagged(tagged) => untag(tagged.value),
        Value::Sequence(items) => Value::Sequence(items.into_iter().map(untag).collect()),
        Value::Mapping(map) => {
            Value::Mapping(map.into_iter().map(|(k, v)| (untag(k), untag(v))).collect())
        }
        other => other,
    }
}

/// Python truthiness of a loaded value (charm-tools' deepmerge and charm proof test it).
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Sequence(items) => !items.is_empty(),
        Value::Mapping(map) => !map.is_empty(),
        Value::Tagged(tagged) => truthy(&tagged.value),
    }
}

/// The value as YAML text (plain scalars, block style).
pub(crate) fn to_yaml(v: &Value) -> String {
    // Serialising a `Value` read from YAML cannot fail: every key and value is YAML.
    serde_yaml::to_string(v).unwrap_or_default()
}

/// The 1-based line of the first line of `text` that defines `key` (`key:` at any
/// indentation), searching from `from_line` on. Used to point errors at YAML keys,
/// which serde_yaml values do not carry.
pub(crate) fn line_of_key(text: &str, key: &str, from_line: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .skip(from_line.saturating_sub(1))
        .find_map(|(i, l)| {
            let t = l.trim_start().trim_start_matches("- ");
            let t = t
                .strip_prefix('"')
                .map(|r| r.replacen('"', "", 1))
                .unwrap_or_else(|| t.to_string());
            let t = t
                .strip_prefix('\'')
                .map(|r| r.replacen('\'', "", 1))
                .unwrap_or(t);
            t.strip_prefix(key)
                .filter(|r| r.trim_start().starts_with(':'))
                .map(|_| i + 1)
        })
}

/// The 1-based line where `value` appears as a list item or scalar.
pub(crate) fn line_of_text(text: &str, value: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(value)).map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keys_are_applied_and_tags_dropped() {
        let v = parse(
            Path::new("x.yaml"),
            "a: &a {k: 1}\nb: {<<: *a, j: !custom 2}\n",
        )
        .unwrap();
        let want: Value = serde_yaml::from_str("a: {k: 1}\nb: {k: 1, j: 2}\n").unwrap();
        assert_eq!(v, want);
        assert!(!truthy(&Value::String(String::new())));
    }

    #[test]
    fn a_parse_error_keeps_the_parser_error_as_its_source() {
        let err = parse(Path::new("m.yaml"), "a: [1,\nb: 2\n").unwrap_err();
        assert!(
            matches!(err, BuildError::Yaml { line: Some(_), .. }),
            "{err:?}"
        );
        assert!(err.to_string().starts_with("m.yaml:"), "{err}");
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn lines_of_keys_and_text() {
        let text = "a:\n  b: 1\n  - \"c\": 2\nlist: [x]\n";
        assert_eq!(line_of_key(text, "b", 1), Some(2));
        assert_eq!(line_of_key(text, "c", 1), Some(3));
        assert_eq!(line_of_key(text, "a", 2), None);
        assert_eq!(line_of_text(text, "[x]"), Some(4));
    }
}
