//! An action's parameters checked as Juju checks them when `juju run` queues the action:
//! the JSON schema Juju builds from the action's entry in `actions.yaml`, its defaults
//! inserted, then the parameters validated, with the messages of the JSON-schema library
//! Juju uses (`github.com/juju/gojsonschema`). Layer: vocabulary (uses only `gostr`).
//!
//! Juju's rules, from its source
//! ([internal/charm/actions.go](https://github.com/juju/juju/blob/3.6/internal/charm/actions.go)):
//! the schema is an object whose `properties` are the action's `params`, with
//! `additionalProperties: false` unless the action says otherwise; `description`,
//! `title` and `required` are copied, `parallel` and `execution-group` are not schema
//! keys, every other key is copied as is; `$ref` and `$schema` are refused. Defaults are
//! inserted before validating, and every failure is reported, joined by `; `, after
//! `validation failed: `.
//!
//! The subset of JSON Schema (draft 4) charms use is checked here: `type` (one name or a
//! list; `integer` is a whole number), `enum`, `required`, `properties`,
//! `additionalProperties` (false or a schema), `minimum`/`maximum` (with draft 4's
//! boolean `exclusiveMinimum`/`exclusiveMaximum`), `multipleOf`,
//! `minLength`/`maxLength`, `items` (one schema), `minItems`/`maxItems`, `uniqueItems`.
//! Anything else (`pattern`, `format`, `oneOf`, …) is accepted unchecked.

use serde_json::{Map, Value};

use crate::gostr::quote;

/// The schema of one action, as Juju builds it from `actions.yaml`.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionSchema(Value);

impl ActionSchema {
    /// The schema of action `name` from its entry `spec` in `actions.yaml` (`null` for
    /// an action with no keys). The error is Juju's.
    pub fn from_spec(name: &str, spec: &serde_yaml::Value) -> anyhow::Result<ActionSchema> {
        let mut schema = Map::new();
        schema.insert("description".into(), "No description".into());
        schema.insert("type".into(), "object".into());
        schema.insert("title".into(), name.into());
        schema.insert("properties".into(), Value::Object(Map::new()));
        schema.insert("additionalProperties".into(), false.into());
        let Some(map) = spec.as_mapping() else {
            return Ok(ActionSchema(Value::Object(schema)));
        };
        for (key, value) in map {
            let key = key
                .as_str()
                .ok_or_else(|| anyhow::anyhow!("map keyed with non-string value"))?;
            let value: Value = serde_json::to_value(value)
                .map_err(|_| anyhow::anyhow!("map keyed with non-string value"))?;
            refuse_prohibited(&value)?;
            match key {
                "description" | "title" => {
                    anyhow::ensure!(
                        value.is_string(),
                        "value for schema key {} must be a string",
                        quote(key)
                    );
                    schema.insert(key.into(), value);
                }
                "required" => {
                    anyhow::ensure!(
                        value.is_array(),
                        "value for schema key {} must be a YAML list",
                        quote(key)
                    );
                    schema.insert(key.into(), value);
                }
                "parallel" | "execution-group" => {}
                "params" => {
                    anyhow::ensure!(value.is_object(), "params failed to parse as a map");
                    schema.insert("properties".into(), value);
                }
                _ => {
                    schema.insert(key.into(), value);
                }
            }
        }
        Ok(ActionSchema(Value::Object(schema)))
    }

    /// The schema as JSON.
    pub fn as_json(&self) -> &Value {
        &self.0
    }

    /// Fills in the schema's defaults for parameters not given (in nested objects that
    /// are given too), as Juju does before validating.
    pub fn insert_defaults(&self, params: &mut Map<String, Value>) {
        insert_defaults(&self.0, params);
    }

    /// Checks `params` against the schema; the error is Juju's
    /// (`validation failed: (root).name : must be of type string, given 123`).
    pub fn validate(&self, params: &Map<String, Value>) -> Result<(), String> {
        let mut errors = Vec::new();
        check(
            &self.0,
            &Value::Object(params.clone()),
            "(root)",
            &mut errors,
        );
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!("validation failed: {}", errors.join("; ")))
        }
    }
}

/// Juju refuses references: a schema must stand alone.
fn refuse_prohibited(value: &Value) -> anyhow::Result<()> {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                anyhow::ensure!(
                    k != "$ref" && k != "$schema",
                    "schema key {} not compatible with this version of juju",
                    quote(k)
                );
                refuse_prohibited(v)?;
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(refuse_prohibited),
        _ => Ok(()),
    }
}

fn insert_defaults(schema: &Value, target: &mut Map<String, Value>) {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (name, prop) in props {
        match target.get_mut(name) {
            None => {
                if let Some(d) = prop.get("default") {
                    target.insert(name.clone(), d.clone());
                }
            }
            Some(Value::Object(inner)) => insert_defaults(prop, inner),
            Some(_) => {}
        }
    }
}

/// JSON as Go's `encoding/json` writes it (what gojsonschema shows after `given`):
/// compact, keys sorted, whole numbers without a fraction, `<`, `>` and `&` escaped.
fn go_json(value: &Value) -> String {
    fn whole(v: &Value) -> Value {
        match v {
            Value::Number(n) => match n.as_f64() {
                Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => {
                    Value::from(f as i64)
                }
                _ => v.clone(),
            },
            Value::Array(a) => Value::Array(a.iter().map(whole).collect()),
            Value::Object(m) => {
                Value::Object(m.iter().map(|(k, v)| (k.clone(), whole(v))).collect())
            }
            _ => v.clone(),
        }
    }
    // serde_json's map is sorted (no `preserve_order`), as Go sorts map keys.
    serde_json::to_string(&whole(value))
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// A number as Go's `%v` prints a float64 (`0`, `9`, `0.5`).
fn go_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn is_type(value: &Value, name: &str) -> bool {
    match name {
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "number" => value.is_number(),
        "integer" => {
            value.is_i64()
                || value.is_u64()
                || value
                    .as_f64()
                    .is_some_and(|f| f.is_finite() && f.fract() == 0.0)
        }
        // An unknown type name matches nothing, as in gojsonschema.
        _ => false,
    }
}

/// Numbers compare by value (`1` equals `1.0`), the rest structurally.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// Checks `value` against `schema`, adding one message per failure to `errors`;
/// `at` names the value (`(root)`, `(root).name`).
fn check(schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else {
        return;
    };
    let mut fail = |what: String| errors.push(format!("{at} : {what}, given {}", go_json(value)));
    if let Some(t) = schema.get("type") {
        let names: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !names.is_empty() && !names.iter().any(|n| is_type(value, n)) {
            fail(format!("must be of type {}", names.join(", ")));
            // Nothing else about a value of the wrong type is worth saying.
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.iter().any(|a| json_eq(a, value)) {
            let list: Vec<String> = allowed.iter().map(go_json).collect();
            fail(format!(
                "must match one of the enum values [{}]",
                list.join(",")
            ));
        }
    }
    let num = |k: &str| schema.get(k).and_then(Value::as_f64);
    let flag = |k: &str| schema.get(k).and_then(Value::as_bool).unwrap_or(false);
    if let Some(n) = value.as_f64() {
        if let Some(min) = num("minimum") {
            if flag("exclusiveMinimum") && n <= min {
                fail(format!("must be greater than {}", go_number(min)));
            } else if n < min {
                fail(format!(
                    "must be greater than or equal to {}",
                    go_number(min)
                ));
            }
        }
        if let Some(max) = num("maximum") {
            if flag("exclusiveMaximum") && n >= max {
                fail(format!("must be lower than {}", go_number(max)));
            } else if n > max {
                fail(format!("must be lower than or equal to {}", go_number(max)));
            }
        }
        if let Some(m) = num("multipleOf").filter(|m| *m > 0.0) {
            let q = n / m;
            if (q - q.round()).abs() > 1e-9 {
                fail(format!("must be a multiple of {}", go_number(m)));
            }
        }
    }
    if let Some(s) = value.as_str() {
        let len = s.chars().count() as f64;
        if let Some(min) = num("minLength").filter(|m| len < *m) {
            fail(format!(
                "string length must be greater or equal to {}",
                go_number(min)
            ));
        }
        if let Some(max) = num("maxLength").filter(|m| len > *m) {
            fail(format!(
                "string length must be lower or equal to {}",
                go_number(max)
            ));
        }
    }
    if let Some(items) = value.as_array() {
        let len = items.len() as f64;
        if let Some(min) = num("minItems").filter(|m| len < *m) {
            fail(format!("array must have at least {} items", go_number(min)));
        }
        if let Some(max) = num("maxItems").filter(|m| len > *m) {
            fail(format!("array must have at most {} items", go_number(max)));
        }
        if flag("uniqueItems")
            && items
                .iter()
                .enumerate()
                .any(|(i, a)| items[i + 1..].iter().any(|b| json_eq(a, b)))
        {
            fail("array items must be unique".to_string());
        }
        if let Some(item_schema) = schema.get("items").filter(|s| s.is_object()) {
            for (i, item) in items.iter().enumerate() {
                check(item_schema, item, &format!("{at}.{i}"), errors);
            }
        }
    }
    if let Some(obj) = value.as_object() {
        check_object(schema, value, obj, at, errors);
    }
}

fn check_object(
    schema: &Map<String, Value>,
    value: &Value,
    obj: &Map<String, Value>,
    at: &str,
    errors: &mut Vec<String>,
) {
    let given = go_json(value);
    for r in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if !obj.contains_key(r) {
            errors.push(format!(
                "{at} : {} property is missing and required, given {given}",
                quote(r)
            ));
        }
    }
    let props = schema.get("properties").and_then(Value::as_object);
    let additional = schema.get("additionalProperties");
    for (k, v) in obj {
        match props.and_then(|p| p.get(k)) {
            Some(prop) => check(prop, v, &format!("{at}.{k}"), errors),
            None => match additional {
                Some(Value::Bool(false)) => errors.push(format!(
                    "{at} : additional property {} is not allowed, given {given}",
                    quote(k)
                )),
                Some(extra @ Value::Object(_)) => check(extra, v, &format!("{at}.{k}"), errors),
                _ => {}
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(yaml: &str) -> ActionSchema {
        let spec: serde_yaml::Value = serde_yaml::from_str(yaml).expect("test yaml");
        ActionSchema::from_spec("snapshot", &spec).expect("schema")
    }

    fn params(json: &str) -> Map<String, Value> {
        serde_json::from_str(json).expect("test json")
    }

    #[test]
    fn juju_messages_for_type_required_and_additional_properties() {
        // The expected texts are those of Juju's own tests of ValidateParams.
        let s = schema(
            "params:\n  outfile: {type: string}\n  quality: {type: integer, minimum: 0, maximum: 9}\nrequired: [outfile]\n",
        );
        assert_eq!(
            s.validate(&params(r#"{"outfile": 5}"#)),
            Err("validation failed: (root).outfile : must be of type string, given 5".into())
        );
        assert_eq!(
            s.validate(&params(r#"{"outfile": "foo.bz", "bar": "foo"}"#)),
            Err(r#"validation failed: (root) : additional property "bar" is not allowed, given {"bar":"foo","outfile":"foo.bz"}"#.into())
        );
        assert_eq!(
            s.validate(&params(r#"{"quality": 5}"#)),
            Err(r#"validation failed: (root) : "outfile" property is missing and required, given {"quality":5}"#.into())
        );
        assert_eq!(
            s.validate(&params(r#"{"outfile": "o", "quality": "two"}"#)),
            Err(
                r#"validation failed: (root).quality : must be of type integer, given "two""#
                    .into()
            )
        );
        assert_eq!(
            s.validate(&params(r#"{"outfile": "o", "quality": 5.0}"#)),
            Ok(())
        );
        assert_eq!(
            s.validate(&params(r#"{"outfile": "o", "quality": 10}"#)),
            Err(
                "validation failed: (root).quality : must be lower than or equal to 9, given 10"
                    .into()
            )
        );
    }

    #[test]
    fn additional_properties_true_allows_extra_parameters_and_refs_are_refused() {
        let s = schema("params:\n  a: {type: string}\nadditionalProperties: true\n");
        assert_eq!(s.validate(&params(r#"{"a": "x", "b": 1}"#)), Ok(()));
        let spec: serde_yaml::Value =
            serde_yaml::from_str("params:\n  a: {$ref: '#/x'}\n").expect("yaml");
        let err = ActionSchema::from_spec("x", &spec).unwrap_err();
        assert_eq!(
            err.to_string(),
            "schema key \"$ref\" not compatible with this version of juju"
        );
    }

    #[test]
    fn defaults_fill_in_before_validation() {
        let s = schema("params:\n  mode: {type: string, default: full, enum: [full, quick]}\n");
        let mut p = Map::new();
        s.insert_defaults(&mut p);
        assert_eq!(
            Value::Object(p.clone()),
            serde_json::json!({"mode": "full"})
        );
        assert_eq!(s.validate(&p), Ok(()));
        assert_eq!(
            s.validate(&params(r#"{"mode": "slow"}"#)),
            Err(r#"validation failed: (root).mode : must match one of the enum values ["full","quick"], given "slow""#.into())
        );
    }
}
