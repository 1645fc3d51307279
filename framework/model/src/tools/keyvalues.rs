//! `juju/utils` `keyvalues.Parse`, as `relation-set`, `leader-set` and `state-set`
//! use it (empty values allowed: for relation and leader settings they mean
//! "delete") and `add-metric` does (empty values refused).

use std::collections::BTreeMap;

use crate::gostr;

/// Parses `key=value` arguments: split at the first `=`, key and value trimmed,
/// empty arguments skipped, duplicates refused.
pub(crate) fn parse(args: &[String]) -> Result<BTreeMap<String, String>, String> {
    parse_with(args, true)
}

/// [`parse`], optionally refusing empty values.
pub(crate) fn parse_with(
    args: &[String],
    allow_empty_values: bool,
) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for arg in args.iter().filter(|a| !a.is_empty()) {
        let Some((key, value)) = arg.split_once('=') else {
            return Err(format!("expected \"key=value\", got {}", gostr::quote(arg)));
        };
        let (key, value) = (key.trim(), value.trim());
        if key.is_empty() || (!allow_empty_values && value.is_empty()) {
            // Juju prints the trimmed parts here, unquoted.
            return Err(format!("expected \"key=value\", got \"{key}={value}\""));
        }
        if out.contains_key(key) {
            return Err(format!(
                "key {} specified more than once",
                gostr::quote(key)
            ));
        }
        out.insert(key.to_string(), value.to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn rules() {
        let ok = parse(&strings(&[" a = b=c ", "", "d="])).unwrap_or_default();
        assert_eq!(ok.get("a").map(String::as_str), Some("b=c"));
        assert_eq!(ok.get("d").map(String::as_str), Some(""));
        assert_eq!(
            parse(&strings(&["foo"])),
            Err("expected \"key=value\", got \"foo\"".into())
        );
        assert_eq!(
            parse(&strings(&[" =x"])),
            Err("expected \"key=value\", got \"=x\"".into())
        );
        assert_eq!(
            parse_with(&strings(&["k="]), false),
            Err("expected \"key=value\", got \"k=\"".into())
        );
        assert_eq!(
            parse(&strings(&["k=1", "k =2"])),
            Err("key \"k\" specified more than once".into())
        );
    }
}
