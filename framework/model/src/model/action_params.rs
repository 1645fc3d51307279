//! An action's `key=value` parameters as `reactive model run` takes them.

use serde_json::Value;

/// An action's `key=value` parameters as a JSON object; values are YAML.
pub(super) fn action_params(params: &[String]) -> anyhow::Result<Value> {
    let mut map = serde_json::Map::new();
    for p in params {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("expected key=value, got {p:?}"))?;
        let value: Value = serde_yaml::from_str(v).unwrap_or_else(|_| Value::String(v.to_string()));
        map.insert(k.to_string(), value);
    }
    Ok(Value::Object(map))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_parameters_are_yaml_values_else_strings() -> anyhow::Result<()> {
        let got = action_params(&["n=3".into(), "s=a: b: c".into(), "t=x".into()])?;
        assert_eq!(got, serde_json::json!({"n": 3, "s": "a: b: c", "t": "x"}));
        let err = action_params(&["novalue".into()]).map(|_| ()).unwrap_err();
        assert_eq!(err.to_string(), "expected key=value, got \"novalue\"");
        Ok(())
    }
}
